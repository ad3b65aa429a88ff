"""Probes that read the shapes world (palette and backgrounds in seine_lite.data.scenes) back out
of a frame or a video: which colour the object has, where it is, how big, and how it moves.

Inputs are as in seine_lite.metric_inputs (uint8 0..255 or float in [0, 1]); colour distances are
Euclidean in RGB on the 0..255 scale. A pixel belongs to the object when it lies farther than
OBJECT_DISTANCE from the background colour; with no such pixel the probes answer NO_OBJECT (or None).

- estimate_background / object_mask / object_area: the background colour and the object's pixels.
- object_color / object_centroid: the palette colour and the centre of the object in a frame.
- motion_direction / object_motion: how the object moves over a video (shapes.MOTIONS).
"""
import numpy as np

from seine_lite.data.scenes import BACKGROUNDS, COLORS
from seine_lite.metric_inputs import as_image, as_video

OBJECT_DISTANCE = 60.0          # a pixel this far (RGB) from the background belongs to the object
NO_OBJECT = "none"              # what the shapes probes answer when no object is found
_PALETTE_NAMES = tuple(COLORS)
_PALETTE = np.array([COLORS[c] for c in _PALETTE_NAMES], dtype=np.float64)


def estimate_background(frame) -> np.ndarray:
    """The most common colour of the border pixels -> float (3,) on 0..255.

    Border colours are binned by 16 levels per channel; the answer is the per-channel median of the
    border pixels in the fullest bin (the exact colour on a clean render, robust to noise otherwise).
    """
    return _estimate_background(as_image(frame, "frame"))


def _estimate_background(f: np.ndarray) -> np.ndarray:
    border = np.concatenate([f[0], f[-1], f[1:-1, 0], f[1:-1, -1]])
    bins = np.floor(border / 16.0).astype(np.int64) @ np.array([256, 16, 1])
    values, counts = np.unique(bins, return_counts=True)
    return np.median(border[bins == values[np.argmax(counts)]], axis=0)


def _background_rgb(f: np.ndarray, background) -> np.ndarray:
    if background is None:
        return _estimate_background(f)
    if isinstance(background, str):
        if background not in BACKGROUNDS:
            raise ValueError(f"background must be one of {list(BACKGROUNDS)} or an RGB triple, got {background!r}")
        return np.array(BACKGROUNDS[background], dtype=np.float64)
    rgb = np.asarray(background, dtype=np.float64)
    if rgb.shape != (3,):
        raise ValueError(f"background must be a name or an RGB triple (0..255), got {background!r}")
    return rgb


def _mask(f: np.ndarray, background, threshold: float = OBJECT_DISTANCE) -> np.ndarray:
    return np.linalg.norm(f - _background_rgb(f, background), axis=-1) > threshold


def object_mask(frame, background=None, threshold: float = OBJECT_DISTANCE) -> np.ndarray:
    """bool (H, W): pixels farther than `threshold` (RGB) from the background colour.

    background: None (estimated from the border), a name in BACKGROUNDS or an RGB triple.
    """
    return _mask(as_image(frame, "frame"), background, threshold)


def object_color(frame, background=None) -> str:
    """The palette colour (COLORS) most object pixels are nearest to, or NO_OBJECT ("none")."""
    f = as_image(frame, "frame")
    mask = _mask(f, background)
    if not mask.any():
        return NO_OBJECT
    dist = np.linalg.norm(f[mask][:, None, :] - _PALETTE[None], axis=-1)
    votes = np.bincount(np.argmin(dist, axis=1), minlength=len(_PALETTE_NAMES))
    return _PALETTE_NAMES[int(np.argmax(votes))]


def _centroid(f: np.ndarray, background):
    mask = _mask(f, background)
    if not mask.any():
        return None
    ys, xs = np.nonzero(mask)
    return float(ys.mean()) + 0.5, float(xs.mean()) + 0.5     # pixel centres sit at i + 0.5


def object_centroid(frame, background=None):
    """Centre of the object pixels as (y, x) = (row, column) in pixels, y downwards; None if no object."""
    return _centroid(as_image(frame, "frame"), background)


def object_area(frame, background=None) -> float:
    """Share of the frame's pixels (0..1) that belong to the object."""
    return float(np.mean(object_mask(frame, background)))


def _end_groups(video, ends):
    v = as_video(video, "video")
    k = max(1, len(v) // 4) if ends is None else ends
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= len(v):
        raise ValueError(f"ends must be an integer between 1 and the number of frames {len(v)}, got {ends!r}")
    return v, v[:k], v[-k:]


def motion_direction(video, background=None, still: float = 0.05, ends=None) -> str:
    """"left" | "right" | "up" | "down" | "still" from the object's centroid track (NO_OBJECT if unseen).

    The mean centroid of the last `ends` frames (default F // 4, at least 1) minus that of the first
    `ends` frames is the displacement; shorter than `still` x the frame's shorter side -> "still",
    else the dominant axis and its sign decide (x right, y down).
    """
    v, head, tail = _end_groups(video, ends)
    tracks = []
    for group in (head, tail):
        points = [c for c in (_centroid(f, background) for f in group) if c is not None]
        if not points:
            return NO_OBJECT
        tracks.append(np.mean(points, axis=0))
    dy, dx = tracks[1] - tracks[0]
    if np.hypot(dy, dx) < still * min(v.shape[1:3]):
        return "still"
    if abs(dx) >= abs(dy):
        return "right" if dx > 0 else "left"
    return "down" if dy > 0 else "up"


def object_motion(video, background=None, still: float = 0.05, grow: float = 1.5, ends=None) -> str:
    """One of shapes.MOTIONS read from a video: the direction if the object moves, else "growing" /
    "shrinking" when its mean area over the last `ends` frames is at least `grow` times larger /
    smaller than over the first, else "still"; NO_OBJECT if it is not found at either end."""
    direction = motion_direction(video, background, still, ends)
    if direction != "still":
        return direction
    _, head, tail = _end_groups(video, ends)
    ratio = np.mean([_mask(f, background).mean() for f in tail]) / np.mean([_mask(f, background).mean() for f in head])
    return "growing" if ratio >= grow else "shrinking" if ratio <= 1.0 / grow else "still"
