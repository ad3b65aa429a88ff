"""Conditioning by replacement (replacement.py) and `generate(..., conditioning="replace")`."""
import numpy as np
import pytest
import torch

import seine_lite.pipeline
import seine_lite.vae
from seine_lite.diffusion import NoiseSchedule
from seine_lite.masking import mask_from_given
from seine_lite.replacement import blank_condition, replace_given, replacement_generator

STEPS = dict(num_inference_steps=3)
GIVEN = np.array([True, False, False, True])   # the tiny preset's transition layout, "x..x"


@pytest.fixture()
def clip():
    return np.random.default_rng(0).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)


def _latents(seed=0, shape=(2, 4, 4, 8, 8)):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g), torch.randn(shape, generator=g)


def test_replace_given_draws_q_zt_given_z0_and_keeps_the_rest():
    schedule, t = NoiseSchedule(), 600
    z, z0 = _latents(shape=(64, 4, 4, 8, 8))
    mask = mask_from_given(GIVEN, batch=64)
    out = replace_given(z, z0, mask, schedule, t, torch.Generator().manual_seed(1))
    assert torch.equal(out[:, :, 1:3], z[:, :, 1:3])
    a = schedule.alphas_cumprod[t]
    eps = (out[:, :, GIVEN] - a.sqrt() * z0[:, :, GIVEN]) / (1 - a).sqrt()
    assert abs(float(eps.mean())) < 0.02 and abs(float(eps.std()) - 1) < 0.02   # ε ~ N(0, I)
    assert abs(float((eps * z[:, :, GIVEN]).mean())) < 0.02                   # fresh, not z's noise


def test_replace_given_after_the_last_step_is_the_clean_latent():
    z, z0 = _latents()
    out = replace_given(z, z0, mask_from_given(GIVEN, batch=2), NoiseSchedule(), -1)
    assert torch.equal(out[:, :, GIVEN], z0[:, :, GIVEN])
    assert torch.equal(out[:, :, ~GIVEN], z[:, :, ~GIVEN])


def test_replace_given_is_seeded():
    z, z0 = _latents()
    mask = mask_from_given(GIVEN, batch=2)
    one, two, other = (replace_given(z, z0, mask, NoiseSchedule(), 300, replacement_generator(seed))
                       for seed in (5, 5, 6))
    assert torch.equal(one, two) and not torch.equal(one, other)


def test_blank_condition_hands_nothing_over():
    z, z0 = _latents()
    mask, masked = blank_condition(z0, mask_from_given(GIVEN, batch=2).expand(2, 1, 4, 8, 8))
    assert mask.shape == (2, 1, 4, 8, 8) and bool((mask == 1).all())
    assert masked.shape == z0.shape and not masked.any()


@pytest.mark.parametrize("sampler", ["ddim", "ddpm"])
def test_with_nothing_given_replacement_equals_plain_sampling(tiny_pipe, sampler):
    frames = [None] * tiny_pipe.num_frames
    plain = tiny_pipe.generate(frames, mask="all", prompt="a cat", seed=3, sampler=sampler, **STEPS)
    replaced = tiny_pipe.generate(frames, mask="all", prompt="a cat", seed=3, sampler=sampler,
                                  conditioning="replace", **STEPS)
    assert plain.tobytes() == replaced.tobytes()


def test_same_seed_same_bytes_other_seed_differs(tiny_pipe, clip):
    kw = dict(conditioning="replace", **STEPS)
    one = tiny_pipe.transition(clip[0], clip[-1], seed=7, **kw)
    two = tiny_pipe.transition(clip[0], clip[-1], seed=7, **kw)
    other = tiny_pipe.transition(clip[0], clip[-1], seed=8, **kw)
    assert one.tobytes() == two.tobytes()
    assert not np.array_equal(one[1:-1], other[1:-1])
    assert np.array_equal(one[0], clip[0]) and np.array_equal(one[-1], clip[-1])


def test_given_frames_end_exactly_equal_to_the_clean_latent(tiny_pipe, clip, monkeypatch):
    decoded = []
    real_decode = seine_lite.vae.decode_video
    def spy(vae, z, **kw):
        decoded.append(z)
        return real_decode(vae, z, **kw)

    monkeypatch.setattr(seine_lite.pipeline, "decode_video", spy)   # where the pipeline looks it up
    z0 = seine_lite.vae.encode_video(tiny_pipe.vae, clip[None])
    for conditioning in ("replace", "concat"):
        tiny_pipe.generate(list(clip), mask="x..x", conditioning=conditioning, paste_given=False, **STEPS)
    replaced, concatenated = decoded
    assert torch.equal(replaced[:, :, GIVEN], z0[:, :, GIVEN])
    assert not torch.equal(concatenated[:, :, GIVEN], z0[:, :, GIVEN])   # SEINE regenerates them
    assert not torch.allclose(replaced[:, :, ~GIVEN], z0[:, :, ~GIVEN], atol=0.1)


def test_model_sees_noised_given_frames_and_an_empty_condition(tiny_pipe, clip):
    seen = []
    hook = tiny_pipe.unet.register_forward_pre_hook(lambda module, args: seen.append((args[0], args[1])))
    try:
        tiny_pipe.generate(list(clip), mask="x..x", conditioning="replace", num_inference_steps=4)
    finally:
        hook.remove()
    z0 = seine_lite.vae.encode_video(tiny_pipe.vae, clip[None])
    c = z0.shape[1]
    a = tiny_pipe.schedule.alphas_cumprod
    assert len(seen) == 4
    for inp, t in seen:                                   # batch of 2: text and empty caption
        assert bool((inp[:, c] == 1).all()) and not inp[:, c + 1:].any()
        z_t = inp[:1, :c]
        eps = (z_t[:, :, GIVEN] - a[t[0]].sqrt() * z0[:, :, GIVEN]) / (1 - a[t[0]]).sqrt()
        assert 0.8 < float(eps.std()) < 1.2, f"given frames at t={int(t[0])} are not q(z_t | z0)"


def test_unknown_conditioning_is_refused(tiny_pipe, clip):
    with pytest.raises(ValueError, match="^conditioning must be one of"):
        tiny_pipe.transition(clip[0], clip[-1], conditioning="paste", **STEPS)
