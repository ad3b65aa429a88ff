#!/usr/bin/env bash
# Reproduce the bundled VAE weights (seine_lite/weights/vae/) on a CPU, then measure
# reconstruction PSNR on held-out clips. One torch thread: on a shared 2-core machine
# two threads were up to 10x slower; the weights are bytewise repeatable at a fixed thread count.
# Usage: scripts/train_vae.sh [OUT]   (default OUT: seine_lite/weights/vae)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-seine_lite/weights/vae}"
PYTHON="${PYTHON:-.venv/bin/python}"
# Stage 1, the whole VAE from scratch: 2,500 steps, 27.8 minutes on one core
# (the settings recorded in the shipped vae_train.json under "init_record").
"$PYTHON" -m seine_lite.cli.vae_train --size 64 --crop 32 --steps 2500 --batch-size 16 --lr 2e-3 \
    --edge-weight 0.5 --kl-weight 1e-6 --clips 600 --frames-per-clip 4 --source-weights 1,1,2 \
    --channels 32,64,64 --norm-groups 1 --latent-channels 8 --seed 0 --threads 1 --out "$OUT"
# Stage 2, decoder only, into the same OUT: 2,400 steps, 22.1 minutes on one core (the other
# core busy). The encoder, quant_conv and scaling_factor stay bit-identical, so the latents of
# stage 1 (and a video model trained on them) stay valid. Photo-heavy batches (1:1:6), squared
# error weighted 10x, no edge term, fresh clips (seed 1), a warm restart to lr 5e-4 then cosine
# decay. Held-out photo PSNR 28.56 -> 30.69 dB (shapes 38.64 -> 39.93, transitions 35.26 -> 36.22).
"$PYTHON" -m seine_lite.cli.vae_train --init-from "$OUT" --decoder-only --size 64 --crop 32 --steps 2400 \
    --batch-size 16 --lr 5e-4 --warmup 100 --edge-weight 0 --kl-weight 1e-6 --mse-weight 10 \
    --clips 1000 --frames-per-clip 4 --source-weights 1,1,6 --seed 1 --threads 1 --out "$OUT"
"$PYTHON" benchmarks/vae_quality.py --vae "$OUT" --size 64 --clips 32 --threads 1
