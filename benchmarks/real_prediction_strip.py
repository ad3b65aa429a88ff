"""A picture of real prediction: two frames of a held-out real clip given, the rest predicted, by
each model given, under the real truth; prints each model's gain over repeating the last frame.

    git worktree add /tmp/shapes 3a2cd6b            # the shapes model, bundled until then
    python benchmarks/real_prediction_strip.py shapes=/tmp/shapes/seine_lite/weights/reference \
        bundled=seine_lite/weights/reference --out docs/real_prediction.png

Each model is a folder, or NAME=FOLDER to label its rows. Windows from `real_clip_windows` (seed
77_032, one per real clip, not the eval's windows); seed 0, each model's own sampling settings
(steps, guidance, composite). Columns: frames 0 and 1 (given), 2, 5, 9 and 15.
Needs the photo bank (`seine-lite data photos`).
"""
import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from seine_lite import SeinePipeline
from seine_lite.data.real_footage import real_clip_windows
from seine_lite.metrics import psnr

COLUMNS = [0, 1, 2, 5, 9, 15]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+", help="model folders, or NAME=FOLDER")
    p.add_argument("--clips", type=int, default=3, help="real windows (rows of truth)")
    p.add_argument("--out", default="real_prediction.png")
    args = p.parse_args(argv)
    clips, captions = real_clip_windows(args.clips, seed=77_032)
    predictions, labels = {}, {}
    for model in args.models:
        name, _, folder = model.rpartition("=")
        labels[folder] = name or Path(folder).name
        pipe = SeinePipeline.from_pretrained(folder)
        pipe.set_progress_bar_config(disable=True)
        predictions[folder] = [pipe.predict(list(c[:2]), prompt=caption, seed=0)
                               for c, caption in zip(clips, captions)]
        gain = np.mean([psnr(v[2:6], c[2:6]) - psnr(np.repeat(c[1:2], 4, 0), c[2:6])
                        for v, c in zip(predictions[folder], clips)])
        print(f"{labels[folder]}: prediction of frames 2-5, {gain:+.2f} dB over repeating frame 1 "
              f"({len(clips)} windows)")
    grid, names = [], []
    for i, clip in enumerate(clips):
        grid.append(clip[COLUMNS])
        names.append(captions[i].removeprefix("a video of "))
        for folder in predictions:
            grid.append(predictions[folder][i][COLUMNS])
            names.append(labels[folder])
    side = clips.shape[2]
    label = 110
    canvas = Image.new("RGB", (label + side * len(COLUMNS), side * len(grid)), "white")
    draw = ImageDraw.Draw(canvas)
    for r, (frames, name) in enumerate(zip(grid, names)):
        canvas.paste(Image.fromarray(np.concatenate(list(frames), axis=1)), (label, r * side))
        draw.text((4, r * side + side // 2 - 6), name[:18], fill="black")
    canvas = canvas.resize((canvas.width * 2, canvas.height * 2), Image.Resampling.NEAREST)
    canvas.save(args.out)
    print(f"wrote {args.out}: rows truth then each model, columns frames {COLUMNS} (0 and 1 given)")


if __name__ == "__main__":
    main()
