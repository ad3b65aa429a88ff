"""SeinePipeline's public contract (docs/design.md), on a tiny random model."""
import numpy as np
import pytest
import torch
from PIL import Image

from seine_lite import SeinePipeline

STEPS = dict(num_inference_steps=2)


@pytest.fixture()
def scenes():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)


def test_transition_shape_dtype_and_given_frames_in_place(tiny_pipe, scenes):
    a, b = scenes
    video = tiny_pipe.transition(a, b, prompt="a red circle", **STEPS)
    assert video.shape == (tiny_pipe.num_frames, 32, 32, 3) and video.dtype == np.uint8
    assert (video[0] == a).all() and (video[-1] == b).all()
    assert tiny_pipe.resolution == (32, 32)


def test_same_seed_same_bytes_other_seed_differs(tiny_pipe, scenes):
    a, b = scenes
    one = tiny_pipe.transition(a, b, prompt="x", seed=3, **STEPS)
    two = tiny_pipe.transition(a, b, prompt="x", seed=3, **STEPS)
    other = tiny_pipe.transition(a, b, prompt="x", seed=4, **STEPS)
    assert one.tobytes() == two.tobytes()
    assert not np.array_equal(one[1:-1], other[1:-1])


def test_model_regenerates_given_frames_unless_pasted(tiny_pipe, scenes):
    a, b = scenes
    raw = tiny_pipe.transition(a, b, paste_given=False, **STEPS)
    assert not np.array_equal(raw[0], a)  # a random model cannot reproduce the input exactly


def test_inputs_of_any_kind_and_size(tiny_pipe, tmp_path):
    big = np.zeros((90, 60, 3), dtype=np.uint8)
    big[:, :, 0] = 255
    path = tmp_path / "red.png"
    Image.fromarray(big).save(path)
    grey = np.full((40, 40), 0.5, dtype=np.float32)
    rgba = Image.fromarray(np.full((50, 70, 4), 200, dtype=np.uint8), "RGBA")
    video = tiny_pipe.transition(str(path), grey, **STEPS)
    assert (video[0][..., 0] == 255).all() and (video[0][..., 1:] == 0).all()
    assert np.allclose(video[-1], 128, atol=1)
    assert tiny_pipe.predict(rgba, **STEPS).shape == (4, 32, 32, 3)


def test_predict_keeps_context_frames(tiny_pipe, scenes):
    a, b = scenes
    video = tiny_pipe.predict([a, b], prompt="moving left", **STEPS)
    assert (video[0] == a).all() and (video[1] == b).all()


def test_generate_any_layout(tiny_pipe, scenes):
    a, b = scenes
    video = tiny_pipe.generate([a, None, b, None], mask="x.x.", **STEPS)
    assert (video[0] == a).all() and (video[2] == b).all()
    t2v = tiny_pipe.generate([None] * 4, mask="all", prompt="a blue square", **STEPS)
    assert t2v.shape == (4, 32, 32, 3)


def test_extend_grows_by_new_frames_and_keeps_the_start(tiny_pipe, scenes):
    a, b = scenes
    clip = tiny_pipe.transition(a, b, **STEPS)
    longer = tiny_pipe.extend(clip, new_frames=7, context_frames=2, **STEPS)
    assert longer.shape == (11, 32, 32, 3)
    assert np.array_equal(longer[:4], clip)


def test_story_segments_cover_the_video(tiny_pipe, scenes):
    a, b = scenes
    story = tiny_pipe.story([a, (b, "a green square"), a], transition_frames=2, **STEPS)
    kinds = [s[0] for s in story.segments]
    assert kinds == ["shot", "transition", "shot", "transition", "shot"]
    assert story.segments[-1][2] == len(story) == 3 * 4 + 2 * 2
    assert story.boundaries == [0, 6, 12]
    assert (story[0] == a).all() and (story[6] == b).all()

    part = story[5:13]                     # the end of a transition, a shot, a transition, a shot's start
    text = [seg[3] for seg in story.segments]
    assert part.segments == [("transition", 0, 1, text[1]), ("shot", 1, 5, text[2]),
                             ("transition", 5, 7, text[3]), ("shot", 7, 8, text[4])]
    assert part.boundaries == [1, 7] and np.array_equal(part, np.asarray(story)[5:13])
    assert type(story[3]).__name__ == "ndarray" and type(story[::2]).__name__ == "ndarray"  # no segments


def test_save_and_load_give_the_same_video(tiny_pipe, scenes, tmp_path):
    a, b = scenes
    tiny_pipe.save_pretrained(tmp_path / "copy")
    again = SeinePipeline.from_pretrained(tmp_path / "copy")
    again.set_progress_bar_config(disable=True)
    assert np.array_equal(tiny_pipe.transition(a, b, seed=1, **STEPS), again.transition(a, b, seed=1, **STEPS))


def test_guidance_scale_one_ignores_nothing_but_runs(tiny_pipe, scenes):
    a, b = scenes
    assert tiny_pipe.transition(a, b, guidance_scale=1.0, **STEPS).shape == (4, 32, 32, 3)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(prompt=""), "prompt"),
    (dict(prompt="x" * 10_000), "prompt"),
    (dict(prompt=3), "prompt"),
    (dict(seed="0"), "seed"),
    (dict(seed=1.5), "seed"),
    (dict(num_inference_steps=0), "num_inference_steps"),
    (dict(guidance_scale=float("nan")), "guidance_scale"),
    (dict(sampler="heun"), "sampler"),
])
def test_bad_arguments_are_named(tiny_pipe, scenes, kwargs, argument):
    a, b = scenes
    with pytest.raises(ValueError, match=argument):
        tiny_pipe.transition(a, b, **{**STEPS, **kwargs})


def test_bad_frames_and_masks_are_named(tiny_pipe, scenes):
    a, b = scenes
    with pytest.raises(ValueError, match="nothing is left to generate"):
        tiny_pipe.generate([a, a, a, a], mask="xxxx", **STEPS)
    with pytest.raises(ValueError, match="layout"):
        tiny_pipe.generate([a, None, None, b], mask="x..", **STEPS)
    with pytest.raises(ValueError, match=r"frames\[3\]"):
        tiny_pipe.generate([a, None, None, None], mask="onelast1", **STEPS)
    with pytest.raises(ValueError, match="frames has 3"):
        tiny_pipe.generate([a, None, b], mask="onelast1", **STEPS)
    with pytest.raises(ValueError, match="context"):
        tiny_pipe.predict([a] * 4, **STEPS)
    with pytest.raises(ValueError, match="first"):
        tiny_pipe.transition(np.full((8, 8, 3), np.nan), b, **STEPS)
    with pytest.raises(FileNotFoundError, match="last"):
        tiny_pipe.transition(a, "/no/such/image.png", **STEPS)


def test_from_pretrained_refuses_what_is_not_a_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="path"):
        SeinePipeline.from_pretrained(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="not a seine_lite model folder"):
        SeinePipeline.from_pretrained(tmp_path / "empty")
    (tmp_path / "model.ckpt").write_bytes(b"not really a pickle")
    with pytest.raises(ValueError, match="pickle"):
        SeinePipeline.from_pretrained(tmp_path / "model.ckpt")


def test_device_auto_takes_the_best_device_here(tiny_pipe):
    expected = "cuda" if torch.cuda.is_available() else (
        "mps" if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available() else "cpu")
    before = tiny_pipe.device
    assert tiny_pipe.to("auto").device.type == expected
    assert next(tiny_pipe.unet.parameters()).device.type == expected
    tiny_pipe.to(before)                 # the device the tests run on (scripts/gpu_check.sh: cuda)
