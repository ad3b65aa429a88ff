"""Prediction gain over repeating the last frame, for a model folder sampled from its noised fill
(`start`) with and without the pixel composite, on held-out real clips and on layered clips.

    python benchmarks/start_sweep.py runs/sbs_real_D --starts 0.05,0.1,0.2 --clips 4

Each clip gives its first 12 frames and the model predicts the last 4 (20 scheduler steps, seed 0);
the gain is the mean PSNR of the prediction minus that of repeating frame 12. Needs a model trained
with a fill (`--condition blend` or `nearest`) and the photo bank (`seine-lite data photos`).
"""
import argparse

import numpy as np
import torch

from seine_lite import SeinePipeline
from seine_lite.data.mix import make_clips
from seine_lite.data.real_footage import real_clip_windows
from seine_lite.metrics import psnr


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--starts", default="0.05,0.1,0.2")
    p.add_argument("--clips", type=int, default=4)
    args = p.parse_args()
    torch.set_num_threads(1)
    sets = {"real clips": real_clip_windows(args.clips, seed=77_032),
            "layered clips": make_clips("layers", args.clips, seed=999)}
    pipe = SeinePipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    print("| clips | start | composite | gain over repeating the last frame |\n|---|---|---|---|")
    for name, (clips, captions) in sets.items():
        repeat = np.mean([psnr(np.repeat(c[11:12], 4, 0), c[12:]) for c in clips])
        for start in (float(s) for s in args.starts.split(",")):
            for composite in (False, True):
                gains = [psnr(pipe.predict(list(c[:12]), prompt=caption, num_inference_steps=20, seed=0,
                                           start=start, composite=composite)[12:], c[12:])
                         for c, caption in zip(clips, captions)]
                print(f"| {name} | {start} | {composite} | {np.mean(gains) - repeat:+.2f} dB |", flush=True)


if __name__ == "__main__":
    main()
