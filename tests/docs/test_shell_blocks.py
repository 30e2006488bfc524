"""The shell blocks of the READMEs: every clustersim command in them runs as written (from a
scratch folder laid out like the repository after `make run`, tests/docs/doc_scratch.py) and
exits 0, or is listed in NOT_RUN with the reason and the test that covers it instead. A new
command in the README fails this test until it is one or the other."""
import re
import shlex
import subprocess

import pytest

from conftest import EXECUTABLE, SOURCE_DIR
from doc_scratch import docs_scratch  # noqa: F401  (the fixture)

# Each document, and how many of its commands run here at least (python/README.md's are all
# environment set-up or the notebook).
DOCS = {"README.md": 8, "python/README.md": 0, "results/README.md": 1, "scenarios/README.md": 2}
PROGRAM = "build/bin/clustersim"

# Commands not run here, by their text as the README writes it (comments dropped).
NOT_RUN = {
    "make run": "make's own steps; its clustersim commands are run below as the Makefile says",
    f"{PROGRAM} serve": "a server that runs until Ctrl-C; tests/web drives it in Chromium",
    "make test": "this test runs inside it",
    f"{PROGRAM} validate my-scenario.yaml": "a placeholder for the reader's own file",
    f"{PROGRAM} sweep scenarios/sweeps/levers.yaml -o results/levers.h5":
        "640 runs; the same sweep at 4 base samples makes the scratch folder's levers.h5",
    f"mpirun -n 4 {PROGRAM} sweep scenarios/sweeps/levers.yaml -o results/levers.h5":
        "the full sweep again; MPI placements: tests/cli/test_sweep.py",
    f"{PROGRAM} sweep scenarios/sweeps/levers.yaml --shard 0/3 -o results/levers.h5":
        "shards of the full sweep; shards and merge: tests/cli/test_sweep.py",
    f"{PROGRAM} merge results/levers.h5.d -o results/levers.h5":
        "needs the shards above; tests/cli/test_sweep.py",
    f"{PROGRAM} calibrate scenarios/calibration/shandong.yaml -o shandong-posterior.h5":
        "about 6 minutes; calibrations: tests/cli/test_calibrate.py",
    f"{PROGRAM} posterior shandong-posterior.h5": "needs the calibration above; "
                                                  "tests/cli/test_calibrate.py",
    "export PYTHONPATH=$PWD/build/python": "a shell setting; tests/conftest.py does the same",
    "make venv": "its recipe, python/make_venv.sh, is run by tests/install/test_venv.py",
    ". .venv/bin/activate": "a shell setting",
    f"{PROGRAM} bench": "a performance measurement (minutes); tests/bench",
    f"{PROGRAM} bench --threads 1 --json": "a performance measurement; tests/bench",
    f"{PROGRAM} bench scenarios/shandong-2015.yaml": "a performance measurement; tests/bench",
    "build/bin/micro_benchmarks": "a performance measurement; tests/bench",
    "make bench-peers": "a performance measurement (minutes)",
    "make bench-peers BENCH_PEERS_FLAGS=--quick": "a performance measurement",
    "make bench-peers BASELINE=/path/to/older/clustersim": "needs an older build",
    "/usr/bin/python3 tests/bench/bench_peers.py --help": "a script's help text",
    "PYTHONPATH=$PWD/build/python /usr/bin/python3 -m nbconvert --to notebook --execute "
    "python/notebooks/01-what-if.ipynb --output /tmp/what-if.ipynb":
        "the notebook is executed by tests/python/test_notebook.py",
    "clustersim sweep scenarios/sweeps/levers.yaml -o results/levers.h5":
        "640 runs; the same sweep at 4 base samples makes the scratch folder's levers.h5",
}


def commands(doc):
    """Each command of the document's sh blocks: continuation lines joined, `&&` split,
    comments dropped, as (text, argv)."""
    text = (SOURCE_DIR / doc).read_text()
    out = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                argv = shlex.split(part, comments=True)
                if argv:
                    out.append((" ".join(argv), argv))
    return out


@pytest.mark.parametrize("doc", DOCS)
def test_every_command_runs_or_says_why_not(doc, docs_scratch):
    ran, found = [], commands(doc)
    assert found, f"{doc}: no command found in its sh blocks"
    for text, argv in found:
        if text in NOT_RUN:
            continue
        assert argv[0] in (PROGRAM, "clustersim"), \
            f"{doc}: `{text}` is neither run here nor in NOT_RUN"
        done = subprocess.run([str(EXECUTABLE), *argv[1:]], cwd=docs_scratch,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{doc}: `{text}` exited {done.returncode}:\n{done.stderr}"
        ran.append(text)
    assert len(ran) >= DOCS[doc], ran
