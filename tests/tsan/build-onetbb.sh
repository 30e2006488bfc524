#!/usr/bin/env bash
# Builds oneTBB with -fsanitize=thread into DEST/install, for the tsan preset.
#
# Debian's libtbb is not instrumented, so ThreadSanitizer cannot see the synchronisation inside
# it and reports TBB's own task hand-off as races (hundreds of false reports per test run).
# This fetches Debian's source package of the installed libtbb-dev (the same version, checked
# against the signed archive index by apt), applies Debian's patches and builds it with TBB's
# own TBB_SANITIZE option. Nothing is vendored and the system's apt configuration is untouched:
# the source index lives in DEST/apt. A second call with the same version does nothing.
#
#   tests/tsan/build-onetbb.sh DEST        (MIRROR=http://... to use another Debian mirror)
set -euo pipefail

dest=$(realpath -m "${1:?usage: build-onetbb.sh DEST}")
version=$(dpkg-query -W -f='${source:Version}' libtbb-dev)
source_package=$(dpkg-query -W -f='${source:Package}' libtbb-dev)
stamp="$dest/install/debian-version"
if [[ -f $stamp && $(cat "$stamp") == "$version" ]]; then
  echo "oneTBB $version with ThreadSanitizer: already built in $dest/install"
  exit 0
fi

mirror=${MIRROR:-http://deb.debian.org/debian}
codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
rm -rf "$dest"
mkdir -p "$dest/apt/lists/partial" "$dest/apt/cache" "$dest/download"
cat > "$dest/apt/debian.sources" <<SOURCES
Types: deb-src
URIs: $mirror
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: ${mirror%/debian}/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_options=(-o "Dir::Etc::SourceList=$dest/apt/debian.sources" -o Dir::Etc::SourceParts=/dev/null
             -o "Dir::State::Lists=$dest/apt/lists" -o "Dir::Cache=$dest/apt/cache")

echo "oneTBB $version with ThreadSanitizer: fetching Debian's source package $source_package"
apt-get -qq "${apt_options[@]}" update
(cd "$dest/download" && apt-get -qq "${apt_options[@]}" source --download-only \
  "$source_package=$version" 2>&1 | grep -v "unsandboxed" || true)
upstream=${version#*:}
upstream=${upstream%-*}
orig="$dest/download/${source_package}_${upstream}.orig.tar.xz"
[[ -f $orig ]] || { echo "build-onetbb.sh: $orig was not downloaded" >&2; exit 1; }

mkdir -p "$dest/src"
tar -xf "$orig" -C "$dest/src" --strip-components=1
tar -xf "$dest/download/${source_package}_${version#*:}.debian.tar.xz" -C "$dest/src"
while read -r patch; do
  [[ -z $patch || $patch == \#* ]] && continue
  patch -d "$dest/src" -p1 --forward --quiet < "$dest/src/debian/patches/$patch"
done < "$dest/src/debian/patches/series"

echo "oneTBB $version with ThreadSanitizer: building (log in $dest/build.log)"
if ! { cmake -S "$dest/src" -B "$dest/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF \
         -DTBB_STRICT=OFF -DCMAKE_INSTALL_PREFIX="$dest/install" &&
       cmake --build "$dest/build" -j"$(nproc)" &&
       cmake --install "$dest/build"; } > "$dest/build.log" 2>&1; then
  tail -n 30 "$dest/build.log" >&2
  echo "build-onetbb.sh: building oneTBB failed; the whole log is $dest/build.log" >&2
  exit 1
fi
echo "$version" > "$stamp"
echo "oneTBB $version with ThreadSanitizer: installed in $dest/install"
