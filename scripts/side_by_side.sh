#!/usr/bin/env bash
# One arm of a side-by-side recipe run: a short warm start from the bundled model on
# one thread, then a small held-out eval. Run two arms at once, one change between them:
#
#   scripts/side_by_side.sh A &                                   # the baseline
#   scripts/side_by_side.sh B --text-encoder minilm-words &       # the candidate
#   wait; grep -h "^|" runs/sbs_A.log runs/sbs_B.log
#
# Every arm: the same start ($INIT), seed, data (2,000 shapes clips), masks and 800 steps; about 25
# minutes of steps plus 4 of encoding on one core, and 6-10 minutes of eval. The runs of
# docs/history.md "The reference model" (A-D) used exactly this script from the shapes model, the
# bundled folder up to commit 3a2cd6b (`git worktree add /tmp/shapes 3a2cd6b`, then
# INIT=/tmp/shapes/seine_lite/weights/reference); its recipe (v-prediction, SEINE's zeros, the
# shapes VAE) does not fit today's bundled model, which predicts x_0 over a fill with the real VAE.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/side_by_side.sh NAME [seine-lite train flags...]}
shift
BIN=${BIN:-.venv/bin}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
"$BIN/seine-lite" train --preset cpu --data shapes --num-clips 2000 --steps "${STEPS:-800}" \
  --batch-size 8 --lr 5e-4 --warmup-steps 50 --prediction v_prediction --ema-decay 0.998 \
  --masks transition=0.2,prediction=0.2,first1=0.6 --checkpoint-every 200 --max-minutes 45 \
  --init-from "${INIT:?set INIT to a shapes model folder (see above)}" --frame-positions 16 --no-progress --overwrite --out "runs/sbs_$name" "$@" \
  > "runs/sbs_$name.log" 2>&1
"$BIN/seine-lite" eval --model "runs/sbs_$name" --clips 12 --scenes 8 --pairs 4 --out "runs/sbs_$name" \
  --no-progress >> "runs/sbs_$name.log" 2>&1
