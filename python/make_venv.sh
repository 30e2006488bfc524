#!/bin/sh
# make venv: a venv at VENV that sees Debian's packages (--system-site-packages) and imports
# clustersim from the build folder's package (a clustersim.pth naming BUILD_PYTHON), so that
# `cmake --build` updates what the venv imports. Usage: make_venv.sh PYTHON VENV BUILD_PYTHON
set -eu
python=$1 venv=$2 package=$3
[ -f "$package/clustersim/__init__.py" ] || {
  echo "make_venv.sh: no clustersim package in $package (build first: make)" >&2
  exit 2
}
"$python" -m venv --system-site-packages "$venv"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
echo "$package" > "$site/clustersim.pth"
"$venv/bin/python" -c 'import clustersim; print("clustersim", clustersim.__version__, "in", "'"$venv"'")'
