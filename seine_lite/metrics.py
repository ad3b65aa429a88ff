"""Metrics for transitions and predictions: fidelity, smoothness and double exposure.

Inputs are videos (F, H, W, 3) or images (H, W, 3) as numpy uint8 (0..255) or float in [0, 1]
(CPU torch tensors are accepted too; seine_lite.metric_inputs checks them); floats are scaled by
255, so every number below is on the 0..255 scale whatever came in. Colour distances are
Euclidean in RGB on that scale.

- psnr / pooled_psnr / ssim: image quality with data range 255; ssim is Wang et al. (2004) with an 11x11
  Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, computed per RGB channel on the "valid"
  window positions and averaged over channels, positions and frames: skimage's structural_similarity
  with gaussian_weights=True, sigma=1.5, use_sample_covariance=False (tests/test_metrics.py checks it).
- given_frame_psnr / video_psnr / video_ssim: the same over selected frames.
- max_jump: the largest frame-to-frame change as a share of a hard cut from frame 0 to frame F-1.
- double_exposure: the share of pixels of the in-between frames that blend the two scenes.
- transition_report: the numbers for comparison tables in one dict.

The shapes-world probes (object_color / object_centroid / object_area / motion_direction /
object_motion, in seine_lite.shapes_probes) and to_float255 are importable from here too, so
`from seine_lite.metrics import ...` reaches every measure in one place.
"""
import numpy as np

from seine_lite.metric_inputs import as_image, as_video, check_same_shape, frame_indices, to_float255
from seine_lite.shapes_probes import (NO_OBJECT, OBJECT_DISTANCE, estimate_background, motion_direction,
                                      object_area, object_centroid, object_color, object_mask, object_motion)

__all__ = [
    "to_float255", "psnr", "pooled_psnr", "gaussian_window", "ssim_map", "ssim", "per_frame_psnr",
    "video_psnr", "video_ssim", "given_frame_psnr", "frame_jumps", "max_jump", "double_exposure_frames",
    "double_exposure", "transition_report", "OBJECT_DISTANCE", "NO_OBJECT", "estimate_background",
    "object_mask", "object_color", "object_centroid", "object_area", "motion_direction", "object_motion",
]

SSIM_WINDOW, SSIM_SIGMA, SSIM_K1, SSIM_K2 = 11, 1.5, 0.01, 0.03


# ---------------------------------------------------------------- PSNR and SSIM
def _psnr_from_mse(mse: float, data_range: float = 255.0) -> float:
    return float("inf") if mse == 0 else float(10.0 * np.log10(data_range ** 2 / mse))


def psnr(a, b) -> float:
    """PSNR in dB, 10 log10(255^2 / MSE), with the MSE over every value of a and b; identical -> inf."""
    a, b = to_float255(a, "a"), to_float255(b, "b")
    check_same_shape(a, b, "a", "b")
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
    check_same_shape(a, b, "a", "b")
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
    p, t = as_video(pred, "pred"), as_video(truth, "truth")
    check_same_shape(p, t, "pred", "truth")
    return np.array([_psnr_from_mse(m) for m in np.mean((p - t) ** 2, axis=(1, 2, 3))])


def video_psnr(pred, truth, frames=None) -> float:
    """PSNR of pred against ground truth over the selected frames (one MSE pooled over them).

    frames: None (all), integer indices (negative allowed) or a bool mask (F,).
    """
    p, t = as_video(pred, "pred"), as_video(truth, "truth")
    check_same_shape(p, t, "pred", "truth")
    idx = frame_indices(frames, len(p))
    return _psnr_from_mse(float(np.mean((p[idx] - t[idx]) ** 2)))


def video_ssim(pred, truth, frames=None) -> float:
    """Mean SSIM of pred against ground truth over the selected frames (as in video_psnr)."""
    p, t = as_video(pred, "pred"), as_video(truth, "truth")
    check_same_shape(p, t, "pred", "truth")
    idx = frame_indices(frames, len(p))
    return float(np.mean(_ssim_map(p[idx], t[idx])))


def given_frame_psnr(video, given, mask=None) -> float:
    """Fidelity to the given frames: PSNR pooled over them (inf when they came back exactly).

    given: a dict {frame index: image (H, W, 3)} (negative indices allowed), or a reference video
    (F, H, W, 3) together with `mask`, a bool (F,) array with True = given (as masking.parse_layout).
    """
    v = as_video(video, "video")
    if isinstance(given, dict):
        if not given:
            raise ValueError("given must name at least one frame, got an empty dict")
        idx = frame_indices(np.array(list(given), dtype=np.int64), len(v), "given's keys")
        ref = {i % len(v): as_image(img, f"given[{i}]") for i, img in given.items()}
        for i in idx:
            check_same_shape(v[i], ref[i], f"video[{i}]", f"given[{i}]")
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
    v = as_video(video, "video")
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
    v, a, b = as_video(video, "video"), as_image(first, "first"), as_image(last, "last")
    check_same_shape(v[0], a, "video frames", "first")
    check_same_shape(a, b, "first", "last")
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


# ---------------------------------------------------------------- report
def transition_report(video, first, last) -> dict:
    """Numbers for the comparison tables of a transition from `first` to `last`.

    first_psnr / last_psnr: endpoint fidelity (inf = returned exactly); endpoint_psnr pooled over both;
    max_jump / mean_jump: smoothness (frame_jumps); double_exposure (mean) and double_exposure_peak
    (largest frame) as in double_exposure_frames (nan when the scenes leave no testable pixel).
    """
    v = as_video(video, "video")
    a, b = as_image(first, "first"), as_image(last, "last")
    check_same_shape(v[0], a, "video frames", "first")
    check_same_shape(v[-1], b, "video frames", "last")
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
