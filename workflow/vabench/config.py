"""Load and validate the study configuration.

Validation happens once, before any job: the JSON schema (types, ranges, unknown keys,
defaults) and then the cross-field rules that a schema cannot express. Every failure is a
:class:`ConfigError` whose message is one line naming the key.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from pathlib import Path

import jsonschema
import yaml

from vabench.models import get_model

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A configuration value is malformed; the message is one line naming the key."""


def _extend_with_default(validator_class):
    # jsonschema does not fill defaults itself; this is the extension its FAQ gives.
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_DefaultFillingValidator = _extend_with_default(jsonschema.Draft7Validator)


def load_schema(path=SCHEMA_PATH) -> dict:
    with open(path) as fh:
        return fill_engine_enums(yaml.safe_load(fh))


def fill_engine_enums(schema):
    """Every ``x-engines: true`` string in the schema gets the engine registry's names as its enum."""
    from vabench.backends import names

    if isinstance(schema, dict):
        if schema.pop("x-engines", False):
            schema["enum"] = names()
        for value in schema.values():
            fill_engine_enums(value)
    elif isinstance(schema, list):
        for value in schema:
            fill_engine_enums(value)
    return schema


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        where = f"'{key}'" if error.absolute_path else "the top level"
        return f"unknown key(s) {extra} in {where}; allowed keys: {', '.join(allowed)}"
    if error.validator == "enum":
        return (
            f"'{key}': {error.instance!r} is not allowed; allowed values: {', '.join(map(str, error.validator_value))}"
        )
    if error.validator == "required":
        return f"'{key}': {error.message}"
    return f"'{key}': {error.message}"


def _is_multiple(value: float, step: float) -> bool:
    ratio = value / step
    return math.isclose(ratio, round(ratio), rel_tol=0, abs_tol=1e-9)


def _cross_field_checks(cfg: dict) -> None:
    model, sim = get_model(cfg), cfg["simulation"]
    cell, where = cfg[model.cell_section], model.cell_section
    if "v_thresh" in cell and cell["v_thresh"] <= cell["v_reset"]:
        raise ConfigError(
            f"'{where}.v_thresh' ({cell['v_thresh']} mV) must be above '{where}.v_reset' ({cell['v_reset']} mV)"
        )
    _check_weight_keys(cfg, model)
    if model.current_based and cfg["stimulus"]["n_sources"]:
        raise ConfigError(
            f"'stimulus.n_sources': model '{model.name}' takes no thalamic stimulus (its cells fire on their own, "
            "and stimulus.weight_nS is a conductance); set stimulus.n_sources: 0"
        )
    dt, delay = sim["dt_ms"], sim["delay_ms"]
    if not _is_multiple(delay, dt):
        raise ConfigError(f"'simulation.delay_ms' ({delay}) must be a whole multiple of 'simulation.dt_ms' ({dt})")
    if delay < dt - 1e-12:
        raise ConfigError(f"'simulation.delay_ms' ({delay}) must be at least 'simulation.dt_ms' ({dt})")
    t_start = cfg["analysis"]["t_start_ms"]
    if t_start >= sim["t_stop_ms"]:
        raise ConfigError(
            f"'analysis.t_start_ms' ({t_start}) must be below 'simulation.t_stop_ms' ({sim['t_stop_ms']})"
        )
    windows = cfg["compare"]["divergence_windows_ms"]
    if any(b <= a for a, b in zip(windows, windows[1:])):
        raise ConfigError(f"'compare.divergence_windows_ms': edges {windows} must increase")
    spec = cfg["spectra"]
    low, high = spec["freq_range_hz"]
    if low >= high:
        raise ConfigError(f"'spectra.freq_range_hz': low ({low}) must be below high ({high})")
    if high >= 500.0 / spec["bin_ms"]:
        raise ConfigError(
            f"'spectra.freq_range_hz': high ({high} Hz) must be below the Nyquist frequency 500 / spectra.bin_ms ({500.0 / spec['bin_ms']:g} Hz)"
        )
    if spec["t_start_ms"] + 8 * spec["bin_ms"] > sim["t_stop_ms"]:
        raise ConfigError(
            f"'spectra.t_start_ms' ({spec['t_start_ms']}) leaves fewer than 8 bins before 'simulation.t_stop_ms' ({sim['t_stop_ms']})"
        )
    sweep = cfg["sweep"]
    if t_start >= sweep["t_stop_ms"]:
        raise ConfigError(f"'analysis.t_start_ms' ({t_start}) must be below 'sweep.t_stop_ms' ({sweep['t_stop_ms']})")
    for axis in ("g_exc_nS", "g_inh_nS"):
        spec = sweep[axis]
        if isinstance(spec, dict) and spec["stop"] < spec["start"]:
            raise ConfigError(f"'sweep.{axis}': stop ({spec['stop']}) is below start ({spec['start']})")
    from vabench.backends import get_engine

    for backend in dict.fromkeys(cfg["backends"] + sweep["backends"]):
        engine = get_engine(backend)
        implemented = engine.models
        if cfg["model"] not in implemented:
            raise ConfigError(
                f"'model': engine '{backend}' does not implement model '{cfg['model']}'; it implements: {', '.join(implemented)}"
            )
        problem = engine.check_config(cfg)
        if problem:
            raise ConfigError(problem)
    n_exc = round(cfg["network"]["n_cells"] * cfg["network"]["exc_fraction"])
    if n_exc < 1 or n_exc >= cfg["network"]["n_cells"]:
        raise ConfigError("'network.exc_fraction' leaves one population empty for this 'network.n_cells'")
    seen = set()
    for i, w in enumerate(cfg["weights"]):
        label = weights_label(*weight_pair(w, cfg["model"]), cfg["model"])
        if label in seen:
            raise ConfigError(f"'weights.{i}': duplicate weight set {label}")
        seen.add(label)


