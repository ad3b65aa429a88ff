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
# # 03 · Random masking: one model, many tasks
#
# **What you will do.** Draw every mask layout as a picture, edit one with a widget, build the
# UNet's input from a real encoded clip channel by channel, and count what the training mask
# sampler draws.
#
# **What you will learn.** SEINE's central trick (section 3.2 of the paper): the model always
# sees a clip whose frames are partly **given** and partly **to generate**, and *which* frames are
# given decides the task: first and last = transition, first k = prediction, none = text-to-video.
# The UNet reads `2C + 1` channels: the noisy latent (C), the mask (1) and the masked clean
# latent (C). Convention of the code: **mask 1 = generate, 0 = given**.
#
# **What you need.** Notebook 01 (the data) helps; `02` (the VAE) is not required. A minute on
# one CPU core.

# %%
import os
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np
import torch
from diffusers.utils import logging as diffusers_logging

from seine_lite.conditioning import fill_pixels
from seine_lite.data import Scene, make_shapes_clips, render_transition
from seine_lite.diffusion import NoiseSchedule
from seine_lite.masking import (MaskMixture, MaskSampler, condition_latent, frame_mask, latent_mask,
                                layout_picture, masked_latent, parse_layout, unet_input)
from seine_lite.metrics import psnr
from seine_lite.unet import VideoUNet, unet_config_for
from seine_lite.vae import encode_video, load_vae
from seine_lite.exercises import check
from seine_lite.widgets import MaskEditor
from seine_lite.device import describe

torch.manual_seed(0)
diffusers_logging.set_verbosity_error()
QUICK = os.environ.get("SEINE_LITE_QUICK") == "1"   # set by `make test`: smaller, fewer, faster
print("best device here:", describe(), "· this notebook's tensors are small and stay on the CPU")
FRAMES = 16
SIZE = 32 if QUICK else 64

# %% [markdown]
# ## 1. Layouts by name
#
# A *layout* says which of the F frames are given. `parse_layout(name, F)` turns a name into a
# bool array (True = given); `layout_picture` draws it as a string, `x` given, `.` generated.

# %%
# NBVAL_CHECK_OUTPUT
names = ["onelast1", "first1", "first4", "last2", "onelast2", "interpolate4", "interpolate5",
         "all", "uniform0.3", "x...x...x......x"]
generator = np.random.default_rng(0)          # uniform{p} is random: it needs a generator
layouts = {name: parse_layout(name, FRAMES, generator) for name in names}
for name, given in layouts.items():
    print(f"{name:<17} {layout_picture(given)}  {given.sum():>2} given")

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.imshow(np.array(list(layouts.values())), cmap="Greens", vmin=0, vmax=1.1)
ax.set_yticks(range(len(layouts)), list(layouts))
ax.set_xticks(range(FRAMES))
ax.set_xlabel("frame")
ax.set_title("green = given, white = generated", fontsize=9)
fig.tight_layout()

# %% [markdown]
# The tasks of the paper are just rows of this picture:
#
# | task | layout | what is given |
# |---|---|---|
# | generative transition | `onelast1` | the last frame of shot A and the first frame of shot B |
# | image-to-video, prediction | `first{k}` | one image, or the first k frames |
# | short-to-long | `first{k}` | the last k frames of the clip so far |
# | interpolation | `interpolate{k}` | every k-th frame (and the last) |
# | text-to-video | `all` | nothing |
#
# ## 2. The mask editor
#
# Click the frame buttons to give or free a frame, or choose a preset; the string and the picture
# follow. The picture shows a real transition clip where frames are given and noise where the
# model has to generate.

# %%
clip = render_transition("morph", Scene("red", "circle", "black", 0.35, 0.4),
                         Scene("blue", "square", "gray", 0.6, 0.6), num_frames=FRAMES, size=SIZE)
editor = MaskEditor(FRAMES, layout="onelast1", frames=clip)

# %%
# NBVAL_IGNORE_OUTPUT
editor

# %% [markdown]
# Everything a click does, code can do too:

# %%
# NBVAL_CHECK_OUTPUT
print(editor.set_layout("first2"), editor.preset.value)
print(editor.toggle(15), editor.preset.value)        # give the last frame too: a custom layout
print(editor.mask[0, 0, :, 0, 0].int().tolist())       # the mask the model gets: 1 = generate

# %% [markdown]
# ## 3. What the UNet sees: 2C + 1 channels
#
# The clip is encoded frame by frame by the VAE into a latent `z0` of shape `(B, C, F, h, w)`.
# For one training step (or one sampling step) the UNet gets, stacked on the channel axis:
#
# 1. `z_t`: the latent noised to step t, `√ᾱ_t z0 + √(1-ᾱ_t) ε` (C channels),
# 2. the mask, 1 where a frame is generated (1 channel),
# 3. `z0 · (1 - mask)`: the clean latent of the given frames, zero elsewhere (C channels).
#
# It predicts the noise (C channels). Given frames thus reach the model clean, whatever t is.

