#!/bin/bash
# Submits a clustersim sweep to Slurm: a job array of shards, then a merge once all succeed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
program=$(basename "$0")

usage() {
  cat <<EOF
usage: $program [options] SWEEP OUT N [-- SBATCH_OPTION...]

Submits N Slurm array tasks, task K running shard K/N of the sweep
(sweep-array.sbatch: clustersim sweep SWEEP --shard K/N -o OUT, writing under OUT.d/), and a
merge job (merge.sbatch: clustersim merge OUT.d -o OUT) that starts once every task has
succeeded. Prints both job ids.

  SWEEP   the sweep file (YAML)
  OUT     the merged result file (.h5); the shards go to OUT.d/
  N       the number of shards, 1 or more (array tasks 0..N-1)

options:
  --tasks LIST       submit only these tasks of the N, e.g. 3,7 or 2-4 (to resubmit failed
                     tasks: runs already in OUT.d/ are skipped)
  --throttle M       run at most M tasks at once (--array=...%M)
  --cpus-per-task C  CPUs, and so threads, per task (default: the script's, 1)
  --clustersim PATH  the clustersim executable, as the compute nodes see it
                     (default: \$CLUSTERSIM, else clustersim on PATH, else this checkout's
                     build/bin/clustersim)
  --logs DIR         the jobs' output files go to DIR (default: the current folder)
  --no-merge         submit the array only
  --dry-run          print the sbatch commands instead of running them
  -h, --help         this text

Options after -- go to both sbatch calls, e.g. -- --partition=short --account=myproject.
sbatch's own environment variables (SBATCH_PARTITION, SBATCH_ACCOUNT, ...) work as well.
EOF
}

fail() { echo "$program: $*" >&2; exit 2; }

# An absolute path for a file that may not exist yet (its folder must).
absolute() {
  local dir
  dir=$(cd "$(dirname "$1")" 2>/dev/null && pwd -P) || fail "$1: folder $(dirname "$1") does not exist"
  echo "$dir/$(basename "$1")"
}

tasks="" throttle="" cpus="" clustersim=${CLUSTERSIM:-} logs="" merge=1 dry_run=0
positional=() extra=()
while (( $# > 0 )); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --tasks) (( $# >= 2 )) || fail "--tasks needs a list"; tasks=$2; shift 2 ;;
    --tasks=*) tasks=${1#*=}; shift ;;
    --throttle) (( $# >= 2 )) || fail "--throttle needs a number"; throttle=$2; shift 2 ;;
    --throttle=*) throttle=${1#*=}; shift ;;
    --cpus-per-task) (( $# >= 2 )) || fail "--cpus-per-task needs a number"; cpus=$2; shift 2 ;;
    --cpus-per-task=*) cpus=${1#*=}; shift ;;
    --clustersim) (( $# >= 2 )) || fail "--clustersim needs a path"; clustersim=$2; shift 2 ;;
    --clustersim=*) clustersim=${1#*=}; shift ;;
    --logs) (( $# >= 2 )) || fail "--logs needs a folder"; logs=$2; shift 2 ;;
    --logs=*) logs=${1#*=}; shift ;;
    --no-merge) merge=0; shift ;;
    --dry-run) dry_run=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -*) usage >&2; fail "unknown option $1" ;;
    *) positional+=("$1"); shift ;;
  esac
done
(( ${#positional[@]} == 3 )) || { usage >&2; fail "expected SWEEP OUT N, got ${#positional[@]} argument(s)"; }
sweep=${positional[0]} out=${positional[1]} shards=${positional[2]}

[[ -f "$sweep" && -r "$sweep" ]] || fail "SWEEP $sweep: no such readable file"
sweep=$(absolute "$sweep")
[[ "$out" != */ && -n "$(basename "$out")" ]] || fail "OUT $out must name a file"
out=$(absolute "$out")
[[ -w "$(dirname "$out")" ]] || fail "OUT $out: folder not writable"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || fail "N=$shards is not a positive whole number"
[[ -z "$throttle" || "$throttle" =~ ^[1-9][0-9]*$ ]] || fail "--throttle $throttle is not a positive whole number"
[[ -z "$cpus" || "$cpus" =~ ^[1-9][0-9]*$ ]] || fail "--cpus-per-task $cpus is not a positive whole number"
if [[ -n "$tasks" ]]; then
  [[ "$tasks" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] ||
    fail "--tasks $tasks: expected a list like 3,7 or 2-4"
  for id in $(tr ',-' '  ' <<<"$tasks"); do
    (( 10#$id < shards )) || fail "--tasks $tasks: task $id is not below N=$shards"
  done
else
  tasks="0-$((shards - 1))"
fi
array=$tasks${throttle:+%$throttle}

if [[ -z "$clustersim" ]]; then
  clustersim=$(command -v clustersim || true)
  [[ -n "$clustersim" ]] || clustersim=$here/../../../build/bin/clustersim
fi
[[ -x "$clustersim" ]] || fail "clustersim $clustersim is not executable: pass --clustersim PATH or set CLUSTERSIM"
clustersim=$(absolute "$clustersim")

common=(--parsable --export=ALL)
if [[ -n "$logs" ]]; then
  [[ -d "$logs" && -w "$logs" ]] || fail "--logs $logs is not a writable folder"
  logs=$(cd "$logs" && pwd -P)
fi
array_options=("${common[@]}" "--array=$array")
merge_options=("${common[@]}")
[[ -n "$cpus" ]] && array_options+=("--cpus-per-task=$cpus")
[[ -n "$logs" ]] && array_options+=("--output=$logs/clustersim-sweep-%A_%a.out")
[[ -n "$logs" ]] && merge_options+=("--output=$logs/clustersim-merge-%j.out")

# The scripts read these; sbatch passes the environment on (--export=ALL), and exporting (rather
# than --export=ALL,NAME=value) keeps paths with commas intact.
export SWEEP=$sweep OUT=$out SHARDS=$shards CLUSTERSIM=$clustersim
unset THREADS  # the tasks take their threads from --cpus-per-task

if (( dry_run )); then
  echo "SWEEP=$SWEEP OUT=$OUT SHARDS=$SHARDS CLUSTERSIM=$CLUSTERSIM"
  echo sbatch "${array_options[@]}" ${extra[@]+"${extra[@]}"} "$here/sweep-array.sbatch"
  (( merge )) && echo sbatch "${merge_options[@]}" "--dependency=afterok:ARRAY_JOB" \
    ${extra[@]+"${extra[@]}"} "$here/merge.sbatch"
  exit 0
fi

command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"
array_job=$(sbatch "${array_options[@]}" ${extra[@]+"${extra[@]}"} "$here/sweep-array.sbatch")
array_job=${array_job%%;*}  # --parsable prints "id" or "id;cluster"
[[ "$array_job" =~ ^[0-9]+$ ]] || { echo "$program: sbatch printed no job id: $array_job" >&2; exit 1; }
echo "array job $array_job: tasks $array of $shards shard(s) of $sweep, written under $out.d/"
(( merge )) || exit 0

if ! merge_job=$(sbatch "${merge_options[@]}" "--dependency=afterok:$array_job" \
                   ${extra[@]+"${extra[@]}"} "$here/merge.sbatch"); then
  echo "$program: the array job $array_job is submitted but the merge is not; once it is done run:" >&2
  echo "  OUT=$out CLUSTERSIM=$clustersim sbatch $here/merge.sbatch" >&2
  exit 1
fi
merge_job=${merge_job%%;*}
echo "merge job $merge_job: writes $out once every task of array job $array_job succeeded"
