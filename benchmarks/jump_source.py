"""Where does a transition's largest jump come from: the model's own frames, or pasting the
given frames back over the model's version of them?

    python benchmarks/jump_source.py --model runs/reference --pairs 16

For held-out scene pairs (the transitions probe of `seine-lite eval`), prints the largest
frame-to-frame jump (as a fraction of a hard cut, `metrics.max_jump`) of the raw sample and of
the sample with the two given frames pasted back, and the PSNR of the model's own given frames.
If pasting makes the jump, the model drifts at the ends; if the raw sample jumps, it is inside.
"""
import argparse

import numpy as np

from seine_lite import SeinePipeline
from seine_lite.data import sample_scenes
from seine_lite.data.shapes import render_scene
from seine_lite.evaluate import EVAL_SEED
from seine_lite.metrics import max_jump, psnr
from seine_lite.pipeline import join_prompts


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--pairs", type=int, default=16)
    p.add_argument("--steps", type=int, default=25)
    args = p.parse_args(argv)
    pipe = SeinePipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    scenes = sample_scenes(2 * args.pairs, seed=EVAL_SEED + 2, split="heldout", distinct_pairs=True)
    raw_jumps, pasted_jumps, given = [], [], []
    for i, (a, b) in enumerate(zip(scenes[::2], scenes[1::2])):
        first, last = render_scene(a, pipe.resolution[0]), render_scene(b, pipe.resolution[0])
        raw = pipe.transition(first, last, prompt=join_prompts(a.caption, b.caption), seed=i,
                              paste_given=False, num_inference_steps=args.steps)
        pasted = raw.copy()
        pasted[0], pasted[-1] = first, last
        raw_jumps.append(max_jump(raw))
        pasted_jumps.append(max_jump(pasted))
        given.append(psnr(np.stack([raw[0], raw[-1]]), np.stack([first, last])))
    print(f"{args.pairs} held-out scene pairs, model {args.model or 'bundled'}")
    print(f"largest jump, raw sample:         max {max(raw_jumps):.2f}  median {np.median(raw_jumps):.2f}")
    print(f"largest jump, given frames pasted: max {max(pasted_jumps):.2f}  median {np.median(pasted_jumps):.2f}")
    print(f"model's own given frames: {np.mean(given):.1f} dB  (bar: jump <= 0.35, given >= 30 dB)")


if __name__ == "__main__":
    main()
