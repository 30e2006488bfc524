#!/bin/bash
# Runs a clustersim calibration on Slurm: rounds of a job array of shards, each followed by a
# step job that submits the next round, until the posterior file is written; or, with --mpi,
# one job of MPI ranks started by srun (default) or mpirun.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
program=$(basename "$0")

usage() {
  cat <<EOF2
usage: $program [options] CALIBRATION OUT N [-- SBATCH_OPTION...]
       $program --mpi [--launcher srun|mpirun] [options] CALIBRATION OUT N [-- SBATCH_OPTION...]

Submits one round: N Slurm array tasks, task K running shard K/N of the calibration's next
batch of runs (calibrate-array.sbatch: clustersim calibrate CALIBRATION --shard K/N -o OUT),
and a step job after them (calibrate-step.sbatch: clustersim calibrate CALIBRATION --step -o OUT)
that submits the next round the same way, until OUT is written. Work in progress is kept in
OUT.d/, so running the same command again resumes a calibration whose jobs failed.

With --mpi, submits one job of N tasks instead (calibrate-mpi.sbatch), whose N MPI ranks
share every batch (clustersim calibrate CALIBRATION -o OUT under the launcher): no rounds.

  CALIBRATION  the calibration file (YAML)
  OUT          the posterior file (.h5) clustersim calibrate writes
  N            the number of shards, 1 or more (array tasks 0..N-1); with --mpi, of MPI ranks

options:
  --cpus-per-task C  CPUs, and so threads, per task (default: the scripts', 1)
  --clustersim PATH  the clustersim executable, as the compute nodes see it
                     (default: \$CLUSTERSIM, else clustersim on PATH, else this checkout's
                     build/bin/clustersim)
  --logs DIR         the jobs' output files go to DIR (default: the current folder)
  --max-rounds R     submit at most R rounds in all (default 1000); a calibration takes about
                     1 + generations x (1 + move rounds) of them
  --round K          the round's number (the step job passes it; default 1)
  --mpi              one MPI job of N ranks instead of rounds of arrays and steps
  --launcher L       with --mpi: srun (default: Slurm starts the ranks; the cluster's MPI must
                     support it, through PMIx or PMI-2) or mpirun (the MPI's own launcher)
  --srun-mpi TYPE    with --mpi and srun: srun's --mpi plugin, e.g. pmix or pmi2 (default: the
                     cluster's MpiDefault; srun --mpi=list lists them)
  --dry-run          print the sbatch commands instead of running them
  -h, --help         this text

Options after -- go to every sbatch call, e.g. -- --partition=short --account=myproject.
EOF2
}

fail() { echo "$program: $*" >&2; exit 2; }

absolute() {
  local dir
  dir=$(cd "$(dirname "$1")" 2>/dev/null && pwd -P) || fail "$1: folder $(dirname "$1") does not exist"
  echo "$dir/$(basename "$1")"
}

cpus="" clustersim=${CLUSTERSIM:-} logs="" max_rounds=1000 round=1 dry_run=0
mpi=0 launcher="" srun_mpi="" rounds_given=0
positional=() extra=() kept=()  # kept: the arguments the next round is submitted with
while (( $# > 0 )); do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --cpus-per-task|--clustersim|--logs|--max-rounds|--round|--launcher|--srun-mpi)
      (( $# >= 2 )) || fail "$1 needs a value"
      case "$1" in
        --cpus-per-task) cpus=$2 ;; --clustersim) clustersim=$2 ;; --logs) logs=$2 ;;
        --max-rounds) max_rounds=$2; rounds_given=1 ;; --round) round=$2; rounds_given=1 ;;
        --launcher) launcher=$2 ;; --srun-mpi) srun_mpi=$2 ;;
      esac
      [[ "$1" == --round ]] || kept+=("$1" "$2")
      shift 2 ;;
    --dry-run) dry_run=1; kept+=("$1"); shift ;;
    --mpi) mpi=1; shift ;;
    --) kept+=("$@"); shift; extra=("$@"); break ;;
    -*) usage >&2; fail "unknown option $1" ;;
    *) positional+=("$1"); kept+=("$1"); shift ;;
  esac
