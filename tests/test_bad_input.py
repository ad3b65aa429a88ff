"""A corpus of bad input, through the public API and the `seine-lite` command.

API: each mistake raises ValueError / FileNotFoundError whose message names the argument.
CLI: one line on stderr naming it, exit code 2, and no output (not even half a file) left behind.
Odd but valid input works: 1x1 images, extreme aspect ratios, non-ASCII prompts, text-to-video.
"""
import json
import re
import shutil

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from seine_lite import SeinePipeline
from seine_lite.cli import main
from seine_lite.data.video_io import read_image, read_video, write_video
from seine_lite.unet import unet_config_for

ONE = dict(num_inference_steps=1)
IMG = np.full((32, 32, 3), 120, np.uint8)
CLIP = np.stack([IMG, IMG + 10, IMG + 20, IMG + 30])
WEIGHTS = "diffusion_pytorch_model.safetensors"


@pytest.fixture(scope="module")
def pipe(tiny_model_dir):
    pipe = SeinePipeline.from_pretrained(tiny_model_dir)
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Good, broken and misnamed files, written once."""
    d = tmp_path_factory.mktemp("files")
    Image.fromarray(np.full((48, 40, 3), 200, np.uint8)).save(d / "good.png")
    png = (d / "good.png").read_bytes()
    (d / "truncated.png").write_bytes(png[: len(png) // 2])
    (d / "text.png").write_text("this is not a picture")
    (d / "folder.png").mkdir()
    frames = [Image.fromarray(np.full((16, 16, 3), v, np.uint8)) for v in (0, 255)]
    frames[0].save(d / "anim.gif", save_all=True, append_images=frames[1:])
    write_video(d / "good.mp4", np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3), dtype=np.uint8))
    mp4 = (d / "good.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(mp4[: len(mp4) // 2])
    (d / "empty.mp4").write_bytes(b"")
    (d / "text.mp4").write_text("not a video")
    return d


# ----------------------------------------------------------------------------- API: refused
def _arr(shape, dtype=np.uint8, fill=0):
    return np.full(shape, fill, dtype=dtype)


BAD_CALLS = [  # (id, call(pipe, files), error, regex the message must match)
    # images: size, dtype, channels, values, files
    ("0x0 image", lambda p, f: p.predict(_arr((0, 0, 3)), **ONE), ValueError, r"context\[0\].*non-empty"),
    ("0-height image", lambda p, f: p.transition(_arr((0, 9, 3)), IMG, **ONE), ValueError, r"^first.*non-empty"),
    ("int64 image", lambda p, f: p.predict(_arr((32, 32, 3), np.int64), **ONE), ValueError, r"context\[0\].*dtype"),
    ("uint16 image", lambda p, f: p.transition(IMG, _arr((8, 8, 3), np.uint16), **ONE), ValueError, "^last.*dtype"),
    ("float64 above 1", lambda p, f: p.predict(_arr((8, 8, 3), float, 2.0), **ONE), ValueError,
     r"context\[0\].*\[0, 1\]"),
    ("float64 below 0", lambda p, f: p.predict(_arr((8, 8, 3), float, -0.5), **ONE), ValueError, r"\[0, 1\]"),
    ("float 0..255", lambda p, f: p.predict(_arr((8, 8, 3), np.float32, 255.0), **ONE), ValueError, r"\[0, 1\]"),
    ("bool image", lambda p, f: p.predict(_arr((8, 8, 3), bool), **ONE), ValueError, r"context\[0\].*dtype"),
    ("complex image", lambda p, f: p.predict(_arr((8, 8, 3), complex), **ONE), ValueError, r"context\[0\].*dtype"),
    ("object image", lambda p, f: p.predict(np.array([[None]]), **ONE), ValueError, r"context\[0\]"),
    ("2 channels", lambda p, f: p.predict(_arr((8, 8, 2)), **ONE), ValueError, r"context\[0\].*shape"),
    ("5 channels", lambda p, f: p.predict(_arr((8, 8, 5)), **ONE), ValueError, r"context\[0\].*shape"),
    ("channels first", lambda p, f: p.transition(_arr((3, 32, 32)), IMG, **ONE), ValueError, "^first.*shape"),
    ("5-D context", lambda p, f: p.predict(_arr((1, 2, 8, 8, 3)), **ONE), ValueError, r"context\[0\].*shape"),
    ("NaN", lambda p, f: p.predict(_arr((8, 8, 3), np.float32, np.nan), **ONE), ValueError, r"context\[0\].*finite"),
    ("inf", lambda p, f: p.transition(IMG, _arr((8, 8, 3), float, np.inf), **ONE), ValueError, "^last.*finite"),
    ("one NaN pixel", lambda p, f: p.story([IMG, np.where(np.eye(8)[..., None] > 0, np.nan, 0.5)], **ONE),
     ValueError, r"shots\[1\].*finite"),
    ("None image", lambda p, f: p.transition(None, IMG, **ONE), ValueError, "^first.*got None"),
    ("bytes image", lambda p, f: p.predict(b"\x89PNG", **ONE), ValueError, r"context\[0\].*got bytes"),
    ("text file named .png", lambda p, f: p.predict(str(f / "text.png"), **ONE), ValueError,
     r"context\[0\].*not an image"),
    ("truncated PNG", lambda p, f: p.transition(f / "truncated.png", IMG, **ONE), ValueError, "^first.*not an image"),
    ("missing image file", lambda p, f: p.transition(IMG, f / "nope.png", **ONE), FileNotFoundError, "^last.*no such"),
    ("folder as image", lambda p, f: p.predict(f / "folder.png", **ONE), FileNotFoundError,
     r"context\[0\]: .*folder.png' is a folder"),
    ("URL as image", lambda p, f: p.transition("https://x/y.png", IMG, **ONE), ValueError,
     r"^first: 'https://x/y\.png' is a URL, and nothing is downloaded"),
    ("animated GIF as image", lambda p, f: p.predict(f / "anim.gif", **ONE), ValueError,
     r"context\[0\]: .*anim.gif' is an animated image \(2 frames\).*pass one frame"),
    # prompts
    ("empty prompt", lambda p, f: p.predict(IMG, prompt="", **ONE), ValueError, "^prompt is empty"),
    ("blank prompt", lambda p, f: p.predict(IMG, prompt=" \n\t", **ONE), ValueError, "^prompt is empty"),
    ("1001-char prompt", lambda p, f: p.predict(IMG, prompt="a" * 1001, **ONE), ValueError, "^prompt has 1001"),
    ("prompt not text", lambda p, f: p.predict(IMG, prompt=7, **ONE), ValueError, "^prompt must be text"),
    ("empty prompt list", lambda p, f: p.predict(IMG, prompt=[], **ONE), ValueError, "^prompt is an empty list"),
    ("prompt list holds a number", lambda p, f: p.predict(IMG, prompt=["a", 3], **ONE), ValueError,
     r"^prompt\[1\] must be text"),
    ("bytes prompt", lambda p, f: p.predict(IMG, prompt="café".encode(), **ONE), ValueError, "^prompt must be text"),
    ("NUL in prompt", lambda p, f: p.predict(IMG, prompt="a red\x00 circle", **ONE), ValueError, "^prompt holds a NUL"),
    ("lone surrogate", lambda p, f: p.predict(IMG, prompt="caf\udce9", **ONE), ValueError, "^prompt holds a lone"),
    ("shot prompt int", lambda p, f: p.story([(IMG, 3)], **ONE), ValueError, r"^shots\[0\] prompt"),
    ("shot triple", lambda p, f: p.story([IMG, (IMG, "a", "b")], **ONE), ValueError, r"^shots\[1\].*pair"),
    ("empty transition_prompt", lambda p, f: p.story([IMG, IMG], transition_prompt="", **ONE), ValueError,
     "^transition_prompt"),
    # layouts and frame lists
    ("unknown layout", lambda p, f: p.generate(list(CLIP), mask="middle2", **ONE), ValueError, "^layout must be"),
    ("layout outside the clip", lambda p, f: p.generate(list(CLIP), mask="first9", **ONE), ValueError,
     "^layout 'first9'"),
    ("picture too short", lambda p, f: p.generate(list(CLIP), mask="x..", **ONE), ValueError, "^layout picture"),
    ("picture gives all", lambda p, f: p.generate(list(CLIP), mask="xxxx", **ONE), ValueError, "nothing is left"),
    ("last4 gives all", lambda p, f: p.generate(list(CLIP), mask="last4", **ONE), ValueError, "nothing is left"),
    ("mask ints", lambda p, f: p.generate(list(CLIP), mask=[1, 0, 0, 1], **ONE), ValueError, "^mask must be"),
    ("mask too short", lambda p, f: p.generate(list(CLIP), mask=np.array([True, False]), **ONE), ValueError, "^mask"),
    ("mask of a number", lambda p, f: p.generate(list(CLIP), mask=3, **ONE), ValueError, "^mask"),
    ("given frame is None", lambda p, f: p.generate([IMG, None, None, None], mask="onelast1", **ONE), ValueError,
     r"^frames\[3\] is None"),
    ("5 frames for 4", lambda p, f: p.generate(list(CLIP) + [IMG], mask="first1", **ONE), ValueError, "^frames has 5"),
    ("no frames", lambda p, f: p.generate([], mask="all", **ONE), ValueError, "^frames is empty"),
    ("frames a dict", lambda p, f: p.generate({0: IMG}, mask="first1", **ONE), ValueError, "^frames must be"),
    ("context fills the clip", lambda p, f: p.predict(list(CLIP), **ONE), ValueError, "^context has 4"),
    ("paste_given text", lambda p, f: p.generate(list(CLIP), mask="first1", paste_given="no", **ONE), ValueError,
     "^paste_given"),
    # counts out of range
    ("context_frames 0", lambda p, f: p.extend(CLIP, context_frames=0, **ONE), ValueError,
     r"^context_frames .*\[1, 3\]"),
    ("context_frames 4", lambda p, f: p.extend(CLIP, context_frames=4, **ONE), ValueError,
     r"^context_frames .*\[1, 3\]"),
    ("context_frames > video", lambda p, f: p.extend(CLIP[:2], context_frames=3, **ONE), ValueError,
     "context_frames=3"),
    ("context_frames float", lambda p, f: p.extend(CLIP, context_frames=2.0, **ONE), ValueError, "^context_frames"),
    ("new_frames 0", lambda p, f: p.extend(CLIP, new_frames=0, **ONE), ValueError, "^new_frames"),
    ("new_frames text", lambda p, f: p.extend(CLIP, new_frames="8", **ONE), ValueError, "^new_frames"),
    ("extend one image", lambda p, f: p.extend(IMG, **ONE), ValueError, "^video must be"),
    ("transition_frames 0", lambda p, f: p.story([IMG, IMG], transition_frames=0, **ONE), ValueError,
     r"^transition_frames .*\[1, 2\]"),
    ("transition_frames 3", lambda p, f: p.story([IMG, IMG], transition_frames=3, **ONE), ValueError,
     r"^transition_frames .*\[1, 2\]"),
    ("transition_frames True", lambda p, f: p.story([IMG, IMG], transition_frames=True, **ONE), ValueError,
     "^transition_frames"),
    ("no shots", lambda p, f: p.story([], **ONE), ValueError, "^shots is empty"),
    ("num_inference_steps 0", lambda p, f: p.predict(IMG, num_inference_steps=0), ValueError, "^num_inference_steps"),
    ("num_inference_steps 2.0", lambda p, f: p.predict(IMG, num_inference_steps=2.0), ValueError,
     "^num_inference_steps"),
    ("guidance inf", lambda p, f: p.predict(IMG, guidance_scale=float("inf"), **ONE), ValueError, "^guidance_scale"),
    ("guidance text", lambda p, f: p.predict(IMG, guidance_scale="3", **ONE), ValueError, "^guidance_scale"),
    ("sampler", lambda p, f: p.predict(IMG, sampler="heun", **ONE), ValueError, "^sampler"),
    # diffusers' call arguments
    ("output_type", lambda p, f: p.predict(IMG, output_type="mp4", **ONE), ValueError, "^output_type must be one of"),
    ("negative_prompt list", lambda p, f: p.predict(IMG, prompt="a", negative_prompt=["b", "c"], **ONE), ValueError,
     "^negative_prompt has 2 entries"),
    ("negative_prompt NUL", lambda p, f: p.predict(IMG, negative_prompt="a\x00", **ONE), ValueError,
     "^negative_prompt holds a NUL"),
    ("num_videos_per_prompt 0", lambda p, f: p.predict(IMG, num_videos_per_prompt=0, **ONE), ValueError,
     "^num_videos_per_prompt must be"),
    ("latents shape", lambda p, f: p.predict(IMG, latents=torch.zeros(1, 4, 2, 2, 2), **ONE), ValueError,
     "^latents must have shape"),
    ("latents dtype", lambda p, f: p.predict(IMG, latents=np.zeros(3), **ONE), ValueError,
     "^latents must be a torch.Tensor"),
    ("callback not callable", lambda p, f: p.predict(IMG, callback_on_step_end=3, **ONE), ValueError,
     "^callback_on_step_end must be callable"),
    ("callback tensor", lambda p, f: p.predict(IMG, callback_on_step_end=print,
                                                callback_on_step_end_tensor_inputs=["eps"], **ONE), ValueError,
     r"^callback_on_step_end_tensor_inputs asks for \['eps'\]"),
    ("callback returns text", lambda p, f: p.predict(IMG, callback_on_step_end=lambda *a: "x", **ONE), ValueError,
     "^callback_on_step_end must return a dict"),
    ("generator and seed", lambda p, f: p.predict(IMG, seed=1, generator=torch.Generator(), **ONE), ValueError,
     "^pass seed or generator"),
    ("scheduler object", lambda p, f: setattr(p, "scheduler", object()), ValueError, "^scheduler must be a diffusers"),
    ("torch_dtype", lambda p, f: p.to("cpu", torch.float64), ValueError, "^dtype must be"),
    # seeds
    ("seed str", lambda p, f: p.predict(IMG, seed="1", **ONE), ValueError, "^seed must be an integer"),
    ("seed float", lambda p, f: p.predict(IMG, seed=1.0, **ONE), ValueError, "^seed must be an integer"),
    ("seed bool", lambda p, f: p.transition(IMG, IMG, seed=True, **ONE), ValueError, "^seed must be an integer"),
    ("seed list", lambda p, f: p.predict(IMG, seed=[1], **ONE), ValueError, "^seed must be an integer"),
    ("seed negative", lambda p, f: p.predict(IMG, seed=-1, **ONE), ValueError, r"^seed must be in \[0, 2\*\*63\)"),
    ("seed 2**63", lambda p, f: p.predict(IMG, seed=2 ** 63, **ONE), ValueError, "^seed must be in"),
    ("extend seed str", lambda p, f: p.extend(CLIP, seed="x", **ONE), ValueError, "^seed"),
    ("story seed negative", lambda p, f: p.story([IMG, IMG], seed=-5, **ONE), ValueError, "^seed"),
    # devices
    ("device name", lambda p, f: p.to("gpu0"), ValueError, "^device must be"),
    ("device absent", lambda p, f: p.to("cuda:99" if torch.cuda.is_available() else "cuda"), ValueError, "^device"),
]


@pytest.mark.parametrize("call, error, match", [c[1:] for c in BAD_CALLS], ids=[c[0] for c in BAD_CALLS])
def test_bad_api_input_names_the_argument(pipe, files, call, error, match):
    with pytest.raises(error, match=match):
        call(pipe, files)
    assert pipe.device.type == "cpu"  # a refused .to() changes nothing


# ----------------------------------------------------------------------------- API: odd but valid
GOOD_CALLS = [
    ("1x1 image", lambda p: p.predict(_arr((1, 1, 3), fill=9), **ONE)),
    ("1x1000 image", lambda p: p.predict(_arr((1, 1000, 3), fill=9), **ONE)),
    ("1000x1 image", lambda p: p.transition(_arr((1000, 1, 3)), _arr((1, 1)), **ONE)),
    ("1x100000 image", lambda p: p.predict(_arr((1, 100_000, 3), fill=9), **ONE)),
    ("2x2 grey float", lambda p: p.predict(_arr((2, 2), np.float64, 0.25), **ONE)),
    ("(H, W, 1)", lambda p: p.predict(_arr((20, 30, 1), fill=77), **ONE)),
    ("RGBA float16", lambda p: p.predict(_arr((16, 16, 4), np.float16, 0.5), **ONE)),
    ("PIL grey", lambda p: p.predict(Image.new("L", (7, 5), 30), **ONE)),
    ("numpy seed", lambda p: p.predict(IMG, seed=np.int64(5), **ONE)),
    ("largest seed", lambda p: p.predict(IMG, seed=2 ** 63 - 1, **ONE)),
    ("1000-char prompt", lambda p: p.predict(IMG, prompt="b" * 1000, **ONE)),
    ("text-to-video: nothing given", lambda p: p.generate([None] * 4, mask="all", prompt="a blue square", **ONE)),
    ("text-to-video: all-False mask", lambda p: p.generate([None] * 4, mask=[False] * 4, **ONE)),
    ("bool list mask", lambda p: p.generate([IMG, None, None, IMG], mask=[True, False, False, True], **ONE)),
    ("unused frames ignored", lambda p: p.generate([IMG, "not used", 3, None], mask="first1", **ONE)),
    ("context_frames 3", lambda p: p.extend(CLIP, context_frames=3, new_frames=2, **ONE)),
    ("transition_frames 1", lambda p: p.story([IMG, IMG], transition_frames=1, **ONE)),
    ("shots as an array", lambda p: p.story(CLIP[:2], transition_frames=2, **ONE)),
]


@pytest.mark.parametrize("call", [c[1] for c in GOOD_CALLS], ids=[c[0] for c in GOOD_CALLS])
def test_odd_but_valid_input_works(pipe, call):
    video = call(pipe)
    assert video.dtype == np.uint8 and video.ndim == 4 and video.shape[1:] == (32, 32, 3)
    assert len(video) >= pipe.num_frames


def test_tiny_images_are_resized_to_the_model_size(pipe):
    video = pipe.predict(_arr((1, 1, 3), fill=200), **ONE)
    assert (video[0] == 200).all()  # the given frame, scaled up, comes back exactly
    stripes = np.zeros((2, 1000, 3), np.uint8)
    stripes[:, 490:510] = 255  # only the centre of an extreme panorama is kept
    assert pipe.predict(stripes, **ONE)[0].mean() > 100


@pytest.fixture(scope="module")
def minilm_pipe(tiny_model_dir):
    """The tiny model with the real (bundled) MiniLM tokenizer and encoder, so text is really read."""
    from seine_lite.text import load_text_encoder

    pipe = SeinePipeline.from_pretrained(tiny_model_dir, text_encoder=load_text_encoder("minilm"))
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.mark.parametrize("prompt", ["一只红色的圆 🎈", "🎈", "Ünïcödé café — naïve", "دائرة حمراء",
                                    "a\u200bb\u0301 \U0001F600\n\ttabs", "🎈" * 1000])
def test_non_ascii_prompts_work(minilm_pipe, prompt):
    video = minilm_pipe.predict(IMG, prompt=prompt, seed=1, **ONE)
    assert video.shape == (4, 32, 32, 3) and video.dtype == np.uint8
    assert video.tobytes() == minilm_pipe.predict(IMG, prompt=prompt, seed=1, **ONE).tobytes()
    states, mask = minilm_pipe.text_encoder.encode([prompt, ""])
    assert mask[0].sum() > mask[1].sum()  # the prompt became tokens, not an empty caption


# ----------------------------------------------------------------------------- API: broken model folders
def _truncate(path, keep=None):
    """Keep the first `keep` bytes (default: half), as a copy or a write cut short would."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 if keep is None else keep])


