#!/usr/bin/env bash
# Leg 6 of the real-footage model (session 17): from the winner of side-by-side round 9 (R/S, both 600 steps
# from leg 5's step 1,300, one thread each): S, whose fill is "flow" (the frames after two given ones in a row
# are the last given frame carried on at the velocity measured between them) in place of "blend". S's recipe
# on 4,000 clips, 2 threads, scored after 27 minutes and at the end with the real probes at the model's sampling defaults
# (guidance 1, the pixel composite with its threshold of 3 grey levels), the best scored checkpoint kept.
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/seine-lite train --preset cpu --data mix --num-clips 4000 --steps 20000 --batch-size 8 --lr 5e-4 --warmup-steps 50 \
  --prediction sample --ema-decay 0.998 \
  --mix shapes=0.25,smooth_transitions=0.1,steadygreylayers=0.1,realtransitions=0.1,realphotos=0.1,steadytripod=0.35 \
  --masks transition=0.25,prediction=0.25,interpolation=0.15,first1=0.35 --checkpoint-every 100 --max-minutes "${MAX_MINUTES:-55}" \
  --init-from runs/sbs_real_S --text-encoder minilm-words --frame-positions 16 --vae real \
  --condition flow --residual --condition-noise 0.1 --composite --composite-threshold 3 --guidance-scale 1 \
  --score-every 27 --score-real --no-progress --out runs/real1_leg6 "$@"
