"""Metrics on made-up cases whose answers are known by hand."""
import io

import numpy as np
import pytest
import torch
from PIL import Image, ImageFilter
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from seine_lite import metrics as M
from seine_lite.data import make_photo_clips, make_shapes_clips
from seine_lite.data.photos import load_sample_images
from seine_lite.data.scenes import BACKGROUNDS, COLORS
from seine_lite.baselines import TRADITIONAL, dissolve, traditional_transition

S = 32


def noise(seed, shape=(S, S, 3)):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def draw(color, background, cy, cx, radius, shape="disc", size=S, hard=False):
    """One object on a plain background, edges anti-aliased over a pixel like the shapes world (or hard)."""
    y, x = np.mgrid[0:size, 0:size] + 0.5
    sdf = np.hypot(y - cy, x - cx) - radius if shape == "disc" else np.maximum(abs(y - cy), abs(x - cx)) - radius
    alpha = ((sdf < 0) if hard else np.clip(0.5 - sdf, 0.0, 1.0))[..., None]
    fg, bg = np.array(COLORS[color], float), np.array(BACKGROUNDS[background], float)
    return np.rint(alpha * fg + (1 - alpha) * bg).astype(np.uint8)


def moving(direction, color="red", background="gray", num_frames=8, size=S):
    """A square travelling 40 % of the frame in `direction` ("still": it stays put)."""
    step = {"left": (0, -1), "right": (0, 1), "up": (-1, 0), "down": (1, 0), "still": (0, 0)}[direction]
    u = np.linspace(-0.2, 0.2, num_frames) * size
    return np.stack([draw(color, background, size / 2 + step[0] * d, size / 2 + step[1] * d, 0.12 * size,
                          "square", size) for d in u])


# ---------------------------------------------------------------- PSNR
def test_psnr_identical_is_inf_and_constant_shift_is_known():
    a = noise(0)
    assert M.psnr(a, a) == float("inf")
    b = a.astype(int)
    b = np.where(b < 128, b + 10, b - 10).astype(np.uint8)             # |error| = 10 everywhere -> MSE 100
    assert M.psnr(a, b) == pytest.approx(10 * np.log10(255 ** 2 / 100))  # 28.13 dB
    assert M.psnr(a / 255.0, b / 255.0) == pytest.approx(M.psnr(a, b))    # float in [0, 1] is the same scale
    assert M.psnr(torch.from_numpy(a), torch.from_numpy(b)) == pytest.approx(M.psnr(a, b))