done
(( ${#positional[@]} == 3 )) || { usage >&2; fail "expected CALIBRATION OUT N, got ${#positional[@]} argument(s)"; }
calibration=${positional[0]} out=${positional[1]} shards=${positional[2]}

[[ -f "$calibration" && -r "$calibration" ]] || fail "CALIBRATION $calibration: no such readable file"
calibration=$(absolute "$calibration")
[[ "$out" != */ && -n "$(basename "$out")" ]] || fail "OUT $out must name a file"
out=$(absolute "$out")
[[ -w "$(dirname "$out")" ]] || fail "OUT $out: folder not writable"
[[ ! -e "$out" ]] || fail "OUT $out exists: the calibration is done (remove it to start again)"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || fail "N=$shards is not a positive whole number"
[[ -z "$cpus" || "$cpus" =~ ^[1-9][0-9]*$ ]] || fail "--cpus-per-task $cpus is not a positive whole number"
[[ "$max_rounds" =~ ^[1-9][0-9]*$ ]] || fail "--max-rounds $max_rounds is not a positive whole number"
[[ "$round" =~ ^[1-9][0-9]*$ ]] || fail "--round $round is not a positive whole number"
(( round <= max_rounds )) || fail "round $round is past --max-rounds $max_rounds"
if (( mpi )); then
  (( ! rounds_given )) || fail "--round and --max-rounds are for rounds of arrays; --mpi submits one job"
  launcher=${launcher:-srun}
  [[ "$launcher" == srun || "$launcher" == mpirun ]] || fail "--launcher $launcher: expected srun or mpirun"
  [[ -z "$srun_mpi" || ( "$launcher" == srun && "$srun_mpi" =~ ^[a-z0-9_]+$ ) ]] ||
    fail "--srun-mpi $srun_mpi: a plugin name (srun --mpi=list), with --launcher srun"
else
  [[ -z "$launcher" && -z "$srun_mpi" ]] || fail "--launcher and --srun-mpi go with --mpi"
fi

if [[ -z "$clustersim" ]]; then
  clustersim=$(command -v clustersim || true)
  [[ -n "$clustersim" ]] || clustersim=$here/../../../build/bin/clustersim
fi
[[ -x "$clustersim" ]] || fail "clustersim $clustersim is not executable: pass --clustersim PATH or set CLUSTERSIM"
clustersim=$(absolute "$clustersim")
if (( round == 1 )); then
  # Bad input stops here, at the terminal, rather than in the first job's log.
  "$clustersim" validate "$calibration" >/dev/null || exit $?
fi

common=(--parsable --export=ALL)
[[ -n "$cpus" ]] && common+=("--cpus-per-task=$cpus")
if (( mpi )); then
  [[ -z "$logs" || ( -d "$logs" && -w "$logs" ) ]] || fail "--logs $logs is not a writable folder"
  mpi_options=("${common[@]}" "--ntasks=$shards")
  [[ -n "$logs" ]] && mpi_options+=("--output=$(cd "$logs" && pwd -P)/clustersim-calibrate-mpi-%j.out")
  # calibrate-mpi.sbatch reads these (sbatch passes the environment on).
  export CALIBRATION=$calibration OUT=$out CLUSTERSIM=$clustersim LAUNCHER=$launcher
  if [[ -n "$srun_mpi" ]]; then export SRUN_MPI=$srun_mpi; else unset SRUN_MPI; fi
  unset THREADS SHARDS  # the ranks take their threads from --cpus-per-task
  if (( dry_run )); then
    echo "CALIBRATION=$CALIBRATION OUT=$OUT CLUSTERSIM=$CLUSTERSIM LAUNCHER=$LAUNCHER${SRUN_MPI:+ SRUN_MPI=$SRUN_MPI}"
    echo sbatch "${mpi_options[@]}" ${extra[@]+"${extra[@]}"} "$here/calibrate-mpi.sbatch"
    exit 0
  fi
  command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"
  mpi_job=$(sbatch "${mpi_options[@]}" ${extra[@]+"${extra[@]}"} "$here/calibrate-mpi.sbatch")
  mpi_job=${mpi_job%%;*}
  [[ "$mpi_job" =~ ^[0-9]+$ ]] || { echo "$program: sbatch printed no job id: $mpi_job" >&2; exit 1; }
  echo "mpi job $mpi_job: $shards MPI rank(s) started by $launcher run the calibration $calibration into $out"
  exit 0
fi
if [[ -n "$logs" ]]; then
  [[ -d "$logs" && -w "$logs" ]] || fail "--logs $logs is not a writable folder"
  logs=$(cd "$logs" && pwd -P)
  array_options=("${common[@]}" "--output=$logs/clustersim-calibrate-%A_%a.out")
  step_options=("${common[@]}" "--output=$logs/clustersim-calibrate-step-%j.out")
else
  array_options=("${common[@]}") step_options=("${common[@]}")
fi
array_options+=("--array=0-$((shards - 1))")

# The scripts read these (sbatch passes the environment on).
export CALIBRATION=$calibration OUT=$out SHARDS=$shards CLUSTERSIM=$clustersim
export ROUND=$round MAX_ROUNDS=$max_rounds CALIBRATE_SLURM_DIR=$here
CALIBRATE_SUBMIT_ARGS=$(printf '%q ' "${kept[@]}")
export CALIBRATE_SUBMIT_ARGS
unset THREADS  # the tasks take their threads from --cpus-per-task

if (( dry_run )); then
  echo "CALIBRATION=$CALIBRATION OUT=$OUT SHARDS=$SHARDS CLUSTERSIM=$CLUSTERSIM ROUND=$ROUND"
  echo sbatch "${array_options[@]}" ${extra[@]+"${extra[@]}"} "$here/calibrate-array.sbatch"
  echo sbatch "${step_options[@]}" "--dependency=afterok:ARRAY_JOB" ${extra[@]+"${extra[@]}"} \
    "$here/calibrate-step.sbatch"
  exit 0
fi

command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"
array_job=$(sbatch "${array_options[@]}" ${extra[@]+"${extra[@]}"} "$here/calibrate-array.sbatch")
array_job=${array_job%%;*}  # --parsable prints "id" or "id;cluster"
[[ "$array_job" =~ ^[0-9]+$ ]] || { echo "$program: sbatch printed no job id: $array_job" >&2; exit 1; }
step_job=$(sbatch "${step_options[@]}" "--dependency=afterok:$array_job" \
             ${extra[@]+"${extra[@]}"} "$here/calibrate-step.sbatch") || {
  echo "$program: array job $array_job is submitted but its step is not; run this command again once it is done" >&2
  exit 1
}
step_job=${step_job%%;*}
echo "round $round: array job $array_job ($shards shard(s)), then step job $step_job, for $out"
