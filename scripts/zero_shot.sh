#!/bin/bash
# Zero-shot measurement (issue 13): how much NLL does a new asset lose when the checkpoint never saw it?
#
# Per seed: pre-train the experiment's model (the `model:` and `training:` sections of configs/experiment.yaml)
# twice with the same seed — once on the whole universe, once without the held-out assets — then `evaluate` both
# checkpoints on the held-out assets' test period (the same targets: the script checks it). The second checkpoint
# forecasts them zero-shot (features + category embedding, no asset embedding). Ends with a table: per seed the
# NLL trained-on, zero-shot, GARCH-t and the paired difference; then mean ± sd over the seeds.
#
# usage: scripts/zero_shot.sh [OUT]           (default OUT: runs/zero_shot; resumable: finished steps are kept)
# env:   MARKETGPT_BIN   binary (default .build/release/marketgpt)
#        SEEDS           default "42 43 44"
#        HELDOUT         tickers left out of pre-training (default: 10 us_stocks)
#        UNIVERSE, DATA  default ../shared/data/real/universe.yaml and ../shared/data/real
#        CONFIG          experiment config whose model/training sections are used (default configs/experiment.yaml)
set -euo pipefail
OUT=${1:-runs/zero_shot}
BIN=${MARKETGPT_BIN:-.build/release/marketgpt}
SEEDS=${SEEDS:-"42 43 44"}
HELDOUT=${HELDOUT:-"AIG BAC COST EMR HAL KMB MO OXY SCHW UNP"}
UNIVERSE=${UNIVERSE:-../shared/data/real/universe.yaml}
DATA=${DATA:-../shared/data/real}
CONFIG=${CONFIG:-configs/experiment.yaml}
for f in "$BIN" "$UNIVERSE" "$CONFIG"; do [ -e "$f" ] || { echo "zero_shot.sh: $f: not found" >&2; exit 2; }; done
mkdir -p "$OUT"
NAME=$(basename "$OUT")

# The pre-training config: the experiment config's model: and training: sections, nothing else.
awk '/^[a-z_]+:/ { keep = ($1 == "model:" || $1 == "training:") } keep' "$CONFIG" > "$OUT/pretrain.yaml"

# Universe subsets, one asset per line as in universe.yaml ({ticker: "X", ...}); a category block is printed only
# when at least one of its assets is kept, and the kept categories' batch weights are rescaled to sum to 1.
# mode=drop removes the held-out tickers, mode=keep keeps only them.
subset() {
  awk -v held="$HELDOUT" -v mode="$1" '
    BEGIN { n = split(held, h, " "); for (i = 1; i <= n; i++) H[h[i]] = 1 }
    function close_block() { if (nb > 0 && kept[nb] == 0) { total -= weight[nb]; nb-- } }
    /^  - name:/ { close_block(); nb++; inblock = 1; kept[nb] = 0; weight[nb] = 0; lines[nb] = $0 "\n"; next }
    !inblock { head = head $0 "\n"; next }
    /^    batch_weight:/ { weight[nb] = $2 + 0; total += weight[nb]; lines[nb] = lines[nb] "\001\n"; next }
    /ticker:/ {
      t = $0; sub(/.*ticker: *"?/, "", t); sub(/[",}].*/, "", t)
      if ((mode == "drop") != (t in H)) { lines[nb] = lines[nb] $0 "\n"; kept[nb]++ }
      next
    }
    { lines[nb] = lines[nb] $0 "\n" }
    END {
      close_block(); printf "%s", head
      for (b = 1; b <= nb; b++) {
        w = sprintf("    batch_weight: %.6g", total > 0 ? weight[b] / total : 0)
        out = lines[b]; gsub(/\001/, w, out); printf "%s", out
      }
    }' "$UNIVERSE"
}
subset drop > "$OUT/universe_without_heldout.yaml"
subset keep > "$OUT/universe_heldout.yaml"
want=$(echo $HELDOUT | wc -w)
got=$(grep -c 'ticker:' "$OUT/universe_heldout.yaml" || true)
[ "$got" -eq "$want" ] || { echo "zero_shot.sh: $UNIVERSE: found $got of the $want held-out tickers ($HELDOUT)" >&2; exit 2; }

for s in $SEEDS; do
  for side in trained zero_shot; do
    run=${NAME}_${side}_$s
    if [ $side = trained ]; then U=$UNIVERSE; else U=$OUT/universe_without_heldout.yaml; fi
    if [ ! -f "$OUT/$run.json" ]; then
      echo "zero_shot.sh: seed $s, $side: pre-train + evaluate" >&2
      "$BIN" pretrain --config "$OUT/pretrain.yaml" --run "$run" --seed "$s" --universe "$U" --data "$DATA" --overwrite \
        > "$OUT/$run.pretrain.log" 2>&1
      "$BIN" evaluate --checkpoint "checkpoints/$run/pretrained.safetensors" --universe "$OUT/universe_heldout.yaml" \
        --data "$DATA" --out "$OUT/$run.json.tmp" > "$OUT/$run.eval.log" 2>&1
      mv "$OUT/$run.json.tmp" "$OUT/$run.json"
    fi
  done
done

# Summary (jq): the same targets on both sides, or an error.
row() { jq -r '[.categories[] | .start, .evaluation.targets, .evaluation.scores.model.nll, .evaluation.scores.garch_t.nll,
                 (.zeroShot | length)] | @tsv' "$1"; }
printf "seed\ttargets\ttest_start\tnll_trained\tnll_zero_shot\tnll_garch_t\tzero_shot_minus_trained\n"
for s in $SEEDS; do
  read -r st1 n1 m1 g1 z1 < <(row "$OUT/${NAME}_trained_$s.json")
  read -r st2 n2 m2 g2 z2 < <(row "$OUT/${NAME}_zero_shot_$s.json")
  [ "$st1 $n1" = "$st2 $n2" ] || { echo "zero_shot.sh: seed $s: different targets ($st1 $n1 vs $st2 $n2)" >&2; exit 1; }
  [ "$z1" -eq 0 ] && [ "$z2" -eq "$want" ] || { echo "zero_shot.sh: seed $s: zero_shot marks $z1/$z2, expected 0/$want" >&2; exit 1; }
  awk -v s=$s -v n=$n1 -v st=$st1 -v a=$m1 -v b=$m2 -v g=$g1 'BEGIN { printf "%s\t%d\t%s\t%.4f\t%.4f\t%.4f\t%+.4f\n", s, n, st, a, b, g, b - a }'
done | tee "$OUT/summary.tsv"
awk -F'\t' '{ for (i = 4; i <= 7; i++) { s[i] += $i; q[i] += $i * $i } n++ }
  END { if (n == 0) exit; printf "mean ± sd over %d seeds\t\t\t", n
        for (i = 4; i <= 7; i++) { m = s[i] / n; v = n > 1 ? (q[i] - n * m * m) / (n - 1) : 0; if (v < 0) v = 0
          printf "%.4f ± %.4f%s", m, sqrt(v), (i < 7 ? "\t" : "\n") } }' "$OUT/summary.tsv"
