#!/usr/bin/env bash
# Builds the Containerfile with Debian's podman and runs the image (`make container-test`;
# README.md, "On an HPC cluster"):
#   1. a Debian 12 base image made with debootstrap from the machine's Debian mirror and
#      imported into podman as localhost/debian12-local (no image registry is needed; kept and
#      reused by later runs, CONTAINER_FRESH_BASE=1 makes it anew);
#   2. `podman build` of the Containerfile on that base (localhost/clustersim:test);
#   3. in the container: the baseline by name, a small sweep under MPICH's mpiexec -n 2
#      (tests/install/hpc-sweep.yaml), and the image's Python package reading the sweep;
#   4. the same with ROOT_BUILD's clustersim (Open MPI), compared bit for bit
#      (tests/support/h5compare.py);
#   5. `podman save` of the image as an OCI archive, the file `apptainer build` converts.
# Prints the time of each step. Needs root and the Debian packages podman, runc and debootstrap
# (`make container-test` installs them).
#
# usage: tests/install/container_test.sh [ROOT_BUILD]    (default: build)
# environment: DEBIAN_MIRROR (default: the first Debian mirror in apt's sources),
# CONTAINER_CONTEXT (default: this checkout), CONTAINER_FRESH_BASE=1.
set -euo pipefail

program=tests/install/container_test.sh
fail() { echo "$program: $*" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
source_dir=$(cd "$here/../.." && pwd -P)
context=$(cd "${CONTAINER_CONTEXT:-$source_dir}" && pwd -P)

(( $# <= 1 )) || fail "usage: $program [ROOT_BUILD]"
root_build=${1:-build}
[[ -x "$root_build/bin/clustersim" ]] ||
  fail "$root_build/bin/clustersim is not an executable: build it first (make build)"
root_clustersim=$(cd "$root_build/bin" && pwd -P)/clustersim
[[ "$(id -u)" == 0 ]] || fail "needs root (debootstrap, and podman's storage in /var/lib/containers)"
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || fail "$tool not found: install podman runc debootstrap (make container-test does)"
done
[[ -f "$context/Containerfile" ]] || fail "no Containerfile in $context"

# Two settings that CI's machine (a container itself, with cgroup v1 and v2 mounted side by
# side and without CAP_SYS_RESOURCE) needs and others accept: runc, since crun refuses the
# hybrid cgroup layout ("cgroups in hybrid mode not supported, drop all controllers from
# cgroupv2"), and resource limits below the machine's hard limits, which podman's defaults
# exceed (runc: "error setting rlimit type 7: operation not permitted").
nproc_limit=32768 hard=$(ulimit -Hu)
[[ "$hard" == unlimited ]] || (( hard > nproc_limit )) || nproc_limit=$((hard / 2))
podman_=(podman --runtime runc)
nofile_limit=$(ulimit -Hn)
[[ "$nofile_limit" != unlimited ]] || nofile_limit=1048576
limits=(--ulimit "nofile=$nofile_limit:$nofile_limit" --ulimit "nproc=$nproc_limit:$nproc_limit")
base=localhost/debian12-local image=localhost/clustersim:test

step_start=0
step() { step_start=$SECONDS; echo "== $*"; }
took() { echo "   took $((SECONDS - step_start)) s"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The first Debian archive of apt's sources, one-line ("deb URL ...") or deb822 ("URIs: URL").
mirror=${DEBIAN_MIRROR:-$(grep -rhE '^(deb|URIs:) ' /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null |
                            grep -oE 'https?://[^ ]+' | grep -E '/debian/?$' | head -1 || true)}
mirror=${mirror:-http://deb.debian.org/debian}
if [[ "${CONTAINER_FRESH_BASE:-0}" == 1 ]] || ! "${podman_[@]}" image exists "$base"; then
  step "base image $base: debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -30 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/rootfs" -c . | "${podman_[@]}" import - "$base" >"$work/import.log" 2>&1 ||
    { cat "$work/import.log"; exit 1; }
  rm -rf "$work/rootfs"
  took
else
  echo "== base image $base: made by an earlier run (CONTAINER_FRESH_BASE=1 makes it anew)"
fi

step "podman build -f Containerfile --build-arg BASE=$base -t $image $context"
"${podman_[@]}" build "${limits[@]}" --network host --build-arg "BASE=$base" \
  --build-arg "JOBS=$(nproc)" -t "$image" -f "$context/Containerfile" "$context" \
  >"$work/build.log" 2>&1 || { tail -60 "$work/build.log"; exit 1; }
"${podman_[@]}" image inspect "$image" --format '   image {{.Id}}, {{.Size}} bytes'
took

mkdir "$work/container" "$work/root"
cp "$here/hpc-sweep.yaml" "$work/container/"
cp "$here/hpc-sweep.yaml" "$work/root/"
step "podman run: clustersim run shandong-2015; mpiexec -n 2 clustersim sweep; python3"
"${podman_[@]}" run --rm "${limits[@]}" --network none -v "$work/container:/work" "$image" \
  bash -euo pipefail -c '
    [ "$(command -v clustersim)" = /usr/bin/clustersim ]
    clustersim run shandong-2015 -o baseline.h5 --quiet >/dev/null
    mpiexec -n 2 clustersim sweep hpc-sweep.yaml -o sweep.h5 2>&1 | grep "on 2 MPI ranks"
    python3 -c "
import clustersim as cs
ds = cs.load(\"sweep.h5\")
assert dict(ds.sizes)[\"point\"] == 4, dict(ds.sizes)
print(\"the image'"'"'s package\", cs.__file__, \"reads\", dict(ds.sizes))
"'
took

step "as root with $root_clustersim: the same run, and the sweep under Open MPI's mpirun -n 2"
(cd "$work/root" &&
   env -u CLUSTERSIM_SCENARIOS "$root_clustersim" run shandong-2015 -o baseline.h5 --quiet >/dev/null &&
   env -u CLUSTERSIM_SCENARIOS OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
     mpirun --oversubscribe -n 2 "$root_clustersim" sweep hpc-sweep.yaml -o sweep.h5 2>&1 |
     grep "on 2 MPI ranks")
took

step "compare: the image's results against the root build's, bit for bit"
for name in baseline.h5 sweep.h5; do
  /usr/bin/python3 "$source_dir/tests/support/h5compare.py" "$work/container/$name" "$work/root/$name"
done
took

step "podman save --format oci-archive (what apptainer build oci-archive:// reads)"
"${podman_[@]}" save --quiet --format oci-archive -o "$work/clustersim.tar" "$image"
tar -tf "$work/clustersim.tar" >"$work/archive.list"
grep -qx index.json "$work/archive.list" && grep -qx oci-layout "$work/archive.list" ||
  { echo "$program: $work/clustersim.tar is not an OCI archive (no index.json, oci-layout)" >&2; exit 1; }
echo "   $(du -h "$work/clustersim.tar" | cut -f1) OCI archive with index.json"
took
"${podman_[@]}" image prune -f >/dev/null
echo "container_test: the Containerfile builds on Debian 12, and its clustersim gives the root build's results, bit for bit"
