"""A folder of captioned videos, laid out as WebVid-style sets are: video files plus a CSV.

    root/
      captions.csv        columns path,caption (paths relative to root; extra columns ignored)
      videos/a.mp4 ...    mp4, webm or gif (anything `read_video` reads)

Each video yields fixed-length windows of `num_frames` frames starting at frames
0, stride, 2*stride, ... (stride defaults to num_frames: windows that do not overlap); the last
partial window is dropped. Frames are resized (shorter side to `size`) and centre-cropped, so
`ds[i]` is (uint8 (num_frames, size, size, 3), caption). Frame counts are read when the dataset
is built; frames are decoded when a window is asked for, and the last few videos are cached.
"""
import csv
from collections import OrderedDict
from pathlib import Path

import numpy as np

from seine_lite.data.photos import SAMPLE_IMAGES, photo_caption, photo_clip, subject_for
from seine_lite.data.shapes import Scene, caption_for, render_clip
from seine_lite.data.transitions_world import TransitionSpec, render_transition
from seine_lite.data.video_io import check_side, count_frames, read_video, resize_video, write_video

CAPTIONS_FILE = "captions.csv"
CACHE_VIDEOS = 4


def read_captions(csv_path) -> list:
    """[(path, caption)] from a CSV with columns path,caption; ValueError if they are missing."""
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FileNotFoundError(f"captions: no such file {str(csv_path)!r} (expected columns path,caption)")
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames or []
        if "path" not in columns or "caption" not in columns:
            raise ValueError(f"captions: {str(csv_path)!r} must have columns 'path' and 'caption', "
                             f"got {columns}")
        rows = [(row["path"], row["caption"]) for row in reader]
    if not rows:
        raise ValueError(f"captions: {str(csv_path)!r} lists no videos")
    for i, (path, caption) in enumerate(rows):
        if not path or caption is None:
            raise ValueError(f"captions: row {i + 2} of {str(csv_path)!r} needs both a path and a caption")
    return rows


class FolderDataset:
    """Fixed-length, resized windows from a folder of captioned videos; ds[i] -> (clip, caption)."""

    def __init__(self, root, num_frames: int, size: int, stride=None, captions: str = CAPTIONS_FILE):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"root: no such folder {str(self.root)!r}")
        self.num_frames = check_side(num_frames, "num_frames")
        self.size = check_side(size, "size")
        self.stride = self.num_frames if stride is None else check_side(stride, "stride")
        self.videos = []            # (path, caption, frame count)
        self.windows = []           # (video index, start frame)
        for rel, caption in read_captions(self.root / captions):
            path = self.root / rel
            if not path.is_file():
                raise FileNotFoundError(f"root: {str(self.root / captions)!r} lists {rel!r}, "
                                        "which does not exist")
            frames = count_frames(path)
            if frames < self.num_frames:
                raise ValueError(f"num_frames: {rel!r} has {frames} frames, "
                                 f"fewer than num_frames={self.num_frames}")
            starts = range(0, frames - self.num_frames + 1, self.stride)
            self.windows += [(len(self.videos), start) for start in starts]
            self.videos.append((path, caption, frames))
        self._cache = OrderedDict()

    def __len__(self) -> int:
        return len(self.windows)

    def _video(self, index: int) -> np.ndarray:
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        video = read_video(self.videos[index][0])
        self._cache[index] = video
        if len(self._cache) > CACHE_VIDEOS:
            self._cache.popitem(last=False)
        return video

    def __getitem__(self, i):
        if not isinstance(i, (int, np.integer)):
            raise TypeError(f"index must be an integer, got {type(i).__name__}")
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for {len(self)} windows")
        video_index, start = self.windows[i]
        window = self._video(video_index)[start:start + self.num_frames]
        if len(window) < self.num_frames:       # the file changed since the frames were counted
            raise ValueError(f"num_frames: {self.videos[video_index][0]} now has fewer than "
                             f"{start + self.num_frames} frames")
        return resize_video(window, self.size), self.videos[video_index][1]

    def to_arrays(self):
        """Every window at once -> (uint8 (N, F, size, size, 3), captions)."""
        items = [self[i] for i in range(len(self))]
        return np.stack([clip for clip, _ in items]), [caption for _, caption in items]


def write_example_folder(root, seed: int = 0) -> Path:
    """Write the small example set of data_samples/clips/: six captioned clips, mp4 and GIF.

    Shapes, transition and photo clips of 24-32 frames at 64-96 px; one is 96 wide by 72 high,
    so that resizing and centre-cropping have something to do.
    """
    root = Path(root)
    morph = TransitionSpec("morph", Scene("red", "circle", "black", 0.35, 0.4),
                           Scene("blue", "square", "gray", 0.6, 0.6))
    slide = TransitionSpec("slide", Scene("yellow", "triangle", "dark blue"),
                           Scene("green", "circle", "brown"), "left")
    cat = photo_clip(SAMPLE_IMAGES / "chelsea.jpg", "panning left", 32, 96, seed)
    rocket = photo_clip(SAMPLE_IMAGES / "rocket.jpg", "zooming in", 24, 96, seed)[:, 12:84]
    items = [
        ("videos/shapes_red_circle.mp4", render_clip("red", "circle", "right", "black", 32, 64, seed),
         caption_for("red", "circle", "right", "black")),
        ("videos/shapes_cyan_square.gif",
         render_clip("cyan", "square", "growing", "dark green", 24, 64, seed),
         caption_for("cyan", "square", "growing", "dark green")),
        ("videos/morph.mp4", render_transition(morph.kind, morph.a, morph.b, 24, 64), morph.caption),
        ("videos/slide.gif", render_transition(slide.kind, slide.a, slide.b, 24, 64, slide.direction),
         slide.caption),
        ("videos/cat.mp4", cat, photo_caption(subject_for("chelsea"), "panning left")),
        ("videos/rocket_wide.mp4", rocket, photo_caption(subject_for("rocket"), "zooming in")),
    ]
    for rel, video, _ in items:
        write_video(root / rel, video, fps=8)
    with open(root / CAPTIONS_FILE, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "caption"])
        writer.writerows((rel, caption) for rel, _, caption in items)
    return root
