"""The flow fill: the last given frame carried on at the velocity measured between the last two."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import residual_pipeline

from seine_lite.conditioning import Conditioning, fill_pixels
from seine_lite.flow_fill import carried_on, luma, trailing_frame, velocity, warp
from seine_lite.masking import blended_latent, condition_latent, latent_mask, mask_from_given
from seine_lite.metrics import psnr


def panning_clip(frames=8, size=32, speed=2, seed=0):
    """A smooth random texture under a camera panning right: the picture moves `speed` pixels left a frame."""
    side = size + speed * frames + 8
    coarse = torch.rand(1, 3, side // 4 + 1, side // 4 + 1, generator=torch.Generator().manual_seed(seed))
    smooth = F.interpolate(coarse, scale_factor=4, mode="bicubic", align_corners=False)[0, :, :side, :side]
    big = np.clip(smooth.permute(1, 2, 0).numpy() * 255, 0, 255).astype(np.uint8)
    return np.stack([big[4:4 + size, 4 + speed * f:4 + speed * f + size] for f in range(frames)])


@pytest.mark.parametrize("picture, last", [("xx......", 1), ("xxxx....", 3), ("x......x", -1), ("x.......", -1),
                                           ("x.x.....", -1), ("xxxxxxx.", 6), (".xx.....", 2), ("xx.....x", -1)])
def test_the_velocity_is_measured_only_after_two_given_frames_in_a_row(picture, last):
    assert trailing_frame(np.array([c == "x" for c in picture])) == last


def test_the_velocity_is_the_motion_between_the_two_frames():
    clip = luma(panning_clip(speed=2))
    d = velocity(clip[0], clip[1])                   # frame 1 at x is frame 0 at x + (0, 2)
    assert d.shape == (2, 32, 32)
    inner = d[:, 8:-8, 8:-8].mean(dim=(1, 2))
    assert abs(float(inner[0])) < 0.2 and abs(float(inner[1]) - 2) < 0.2


def test_warp_by_nothing_is_the_image_and_by_whole_pixels_a_shift():
    image = torch.randn(1, 3, 6, 7)
    torch.testing.assert_close(warp(image, torch.zeros(1, 2, 6, 7)), image)
    shift = torch.zeros(1, 2, 6, 7)
    shift[:, 1] = 2                                   # sample two columns to the right
    torch.testing.assert_close(warp(image, shift)[..., :-2], image[..., 2:])
    torch.testing.assert_close(warp(image, shift)[..., -1], image[..., -1])     # edges held


def test_a_latent_is_carried_on_by_the_flow_averaged_down_to_its_grid():
    frame = torch.randn(4, 8, 8)
    d = torch.zeros(2, 32, 32)
    d[1] = 4                                          # 4 pixels = 1 latent pixel a frame
    moved = carried_on(frame, d, 3)
    assert moved.shape == (3, 4, 8, 8)
    for n in (1, 2, 3):
        torch.testing.assert_close(moved[n - 1, :, :, :-n], frame[:, :, n:])


def test_the_pixel_fill_predicts_a_pan_far_better_than_holding_the_frame():
    clip = panning_clip()
    given = np.array([1, 1, 0, 0, 0, 0, 0, 0], bool)
    fill = fill_pixels(clip[None], given, "flow")[0]
    assert np.array_equal(fill[:2], clip[:2].astype(np.float32))
    for f in (2, 3, 4):
        inner = (slice(None), slice(4, -12))          # away from the edge the pan brings in
        moved = psnr(np.rint(fill[f])[inner].astype(np.uint8), clip[f][inner])
        held = psnr(clip[1][inner], clip[f][inner])
        assert moved > held + 8, (f, moved, held)


@pytest.mark.parametrize("picture", ["x......x", "x.......", "x..x...x"])
def test_without_two_given_frames_in_a_row_the_flow_fill_is_the_blend(picture):
    clip, given = panning_clip(), np.array([c == "x" for c in picture])
    np.testing.assert_array_equal(fill_pixels(clip, given, "flow"), fill_pixels(clip, given, "blend"))
    z0 = torch.randn(1, 4, 8, 8, 8)
    mask = latent_mask(mask_from_given(given), 8, 8)
    torch.testing.assert_close(condition_latent(z0, mask, "flow", grey=luma(clip)[None]), blended_latent(z0, mask))


def test_the_latent_flow_fill_keeps_the_given_frames_and_moves_the_rest():
    clip = panning_clip(size=32, speed=4)
    z0 = torch.from_numpy(clip.astype(np.float32)).permute(3, 0, 1, 2)[None]    # a "latent" the size of the frames
    given = np.array([1, 1, 1, 0, 0, 0, 0, 0], bool)
    fill = condition_latent(z0, latent_mask(mask_from_given(given), 32, 32), "flow", grey=luma(clip)[None])
    torch.testing.assert_close(fill[:, :, :3], z0[:, :, :3])
    def error(frame):
        return float((frame[..., 4:-16] - z0[:, :, 4, :, 4:-16]).abs().mean())
    assert error(fill[:, :, 4]) < 0.3 * error(z0[:, :, 2])


def test_one_layout_carries_every_row_of_a_batch_on_its_own_flow():
    fast, slow = panning_clip(size=32, speed=4), panning_clip(size=32, speed=2, seed=1)
    z0 = torch.from_numpy(np.stack([fast, slow]).astype(np.float32)).permute(0, 4, 1, 2, 3)
    mask = latent_mask(mask_from_given(np.array([1, 1, 0, 0, 0, 0, 0, 0], bool)), 32, 32)    # batch 1
    both = condition_latent(z0, mask, "flow", grey=luma(np.stack([fast, slow])))
    for b in (0, 1):
        alone = condition_latent(z0[b:b + 1], mask, "flow", grey=luma(np.stack([fast, slow])[b:b + 1]))
        torch.testing.assert_close(both[b:b + 1], alone)
    assert not torch.allclose(both[1, :, 3], condition_latent(z0, mask, "blend")[1, :, 3])


def test_the_flow_fill_needs_the_grey_frames_and_says_so():
    mask = latent_mask(mask_from_given(np.array([1, 1, 0, 0], bool)), 4, 4)
    with pytest.raises(ValueError, match="grey frames"):
        condition_latent(torch.zeros(1, 2, 4, 4, 4), mask, "flow")
    with pytest.raises(ValueError, match="grey frames"):
        condition_latent(torch.zeros(1, 2, 4, 4, 4), mask, "flow", grey=np.zeros((1, 3, 16, 16), np.uint8))


def test_the_flow_fill_is_a_conditioning_fill_that_a_residual_and_the_composite_build_on():
    cond = Conditioning(fill="flow", residual=True, composite=True, threshold=3.0)
    assert Conditioning.from_meta({"condition": "flow", "conditioning": cond.to_meta()}) == cond


def test_the_grey_frames_are_cached_beside_the_latents_and_read_back(tiny_vae_dir, tmp_path):
    from seine_lite.latent_cache import DataConfig, build_latent_cache, load_clips
    from seine_lite.text import CachedTextEncoder, load_text_encoder
    from seine_lite.vae import load_vae

    vae, cfg = load_vae(tiny_vae_dir), DataConfig(data="shapes", num_clips=3)
    text = CachedTextEncoder(load_text_encoder("null"))
    made = build_latent_cache(cfg, "tiny", vae, text, "null", cache_dir=tmp_path, progress=False, grey=True)
    clips, _ = load_clips(cfg, 4, 32)
    assert made.grey.dtype == torch.uint8 and np.array_equal(made.grey.numpy(), luma(clips))
    assert len(list(tmp_path.glob("grey-*.safetensors"))) == 1
    again = build_latent_cache(cfg, "tiny", vae, text, "null", cache_dir=tmp_path, progress=False, grey=True)
    assert torch.equal(again.grey, made.grey)
    assert build_latent_cache(cfg, "tiny", vae, text, "null", cache_dir=tmp_path, progress=False).grey is None


def test_an_untrained_residual_flow_model_returns_the_carried_on_frame_through_the_composite(tiny_model_dir):
    pipe = residual_pipeline(tiny_model_dir, "flow")
    clip = panning_clip(frames=4, size=32)
    video = pipe.predict(list(clip[:2]), num_inference_steps=3, composite=True)
    baseline = fill_pixels(clip, np.array([1, 1, 0, 0], bool), "flow")
    assert np.abs(video[2:].astype(int) - np.rint(baseline[2:])).max() <= 1
    assert psnr(video[2:], clip[2:]) > psnr(np.stack([clip[1]] * 2), clip[2:]) + 3


def test_a_flow_model_trains_from_the_cli_and_samples_the_same_bytes_twice(tmp_path):
    from seine_lite import SeinePipeline
    from seine_lite.cli.train import main

    out = tmp_path / "flow"
    code = main(["--preset", "tiny", "--steps", "3", "--condition", "flow", "--residual", "--prediction", "sample",
                 "--masks", "prediction=1", "--text-encoder", "null", "--no-progress", "--out", str(out)])
    assert code == 0 and list((out / "cache").glob("grey-*.safetensors"))
    pipe = SeinePipeline.from_pretrained(out)
    pipe.set_progress_bar_config(disable=True)
    assert Conditioning.from_meta(pipe.meta).fill == "flow"
    clip = panning_clip(frames=4, size=32)
    first, second = (pipe.predict(list(clip[:2]), seed=1, num_inference_steps=2) for _ in range(2))
    assert np.array_equal(first, second)
