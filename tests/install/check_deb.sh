#!/usr/bin/env bash
# Installs the package `make deb` built, runs the installed program and Python package from a
# folder outside the source tree with nothing pointing back into it, and removes the package.
# Needs root (dpkg -i). Not a clean chroot: the machine already has the dependencies, which
# apt-get install -f would otherwise fetch (debootstrap per CI run was judged too slow).
set -euo pipefail
deb=${1:?usage: check_deb.sh build/clustersim_VERSION_ARCH.deb}
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
work=$(mktemp -d)
cleanup() { dpkg -r clustersim >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
dpkg-deb --info "$deb" | grep -E "Package: clustersim|Depends:"
dpkg -i "$deb"
cd "$work"
env -u CLUSTERSIM -u CLUSTERSIM_SCENARIOS -u PYTHONPATH bash -euo pipefail -c '
  [ "$(command -v clustersim)" = /usr/bin/clustersim ]
  clustersim run shandong-2015 --replicates 1 -o baseline.h5 --quiet
  clustersim goals baseline.h5 | grep -q "^G1 "
  /usr/bin/python3 -c "
import clustersim as cs
assert cs.__file__.startswith(\"/usr/lib/python3/dist-packages/clustersim/\"), cs.__file__
ds = cs.load(\"baseline.h5\")
assert ds.sizes[\"cluster\"] == 20
print(\"installed package\", cs.__version__, \"reads\", dict(ds.sizes))
"
  test -f /usr/share/clustersim/scenarios/data/clusters.csv
  test -f /usr/share/doc/clustersim/README.md
'
echo "check_deb: $(basename "$deb") installs, runs and imports outside the source tree"
