#!/usr/bin/env bash
# One arm of a real-world side-by-side run (the conditioning options): a short warm start on one
# thread, then the held-out eval with the real-footage probes. Run two arms at once, one change
# between them, after `seine-lite data photos` has built the photo bank:
#
#   scripts/side_by_side_real.sh A &                                        # SEINE's zeros
#   scripts/side_by_side_real.sh B --condition blend &                      # the fill
#   wait; grep -h "^|" runs/sbs_real_A.log runs/sbs_real_B.log
#
# Every arm: the same start (the bundled model's UNet, or $INIT), seed, data (2,000 clips, 70 % of them real
# motion), masks and 500 steps, with the VAE retrained on photographs; about 20 minutes of steps
# plus 5 of encoding on one core, and 15 of eval. The runs of README "Conditioning on real footage"
# (A, B, D, E) used exactly this script; D and E add --residual --prediction sample (and E
# --condition-noise 0.1) to B. They started from the shapes model, the bundled folder up to commit
# 3a2cd6b: `git worktree add /tmp/shapes 3a2cd6b` and INIT=/tmp/shapes/seine_lite/weights/reference.
# EVAL_ARGS adds flags to the eval (e.g. "--steps 10", the bundled model's sampling steps).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/side_by_side_real.sh NAME [seine-lite train flags...]}
shift
BIN=${BIN:-.venv/bin}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
"$BIN/seine-lite" train --preset cpu --data mix --num-clips 2000 --steps "${STEPS:-500}" \
  --batch-size 8 --lr 5e-4 --warmup-steps 50 --prediction v_prediction --ema-decay 0.998 \
  --mix shapes=0.3,smooth_transitions=0.15,layers=0.25,realtransitions=0.15,realphotos=0.15 \
  --masks transition=0.3,prediction=0.3,first1=0.4 --checkpoint-every 100 --max-minutes 40 \
  --init-from "${INIT:-seine_lite/weights/reference}" --text-encoder minilm-words --frame-positions 16 --vae real \
  --no-progress --overwrite --out "runs/sbs_real_$name" "$@" > "runs/sbs_real_$name.log" 2>&1
"$BIN/seine-lite" eval --model "runs/sbs_real_$name" --clips 12 --scenes 8 --pairs 4 --real --real-clips 12 \
  --real-pairs 6 --out "runs/sbs_real_$name" --no-progress ${EVAL_ARGS:-} >> "runs/sbs_real_$name.log" 2>&1
