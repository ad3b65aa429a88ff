"""Clips from the bundled photographs by camera moves (seine_lite.data.photos)."""
import re

import numpy as np
import pytest

from seine_lite.data.photos import (
    CAMERA_MOVES, SAMPLE_IMAGES, SUBJECTS, load_sample_images, make_photo_clips, photo_caption, photo_clip,
)

CAPTION = re.compile(rf"^a photo of (.+), the camera ({'|'.join(CAMERA_MOVES)})$")


def test_bundled_photos_are_few_small_and_licensed():
    images = load_sample_images()
    assert 4 <= len(images) <= 6
    licences = (SAMPLE_IMAGES / "LICENSES.md").read_text()
    for name, image in images:
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        assert max(image.shape[:2]) <= 512 and min(image.shape[:2]) >= 200
        assert f"`{name}.jpg`" in licences and name in SUBJECTS
        assert image.std() > 10                                       # a real picture, not a flat fill
    assert "public domain" in licences.lower() and "CC0" in licences
    assert sum(p.stat().st_size for p in SAMPLE_IMAGES.iterdir()) < 1_000_000


def test_photo_clips_shape_captions_and_determinism():
    clips, captions = make_photo_clips(8, num_frames=6, size=32, seed=4)
    again, captions_again = make_photo_clips(8, num_frames=6, size=32, seed=4)
    other, _ = make_photo_clips(8, num_frames=6, size=32, seed=5)
    assert clips.shape == (8, 6, 32, 32, 3) and clips.dtype == np.uint8
    assert clips.tobytes() == again.tobytes() and captions == captions_again
    assert clips.tobytes() != other.tobytes()
    for clip, caption in zip(clips, captions):
        m = CAPTION.match(caption)
        assert m and m.group(1) in SUBJECTS.values(), caption
        assert not np.array_equal(clip[0], clip[-1])                  # the camera moved


def test_all_moves_and_photos_are_used():
    _, captions = make_photo_clips(60, num_frames=2, size=16, seed=0)
    found = [CAPTION.match(c).groups() for c in captions]
    assert {s for s, _ in found} == set(SUBJECTS.values())
    assert {m for _, m in found} == set(CAMERA_MOVES)


def ramps(shape=(150, 200)) -> np.ndarray:
    """Red grows along x, green grows along y, blue is flat."""
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    return np.stack([xs / (shape[1] - 1), ys / (shape[0] - 1), np.full(shape, 0.5)], -1)


@pytest.mark.parametrize("move, channel, sign", [("panning left", 0, -1), ("panning right", 0, 1),
                                                 ("panning up", 1, -1), ("panning down", 1, 1)])
def test_pans_move_the_view_the_way_the_caption_says(move, channel, sign):
    for seed in range(3):
        clip = photo_clip(ramps(), move, num_frames=8, size=32, seed=seed).astype(float)
        along = clip[..., channel].mean((1, 2))       # the view moves to brighter parts -> brighter frames
        assert (np.diff(along) * sign > 0.5).all(), (move, seed, along)
        across = clip[..., 1 - channel].mean((1, 2))  # the other axis stays put
        assert np.ptp(across) < 0.5


def blob(size=160) -> np.ndarray:
    image = np.zeros((size, size, 3), dtype=np.uint8)
    image[size // 2 - 12:size // 2 + 12, size // 2 - 12:size // 2 + 12] = 255
    return image


@pytest.mark.parametrize("move, grows", [("zooming in", True), ("zooming out", False), ("slowly pushing in", True)])
def test_zooms_change_the_size_of_things(move, grows):
    for seed in range(3):
        clip = photo_clip(blob(), move, num_frames=8, size=32, seed=seed)
        area = clip[..., 0].astype(float).sum((1, 2)) / 255
        steps = np.diff(area) if grows else -np.diff(area)
        assert (steps > 0).all(), (move, seed, area)
        ratio = area.max() / area.min()
        assert (ratio > 2 if move != "slowly pushing in" else 1.15 < ratio < 1.6), ratio


def test_user_images_and_their_names():
    images = [("a dog", blob()), ("a grey field", np.full((90, 120), 0.5))]
    clips, captions = make_photo_clips(6, num_frames=3, size=24, seed=0, images=images)
    assert clips.shape == (6, 3, 24, 24, 3)
    assert {CAPTION.match(c).group(1) for c in captions} <= {"a dog", "a grey field"}
    assert photo_caption("a cat", "zooming in") == "a photo of a cat, the camera zooming in"


def test_bad_photo_requests():
    with pytest.raises(ValueError, match="move must be one of"):
        photo_clip(blob(), "spinning")
    with pytest.raises(ValueError, match="images"):
        make_photo_clips(2, images=[])
    with pytest.raises(ValueError, match=r"images\[0\].*dtype"):
        make_photo_clips(2, images=[("x", np.zeros((40, 40, 3), dtype=np.int64))])
    with pytest.raises(ValueError, match=r"images\[0\]"):
        make_photo_clips(1, images=[("x", np.zeros((40, 40, 2), dtype=np.uint8))])
    with pytest.raises(ValueError, match="n must be"):
        make_photo_clips(-1)
    with pytest.raises(FileNotFoundError, match="folder"):
        load_sample_images("/nonexistent/folder")
