#!/usr/bin/env bash
# Where a CUDA GPU is at hand: at most about 8 minutes of GPU time.
#
#   scripts/gpu_check.sh            # PY=python by default; MINUTES=4 of training
#
# 1. the pipeline tests on CUDA (the tiny model, every scheduler, every call argument, fp16/bf16);
# 2. the shipped model's recipe (its last training leg) trained on the GPU for MINUTES from the shipped
#    weights at the cpu preset, then the same eval subset as the side-by-side runs, on the GPU.
# Figures land in runs/gpu/ (gpu.txt: the GPU's name; eval.md). Nothing here runs on a CPU-only
# machine: it stops at once with exit code 2. The recipe's real sources read the photo bank
# (`make photos` first; $SEINE_LITE_BANK or data/bank).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python}
MINUTES=${MINUTES:-4}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
if ! "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    echo "gpu_check: no CUDA GPU here" >&2
    exit 2
fi
mkdir -p runs/gpu
"$PY" -c "from seine_lite.device import describe; print(describe('cuda'))" | tee runs/gpu/gpu.txt

start=$(date +%s)
SEINE_LITE_TEST_DEVICE=cuda "$PY" -m pytest -q -p no:cacheprovider tests/test_pipeline.py \
    tests/test_pipeline_diffusers.py tests/test_train.py 2>&1 | tail -n 25 | tee runs/gpu/tests.txt || true   # then on to training
echo "tests on CUDA: $(( $(date +%s) - start )) s" | tee -a runs/gpu/tests.txt

start=$(date +%s)
"$PY" -m seine_lite.cli train --preset cpu --data mix --num-clips 3000 \
    --mix shapes=0.25,smooth_transitions=0.1,layers=0.1,slowlayers=0.1,greylayers=0.1,realtransitions=0.1,realphotos=0.1,tripod=0.15 \
    --steps 100000 --batch-size 8 --lr 5e-4 --warmup-steps 50 --prediction sample --ema-decay 0.998 \
    --text-encoder minilm-words --frame-positions 16 --vae real --condition blend --residual --condition-noise 0.1 \
    --composite --guidance-scale 1 --masks transition=0.25,prediction=0.25,interpolation=0.15,first1=0.35 \
    --checkpoint-every 200 --max-minutes "$MINUTES" --init-from seine_lite/weights/reference --no-progress \
    --overwrite --out runs/gpu/cpu_preset
"$PY" -m seine_lite.cli eval --model runs/gpu/cpu_preset --clips 12 --scenes 8 --pairs 4 --device cuda \
    --out runs/gpu/cpu_preset --no-progress
echo "train + eval on CUDA: $(( $(date +%s) - start )) s" | tee -a runs/gpu/tests.txt
tail -n 3 runs/gpu/cpu_preset/metrics.jsonl | cut -c1-120
cat runs/gpu/cpu_preset/eval.md
