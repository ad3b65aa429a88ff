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
# # 01 · The data: a world of shapes, transitions, photos and your own videos
#
# **What you will do.** Render captioned clips from the *shapes world*, scene-to-scene transition
# clips and camera moves over real photos; look at the scenes kept out of training; load a folder
# of your own videos; write and read video files.
#
# **What you will learn.** What SEINE is trained on (short captioned clips, and clips that go from
# one scene to another), why a procedural world lets a model train in minutes on a CPU, how a
# held-out split keeps evaluation honest, and the one data contract of the course: a clip is a
# numpy `uint8` array `(F, H, W, 3)`, the layout `mediapy` shows.
#
# **What you need.** Nothing but this repository (no download, no GPU). About a minute on one
# CPU core; `SEINE_LITE_QUICK=1` makes it faster still.

# %%
import os
import tempfile
from pathlib import Path

import imageio_ffmpeg
import matplotlib.pyplot as plt
import mediapy
import numpy as np

from seine_lite.data import (BACKGROUNDS, CAMERA_MOVES, COLORS, HELD_OUT_SCENES, MOTIONS, SHAPES,
                             TRANSITION_KINDS, FolderDataset, Scene, caption_for, load_sample_images,
                             make_clips, make_shapes_clips, photo_clip, read_video, render_clip,
                             render_scene, render_transition, sample_scenes, write_video)
from seine_lite.data.mix import mix_counts
from seine_lite.data.photos import SAMPLE_IMAGES
from seine_lite.data.transitions_world import TransitionSpec
from seine_lite.metrics import psnr
from seine_lite.viz import strip_image
from seine_lite.device import describe

QUICK = os.environ.get("SEINE_LITE_QUICK") == "1"   # set by `make test`: smaller, fewer, faster
print("best device here:", describe(), "· this notebook's tensors are small and stay on the CPU")
mediapy.set_ffmpeg(imageio_ffmpeg.get_ffmpeg_exe())  # no system ffmpeg needed
SIZE = 32 if QUICK else 64        # pixels per side
FRAMES = 16                       # frames per clip (the `cpu` preset)
N_CLIPS = 4 if QUICK else 8
DATA = SAMPLE_IMAGES.parent       # data_samples/ of this repository
ROW = SIZE + 2                    # a row of `strip_image` is one frame high plus a 2-pixel gap

# %% [markdown]
# ## 1. The shapes world
#
# One coloured shape on a plain background, moving in one of seven ways. Every clip comes with a
# caption built from the same four words, so a small text encoder can learn them all:
# `"a {color} {shape} moving {motion} on a {background} background"`.

# %%
# NBVAL_CHECK_OUTPUT
print(f"{len(COLORS)} colours x {len(SHAPES)} shapes x {len(BACKGROUNDS)} backgrounds "
      f"= {len(COLORS) * len(SHAPES) * len(BACKGROUNDS)} scenes, {len(MOTIONS)} motions")
print(f"{'word':<11} values")
print(f"{'color':<11} {', '.join(COLORS)}")
print(f"{'shape':<11} {', '.join(SHAPES)}")
print(f"{'motion':<11} {', '.join(MOTIONS)}")
print(f"{'background':<11} {', '.join(BACKGROUNDS)}")
print(caption_for("red", "circle", "left", "black"))
print(caption_for("cyan", "triangle", "growing", "dark blue"))

# %%
fig, axes = plt.subplots(2, 1, figsize=(8, 1.8))
for ax, (title, palette) in zip(axes, [("colours", COLORS), ("backgrounds", BACKGROUNDS)]):
    ax.imshow(np.array([list(palette.values())], dtype=np.uint8), aspect="auto")
    ax.set_xticks(range(len(palette)), list(palette), fontsize=8)
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
fig.tight_layout()

# %% [markdown]
# `make_shapes_clips(n, ...)` draws `n` random clips (colour, shape, motion, background, start
# position, size and speed) from a seed: the same seed gives the same clips, byte for byte.

# %%
clips, captions = make_shapes_clips(N_CLIPS, num_frames=FRAMES, size=SIZE, seed=0)
print(clips.dtype, clips.shape)

# %%
# NBVAL_CHECK_OUTPUT
# Captions depend on the seed only, not on the frame size or count: the same in quick mode.
print(make_shapes_clips(3, num_frames=4, size=16, seed=0)[1])