def _edit_json(path, **changes):
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


BROKEN_FOLDERS = [  # (id, damage(folder), error, regex)
    ("truncated unet weights", lambda d: _truncate(d / "unet" / WEIGHTS), ValueError, "not a complete safetensors"),
    ("16 bytes of unet weights", lambda d: _truncate(d / "unet" / WEIGHTS, 16), ValueError,
     "not a complete safetensors"),
    ("empty vae weights", lambda d: (d / "vae" / WEIGHTS).write_bytes(b""), ValueError, "not a complete safetensors"),
    ("no unet weights", lambda d: (d / "unet" / WEIGHTS).unlink(), ValueError, "no safetensors weights"),
    ("pickle unet weights", lambda d: (d / "unet" / WEIGHTS).rename(d / "unet" / "model.bin"), ValueError, "pickle"),
    ("no unet/config.json", lambda d: (d / "unet" / "config.json").unlink(), ValueError, "missing unet/config.json"),
    ("no seine_lite.json", lambda d: (d / "seine_lite.json").unlink(), ValueError, "missing seine_lite.json"),
    ("unet config not JSON", lambda d: (d / "unet" / "config.json").write_text("{oops"), ValueError, "not valid JSON"),
    ("half a vae config", lambda d: _truncate(d / "vae" / "config.json"), ValueError, "not valid JSON"),
    ("binary config", lambda d: (d / "unet" / "config.json").write_bytes(b"\xff\xfe\x00"), ValueError,
     "not valid JSON"),
    ("seine_lite.json not JSON", lambda d: (d / "seine_lite.json").write_text("preset: tiny"), ValueError,
     "not valid JSON"),
    ("seine_lite.json a list", lambda d: (d / "seine_lite.json").write_text("[4, 32]"), ValueError, "JSON object"),
    ("seine_lite.json without size", lambda d: (d / "seine_lite.json").write_text('{"num_frames": 4}'), ValueError,
     "'size'"),
    ("num_frames as text", lambda d: _edit_json(d / "seine_lite.json", num_frames="4"), ValueError, "'num_frames'"),
    ("unknown condition", lambda d: _edit_json(d / "seine_lite.json", condition="paste"), ValueError, "'condition'"),
    ("unet config of the cpu preset", lambda d: _edit_json(d / "unet" / "config.json",
                                                           **unet_config_for("cpu", text_dim=384)),
     ValueError, "could not load"),
]


