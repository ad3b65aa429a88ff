"""Baselines: the traditional transitions of the editor's toolbox that a generative transition is compared with.

Each one takes two still scenes, A = `first` and B = `last`, and returns a uint8 video
(F, H, W, 3) in mediapy's layout, called like the model's `pipe.transition(first, last)`:

    video = dissolve(a, b, num_frames=16)
    video = traditional_transition("wipe_left", a, b, num_frames=16)

Frame i sits at time t = i / (F - 1), so frame 0 is exactly A and frame F-1 exactly B.

- dissolve: the linear cross-fade (1 - t) A + t B, the "transparent blending" that latent
  interpolation gives (SEINE section 1).
- fade: fade through black; A dims to black over the first half (t <= 1/2), B rises from black over
  the second half. Both scenes are never visible together.
- wipe_left / wipe_right / wipe_up / wipe_down: B replaces A behind a straight edge that moves in the
  named direction. wipe_left: the edge moves leftwards, so B enters at the right edge and grows
  leftwards; wipe_right: B grows from the left edge; wipe_up: B grows from the bottom edge;
  wipe_down: B grows from the top edge. At time t a share t of the frame (rounded to whole pixel
  columns or rows, pixel centres decide) shows B.
- iris: B appears in a circle growing from the frame centre; its radius is t times the centre-to-corner
  distance, so the circle covers the whole frame at t = 1.

Wipes and the iris have hard edges: every pixel of every frame is a pixel of A or of B (the
`wipe` clips of the training data, in data/transitions_world.py, have a soft edge instead).
"""
import numpy as np

from seine_lite.data.scenes import frame_times
from seine_lite.data.video_io import read_image
from seine_lite.inputs import check_num_frames

TRADITIONAL = ("dissolve", "fade", "wipe_left", "wipe_right", "wipe_up", "wipe_down", "iris")
WIPE_FROM = {"wipe_left": "right", "wipe_right": "left", "wipe_up": "bottom", "wipe_down": "top"}


# ---------------------------------------------------------------- inputs
def _is_rgb_uint8(x) -> bool:
    return isinstance(x, np.ndarray) and x.dtype == np.uint8 and x.ndim == 3 and x.shape[2] == 3


def _natural_size(x) -> int:
    """The side a picture is read at when no `size` is given: the shorter side of an array or PIL image."""
    if hasattr(x, "size") and not isinstance(x, np.ndarray) and isinstance(x.size, tuple):
        return int(min(x.size))                         # PIL: size = (W, H)
    if isinstance(x, np.ndarray) and x.ndim >= 2:
        return int(min(x.shape[:2]))
    raise ValueError(f"size is required to read first/last of type {type(x).__name__}; "
                     "pass size=<pixels> or two uint8 (H, W, 3) arrays of the same shape")


def _read_pair(first, last, size):
    """A and B as uint8 (H, W, 3) arrays of one shape.

    Two uint8 RGB arrays of the same shape (and size=None) are used as they are. Anything else
    goes through `seine_lite.data.video_io.read_image(x, size)` (resize + centre crop to a square);
    without `size`, the shorter side of `first` is used.
    """
    if size is None and _is_rgb_uint8(first) and _is_rgb_uint8(last) and first.shape == last.shape:
        return first, last
    if size is not None and (not isinstance(size, (int, np.integer)) or size < 1):
        raise ValueError(f"size must be a positive integer number of pixels or None, got {size!r}")
    size = _natural_size(first) if size is None else int(size)
    return read_image(first, size, name="first"), read_image(last, size, name="last")


def _times(num_frames: int) -> np.ndarray:
    """t_i = i / (F - 1) for i = 0 .. F-1, float64 (F,); a transition has at least its two ends."""
    return frame_times(check_num_frames(num_frames, 2), np.float64)


