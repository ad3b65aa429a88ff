"""Reconstruction quality of a VAE on held-out clips: PSNR per source and overall.

    python benchmarks/vae_quality.py                 # the bundled VAE, 64 px
    python benchmarks/vae_quality.py --vae runs/vae --clips 32 --size 64

Clips are rendered with seeds from `HELD_OUT_SEED` on, which training never uses
(`seine_lite.vae_train` renders its clips from seeds `seed + 7919 * k` and refuses a seed that
would reach `HELD_OUT_SEED`). New seeds mean new draws, not new content: shapes and transition
clips come from the same "train" scenes as training, and photo clips are new camera paths over
the same five bundled photographs the VAE was trained on. Every frame of
every clip is encoded to the posterior mean and decoded; PSNR is over all pixels
of a source (so "overall" is the mean of the per-source values).
"""
import argparse
import time

import numpy as np
import torch

from seine_lite.data import make_clips
from seine_lite.metrics import psnr
from seine_lite.vae import decode_video, encode_video, load_vae
from seine_lite.vae_train import HELD_OUT_SEED, SOURCES


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vae", default=None, help="VAE folder (default: the bundled weights)")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--clips", type=int, default=32, help="held-out clips per source")
    p.add_argument("--frames", type=int, default=16, help="frames per clip")
    p.add_argument("--seed", type=int, default=HELD_OUT_SEED)
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    vae = load_vae(args.vae)
    started = time.time()
    scores, latents = {}, []
    for k, source in enumerate(SOURCES):
        clips, _ = make_clips(source, n=args.clips, num_frames=args.frames, size=args.size, seed=args.seed + k)
        z = encode_video(vae, clips, chunk=64)
        latents.append(z.flatten())
        scores[source] = psnr(decode_video(vae, z, chunk=64), clips)
    scores["overall"] = float(np.mean(list(scores.values())))
    z = torch.cat(latents)
    print(f"VAE {args.vae or 'bundled'}: {args.clips} held-out clips x {args.frames} frames per source at "
          f"{args.size} px, latent {tuple(vae.config.block_out_channels)} -> {vae.config.latent_channels} channels")
    print(f"{'source':<12} PSNR (dB)")
    for source, value in scores.items():
        print(f"{source:<12} {value:6.2f}")
    print(f"scaled latents: mean {z.mean():+.3f}, std {z.std():.3f}; {time.time() - started:.1f} s")
    return scores


if __name__ == "__main__":
    main()
