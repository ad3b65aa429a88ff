"""SeinePipeline the diffusers way (issue 15): pipe.scheduler, diffusers' call arguments, devices and dtypes."""
import diffusers
import imageio.v3 as iio
import numpy as np
import pytest
import torch
from diffusers.utils import export_to_video
from PIL import Image

from seine_lite import SeinePipeline
from seine_lite.pipeline_output import SeinePipelineOutput
from seine_lite.diffusion import NoiseSchedule
from seine_lite.samplers import DDIMSampler, get_scheduler, predict_x0_and_eps
from seine_lite.text import TextEncoder

STEPS = dict(num_inference_steps=3)
pytestmark = pytest.mark.usefixtures("one_thread")


class LetterText(TextEncoder):
    """A text encoder whose states depend on the letters, so that prompts differ (the tiny model's is null)."""
    dim, max_length = 384, 8

    def encode(self, prompts):
        states = torch.zeros(len(prompts), self.max_length, self.dim)
        for i, p in enumerate(prompts):
            for j, ch in enumerate(p[:self.max_length]):
                states[i, j, ord(ch) % self.dim] = 3.0
        return states, torch.ones(len(prompts), self.max_length, dtype=torch.bool)


@pytest.fixture()
def scenes():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)


@pytest.fixture()
def text_pipe(tiny_model_dir):
    pipe = SeinePipeline.from_pretrained(tiny_model_dir, text_encoder=LetterText())
    pipe.set_progress_bar_config(disable=True)
    return pipe


# ---------------------------------------------------------------- pipe.scheduler
def test_the_default_scheduler_is_diffusers_ddim_on_the_training_schedule(tiny_pipe):
    s = tiny_pipe.scheduler
    assert isinstance(s, diffusers.DDIMScheduler) and s.config.clip_sample is False
    assert s.config.num_train_timesteps == tiny_pipe.schedule.num_train_timesteps
    assert torch.allclose(s.alphas_cumprod, tiny_pipe.schedule.alphas_cumprod)


@pytest.mark.parametrize("cls", [diffusers.DPMSolverMultistepScheduler, diffusers.EulerDiscreteScheduler,
                                 diffusers.UniPCMultistepScheduler, diffusers.DDPMScheduler])
def test_any_diffusers_scheduler_can_be_swapped_in(tiny_pipe, scenes, cls):
    tiny_pipe.scheduler = cls.from_config(tiny_pipe.scheduler.config)
    one = tiny_pipe.transition(*scenes, seed=1, paste_given=False, **STEPS)
    two = tiny_pipe.transition(*scenes, seed=1, paste_given=False, **STEPS)
    assert one.shape == (tiny_pipe.num_frames, 32, 32, 3) and one.tobytes() == two.tobytes()
    latents = tiny_pipe.transition(*scenes, seed=1, output_type="latent", **STEPS)
    assert torch.isfinite(latents).all()


def test_the_teaching_ddim_gives_the_video_of_diffusers_ddim(tiny_pipe, scenes):
    default = tiny_pipe.transition(*scenes, seed=2, output_type="latent", **STEPS)
    tiny_pipe.scheduler = DDIMSampler(tiny_pipe.schedule)
    taught = tiny_pipe.transition(*scenes, seed=2, output_type="latent", **STEPS)
    assert torch.allclose(default, taught, atol=1e-5)


def test_the_scheduler_is_saved_and_read_back(tiny_pipe, scenes, tmp_path):
    tiny_pipe.scheduler = diffusers.UniPCMultistepScheduler.from_config(tiny_pipe.scheduler.config)
    before = tiny_pipe.transition(*scenes, seed=5, **STEPS)
    tiny_pipe.save_pretrained(tmp_path / "m")
    assert (tmp_path / "m" / "scheduler" / "scheduler_config.json").is_file()
    again = SeinePipeline.from_pretrained(tmp_path / "m")
    again.set_progress_bar_config(disable=True)
    assert isinstance(again.scheduler, diffusers.UniPCMultistepScheduler)
    assert again.transition(*scenes, seed=5, **STEPS).tobytes() == before.tobytes()


def test_a_scheduler_that_is_not_one_or_cannot_work_is_refused(tiny_pipe, scenes):
    with pytest.raises(ValueError, match="scheduler"):
        tiny_pipe.scheduler = "ddim"
    tiny_pipe.scheduler = diffusers.EulerDiscreteScheduler.from_config(tiny_pipe.scheduler.config)
    with pytest.raises(ValueError, match="conditioning='replace'"):
        tiny_pipe.transition(*scenes, conditioning="replace", **STEPS)
    tiny_pipe.scheduler = diffusers.DPMSolverMultistepScheduler.from_config(tiny_pipe.scheduler.config)
    assert tiny_pipe.transition(*scenes, conditioning="replace", **STEPS).dtype == np.uint8


def test_sampler_names_stay_a_shortcut(tiny_pipe, scenes):
    by_name = tiny_pipe.transition(*scenes, seed=4, sampler="dpm++", **STEPS)
    tiny_pipe.scheduler = diffusers.DPMSolverMultistepScheduler.from_config(tiny_pipe.scheduler.config)
    assert tiny_pipe.transition(*scenes, seed=4, **STEPS).tobytes() == by_name.tobytes()


