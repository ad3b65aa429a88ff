#!/usr/bin/env bash
# Leg 5 of the real-footage model (session 16): from the winner of side-by-side round 8 (P/Q, both
# 600 steps from leg 4's step 1,200, one thread each): Q, whose still-camera and grey layered clips
# have no brightness drift and no noise (`steadytripod`, `steadygreylayers`). Q's recipe on 4,000 clips,
# 2 threads, scored every 25 minutes with the real probes at the model's sampling defaults (guidance 1,
# the pixel composite), the best scored checkpoint kept.
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/seine-lite train --preset cpu --data mix --num-clips 4000 --steps 20000 --batch-size 8 --lr 5e-4 --warmup-steps 50 \
  --prediction sample --ema-decay 0.998 \
  --mix shapes=0.25,smooth_transitions=0.1,steadygreylayers=0.1,realtransitions=0.1,realphotos=0.1,steadytripod=0.35 \
  --masks transition=0.25,prediction=0.25,interpolation=0.15,first1=0.35 --checkpoint-every 100 --max-minutes "${MAX_MINUTES:-90}" \
  --init-from runs/sbs_real_Q --text-encoder minilm-words --frame-positions 16 --vae real \
  --condition blend --residual --condition-noise 0.1 --composite --guidance-scale 1 --score-every 25 --score-real \
  --no-progress --out runs/real1_leg5 "$@"
