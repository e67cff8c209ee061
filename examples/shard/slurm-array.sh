#!/usr/bin/env bash
# A Slurm job array running one explore search and one `check --seeds` sweep as 4
# shards each, one of each per array task.
# Submit:   sbatch examples/shard/slurm-array.sh
# Then, when the 4 tasks are done, on any node with the same model file:
#   schedsim merge "$OUT"/explore-*.jsonl
#   schedsim merge "$OUT"/seeds-*.jsonl
# which print exactly what `schedsim explore ... --cases 200 --all-violations` and
# `schedsim check ... --seeds 100` print (and exit with their codes). A shard exits 0
# whatever it found; a failed or cut shard is refused by merge, so rerun just that
# array index:
#   sbatch --array=2 examples/shard/slurm-array.sh
#SBATCH --job-name=schedsim-explore
#SBATCH --array=0-3
#SBATCH --cpus-per-task=4
#SBATCH --time=01:00:00
set -euo pipefail
SCHEDSIM="${SCHEDSIM:-schedsim}"
MODEL="${MODEL:-models/dataworks-mysql-to-maxcompute.toml}"
OUT="${OUT:-results}"
mkdir -p "$OUT"
# Write beside the target, then rename: a killed task leaves no partial that looks whole.
"$SCHEDSIM" explore "$MODEL" --cases 200 --all-violations \
  --threads "${SLURM_CPUS_PER_TASK:-0}" \
  --shard "${SLURM_ARRAY_TASK_ID}/4" > "$OUT/.explore-${SLURM_ARRAY_TASK_ID}.tmp"
mv "$OUT/.explore-${SLURM_ARRAY_TASK_ID}.tmp" "$OUT/explore-${SLURM_ARRAY_TASK_ID}.jsonl"
# The scenario under seeds 0..99: every 4th seed from this task's index.
"$SCHEDSIM" check "$MODEL" --seeds 100 \
  --threads "${SLURM_CPUS_PER_TASK:-0}" \
  --shard "${SLURM_ARRAY_TASK_ID}/4" > "$OUT/.seeds-${SLURM_ARRAY_TASK_ID}.tmp"
mv "$OUT/.seeds-${SLURM_ARRAY_TASK_ID}.tmp" "$OUT/seeds-${SLURM_ARRAY_TASK_ID}.jsonl"
