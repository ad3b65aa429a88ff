"""Mask layouts, the training mask sampler and the UNet input (seine_lite/masking.py)."""
import math
import os

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from seine_lite.masking import (MaskMixture, MaskSampler, condition_latent, frame_mask, given_frames, latent_mask,
                                layout_picture, mask_from_given, masked_latent, parse_layout,
                                unet_input)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def frames(given):
    return np.flatnonzero(given).tolist()


# ----------------------------------------------------------------------------- layouts
@pytest.mark.parametrize("layout, num_frames, expected", [
    ("first1", 16, [0]),
    ("first4", 16, [0, 1, 2, 3]),
    ("first16", 16, list(range(16))),
    ("last1", 16, [15]),
    ("last3", 8, [5, 6, 7]),
    ("onelast1", 16, [0, 15]),
    ("onelast2", 16, [0, 1, 14, 15]),
    ("onelast2", 4, [0, 1, 2, 3]),
    ("interpolate5", 16, [0, 5, 10, 15]),
    ("interpolate4", 16, [0, 4, 8, 12, 15]),
    ("interpolate1", 4, [0, 1, 2, 3]),
    ("interpolate3", 4, [0, 3]),
    ("all", 16, []),
    ("x......x", 8, [0, 7]),
    ("..x.", 4, [2]),
    ("....", 4, []),
])
def test_layout_gives_exactly_the_named_frames(layout, num_frames, expected):
    given = parse_layout(layout, num_frames)
    assert given.dtype == bool and given.shape == (num_frames,)
    assert frames(given) == expected


def test_layout_accepts_a_bool_sequence():
    assert frames(parse_layout([True, False, False, True], 4)) == [0, 3]
    assert frames(parse_layout(torch.tensor([0, 1, 0]), 3)) == [1]


@pytest.mark.parametrize("layout, num_frames", [
    ("first20", 16), ("first0", 16), ("last0", 16), ("last17", 16), ("onelast9", 16), ("onelast0", 16),
    ("onelast1", 1), ("interpolate0", 16), ("interpolate16", 16), ("middle3", 16), ("first", 16),
    ("First2", 16), ("first-1", 16), ("first 2", 16), ("uniform1.5", 16), ("uniform-0.1", 16),
    ("uniformabc", 16), ("uniformnan", 16), ("uniforminf", 16), ("uniform", 16), ("", 16),
    ("x..x", 5), ("x..y", 4), ("X..x", 4), ("xx", 1), ([True, False], 3), (None, 4), (3, 4),
])
def test_bad_layouts_raise_value_error_naming_layout(layout, num_frames):
    with pytest.raises(ValueError, match="layout"):
        parse_layout(layout, num_frames, generator=torch.Generator().manual_seed(0))


def test_error_message_says_what_was_expected():
    with pytest.raises(ValueError, match=r"first20.*outside a clip of 16 frames.*1 <= k <= 16"):
        parse_layout("first20", 16)
    with pytest.raises(ValueError, match=r"expected one per frame, 16"):
        parse_layout("x.x", 16)


@pytest.mark.parametrize("num_frames", [0, -1, 2.0, True])
def test_bad_num_frames(num_frames):
    with pytest.raises(ValueError, match="num_frames"):
        parse_layout("all", num_frames)


def test_uniform_needs_a_generator_and_is_reproducible():
    with pytest.raises(ValueError, match="generator"):
        parse_layout("uniform0.5", 16)
    a = parse_layout("uniform0.5", 64, torch.Generator().manual_seed(3))
    b = parse_layout("uniform0.5", 64, torch.Generator().manual_seed(3))
    c = parse_layout("uniform0.5", 64, torch.Generator().manual_seed(4))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    d = parse_layout("uniform0.5", 64, np.random.default_rng(3))
    e = parse_layout("uniform0.5", 64, np.random.default_rng(3))
    assert np.array_equal(d, e) and 10 < d.sum() < 54


def test_uniform_extremes():
    g = torch.Generator().manual_seed(0)
    assert parse_layout("uniform0", 16, g).sum() == 0          # nothing given: text-to-video
    for _ in range(5):                                           # everything given: one frame freed
        assert parse_layout("uniform1", 16, g).sum() == 15
    assert parse_layout("uniform1", 1, g).sum() == 0


def test_layout_picture():
    assert layout_picture(parse_layout("onelast1", 8)) == "x......x"
    assert layout_picture(np.array([0, 1, 1, 0])) == ".xx."
    with pytest.raises(ValueError, match="given"):
        layout_picture(np.zeros((2, 3), dtype=bool))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="x.", min_size=1, max_size=40))
