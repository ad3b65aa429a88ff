"""Which way does the model move an object from one first frame, for each prompted direction?

    python benchmarks/direction_confusion.py --model runs/sbs_A2 --scenes 8

The text-control probe of `seine-lite eval` (held-out centred scenes, the same seeds), read as a
table: one row per prompted direction, one column per motion the video shows (`motion_direction`:
left, right, up, down or still). "followed" is the eval's direction accuracy; "moved the same way"
is the share of all trials in the most common direction, whatever was asked: near 100 % with
"followed" near 25 % means the model makes one motion and ignores the prompt; the one-direction
control (benchmarks/one_direction_data.py) reads it as the share moving left.
"""
import argparse
from collections import Counter

import torch

from seine_lite import SeinePipeline
from seine_lite.data import sample_scenes
from seine_lite.data.scenes import DIRECTIONS, caption_for
from seine_lite.data.shapes import render_scene
from seine_lite.evaluate import EVAL_SEED
from seine_lite.metrics import motion_direction


def confusion(pipe, scenes: int, steps: int) -> Counter:
    """(prompted, made) -> count over `scenes` held-out scenes x the four directions."""
    counts = Counter()
    for i, scene in enumerate(sample_scenes(scenes, seed=EVAL_SEED + 1, split="heldout")):
        first = render_scene(scene, pipe.resolution[0])
        for j, direction in enumerate(DIRECTIONS):
            video = pipe.predict(first, prompt=caption_for(scene.color, scene.shape, direction, scene.background),
                                 seed=4 * i + j, num_inference_steps=steps)
            counts[direction, motion_direction(video)] += 1
    return counts


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="a model folder (default: the bundled model)")
    p.add_argument("--scenes", type=int, default=8, help="held-out first frames (4 prompts each)")
    p.add_argument("--steps", type=int, default=25, help="DDIM steps (seine-lite eval's default)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    pipe = SeinePipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    counts = confusion(pipe, args.scenes, args.steps)
    made = list(DIRECTIONS) + sorted({m for _, m in counts} - set(DIRECTIONS))
    print(f"{'prompted':<9}" + "".join(f"{m:>7}" for m in made))
    for d in DIRECTIONS:
        print(f"{d:<9}" + "".join(f"{counts[d, m]:>7}" for m in made))
    total = sum(counts.values())
    overall = Counter()
    for (_, m), n in counts.items():
        overall[m] += n
    common, n_common = overall.most_common(1)[0]
    followed = sum(counts[d, d] for d in DIRECTIONS)
    print(f"followed {followed}/{total} ({followed / total:.0%}); moved the same way ({common}) "
          f"{n_common}/{total} ({n_common / total:.0%}); moved left {overall['left']}/{total}")


if __name__ == "__main__":
    main()
