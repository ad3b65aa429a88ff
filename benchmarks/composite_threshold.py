"""The composite's threshold (grey levels) against the eval's figures, on training-split data only,
so that a model's default can be chosen without looking at the held-out figures it is reported by.

    python benchmarks/composite_threshold.py --thresholds 0 1 2 3 4 6 8     # about 8 min on 2 cores

The real clips are all held out, so the real probes have stand-ins from the training photographs:
prediction (2 frames given, the next 4 against repeating the last) and interpolation (the ends
given, the middle against a dissolve) on still-camera layered clips (`tripod`, with a camera's
noise and drift, and `greylayers`); one frame given on camera moves over the photographs
(`realphotos`, against repeating it); transitions between two training photographs (sharpness,
double exposure, largest jump: `evaluate_real.real_transitions`). The shapes world's probes run
on its training split (`evaluate(split="train")`), to see what the threshold costs there.
Every figure is sampled with the same seeds at every threshold: only the composite differs.
"""
import argparse

from seine_lite import SeinePipeline
from seine_lite.data.mix import make_clips
from seine_lite.data.real_footage import make_real_photo_clips
from seine_lite.evaluate import evaluate, interpolation, prediction
from seine_lite.evaluate_real import real_transitions
from seine_lite.pipeline import join_prompts

COLUMNS = [("tripod_pred", "tripod pred.", "+.2f"), ("tripod_interp", "tripod interp.", "+.2f"),
           ("grey_pred", "grey pred.", "+.2f"), ("grey_interp", "grey interp.", "+.2f"),
           ("one_frame", "one frame", "+.2f"), ("real_transition_sharpness", "sharp.", ".2f"),
           ("real_transition_blend_r2", "R²", ".2f"), ("real_transition_max_jump", "jump", ".2f"),
           ("interpolation_gain_db", "shapes interp.", "+.2f"), ("prediction_gain_db", "shapes pred.", "+.2f"),
           ("direction_accuracy", "dir.", ".0%"), ("transition_double_exposure", "double", ".3f"),
           ("photo_prediction_gain_db", "photo", "+.2f")]


def real_stand_ins(pipe, clips: int, pairs: int, seed: int, **kw) -> dict:
    frames, size = pipe.num_frames, pipe.resolution[0]
    r = {}
    for name, source in (("tripod", "tripod"), ("grey", "greylayers")):
        data, captions = make_clips(source, clips, num_frames=frames, size=size, seed=seed)
        r[f"{name}_pred"] = prediction(pipe, data, captions, False, **kw)["prediction_gain_db"]
        r[f"{name}_interp"] = interpolation(pipe, data, captions, False, **kw)["interpolation_gain_db"]
    photos, captions = make_real_photo_clips(clips, num_frames=frames, size=size, seed=seed + 1)
    r["one_frame"] = prediction(pipe, photos, captions, False, context=1, **kw)["prediction_gain_db"]
    ends, end_captions = make_real_photo_clips(2 * pairs, num_frames=frames, size=size, seed=seed + 2)
    scene_pairs = [(ends[2 * i][0], ends[2 * i + 1][-1], join_prompts(end_captions[2 * i], end_captions[2 * i + 1]))
                   for i in range(pairs)]
    r.update(real_transitions(pipe, scene_pairs, False, **kw))
    return r


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="a model folder trained with the composite (default: the bundled one)")
    p.add_argument("--thresholds", type=float, nargs="+", default=[0, 1, 2, 3, 4, 6, 8])
    p.add_argument("--clips", type=int, default=8, help="clips per probe")
    p.add_argument("--pairs", type=int, default=6, help="photo pairs for real transitions, scene pairs for shapes")
    p.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's)")
    p.add_argument("--seed", type=int, default=4242, help="not the eval's seed")
    args = p.parse_args(argv)
    pipe = SeinePipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    print(f"training-split data, seed {args.seed}: {args.clips} clips per probe, {args.pairs} pairs, "
          f"{args.steps or pipe.default_steps} sampling steps")
    print("| threshold | " + " | ".join(head for _, head, _ in COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for threshold in args.thresholds:
        kw = dict(num_inference_steps=args.steps, composite=True, composite_threshold=threshold)
        r = real_stand_ins(pipe, args.clips, args.pairs, args.seed, **kw)
        r.update(evaluate(pipe, args.clips, 4, args.pairs, seed=args.seed, progress=False, split="train", **kw))
        print(f"| {threshold:g} | " + " | ".join(format(r[key], fmt) for key, _, fmt in COLUMNS) + " |", flush=True)


if __name__ == "__main__":
    main()