def _finish(video: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Round to uint8 and pin the endpoints to the exact input frames."""
    out = np.clip(np.rint(video), 0, 255).astype(np.uint8) if video.dtype != np.uint8 else video
    out[0], out[-1] = a, b
    return out


def _select(cover: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """cover bool (F, H, W): True shows B, False shows A -> uint8 (F, H, W, 3)."""
    return np.where(cover[..., None], b[None], a[None])


# ---------------------------------------------------------------- the transitions
def dissolve(first, last, num_frames: int = 16, size=None) -> np.ndarray:
    """Linear cross-fade: frame(t) = (1 - t) A + t B."""
    t = _times(num_frames)[:, None, None, None]
    a, b = _read_pair(first, last, size)
    return _finish((1.0 - t) * a.astype(np.float64) + t * b.astype(np.float64), a, b)


def fade(first, last, num_frames: int = 16, size=None) -> np.ndarray:
    """Fade through black: A * (1 - 2t) for t <= 1/2, then B * (2t - 1)."""
    t = _times(num_frames)[:, None, None, None]
    a, b = _read_pair(first, last, size)
    dim_a = np.clip(1.0 - 2.0 * t, 0.0, 1.0) * a.astype(np.float64)
    rise_b = np.clip(2.0 * t - 1.0, 0.0, 1.0) * b.astype(np.float64)
    return _finish(np.where(t <= 0.5, dim_a, rise_b), a, b)


def _wipe(direction: str, first, last, num_frames, size) -> np.ndarray:
    t = _times(num_frames)
    a, b = _read_pair(first, last, size)
    h, w = a.shape[:2]
    side = WIPE_FROM[direction]
    length = w if side in ("left", "right") else h
    centre = (np.arange(length) + 0.5) / length         # pixel centres in (0, 1) from the entry edge
    if side in ("right", "bottom"):
        centre = centre[::-1]
    along = centre[None, :] < t[:, None]                # (F, length): B where the edge has passed
    cover = along[:, None, :] if side in ("left", "right") else along[:, :, None]
    return _finish(_select(np.broadcast_to(cover, (len(t), h, w)), a, b), a, b)


def wipe_left(first, last, num_frames: int = 16, size=None) -> np.ndarray:
    """Edge moves left: B enters at the right edge and covers a share t of the columns."""
    return _wipe("wipe_left", first, last, num_frames, size)


def wipe_right(first, last, num_frames: int = 16, size=None) -> np.ndarray:
    """Edge moves right: B enters at the left edge and covers a share t of the columns."""
    return _wipe("wipe_right", first, last, num_frames, size)


def wipe_up(first, last, num_frames: int = 16, size=None) -> np.ndarray:
    """Edge moves up: B enters at the bottom edge and covers a share t of the rows."""
    return _wipe("wipe_up", first, last, num_frames, size)


def wipe_down(first, last, num_frames: int = 16, size=None) -> np.ndarray:
    """Edge moves down: B enters at the top edge and covers a share t of the rows."""
    return _wipe("wipe_down", first, last, num_frames, size)


def iris(first, last, num_frames: int = 16, size=None) -> np.ndarray:
    """B inside a circle around the frame centre whose radius grows from 0 to the corner distance."""
    t = _times(num_frames)
    a, b = _read_pair(first, last, size)
    h, w = a.shape[:2]
    y = np.arange(h)[:, None] + 0.5 - h / 2.0           # pixel-centre offsets from the frame centre
    x = np.arange(w)[None, :] + 0.5 - w / 2.0
    radius = t[:, None, None] * np.hypot(h / 2.0, w / 2.0)
    return _finish(_select(np.hypot(y, x)[None] < radius, a, b), a, b)


_BY_NAME = {"dissolve": dissolve, "fade": fade, "wipe_left": wipe_left, "wipe_right": wipe_right,
            "wipe_up": wipe_up, "wipe_down": wipe_down, "iris": iris}


def traditional_transition(kind: str, first, last, num_frames: int = 16, size=None) -> np.ndarray:
    """The transition `kind` (one of TRADITIONAL) from `first` to `last` -> uint8 (F, H, W, 3).

    first, last: uint8 (H, W, 3) arrays of the same shape; with `size` (or differing shapes) anything
    `seine_lite.data.video_io.read_image` reads (PIL, numpy uint8 / float in [0, 1], path) is resized
    and centre-cropped to (size, size).
    """
    if kind not in _BY_NAME:
        raise ValueError(f"kind must be one of {list(TRADITIONAL)}, got {kind!r}")
    return _BY_NAME[kind](first, last, num_frames=num_frames, size=size)
