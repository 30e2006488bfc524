"""Shared fixtures of the command-line tests (tests/cli) and the Python package's tests
(tests/python): the built executable, the test scenarios, sealed test files. Helpers they share
live in tests/support (the Slurm emulator, exact HDF5 comparison)."""
import contextlib
import os
import pathlib
import subprocess
import sys
import zlib

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("CLUSTERSIM_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[1]))
EXECUTABLE = pathlib.Path(os.environ.get("CLUSTERSIM", SOURCE_DIR / "build" / "bin" / "clustersim"))
SMALL = SOURCE_DIR / "tests" / "data" / "small.yaml"
# The Python package as the build assembles it (build/python/clustersim), next to build/bin.
PYTHON_DIR = pathlib.Path(os.environ.get("CLUSTERSIM_PYTHONPATH", EXECUTABLE.parents[1] / "python"))
PACKAGE_BUILT = (PYTHON_DIR / "clustersim" / "__init__.py").is_file()
# make test's build makes the package (ctest sets this to 1), so a missing package there is a
# broken build, not a reason to skip its tests; the sanitizer builds make none and set 0.
if os.environ.get("CLUSTERSIM_REQUIRE_PACKAGE") == "1" and not PACKAGE_BUILT:
    raise RuntimeError(f"the Python package is not built in {PYTHON_DIR}, but this build makes "
                       "it (CLUSTERSIM_PYTHON=ON): its tests would be skipped")
SUPPORT_DIR = pathlib.Path(__file__).resolve().parent / "support"
if str(SUPPORT_DIR) not in sys.path:
    sys.path.insert(0, str(SUPPORT_DIR))
if PACKAGE_BUILT and str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))


def seal(path):
    """Seals an HDF5 file as clustersim seals the files it writes (results/README.md, "The
    seal"), written here from the documentation rather than through clustersim's code: its
    length and the CRC-32 of everything after its 512-byte user block, as text in that block."""
    data = bytearray(pathlib.Path(path).read_bytes())
    text = (f"clustersim seal 1\nbytes {len(data)}\n"
            f"crc32 {zlib.crc32(data[512:]):08x}\n").encode()
    data[:512] = text.ljust(512, b"\0")
    pathlib.Path(path).write_bytes(bytes(data))


@contextlib.contextmanager
def sealed_h5(path, mode="r+"):
    """h5py.File(path, mode) for a test that makes or edits a file on purpose (with the user
    block a seal needs when it creates one), sealed once closed, as if clustersim had written
    it: what the readers then say is about its contents, not its seal."""
    import h5py
    options = {"userblock_size": 512} if mode == "w" else {}
    with h5py.File(path, mode, **options) as f:
        yield f
    seal(path)


def clustersim(*args, cwd=None, env=None, timeout=600):
    """Runs the executable; returns the CompletedProcess (text output)."""
    return subprocess.run([str(EXECUTABLE), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


@pytest.fixture(scope="session")
def small_result(tmp_path_factory):
    """A result file of the small test scenario, run once per session."""
    out = tmp_path_factory.mktemp("small") / "small.h5"
    done = clustersim("run", SMALL, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    return out