def test_psnr_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        M.psnr(noise(0), noise(1, (S, S + 1, 3)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        M.psnr(np.full((4, 4, 3), 3.0), np.zeros((4, 4, 3)))


# ---------------------------------------------------------------- SSIM
def test_ssim_identical_is_one_and_noise_lowers_it():
    a = noise(1, (3, S, S, 3))
    assert M.ssim(a, a) == pytest.approx(1.0, abs=1e-12)
    noisy = np.clip(a + np.random.default_rng(2).normal(0, 25, a.shape), 0, 255).astype(np.uint8)
    assert M.ssim(a, noisy) < 0.99 and M.ssim(a, noisy) == pytest.approx(M.ssim(noisy, a))
    assert M.ssim(a, 255 - a) < 0


@pytest.mark.parametrize("size", [S, 8])                              # 8 px: the window shrinks to 7
def test_ssim_of_constant_images_is_the_luminance_term(size):
    c1 = (0.01 * 255) ** 2
    for mu_a, mu_b in [(50, 200), (10, 10), (0, 255)]:
        a, b = np.full((size, size, 3), mu_a, np.uint8), np.full((size, size, 3), mu_b, np.uint8)
        expected = (2 * mu_a * mu_b + c1) / (mu_a ** 2 + mu_b ** 2 + c1)   # sigmas are 0: contrast term = 1
        assert M.ssim(a, b) == pytest.approx(expected, rel=1e-9)


def test_ssim_on_one_window_by_hand():
    a, b = noise(3, (11, 11)).astype(float), noise(4, (11, 11)).astype(float)
    x = np.arange(11) - 5.0
    g = np.exp(-x ** 2 / (2 * 1.5 ** 2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    mu_a, mu_b = (w * a).sum(), (w * b).sum()
    var_a, var_b = (w * (a - mu_a) ** 2).sum(), (w * (b - mu_b) ** 2).sum()
    cov = (w * (a - mu_a) * (b - mu_b)).sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    expected = (2 * mu_a * mu_b + c1) * (2 * cov + c2) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    assert M.ssim(a.astype(np.uint8), b.astype(np.uint8)) == pytest.approx(expected, rel=1e-9)


def test_ssim_map_equals_a_convolution_written_with_torch():
    a, b = noise(5, (20, 24, 3)), noise(6, (20, 24, 3))
    g = torch.tensor(M.gaussian_window(), dtype=torch.float64)
    kernel = (g[:, None] * g[None, :])[None, None].repeat(3, 1, 1, 1)

    def blur(x):
        return torch.nn.functional.conv2d(x, kernel, groups=3)        # valid positions only

    ta, tb = (torch.tensor(v, dtype=torch.float64).permute(2, 0, 1)[None] for v in (a, b))
    mu_a, mu_b = blur(ta), blur(tb)
    var_a, var_b, cov = blur(ta * ta) - mu_a ** 2, blur(tb * tb) - mu_b ** 2, blur(ta * tb) - mu_a * mu_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ref = (2 * mu_a * mu_b + c1) * (2 * cov + c2) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    np.testing.assert_allclose(M.ssim_map(a, b), ref[0].permute(1, 2, 0).numpy(), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- against scikit-image
# Our SSIM is skimage's with Wang et al.'s settings: Gaussian weights (sigma 1.5, 11 taps), population
# moments (use_sample_covariance=False), data_range 255, per channel. skimage's defaults differ on purpose
# (7x7 uniform window, sample covariance N/(N-1)) and give other numbers; images under 11 px it refuses,
# where ours shrinks the window.
WANG = {"data_range": 255, "channel_axis": -1, "gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}


def distorted(frames, kind):
    """uint8 frames (N, H, W, 3) with Gaussian noise, a Gaussian blur or JPEG at quality 30."""
    if kind == "noise":
        return np.clip(frames + np.random.default_rng(0).normal(0, 12, frames.shape), 0, 255).astype(np.uint8)
    out = []
    for frame in frames:
        image, buffer = Image.fromarray(frame), io.BytesIO()
        if kind == "blur":
            out.append(np.asarray(image.filter(ImageFilter.GaussianBlur(1.5))))
            continue
        image.save(buffer, "JPEG", quality=30)
        out.append(np.asarray(Image.open(buffer).convert("RGB")))
    return np.stack(out)


def real_frames():
    """Shapes-world frames, photo-clip frames, and a 160 x 224 crop of each bundled photo, by name."""
    shapes, _ = make_shapes_clips(2, num_frames=4, size=64, seed=0)
    photos, _ = make_photo_clips(2, num_frames=4, size=64, seed=0)
    crops = np.stack([image[40:200, 60:284] for _, image in load_sample_images()])
    return {"shapes": shapes.reshape(-1, 64, 64, 3), "photo clips": photos.reshape(-1, 64, 64, 3), "photos": crops}


@pytest.mark.parametrize("kind", ["noise", "blur", "jpeg"])
def test_psnr_and_ssim_agree_with_scikit_image_on_real_frames(kind):
    for name, frames in real_frames().items():
        other = distorted(frames, kind)
        assert M.psnr(frames, other) == pytest.approx(peak_signal_noise_ratio(frames, other, data_range=255),
                                                      rel=1e-12), name
        theirs = [structural_similarity(a, b, **WANG) for a, b in zip(frames, other)]
        assert M.ssim(frames, other) == pytest.approx(np.mean(theirs), abs=1e-12), name
        assert M.ssim(frames[0], other[0]) == pytest.approx(theirs[0], abs=1e-12), name
        assert 0.2 < np.mean(theirs) < 0.999, name                              # a real distortion, not a no-op


def test_ssim_map_is_scikit_images_full_map_without_its_border():
    frames = real_frames()["photos"][:2]
    other = distorted(frames, "noise")
    for a, b in zip(frames, other):
        _, full = structural_similarity(a, b, full=True, **WANG)              # reflect-padded at the border
        np.testing.assert_allclose(M.ssim_map(a, b), full[5:-5, 5:-5], rtol=0, atol=1e-12)
    floats = structural_similarity(frames[0] / 255, other[0] / 255, **{**WANG, "data_range": 1.0})
    assert M.ssim(frames[0] / 255, other[0] / 255) == pytest.approx(floats, abs=1e-12)


def test_where_we_and_scikit_image_defaults_differ():
    photos = real_frames()["photos"][:1]
    a, b = photos[0], distorted(photos, "noise")[0]
    assert abs(M.ssim(a, b) - structural_similarity(a, b, data_range=255, channel_axis=-1)) > 1e-3
    small = np.random.default_rng(1).integers(0, 256, (2, 8, 8, 3), dtype=np.uint8)
    with pytest.raises(ValueError):
        structural_similarity(small[0], small[1], **WANG)                     # 8 px < skimage's 11-tap window
    assert -1 <= M.ssim(small[0], small[1]) <= 1                             # ours: a 7-tap window


# ---------------------------------------------------------------- selected frames
def test_video_psnr_and_ssim_over_selected_frames():
    truth = noise(7, (4, 16, 16, 3))
    pred = truth.copy()
    pred[2] = np.where(truth[2] < 128, truth[2] + 10, truth[2] - 10)
    known = 10 * np.log10(255 ** 2 / 100)
    assert M.video_psnr(pred, truth, frames=[0, 1, -1]) == float("inf")
    assert M.video_psnr(pred, truth, frames=[2]) == pytest.approx(known)
    assert M.video_psnr(pred, truth) == pytest.approx(10 * np.log10(255 ** 2 / 25))     # MSE 100 / 4 frames
    assert M.video_psnr(pred, truth, frames=np.array([False, False, True, False])) == pytest.approx(known)
    np.testing.assert_allclose(M.per_frame_psnr(pred, truth), [np.inf, np.inf, known, np.inf])
    assert M.video_ssim(pred, truth, frames=[0, 3]) == pytest.approx(1.0)
    assert M.video_ssim(pred, truth, frames=[2]) < 1.0
    with pytest.raises(ValueError, match="frames"):
        M.video_psnr(pred, truth, frames=[4])
    with pytest.raises(ValueError, match="frames"):
        M.video_psnr(pred, truth, frames=np.zeros(4, bool))


def test_given_frame_psnr_with_a_dict_or_a_mask():
    video = noise(8, (5, 16, 16, 3))
    a, b = video[0].copy(), video[-1].copy()
    assert M.given_frame_psnr(video, {0: a, -1: b}) == float("inf")
    shifted = np.where(b < 128, b + 10, b - 10).astype(np.uint8)
    # pooled over two frames, one exact and one off by 10: MSE 50
    assert M.given_frame_psnr(video, {0: a, 4: shifted}) == pytest.approx(10 * np.log10(255 ** 2 / 50))
    reference = video.copy()
    reference[4] = shifted
    given = np.array([True, False, False, False, True])
    assert M.given_frame_psnr(video, reference, mask=given) == pytest.approx(10 * np.log10(255 ** 2 / 50))
    with pytest.raises(ValueError, match="mask"):
        M.given_frame_psnr(video, reference, mask=given.astype(float))
    with pytest.raises(ValueError, match="given"):
        M.given_frame_psnr(video, {7: a})
    with pytest.raises(ValueError, match="same shape"):
        M.given_frame_psnr(video, {0: a[:8]})


# ---------------------------------------------------------------- smoothness
@pytest.mark.parametrize("num_frames", [2, 5, 16])
def test_max_jump_of_a_linear_dissolve_is_one_over_n_minus_one(num_frames):
    a, b = noise(9) / 255.0, noise(10) / 255.0
    t = np.linspace(0, 1, num_frames)[:, None, None, None]
    assert M.max_jump((1 - t) * a + t * b) == pytest.approx(1 / (num_frames - 1), rel=1e-9)
    rounded = dissolve(noise(9), noise(10), num_frames=num_frames)            # uint8 rounding: within 5 %
    assert M.max_jump(rounded) == pytest.approx(1 / (num_frames - 1), rel=0.05)


def test_max_jump_of_a_cut_a_static_video_and_a_loop():
    a, b = noise(11), noise(12)
    cut = np.stack([a] * 5 + [b] * 5)
    assert M.max_jump(cut) == pytest.approx(1.0)
    np.testing.assert_allclose(M.frame_jumps(cut), [0, 0, 0, 0, 1, 0, 0, 0, 0])
    assert M.max_jump(np.stack([a] * 6)) == 0.0
    assert M.max_jump(np.stack([a, b, a])) == float("inf")                   # first == last: no cut to compare


# ---------------------------------------------------------------- shapes-world probes
@pytest.mark.parametrize("background", list(BACKGROUNDS))
def test_object_color_for_every_colour_on_every_background(background):
    for k, color in enumerate(COLORS):
        frame = draw(color, background, 10 + k, 20 - k, 5.0, "disc" if k % 2 else "square")
        assert M.object_color(frame) == color
        assert M.object_color(frame, background=background) == color
        assert M.object_color(frame, background=BACKGROUNDS[background]) == color
    assert M.object_color(draw("red", background, 16, 16, 0.0)) == M.NO_OBJECT


def test_estimated_background_is_the_border_colour():
    for name, rgb in BACKGROUNDS.items():
        np.testing.assert_array_equal(M.estimate_background(draw("white", name, 3, 3, 6)), rgb)


def test_object_centroid_and_area_of_a_known_rectangle():
    frame = np.zeros((S, S, 3), np.uint8)
    frame[:] = BACKGROUNDS["black"]
    frame[4:10, 10:18] = COLORS["yellow"]                                   # rows 4..9, columns 10..17
    assert M.object_centroid(frame) == pytest.approx((7.0, 14.0))
    assert M.object_area(frame) == pytest.approx(6 * 8 / S ** 2)
    assert M.object_centroid(np.full((S, S, 3), 10, np.uint8)) is None


@pytest.mark.parametrize("direction", ["left", "right", "up", "down", "still"])
@pytest.mark.parametrize("background", ["black", "dark red"])
def test_motion_direction_of_a_moving_square(direction, background):
    video = moving(direction, "cyan", background)
    assert M.motion_direction(video) == direction
    assert M.object_motion(video) == direction


def test_still_threshold_and_growing_shrinking():
    jitter = np.stack([draw("green", "brown", 16, 16 + 0.5 * (i % 2), 5, "square") for i in range(8)])
    assert M.motion_direction(jitter) == "still"                             # half a pixel < 5 % of 32 px
    growing = np.stack([draw("orange", "dark blue", 16, 16, r) for r in np.linspace(2, 7, 8)])
    assert M.motion_direction(growing) == "still"
    assert M.object_motion(growing) == "growing"
    assert M.object_motion(growing[::-1]) == "shrinking"
    assert M.motion_direction(np.full((4, S, S, 3), 10, np.uint8)) == M.NO_OBJECT


def test_probe_bad_input():
    with pytest.raises(ValueError, match="background"):
        M.object_color(draw("red", "gray", 16, 16, 5), background="pink")
    with pytest.raises(ValueError, match="video"):
        M.motion_direction(draw("red", "gray", 16, 16, 5))
    with pytest.raises(ValueError, match="ends"):
        M.motion_direction(moving("left"), ends=9)


# ---------------------------------------------------------------- double exposure
def window_pattern(num_frames, lo=0.15, hi=0.85):
    """1 for the in-between frames whose blend weight of A, 1 - t, lies in (lo, hi), else 0."""
    alpha = 1 - np.arange(1, num_frames - 1) / (num_frames - 1)
    return ((alpha > lo) & (alpha < hi)).astype(float)


def scenes(hard=True):
    """Two shapes-world scenes; hard edges keep every pixel a palette colour, so answers are exact."""
    return draw("red", "black", 10, 12, 6, hard=hard), draw("cyan", "gray", 20, 22, 7, "square", hard=hard)


def test_double_exposure_of_a_dissolve_is_the_blend_window():
    a, b = scenes()
    for num_frames in (8, 16):
        video = dissolve(a, b, num_frames=num_frames)
        np.testing.assert_array_equal(M.double_exposure_frames(video, a, b), window_pattern(num_frames))
    assert M.double_exposure(dissolve(a, b, 16), a, b) == pytest.approx(10 / 14)
    soft = scenes(hard=False)                                                # anti-aliased edges: close to it
    shares = M.double_exposure_frames(dissolve(*soft, 16), *soft)
    assert np.all(np.abs(shares - window_pattern(16)) < 0.2)
    x, y = noise(13), noise(14)                                              # photo-like: nearly every pixel
    middle = M.double_exposure_frames(dissolve(x, y, 16), x, y)[6:8]
    assert np.all(middle > 0.95)


def test_double_exposure_counts_only_pixels_where_the_scenes_differ():
    a, b = scenes()
    b_half = b.copy()
    b_half[:, :S // 2] = a[:, :S // 2]                                        # left half: A and B agree
    np.testing.assert_array_equal(M.double_exposure_frames(dissolve(a, b_half, 16), a, b_half),
                                  window_pattern(16))
    assert np.all(np.isnan(M.double_exposure_frames(dissolve(a, a, 5), a, a)))


@pytest.mark.parametrize("kind", [k for k in TRADITIONAL if k != "dissolve"])
def test_double_exposure_of_wipes_and_fades_is_zero(kind):
    for a, b in (scenes(), (noise(15), noise(16))):
        assert M.double_exposure(traditional_transition(kind, a, b, 16), a, b) == 0.0


def test_double_exposure_of_cuts_is_zero_and_noise_does_not_hide_a_dissolve():
    a, b = noise(17), noise(18)
    assert M.double_exposure(np.stack([a] * 8 + [b] * 8), a, b) == 0.0
    assert M.double_exposure(np.stack([a] * 15 + [b]), a, b) == 0.0           # all A, then B at the end
    video = dissolve(a, b, 16).astype(float) + np.random.default_rng(19).normal(0, 3, (16, S, S, 3))
    video = np.clip(np.rint(video), 0, 255).astype(np.uint8)
    assert M.double_exposure(video, a, b) > 0.6


# ---------------------------------------------------------------- report
def test_transition_report():
    a, b = scenes()
    report = M.transition_report(dissolve(a, b, 16), a, b)
    assert set(report) == {"first_psnr", "last_psnr", "endpoint_psnr", "max_jump", "mean_jump",
                           "double_exposure", "double_exposure_peak"}
    assert report["first_psnr"] == report["last_psnr"] == report["endpoint_psnr"] == float("inf")
    assert report["max_jump"] == pytest.approx(1 / 15, rel=0.1)
    assert report["double_exposure"] == pytest.approx(10 / 14) and report["double_exposure_peak"] == 1.0
    cut = M.transition_report(np.stack([a] * 8 + [b] * 8), a, b)
    assert cut["max_jump"] == pytest.approx(1.0) and cut["double_exposure"] == 0.0
    off = M.transition_report(np.stack([b] * 8 + [a] * 8), a, b)
    assert off["first_psnr"] == pytest.approx(M.psnr(b, a)) and off["endpoint_psnr"] < 20
    with pytest.raises(ValueError, match="first"):
        M.transition_report(dissolve(a, b, 4), a[:8], b)