# %%
fig, ax = plt.subplots(figsize=(9, 0.75 * N_CLIPS + 0.5))
ax.imshow(strip_image(dict(zip(captions, clips)), count=6), interpolation="nearest")  # a row per clip
ax.set_yticks([ROW * r + SIZE / 2 for r in range(N_CLIPS)], captions, fontsize=8)
ax.set_xticks([])
ax.set_title("six frames of each clip, first to last", fontsize=9)
fig.tight_layout()

# %%
# NBVAL_IGNORE_OUTPUT
mediapy.show_videos({f"clip {i}": clips[i] for i in range(N_CLIPS)}, fps=8, height=96, columns=4)

# %% [markdown]
# ## 2. Transition clips: from one scene to another
#
# SEINE's job is the generative *transition*: given the first frame of scene A and the last frame
# of scene B, fill in the frames between. A dissolve is the lazy answer. The shapes world shows the
# model four other ways, and their captions name both scenes.

# %%
scene_a = Scene("red", "circle", "black", cx=0.35, cy=0.4)
scene_b = Scene("blue", "square", "gray", cx=0.6, cy=0.6)
transitions = {kind: render_transition(kind, scene_a, scene_b, num_frames=FRAMES, size=SIZE)
               for kind in TRANSITION_KINDS}

# %%
# NBVAL_CHECK_OUTPUT
for kind in TRANSITION_KINDS:
    print(f"{kind:<6} {TransitionSpec(kind, scene_a, scene_b).caption}")

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.imshow(strip_image(transitions, count=6), interpolation="nearest")
ax.set_yticks([ROW * r + SIZE / 2 for r in range(len(transitions))], list(transitions))
ax.set_xticks([])
ax.set_title("scene A (left) to scene B (right)", fontsize=9)
fig.tight_layout()

# %%
# NBVAL_IGNORE_OUTPUT
mediapy.show_videos(transitions, fps=8, height=96)

# %% [markdown]
# ## 3. Clips from photographs
#
# Five public-domain photos ship in `data_samples/images/`. A virtual camera pans, zooms or pushes
# in over one of them; the caption says what the camera does ("panning left" moves the *view* left,
# so the picture slides right).

# %%
# NBVAL_CHECK_OUTPUT
photos = load_sample_images()
for name, image in photos:
    print(f"{name:<18} {image.shape}")

# %%
cat = dict(photos)["chelsea"]
moves = CAMERA_MOVES[:4] if QUICK else CAMERA_MOVES
camera = {move: photo_clip(cat, move, num_frames=FRAMES, size=SIZE, seed=0) for move in moves}
fig, ax = plt.subplots(figsize=(4, 0.55 * len(camera) + 0.3), dpi=80)
ax.imshow(strip_image(camera, count=4), interpolation="nearest")
ax.set_yticks([ROW * r + SIZE / 2 for r in range(len(camera))], list(camera), fontsize=8)
ax.set_xticks([])
fig.tight_layout()

# %%
# NBVAL_IGNORE_OUTPUT
mediapy.show_videos(camera, fps=8, height=96, columns=4)

# %% [markdown]
# Training draws from all three sources at once: `make_clips("mix", n)` takes 60 % shapes,
# 25 % transitions and 15 % photos, shuffled, from one seed.

# %%
# NBVAL_CHECK_OUTPUT
print(mix_counts(100))
mixed, mixed_captions = make_clips("mix", 20, num_frames=FRAMES, size=SIZE, seed=1)
print(sum("photo" in c for c in mixed_captions), "photo clips among", len(mixed_captions))

# %% [markdown]
# ## 4. Held-out scenes
#
# A model that was tested on the scenes it was trained on would look better than it is. Twelve of
# the 144 colour-shape-background triples never appear in training (`split="train"`, the default of
# every source); evaluation uses exactly those (`split="heldout"`). Every colour, shape and
# background still occurs in training: only these *combinations* are new.

# %%
# NBVAL_CHECK_OUTPUT
for color, shape, background in HELD_OUT_SCENES:
    print(f"{color} {shape} on {background}")

# %%
held_out = sample_scenes(12, seed=0, split="heldout")
fig, axes = plt.subplots(2, 6, figsize=(8, 3))
for ax, scene in zip(axes.flat, held_out):
    ax.imshow(render_scene(scene, size=SIZE))
    ax.set_title(f"{scene.color} {scene.shape}\n{scene.background}", fontsize=7)
    ax.axis("off")
