#!/usr/bin/env bash
# The README's feature/augmentation ablation (issue 18): trains every row of configs/ablation/ with every seed,
# scores each checkpoint's test split with `marketgpt evaluate`, then prints the summary table
# (scripts/ablation_summary.py: mean ± sd over seeds, paired per-seed differences vs the default row).
#
# usage: scripts/ablation.sh                       # every row, seeds 1 2 3 4 5, 2 runs at a time
#   MARKETGPT_BIN=path   the binary (default .build/release/marketgpt; build it with
#                        `swift build -c release --product marketgpt`)
#   SEEDS="1 2 3 4 5"    seeds (--seed of pretrain; a seed fixes initialisation, batches, dropout and augmentation)
#   ROWS="default …"     rows = file names of configs/ablation/ without .yaml (default: all five)
#   JOBS=2               runs at a time (each single-threaded: MARKETGPT_THREADS=1, nice -n 10)
# Outputs (not in git): runs/ablation-<row>-s<seed>/{metrics.jsonl,evaluation.json}, runs/ablation-logs/ and
# checkpoints/ablation-<row>-s<seed>/. A run whose evaluation.json exists is skipped, so an interrupted ablation
# is continued by running the script again (an unfinished run is trained again from step 0 with --overwrite).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MARKETGPT_BIN:-.build/release/marketgpt}
SEEDS=${SEEDS:-"1 2 3 4 5"}
ROWS=${ROWS:-"default indicators mixup synthetic no_embedding_dropout"}
JOBS=${JOBS:-2}
[ -x "$BIN" ] || { echo "ablation: no marketgpt binary at $BIN (set MARKETGPT_BIN or build the release product)" >&2; exit 2; }
for row in $ROWS; do
  [ -f "configs/ablation/$row.yaml" ] || { echo "ablation: configs/ablation/$row.yaml: no such row" >&2; exit 2; }
done

one_run() {  # row seed
  local row=$1 seed=$2 run="ablation-$1-s$2"
  [ -f "runs/$run/evaluation.json" ] && { echo "ablation: $run done already, skipped"; return 0; }
  mkdir -p runs/ablation-logs
  local log="runs/ablation-logs/$run.txt" start=$SECONDS
  echo "ablation: $run started $(date -u +%H:%M:%S)"
  { MARKETGPT_THREADS=1 nice -n 10 "$BIN" pretrain --config "configs/ablation/$row.yaml" --seed "$seed" --run "$run" --overwrite &&
    MARKETGPT_THREADS=1 nice -n 10 "$BIN" evaluate --config "configs/ablation/$row.yaml" --run "$run" \
      --checkpoint "checkpoints/$run/pretrained.safetensors" --out "runs/$run/evaluation.json"; } > "$log" 2>&1 ||
    { echo "ablation: $run FAILED (see $log)" >&2; return 1; }
  echo "ablation: $run finished in $((SECONDS - start)) s"
}
export -f one_run
export BIN

for seed in $SEEDS; do for row in $ROWS; do echo "$row $seed"; done; done |
  xargs -P "$JOBS" -L 1 bash -c 'one_run "$0" "$1"'
python3 scripts/ablation_summary.py --rows "$ROWS" --seeds "$SEEDS" runs
