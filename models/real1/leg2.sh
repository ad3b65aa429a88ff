#!/usr/bin/env bash
# Leg 2 of the real-footage model: leg 1 (leg1.sh) resumed from its last checkpoint (step 5,309), same recipe;
# models/real1 now holds its best-scored checkpoint (step 10,700). Ran 87.4 minutes (session 13),
# 2 threads, scored every 25 minutes with the real probes; 85 minutes.
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/seine-lite train --preset cpu --data mix --num-clips 4000 --steps 20000 --batch-size 8 --lr 5e-4 --warmup-steps 50 \
  --prediction sample --ema-decay 0.998 \
  --mix shapes=0.25,smooth_transitions=0.1,layers=0.15,slowlayers=0.15,greylayers=0.1,realtransitions=0.1,realphotos=0.15 \
  --masks transition=0.25,prediction=0.25,interpolation=0.15,first1=0.35 --checkpoint-every 100 --max-minutes 85 \
  --init-from runs/sbs_real_E --text-encoder minilm-words --frame-positions 16 --vae real \
  --condition blend --residual --condition-noise 0.1 --score-every 25 --score-real --no-progress --out runs/real1 --resume
