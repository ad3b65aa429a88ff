"""Real footage from the photo bank (`seine-lite data photos`): camera moves over its photographs
(the "realphotos" training source draws the training split), and, for evaluation, the same over
held-out photographs and windows of the real clips.

    clips, captions = make_real_photo_clips(n=1000, num_frames=16, size=64, seed=0)   # training split
    photos, captions = heldout_photo_clips(n=16, num_frames=16, size=64, seed=0)
    clips, captions = real_clip_windows(n=16, num_frames=16, size=64, seed=0)

A window is `num_frames` consecutive frames (every `stride`-th) of one real clip, centre-cropped
to a square and resized to `size`; windows are spread over the clips in turn and start at
seeded positions. No photograph or clip here is ever drawn by a training source.
"""
from functools import lru_cache

import numpy as np

from seine_lite.data.bank import bank_folder, bank_items, load_manifest
from seine_lite.data.photos import make_photo_clips
from seine_lite.data.scenes import check_size
from seine_lite.data.video_io import resize_video


def make_real_photo_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0, split: str = "train",
                          bank=None):
    """n camera-move clips over the photo bank's photographs of `split` -> (uint8 clips, captions)."""
    images = bank_items(bank, split=split, kind="photo")
    if not images:
        raise FileNotFoundError(f"bank: no {split} photographs in the photo bank at {str(bank_folder(bank))!r}")
    return make_photo_clips(n, num_frames=num_frames, size=size, seed=seed, images=images)


def heldout_photo_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0, bank=None):
    """n camera-move clips over the held-out photographs -> (uint8 (n, F, size, size, 3), captions)."""
    return make_real_photo_clips(n, num_frames=num_frames, size=size, seed=seed, split="heldout", bank=bank)


@lru_cache(maxsize=4)
def _clips(folder: str) -> tuple:
    records = [r for r in load_manifest(folder) if r["kind"] == "clip"]
    if not records:
        raise FileNotFoundError(f"bank: no real clips in the photo bank at {folder!r}")
    return tuple((r["subject"], np.load(f"{folder}/{r['file']}")) for r in sorted(records, key=lambda r: r["file"]))


# a step between frames above this mean absolute change (grey levels) is a cut, not motion: the
# clips' own steps are 1-7 on average, a cut between two photographs about 70
CUT_STEP = 30.0


def frame_steps(clip: np.ndarray) -> np.ndarray:
    """(F - 1,) mean absolute change between neighbouring frames of a uint8 clip, in grey levels."""
    return np.abs(np.diff(clip.astype(np.int16), axis=0)).mean(axis=(1, 2, 3))


def real_clip_windows(n: int, num_frames: int = 16, size: int = 64, seed: int = 0, stride: int = 1, bank=None):
    """n windows of the bank's real clips -> (uint8 (n, F, size, size, 3), captions "a video of ...").

    A window never holds a cut (a step above `CUT_STEP`), so a sequence of separate photographs
    (the campus walk) gives none: predicting the next frame of a slideshow measures nothing."""
    check_size(num_frames, size)
    if not isinstance(stride, int) or stride < 1:
        raise ValueError(f"stride must be an integer >= 1, got {stride!r}")
    span = (num_frames - 1) * stride + 1
    clips = _clips(str(bank_folder(bank)))
    if all(len(clip) < span for _, clip in clips):
        raise ValueError(f"num_frames: a window of {span} frames is longer than every real clip "
                         f"(the longest has {max(len(c) for _, c in clips)} frames)")
    windows = [(subject, clip, _uncut_starts(clip, span, stride)) for subject, clip in clips]
    windows = [w for w in windows if len(w[2])]
    if not windows:
        raise ValueError(f"num_frames: no real clip has {span} frames without a cut")
    rng = np.random.default_rng(seed)
    out = np.empty((n, num_frames, size, size, 3), np.uint8)
    captions = []
    for i in range(n):
        subject, clip, starts = windows[i % len(windows)]
        start = int(starts[rng.integers(0, len(starts))])
        out[i] = resize_video(clip[start:start + span:stride], size)
        captions.append(f"a video of {subject}")
    return out, captions


def _uncut_starts(clip: np.ndarray, span: int, stride: int) -> np.ndarray:
    """The first frames of the windows of `span` frames (every `stride`-th kept) that hold no cut."""
    if len(clip) < span:
        return np.zeros(0, int)
    cut = frame_steps(clip) > CUT_STEP
    return np.array([s for s in range(len(clip) - span + 1) if not cut[s:s + span - 1].any()], int)
