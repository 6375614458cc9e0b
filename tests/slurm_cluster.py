"""A throw-away one-node SLURM cluster on localhost, for tests/test_slurm.py.

``SlurmCluster`` writes a slurm.conf, starts munged, slurmctld and slurmd as child processes in
the foreground (logs in a temporary folder), waits until ``sinfo`` shows the node idle, and at
``stop()`` cancels its jobs and ends exactly the three daemons it started, by PID.

Needs root (slurmd launches jobs; the config must be ``/etc/slurm/slurm.conf`` because the
snakemake job-step plugin drops ``SLURM_CONF`` from the job's environment) and Debian's
``slurmctld slurmd slurm-client munge`` packages: ``ensure_slurm()`` installs them with
apt-get where they are missing and it can, and otherwise says why it cannot.
An existing ``/etc/slurm/slurm.conf`` that this module did not write is never touched.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SLURM_CONF = Path("/etc/slurm/slurm.conf")
MARKER = "# written by vabench tests/slurm_cluster.py"
PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
PROGRAMS = ("slurmctld", "slurmd", "munged", "sbatch", "squeue", "sinfo", "scancel")


def program(name):
    """Full path of a SLURM or munge program (the daemons live in /usr/sbin, not always on PATH)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/bin", "/sbin"):
        if os.access(Path(folder, name), os.X_OK):
            return str(Path(folder, name))
    return None


def missing_programs():
    return [p for p in PROGRAMS if program(p) is None]


def ensure_slurm(timeout=600):
    """None when SLURM can run here (installing it if needed), else the reason it cannot."""
    if os.geteuid() != 0:
        return "the test cluster needs root (slurmd launches the jobs; the config goes to /etc/slurm)"
    if SLURM_CONF.exists() and MARKER not in SLURM_CONF.read_text(errors="replace"):
        return f"{SLURM_CONF} exists and was not written by this test: not overwriting a real SLURM setup"
    if not missing_programs():
        return None
    if shutil.which("apt-get") is None:
        return f"SLURM is not installed ({', '.join(missing_programs())} missing) and apt-get is not available"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *PACKAGES]):
            proc = subprocess.run(
                cmd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
            if proc.returncode != 0:
                return f"SLURM is not installed and `{' '.join(cmd)}` failed: {proc.stderr.strip()[-300:]}"
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"SLURM is not installed and apt-get failed: {err}"
    if missing_programs():
        return f"SLURM packages installed but {', '.join(missing_programs())} still missing"
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mem_total_mb():
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    raise RuntimeError("no MemTotal in /proc/meminfo")


class SlurmCluster:
    """One node (this host, 127.0.0.1), one partition ``debug``, no accounting database."""

    def __init__(self):
        self.host = socket.gethostname().split(".")[0]
        self.cpus = len(os.sched_getaffinity(0))
        self.mem_mb = max(_mem_total_mb() - 512, 1024)
        self.base = None
        self.procs = {}  # name -> Popen, the daemons this object started

    # -- set-up ------------------------------------------------------------------------
    def _munge_key(self, munge_dir, user):
        key = Path("/etc/munge/munge.key")
        if key.exists():
            return key
        key = munge_dir / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chown(key, user.pw_uid, user.pw_gid)
        key.chmod(0o600)
        return key

    def _write_conf(self):
        b = self.base
        text = f"""{MARKER}: a throw-away test cluster, removed when the test ends
ClusterName=vabench-test
SlurmctldHost={self.host}(127.0.0.1)
SlurmctldPort={self.ctld_port}
SlurmdPort={self.slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={b}/state
SlurmdSpoolDir={b}/spool
SlurmctldPidFile={b}/slurmctld.pid
SlurmdPidFile={b}/slurmd.pid
SlurmctldLogFile={b}/log/slurmctld.log
SlurmdLogFile={b}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
InactiveLimit=0
KillWait=5
NodeName={self.host} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.mem_mb} State=UNKNOWN
PartitionName=debug Nodes={self.host} Default=YES MaxTime=INFINITE State=UP
"""
        SLURM_CONF.parent.mkdir(parents=True, exist_ok=True)
        SLURM_CONF.write_text(text)

    def _start(self, name, cmd, **kwargs):
        log = open(self.base / "log" / f"{name}.out", "w")
        self.procs[name] = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kwargs
        )
        log.close()

    def _check_alive(self):
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}) while starting:\n{self.logs()}")

    def start(self, timeout=60):
        reason = ensure_slurm()
        if reason:
            raise RuntimeError(reason)
        self.base = Path(tempfile.mkdtemp(prefix="vabench-slurm-"))
        self.base.chmod(0o755)  # munged runs as user munge and must reach its folder
        for sub in ("state", "spool", "log"):
            (self.base / sub).mkdir()
        self.ctld_port, self.slurmd_port = _free_port(), _free_port()

        munge_user = pwd.getpwnam("munge")
        munge_dir = self.base / "munge"
        munge_dir.mkdir(mode=0o755)
        os.chown(munge_dir, munge_user.pw_uid, munge_user.pw_gid)
        munge_dir.chmod(0o755)
        self.munge_socket = munge_dir / "munge.socket"
        key = self._munge_key(munge_dir, munge_user)
        self._start(
            "munged",
            [
                program("munged"),
                "--foreground",
                f"--socket={self.munge_socket}",
                f"--key-file={key}",
                f"--log-file={munge_dir}/munged.log",
                f"--pid-file={munge_dir}/munged.pid",
                f"--seed-file={munge_dir}/munged.seed",
            ],
            user=munge_user.pw_uid,
            group=munge_user.pw_gid,
        )
        self._wait(lambda: self.munge_socket.exists(), timeout, "munged socket")

        self._write_conf()
        self._start("slurmctld", [program("slurmctld"), "-D", "-i"])
        self._start("slurmd", [program("slurmd"), "-D", "-N", self.host])
        self._wait(lambda: self.node_state() == "idle", timeout, "node idle in sinfo")
        return self

    def _wait(self, ready, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"SLURM test cluster: no {what} after {timeout} s:\n{self.logs()}")

    def node_state(self):
        proc = subprocess.run(
            [program("sinfo"), "-h", "-N", "-o", "%t", "-n", self.host],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        return proc.stdout.strip() if proc.returncode == 0 else None

    def logs(self, tail=3000):
        if self.base is None:
            return ""
        out = []
        for path in sorted((self.base / "log").glob("*")) + sorted((self.base / "munge").glob("*.log")):
            out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(out)

    # -- tear-down ---------------------------------------------------------------------
    def stop(self):
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            jobs = subprocess.run(
                [program("squeue"), "-h", "-o", "%i"], capture_output=True, text=True, stdin=subprocess.DEVNULL
            ).stdout.split()
            if jobs:
                subprocess.run([program("scancel"), *jobs], capture_output=True, stdin=subprocess.DEVNULL)
                deadline = time.monotonic() + 15
                while (
                    time.monotonic() < deadline
                    and subprocess.run(
                        [program("squeue"), "-h", "-o", "%i"], capture_output=True, text=True, stdin=subprocess.DEVNULL
                    ).stdout.split()
                ):
                    time.sleep(0.5)
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if SLURM_CONF.exists() and MARKER in SLURM_CONF.read_text(errors="replace"):
            SLURM_CONF.unlink()
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
