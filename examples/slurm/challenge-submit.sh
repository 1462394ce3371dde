#!/usr/bin/env bash
# Submits the Graph Challenge as a Slurm job array of SHARDS tasks (each a slice of the inputs) and a job that merges
# their records into one rate and one list of categories when all succeed.
# Usage: challenge-submit.sh SHARDS [challenge options...]
#   e.g. RESULTS=$PWD/results challenge-submit.sh 8 --neurons 1024 --layers 120
# Environment: RESULTS (results folder on a shared file system, default ./results), RADIXNET (the command, default
# radixnet), CPUS_PER_TASK (kernel threads per shard, default 2), and sbatch's own SBATCH_* variables.
set -euo pipefail
if [ $# -lt 1 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 SHARDS [challenge options...]" >&2
  exit 2
fi
shards=$1
shift
here="$(cd "$(dirname "$0")" && pwd)"
RESULTS="${RESULTS:-results}"
RADIXNET="${RADIXNET:-radixnet}"
array=$(sbatch --parsable --array="0-$((shards - 1))" --cpus-per-task="${CPUS_PER_TASK:-2}" "$here/challenge.sbatch" "$@")
files=$(for i in $(seq 0 $((shards - 1))); do printf '%s ' "$RESULTS/challenge.shard-$i.jsonl"; done)
merge=$(sbatch --parsable --dependency="afterok:${array%%;*}" --output="slurm-%j.out" --job-name=radixnet-challenge-merge \
  --wrap "rm -f $RESULTS/challenge.jsonl && $RADIXNET merge $RESULTS/challenge.jsonl $files")
echo "submitted array job $array ($shards shards of the challenge) and merge job $merge"
