"""What every metric accepts, checked and brought to one scale before any number is computed.

Videos are (F, H, W, 3) and images (H, W, 3), as numpy uint8 (0..255) or float in [0, 1] (CPU
torch tensors too); floats are scaled by 255, so every metric works on the 0..255 scale whatever
came in. Frame selections are None (all), a bool mask (F,) or integer indices (negative allowed).
"""
import numpy as np


def to_float255(x, name: str = "x") -> np.ndarray:
    """uint8 0..255 or float in [0, 1] (numpy or CPU torch) -> float64 on the 0..255 scale."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x.astype(np.float64)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name} must be uint8 (0..255) or float in [0, 1], got dtype {x.dtype}")
    if x.size and (np.nanmin(x) < -1e-6 or np.nanmax(x) > 1.0 + 1e-6):
        raise ValueError(f"{name} is float, so its values must lie in [0, 1]; "
                         f"got {np.nanmin(x):.4g} .. {np.nanmax(x):.4g} (pass uint8 for 0..255)")
    return x.astype(np.float64) * 255.0


def as_video(x, name: str) -> np.ndarray:
    """A video (F >= 1, H, W, 3) on the 0..255 scale, or a ValueError naming `name`."""
    v = to_float255(x, name)
    if v.ndim != 4 or v.shape[-1] != 3 or v.shape[0] < 1:
        raise ValueError(f"{name} must be a video (F, H, W, 3), got shape {v.shape}")
    return v


def as_image(x, name: str) -> np.ndarray:
    """An image (H, W, 3) on the 0..255 scale, or a ValueError naming `name`."""
    v = to_float255(x, name)
    if v.ndim != 3 or v.shape[-1] != 3:
        raise ValueError(f"{name} must be an image (H, W, 3), got shape {v.shape}")
    return v


def check_same_shape(a, b, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")


def frame_indices(frames, num_frames: int, name: str = "frames") -> np.ndarray:
    """None (all), a bool mask (F,), or integer indices (negative allowed) -> sorted unique indices."""
    if frames is None:
        return np.arange(num_frames)
    f = np.asarray(frames)
    if f.dtype == bool:
        if f.shape != (num_frames,):
            raise ValueError(f"{name} as a bool mask must have shape ({num_frames},), got {f.shape}")
        idx = np.flatnonzero(f)
    elif np.issubdtype(f.dtype, np.integer) and f.ndim <= 1:
        idx = f.reshape(-1)
        if np.any((idx < -num_frames) | (idx >= num_frames)):
            raise ValueError(f"{name} must be frame indices in [-{num_frames}, {num_frames}), got {idx.tolist()}")
        idx = np.unique(idx % num_frames)
    else:
        raise ValueError(f"{name} must be None, a bool mask (F,) or integer frame indices, got {frames!r}")
    if idx.size == 0:
        raise ValueError(f"{name} selects no frame")
    return idx
