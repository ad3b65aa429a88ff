"""Layered real-motion clips (seine_lite.data.layers), on the small fixture bank."""
import json
import re

import numpy as np
import pytest

from seine_lite.data.bank import bank_items
from seine_lite.data.bank_samples import write_sample_bank
from seine_lite.data.layers import (
    Layer, LayerClipSpec, layer_caption, make_layer_clips, masked_crop, over, render_layer_clip, sample_layer_specs,
    soft_mask,
)
from seine_lite.data.photos import CAMERA_MOVES
from seine_lite.data.scenes import DIRECTIONS

CAPTION = re.compile(rf"^a photo of (.+?), the camera ({'|'.join(CAMERA_MOVES)})"
                     rf"((?:, .+? moving (?:{'|'.join(DIRECTIONS)})){{1,2}})$")


@pytest.fixture(scope="module")
def bank_without_cutouts(tmp_path_factory):
    out = write_sample_bank(tmp_path_factory.mktemp("layers_no_cutouts") / "bank")
    records = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps([r for r in records if r["kind"] != "cutout"]))
    return out


def flat(colour, side=24, alpha=None) -> np.ndarray:
    """A side x side image of one colour, RGB or (with alpha) RGBA."""
    pixel = list(colour) + ([] if alpha is None else [alpha])
    return np.tile(np.array(pixel, dtype=np.uint8), (side, side, 1))


def still(index=0, scale=3.0, at=(0.5, 0.5)) -> Layer:
    """A layer that stays put; at scale 3 it covers the whole frame."""
    return Layer("cutout", index, start=at, end=at, scale=(scale, scale))


def test_same_seed_same_bytes_other_seed_other_clips(sample_bank):
    clips, captions = make_layer_clips(4, num_frames=5, size=24, seed=3, bank=sample_bank)
    again, captions_again = make_layer_clips(4, num_frames=5, size=24, seed=3, bank=sample_bank)
    other, _ = make_layer_clips(4, num_frames=5, size=24, seed=4, bank=sample_bank)
    assert clips.shape == (4, 5, 24, 24, 3) and clips.dtype == np.uint8 and len(captions) == 4
    assert clips.tobytes() == again.tobytes() and captions == captions_again
    assert clips.tobytes() != other.tobytes()
    assert all(not np.array_equal(clip[0], clip[-1]) for clip in clips)         # things move
    empty, no_captions = make_layer_clips(0, num_frames=3, size=16, bank=sample_bank)
    assert empty.shape == (0, 3, 16, 16, 3) and no_captions == []


def test_captions_name_the_bank_subjects_and_the_motions(sample_bank):
    photos = {s for s, _ in bank_items(sample_bank, kind="photo")}
    cutouts = {s for s, _ in bank_items(sample_bank, kind="cutout")}
    _, captions = make_layer_clips(30, num_frames=2, size=16, seed=0, bank=sample_bank)
    for caption in captions:
        m = CAPTION.match(caption)
        assert m and m.group(1) in photos, caption
        layers = re.findall(rf", (.+?) moving ({'|'.join(DIRECTIONS)})", m.group(3))
        assert layers and {s for s, _ in layers} <= cutouts, caption
    assert {CAPTION.match(c).group(2) for c in captions} > {"panning left"}
    assert layer_caption("a cat", "zooming in", [("a dog", "left"), ("a cup", "up"), ("a rocket", "down")]) == \
        "a photo of a cat, the camera zooming in, a dog moving left, a cup moving up"


