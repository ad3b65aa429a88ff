"""Pictures people would rather look at than read: frame strips, masks, curves."""
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from seine_lite.data.video_io import write_atomic


def pick_frames(video: np.ndarray, count: int) -> np.ndarray:
    """`count` frame indices spread evenly over the video, first and last included."""
    return np.linspace(0, len(video) - 1, min(count, len(video))).round().astype(int)


def strip_image(videos: dict, count: int = 8, gap: int = 2) -> np.ndarray:
    """One uint8 picture: a row of `count` frames per video, rows in the dict's order, no labels."""
    rows = []
    for video in videos.values():
        frames = [video[i] for i in pick_frames(video, count)]
        h, w = frames[0].shape[:2]
        row = np.full((h, len(frames) * (w + gap) - gap, 3), 255, dtype=np.uint8)
        for j, frame in enumerate(frames):
            row[:, j * (w + gap):j * (w + gap) + w] = frame
        rows.append(row)
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, gap), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate(rows)[:-gap]


def frame_strip_figure(videos: dict, count: int = 8, title: str = None, frame_labels: bool = True):
    """A matplotlib figure: one labelled row of frames per video (name -> (F, H, W, 3) uint8)."""
    names = list(videos)
    count = min(count, min(len(v) for v in videos.values()))
    fig, axes = plt.subplots(len(names), count, figsize=(1.3 * count + 1.2, 1.4 * len(names) + 0.4),
                             squeeze=False)
    for r, name in enumerate(names):
        idx = pick_frames(videos[name], count)
        for c, i in enumerate(idx):
            ax = axes[r, c]
            ax.imshow(videos[name][i], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if frame_labels and r == 0:
                ax.set_title(f"frame {i}", fontsize=8)
        axes[r, 0].set_ylabel(name, fontsize=9, rotation=0, ha="right", va="center")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def _check_png(path: str) -> None:
    with Image.open(path) as image:     # verify() reads every chunk and checks its CRC
        image.verify()


def save_figure(fig, path):
    """Save and close a figure (PNG) with `write_atomic`: the old file stays unless the new one reads back."""
    try:
        return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"),
                            _check_png)
    finally:
        plt.close(fig)
