"""A real single-node Slurm on localhost for the tests: its own munged, slurmctld and slurmd.

Everything lives in one temporary folder: the munge key and socket, slurm.conf, the state and
spool folders, the pid and log files. The daemons listen on free ports and munge talks over a
private socket (AuthInfo=socket=...), so a system munged or Slurm, if any, is neither needed nor
touched. Clients find this cluster through SLURM_CONF, which `env` (and `run`) provide.

    with LocalSlurm() as slurm:
        job = slurm.run("sbatch", "--parsable", "--wrap", "hostname").stdout.strip()
        states = slurm.wait_for_jobs([job], timeout=30)

The pytest fixture `local_slurm` (module scope) does the same. Starting Slurm FAILS, never skips,
when something is missing: the reason and the daemons' log tails are in the message. Stopping
cancels the cluster's jobs, ends exactly the processes it started and removes the folder (set
CLUSTERSIM_SLURM_KEEP=1 to keep it for a look).
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

# Job states after which a job will not change any more (scontrol's JobState).
FINAL_STATES = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL",
                "PREEMPTED", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT", "REVOKED"}
# A pending job with one of these reasons will never start (e.g. afterok on a failed job).
NEVER_STARTS = {"DependencyNeverSatisfied", "BadConstraints", "PartitionNodeLimit",
                "JobHeldAdmin", "JobHeldUser"}


class SlurmStartError(RuntimeError):
    """Slurm could not be started; the message says why and shows the daemons' logs."""


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path, lines=25):
    try:
        text = pathlib.Path(path).read_text(errors="replace").splitlines()
    except OSError as error:
        return f"    ({error.strerror})"
    return "\n".join("    " + line for line in text[-lines:]) or "    (empty)"


def _real_memory_mb():
    """Memory for the node line: MemTotal less a margin, so slurmd never finds less than the
    configuration claims (a node with less memory than configured is drained)."""
    with open("/proc/meminfo") as f:
        total_kb = next(int(line.split()[1]) for line in f if line.startswith("MemTotal:"))
    total_mb = total_kb // 1024
    return max(1, min(total_mb - 512, int(total_mb * 0.9)))


class LocalSlurm:
    """Starts munged, slurmctld and slurmd for one node (this host) on entry; stops them on exit."""

    def __init__(self, start_timeout=60.0, cpus=None):
        self.start_timeout = start_timeout
        self.node = socket.gethostname().split(".")[0]
        self.cpus = cpus or len(os.sched_getaffinity(0))
        self.dir = None
        self.conf = None
        self.env = None
        self._processes = {}  # name -> Popen, in start order

    # --- clients -----------------------------------------------------------------------------
    def run(self, *args, check=True, timeout=60, **kwargs):
        """Runs a Slurm client (or any command) against this cluster; text output."""
        done = subprocess.run([str(a) for a in args], env=kwargs.pop("env", self.env),
                              capture_output=True, text=True, timeout=timeout, **kwargs)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(map(str, args))} exited {done.returncode}:\n"
                                 f"{done.stdout}{done.stderr}\n{self.logs()}")
        return done

    def job_records(self, job_id):
        """scontrol's records of a job (one per array task or pending task range), as dicts."""
        done = self.run("scontrol", "show", "job", "-o", job_id, check=False)
        if done.returncode != 0:
            return []
        records = []
        for line in done.stdout.splitlines():
            if line.strip():
                records.append(dict(re.findall(r"(\w+)=(\S*)", line)))
        return records

    def wait_for_jobs(self, job_ids, timeout=60.0, poll=0.5):
        """Waits until every job (and every task of an array job) has a final state, or is
        pending for a reason that never resolves. Returns {job id: [(task id or job id, state,
        reason, exit code)]}; raises AssertionError with the queue and logs on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            result, settled = {}, True
            for job_id in map(str, job_ids):
                records = self.job_records(job_id)
                if not records:
                    settled = False
                result[job_id] = [(r.get("ArrayTaskId") or r.get("JobId"), r.get("JobState"),
                                   r.get("Reason"), r.get("ExitCode")) for r in records]
                for _, state, reason, _ in result[job_id]:
                    if state not in FINAL_STATES and not (state == "PENDING"
                                                          and reason in NEVER_STARTS):
                        settled = False
            if settled:
                return result
            if time.monotonic() > deadline:
                queue = self.run("squeue", "-a", check=False).stdout
                raise AssertionError(f"jobs {list(job_ids)} not finished after {timeout:.0f} s: "
                                     f"{result}\n{queue}\n{self.logs()}")
            self._check_alive()
            time.sleep(poll)

    def logs(self, lines=25):
        names = ["munged.log", "slurmctld.log", "slurmd.log",
                 "munged.out", "slurmctld.out", "slurmd.out"]
        parts = []
        for name in names:
            path = self.dir / name if self.dir else None
            if path and path.exists() and path.stat().st_size:
                parts.append(f"--- {path} (last lines)\n{_tail(path, lines)}")
        return "\n".join(parts)

    # --- start -------------------------------------------------------------------------------
    def __enter__(self):
        for attempt in range(2):
            try:
                self.start()
                return self
            except SlurmStartError as error:
                self.stop()
                # A free port found for slurm.conf may be taken before the daemon binds it.
                if attempt == 0 and "Address already in use" in str(error):
                    continue
                raise
            except BaseException:
                self.stop()
                raise

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        if os.geteuid() != 0:
            raise SlurmStartError("a local Slurm needs root (slurmd starts jobs as their users)")
        for program in ("munged", "slurmctld", "slurmd", "sinfo", "sbatch", "squeue", "scontrol"):
            if shutil.which(program) is None and not os.access(f"/usr/sbin/{program}", os.X_OK):
                raise SlurmStartError(f"{program} not found: install slurm-wlm and munge "
                                      "(make deps)")
        started = time.monotonic()
        # munged insists that everyone may traverse the socket's folder, and that no one else
        # may write to the folders of its key and log: 0755 on a folder of our own.
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="clustersim-slurm-"))
        self.dir.chmod(0o755)
        for sub in ("state", "spool"):
            (self.dir / sub).mkdir(mode=0o755)
        self._start_munged()
        self.conf = self.dir / "slurm.conf"
        self.conf.write_text(self._slurm_conf())
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))
        for key in [k for k in self.env if k.startswith(("SLURM_", "SBATCH_", "SALLOC_", "SRUN_"))
                    and k != "SLURM_CONF"]:
            del self.env[key]  # no settings of an enclosing Slurm job leak into ours
        self._spawn("slurmctld", ["slurmctld", "-D", "-i", "-f", str(self.conf)])
        self._spawn("slurmd", ["slurmd", "-D", "-f", str(self.conf), "-N", self.node])
        self._wait_until_idle(started)
        self.start_seconds = time.monotonic() - started
        return self

    def _spawn(self, name, argv):
        out = open(self.dir / f"{name}.out", "w")
        path = shutil.which(argv[0]) or f"/usr/sbin/{argv[0]}"
        try:
            self._processes[name] = subprocess.Popen([path, *argv[1:]], stdout=out,
                                                     stderr=subprocess.STDOUT, env=self.env,
                                                     stdin=subprocess.DEVNULL,
                                                     start_new_session=True)
        finally:
            out.close()

    def _start_munged(self):
        key = self.dir / "munge.key"
        # A private key: any 32+ random bytes will do (what `mungekey -c` writes).
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(128))
        self.munge_socket = self.dir / "munge.socket"
        self.env = dict(os.environ)
        self._spawn("munged", ["munged", "-F", f"--socket={self.munge_socket}",
                               f"--key-file={key}", f"--log-file={self.dir / 'munged.log'}",
                               f"--pid-file={self.dir / 'munged.pid'}",
                               f"--seed-file={self.dir / 'munged.seed'}", "--num-threads=2"])
        deadline = time.monotonic() + 10
        while not self.munge_socket.exists():
            self._check_alive()
            if time.monotonic() > deadline:
                raise SlurmStartError(f"munged made no socket in 10 s\n{self.logs()}")
            time.sleep(0.05)

    def _slurm_conf(self):
        d = self.dir
        controller_port, node_port = _free_port(), _free_port()
        while node_port == controller_port:
            node_port = _free_port()
        return f"""\