def test_specs_are_seeded_sorted_back_to_front_and_point_where_they_go():
    specs = sample_layer_specs(200, num_photos=3, num_cutouts=2, seed=1)
    assert specs == sample_layer_specs(200, num_photos=3, num_cutouts=2, seed=1)
    assert {len(s.layers) for s in specs} == {1, 2, 3, 4, 5}
    for spec in specs:
        assert [y.scale[0] for y in spec.layers] == sorted(y.scale[0] for y in spec.layers)   # bigger in front
        assert all(y.source == "cutout" and y.index < 2 for y in spec.layers) and spec.photo < 3
    assert Layer("cutout", 0, (0.5, 0.5), (0.2, 0.6)).direction == "left"
    assert Layer("cutout", 0, (0.5, 0.5), (0.6, 0.1)).direction == "up"
    assert all(y.source == "photo" for s in sample_layer_specs(20, 3, 0) for y in s.layers)
    for spec in sample_layer_specs(50, num_photos=3, num_cutouts=10, seed=2):     # no cut-out twice in a clip
        assert len({y.index for y in spec.layers}) == len(spec.layers)


def test_over_is_the_premultiplied_over_operator():
    under = np.array([[100.0, 150.0, 200.0]], dtype=np.float32)
    layer = np.array([[40, 0, 20, 64]], dtype=np.uint8)       # premultiplied
    expected = np.array([40, 0, 20]) + (1 - 64 / 255) * np.array([100, 150, 200])
    np.testing.assert_allclose(over(under, layer)[0], expected, rtol=1e-6)


def test_a_still_layer_over_a_flat_background_gives_the_hand_computed_colour():
    background, red, blue = flat((100, 150, 200)), flat((255, 0, 0), 8, alpha=255), flat((0, 0, 255), 8, alpha=51)
    spec = LayerClipSpec(photo=0, move="panning left", layers=(still(0), still(1)))
    clip = render_layer_clip(spec, [background], [red, blue], num_frames=3, size=16)
    assert (clip == [204, 0, 51]).all()                      # 0.2 * blue + 0.8 * red: red hides the background
    swapped = LayerClipSpec(photo=0, move="panning left", layers=(still(1), still(0)))
    assert (render_layer_clip(swapped, [background], [red, blue], num_frames=3, size=16) == [255, 0, 0]).all()
    half = LayerClipSpec(photo=0, move="zooming in", layers=(still(0),))
    # 51 / 255 of blue over the background: (0.8 * 100, 0.8 * 150, 51 + 0.8 * 200) = (80, 120, 211)
    assert (render_layer_clip(half, [background], [blue], num_frames=3, size=16) == [80, 120, 211]).all()


def centre_of(clip: np.ndarray, colour) -> np.ndarray:
    """(x, y) centre of the pixels of `colour` in each frame, (F, 2)."""
    hits = (np.abs(clip.astype(int) - colour).sum(-1) < 30)
    ys, xs = np.mgrid[0:clip.shape[1], 0:clip.shape[2]]
    return np.array([[xs[h].mean(), ys[h].mean()] for h in hits])


def test_layers_move_independently_of_each_other_and_of_the_camera():
    size, frames = 32, 5
    ys, xs = np.mgrid[0:48, 0:48]
    background = np.stack([xs * 4, ys * 4, np.full_like(xs, 60)], -1).astype(np.uint8)   # ramps
    red, green = flat((255, 0, 0), 8, alpha=255), flat((0, 255, 0), 8, alpha=255)
    going_right = Layer("cutout", 0, start=(0.3, 0.3), end=(0.7, 0.3), scale=(0.2, 0.2))
    going_up = Layer("cutout", 1, start=(0.5, 0.8), end=(0.5, 0.5), scale=(0.2, 0.2))
    spec = LayerClipSpec(photo=0, move="panning down", layers=(going_right, going_up))
    clip = render_layer_clip(spec, [background], [red, green], num_frames=frames, size=size)
    np.testing.assert_allclose(centre_of(clip, (255, 0, 0))[[0, -1]] + 0.5, [[0.3 * size, 0.3 * size],
                                                                             [0.7 * size, 0.3 * size]], atol=0.6)
    np.testing.assert_allclose(centre_of(clip, (0, 255, 0))[[0, -1]] + 0.5, [[0.5 * size, 0.8 * size],
                                                                             [0.5 * size, 0.5 * size]], atol=0.6)
    assert going_right.direction == "right" and going_up.direction == "up"
    camera_only = render_layer_clip(LayerClipSpec(0, "panning down"), [background], [], frames, size)
    assert np.diff(camera_only[..., 1].mean((1, 2))).min() > 1      # the view moves down the green ramp
    corner = camera_only[:, -4:, -4:]                                   # no layer there: only the camera
    assert (clip[:, -4:, -4:] == corner).all()


