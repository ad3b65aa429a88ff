"""The flow fill alone, with no model: how much of the next frames it predicts, on training-split data.

    python benchmarks/flow_fill.py            # about 10 s

Two frames given, the next four scored (the eval's prediction probe): PSNR of the flow fill
(`seine_lite/flow_fill.py`: the last given frame carried on at the velocity measured between the
two) against the blend fill, which holds the last given frame (the eval's baseline). Sources: the
training sources of the bundled model's mix (layered clips over the bank's training photographs,
the shapes world, camera moves over photographs); never the held-out photographs or clips.
"""
import argparse

import numpy as np

from seine_lite.conditioning import fill_pixels
from seine_lite.data.mix import make_clips
from seine_lite.metrics import psnr

SOURCES = ("steadytripod", "steadygreylayers", "tripod", "layers", "shapes", "realphotos")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clips", type=int, default=32, help="clips per source")
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args(argv)
    given = np.zeros(16, bool)
    given[:2] = True
    print("| source | hold the last frame | flow fill | gain |\n|---|---|---|---|")
    for source in SOURCES:
        clips, _ = make_clips(source, args.clips, num_frames=16, size=64, seed=args.seed)
        scores = {}
        for fill in ("blend", "flow"):
            made = np.stack([np.rint(fill_pixels(c, given, fill)).astype(np.uint8) for c in clips])
            scores[fill] = psnr(made[:, 2:6], clips[:, 2:6])
        print(f"| {source} | {scores['blend']:.2f} dB | {scores['flow']:.2f} dB | {scores['flow'] - scores['blend']:+.2f} dB |")


if __name__ == "__main__":
    main()
