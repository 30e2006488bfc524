#!/usr/bin/env bash
# The parallel and MPI code under ThreadSanitizer, with zero reports allowed (make tsan).
#
#   tests/tsan/run.sh BUILD      BUILD: the tsan preset's build folder (build-tsan)
#
# Runs the whole C++ unit suite (it holds every parallel and thread-count test), an ensemble
# run, a local sweep, MPI sweeps on 2 and 3 ranks with 2 threads each, and a sweep stopped by
# SIGTERM and resumed. Each command's output goes to a log; a ThreadSanitizer report in any of
# them, or an unexpected exit code, fails the script and prints that log.
set -uo pipefail

build=$(realpath "${1:?usage: run.sh BUILD}")
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
clustersim="$build/bin/clustersim"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TSAN_OPTIONS="second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Shared memory only: OpenMPI's TCP transport takes two of its own locks in both orders
# (mca_btl_tcp_add_procs, mca_btl_tcp_proc_remove), which ThreadSanitizer reports; on one node
# the TCP transport is not used anyway.
mpirun=(mpirun --oversubscribe --mca btl self,vader)
failures=0

# check NAME EXPECTED_EXIT_CODE COMMAND...
check() {
  local name=$1 expected=$2
  shift 2
  local log="$work/$name.log" start=$SECONDS
  "$@" > "$log" 2>&1
  report_verdict "$name" "$expected" $? "$log" $((SECONDS - start))
}

report_verdict() {
  local name=$1 expected=$2 code=$3 log=$4 seconds=$5
  local reports
  reports=$(grep -c "WARNING: ThreadSanitizer" "$log")
  if [[ $code == "$expected" && $reports == 0 ]]; then
    echo "tsan: $name: ok (${seconds} s, exit $code, 0 reports)"
  else
    echo "tsan: $name: FAILED (exit $code, expected $expected; $reports reports)"
    cat "$log"
    failures=$((failures + 1))
  fi
}

cd "$source_dir/tests/data"
check unit-tests 0 "$build/bin/unit_tests" --gtest_brief=1
check run 0 "$clustersim" run small.yaml --threads 2 -q -o "$work/run.h5"
check sweep-local 0 "$clustersim" sweep sweep-small.yaml --threads 2 -q -o "$work/local.h5"
check sweep-mpi-2-ranks 0 "${mpirun[@]}" -n 2 "$clustersim" sweep sweep-small.yaml --threads 2 -q \
  -o "$work/mpi2.h5"
check sweep-mpi-3-ranks 0 "${mpirun[@]}" -n 3 "$clustersim" sweep sweep-small.yaml --threads 2 -q \
  -o "$work/mpi3.h5"

# SIGTERM once a few runs are on disk: exit 143, then the same command resumes and finishes.
start=$SECONDS
"$clustersim" sweep sweep-saltelli.yaml --threads 2 -q -o "$work/stopped.h5" \
  > "$work/sweep-sigterm.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  (($(find "$work/stopped.h5.d" -name 'run-*.h5' 2> /dev/null | wc -l) >= 3)) && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
done
kill -TERM "$pid" 2> /dev/null
wait "$pid"
report_verdict sweep-sigterm 143 $? "$work/sweep-sigterm.log" $((SECONDS - start))
check sweep-resume 0 "$clustersim" sweep sweep-saltelli.yaml --threads 2 -q -o "$work/stopped.h5"

# The web app (clustersim serve) under its HTTP tests: several clients, jobs cancelled by newer
# ones, partial summaries beside running replicates, SIGINT. The servers' reports go to files
# (log_path), since the tests read the servers' output themselves.
if [[ -n $(find "$build" -path '*clustersim_serve.dir*' -name 'jobs.cpp.o' -print -quit) ]]; then
  start=$SECONDS
  TSAN_OPTIONS="$TSAN_OPTIONS log_path=$work/serve-tsan" CLUSTERSIM="$clustersim" \
    CLUSTERSIM_SOURCE_DIR="$source_dir" "${PYTHON:-/usr/bin/python3}" -m pytest -q -p no:cacheprovider \
    "$source_dir/tests/web/test_serve_api.py" > "$work/serve.log" 2>&1
  code=$?
  cat "$work"/serve-tsan.* >> "$work/serve.log" 2> /dev/null
  report_verdict serve 0 "$code" "$work/serve.log" $((SECONDS - start))
fi

if ((failures > 0)); then
  echo "tsan: $failures of the checks failed"
  exit 1
fi
echo "tsan: every check passed with zero ThreadSanitizer reports"
