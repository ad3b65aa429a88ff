"""Text control against the guidance scale, on TRAINING scenes (so that choosing a scale never
looks at the held-out scenes `seine-lite eval` reports on).

    python benchmarks/guidance_sweep.py --model runs/reference --scales 1 3 5 7.5

Prints, per scale, how often the object moves the way the prompt says and keeps its colour
(the text-control probe of seine_lite/evaluate.py, 4 prompts per first frame).
"""
import argparse

from seine_lite import SeinePipeline
from seine_lite.data import sample_scenes
from seine_lite.evaluate import text_control


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--scales", type=float, nargs="+", default=[1.0, 3.0, 5.0, 7.5])
    p.add_argument("--scenes", type=int, default=4, help="first frames (4 prompts each)")
    p.add_argument("--steps", type=int, default=25)
    p.add_argument("--seed", type=int, default=4242)
    args = p.parse_args(argv)
    pipe = SeinePipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    scenes = sample_scenes(args.scenes, seed=args.seed, split="train")
    print(f"{'scale':>6} {'direction':>10} {'colour':>7}   ({4 * len(scenes)} trials, training scenes)")
    for scale in args.scales:
        r = text_control(pipe, scenes, progress=False, num_inference_steps=args.steps, guidance_scale=scale)
        print(f"{scale:6.2f} {100 * r['direction_accuracy']:9.0f}% {100 * r['color_accuracy']:6.0f}%")


if __name__ == "__main__":
    main()
