"""How smooth are the training transitions themselves, by the eval's own measure?

    python benchmarks/data_jumps.py --clips 200

Draws transition clips as training draws them (`make_transition_clips`, the cpu preset's 16
frames of 64 x 64) and prints, for each kind, the largest frame-to-frame jump as a share of a hard
cut (`metrics.max_jump`, the figure behind the eval's bar of 0.35): median, 90th percentile and
worst. A model that copied its data perfectly would score about this; the eval's prompt
"A turning into B" is the morph's caption.
"""
import argparse

import numpy as np

from seine_lite.data.transitions_world import TRANSITION_VERBS, make_transition_clips
from seine_lite.metrics import max_jump


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clips", type=int, default=200)
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--seed", type=int, default=3)
    args = p.parse_args(argv)
    clips, captions = make_transition_clips(args.clips, num_frames=args.frames, size=args.size, seed=args.seed)
    jumps = {kind: [] for kind in TRANSITION_VERBS}
    for clip, caption in zip(clips, captions):
        kind = next(k for k, verb in TRANSITION_VERBS.items() if f" {verb} " in caption)
        jumps[kind].append(max_jump(clip))
    print(f"{args.clips} transition clips, {args.frames} frames of {args.size} x {args.size}, seed {args.seed}")
    print(f"{'kind':<7}{'clips':>6}{'median':>8}{'p90':>7}{'worst':>7}   largest jump / hard cut (bar 0.35)")
    for kind, values in jumps.items():
        if values:
            print(f"{kind:<7}{len(values):>6}{np.median(values):>8.2f}{np.percentile(values, 90):>7.2f}"
                  f"{np.max(values):>7.2f}")


if __name__ == "__main__":
    main()
