"""The one-direction control: shapes clips that all move left, as a data folder.

    python benchmarks/one_direction_data.py --out runs/left_data --clips 2000
    scripts/side_by_side.sh LEFT --text-encoder minilm-words --data runs/left_data
    python benchmarks/direction_confusion.py --model runs/sbs_LEFT

Can the UNet make directed motion from one frame at all, text aside? Trained on clips that all
move left (training scenes, captions as usual), a model that can should move nearly every held-out
first frame left, whatever the prompt says ("moved left" in direction_confusion.py). The folder
holds lossless GIFs (the shapes palette survives them byte for byte) and captions.csv, which
`seine-lite train --data FOLDER` reads.
"""
import argparse
import csv
from pathlib import Path

import numpy as np

from seine_lite.data import render_clip, sample_scenes, write_video
from seine_lite.data.scenes import caption_for


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="the folder to write (videos/ and captions.csv)")
    p.add_argument("--clips", type=int, default=2000)
    p.add_argument("--direction", default="left", choices=["left", "right", "up", "down"])
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    out = Path(args.out)
    (out / "videos").mkdir(parents=True, exist_ok=True)
    rows = []
    for i, scene in enumerate(sample_scenes(args.clips, seed=args.seed, split="train")):
        clip = render_clip(scene.color, scene.shape, args.direction, scene.background,
                           seed=int(np.random.default_rng([args.seed, i]).integers(2 ** 31)))
        path = f"videos/{i:05d}.gif"
        write_video(out / path, clip, fps=8)
        rows.append((path, caption_for(scene.color, scene.shape, args.direction, scene.background)))
    with open(out / "captions.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("path", "caption"), *rows])
    print(f"wrote {len(rows)} clips moving {args.direction} to {out}/")


if __name__ == "__main__":
    main()
