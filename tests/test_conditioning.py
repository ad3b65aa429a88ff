"""Conditioning options: the fill, a residual over it, noise and dropout of it, x_0-prediction."""
import numpy as np
import pytest
import torch
from conftest import residual_pipeline

from seine_lite.cli.train import build_parser, config_from_args, main
from seine_lite.conditioning import Conditioning, composite_pixels, fill_pixels, start_index, training_condition
from seine_lite.diffusion import NoiseSchedule
from seine_lite.masking import MaskMixture, MaskSampler, condition_latent, mask_from_given, nearest_weights
from seine_lite.samplers import DDIMSampler, get_scheduler
from seine_lite.training_step import training_step
from seine_lite.unet import VideoUNet, unet_config_for


def test_nearest_copies_the_nearest_given_frame_and_the_earlier_on_a_tie():
    weights = nearest_weights(np.array([[1, 0, 0, 0, 1]], dtype=bool))[0]
    assert weights.argmax(1).tolist() == [0, 0, 0, 4, 4] and torch.equal(weights.sum(1), torch.ones(5))


@pytest.mark.parametrize("fill", ["nearest", "blend"])
def test_a_fill_keeps_the_given_frames_and_builds_the_others_from_them(fill):
    z0 = torch.randn(1, 4, 6, 3, 3)
    mask = mask_from_given([1, 0, 0, 0, 0, 1]).expand(-1, -1, -1, 3, 3)
    filled = condition_latent(z0, mask, fill)
    assert torch.equal(filled[:, :, [0, 5]], z0[:, :, [0, 5]])
    middle = filled[:, :, 2]
    expected = z0[:, :, 0] if fill == "nearest" else 0.6 * z0[:, :, 0] + 0.4 * z0[:, :, 5]
    torch.testing.assert_close(middle, expected)


def test_the_pixel_fill_is_the_latent_fill_made_of_pixels():
    frames = np.stack([np.full((2, 2, 3), v, np.uint8) for v in (0, 50, 50, 200)])
    baseline = fill_pixels(frames, np.array([1, 0, 0, 1], bool), "blend")
    assert baseline[:, 0, 0, 0].tolist() == pytest.approx([0, 200 / 3, 400 / 3, 200])


@pytest.mark.parametrize("options, words", [
    (dict(fill="smear"), "fill must be one of"), (dict(residual=True), "residual needs a fill"),
    (dict(composite=True), "composite needs a fill"), (dict(fill="blend", start=0.0), "start must be in"),
    (dict(fill="blend", start=1.5), "start must be in"), (dict(dropout=1.0), "dropout must be"),
    (dict(noise=-1.0), "noise must be"), (dict(fill="blend", composite=True, threshold=-1.0), "threshold must be"),
    (dict(fill="blend", composite=True, threshold="3"), "threshold must be")])
def test_an_impossible_conditioning_is_refused_by_name(options, words):
    with pytest.raises(ValueError, match=words):
        Conditioning(**options)


def test_an_older_model_folder_reads_as_its_fill_and_a_new_one_round_trips():
    assert Conditioning.from_meta({"condition": "blend"}) == Conditioning(fill="blend")
    assert Conditioning.from_meta({}) == Conditioning()
    cond = Conditioning(fill="nearest", residual=True, noise=0.1, dropout=0.1, start=0.6, composite=True, threshold=3.0)
    assert Conditioning.from_meta({"conditioning": cond.to_meta()}) == cond
    with pytest.raises(ValueError, match="unknown option 'smear'"):
        Conditioning.from_meta({"conditioning": {"smear": 1}})


def test_noise_and_dropout_change_only_what_they_say_and_draw_nothing_when_off():
    fill, g = torch.ones(64, 2, 3, 2, 2), torch.Generator().manual_seed(0)
    assert training_condition(fill, None, Conditioning(fill="blend"), g) is fill
    assert torch.equal(g.get_state(), torch.Generator().manual_seed(0).get_state())
    dropped = training_condition(fill, None, Conditioning(fill="blend", dropout=0.5), g)
    per_sample = dropped.flatten(1)
    assert set(per_sample.mean(1).tolist()) == {0.0, 1.0} and 10 < int(per_sample[:, 0].sum()) < 54
    noisy = training_condition(fill, None, Conditioning(fill="blend", noise=0.2), g)
    spread = (noisy - fill).flatten(1).std(1)
    assert 0 < float(spread.max()) < 0.35 and float(spread.min()) < 0.1


