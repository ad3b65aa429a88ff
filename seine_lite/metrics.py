"""Metrics for transitions and predictions: fidelity, smoothness, double exposure and shapes-world probes.

Inputs are videos (F, H, W, 3) or images (H, W, 3) as numpy uint8 (0..255) or float in [0, 1]
(CPU torch tensors are accepted too); floats are scaled by 255, so every number below is on the
0..255 scale whatever came in. Colour distances are Euclidean in RGB on that scale.

- psnr / pooled_psnr / ssim: image quality with data range 255; ssim is Wang et al. (2004) with an 11x11
  Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, computed per RGB channel on the "valid"
  window positions and averaged over channels, positions and frames: skimage's structural_similarity
  with gaussian_weights=True, sigma=1.5, use_sample_covariance=False (tests/test_metrics.py checks it).
- given_frame_psnr / video_psnr / video_ssim: the same over selected frames.
- max_jump: the largest frame-to-frame change as a share of a hard cut from frame 0 to frame F-1.
- double_exposure: the share of pixels of the in-between frames that blend the two scenes.
- object_color / object_centroid / object_area / motion_direction / object_motion: probes that read
  the shapes world (palette in seine_lite.data.scenes) back out of a frame or video.
- transition_report: the numbers for comparison tables in one dict.
"""
import numpy as np

from seine_lite.data.scenes import BACKGROUNDS, COLORS

SSIM_WINDOW, SSIM_SIGMA, SSIM_K1, SSIM_K2 = 11, 1.5, 0.01, 0.03
OBJECT_DISTANCE = 60.0          # a pixel this far (RGB) from the background belongs to the object
NO_OBJECT = "none"              # what the shapes probes answer when no object is found


# ---------------------------------------------------------------- inputs
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


def _video(x, name: str) -> np.ndarray:
    v = to_float255(x, name)
    if v.ndim != 4 or v.shape[-1] != 3 or v.shape[0] < 1:
        raise ValueError(f"{name} must be a video (F, H, W, 3), got shape {v.shape}")
    return v


def _image(x, name: str) -> np.ndarray:
    v = to_float255(x, name)
    if v.ndim != 3 or v.shape[-1] != 3:
        raise ValueError(f"{name} must be an image (H, W, 3), got shape {v.shape}")
    return v


def _same_shape(a, b, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}")


def _frame_indices(frames, num_frames: int, name: str = "frames") -> np.ndarray:
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


# ---------------------------------------------------------------- PSNR and SSIM
def _psnr_from_mse(mse: float, data_range: float = 255.0) -> float:
    return float("inf") if mse == 0 else float(10.0 * np.log10(data_range ** 2 / mse))


def psnr(a, b) -> float:
    """PSNR in dB, 10 log10(255^2 / MSE), with the MSE over every value of a and b; identical -> inf."""
    a, b = to_float255(a, "a"), to_float255(b, "b")
    _same_shape(a, b, "a", "b")
    return _psnr_from_mse(float(np.mean((a - b) ** 2)))


def pooled_psnr(videos, truths, frames) -> float:
    """PSNR of the MSE pooled over every clip's selected frames.

    Pooled rather than a mean of per-clip PSNRs: a still clip's dissolve (or repeated frame) is
    exact, an infinite PSNR that a mean could only drop, and dropping it for one side only is unfair.
    """
    mse = [np.mean((to_float255(v)[frames] - to_float255(t)[frames]) ** 2) for v, t in zip(videos, truths)]
    return _psnr_from_mse(max(float(np.mean(mse)), 1e-12))   # floored: both sides exact is not infinite


def gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA) -> np.ndarray:
    """The 1-D normalised Gaussian; SSIM's 2-D window is its outer product with itself."""
    x = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-x ** 2 / (2.0 * sigma ** 2))
    return g / g.sum()


