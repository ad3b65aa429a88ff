# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Quickstart: two scenes in, a transition out
#
# **What you will do.** Load the model that ships inside `seine_lite`, make a generated
# transition between two images and put it beside a dissolve and a wipe, animate a single image
# from a prompt, and join three shots into a short story.
#
# **What you will learn.** What SEINE (Chen et al., ICLR 2024) is for: one video diffusion model
# that fills in whichever frames are missing. Given the first and the last frame it makes a
# **transition**; given the first frames it **predicts** what comes next; chaining the two makes
# a **long video**. The rest of the course (notebooks 01–09) opens each part up.
#
# **What you need.** Nothing but this package: the bundled reference model runs on a laptop CPU.
# A few minutes on one core (`SEINE_LITE_QUICK=1`: a few sampling steps, seconds).

# %%
import json
import os
import time

import imageio_ffmpeg
import matplotlib.pyplot as plt
import mediapy
import numpy as np
from diffusers.utils import logging as diffusers_logging
from transformers.utils import logging as transformers_logging

from seine_lite import SeinePipeline
from seine_lite.pipeline import BUNDLED, join_prompts
from seine_lite.data import Scene, render_scene
from seine_lite.metrics import motion_direction, transition_report
from seine_lite.baselines import traditional_transition
from seine_lite.viz import frame_strip_figure
from seine_lite.widgets import sample_image_paths
from seine_lite.device import describe
from seine_lite.exercises import check

QUICK = os.environ.get("SEINE_LITE_QUICK") == "1"   # set by `make test`: 3 sampling steps instead of 25
mediapy.set_ffmpeg(imageio_ffmpeg.get_ffmpeg_exe())    # no system ffmpeg needed
diffusers_logging.set_verbosity_error()
transformers_logging.disable_progress_bar()            # no "Loading weights" bar
STEPS = 3 if QUICK else 25

# %% [markdown]
# ## 1. The bundled model
#
# `SeinePipeline.from_pretrained()` with no argument loads the reference model from
# `seine_lite/weights/reference/`: a VAE (frames to latents), the MiniLM text encoder and a video
# UNet trained here on a 2-core CPU (its card, `README.md` in that folder, lists every run). It
# makes clips of 16 frames of 64×64 pixels.

# %%
# NBVAL_IGNORE_OUTPUT
pipe = SeinePipeline.from_pretrained(device="auto")   # cuda, else mps, else cpu
print("running on", describe(pipe.device))

# %%
# NBVAL_CHECK_OUTPUT
pipe.set_progress_bar_config(disable=True)
print("resolution:", pipe.resolution, "frames:", pipe.num_frames)
print("UNet parameters: %.2f M" % (sum(p.numel() for p in pipe.unet.parameters()) / 1e6))

# %% [markdown]
# ## 2. A transition between two scenes
#
# Two scenes from the shapes world the model was trained on, drawn by the package. The
# prompt names both; `transition` returns all 16 frames with the two given ones in place.

# %%
size = pipe.resolution[0]
scene_a = Scene(color="red", shape="square", background="black")
scene_b = Scene(color="yellow", shape="circle", background="dark blue")
first, last = render_scene(scene_a, size), render_scene(scene_b, size)
prompt = join_prompts(scene_a.caption, scene_b.caption)   # "{a} turning into {b}"
print(prompt)

t0 = time.time()
video = pipe.transition(first, last, prompt=prompt, num_inference_steps=STEPS, seed=0)
print(f"{STEPS} DDIM steps took {time.time() - t0:.1f} s")

# %%
# NBVAL_CHECK_OUTPUT
print(video.shape, video.dtype)
print("first and last frames returned exactly:",
      np.array_equal(video[0], first), np.array_equal(video[-1], last))

# %% [markdown]
# The traditional transitions are called the same way, so the three can stand side by side.
# A dissolve blends the two pictures (a "double exposure" in the middle); a wipe slides a
# hard edge across. The generated clip is free to move things.

# %%
# NBVAL_IGNORE_OUTPUT
videos = {"generated": video,
          "dissolve": traditional_transition("dissolve", first, last, num_frames=pipe.num_frames),
          "wipe": traditional_transition("wipe_left", first, last, num_frames=pipe.num_frames)}
fig = frame_strip_figure(videos, count=8, title=prompt)
plt.show()
mediapy.show_videos(videos, fps=8, height=128)

# %% [markdown]
# Numbers for the same comparison (`seine_lite.metrics.transition_report`): `max_jump` is the
# largest change between neighbouring frames as a share of a hard cut (0 = still, 1 = a cut);
# `double_exposure` is the share of pixels that look like a mix of the two scenes.

# %%
# NBVAL_IGNORE_OUTPUT
print(f"{'':10s} {'max_jump':>9s} {'double_exposure':>16s}")
for name, v in videos.items():
    r = transition_report(v, first, last)
    print(f"{name:10s} {r['max_jump']:9.2f} {r['double_exposure']:16.3f}")

