#!/usr/bin/env bash
# Leg 3 of the real-footage model (session 14): from the winner of two side-by-side rounds (H/I, then I2/K):
# K, 600 steps of I (15 % still-camera clips, `stilllayers`) then 600 of K (those clips with small movers,
# `tripod`), both from leg 2's step 10,700. K's recipe on 4,000 clips, 2 threads, scored every 25 minutes
# with the real probes, the best scored checkpoint kept. --composite only sets the sampling default (measured
# on I: real +1.6 to +1.9 dB, shapes within noise).
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/seine-lite train --preset cpu --data mix --num-clips 4000 --steps 20000 --batch-size 8 --lr 5e-4 --warmup-steps 50 \
  --prediction sample --ema-decay 0.998 \
  --mix shapes=0.25,smooth_transitions=0.1,layers=0.1,slowlayers=0.1,greylayers=0.1,realtransitions=0.1,realphotos=0.1,tripod=0.15 \
  --masks transition=0.25,prediction=0.25,interpolation=0.15,first1=0.35 --checkpoint-every 100 --max-minutes "${MAX_MINUTES:-78}" \
  --init-from runs/sbs_real_K --text-encoder minilm-words --frame-positions 16 --vae real \
  --condition blend --residual --condition-noise 0.1 --composite --score-every 25 --score-real --no-progress --out runs/real1_leg3 "$@"