def _unet():
    torch.manual_seed(0)
    return VideoUNet(**unet_config_for("tiny", latent_channels=4, text_dim=8))


def test_seine_conditioning_gives_the_loss_of_the_older_condition_argument():
    unet, z0, states = _unet(), torch.randn(2, 4, 4, 8, 8), torch.randn(2, 3, 8)
    sampler, schedule = MaskSampler(MaskMixture()), NoiseSchedule(prediction_type="v_prediction")
    for fill in ("zeros", "blend"):
        old = training_step(unet, z0, states, None, sampler, schedule, torch.Generator().manual_seed(5), condition=fill)
        new = training_step(unet, z0, states, None, sampler, schedule, torch.Generator().manual_seed(5),
                            conditioning=Conditioning(fill=fill))
        assert torch.equal(old.loss, new.loss)


def test_a_residual_model_diffuses_what_differs_from_the_fill():
    """The fresh UNet's output layer is zero, so with x_0-prediction it predicts "no change":
    its loss is then exactly the residual's mean square, z0 - fill."""
    unet, z0, states = _unet(), torch.randn(2, 4, 4, 8, 8), torch.randn(2, 3, 8)
    sampler, schedule = MaskSampler(MaskMixture()), NoiseSchedule(prediction_type="sample")
    step = training_step(unet, z0, states, None, sampler, schedule, torch.Generator().manual_seed(5),
                         conditioning=Conditioning(fill="nearest", residual=True))
    residual = z0 - condition_latent(z0, step.mask, "nearest")
    torch.testing.assert_close(step.loss, (residual ** 2).mean())
    assert float(residual[step.mask.expand_as(residual) == 0].abs().max()) == 0   # given frames: no residual


def test_x0_prediction_steps_as_diffusers_ddim_does():
    schedule = NoiseSchedule(prediction_type="sample")
    ours, theirs = DDIMSampler(schedule), get_scheduler("ddim", schedule)      # diffusers' DDIMScheduler
    ours.set_timesteps(5)
    theirs.set_timesteps(5)
    x, out = torch.randn(1, 2, 2, 3, 3), torch.randn(1, 2, 2, 3, 3)
    for t in theirs.timesteps:
        torch.testing.assert_close(ours.step(out, int(t), x), theirs.step(out, t, x).prev_sample)


def test_start_skips_that_share_of_the_steps_and_always_runs_one():
    assert [start_index(10, s) for s in (1.0, 0.6, 0.05)] == [0, 4, 9]


@pytest.mark.parametrize("draw", ["uniform", "logit-normal"])
def test_max_noise_trains_only_on_the_levels_sampling_from_start_meets(draw):
    schedule, g = NoiseSchedule(), torch.Generator().manual_seed(0)
    t = schedule.sample_timesteps(4000, generator=g, draw=draw, max_noise=0.25)
    assert int(t.min()) >= 0 and 200 < int(t.max()) <= 249         # ceil(0.25 * 1000) = 250 levels
    assert int(schedule.sample_timesteps(4000, generator=g, draw=draw).max()) > 900
    with pytest.raises(ValueError, match="max_noise"):
        schedule.sample_timesteps(2, max_noise=0)


@pytest.mark.parametrize("flags, words", [
    (["--max-noise", "1.5"], "--max-noise must be a fraction in (0, 1]"),
    (["--residual"], "--residual: conditioning residual needs a fill"),
    (["--condition", "blend", "--start", "0"], "--start: conditioning start"),
    (["--condition", "blend", "--condition-dropout", "1"], "--condition-dropout: conditioning dropout"),
    (["--condition", "blend", "--composite", "--composite-threshold", "-1"], "--composite-threshold: conditioning threshold"),
    (["--guidance-scale", "-1"], "--guidance-scale: guidance_scale must be a number in [0, 50]")])