# Written by tests/support/local_slurm.py: a single-node cluster for the tests.
ClusterName=localtest
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={controller_port}
SlurmdPort={node_port}
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket={self.munge_socket}
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
StateSaveLocation={d / 'state'}
SlurmdSpoolDir={d / 'spool'}
SlurmctldPidFile={d / 'slurmctld.pid'}
SlurmdPidFile={d / 'slurmd.pid'}
SlurmctldLogFile={d / 'slurmctld.log'}
SlurmdLogFile={d / 'slurmd.log'}
PlugStackConfig={d / 'plugstack.conf'}
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=600
SchedulerParameters=batch_sched_delay=0
NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={_real_memory_mb()} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""

    def _check_alive(self):
        for name, process in self._processes.items():
            if process.poll() is not None:
                raise SlurmStartError(f"{name} exited with {process.returncode}\n{self.logs()}")

    def _wait_until_idle(self, started):
        deadline = started + self.start_timeout
        last = ""
        while True:
            self._check_alive()
            done = self.run("sinfo", "-h", "-N", "-o", "%N %t", check=False, timeout=20)
            last = (done.stdout + done.stderr).strip()
            states = [line.split()[1] for line in done.stdout.splitlines()
                      if len(line.split()) == 2] if done.returncode == 0 else []
            if "idle" in states:
                return
            if any(state.rstrip("*~#!%$@^-").startswith(("inval", "drain", "drng", "fail"))
                   for state in states):
                # slurmd found less than slurm.conf claims (or the like): waiting won't help.
                node = self.run("scontrol", "show", "node", self.node, check=False).stdout
                raise SlurmStartError(f"node {self.node} is {states[0]}:\n{node}\n{self.logs()}")
            if time.monotonic() > deadline:
                raise SlurmStartError(f"node {self.node} not idle after {self.start_timeout:.0f} "
                                      f"s (sinfo: {last!r})\n{self.logs()}")
            time.sleep(0.25)

    # --- stop --------------------------------------------------------------------------------
    def stop(self):
        if not self._processes and self.dir is None:
            return
        if self._alive("slurmctld"):
            # Cancel what is left so no job step outlives its slurmd.
            self.run("scancel", "--partition=debug", check=False, timeout=20)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                queue = self.run("squeue", "-h", "-o", "%i", check=False, timeout=20)
                if queue.returncode != 0 or not queue.stdout.strip():
                    break
                time.sleep(0.25)
        for name in ("slurmd", "slurmctld", "munged"):
            process = self._processes.pop(name, None)
            if process is None:
                continue
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        self._processes.clear()
        if self.dir is not None and not os.environ.get("CLUSTERSIM_SLURM_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def _alive(self, name):
        process = self._processes.get(name)
        return process is not None and process.poll() is None


@pytest.fixture(scope="module")
def local_slurm():
    """A running single-node Slurm for the module's tests; fails (not skips) if it cannot start."""
    try:
        with LocalSlurm() as slurm:
            yield slurm
    except SlurmStartError as error:
        pytest.fail(f"could not start a local Slurm: {error}", pytrace=False)