fig.tight_layout()

# %%
# NBVAL_CHECK_OUTPUT
many = make_shapes_clips(400 if QUICK else 2000, num_frames=2, size=8, seed=2)[1]
leaks = [cap for cap in many for c, s, b in HELD_OUT_SCENES
         if cap.startswith(f"a {c} {s} ") and cap.endswith(f" on a {b} background")]
print(len(leaks), "training captions show a held-out scene")

# %% [markdown]
# ## 5. Your own videos
#
# `FolderDataset` reads a folder laid out like WebVid-style sets: video files plus a
# `captions.csv` with columns `path,caption`. It cuts each video into windows of `num_frames`
# frames, resizes the shorter side to `size` and crops the centre. `data_samples/clips/` is a tiny
# example: point `root` at your own folder and the rest of the course works unchanged.

# %%
print((DATA / "clips" / "captions.csv").read_text())

# %%
# NBVAL_CHECK_OUTPUT
dataset = FolderDataset(DATA / "clips", num_frames=FRAMES, size=SIZE)
print(len(dataset), "windows from", len(dataset.videos), "videos")
for path, caption, frames in dataset.videos:
    print(f"{path.name:<24} {frames:>3} frames  {caption}")

# %%
window, caption = dataset[len(dataset) - 1]   # the 96 x 72 rocket, cropped to a square
print(window.shape, "|", caption)
fig, axes = plt.subplots(1, 4, figsize=(6, 1.8))
for ax, f in zip(axes, [0, 5, 10, 15]):
    ax.imshow(window[f])
    ax.axis("off")

# %% [markdown]
# ## 6. Writing and reading video
#
# `write_video(path, video, fps)` picks the format by suffix (mp4, webm, gif) and never leaves half
# a file behind; `read_video(path)` gives the frames back. GIF is lossless for clips of at most 255
# colours a frame, such as the shapes world; mp4 (H.264) is lossy but small.

# %%
# NBVAL_CHECK_OUTPUT
folder = Path(tempfile.mkdtemp())
clip = transitions["morph"]
write_video(folder / "morph.gif", clip, fps=8)
write_video(folder / "morph.mp4", clip, fps=8)
print("gif: frames come back exactly:", np.array_equal(read_video(folder / "morph.gif"), clip))
back = read_video(folder / "morph.mp4")
print("mp4:", back.shape == clip.shape, "shape; PSNR above 30 dB:", psnr(back, clip) > 30)

# %% [markdown]
# ## Exercise
#
# Render a clip of **a purple triangle moving up on a brown background**, 16 frames at `SIZE`
# pixels, and store it in `my_clip`. (Hint: one function of section 1 takes exactly these words.)

# %%
my_clip = None   # <- your code here

# %%
def check_my_clip(clip):
    """Purple object on a brown background that moves up over the clip."""
    assert clip is not None, "my_clip is still None: render the clip (a solution is at the end)."
    assert clip.shape == (16, SIZE, SIZE, 3) and clip.dtype == np.uint8, \
        f"expected uint8 (16, {SIZE}, {SIZE}, 3), got {clip.dtype} {clip.shape}"
    assert tuple(clip[0, 0, 0]) == BACKGROUNDS["brown"], "the background should be brown"
    purple = (clip == COLORS["purple"]).all(-1)
    assert purple[0].any() and purple[-1].any(), "there should be a purple object in the first and last frame"
    rows = [np.nonzero(p)[0].mean() for p in (purple[0], purple[-1])]
    assert rows[1] < rows[0], "the object should move up (towards row 0) from the first to the last frame"
    print("Well done: a purple object moving up on brown.")


if my_clip is None:
    print("Fill in my_clip above, then run this cell again.")
else:
    check_my_clip(my_clip)

# %% [markdown]
# ### Solution
#
# `render_clip(color, shape, motion, background, num_frames, size, seed)` renders one clip.

# %%
solution = render_clip("purple", "triangle", "up", "brown", num_frames=16, size=SIZE, seed=0)
check_my_clip(solution)

# %% [markdown]
# **Next:** `02` turns these clips into latents with a small VAE, and `03` decides which of their
# frames the model is given.