def test_any_picture_round_trips(picture):
    given_ = parse_layout(picture, len(picture))
    assert layout_picture(given_) == picture
    assert np.array_equal(parse_layout(layout_picture(given_), len(picture)), given_)


_NEAR_MISSES = st.from_regex(r"\A(first|last|onelast|interpolate|uniform|all|x|\.)[-+0-9.eExX ]{0,5}\Z")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=24), _NEAR_MISSES), st.integers(1, 20))
def test_junk_layouts_raise_value_error_and_nothing_else(layout, num_frames):
    try:
        given_ = parse_layout(layout, num_frames, torch.Generator().manual_seed(0))
    except ValueError as error:
        assert "layout" in str(error)
    else:  # the odd valid string: it must be a proper layout
        assert given_.dtype == bool and given_.shape == (num_frames,)


# ----------------------------------------------------------------------------- masks
def test_frame_mask_convention_and_shape():
    mask = frame_mask("onelast1", 6, batch=2)
    assert mask.shape == (2, 1, 6, 1, 1) and mask.dtype == torch.float32
    assert mask[0, 0, :, 0, 0].tolist() == [0, 1, 1, 1, 1, 0]    # 1 = generate, 0 = given
    assert given_frames(mask).tolist() == [[True, False, False, False, False, True]] * 2
    assert torch.equal(mask_from_given(parse_layout("onelast1", 6), batch=2), mask)


def test_frame_mask_draws_each_sample_of_a_random_layout():
    mask = frame_mask("uniform0.5", 32, batch=2, rng=torch.Generator().manual_seed(0))
    assert not torch.equal(mask[0], mask[1])


def test_masked_latent_and_unet_input():
    z0 = torch.randn(2, 3, 4, 5, 6, generator=torch.Generator().manual_seed(0))
    z_t = torch.randn_like(z0)
    mask = frame_mask("first1", 4, batch=2)
    mz = masked_latent(z0, mask)
    assert torch.equal(mz[:, :, 0], z0[:, :, 0])                  # given frame kept
    assert (mz[:, :, 1:] == 0).all()                              # generated frames zeroed
    x = unet_input(z_t, mask, mz)
    assert x.shape == (2, 2 * 3 + 1, 4, 5, 6)
    assert torch.equal(x[:, :3], z_t) and torch.equal(x[:, 4:], mz)
    assert torch.equal(x[:, 3:4], latent_mask(mask, 5, 6))
    assert x[0, 3, :, 2, 3].tolist() == [0, 1, 1, 1]
    with pytest.raises(ValueError, match="mask"):
        unet_input(z_t, mask[:, :, :, 0], mz)
    with pytest.raises(ValueError, match="mask"):
        masked_latent(z0, mask.squeeze(1))


# ----------------------------------------------------------------------------- the training sampler
def _family(name):
    return {"onelast1": "transition", "all": "text_to_video"}.get(
        name, "prediction" if name.startswith("first") else
        "bernoulli" if name.startswith("uniform") else
        "interpolation" if name.startswith("interpolate") else name)


def test_sampler_frequencies_match_the_mixture_weights():
    n, num_frames = 4000, 16
    sampler = MaskSampler(MaskMixture())
    mask, names = sampler.sample_with_names(n, num_frames, torch.Generator().manual_seed(0))
    assert mask.shape == (n, 1, num_frames, 1, 1)
    families = [_family(name) for name in names]

    def within(observed, count, p, total):
        return abs(count / total - p) < 4 * math.sqrt(p * (1 - p) / total), (observed, count, p)

    for family, weight in {"transition": 0.35, "prediction": 0.35, "bernoulli": 0.30}.items():
        ok, info = within(family, families.count(family), weight, n)
        assert ok, info
    predictions = [name for name in names if _family(name) == "prediction"]
    for k in range(1, 5):                                          # k uniform in 1..4
        ok, info = within(k, predictions.count(f"first{k}"), 0.25, len(predictions))
        assert ok, info
    assert set(predictions) == {f"first{k}" for k in range(1, 5)}

    given_ = given_frames(mask)
    bernoulli = np.array([f == "bernoulli" for f in families])
    ok, info = within("p", int(given_[bernoulli].sum()), 0.15, int(bernoulli.sum()) * num_frames)
    assert ok, info
    for name, g in zip(names, given_):                             # fixed layouts are what they say
        if not name.startswith("uniform"):
            assert np.array_equal(g, parse_layout(name, num_frames)), name


