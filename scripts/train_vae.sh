#!/usr/bin/env bash
# Reproduce the bundled VAE weights (seine_lite/weights/vae/) on 2 CPU cores,
# then measure reconstruction PSNR on held-out clips.
# Usage: scripts/train_vae.sh [OUT]   (default OUT: seine_lite/weights/vae)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-seine_lite/weights/vae}"
PYTHON="${PYTHON:-.venv/bin/python}"
"$PYTHON" -m seine_lite.vae_train --size 64 --crop 32 --steps 2500 --batch-size 16 --lr 2e-3 \
    --clips 600 --channels 32,64,64 --latent-channels 8 --norm-groups 1 --seed 0 --threads 1 \
    --out "$OUT"
"$PYTHON" benchmarks/vae_quality.py --vae "$OUT" --size 64 --clips 32