@pytest.mark.parametrize("damage, error, match", [c[1:] for c in BROKEN_FOLDERS], ids=[c[0] for c in BROKEN_FOLDERS])
def test_broken_model_folders_are_named(tiny_model_dir, tmp_path, damage, error, match):
    folder = shutil.copytree(tiny_model_dir, tmp_path / "model")
    damage(folder)
    with pytest.raises(error, match=f"^path: .*{match}"):
        SeinePipeline.from_pretrained(folder)


def test_missing_model_folder_and_a_file(tmp_path, files):
    with pytest.raises(FileNotFoundError, match="^path: no such folder"):
        SeinePipeline.from_pretrained(tmp_path / "missing")
    with pytest.raises(ValueError, match="^path: expected a model folder"):
        SeinePipeline.from_pretrained(files / "good.png")


# ----------------------------------------------------------------------------- CLI: generating commands
def _shots(f, text):
    (f / "shots.yaml").write_text(text.replace("GOOD", str(f / "good.png")))
    return f / "shots.yaml"


BAD_COMMANDS = [  # (id, argv(files, model, out) before the common options, regex for stderr)
    ("text file as image", lambda f, m: ["transition", f / "text.png", f / "good.png"], "first: .*not an image"),
    ("truncated PNG", lambda f, m: ["predict", f / "truncated.png"], r"context\[0\]: .*not an image"),
    ("missing image", lambda f, m: ["transition", f / "good.png", f / "none.png"], "last: no such image"),
    ("folder as image", lambda f, m: ["predict", f / "folder.png"], r"context\[0\]: .* is a folder"),
    ("URL as image", lambda f, m: ["transition", "https://x/y.png", f / "good.png"],
     r"first: 'https://x/y\.png' is a URL"),
    ("animated GIF as image", lambda f, m: ["predict", f / "anim.gif"], r"context\[0\]: .* animated image"),
    ("truncated MP4", lambda f, m: ["extend", f / "truncated.mp4"], "path: could not decode"),
    ("empty MP4", lambda f, m: ["extend", f / "empty.mp4"], "path: could not decode"),
    ("text file as MP4", lambda f, m: ["extend", f / "text.mp4"], "path: could not decode"),
    ("image as video", lambda f, m: ["extend", f / "good.png"], "path: expected a video file"),
    ("--context-frames 0", lambda f, m: ["extend", f / "good.mp4", "--context-frames", "0"], "context_frames"),
    ("--context-frames 9", lambda f, m: ["extend", f / "good.mp4", "--context-frames", "9"], "context_frames"),
    ("--new-frames 0", lambda f, m: ["extend", f / "good.mp4", "--new-frames", "0"], "new_frames"),
    ("--seed -1", lambda f, m: ["predict", f / "good.png", "--seed", "-1"], "seed must be in"),
    ("--seed abc", lambda f, m: ["predict", f / "good.png", "--seed", "abc"], "--seed: invalid int"),
    ("--seed 1.5", lambda f, m: ["predict", f / "good.png", "--seed", "1.5"], "--seed: invalid int"),
    ("empty --prompt", lambda f, m: ["predict", f / "good.png", "--prompt", ""], "prompt is empty"),
    ("long --prompt", lambda f, m: ["predict", f / "good.png", "--prompt", "z" * 5000], "prompt has 5000"),
    ("undecodable --prompt", lambda f, m: ["predict", f / "good.png", "--prompt", "caf\udce9"], "lone surrogate"),
    ("--sampler", lambda f, m: ["predict", f / "good.png", "--sampler", "heun"], "sampler"),
    ("--negative-prompt", lambda f, m: ["predict", f / "good.png", "--negative-prompt", "z" * 5000], "negative_prompt has 5000"),
    ("--guidance nan", lambda f, m: ["predict", f / "good.png", "--guidance", "nan"], "guidance_scale"),
    ("--fps 0", lambda f, m: ["predict", f / "good.png", "--fps", "0"], "fps"),
    ("--device", lambda f, m: ["predict", f / "good.png", "--device", "tpu7"], "device must be"),
    ("too many images", lambda f, m: ["predict"] + [f / "good.png"] * 4, "context has 4"),
    ("story transition_frames", lambda f, m: ["story", _shots(f, "transition_frames: 99\nshots:\n  - image: GOOD\n")],
     "transition_frames"),
    ("story extend_frames", lambda f, m: ["story", _shots(f, "extend_frames: -3\nshots:\n  - image: GOOD\n")],
     "extend_frames"),
    ("story prompt number", lambda f, m: ["story", _shots(f, "shots:\n  - image: GOOD\n    prompt: 3\n")],
     r"shots\[0\] prompt"),
    ("story not YAML", lambda f, m: ["story", _shots(f, "shots: [\n")], "shots: .*not valid YAML"),
    ("story image text file", lambda f, m: ["story", _shots(f, f"shots:\n  - image: {f / 'text.png'}\n")],
     r"shots\[0\]: .*not an image"),
    ("--model half-written", lambda f, m: ["predict", f / "good.png", "--model", m("truncated")],
     "path: .*not a complete safetensors"),
    ("--model no unet config", lambda f, m: ["predict", f / "good.png", "--model", m("no_config")],
     "missing unet/config.json"),
    ("--model config not JSON", lambda f, m: ["predict", f / "good.png", "--model", m("bad_json")], "not valid JSON"),
    ("--model missing", lambda f, m: ["predict", f / "good.png", "--model", f / "no_model"], "path: no such folder"),
]


