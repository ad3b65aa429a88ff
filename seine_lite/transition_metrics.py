"""Two measures of a transition between real pictures, where the shapes world's probes do not apply.

  sharpness_ratio   fine detail of the middle frames relative to the two ends: the mean squared
                    Laplacian of a frame (grey levels), middle frames' mean over the ends' mean.
                    A blur or a grey average scores near 0; a dissolve of two sharp pictures
                    about 0.5-0.7 (its detail halves in contrast), a wipe about 1.
  blend_r2          how much a middle frame is a double exposure of the ends: the R² of the
                    least-squares fit frame ≈ αA + βB + c over all pixel values. A dissolve
                    scores 1.0; a wipe about 0.55 (each half is one end); new content less.
"""
import numpy as np

from seine_lite.metrics import to_float255

_LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64)


def _grey(frames: np.ndarray) -> np.ndarray:
    return frames @ np.array([0.299, 0.587, 0.114])


def laplacian_energy(frame) -> float:
    """Mean squared 4-neighbour Laplacian of a frame's grey levels (0..255), over inner pixels."""
    return _energy(to_float255(frame, "frame"))


def _energy(frame255: np.ndarray) -> float:
    g = _grey(frame255)
    lap = (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4 * g[1:-1, 1:-1])
    return float(np.mean(lap ** 2))


def sharpness_ratio(video) -> float:
    """Mean Laplacian energy of frames 1..F-2 over the mean of frames 0 and F-1 (nan if the ends are flat)."""
    v = to_float255(video, "video")
    if v.ndim != 4 or len(v) < 3:
        raise ValueError(f"video must be (F, H, W, 3) with F >= 3, got shape {v.shape}")
    ends = (_energy(v[0]) + _energy(v[-1])) / 2
    if ends == 0:
        return float("nan")
    return float(np.mean([_energy(f) for f in v[1:-1]]) / ends)


def blend_r2(video, first=None, last=None) -> float:
    """Mean over the middle frames of the R² of frame ≈ α·first + β·last + c (ends default to the video's)."""
    v = to_float255(video, "video")
    if v.ndim != 4 or len(v) < 3:
        raise ValueError(f"video must be (F, H, W, 3) with F >= 3, got shape {v.shape}")
    a = v[0] if first is None else to_float255(first, "first")
    b = v[-1] if last is None else to_float255(last, "last")
    design = np.stack([a.ravel(), b.ravel(), np.ones(a.size)], axis=1)
    scores = []
    for frame in v[1:-1]:
        y = frame.ravel()
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        total = np.sum((y - y.mean()) ** 2)
        scores.append(1.0 - np.sum((y - design @ coef) ** 2) / total if total > 0 else 1.0)
    return float(np.mean(scores))