def test_a_bank_without_cutouts_uses_masked_photo_crops(bank_without_cutouts):
    assert bank_items(bank_without_cutouts, kind="cutout") == []
    clips, captions = make_layer_clips(3, num_frames=4, size=24, seed=2, bank=bank_without_cutouts)
    assert clips.shape == (3, 4, 24, 24, 3) and all(CAPTION.match(c) for c in captions)
    mask = soft_mask(20, 30, seed=1)
    assert mask.shape == (20, 30) and mask.dtype == np.uint8 and mask.max() == 255
    assert mask[0].max() == mask[-1].max() == mask[:, 0].max() == 0 and 0 < mask.mean() < 255
    assert np.array_equal(mask, soft_mask(20, 30, seed=1)) and not np.array_equal(mask, soft_mask(20, 30, seed=2))
    from PIL import Image
    crop = masked_crop(Image.fromarray(flat((10, 20, 30), 40)), (0.5, 0.5, 0.5, 0.5), 1)
    assert crop.mode == "RGBa" and np.asarray(crop)[..., 3].max() == 255


@pytest.mark.parametrize("kwargs, argument", [
    ({"n": -1}, "n"), ({"n": 2.5}, "n"), ({"num_frames": 0}, "num_frames"), ({"size": 4}, "size"),
    ({"split": "test"}, "split"), ({"layer_scale": 0}, "layer_scale"), ({"layer_scale": 1.5}, "layer_scale"),
])
def test_bad_arguments_name_the_argument(sample_bank, kwargs, argument):
    call = {"n": 1, "num_frames": 2, "size": 16, "bank": sample_bank, **kwargs}
    with pytest.raises(ValueError, match=rf"^{argument}\b"):
        make_layer_clips(**call)


def test_bad_specs_and_a_missing_bank_are_refused(sample_bank, tmp_path):
    with pytest.raises(ValueError, match="^num_photos"):
        sample_layer_specs(1, num_photos=0)
    with pytest.raises(ValueError, match="^spec"):
        render_layer_clip("not a spec", [flat((0, 0, 0))])
    with pytest.raises(ValueError, match="^spec: layer source"):
        video = Layer("video", 0, (0, 0), (1, 1))
        render_layer_clip(LayerClipSpec(0, "zooming in", layers=(video,)), [flat((0, 0, 0))])
    with pytest.raises(ValueError, match="^layers: direction"):
        layer_caption("a cat", "zooming in", [("a dog", "sideways")])
    with pytest.raises(FileNotFoundError, match="^bank"):
        make_layer_clips(1, bank=tmp_path / "nowhere")


def test_slow_and_grey_layers_are_the_layered_clips_slower_and_in_grey(sample_bank, monkeypatch):
    from seine_lite.data.mix import make_clips

    monkeypatch.setenv("SEINE_LITE_BANK", str(sample_bank))
    fast, _ = make_clips("layers", 6, num_frames=6, size=32, seed=2)
    slow, captions = make_clips("slowlayers", 6, num_frames=6, size=32, seed=2)
    grey, grey_captions = make_clips("greylayers", 6, num_frames=6, size=32, seed=2)

    def steps(clips):
        return float(np.abs(np.diff(clips.astype(int), axis=1)).mean())

    assert steps(slow) < 0.6 * steps(fast)
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all() and grey.std() > 10
    assert all(c.endswith(", in black and white") for c in grey_captions) and captions[0] in \
        [c for c in make_clips("layers", 6, num_frames=6, size=32, seed=2)[1]]


