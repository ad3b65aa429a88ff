#!/usr/bin/env bash
# Reproduce the bundled VAE weights (seine_lite/weights/vae/) on a CPU, then measure
# reconstruction PSNR on held-out clips. One torch thread: on a shared 2-core machine
# two threads were up to 10x slower; the weights are bytewise repeatable at a fixed thread count.
# Usage: scripts/train_vae.sh [OUT]   (default OUT: seine_lite/weights/vae)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-seine_lite/weights/vae}"
PYTHON="${PYTHON:-.venv/bin/python}"
"$PYTHON" -m seine_lite.vae_train --size 64 --crop 32 --steps 3000 --batch-size 16 --lr 2e-3 \
    --edge-weight 0 --kl-weight 1e-6 --clips 1000 --frames-per-clip 4 --source-weights 1,1,2 \
    --channels 32,64,64 --norm-groups 1 --latent-channels 8 --seed 0 --threads 1 --out "$OUT"
"$PYTHON" benchmarks/vae_quality.py --vae "$OUT" --size 64 --clips 32 --threads 1
