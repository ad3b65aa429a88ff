"""How smooth are the training transitions themselves, by the eval's own measure?

    python benchmarks/data_jumps.py --clips 200
    python benchmarks/data_jumps.py --clips 200 --smooth      # the default rows, then the smooth ones
    python benchmarks/data_jumps.py --clips 1000 --real       # also transitions between real scenes

Draws transition clips as training draws them (`make_transition_clips`, the cpu preset's 16
frames of 64 x 64) and prints, for each kind, the largest frame-to-frame jump as a share of a hard
cut (`metrics.max_jump`, the figure behind the eval's bar of 0.35): median, 90th percentile and
worst. A model that copied its data perfectly would score about this; the eval's prompt
"A turning into B" is the morph's caption. `--smooth` adds the rows of the same draws made with
`smooth=True` (soft fronts and evenly spread change, data/transitions_world.py), whose worst
clip of every kind should stay under 0.25. `--real` adds the rows of `make_real_transition_clips`
(two layered real scenes joined with smooth fronts; needs the photo bank, `seine-lite data photos`).
"""
import argparse

import numpy as np

from seine_lite.data.real_transitions import make_real_transition_clips
from seine_lite.data.transitions_world import TRANSITION_VERBS, make_transition_clips
from seine_lite.metrics import max_jump


def jumps_by_kind(clips, captions) -> dict:
    """{kind: [max_jump of each clip of that kind]}, the kind read from the caption's verb."""
    jumps = {kind: [] for kind in TRANSITION_VERBS}
    for clip, caption in zip(clips, captions):
        kind = next(k for k, verb in TRANSITION_VERBS.items() if f" {verb} " in caption)
        jumps[kind].append(max_jump(clip))
    return jumps


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clips", type=int, default=200)
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--smooth", action="store_true", help="also measure the smooth=True clips")
    p.add_argument("--real", action="store_true", help="also measure transitions between real scenes")
    args = p.parse_args(argv)
    print(f"{args.clips} transition clips, {args.frames} frames of {args.size} x {args.size}, seed {args.seed}")
    print(f"{'data':<9}{'kind':<7}{'clips':>6}{'median':>8}{'p90':>7}{'worst':>7}   largest jump / hard cut "
          "(bar 0.35)")
    for smooth in (False, True) if args.smooth else (False,):
        clips, captions = make_transition_clips(args.clips, num_frames=args.frames, size=args.size,
                                                seed=args.seed, smooth=smooth)
        for kind, values in jumps_by_kind(clips, captions).items():
            if values:
                print(f"{'smooth' if smooth else 'default':<9}{kind:<7}{len(values):>6}{np.median(values):>8.2f}"
                      f"{np.percentile(values, 90):>7.2f}{np.max(values):>7.2f}")
    if args.real:
        clips, captions = make_real_transition_clips(args.clips, num_frames=args.frames, size=args.size,
                                                     seed=args.seed)
        for kind, values in jumps_by_kind(clips, captions).items():
            print(f"{'real':<9}{kind:<7}{len(values):>6}{np.median(values):>8.2f}"
                  f"{np.percentile(values, 90):>7.2f}{np.max(values):>7.2f}")


if __name__ == "__main__":
    main()