# %% [markdown]
# ## 3. One image, different prompts
#
# `predict` animates an image (or continues the first few frames of a clip). In the shapes
# world the caption says where the object goes, so the prompt steers the motion.
# `motion_direction` reads the direction off the object's centre of mass.

# %%
still = render_scene(Scene(color="green", shape="circle", background="black"), size)
motions = {}
for direction in ("left", "right", "up", "down"):
    text = f"a green circle moving {direction} on a black background"
    motions[direction] = pipe.predict(still, prompt=text, num_inference_steps=STEPS, seed=1)
    print(f"asked {direction:5s} -> moved {motion_direction(motions[direction])}")

# %%
# NBVAL_IGNORE_OUTPUT
fig = frame_strip_figure(motions, count=8, title="one first frame, four prompts")
plt.show()

# %% [markdown]
# **A note on the bundled model.** Beside its weights the package ships the model's card
# (`seine_lite.json`: how it was trained) and its scores from `seine-lite eval` on held-out clips
# (`eval.json`; `eval.md` is the same as a table). The main lines:

# %%
# NBVAL_CHECK_OUTPUT
card = json.loads((BUNDLED / "seine_lite.json").read_text())
scores = json.loads((BUNDLED / "eval.json").read_text())
print(f"trained {card['trained_steps']:,} steps in {len(card['legs'])} runs, "
      f"{card['wall_minutes_total'] / 60:.1f} h on two CPU cores; sampled at guidance {card['guidance_scale']}")
print(f"middle of a clip, vs a dissolve:          {scores['interpolation_gain_db']:+.2f} dB")
print(f"next frames, vs repeating the last one:   {scores['prediction_gain_db']:+.2f} dB")
print(f"photos from two frames, vs repeating:     {scores['photo_prediction_gain_db']:+.2f} dB")
print(f"direction / colour as asked, {scores['text_control_trials']} trials: "
      f"{scores['direction_accuracy']:.0%} / {scores['color_accuracy']:.0%}")
missed = [bar for bar, met in scores["passed"].items() if not met]
print(f"bars met: {len(scores['passed']) - len(missed)} of {len(scores['passed'])}; missed: {', '.join(missed) or 'none'}")

# %% [markdown]
# The lines above set it against the simple baselines (a dissolve, repeating the last frame) and
# the prompt; the last line names any bar it misses. Notebook 06 shows how to go on training it,
# notebook 07 measures it, and `seine-lite eval --real` measures it on real footage, where it is
# weaker (its card, `seine_lite/weights/reference/README.md`).

# %% [markdown]
# ## 4. A story: shots joined by transitions
#
# `story` animates each shot and joins neighbours with generated transitions, returning one long
# video that also knows where each shot starts. Here: two shapes scenes and a photo of a cat
# from `data_samples/`.

# %%
photos = sample_image_paths()
shots = [(first, "a red square moving right on a black background"),
         (photos["chelsea"], "a photo of a cat, the camera zooming in"),
         (last, "a yellow circle moving up on a dark blue background")]
story = pipe.story(shots, num_inference_steps=STEPS, seed=2)

# %%
# NBVAL_CHECK_OUTPUT
print("frames:", len(story), "shot starts:", story.boundaries)
for kind, start, end, text in story.segments:
    print(f"{kind:10s} {start:3d}-{end:3d}  {text}")

# %%
# NBVAL_IGNORE_OUTPUT
mediapy.show_video(story, fps=8, height=192)

# %% [markdown]
# ## Exercise
#
# Make a prediction **from two given frames**: take the first two frames of `motions["down"]`
# as the context and predict the rest with the prompt "a green circle moving down on a black
# background". Store the clip in `answer`: it must have `pipe.num_frames` frames with the two
# context frames unchanged, and be a new prediction, not `motions["down"]` itself.

# %%
answer = None  # your code here

# %%
# NBVAL_CHECK_OUTPUT
def ok(clip):
    clip, given = np.asarray(clip), motions["down"][:2]
    return (clip.shape == (pipe.num_frames, size, size, 3) and np.array_equal(clip[:2], given)
            and not np.array_equal(clip, motions["down"]))


passed = check(ok, answer, hint="a (16, 64, 64, 3) clip predicted from motions['down'][:2], those two frames first")

# %% [markdown]
# ### Solution

# %%
context = list(motions["down"][:2])
answer = pipe.predict(context, prompt="a green circle moving down on a black background",
                      num_inference_steps=STEPS, seed=3)
print("2 frames given, moved", motion_direction(answer))

# %%
# NBVAL_CHECK_OUTPUT
passed = check(ok, answer)

# %% [markdown]
# ## Where next
#
# - `01_data`: where the training clips come from; `02_vae_latents`: the latent space.
# - `03_random_masking` to `06_training`: the model, step by step, and training your own.
# - `07_transitions_and_prediction`, `08_short_to_long`: the tasks in depth, with the metrics.
# - From a shell: `seine-lite transition a.png b.png --prompt "..." --out clip.mp4`.