def test_sampler_is_reproducible_from_a_seed():
    sampler = MaskSampler()
    a = sampler.sample_with_names(64, 16, torch.Generator().manual_seed(7))
    b = sampler.sample_with_names(64, 16, torch.Generator().manual_seed(7))
    c = sampler.sample_with_names(64, 16, torch.Generator().manual_seed(8))
    assert torch.equal(a[0], b[0]) and a[1] == b[1]
    assert not torch.equal(a[0], c[0])


def test_fixed_layouts_override_some_samples_and_keep_every_other_draw():
    sampler, fixed = MaskSampler(), [None, "onelast1", None, "x..x", None, None]
    free = sampler.sample_with_names(6, 4, torch.Generator().manual_seed(5))
    g = torch.Generator().manual_seed(5)
    mask, names = sampler.sample_with_names(6, 4, g, fixed=fixed)
    assert names[1] == "onelast1" and names[3] == "x..x"
    assert [n for n, f in zip(names, fixed) if f is None] == [n for n, f in zip(free[1], fixed) if f is None]
    assert torch.equal(mask[1, 0, :, 0, 0], torch.tensor([0.0, 1.0, 1.0, 0.0]))
    expected_next = torch.Generator().manual_seed(5)
    sampler.sample(6, 4, expected_next)                 # the stream moved on exactly as without `fixed`
    assert torch.equal(torch.rand(3, generator=g), torch.rand(3, generator=expected_next))
    with pytest.raises(ValueError, match="one layout"):
        sampler.sample(6, 4, torch.Generator(), fixed=["onelast1"])


def test_sampler_other_families_and_small_clips():
    mixture = MaskMixture(transition=0, prediction=1, bernoulli=0, interpolation=1,
                          text_to_video=1, extra={"x..x": 1.0})
    mask, names = MaskSampler(mixture).sample_with_names(300, 4, torch.Generator().manual_seed(0))
    kinds = {_family(n) for n in names}
    assert kinds == {"prediction", "interpolation", "text_to_video", "x..x"}
    # on 4 frames, prediction never gives every frame
    assert {n for n in names if n.startswith("first")} == {"first1", "first2", "first3"}
    assert (mask.flatten(1).sum(1) > 0).all()
    with pytest.raises(ValueError, match="generator"):
        MaskSampler().sample(2, 16, generator=0)


@pytest.mark.parametrize("kwargs", [dict(transition=-1), dict(transition=0, prediction=0, bernoulli=0),
                                    dict(p=1.5), dict(max_context=0), dict(extra={"first1": -0.5})])
def test_bad_mixture(kwargs):
    with pytest.raises(ValueError):
        MaskMixture(**kwargs)


# ----------------------------------------------------------------------------- blend conditioning
def _ramp(frames=6):
    """A latent whose value is its frame index: (1, 2, F, 3, 3)."""
    return torch.arange(float(frames)).view(1, 1, frames, 1, 1).expand(1, 2, frames, 3, 3).clone()


@pytest.mark.parametrize("layout, expected", [
    ("first1", [0, 0, 0, 0, 0, 0]),                 # prediction: the first frame held
    ("first2", [0, 1, 1, 1, 1, 1]),
    ("onelast1", [0, 1, 2, 3, 4, 5]),               # a transition: a linear mix of the two ends
    ("x.x...", [0, 1, 2, 2, 2, 2]),
    ("...x.x", [3, 3, 3, 3, 4, 5]),
    ("all", [0, 0, 0, 0, 0, 0]),                    # nothing given: nothing to show
])
def test_blended_latent_fills_generated_frames_from_the_nearest_given(layout, expected):
    z0 = _ramp()
    mask = latent_mask(frame_mask(layout, 6), 3, 3)
    out = condition_latent(z0, mask, "blend")
    assert out.shape == z0.shape
    assert torch.allclose(out[0, :, :, 1, 2], torch.tensor([expected] * 2, dtype=torch.float32))
    given = torch.from_numpy(parse_layout(layout, 6))
    assert torch.equal(out[:, :, given], z0[:, :, given])     # given frames are themselves


def test_zeros_condition_is_seines_masked_latent_and_bad_kinds_are_named():
    z0, mask = torch.randn(2, 4, 5, 2, 2), frame_mask("uniform0.5", 5, batch=2, rng=np.random.default_rng(0))
    assert torch.equal(condition_latent(z0, mask), masked_latent(z0, mask))
    with pytest.raises(ValueError, match="condition"):
        condition_latent(z0, mask, "paste")