def test_the_cli_names_a_bad_conditioning_flag_in_one_line(flags, words, tmp_path, capsys):
    code = main(flags + ["--out", str(tmp_path / "x"), "--text-encoder", "null", "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and words in err and len(err.splitlines()) == 1 and not (tmp_path / "x").exists()


def test_the_guidance_scale_flag_becomes_the_models_default():
    assert config_from_args(build_parser().parse_args(["--out", "x"])).guidance_scale == 3.0
    assert config_from_args(build_parser().parse_args(["--out", "x", "--guidance-scale", "1"])).guidance_scale == 1.0


# ----------------------------------------------------------------------------- sampling
@pytest.fixture()
def residual_pipe(tiny_model_dir):
    """The tiny model with a zero output layer, read as a residual x_0-predicting model over a blend."""
    return residual_pipeline(tiny_model_dir, "blend")


def _ends(seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)


def test_an_untrained_residual_model_returns_the_fill_and_its_composite_the_baseline(residual_pipe):
    from seine_lite.vae import decode_video, encode_video

    first, last = _ends()
    video = residual_pipe.transition(first, last, num_inference_steps=4)
    z = encode_video(residual_pipe.vae, np.stack([first, last])[None])
    fill = condition_latent(z[:, :, [0] + [0] * 2 + [1]], mask_from_given([1, 0, 0, 1]), "blend")
    np.testing.assert_array_equal(video[1:-1], decode_video(residual_pipe.vae, fill)[0, 1:-1])
    composite = residual_pipe.transition(first, last, num_inference_steps=4, composite=True)
    baseline = fill_pixels(np.stack([first, first, first, last]), np.array([1, 0, 0, 1], bool), "blend")
    assert np.abs(composite.astype(int) - np.rint(baseline)).max() <= 1     # the dissolve itself


def test_the_composite_threshold_drops_small_changes_and_shrinks_large_ones():
    baseline = np.full((1, 4), 100.0, np.float32)
    fill = np.full((1, 4), 50, np.uint8)
    decoded = np.array([[50, 52, 40, 90]], np.uint8)               # changes 0, +2, -10, +40
    assert composite_pixels(decoded, fill, baseline).tolist() == [[100, 102, 90, 140]]
    assert composite_pixels(decoded, fill, baseline, threshold=3).tolist() == [[100, 100, 93, 137]]


def test_the_models_composite_threshold_is_its_default_and_a_call_can_change_it(residual_pipe):
    torch.nn.init.normal_(residual_pipe.unet.conv_out.weight, std=0.02)     # a model that changes things
    first, last = _ends(2)
    plain = residual_pipe.transition(first, last, num_inference_steps=3, composite=True)
    cut = residual_pipe.transition(first, last, num_inference_steps=3, composite=True, composite_threshold=4)
    assert (plain != cut).any()
    residual_pipe.meta["conditioning"] = {**residual_pipe.meta["conditioning"], "composite": True, "threshold": 4.0}
    assert (residual_pipe.transition(first, last, num_inference_steps=3) == cut).all()
    assert (residual_pipe.transition(first, last, num_inference_steps=3, composite_threshold=0) == plain).all()


def test_start_runs_that_share_of_the_steps_from_the_noised_fill(residual_pipe):
    steps = []
    first, last = _ends(1)
    residual_pipe.transition(first, last, num_inference_steps=10, start=0.4,
                             callback_on_step_end=lambda pipe, i, t, tensors: steps.append(int(t)) or {})
    assert len(steps) == 4 and steps == sorted(steps, reverse=True) and steps[0] < 500


@pytest.mark.parametrize("options, words", [
    (dict(start=0.0), "start must be a number in"), (dict(start=True), "start must be a number in"),
    (dict(composite="yes"), "composite must be True or False"),
    (dict(conditioning="replace"), "cannot be used with a residual model"),
    (dict(composite=True, composite_threshold=-2), "composite_threshold must be grey levels"),
    (dict(composite=True, composite_threshold="3"), "composite_threshold must be grey levels"),
    (dict(composite_threshold=3), "needs the composite")])
def test_a_bad_start_or_composite_is_refused_by_name(residual_pipe, options, words):
    with pytest.raises(ValueError, match=words):
        residual_pipe.transition(*_ends(), num_inference_steps=2, **options)


def test_a_seine_model_refuses_a_start_or_composite_it_has_no_fill_for(tiny_pipe):
    for options in (dict(start=0.5), dict(composite=True)):
        with pytest.raises(ValueError, match="needs a model trained with a fill"):
            tiny_pipe.transition(*_ends(), num_inference_steps=2, **options)


def test_a_model_folder_with_an_impossible_conditioning_is_refused_on_loading(tiny_model_dir, tmp_path):
    import json
    import shutil

    from seine_lite import SeinePipeline

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    meta = json.loads((folder / "seine_lite.json").read_text())
    meta["conditioning"] = {"fill": "zeros", "residual": True}
    (folder / "seine_lite.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="path: .*residual needs a fill"):
        SeinePipeline.from_pretrained(folder)
