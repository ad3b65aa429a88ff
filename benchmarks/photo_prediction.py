"""The photo-prediction probe of `seine-lite eval` alone: does an animated photo keep its subject?

    python benchmarks/photo_prediction.py --model seine_lite/weights/reference --clips 16
    python benchmarks/photo_prediction.py --seed 4242 --scales 1 2 3 5   # guidance, other clips

Held-out camera moves over the sample photos (the eval's seed unless --seed), 2 frames given;
PSNR of the next 4 frames against repeating the last given frame. Used to add this probe's figure
to models whose eval ran before the probe existed (the eval table of the first reference model),
and, with --seed, to sweep the guidance scale on camera moves that are not the eval's.
"""
import argparse

from seine_lite import SeinePipeline
from seine_lite.data.photos import make_photo_clips
from seine_lite.evaluate import EVAL_SEED, photo_prediction


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--clips", type=int, default=16, help="as many as the eval's --clips")
    p.add_argument("--steps", type=int, default=25)
    p.add_argument("--seed", type=int, default=None, help="draw other clips than the eval's (default: its seed)")
    p.add_argument("--scales", type=float, nargs="+", default=[None], metavar="SCALE",
                   help="guidance scales to try (default: the model's own)")
    args = p.parse_args(argv)
    pipe = SeinePipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    clips, captions = make_photo_clips(args.clips, num_frames=pipe.num_frames, size=pipe.resolution[0],
                                       seed=EVAL_SEED + 3 if args.seed is None else args.seed)
    for scale in args.scales:
        shown = pipe.meta.get("guidance_scale", 3.0) if scale is None else scale
        r = photo_prediction(pipe, clips, captions, progress=False, num_inference_steps=args.steps,
                             guidance_scale=scale)
        print(f"photo prediction: {r['photo_prediction_psnr_db']:.2f} dB, repeat last "
              f"{r['photo_repeat_last_psnr_db']:.2f} dB, gain {r['photo_prediction_gain_db']:+.2f} dB "
              f"({args.clips} clips, guidance {shown:g}, model {args.model or 'bundled'})")


if __name__ == "__main__":
    main()
