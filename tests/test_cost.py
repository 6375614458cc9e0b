"""The cost table (vabench.cost) over benchmark files that Snakemake itself wrote: a throw-away
workflow of three rules (one of them a simulation, run with two repeats) run in a tmp dir."""

import csv
import re
import subprocess
import sys
import textwrap

import pytest

from vabench.cost import cost_table, main, print_cost_table

SNAKEFILE = textwrap.dedent("""
    rule all:
        input:
            "out/done.txt",

    rule simulate_x:
        output:
            "out/{x}.sim",
        benchmark:
            repeat("benchmarks/simulate_x/{x}.tsv", 2)
        shell:
            "sleep 0.3; echo {wildcards.x} > {output}"

    rule analyse:
        input:
            "out/{x}.sim",
        output:
            "out/{x}.txt",
        benchmark:
            "benchmarks/analyse/{x}/stats.tsv"
        shell:
            "sleep 0.05; cat {input} > {output}"

    rule gather:
        input:
            expand("out/{x}.txt", x=["a", "b"]),
        output:
            "out/done.txt",
        benchmark:
            "benchmarks/gather/all.tsv"
        shell:
            "cat {input} > {output}"
""")


@pytest.fixture(scope="module")
def benchmarks(tmp_path_factory):
    work = tmp_path_factory.mktemp("cost")
    (work / "Snakefile").write_text(SNAKEFILE)
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", "--quiet"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work / "benchmarks"


def mean_wall(path) -> float:
    """A job's wall time read straight from its file: the mean of its repeat rows."""
    with open(path) as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return sum(float(r["s"]) for r in rows) / len(rows)


def test_one_row_per_rule(benchmarks):
    table = cost_table(benchmarks)
    by_rule = table.set_index("rule")
    assert by_rule["jobs"].to_dict() == {"simulate_x": 2, "analyse": 2, "gather": 1}
    assert by_rule["kind"].to_dict() == {"simulate_x": "simulation", "analyse": "workflow", "gather": "workflow"}
    assert table["wall_share_pct"].sum() == pytest.approx(100.0)
    assert list(table["wall_s_total"]) == sorted(table["wall_s_total"], reverse=True)
    # the repeated job counts its mean, not its two rows
    sim = [mean_wall(p) for p in sorted((benchmarks / "simulate_x").glob("*.tsv"))]
    assert by_rule.loc["simulate_x", "wall_s_total"] == pytest.approx(sum(sim))
    assert by_rule.loc["simulate_x", "wall_s_mean"] == pytest.approx(sum(sim) / 2)
    assert (table["max_rss_mb"] >= 0).all() and (table["cpu_s_total"] >= 0).all()

    text = print_cost_table(table)
    others = sum(mean_wall(p) for rule in ("analyse", "gather") for p in (benchmarks / rule).rglob("*.tsv"))
    ratio = re.search(r"others / simulation wall: ([\d.]+)% \(target <= 25%: (\w+)\)", text)
    assert ratio and float(ratio.group(1)) == pytest.approx(100 * others / sum(sim), abs=0.051)
    assert ratio.group(2) == ("within" if others / sum(sim) <= 0.25 else "over")
    assert "jobs: 5" in text and "simulation rules:" in text and "other rules:" in text


def test_not_measured_values(benchmarks, tmp_path):
    """Snakemake writes NA (nothing measured) and - (None): the job still counts its wall time."""
    lines = (benchmarks / "gather" / "all.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    row = lines[1].split("\t")
    na = {"max_rss": "NA", "cpu_time": "NA", "mean_load": "-"}
    row_na = [na.get(h, v) for h, v in zip(header, row)]
    (tmp_path / "gather").mkdir()
    (tmp_path / "gather" / "all.tsv").write_text("\t".join(header) + "\n" + "\t".join(row_na) + "\n")
    table = cost_table(tmp_path)
    assert table.loc[0, "jobs"] == 1 and table.loc[0, "wall_s_total"] == pytest.approx(float(row[0]))
    assert "nan" in print_cost_table(table)  # shown as not measured, not as 0


def test_cli_writes_the_table(benchmarks, tmp_path, capsys):
    assert main(["--benchmarks", str(benchmarks), "--out", str(tmp_path / "cost.tsv")]) == 0
    header = (tmp_path / "cost.tsv").read_text().splitlines()[0].split("\t")
    assert header[:3] == ["rule", "kind", "jobs"] and "wall_share_pct" in header
    assert "others / simulation wall" in capsys.readouterr().out


@pytest.mark.parametrize("make", [False, True], ids=["missing", "empty"])
def test_no_benchmarks_is_one_line_error(tmp_path, make):
    folder = tmp_path / "benchmarks"
    if make:
        folder.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "vabench.cost", "--benchmarks", str(folder)], capture_output=True, text=True
    )
    assert proc.returncode != 0 and str(folder) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
