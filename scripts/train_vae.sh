#!/usr/bin/env bash
# Reproduce the bundled VAE weights (seine_lite/weights/vae/) on a CPU, then measure
# reconstruction PSNR on held-out clips. One torch thread: on a shared 2-core machine
# two threads were up to 10x slower; the weights are bytewise repeatable at a fixed thread count.
# Usage: scripts/train_vae.sh [OUT]        the bundled VAE   (default OUT: seine_lite/weights/vae)
#        scripts/train_vae.sh real [OUT]   the real-world VAE (default OUT: seine_lite/weights/vae_real;
#                                          needs the photo bank: make photos)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
if [ "${1:-}" = real ]; then
    OUT="${2:-seine_lite/weights/vae_real}"
    # Leg 1 (side-by-side round 1, arm A): the whole bundled VAE trained on, with camera moves over the
    # bank's 290 training photographs three quarters of each batch (--source-weights 1,1,1,6):
    # 16,000 steps, 45.7 minutes on one core while arm B (decoder only, 18,700 steps, 44.1 min) took
    # the other. A: held-out photographs 28.8 dB, real clips 25.4 dB; B: 26.0 and 23.5 dB.
    "$PYTHON" -m seine_lite.cli.vae_train --init-from seine_lite/weights/vae --size 64 --crop 32 \
        --batch-size 16 --kl-weight 1e-6 --mse-weight 10 --edge-weight 0 --clips 2000 --frames-per-clip 4 \
        --sources shapes,transitions,photos,realphotos --source-weights 1,1,1,6 --seed 2 --threads 1 \
        --lr 5e-4 --warmup 100 --steps 16000 --out "$OUT"
    # Leg 2 (side-by-side round 2, arm D), into the same OUT: on from leg 1 with whole 64-pixel frames
    # (GroupNorm then sees the statistics of the whole frames it meets in use): 3,100 steps, 31.7 min on
    # one core while arm C (32-pixel crops, 11,500 steps, 30.0 min) took the other. D: held-out photographs
    # 29.07 dB, real clips 25.58 dB (16 clips each); C: 28.94 and 25.54 dB.
    "$PYTHON" -m seine_lite.cli.vae_train --init-from "$OUT" --size 64 --crop 64 --batch-size 16 \
        --kl-weight 1e-6 --mse-weight 10 --edge-weight 0 --clips 2000 --frames-per-clip 4 \
        --sources shapes,transitions,photos,realphotos --source-weights 1,1,1,6 --seed 3 --threads 1 \
        --lr 2e-4 --warmup 100 --steps 3100 --out "$OUT"
    "$PYTHON" benchmarks/vae_quality.py --vae "$OUT" --size 64 --clips 32 --threads 1 --real
    exit 0
fi
OUT="${1:-seine_lite/weights/vae}"
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