def _check_weight_keys(cfg: dict, model) -> None:
    """Each weight set, and the map's axes, in the model's quantity and unit (a conductance in nS
    for COBA and HH-COBA, a current in pA for CUBA)."""
    keys = model.weight_keys
    for i, w in enumerate(cfg["weights"]):
        if set(w) != set(keys):
            raise ConfigError(
                f"'weights.{i}': model '{model.name}' takes the weights {' and '.join(keys)} ({model.weight_unit}), not {', '.join(sorted(w))}"
            )
    sweep = cfg["sweep"]
    if keys[0] not in sweep and sweep["backends"]:
        raise ConfigError(
            f"'sweep.backends': model '{model.name}' has no sustained-activity map (its cells fire without input; config/README.md); set sweep.backends: []"
        )


def weight_pair(w: dict, model: str = "coba") -> tuple[float, float]:
    """One weight set of the config as (excitatory, inhibitory), in the model's unit."""
    exc, inh = get_model(model).weight_keys
    return float(w[exc]), float(w[inh])


def run_params(cfg: dict) -> dict:
    """What a simulation depends on, from the validated config: ``stimulus``, ``simulation``, the
    traced cells, the model's cell section as ``cell`` and, for a model other than COBA, ``model``
    (so COBA's params, and its files, are those it had before models existed)."""
    model = get_model(cfg)
    out = {k: cfg[k] for k in ("stimulus", "simulation")}
    out["cell"] = cfg[model.cell_section]
    out["record"] = {"n_traced": cfg["record"]["n_traced"]}
    if model.name != "coba":
        out["model"] = model.name
    return out


def validate_config(cfg: dict | None) -> dict:
    """Return a validated copy of ``cfg`` with every default filled in."""
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, dict):
        raise ConfigError(f"the configuration must be a mapping of keys, not {type(cfg).__name__}")
    cfg = validate_against(cfg, load_schema())
    _cross_field_checks(cfg)
    return cfg


