#!/bin/bash
# Submits a clustersim sweep to Slurm: a job array of shards, then a merge once all succeed;
# or, with --mpi, one job of MPI ranks started by srun (default) or mpirun.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
program=$(basename "$0")

usage() {
  cat <<EOF
usage: $program [options] SWEEP OUT N [-- SBATCH_OPTION...]
       $program --mpi [--launcher srun|mpirun] [options] SWEEP OUT N [-- SBATCH_OPTION...]

Submits N Slurm array tasks, task K running shard K/N of the sweep
(sweep-array.sbatch: clustersim sweep SWEEP --shard K/N -o OUT, writing under OUT.d/), and a
merge job (merge.sbatch: clustersim merge OUT.d -o OUT) that starts once every task has
succeeded. Prints both job ids.

With --mpi, submits one job of N tasks instead (sweep-mpi.sbatch), whose N MPI ranks share
the runs (clustersim sweep SWEEP -o OUT under the launcher); it writes OUT itself.

  SWEEP   the sweep file (YAML)
  OUT     the merged result file (.h5); the shards go to OUT.d/
  N       the number of shards, 1 or more (array tasks 0..N-1); with --mpi, of MPI ranks

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
  --mpi              one MPI job of N ranks instead of the array and the merge
  --launcher L       with --mpi: srun (default: Slurm starts the ranks; the cluster's MPI must
                     support it, through PMIx or PMI-2) or mpirun (the MPI's own launcher)
  --srun-mpi TYPE    with --mpi and srun: srun's --mpi plugin, e.g. pmix or pmi2 (default: the
                     cluster's MpiDefault; srun --mpi=list lists them)
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
mpi=0 launcher="" srun_mpi=""
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
    --mpi) mpi=1; shift ;;
    --launcher) (( $# >= 2 )) || fail "--launcher needs srun or mpirun"; launcher=$2; shift 2 ;;
    --launcher=*) launcher=${1#*=}; shift ;;
    --srun-mpi) (( $# >= 2 )) || fail "--srun-mpi needs a plugin name"; srun_mpi=$2; shift 2 ;;
    --srun-mpi=*) srun_mpi=${1#*=}; shift ;;
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
if (( mpi )); then
  [[ -z "$tasks" && -z "$throttle" && "$merge" == 1 ]] ||
    fail "--tasks, --throttle and --no-merge are for the array; --mpi submits one job"
  launcher=${launcher:-srun}
  [[ "$launcher" == srun || "$launcher" == mpirun ]] || fail "--launcher $launcher: expected srun or mpirun"
  [[ -z "$srun_mpi" || ( "$launcher" == srun && "$srun_mpi" =~ ^[a-z0-9_]+$ ) ]] ||
    fail "--srun-mpi $srun_mpi: a plugin name (srun --mpi=list), with --launcher srun"
else
  [[ -z "$launcher" && -z "$srun_mpi" ]] || fail "--launcher and --srun-mpi go with --mpi"
fi
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

if (( mpi )); then
  # sweep-mpi.sbatch reads these; SHARDS means nothing to it.
  unset SHARDS
  export LAUNCHER=$launcher
  if [[ -n "$srun_mpi" ]]; then export SRUN_MPI=$srun_mpi; else unset SRUN_MPI; fi
  mpi_options=("${common[@]}" "--ntasks=$shards")
  [[ -n "$cpus" ]] && mpi_options+=("--cpus-per-task=$cpus")
  [[ -n "$logs" ]] && mpi_options+=("--output=$logs/clustersim-sweep-mpi-%j.out")
  if (( dry_run )); then
    echo "SWEEP=$SWEEP OUT=$OUT CLUSTERSIM=$CLUSTERSIM LAUNCHER=$LAUNCHER${SRUN_MPI:+ SRUN_MPI=$SRUN_MPI}"
    echo sbatch "${mpi_options[@]}" ${extra[@]+"${extra[@]}"} "$here/sweep-mpi.sbatch"
    exit 0
  fi
  command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"
  mpi_job=$(sbatch "${mpi_options[@]}" ${extra[@]+"${extra[@]}"} "$here/sweep-mpi.sbatch")
  mpi_job=${mpi_job%%;*}
  [[ "$mpi_job" =~ ^[0-9]+$ ]] || { echo "$program: sbatch printed no job id: $mpi_job" >&2; exit 1; }
  echo "mpi job $mpi_job: $shards MPI rank(s) started by $launcher run the sweep of $sweep into $out"
  exit 0
fi

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
