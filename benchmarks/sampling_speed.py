"""Seconds per generated 16-frame transition with the bundled model (or --model).

    python benchmarks/sampling_speed.py                      # CPU, the model's steps, torch's threads
    python benchmarks/sampling_speed.py --threads 2 --steps 25 50
    python benchmarks/sampling_speed.py --device cuda
    python benchmarks/sampling_speed.py --model DIR --sampler dpm++ --steps 10 --start 0.5   # a fill model

Each figure is the median of --repeats calls of `pipe.transition` after one warm-up call, at the
model's guidance scale (two UNet passes per step, batched as one; one at scale 1: --guidance to
change it), VAE encode and decode included.
"""
import argparse
import statistics
import time

import torch

from seine_lite import SeinePipeline
from seine_lite.data import Scene, render_scene


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--steps", type=int, nargs="+", default=[None], help="sampling steps to time (default: the model's)")
    p.add_argument("--guidance", type=float, default=None, help="guidance scale (default: the model's)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--device", default=None, help="cpu | cuda")
    p.add_argument("--sampler", default=None, help="ddim | dpm++ | unipc | ... (default: the model's scheduler)")
    p.add_argument("--start", type=float, default=None,
                   help="start from the fill noised to this level (a model trained with a fill; default: its own)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    pipe = SeinePipeline.from_pretrained(args.model, device=args.device)
    pipe.set_progress_bar_config(disable=True)
    size = pipe.resolution[0]
    first = render_scene(Scene("red", "square", "black"), size)
    last = render_scene(Scene("yellow", "circle", "dark blue"), size)
    prompt = "a red square on a black background turning into a yellow circle on a dark blue background"
    print(f"device {pipe.device}, {torch.get_num_threads()} threads, {pipe.num_frames} frames of {size}x{size}")
    for steps in args.steps:
        options = {k: v for k, v in (("sampler", args.sampler), ("start", args.start),
                                     ("guidance_scale", args.guidance)) if v is not None}
        steps = steps or pipe.default_steps
        pipe.transition(first, last, prompt=prompt, num_inference_steps=steps, **options)
        times = []
        for i in range(args.repeats):
            if pipe.device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            pipe.transition(first, last, prompt=prompt, num_inference_steps=steps, seed=i, **options)
            if pipe.device.type == "cuda":
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        print(f"{steps:4d} {args.sampler or 'scheduler'} steps (start {args.start or 'default'}, guidance "
              f"{options.get('guidance_scale', pipe.meta.get('guidance_scale'))}): "
              f"{statistics.median(times):.2f} s per transition "
              f"(min {min(times):.2f}, max {max(times):.2f})")


if __name__ == "__main__":
    main()