def validate_against(cfg: dict, schema: dict) -> dict:
    """A copy of ``cfg`` with the schema's defaults filled in; ConfigError names the first bad key."""
    cfg = copy.deepcopy(cfg)
    _refuse_non_finite(cfg, [])
    validator = _DefaultFillingValidator(schema)
    errors = sorted(validator.iter_errors(cfg), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        raise ConfigError(_describe(errors[0]))
    _integers_as_int(cfg, schema)
    return cfg


def _refuse_non_finite(obj, path) -> None:
    # NaN passes every range check of the schema (comparisons with NaN are false).
    if isinstance(obj, dict):
        for k, v in obj.items():
            _refuse_non_finite(v, path + [k])
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _refuse_non_finite(v, path + [i])
    elif isinstance(obj, float) and not math.isfinite(obj):
        raise ConfigError(f"'{_key(path)}': {obj} is not a finite number")


def _integers_as_int(obj, schema) -> None:
    # JSON schema's "integer" accepts 4000.0; paths and names need 4000.
    if isinstance(obj, dict):
        for k, sub in schema.get("properties", {}).items():
            if k in obj:
                if sub.get("type") == "integer":
                    obj[k] = int(obj[k])
                else:
                    _integers_as_int(obj[k], sub)
    elif isinstance(obj, list) and "items" in schema:
        for item in obj:
            _integers_as_int(item, schema["items"])


def load_config(*paths: str | Path) -> dict:
    """Read YAML files (later ones override earlier ones, key by key) and validate."""
    merged: dict = {}
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"config file '{path}' does not exist")
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(f"config file '{path}'{where}: YAML syntax error") from None
        if not isinstance(data, dict):
            raise ConfigError(
                f"config file '{path}': the top level must be a mapping of keys, not {type(data).__name__}"
            )
        _deep_update(merged, data)
    return validate_config(merged)


def _deep_update(base: dict, extra: dict) -> dict:
    # Same merge rule as snakemake's --configfile: mappings merge key by key, the rest replaces.
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = value
    return base


def weights_label(exc: float, inh: float, model: str = "coba") -> str:
    """Paramspace-style path segment with fixed formatting: ``gexc~4.0_ginh~51.0`` for a
    conductance pair (nS), ``wexc~16.2_winh~90.0`` for CUBA's currents (pA)."""
    g = "g" if get_model(model).weight_unit == "nS" else "w"
    return f"{g}exc~{float(exc)!r}_{g}inh~{float(inh)!r}"


def parse_weights_label(label: str) -> tuple[float, float]:
    gexc, ginh = label.split("_")
    return float(gexc.split("~")[1]), float(ginh.split("~")[1])


def network_params(cfg: dict, replicate: int = 0) -> dict:
    """Everything that defines one stored network (weights are not part of it).

    Replicate r > 0 is the same network with one thalamic spike moved by one dt (the
    within-simulator chaos reference); replicate 0 is the network itself, and its
    parameters (and so its name) are the same as before replicates existed.
    """
    out = {
        "network": dict(cfg["network"]),
        "stimulus": dict(cfg["stimulus"]),
        "dt_ms": cfg["simulation"]["dt_ms"],
        "stimulus_onset_ms": cfg["simulation"]["delay_ms"],
        "v_init_range_mV": get_model(cfg).v_init_range_mV(cfg),
    }
    if replicate:
        out["replicate"] = int(replicate)
    return out


def config_hash(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def with_seed(cfg: dict, seed: int) -> dict:
    """The same configuration with another network seed."""
    out = copy.deepcopy(cfg)
    out["network"]["seed"] = int(seed)
    return out


def network_name(cfg: dict, replicate: int = 0) -> str:
    """Readable prefix plus a short hash of every network-defining parameter:
    ``N4000_seed7_1a2b3c4d``, and ``N4000_seed7r1_...`` for replicate 1."""
    params = network_params(cfg, replicate)
    net = params["network"]
    rep = f"r{replicate}" if replicate else ""
    return f"N{net['n_cells']}_seed{net['seed']}{rep}_{config_hash(params)[:8]}"


def ensemble_networks(cfg: dict) -> list[dict]:
    """Every network of the study's ensemble: one per (seed, replicate), replicate 0 first.

    Each item: seed, replicate, name, params.
    """
    out = []
    for seed in cfg["ensemble"]["seeds"]:
        seeded = with_seed(cfg, seed)
        for rep in range(cfg["ensemble"]["replicates"] + 1):
            out.append(
                {
                    "seed": int(seed),
                    "replicate": rep,
                    "name": network_name(seeded, rep),
                    "params": network_params(seeded, rep),
                }
            )
    return out


def seed_blocks(seeds: list[int], seeds_per_job: int | None) -> list[list[int]]:
    """Consecutive seeds of the ensemble in blocks of ``seeds_per_job`` (None: one block), the
    runs one analysis job takes per backend and weight set."""
    k = seeds_per_job or len(seeds)
    return [list(seeds[i : i + k]) for i in range(0, len(seeds), k)]


def block_label(seeds: list[int]) -> str:
    """A block's path segment, named by its first seed: ``seeds-from~98765``. Seeds appended to
    the last block keep its name (the block is rerun in place: its inputs changed)."""
    return f"seeds-from~{seeds[0]}"
