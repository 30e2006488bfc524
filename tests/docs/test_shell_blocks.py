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
# "On an HPC cluster": the build block runs as written in tests/install/hpc_test.sh (make
# hpc-test, as an unprivileged user), the container commands in tests/install/container_test.sh
# (make container-test); modules, Spack, Apptainer and a real cluster are not on this machine.
HPC_BUILD = "tests/install/hpc_test.sh runs it as written, as an unprivileged user (make hpc-test)"
NO_MODULES = "environment modules and Spack are not on this machine; the plain build is tested"
NOT_RUN.update({
    "cmake -B build -DCMAKE_BUILD_TYPE=Release -DCLUSTERSIM_TESTS=OFF": HPC_BUILD,
    "cmake --build build -j 4": HPC_BUILD,
    "cmake --install build --prefix $HOME/.local": HPC_BUILD,
    "export PATH=$HOME/.local/bin:$PATH": "a shell setting; tests/install/hpc_test.sh sets it",
    "module load gcc/12 cmake/3.27 openmpi/4.1 hdf5/1.14 intel-oneapi-tbb boost/1.83 "
    "python/3.11": NO_MODULES,
    "cmake -B build -DCMAKE_BUILD_TYPE=Release -DCLUSTERSIM_TESTS=OFF "
    "-DCMAKE_PREFIX_PATH=$HOME/sw": NO_MODULES,
    "spack install cmake hdf5+hl~mpi intel-oneapi-tbb yaml-cpp cli11 fmt eigen boost "
    "nlohmann-json random123 zlib mpich py-pybind11": NO_MODULES,
    "spack load cmake hdf5 intel-oneapi-tbb yaml-cpp cli11 fmt eigen boost nlohmann-json "
    "random123 zlib mpich py-pybind11": NO_MODULES,
    "scenarios/sweeps/slurm/submit.sh --mpi --clustersim $HOME/.local/bin/clustersim "
    "my-sweep.yaml /scratch/$USER/my-sweep.h5 64":
        "needs a Slurm cluster; tests/cli/test_slurm.py runs submit.sh --mpi on a local one",
    "scenarios/sweeps/slurm/submit.sh --mpi --launcher mpirun --clustersim "
    "$HOME/.local/bin/clustersim my-sweep.yaml /scratch/$USER/my-sweep.h5 64":
        "needs a Slurm cluster; tests/cli/test_slurm.py runs submit.sh --mpi on a local one",
    "podman build -t clustersim -f Containerfile .":
        "minutes; tests/install/container_test.sh builds it (make container-test)",
    "podman run --rm -v $PWD:/work clustersim clustersim run shandong-2015 -o baseline.h5":
        "tests/install/container_test.sh runs it in the image it builds",
    "podman save --format oci-archive -o clustersim.tar clustersim":
        "tests/install/container_test.sh saves the image it builds",
    "apptainer build clustersim.sif oci-archive://clustersim.tar":
        "Apptainer and Singularity are not packaged in Debian 12; not tested",
    "apptainer exec clustersim.sif clustersim run shandong-2015 -o baseline.h5":
        "Apptainer is not packaged in Debian 12; not tested",
    "srun --mpi=pmi2 -n 64 apptainer exec clustersim.sif clustersim sweep my-sweep.yaml "
    "-o my-sweep.h5": "Apptainer is not packaged in Debian 12; not tested",
})


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
