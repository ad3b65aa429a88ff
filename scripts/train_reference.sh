#!/usr/bin/env bash
# Train the bundled reference model (the `cpu` preset) from scratch, evaluate it, and ship it.
#
#   scripts/train_reference.sh                 # 2 CPU cores, at most 90 minutes of training
#   PRESET=lab DEVICE=cuda MINUTES=8 OUT=runs/lab scripts/train_reference.sh   # a classroom GPU
#
# Rerunning resumes from the last checkpoint in $OUT (the time budget, encoding the latent cache
# included, applies to each run; metrics.jsonl keeps the total). SHIP=1 copies the result into
# seine_lite/weights/reference/. The bundled model (OUT=runs/ref3): 3,304 steps in 90 minutes of
# wall time on a quiet 2-core machine, latent encoding included (README, "The reference model").
# On a machine shared with other jobs, OMP_NUM_THREADS=1 is faster than 2 (README, "Training").
# The fourth session's experiment (worse on 5 of the 7 probes, README "The reference model"):
#   CONDITION=blend MASKS=transition=0.35,prediction=0.35,bernoulli=0.15,first1=0.15 OUT=runs/ref5 scripts/train_reference.sh
# The fifth session's experiment (temporal convolutions; 1 of 7 bars, README "The reference model"):
#   TCONV=1 OUT=runs/ref6 scripts/train_reference.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=${PRESET:-cpu}
OUT=${OUT:-runs/reference}
STEPS=${STEPS:-4000}
MINUTES=${MINUTES:-90}
DEVICE=${DEVICE:-cpu}
BIN=${BIN:-.venv/bin}

resume=()
[ -d "$OUT/checkpoints" ] && resume=(--resume)
tconv=()
[ "${TCONV:-0}" = 1 ] && tconv=(--temporal-conv)
"$BIN/seine-lite" train --preset "$PRESET" --data mix --num-clips "${CLIPS:-4000}" --steps "$STEPS" \
  --batch-size "${BATCH:-8}" --lr "${LR:-8e-4}" --warmup-steps 100 --prediction v_prediction --snr-gamma 5 --condition "${CONDITION:-zeros}" \
  --ema-decay "${EMA:-0.998}" --masks "${MASKS:-transition=0.4,prediction=0.4,bernoulli=0.2}" \
  --checkpoint-every 100 --max-minutes "$MINUTES" --out "$OUT" "${resume[@]}" "${tconv[@]}"
"$BIN/seine-lite" eval --model "$OUT" --out "$OUT" --device "$DEVICE"

if [ "${SHIP:-0}" = 1 ]; then
  rm -rf seine_lite/weights/reference
  mkdir -p seine_lite/weights/reference
  cp -r "$OUT/unet" "$OUT/vae" "$OUT/seine_lite.json" "$OUT/eval.md" "$OUT/eval.json" "$OUT/loss.png" seine_lite/weights/reference/
  echo "shipped $OUT into seine_lite/weights/reference/"
fi
