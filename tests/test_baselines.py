"""Traditional transitions: endpoints, shapes, the direction of every wipe, the iris, bad input."""
import numpy as np
import pytest

from seine_lite.baselines import (TRADITIONAL, dissolve, fade, iris, traditional_transition, wipe_down,
                                    wipe_left, wipe_right, wipe_up)

H, W = 12, 20                                    # not square, so rows and columns cannot be swapped unseen
RED, CYAN = (220, 40, 40), (40, 210, 220)


def plain(rgb, h=H, w=W):
    return np.broadcast_to(np.array(rgb, np.uint8), (h, w, 3)).copy()


def noise(seed, h=H, w=W):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def shows_b(video, b):
    """bool (F, H, W): pixels equal to scene B (the scenes are plain colours)."""
    return np.all(video == b, axis=-1)


@pytest.mark.parametrize("kind", TRADITIONAL)
@pytest.mark.parametrize("num_frames", [2, 7, 16])
def test_shape_dtype_and_exact_endpoints(kind, num_frames):
    a, b = noise(0), noise(1)
    video = traditional_transition(kind, a, b, num_frames=num_frames)
    assert video.shape == (num_frames, H, W, 3) and video.dtype == np.uint8
    np.testing.assert_array_equal(video[0], a)
    np.testing.assert_array_equal(video[-1], b)
    assert not np.shares_memory(video, a)


def test_named_functions_match_the_dispatcher():
    a, b = noise(2), noise(3)
    for kind, fn in [("dissolve", dissolve), ("fade", fade), ("wipe_left", wipe_left), ("wipe_right", wipe_right),
                     ("wipe_up", wipe_up), ("wipe_down", wipe_down), ("iris", iris)]:
        np.testing.assert_array_equal(fn(a, b, num_frames=9), traditional_transition(kind, a, b, 9))


def test_dissolve_is_the_rounded_linear_blend():
    a, b = noise(4), noise(5)
    video = dissolve(a, b, num_frames=5)
    for i, t in enumerate(np.linspace(0, 1, 5)):
        expected = np.rint((1 - t) * a.astype(float) + t * b.astype(float)).astype(np.uint8)
        np.testing.assert_array_equal(video[i], expected)


def test_fade_goes_through_black_and_never_shows_both():
    a, b = plain(RED), plain(CYAN)
    video = fade(a, b, num_frames=9).astype(float)       # t = 0, 1/8, ..., 1: frame 4 is the midpoint
    assert np.all(video[4] == 0)
    for i in range(1, 4):                                 # A dimmed: proportional to A
        np.testing.assert_allclose(video[i], np.rint(a * (1 - 2 * i / 8)), atol=0)
    for i in range(5, 8):
        np.testing.assert_allclose(video[i], np.rint(b * (2 * i / 8 - 1)), atol=0)
    brightness = video.mean(axis=(1, 2, 3))
    assert np.all(np.diff(brightness[:5]) < 0) and np.all(np.diff(brightness[4:]) > 0)


# wipe_left: the edge moves left, so B enters at the right edge; and so on.
@pytest.mark.parametrize("kind, entry", [("wipe_left", "right"), ("wipe_right", "left"),
                                         ("wipe_up", "bottom"), ("wipe_down", "top")])
def test_wipe_direction(kind, entry):
    a, b = plain(RED), plain(CYAN)
    num_frames = 11
    video = traditional_transition(kind, a, b, num_frames=num_frames)
    assert np.all(np.all(video == a, -1) | np.all(video == b, -1))        # hard edge: only A or B pixels
    cover = shows_b(video, b)
    horizontal = entry in ("left", "right")
    profile = cover[:, 0, :] if horizontal else cover[:, :, 0]             # (F, along the motion)
    across = cover if horizontal else np.swapaxes(cover, 1, 2)
    assert np.all(across == profile[:, None, :])                            # a straight edge
    if entry in ("left", "top"):
        profile = profile[:, ::-1]                                          # now B should sit at the end
    assert np.all(np.diff(profile.astype(int), axis=1) >= 0), "B must grow from the entry edge"
    assert np.all(np.diff(profile.sum(1)) >= 0), "the B region must only grow"
    t = np.linspace(0, 1, num_frames)
    assert np.all(np.abs(profile.mean(1) - t) <= 1.0 / profile.shape[1])   # share of B follows t
    assert profile[num_frames // 2].any() and not profile[num_frames // 2].all()


def test_iris_grows_from_the_centre():
    a, b = plain(RED, 16, 16), plain(CYAN, 16, 16)
    video = iris(a, b, num_frames=9)
    assert np.all(np.all(video == a, -1) | np.all(video == b, -1))
    cover = shows_b(video, b)
    area = cover.sum(axis=(1, 2))
    assert np.all(np.diff(area) >= 0) and area[0] == 0 and area[-1] == 16 * 16
    mid = cover[4]
    assert mid[7:9, 7:9].all() and not mid[0, 0] and not mid[-1, -1]
    np.testing.assert_array_equal(mid, mid[::-1])                            # symmetric about the centre
    np.testing.assert_array_equal(mid, mid[:, ::-1])
    np.testing.assert_array_equal(mid, mid.T)
    y, x = np.mgrid[0:16, 0:16] + 0.5 - 8
    r = np.hypot(y, x)
    assert r[mid].max() < r[~mid].min()                                     # a disc, not another shape


def test_unknown_kind_names_kind_and_lists_choices():
    with pytest.raises(ValueError, match="kind") as err:
        traditional_transition("star_wipe", noise(0), noise(1))
    assert all(k in str(err.value) for k in TRADITIONAL)


@pytest.mark.parametrize("num_frames", [1, 0, -3, 2.5, "16", True])
def test_bad_num_frames(num_frames):
    with pytest.raises(ValueError, match="num_frames"):
        dissolve(noise(0), noise(1), num_frames=num_frames)


def test_other_sizes_and_pil_images_go_through_read_image():
    from PIL import Image

    from seine_lite.data.video_io import read_image
    a, b = noise(0, 12, 12), noise(1, 16, 20)
    video = wipe_left(a, b, num_frames=4)                   # size defaults to the shorter side of first
    assert video.shape == (4, 12, 12, 3) and video.dtype == np.uint8
    np.testing.assert_array_equal(video[-1], read_image(b, 12))
    video = dissolve(Image.fromarray(a), Image.fromarray(b), num_frames=4, size=8)
    assert video.shape == (4, 8, 8, 3)
    np.testing.assert_array_equal(video[0], read_image(a, 8))
    np.testing.assert_array_equal(video[-1], read_image(b, 8))
    with pytest.raises(ValueError, match="size"):
        iris("first.png", "last.png", num_frames=4)         # a path has no size to default to


def test_bad_size():
    with pytest.raises(ValueError, match="size"):
        dissolve(noise(0), noise(1), size=0)