# ---------------------------------------------------------------- call arguments
def test_negative_prompt_replaces_the_empty_caption(text_pipe, scenes):
    plain = text_pipe.transition(*scenes, prompt="red", seed=0, **STEPS)
    assert text_pipe.transition(*scenes, prompt="red", negative_prompt="", seed=0, **STEPS).tobytes() == plain.tobytes()
    other = text_pipe.transition(*scenes, prompt="red", negative_prompt="blue blur", seed=0, **STEPS)
    assert not np.array_equal(plain, other)
    with pytest.raises(ValueError, match="negative_prompt"):
        text_pipe.transition(*scenes, prompt=["a", "b"], negative_prompt=["x"], **STEPS)


def test_generator_is_the_same_as_seed_and_not_both(tiny_pipe, scenes):
    by_seed = tiny_pipe.transition(*scenes, seed=9, **STEPS)
    by_generator = tiny_pipe.transition(*scenes, generator=torch.Generator().manual_seed(9), **STEPS)
    assert by_seed.tobytes() == by_generator.tobytes()
    with pytest.raises(ValueError, match="seed or generator"):
        tiny_pipe.transition(*scenes, seed=1, generator=torch.Generator(), **STEPS)
    with pytest.raises(ValueError, match="generator"):
        tiny_pipe.transition(*scenes, generator=np.random.default_rng(0), **STEPS)


def test_num_videos_per_prompt_samples_a_batch(text_pipe, scenes):
    videos = text_pipe.transition(*scenes, prompt="go", num_videos_per_prompt=2, seed=0, **STEPS)
    assert videos.shape == (2, text_pipe.num_frames, 32, 32, 3)
    assert not np.array_equal(videos[0, 1:-1], videos[1, 1:-1])
    assert (videos[:, 0] == scenes[0]).all() and (videos[:, -1] == scenes[1]).all()
    per_prompt = text_pipe.transition(*scenes, prompt=["go", "stop"], num_videos_per_prompt=2, **STEPS)
    assert per_prompt.shape[0] == 4
    with pytest.raises(ValueError, match="num_videos_per_prompt"):
        text_pipe.transition(*scenes, num_videos_per_prompt=0, **STEPS)


def test_latents_fix_the_starting_noise(tiny_pipe, scenes):
    z = tiny_pipe.transition(*scenes, output_type="latent", **STEPS)
    noise = torch.randn((1,) + tuple(z.shape), generator=torch.Generator().manual_seed(11))
    one = tiny_pipe.transition(*scenes, latents=noise, seed=0, **STEPS)
    two = tiny_pipe.transition(*scenes, latents=noise, seed=1, **STEPS)   # DDIM: the seed draws nothing else
    assert one.tobytes() == two.tobytes()
    assert one.tobytes() == tiny_pipe.transition(*scenes, seed=11, **STEPS).tobytes()
    with pytest.raises(ValueError, match="latents must have shape"):
        tiny_pipe.transition(*scenes, latents=noise[:, :2], **STEPS)
    with pytest.raises(ValueError, match="latents must be a floating-point"):
        tiny_pipe.transition(*scenes, latents=noise.long(), **STEPS)


def test_output_types(tiny_pipe, scenes, tmp_path):
    video = tiny_pipe.transition(*scenes, seed=0, **STEPS)
    as_float = tiny_pipe.transition(*scenes, seed=0, output_type="np_float", **STEPS)
    assert as_float.dtype == np.float32 and np.allclose(as_float * 255, video)
    pil = tiny_pipe.transition(*scenes, seed=0, output_type="pil", **STEPS)
    assert len(pil) == len(video) and isinstance(pil[0], Image.Image) and np.array_equal(np.asarray(pil[3]), video[3])
    pt = tiny_pipe.transition(*scenes, seed=0, output_type="pt", **STEPS)
    assert pt.shape == (len(video), 3, 32, 32) and torch.allclose(pt[2].permute(1, 2, 0) * 255,
                                                                  torch.from_numpy(video[2]).float())
    latent = tiny_pipe.transition(*scenes, seed=0, output_type="latent", **STEPS)
    assert latent.shape[1] == len(video) and latent.ndim == 4
    with pytest.raises(ValueError, match="output_type"):
        tiny_pipe.transition(*scenes, output_type="gif", **STEPS)


def test_diffusers_export_to_video_writes_np_float_output(tiny_pipe, tmp_path):
    ramp = np.linspace(0, 255, 32).astype(np.uint8)
    first = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], np.full((32, 32), 90, np.uint8)), -1)
    frames = tiny_pipe.transition(first, first[::-1], seed=0, output_type="np_float", **STEPS)

    def given_frames_error(video) -> float:   # the two given (smooth) frames, after lossy H.264
        back = iio.imread(export_to_video(list(video), str(tmp_path / "clip.mp4"), fps=8))
        return float(np.abs(back[[0, -1], :32, :32].astype(float) - frames[[0, -1]] * 255).mean())

    assert given_frames_error(frames) < 8
    assert given_frames_error((frames * 255).astype(np.uint8)) > 30   # uint8 frames come out garbled


