#!/usr/bin/env bash
# The project's own C++ is formatted by clang-format (.clang-format) and clean under clang-tidy
# (.clang-tidy, every disabled check commented there): any difference or warning fails.
# Usage: tests/lint/run.sh BUILD_DIR      (a configured build with compile_commands.json)
#        tests/lint/run.sh --format-only  (clang-format alone, as CI runs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: tests/lint/run.sh BUILD_DIR | --format-only}
mapfile -t sources < <(git ls-files 'sim/*.cpp' 'sim/*.hpp' 'models/*.cpp' 'models/*.hpp' \
                         'python/src/*.cpp' 'python/src/*.hpp' 'tests/*.cpp' 'tests/*.hpp')
echo "clang-format: ${#sources[@]} files"
clang-format --dry-run --Werror "${sources[@]}"
[ "$build" = --format-only ] && exit 0
# clang-tidy on every translation unit of the engine, the command line, the model and the Python
# module (headers through them); tests are formatted but not tidied.
start=$(date +%s)
# Every warning is an error through .clang-tidy's WarningsAsErrors (run-clang-tidy 14 has no
# option for it); the grep also catches a warning should that setting ever be dropped.
status=0
# A Release build compiles with GCC's link-time optimisation flags (-flto=auto
# -fno-fat-lto-objects, CMakeLists.txt "CLUSTERSIM_LTO"), which clang does not know: it is told to
# ignore them rather than report each translation unit.
run-clang-tidy -p "$build" -quiet -j "$(nproc)" -extra-arg=-Wno-ignored-optimization-argument \
  "^$PWD/(sim|models|python/src)/.*\.cpp$" > "$build/clang-tidy.log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || grep -qE "(warning|error):" "$build/clang-tidy.log"; then
  grep -E "warning:|error:" "$build/clang-tidy.log" | sort -u
  echo "clang-tidy: warnings above (whole log: $build/clang-tidy.log)"
  exit 1
fi
echo "clang-tidy: no warnings ($(( $(date +%s) - start )) s)"
