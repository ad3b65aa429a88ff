"""Reconstruction quality of a VAE on held-out clips: PSNR per source and overall.

    python benchmarks/vae_quality.py                 # the bundled VAE, 64 px
    python benchmarks/vae_quality.py --vae runs/vae --clips 32 --size 64
    python benchmarks/vae_quality.py --real          # also real footage from the photo bank

With --real (the photo bank must exist: `seine-lite data photos`), three more rows: "realphotos",
new camera paths over the bank's training photographs; "real_heldout_photos", camera paths over
photographs held out of every training source; "real_clips", windows of the real clips (all
held out). Encode + decode time of one 16-frame clip is printed too (median of 5, this thread count).

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
from seine_lite.data.real_footage import heldout_photo_clips, real_clip_windows
from seine_lite.metrics import psnr
from seine_lite.vae import decode_video, encode_video, load_vae
from seine_lite.vae_train import HELD_OUT_SEED, SOURCES

REAL_SOURCES = ("realphotos", "real_heldout_photos", "real_clips")


def held_out_clips(source: str, n: int, frames: int, size: int, seed: int) -> np.ndarray:
    """n clips of a source: a training source's maker at held-out seeds, or the bank's held-out footage."""
    if source == "real_heldout_photos":
        return heldout_photo_clips(n, num_frames=frames, size=size, seed=seed)[0]
    if source == "real_clips":
        return real_clip_windows(n, num_frames=frames, size=size, seed=seed)[0]
    return make_clips(source, n=n, num_frames=frames, size=size, seed=seed)[0]


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vae", default=None, help="VAE folder (default: the bundled weights)")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--clips", type=int, default=32, help="held-out clips per source")
    p.add_argument("--frames", type=int, default=16, help="frames per clip")
    p.add_argument("--seed", type=int, default=HELD_OUT_SEED)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--real", action="store_true", help="add the photo bank's real footage (see above)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    vae = load_vae(args.vae)
    started = time.time()
    scores, latents = {}, []
    for k, source in enumerate(SOURCES + (REAL_SOURCES if args.real else ())):
        clips = held_out_clips(source, args.clips, args.frames, args.size, args.seed + k)
        z = encode_video(vae, clips, chunk=64)
        latents.append(z.flatten())
        scores[source] = psnr(decode_video(vae, z, chunk=64), clips)
    scores["overall"] = float(np.mean(list(scores.values())))
    z = torch.cat(latents)
    print(f"VAE {args.vae or 'bundled'}: {args.clips} held-out clips x {args.frames} frames per source at "
          f"{args.size} px, latent {tuple(vae.config.block_out_channels)} -> {vae.config.latent_channels} channels")
    print(f"{'source':<20} PSNR (dB)")
    for source, value in scores.items():
        print(f"{source:<20} {value:6.2f}")
    print(f"scaled latents: mean {z.mean():+.3f}, std {z.std():.3f}; {time.time() - started:.1f} s")
    one = clips[:1]
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        decode_video(vae, encode_video(vae, one, chunk=64), chunk=64)
        times.append(time.perf_counter() - t0)
    scores["encode_decode_seconds"] = float(np.median(times))
    print(f"encode + decode of one {args.frames}-frame clip: {1000 * scores['encode_decode_seconds']:.0f} ms "
          f"(median of 5, {torch.get_num_threads()} threads)")
    return scores


if __name__ == "__main__":
    main()