def test_a_still_camera_holds_the_background_while_the_layers_move(sample_bank, monkeypatch):
    from seine_lite.data.mix import make_clips

    size, frames = 32, 5
    ys, xs = np.mgrid[0:48, 0:48]
    background = np.stack([xs * 4, ys * 4, np.full_like(xs, 60)], -1).astype(np.uint8)   # ramps
    going_right = Layer("cutout", 0, start=(0.3, 0.3), end=(0.7, 0.3), scale=(0.2, 0.2))
    spec = LayerClipSpec(photo=0, move="panning down", tilt=(0.0, 2.0), layers=(going_right,))
    clip = render_layer_clip(spec, [background], [flat((255, 0, 0), 8, alpha=255)], frames, size, still_camera=True)
    empty = render_layer_clip(LayerClipSpec(0, "panning down", tilt=(0.0, 2.0)), [background], [], frames, size,
                              still_camera=True)
    assert (empty == empty[:1]).all()                                   # no move, no tilt: one view
    assert (clip[:, -4:, -4:] == empty[:, -4:, -4:]).all()              # where no layer is: that view
    np.testing.assert_allclose(centre_of(clip, (255, 0, 0))[[0, -1], 0] + 0.5, [0.3 * size, 0.7 * size], atol=0.6)
    first_view = render_layer_clip(LayerClipSpec(0, "panning down", tilt=(0.0, 2.0)), [background], [], frames, size)
    assert (empty[0] == first_view[0]).all() and not (first_view == first_view[:1]).all()

    monkeypatch.setenv("SEINE_LITE_BANK", str(sample_bank))
    clips, captions = make_clips("stilllayers", 4, num_frames=6, size=32, seed=3)
    again, _ = make_clips("stilllayers", 4, num_frames=6, size=32, seed=3)
    assert (clips == again).all()
    assert all(c.startswith("a video of ") and "camera" not in c and " moving " in c for c in captions)
    assert layer_caption("a windmill", "panning left", [("a dog", "right")], still_camera=True) == \
        "a video of a windmill, a dog moving right"


def test_tripod_clips_are_the_still_clips_with_smaller_layers(sample_bank, monkeypatch):
    from seine_lite.data.mix import make_clips

    monkeypatch.setenv("SEINE_LITE_BANK", str(sample_bank))
    still, captions = make_clips("stilllayers", 6, num_frames=6, size=32, seed=4)
    small, small_captions = make_clips("tripod", 6, num_frames=6, size=32, seed=4)
    assert small_captions == captions                                   # the same clips, smaller movers

    def changed(clips):          # the share of pixels that change in a clip: the movers' area
        return float((np.abs(np.diff(clips.astype(int), axis=1)).max(-1) > 8).mean())

    assert changed(small) < 0.5 * changed(still)


def test_steady_clips_are_the_same_clips_with_no_drift_or_noise(sample_bank, monkeypatch):
    from seine_lite.data.mix import make_clips

    monkeypatch.setenv("SEINE_LITE_BANK", str(sample_bank))
    for name in ("tripod", "greylayers"):
        _, captions = make_clips(name, 4, num_frames=6, size=32, seed=5)
        steady, steady_captions = make_clips(f"steady{name}", 4, num_frames=6, size=32, seed=5)
        assert steady_captions == captions
        assert (steady == make_clips(f"steady{name}", 4, num_frames=6, size=32, seed=5)[0]).all()

    def unchanged(clips):        # per clip, the share of pixels equal in consecutive frames
        return (np.diff(clips.astype(int), axis=1) == 0).all(-1).mean(axis=(1, 2, 3))

    noisy, _ = make_clips("tripod", 12, num_frames=6, size=32, seed=6)
    steady, _ = make_clips("steadytripod", 12, num_frames=6, size=32, seed=6)
    assert (unchanged(steady) > 0.5).all()                 # a still camera: the background stays put
    assert (unchanged(steady) >= unchanged(noisy) - 1e-9).all() and unchanged(noisy).min() < 0.5