# %%
vae = load_vae()                  # the VAE trained for the course, shipped in seine_lite/weights/vae
z0 = encode_video(vae, clip)                                  # (1, C, F, h, w)
mask = latent_mask(frame_mask("onelast1", FRAMES), *z0.shape[-2:])   # (1, 1, F, h, w), 1 = generate
schedule = NoiseSchedule()
t = torch.tensor([500])
z_t = schedule.add_noise(z0, torch.randn(z0.shape, generator=torch.Generator().manual_seed(0)), t)
inp = unet_input(z_t, mask, masked_latent(z0, mask))
print("z0", tuple(z0.shape), "-> UNet input", tuple(inp.shape))

# %%
# NBVAL_CHECK_OUTPUT
C = z0.shape[1]
print(f"C = {C}: z_t {z_t.shape[1]} + mask {mask.shape[1]} + masked z0 {C} = {inp.shape[1]} channels")
print("mask per frame:", mask[0, 0, :, 0, 0].int().tolist())
print("masked z0 is zero on generated frames:", bool((inp[:, C + 1:, 1:-1] == 0).all()))
print("masked z0 equals z0 on given frames:", bool(torch.equal(inp[:, C + 1:, [0, -1]], z0[:, :, [0, -1]])))

# %%
rows = {"video": None, "z_t (ch 0)": inp[0, 0], "mask": inp[0, C], "masked z0 (ch 0)": inp[0, C + 1]}
shown = range(0, FRAMES, 2 if QUICK else 1)
fig, axes = plt.subplots(len(rows), len(shown), figsize=(0.75 * len(shown) + 1, 3.6))
for r, (name, channel) in enumerate(rows.items()):
    for c, f in enumerate(shown):
        ax = axes[r, c]
        if channel is None:
            ax.imshow(clip[f])
        else:
            ax.imshow(channel[f], cmap="coolwarm", vmin=-2, vmax=2, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        axes[0, c].set_title(str(f), fontsize=7)
    axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
fig.suptitle("one channel of each group, frame by frame (onelast1, t = 500)", fontsize=9)
fig.tight_layout()

# %% [markdown]
# The UNet maps these `2C + 1` channels back to `C`: its `in_channels` is `2C + 1` and its
# `out_channels` is `C` (here the tiny preset, untrained, just to see the shapes).

# %%
# NBVAL_CHECK_OUTPUT
unet = VideoUNet(**unet_config_for("tiny", latent_channels=C, text_dim=384)).eval()
text = torch.zeros(1, 8, 384)                       # no caption: 8 tokens of zeros
with torch.no_grad():
    out = unet(inp, t, text, None)
print("in_channels", unet.config.in_channels, "out_channels", unet.config.out_channels)
print("output has the shape of z0:", out.shape == z0.shape)

# %% [markdown]
# ### Zeros, or a blend of the given frames
#
# SEINE shows the UNet zeros where a frame is to be generated. seine_lite can show it something
# more useful instead: each generated frame gets the given frames nearest to it in time, held
# before the first and after the last one, mixed linearly in between. For prediction that is the
# first frame on every frame (Stable Video Diffusion conditions on its image this way); for a
# transition it is a dissolve of the two ends, in latent space. The UNet then only has to learn
# how the real clip differs from that. Training picks one with `seine-lite train --condition
# zeros|blend`, and the model folder remembers the choice. SEINE's `zeros` stays the default. The bundled
# reference model uses a fill and learns only what differs from it (`--residual`): on real
# footage, which it knows least, it then falls back to the fill instead of to the shapes world it
# knows best. Side-by-side runs chose the blend first (`docs/history.md`, "Conditioning on real
# footage"), then the flow fill below, which moves where the blend holds still.

# %%
# NBVAL_CHECK_OUTPUT
blend = condition_latent(z0, mask, "blend")                  # mask: onelast1, from above
u = torch.linspace(0, 1, FRAMES).view(1, 1, FRAMES, 1, 1)
print("blend = (1-u) first + u last on every frame:",
      bool(torch.allclose(blend, (1 - u) * z0[:, :, :1] + u * z0[:, :, -1:], atol=1e-5)))
print("given frames unchanged:", bool(torch.equal(blend[:, :, [0, -1]], z0[:, :, [0, -1]])))
print("zeros is SEINE's masked z0:", bool(torch.equal(condition_latent(z0, mask, "zeros"), masked_latent(z0, mask))))

# %%
fig, axes = plt.subplots(2, len(shown), figsize=(0.75 * len(shown) + 1, 1.9))
for r, (name, lat) in enumerate({"masked z0": masked_latent(z0, mask), "blend": blend}.items()):
    for c, f in enumerate(shown):
        axes[r, c].imshow(lat[0, 0, f], cmap="coolwarm", vmin=-2, vmax=2, interpolation="nearest")
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
    axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
fig.suptitle("channel 0 of the clean-latent group: SEINE's zeros and the blend (onelast1)", fontsize=9)
fig.tight_layout()

# %% [markdown]
# ### The flow fill: a prediction that already moves
#
# For prediction the blend holds the last given frame still, so the model has to make all of the
# motion itself. Two given frames in a row say more: how things moved between them. The `flow`
# fill measures that motion (optical flow by Lucas–Kanade, scikit-image's `optical_flow_ilk`, on
# grey levels) and carries the last given frame on at that velocity, the classic baseline of video
# prediction; every other generated frame is the blend's (a transition has no two given frames in
# a row). The same flow, averaged down to the latent grid, moves the latent the UNet sees
# (`seine_lite/flow_fill.py`). Below: a moving shape with two frames given (`first2`), the blend's
# pixels and the flow fill's, and how close each comes to the real frames 2 to 5 (the frames the
# eval's prediction probe scores).

# %%
# NBVAL_CHECK_OUTPUT
moving = make_shapes_clips(1, num_frames=FRAMES, size=64, seed=3)[0][0]     # 64×64 in either mode: cheap
first2 = parse_layout("first2", FRAMES)
fills = {name: np.rint(fill_pixels(moving, first2, name)).astype(np.uint8) for name in ("blend", "flow")}
for name, made in fills.items():
    print(f"{name:5} fill: frames 2-5 at {psnr(made[2:6], moving[2:6]):.1f} dB")

# %%
strip = {"real clip": moving, **{f"{name} fill": made for name, made in fills.items()}}
fig, axes = plt.subplots(3, 8, figsize=(7, 2.9))
for r, (name, video) in enumerate(strip.items()):
    for c, f in enumerate(range(8)):
        axes[r, c].imshow(video[f])
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
        axes[0, c].set_title(("given " if f < 2 else "") + str(f), fontsize=7)
    axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
fig.suptitle("first2: the blend holds frame 1, the flow fill carries it on", fontsize=9)
fig.tight_layout()

# %% [markdown]
# ## 4. What training draws
#
# In training every clip gets a random layout. The paper draws each frame independently (given
# with probability p = 0.15). seine_lite mixes in the two tasks we sample most, so a small model
# sees them often: `MaskMixture` weights transition (`onelast1`), prediction (`first{k}`),
# Bernoulli (`uniform{p}`), and optionally interpolation and text-to-video.

# %%
# NBVAL_CHECK_OUTPUT
mixture = MaskMixture()
sampler = MaskSampler(mixture)
print({family: round(float(p), 3) for family, p in zip(sampler.families, sampler.probs)})

# %%
n_draws = 500 if QUICK else 4000
masks, drawn = sampler.sample_with_names(n_draws, FRAMES, torch.Generator().manual_seed(0))
counts = Counter(drawn)
given = masks[:, 0, :, 0, 0] == 0                                  # (N, F) True = given
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
labels = sorted(counts, key=counts.get, reverse=True)
left.bar(labels, [counts[k] / n_draws for k in labels], color="tab:green")
left.set_ylabel("share of draws")
left.set_title(f"layouts drawn ({n_draws} masks)", fontsize=9)
left.tick_params(axis="x", rotation=30)
right.bar(range(FRAMES), given.float().mean(0), color="tab:blue")
right.set_xlabel("frame")
right.set_ylabel("P(frame is given)")
right.set_title("first and last frames are given most", fontsize=9)
fig.tight_layout()

# %%
print("text-to-video draws (nothing given):", int((given.sum(1) == 0).sum()), "of", n_draws)
print("draws with nothing to generate:", int((given.sum(1) == FRAMES).sum()))

# %% [markdown]
# Try another mixture, e.g. `MaskMixture(transition=0, prediction=0, bernoulli=1)` (the paper's),
# or add your own fixed layout with `extra={"x...x...x...x..x": 0.2}`, and rerun the cell above.
#
# ## Exercise
#
# Build the UNet input for the **prediction** layout `first2` *by hand* with `torch.cat`, from
# `z_t`, `z0` and a mask you make yourself (float, shape `(1, 1, F, h, w)`, 1 = generate).
# Store it in `answer`. Do not call `unet_input` or `masked_latent`.

# %%
answer = None   # your code here: torch.cat([...], dim=1)

# %%
# NBVAL_CHECK_OUTPUT
first2 = latent_mask(frame_mask("first2", FRAMES), *z0.shape[-2:])      # the library's own mask
expected = unet_input(z_t, first2, masked_latent(z0, first2))           # and its own input


def ok(candidate):
    return candidate.shape == expected.shape and torch.allclose(candidate, expected)


check(ok, answer, hint=f"[z_t ; mask (1 = generate) ; z0 on given frames], {2 * C + 1} channels")

# %% [markdown]
# ### Solution

# %%
h, w = z0.shape[-2:]
my_mask = torch.ones(1, 1, FRAMES, h, w)
my_mask[:, :, :2] = 0                                       # frames 0 and 1 are given
answer = torch.cat([z_t, my_mask, z0 * (1 - my_mask)], dim=1)

# %%
# NBVAL_CHECK_OUTPUT
check(ok, answer)

# %% [markdown]
# **Next:** `04` opens the video UNet that reads this input; `05` explains the noise and the
# samplers that turn its predictions into a video.