def test_callback_sees_every_step_and_can_change_the_latents(tiny_pipe, scenes):
    seen = []

    def watch(pipe, i, t, tensors):
        seen.append((i, int(t), tuple(tensors["latents"].shape), tensors["pred_original_sample"].shape))
        return {}

    plain = tiny_pipe.transition(*scenes, seed=0, callback_on_step_end=watch,
                                 callback_on_step_end_tensor_inputs=["latents", "pred_original_sample"], **STEPS)
    assert [s[0] for s in seen] == [0, 1, 2] and seen[0][1] > seen[-1][1] and seen[0][2] == seen[0][3]
    assert plain.tobytes() == tiny_pipe.transition(*scenes, seed=0, **STEPS).tobytes()
    zeroed = tiny_pipe.transition(*scenes, seed=0, output_type="latent", callback_on_step_end=lambda p, i, t, k: {
        "latents": torch.zeros_like(k["latents"])}, **STEPS)
    assert not zeroed.any()
    with pytest.raises(ValueError, match="callback_on_step_end must be callable"):
        tiny_pipe.transition(*scenes, callback_on_step_end="print", **STEPS)
    with pytest.raises(ValueError, match="attention_maps"):
        tiny_pipe.transition(*scenes, callback_on_step_end=watch,
                             callback_on_step_end_tensor_inputs=["attention_maps"], **STEPS)


def test_call_returns_a_diffusers_output(tiny_pipe, scenes):
    frames = [scenes[0]] + [None] * (tiny_pipe.num_frames - 2) + [scenes[1]]
    out = tiny_pipe("a transition", frames, "onelast1", seed=0, **STEPS)
    assert isinstance(out, SeinePipelineOutput) and out.frames.shape[0] == 1
    assert out.frames[0].tobytes() == tiny_pipe.transition(*scenes, prompt="a transition", seed=0, **STEPS).tobytes()
    (tupled,) = tiny_pipe("a transition", frames, return_dict=False, seed=0, **STEPS)
    assert np.array_equal(tupled, out.frames)
    with pytest.raises(ValueError, match="frames is required"):
        tiny_pipe("a transition")


def test_long_tasks_take_generator_and_batches(tiny_pipe, scenes):
    start = tiny_pipe.predict(scenes[0], seed=0, **STEPS)
    longer = tiny_pipe.extend(start, new_frames=4, num_videos_per_prompt=2,
                              generator=torch.Generator().manual_seed(1), **STEPS)
    assert longer.shape == (2, len(start) + 4, 32, 32, 3) and (longer[:, :len(start)] == start).all()
    stories = tiny_pipe.story([scenes[0], scenes[1]], num_videos_per_prompt=2, **STEPS)
    assert len(stories) == 2 and stories[0].segments == stories[1].segments
    assert stories[0].shape == tiny_pipe.story([scenes[0], scenes[1]], **STEPS).shape
    with pytest.raises(ValueError, match="output_type"):
        tiny_pipe.extend(start, output_type="latent", **STEPS)


# ---------------------------------------------------------------- devices and dtypes
def test_to_moves_every_part_and_casts(tiny_model_dir, scenes):
    pipe = SeinePipeline.from_pretrained(tiny_model_dir, device="auto", torch_dtype=torch.bfloat16)
    pipe.set_progress_bar_config(disable=True)
    assert pipe.dtype == torch.bfloat16 and next(pipe.unet.parameters()).dtype == torch.bfloat16
    assert next(pipe.vae.parameters()).dtype == torch.bfloat16 and pipe.text_encoder.device == pipe.device
    video = pipe.transition(*scenes, seed=0, **STEPS)
    assert video.dtype == np.uint8 and video.shape == (pipe.num_frames, 32, 32, 3)
    pipe.to(torch.float32)
    assert next(pipe.unet.parameters()).dtype == torch.float32
    with pytest.raises(ValueError, match="dtype"):
        pipe.to("cpu", torch.int8)
    with pytest.raises(ValueError, match="torch_dtype"):
        SeinePipeline.from_pretrained(tiny_model_dir, torch_dtype="float64")
    with pytest.raises(ValueError, match="device"):
        SeinePipeline.from_pretrained(tiny_model_dir, device="tpu")


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
def test_our_x0_for_schedulers_that_report_none_is_diffusers_ddim_x0(prediction_type):
    """The callback's pred_original_sample under DPM-Solver or UniPC comes from predict_x0_and_eps."""
    schedule = NoiseSchedule(prediction_type=prediction_type)
    ddim = get_scheduler("ddim", schedule)
    ddim.set_timesteps(10)
    g = torch.Generator().manual_seed(0)
    sample, output = torch.randn(2, 4, 3, 4, 4, generator=g), torch.randn(2, 4, 3, 4, 4, generator=g)
    t = ddim.timesteps[2]
    ours = predict_x0_and_eps(output, sample, schedule.alphas_cumprod[int(t)], prediction_type)[0]
    assert torch.allclose(ours, ddim.step(output, t, sample).pred_original_sample, atol=1e-5)