@pytest.fixture(scope="module")
def broken_models(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("broken_models")
    damages = {"truncated": lambda d: _truncate(d / "unet" / WEIGHTS),
               "no_config": lambda d: (d / "unet" / "config.json").unlink(),
               "bad_json": lambda d: (d / "vae" / "config.json").write_text("{")}
    for name, damage in damages.items():
        damage(shutil.copytree(tiny_model_dir, root / name))
    return lambda name: root / name


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.err.strip()


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("make_argv, match", [c[1:] for c in BAD_COMMANDS], ids=[c[0] for c in BAD_COMMANDS])
def test_bad_command_lines_one_line_exit_2_no_output(tiny_model_dir, files, broken_models, tmp_path, capsys,
                                                     make_argv, match):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    argv = make_argv(files, broken_models)
    if "--model" not in argv:
        argv += ["--model", tiny_model_dir]
    code, err = _run(argv + ["--steps", "1", "--no-progress", "--out", out_dir / "video.mp4"], capsys)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("seine-lite ") and re.search(match, err), err
    assert _listing(out_dir) == []  # no video, no strip, no temporary file


@pytest.mark.parametrize("out, match", [("video.avi", "--out must end"), ("missing/video.mp4", "--out: folder"),
                                        ("a_folder.mp4", "--out: .* is a folder")])
def test_bad_out_paths(tiny_model_dir, files, tmp_path, capsys, out, match):
    out_dir = tmp_path / "out"
    (out_dir / "a_folder.mp4").mkdir(parents=True)
    code, err = _run(["predict", files / "good.png", "--model", tiny_model_dir, "--steps", "1", "--no-progress",
                      "--out", out_dir / out], capsys)
    assert code == 2 and len(err.splitlines()) == 1 and re.search(match, err), err
    assert _listing(out_dir) == ["a_folder.mp4"]


def test_non_ascii_prompt_on_the_command_line(tiny_model_dir, files, tmp_path, capsys):
    out = tmp_path / "圆.mp4"
    code, err = _run(["predict", files / "good.png", "--model", tiny_model_dir, "--steps", "1", "--no-progress",
                      "--prompt", "一只红色的圆 🎈", "--out", out], capsys)
    assert code == 0, err
    assert read_video(out).shape == (4, 32, 32, 3)


# ----------------------------------------------------------------------------- CLI: training
@pytest.fixture(scope="module")
def train_inputs(tmp_path_factory, tiny_vae_dir):
    """Broken data folders, a run folder of another preset, and a model folder of another preset."""
    from seine_lite.model_folder import save_model_folder
    from seine_lite.unet import VideoUNet
    from seine_lite.vae import load_vae

    root = tmp_path_factory.mktemp("train_inputs")
    clip = np.random.default_rng(0).integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    folders = {"missing_video": "path,caption\nvideos/none.mp4,a red circle\n",
               "no_columns": "file,text\na.mp4,a red circle\n", "empty_csv": "",
               "truncated_video": "path,caption\na.mp4,a red circle\n",
               "too_short": "path,caption\nshort.mp4,a red circle\n"}
    for name, csv_text in folders.items():
        (root / name).mkdir()
        (root / name / "captions.csv").write_text(csv_text)
    write_video(root / "truncated_video" / "a.mp4", clip)
    _truncate(root / "truncated_video" / "a.mp4")
    write_video(root / "too_short" / "short.mp4", clip[:2])
    (root / "cpu_run").mkdir()
    (root / "cpu_run" / "train_config.json").write_text(json.dumps({"preset": "cpu"}))
    (root / "empty_run").mkdir()
    save_model_folder(root / "cpu_model", VideoUNet(**unet_config_for("cpu", text_dim=384)), load_vae(tiny_vae_dir),
                      {"preset": "cpu", "num_frames": 16, "size": 64, "text_encoder": "null"})
    shutil.copytree(root / "cpu_model", root / "half_model")
    _truncate(root / "half_model" / "unet" / WEIGHTS)
    return root


BAD_TRAINING = [  # (id, argv(inputs), regex, whether --out is an existing folder that must stay as it was)
    ("data: missing video", lambda r: ["--data", r / "missing_video"], "lists 'videos/none.mp4', which does not exist",
     None),
    ("data: no columns", lambda r: ["--data", r / "no_columns"], "columns 'path' and 'caption'", None),
    ("data: empty captions.csv", lambda r: ["--data", r / "empty_csv"], "columns 'path' and 'caption'", None),
    ("data: truncated video", lambda r: ["--data", r / "truncated_video"], "could not decode", None),
    ("data: video too short", lambda r: ["--data", r / "too_short"], "num_frames: 'short.mp4' has 2 frames", None),
    ("data: no captions.csv", lambda r: ["--data", r], "--data must be", None),
    ("--lr nan", lambda r: ["--lr", "nan"], "--lr must be", None),
    ("--lr -1", lambda r: ["--lr", "-1"], "--lr must be", None),
    ("--init-from another preset", lambda r: ["--init-from", r / "cpu_model"], "init_from: .*another configuration",
     None),
    ("--init-from half-written", lambda r: ["--init-from", r / "half_model"], "init_from: .*not a complete safetensors",
     None),
    ("--init-from missing", lambda r: ["--init-from", r / "nothing"], "init_from: no such folder", None),
    ("--resume another preset", lambda r: ["--resume"], "preset 'cpu', not 'tiny'", "cpu_run"),
    ("--resume nothing there", lambda r: ["--resume"], "resume: .*train_config.json missing", "empty_run"),
    ("--frame-positions too few", lambda r: ["--frame-positions", "2"], "--frame-positions must encode at least",
     None),
    ("--frame-positions negative", lambda r: ["--frame-positions", "-1"], "--frame-positions must be 0 \\(off\\)",
     None),
    ("--text-word-scale 0", lambda r: ["--text-word-scale", "0"], "--text-word-scale must be", None),
    ("--score-every 0", lambda r: ["--score-every", "0"], "--score-every must be", None),
    ("--mix without --data mix", lambda r: ["--mix", "shapes=1"], "--mix weighs the sources of --data mix", None),
    ("--mix unknown source", lambda r: ["--data", "mix", "--mix", "shapes=1,cats=1"], "--mix must look like", None),
    ("--mix all zero", lambda r: ["--data", "mix", "--mix", "shapes=0"], "--mix must look like", None),
    ("--mix not a number", lambda r: ["--data", "mix", "--mix", "shapes=lots"], "--mix must look like", None),
    ("--source-masks a source not drawn", lambda r: ["--source-masks", "transitions=onelast1"],
     "--source-masks must look like", None),
    ("--source-masks a source weighed 0", lambda r: ["--data", "mix", "--mix", "shapes=1,transitions=0",
                                                     "--source-masks", "transitions=onelast1"],
     "--source-masks must look like", None),
    ("--source-masks a random layout", lambda r: ["--data", "mix", "--source-masks", "transitions=uniform0.5"],
     "--source-masks must look like", None),
    ("--source-masks no layout", lambda r: ["--data", "mix", "--source-masks", "transitions"],
     "--source-masks must look like", None),
]


@pytest.mark.parametrize("make_argv, match, existing", [c[1:] for c in BAD_TRAINING], ids=[c[0] for c in BAD_TRAINING])
def test_bad_training_command_lines(tiny_vae_dir, train_inputs, tmp_path, capsys, make_argv, match, existing):
    out = train_inputs / existing if existing else tmp_path / "run"
    before = _listing(out) if existing else None
    code, err = _run(["train", *make_argv(train_inputs), "--preset", "tiny", "--vae", tiny_vae_dir,
                      "--text-encoder", "null", "--steps", "1", "--batch-size", "1", "--num-clips", "2",
                      "--no-progress", "--out", out], capsys)
    assert code == 2 and len(err.splitlines()) == 1 and re.search(match, err), err
    assert (_listing(out) == before) if existing else not out.exists()


# ----------------------------------------------------------------------------- properties
_DTYPES = st.sampled_from([np.uint8, np.int8, np.uint16, np.int64, np.float16, np.float32, np.float64, np.bool_,
                           np.complex64])


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_read_image_gives_a_square_uint8_image_or_a_value_error(data):
    dtype = data.draw(_DTYPES)
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=7))
    x = data.draw(hnp.arrays(dtype, shape))  # any value of the dtype: NaN, inf, negatives included
    size = data.draw(st.integers(1, 9))
    try:
        image = read_image(x, size, name="x")
    except ValueError as error:
        assert str(error).startswith("x: ")
    else:
        assert image.shape == (size, size, 3) and image.dtype == np.uint8


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_read_image_accepts_every_valid_array(data):
    channels = data.draw(st.sampled_from([None, 1, 3, 4]))
    h, w = data.draw(st.integers(1, 40)), data.draw(st.integers(1, 40))
    shape = (h, w) if channels is None else (h, w, channels)
    if data.draw(st.booleans()):
        x = data.draw(hnp.arrays(np.uint8, shape))
    else:
        x = data.draw(hnp.arrays(data.draw(st.sampled_from([np.float32, np.float64])), shape,
                                 elements=st.floats(0, 1, width=32)))
    size = data.draw(st.integers(1, 16))
    image = read_image(x, size)
    assert image.shape == (size, size, 3) and image.dtype == np.uint8


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.text(max_size=8), st.text(alphabet="x.", max_size=6),
                 st.from_regex(r"\A(first|last|onelast|interpolate|uniform)-?[0-9]{1,2}\Z")))
def test_generate_with_any_layout_string_makes_a_video_or_names_the_layout(pipe, layout):
    try:
        video = pipe.generate(list(CLIP), mask=layout, **ONE)
    except ValueError as error:
        assert "layout" in str(error) or "mask" in str(error) or "generator" in str(error)
    else:
        assert video.shape == (4, 32, 32, 3)


def test_decompression_bomb_is_a_value_error(files, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # so a 48 x 40 picture counts as a bomb
    with pytest.raises(ValueError, match="^x: .*not an image file"):
        read_image(files / "good.png", 32)
