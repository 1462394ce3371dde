#!/usr/bin/env bash
# Submits a radixnet experiment as a Slurm job array of SHARDS tasks and a merge job that runs when all succeed.
# Usage: submit.sh SHARDS EXPERIMENT [experiment options...]
#   e.g. RESULTS=$PWD/results submit.sh 16 accuracy-vs-sparsity --epochs 3
# Environment: RESULTS (results folder on a shared file system, default ./results), RADIXNET (the command, default
# radixnet), CPUS_PER_TASK (cores per shard, each training one model at a time; default 2), and any of sbatch's own
# SBATCH_* variables (SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT...).
set -euo pipefail
if [ $# -lt 2 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 SHARDS EXPERIMENT [experiment options...]" >&2
  exit 2
fi
shards=$1
export EXPERIMENT=$2
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
array=$(sbatch --parsable --array="0-$((shards - 1))" --cpus-per-task="${CPUS_PER_TASK:-2}" "$here/sweep.sbatch" "$@")
merge=$(sbatch --parsable --dependency="afterok:${array%%;*}" "$here/merge.sbatch")
echo "submitted array job $array ($shards shards of $EXPERIMENT) and merge job $merge"
