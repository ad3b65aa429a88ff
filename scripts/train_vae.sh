#!/usr/bin/env bash
# Reproduce the bundled VAE weights (seine_lite/weights/vae/) on 2 CPU cores,
# then measure reconstruction PSNR on held-out clips.
# Usage: scripts/train_vae.sh [OUT]   (default OUT: seine_lite/weights/vae)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-seine_lite/weights/vae}"
PYTHON="${PYTHON:-python}"
"$PYTHON" -m seine_lite.vae_train --size 64 --crop 32 --steps 3000 --batch-size 32 --lr 1e-3 \
    --clips 1000 --frames-per-clip 4 --channels 32,64,64 --latent-channels 4 --seed 0 --threads 2 \
    --out "$OUT"
"$PYTHON" benchmarks/vae_quality.py --vae "$OUT" --size 64 --clips 32
