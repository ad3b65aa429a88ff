#!/usr/bin/env bash
# Train the shapes reference model (the `cpu` preset) from scratch, evaluate it, and ship it.
#
#   scripts/train_reference.sh                 # 2 CPU cores, at most 90 minutes of training
#   PRESET=lab DEVICE=cuda MINUTES=8 OUT=runs/lab scripts/train_reference.sh   # a classroom GPU
#
# Rerunning resumes from the last checkpoint in $OUT (the time budget, encoding the latent cache
# included, applies to each run; metrics.jsonl keeps the total). SHIP=1 copies the result into
# seine_lite/weights/reference/. One call is one leg: the shapes model (the bundled one up to
# commit 3a2cd6b) is eight legs of this script and `seine-lite train`, 16,804 steps on 2 CPU cores;
# the bundled model grew from it on real footage in seven more (models/real1/leg*.sh; every call is
# listed in its seine_lite.json and its model card, seine_lite/weights/reference/README.md). A new leg starts from a
# model folder's weights with INIT=DIR. docs/history.md logs every leg and experiment.
# On a machine shared with other jobs, OMP_NUM_THREADS=1 is faster than 2 (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=${PRESET:-cpu}
OUT=${OUT:-runs/reference}
STEPS=${STEPS:-4000}
MINUTES=${MINUTES:-90}
DEVICE=${DEVICE:-cpu}
BIN=${BIN:-.venv/bin}

# The UNet, loss and scoring options (each an environment variable; empty switches it off):
#   TEXT=minilm-words   the word path (word embeddings beside MiniLM's states)
#   FRAMEPOS=16         a frame-index embedding      RELBIAS=1   SEINE's relative position bias
#   SNR=5               min-SNR weighting (SNR= for plain v-MSE)      TDRAW=logit-normal
#   INIT=DIR            a new leg that starts from a model folder's UNet (--init-from)
#   SCORE=25            score on a held-out subset every 25 minutes; the best goes to $OUT/best
#   MIX=shapes=0.8,transitions=0.2   the share of each source of DATA=mix (--mix)
#   SOURCEMASKS=transitions=onelast1   one source's clips always train with one layout (--source-masks)
# The conditioning options (seine_lite/conditioning.py, README "The reference model on real footage"):
#   CONDITION=blend   the fill (zeros, blend, nearest)     RESIDUAL=1   diffuse z0 - fill (--residual)
#   PREDICTION=sample what the UNet predicts              CNOISE=0.1   CDROP=0.1   noise / dropout of the fill
#   START=0.6  COMPOSITE=1   the model's sampling defaults  VAE=real     the VAE retrained on photographs
#   SCOREREAL=1       score on the real-footage probes too (--score-real)
resume=()
[ -d "$OUT/checkpoints" ] && resume=(--resume)
extra=()
[ "${TCONV:-0}" = 1 ] && extra+=(--temporal-conv)
[ -n "${FRAMEPOS:-}" ] && extra+=(--frame-positions "$FRAMEPOS")
[ "${RELBIAS:-0}" = 1 ] && extra+=(--relative-position-bias)
[ -n "${SNR-5}" ] && extra+=(--snr-gamma "${SNR-5}")
[ -n "${SCORE:-}" ] && extra+=(--score-every "$SCORE")
[ -n "${MIX:-}" ] && extra+=(--mix "$MIX")
[ -n "${SOURCEMASKS:-}" ] && extra+=(--source-masks "$SOURCEMASKS")
[ -n "${INIT:-}" ] && [ ${#resume[@]} = 0 ] && extra+=(--init-from "$INIT")
[ "${RESIDUAL:-0}" = 1 ] && extra+=(--residual)
[ -n "${CNOISE:-}" ] && extra+=(--condition-noise "$CNOISE")
[ -n "${CDROP:-}" ] && extra+=(--condition-dropout "$CDROP")
[ -n "${START:-}" ] && extra+=(--start "$START")
[ "${COMPOSITE:-0}" = 1 ] && extra+=(--composite)
[ -n "${VAE:-}" ] && extra+=(--vae "$VAE")
[ "${SCOREREAL:-0}" = 1 ] && extra+=(--score-real)
"$BIN/seine-lite" train --preset "$PRESET" --data "${DATA:-mix}" --num-clips "${CLIPS:-4000}" --steps "$STEPS" \
  --batch-size "${BATCH:-8}" --lr "${LR:-8e-4}" --warmup-steps "${WARMUP:-100}" --prediction "${PREDICTION:-v_prediction}" \
  --condition "${CONDITION:-zeros}" --text-encoder "${TEXT:-minilm}" --timestep-draw "${TDRAW:-uniform}" \
  --ema-decay "${EMA:-0.998}" --masks "${MASKS:-transition=0.4,prediction=0.4,bernoulli=0.2}" \
  --checkpoint-every 100 --max-minutes "$MINUTES" --out "$OUT" "${resume[@]}" "${extra[@]}"
MODEL="$OUT"
[ -d "$OUT/best/unet" ] && MODEL="$OUT/best"     # the best-scored checkpoint, not the last
real=()
[ "${SCOREREAL:-0}" = 1 ] && real=(--real)
"$BIN/seine-lite" eval --model "$MODEL" --out "$MODEL" --device "$DEVICE" "${real[@]}"

if [ "${SHIP:-0}" = 1 ]; then
  rm -rf seine_lite/weights/reference
  mkdir -p seine_lite/weights/reference
  cp -r "$MODEL/unet" "$MODEL/vae" "$MODEL/seine_lite.json" "$MODEL/eval.md" "$MODEL/eval.json" seine_lite/weights/reference/
  cp "$OUT/loss.png" seine_lite/weights/reference/
  echo "shipped $MODEL into seine_lite/weights/reference/"
fi
