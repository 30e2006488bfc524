#!/usr/bin/env bash
# The build a user makes on an HPC cluster, where they are not root, tested here (`make
# hpc-test`; README.md, "On an HPC cluster"):
#   1. as an unprivileged user made for the test, with the packages already installed and
#      MPICH's mpicc and mpiexec first on PATH (what `module load mpich` does), in a copy of
#      this tree in the user's home: the README's build block (between its hpc-build markers:
#      cmake -B build ..., cmake --build, cmake --install build --prefix $HOME/.local), run as
#      written;
#   2. from a folder outside the source tree, with nothing but PATH pointing at the prefix: the
#      baseline run by name (`clustersim run shandong-2015`, found in the prefix), a small sweep
#      (tests/install/hpc-sweep.yaml) under MPICH's `mpiexec -n 2`, and the installed Python
#      package imported by Debian's python3 from the user site the prefix is;
#   3. the same run and sweep with ROOT_BUILD's clustersim (Open MPI, `mpirun -n 2`) as root;
#      the results must be the same, dataset for dataset, bit for bit (tests/support/h5compare.py).
# Prints the time of each step. Needs root (it creates the user), the Debian packages of `make`,
# and mpich and libmpich-dev (`make hpc-test` installs them).
#
# usage: tests/install/hpc_test.sh [ROOT_BUILD]    (default: build)
# environment: HPC_USER (default clustersim-hpc), HPC_SOURCE (default: this checkout; a git
# tree: its tracked and untracked, not ignored, files are copied).
set -euo pipefail

