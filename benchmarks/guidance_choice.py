"""Every probe of `seine-lite eval` against the guidance scale (and the sampler and its steps), on
data the eval never uses, so a model's sampling defaults can be chosen without looking at the
held-out figures they are reported by.

    python benchmarks/guidance_choice.py --scales 1 1.5 2 3 --clips 12 --scenes 6 --pairs 8   # 12 min, 2 cores
    python benchmarks/guidance_choice.py --scales 1 --samplers ddim dpm++ --steps 25 10 6      # fewer steps

`seine_lite.evaluate.evaluate` with `split="train"`: shapes clips and scenes from the training
split, photo clips from camera paths of another seed than the eval's (`--seed`). Prints per scale
the eval's figures, the bars met and the score of `train_scoring.score_of` (bars met plus the
mean fraction of each bar reached). The scale with
the best score goes into the model's `seine_lite.json` as `guidance_scale`; then run
`seine-lite eval` once, on the held-out data, at that default.
"""
import argparse
import itertools

from seine_lite import SeinePipeline
from seine_lite.evaluate import evaluate
from seine_lite.samplers import check_sampler
from seine_lite.train_scoring import score_of

COLUMNS = [("interpolation_gain_db", "interp.", "+.2f"), ("prediction_gain_db", "pred.", "+.2f"),
           ("direction_accuracy", "dir.", ".0%"), ("color_accuracy", "colour", ".0%"),
           ("transition_given_psnr_db", "given", ".1f"), ("transition_max_jump", "jump", ".2f"),
           ("transition_double_exposure", "double", ".3f"), ("photo_prediction_gain_db", "photo", "+.2f")]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--scales", type=float, nargs="+", default=[1.5, 2.0, 3.0])
    p.add_argument("--clips", type=int, default=8, help="shapes clips and photo clips per probe")
    p.add_argument("--scenes", type=int, default=4, help="first frames for text control (4 prompts each)")
    p.add_argument("--pairs", type=int, default=8, help="scene pairs for transitions")
    p.add_argument("--steps", type=int, nargs="+", default=[25], help="sampling steps")
    p.add_argument("--samplers", nargs="+", default=["ddim"], help="ddim | dpm++ | unipc | ... (each is tried)")
    p.add_argument("--seed", type=int, default=4242, help="not the eval's seed")
    args = p.parse_args(argv)
    samplers = [check_sampler(name, "--samplers") for name in args.samplers]
    pipe = SeinePipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    print(f"training-split data, seed {args.seed}: {args.clips} clips, {4 * args.scenes} text trials, "
          f"{args.pairs} pairs, {args.clips} photo clips")
    print("| scale | sampler | steps | " + " | ".join(head for _, head, _ in COLUMNS) + " | bars | score |")
    print("|---" * (len(COLUMNS) + 5) + "|")
    for scale, sampler, steps in itertools.product(args.scales, samplers, args.steps):
        r = evaluate(pipe, args.clips, args.scenes, args.pairs, seed=args.seed, progress=False, split="train",
                     num_inference_steps=steps, guidance_scale=scale, sampler=sampler)
        cells = " | ".join(format(r[key], fmt) for key, _, fmt in COLUMNS)
        print(f"| {scale:g} | {sampler} | {steps} | {cells} | {sum(r['passed'].values())} of {len(r['passed'])} "
              f"| {score_of(r):.3f} |", flush=True)


if __name__ == "__main__":
    main()