def _filter_valid(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Separable Gaussian filter of x (..., H, W, C) over H and W, valid positions only."""
    win = len(g)
    x = np.lib.stride_tricks.sliding_window_view(x, win, axis=-3) @ g
    return np.lib.stride_tricks.sliding_window_view(x, win, axis=-2) @ g


def ssim_map(a, b) -> np.ndarray:
    """Local SSIM (Wang et al. 2004, eq. 13) of images (H, W, C) or videos (F, H, W, C).

    Returns (..., H - w + 1, W - w + 1, C) with window w = 11, or the largest odd size that fits
    an image smaller than 11 pixels. Local statistics are Gaussian-weighted (population) moments.
    """
    a, b = to_float255(a, "a"), to_float255(b, "b")
    _same_shape(a, b, "a", "b")
    return _ssim_map(a, b)


def _ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    if a.ndim not in (3, 4):
        raise ValueError(f"a and b must be images (H, W[, C]) or videos (F, H, W, C), got shape {a.shape}")
    side = min(a.shape[-3], a.shape[-2], SSIM_WINDOW)
    g = gaussian_window(side - (1 - side % 2))
    c1, c2 = (SSIM_K1 * 255.0) ** 2, (SSIM_K2 * 255.0) ** 2
    mu_a, mu_b = _filter_valid(a, g), _filter_valid(b, g)
    var_a = _filter_valid(a * a, g) - mu_a ** 2
    var_b = _filter_valid(b * b, g) - mu_b ** 2
    cov = _filter_valid(a * b, g) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))


def ssim(a, b) -> float:
    """Mean SSIM over window positions, RGB channels (each channel separately) and frames; identical -> 1."""
    return float(np.mean(ssim_map(a, b)))


def per_frame_psnr(pred, truth) -> np.ndarray:
    """PSNR of each frame of two videos (F, H, W, 3) -> float (F,), inf where a frame is identical."""
    p, t = _video(pred, "pred"), _video(truth, "truth")
    _same_shape(p, t, "pred", "truth")
    return np.array([_psnr_from_mse(m) for m in np.mean((p - t) ** 2, axis=(1, 2, 3))])


def video_psnr(pred, truth, frames=None) -> float:
    """PSNR of pred against ground truth over the selected frames (one MSE pooled over them).

    frames: None (all), integer indices (negative allowed) or a bool mask (F,).
    """
    p, t = _video(pred, "pred"), _video(truth, "truth")
    _same_shape(p, t, "pred", "truth")
    idx = _frame_indices(frames, len(p))
    return _psnr_from_mse(float(np.mean((p[idx] - t[idx]) ** 2)))


def video_ssim(pred, truth, frames=None) -> float:
    """Mean SSIM of pred against ground truth over the selected frames (as in video_psnr)."""
    p, t = _video(pred, "pred"), _video(truth, "truth")
    _same_shape(p, t, "pred", "truth")
    idx = _frame_indices(frames, len(p))
    return float(np.mean(_ssim_map(p[idx], t[idx])))


def given_frame_psnr(video, given, mask=None) -> float:
    """Fidelity to the given frames: PSNR pooled over them (inf when they came back exactly).

    given: a dict {frame index: image (H, W, 3)} (negative indices allowed), or a reference video
    (F, H, W, 3) together with `mask`, a bool (F,) array with True = given (as masking.parse_layout).
    """
    v = _video(video, "video")
    if isinstance(given, dict):
        if not given:
            raise ValueError("given must name at least one frame, got an empty dict")
        idx = _frame_indices(np.array(list(given), dtype=np.int64), len(v), "given's keys")
        ref = {i % len(v): _image(img, f"given[{i}]") for i, img in given.items()}
        for i in idx:
            _same_shape(v[i], ref[i], f"video[{i}]", f"given[{i}]")
        return _psnr_from_mse(float(np.mean([(v[i] - ref[i]) ** 2 for i in idx])))
    if mask is None or np.asarray(mask).dtype != bool:
        raise ValueError("mask must be a bool array (F,) with True = given (masking.parse_layout's output) "
                         f"when given is a reference video; got {mask!r}")
    return video_psnr(video, given, frames=np.asarray(mask))


# ---------------------------------------------------------------- smoothness
def frame_jumps(video) -> np.ndarray:
    """Mean absolute change of each step i -> i+1 as a share of the hard cut |frame F-1 - frame 0|.

    Returns float (F-1,). A hard cut's step is 1; an N-frame linear dissolve's steps are 1/(N-1).
    When the first and last frames are equal the share is undefined: inf for steps that change
    something, 0 for steps that change nothing.
    """
    v = _video(video, "video")
    if len(v) < 2:
        raise ValueError(f"video must have at least 2 frames, got {len(v)}")
    steps = np.mean(np.abs(np.diff(v, axis=0)), axis=(1, 2, 3))
    cut = float(np.mean(np.abs(v[-1] - v[0])))
    if cut == 0:
        return np.where(steps == 0, 0.0, np.inf)
    return steps / cut


def max_jump(video) -> float:
    """The largest frame-to-frame change as a share of a hard cut: cut 1.0, N-frame dissolve 1/(N-1), static 0."""
    return float(np.max(frame_jumps(video)))


# ---------------------------------------------------------------- double exposure
def double_exposure_frames(video, first, last, tol: float = 20.0, min_diff: float = 64.0,
                           alpha_range=(0.15, 0.85)) -> np.ndarray:
    """Per in-between frame (1 .. F-2), the share of testable pixels that blend scene A and scene B.

    Pixel p of a frame, with colours A = first[p], B = last[p], P = frame[p], is *mixed* when
      1. P lies within `tol` of the blend alpha A + (1 - alpha) B, with alpha (the projection of P on
         the line through B and A) inside the open `alpha_range` (so P is far from pure A and pure B);
      2. P is farther than `tol` from the segments [black, A] and [black, B]: a dimmed A or dimmed B
         (a fade through black) is not a double exposure.
    Normalisation: the share counts only *testable* pixels, where |A - B| >= min_diff and the midway
    blend (A + B) / 2 itself passes test 2 (elsewhere a blend cannot be told from a fade or from
    either scene). Returns float (F-2,); nan for every frame when no pixel is testable.
    """
    v, a, b = _video(video, "video"), _image(first, "first"), _image(last, "last")
    _same_shape(v[0], a, "video frames", "first")
    _same_shape(a, b, "first", "last")
    if len(v) < 3:
        raise ValueError(f"video must have at least 3 frames (one in between), got {len(v)}")
    d = a - b
    dd = np.sum(d * d, axis=-1)
    testable = (dd >= min_diff ** 2) & ~_dimmed(0.5 * (a + b), a, b, tol)
    if not testable.any():
        return np.full(len(v) - 2, np.nan)
    p = v[1:-1]
    alpha = np.sum((p - b) * d, axis=-1) / np.maximum(dd, 1e-12)
    off_line = np.linalg.norm(p - b - alpha[..., None] * d, axis=-1)
    lo, hi = alpha_range
    mixed = (off_line <= tol) & (alpha > lo) & (alpha < hi) & ~_dimmed(p, a, b, tol) & testable
    return mixed.sum(axis=(1, 2)) / testable.sum()


def _dimmed(p, a, b, tol) -> np.ndarray:
    """True where colour p is within tol of s * A or s * B for some s in [0, 1]."""
    return (_to_segment(p, a) <= tol) | (_to_segment(p, b) <= tol)


def _to_segment(p, end) -> np.ndarray:
    """Distance from colour p to the segment from black to `end`, per pixel."""
    s = np.clip(np.sum(p * end, axis=-1) / np.maximum(np.sum(end * end, axis=-1), 1e-12), 0.0, 1.0)
    return np.linalg.norm(p - s[..., None] * end, axis=-1)


def double_exposure(video, first, last, **kwargs) -> float:
    """Mean over the in-between frames of double_exposure_frames (see there); 0 for cuts, wipes, fades."""
    return float(np.mean(double_exposure_frames(video, first, last, **kwargs)))


# ---------------------------------------------------------------- shapes-world probes
_PALETTE_NAMES = tuple(COLORS)
_PALETTE = np.array([COLORS[c] for c in _PALETTE_NAMES], dtype=np.float64)


def estimate_background(frame) -> np.ndarray:
    """The most common colour of the border pixels -> float (3,) on 0..255.

    Border colours are binned by 16 levels per channel; the answer is the per-channel median of the
    border pixels in the fullest bin (the exact colour on a clean render, robust to noise otherwise).
    """
    return _estimate_background(_image(frame, "frame"))


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
    return _mask(_image(frame, "frame"), background, threshold)


def object_color(frame, background=None) -> str:
    """The palette colour (COLORS) most object pixels are nearest to, or NO_OBJECT ("none")."""
    f = _image(frame, "frame")
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
    return _centroid(_image(frame, "frame"), background)


def object_area(frame, background=None) -> float:
    """Share of the frame's pixels (0..1) that belong to the object."""
    return float(np.mean(object_mask(frame, background)))


def _end_groups(video, ends):
    v = _video(video, "video")
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


# ---------------------------------------------------------------- report
def transition_report(video, first, last) -> dict:
    """Numbers for the comparison tables of a transition from `first` to `last`.

    first_psnr / last_psnr: endpoint fidelity (inf = returned exactly); endpoint_psnr pooled over both;
    max_jump / mean_jump: smoothness (frame_jumps); double_exposure (mean) and double_exposure_peak
    (largest frame) as in double_exposure_frames (nan when the scenes leave no testable pixel).
    """
    v = _video(video, "video")
    a, b = _image(first, "first"), _image(last, "last")
    _same_shape(v[0], a, "video frames", "first")
    _same_shape(v[-1], b, "video frames", "last")
    jumps = frame_jumps(video)
    mixed = double_exposure_frames(video, first, last) if len(v) >= 3 else np.array([np.nan])
    return {
        "first_psnr": _psnr_from_mse(float(np.mean((v[0] - a) ** 2))),
        "last_psnr": _psnr_from_mse(float(np.mean((v[-1] - b) ** 2))),
        "endpoint_psnr": _psnr_from_mse(float(np.mean([(v[0] - a) ** 2, (v[-1] - b) ** 2]))),
        "max_jump": float(np.max(jumps)),
        "mean_jump": float(np.mean(jumps)),
        "double_exposure": float(np.mean(mixed)),
        "double_exposure_peak": float(np.max(mixed)),
    }