program=tests/install/hpc_test.sh
fail() { echo "$program: $*" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
source_dir=$(cd "${HPC_SOURCE:-$here/../..}" && pwd -P)

(( $# <= 1 )) || fail "usage: $program [ROOT_BUILD]"
root_build=${1:-build}
[[ -x "$root_build/bin/clustersim" ]] ||
  fail "$root_build/bin/clustersim is not an executable: build it first (make build)"
root_clustersim=$(cd "$root_build/bin" && pwd -P)/clustersim
[[ "$(id -u)" == 0 ]] || fail "needs root: it creates the unprivileged user the build runs as"
user=${HPC_USER:-clustersim-hpc}
[[ "$user" =~ ^[a-z_][a-z0-9_-]*$ ]] || fail "HPC_USER=$user is not a user name"
for tool in mpicc.mpich mpiexec.mpich mpirun.openmpi runuser useradd git; do
  command -v "$tool" >/dev/null || fail "$tool not found: install mpich libmpich-dev (make hpc-test does)"
done
git -C "$source_dir" rev-parse --git-dir >/dev/null 2>&1 || fail "$source_dir is not a git tree"

# Installing MPICH beside Open MPI must leave Debian's alternatives on Open MPI (priority 50
# against MPICH's 40): the rest of the tests and the root build call plain mpirun and mpicc.
for tool in mpirun mpicc; do
  target=$(readlink -f "$(command -v "$tool")")
  [[ "$target" == */orterun || "$target" == */opal_wrapper ]] ||
    { echo "$program: $tool is $target, not Open MPI's: the other tests expect Open MPI;" \
        "update-alternatives --auto mpirun / --auto mpi restores it" >&2; exit 1; }
done
ldd "$root_clustersim" | grep -q 'libmpi\.so' ||
  { echo "$program: $root_clustersim is not linked to Open MPI's libmpi" >&2; exit 1; }

step_start=0
step() { step_start=$SECONDS; echo "== $*"; }
took() { echo "   took $((SECONDS - step_start)) s"; }

# --- 1. the unprivileged build ------------------------------------------------------------------
step "user $user, and a copy of $source_dir in its home"
id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
home=$(getent passwd "$user" | cut -d: -f6)
[[ -d "$home" ]] || fail "user $user has no home folder $home"
# What an earlier run left (the home is the test's own).
rm -rf "$home/clustersim" "$home/.local" "$home/mpich-module" "$home/runs"
as_user() {
  runuser -u "$user" -- env -i HOME="$home" USER="$user" LANG=C.UTF-8 \
    PATH="$home/mpich-module/bin:$home/.local/bin:/usr/local/bin:/usr/bin:/bin" "$@"
}
as_user mkdir -p "$home/clustersim" "$home/mpich-module/bin" "$home/runs"
(cd "$source_dir" && { git ls-files -z -co --exclude-standard; printf '.git\0'; } |
   tar --null --ignore-failed-read -T - -c) | as_user tar -x -C "$home/clustersim"
# A module's PATH: MPICH's wrapper and launcher under their plain names, first (and Hydra's
# proxy, which mpiexec looks for beside itself).
as_user ln -s /usr/bin/mpicc.mpich "$home/mpich-module/bin/mpicc"
as_user ln -s /usr/bin/mpiexec.mpich "$home/mpich-module/bin/mpiexec"
as_user ln -s /usr/bin/hydra_pmi_proxy "$home/mpich-module/bin/hydra_pmi_proxy"
took

# The README's block, as written, one command at a time.
block=$(sed -n '/^<!-- hpc-build: begin/,/^<!-- hpc-build: end/p' "$source_dir/README.md" |
          sed -n '/^```sh$/,/^```$/p' | sed '1d;$d')
[[ "$block" == *"cmake -B build"* && "$block" == *"cmake --install build --prefix"* ]] ||
  fail "README.md has no hpc-build block with cmake -B build and cmake --install"
while IFS= read -r command; do
  [[ -n "$command" ]] || continue
  step "as $user in ~/clustersim: $command"
  as_user bash -euo pipefail -c "cd ~/clustersim && $command" </dev/null >"$home/step.log" 2>&1 ||
    { tail -60 "$home/step.log"; exit 1; }
  grep -E "Found (MPI_C|HDF5|pybind11)|statically|Python package" "$home/step.log" || true
  took
done <<<"$block"
grep -q '^MPI_C_LIB_NAMES:STRING=.*mpich' "$home/clustersim/build/CMakeCache.txt" ||
  { echo "$program: CMake did not find MPICH, the MPI first on PATH" >&2; exit 1; }

# --- 2. runs from the prefix, outside the source tree -------------------------------------------
cp "$here/hpc-sweep.yaml" "$home/runs/"
chown "$user:" "$home/runs/hpc-sweep.yaml"
step "as $user in ~/runs: clustersim run shandong-2015; mpiexec -n 2 clustersim sweep; python3"
as_user bash -euo pipefail -c '
  cd ~/runs
  [ "$(command -v clustersim)" = "$HOME/.local/bin/clustersim" ]
  ldd "$HOME/.local/bin/clustersim" | grep -q libmpich
  clustersim run shandong-2015 -o baseline.h5 --quiet >/dev/null
  [ "$(readlink -f "$(command -v mpiexec)")" = /usr/bin/mpiexec.hydra ]  # MPICH'"'"'s
  mpiexec -n 2 clustersim sweep hpc-sweep.yaml -o sweep.h5 2>&1 | grep "on 2 MPI ranks"
  /usr/bin/python3 - <<EOF
import os, h5py, clustersim as cs
home = os.environ["HOME"]
assert cs.__file__.startswith(home + "/.local/lib/python3"), cs.__file__
scenarios = home + "/.local/share/clustersim/scenarios/"
for name in ("baseline.h5", "sweep.h5"):
    with h5py.File(name, "r") as f:
        source = f.attrs["scenario_source"]
        source = source.decode() if isinstance(source, bytes) else source
        assert source.startswith(scenarios), (name, source)
ds = cs.load("sweep.h5")
assert dict(ds.sizes)["point"] == 4 and dict(ds.sizes)["replicate"] == 2, dict(ds.sizes)
print("the installed package", cs.__file__, "reads", dict(ds.sizes))
EOF
'
took

# --- 3. the same as root with the root build (Open MPI) ------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/hpc-sweep.yaml" "$work/"
step "as root with $root_clustersim: the same run, and the sweep under Open MPI's mpirun -n 2"
(cd "$work" &&
   env -u CLUSTERSIM_SCENARIOS "$root_clustersim" run shandong-2015 -o baseline.h5 --quiet >/dev/null &&
   env -u CLUSTERSIM_SCENARIOS OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
     mpirun.openmpi --oversubscribe -n 2 "$root_clustersim" sweep hpc-sweep.yaml -o sweep.h5 2>&1 |
     grep "on 2 MPI ranks")
took

step "compare: MPICH build of $user against the root build, bit for bit"
for name in baseline.h5 sweep.h5; do
  /usr/bin/python3 "$source_dir/tests/support/h5compare.py" "$home/runs/$name" "$work/$name"
done
took
echo "hpc_test: $user built, installed and ran clustersim with MPICH; the results are the root build's, bit for bit"
