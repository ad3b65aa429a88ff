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
# # 04 · The video UNet: space, then time
#
# **What you will do.** Open `seine_lite.unet.VideoUNet` level by level, count its parameters in
# each preset, draw which tokens spatial and temporal attention compare, look at an attention
# map of a temporal layer, check numerically that an untrained temporal layer is the identity,
# see rotary positions make attention depend on frame *distance* only, compare an optional
# convolution over neighbouring frames, and time a forward pass.
#
# **What you will learn.** How SEINE (built on LaVie) turns an image UNet into a video UNet:
# convolutions and spatial attention run on every frame on its own, and frames meet only in
# *temporal attention*, whose output projection starts at zero, so an untrained model is an
# image model applied frame by frame. Why spatial attention is kept to the coarse levels on a
# CPU, and where the `2C + 1` input channels of notebook 03 enter.
#
# **What you need.** Notebook 03 (the `2C + 1` input) helps. No trained weights, no data: a
# minute on one CPU core.

# %%
import copy
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from einops import rearrange

from seine_lite.attention import TemporalAttention, apply_rotary, rotary_tables
from seine_lite.masking import frame_mask, latent_mask, masked_latent, unet_input
from seine_lite.presets import PRESETS
from seine_lite.unet import ResBlock, VideoLayer, VideoUNet, unet_config_for
from seine_lite.device import default_device
from seine_lite.device import describe as describe_device
from seine_lite.exercises import check

QUICK = os.environ.get("SEINE_LITE_QUICK") == "1"   # set by `make test`: fewer timing runs
DEVICE = default_device()          # cuda, else mps, else cpu: random draws stay on the CPU, then move
print("running on", describe_device(DEVICE))
torch.manual_seed(0)
FRAMES, LATENT, C = 8, 8, 4        # 8 frames of 8x8 latents with 4 channels: the tiny UNet is fast
STEP = torch.tensor([500], device=DEVICE)    # the timestep every forward below uses
unet = VideoUNet(**unet_config_for("tiny", latent_channels=C)).eval().to(DEVICE)

# %% [markdown]
# ## 1. The blocks, level by level
#
# Each level runs a `ResBlock` (two 3x3 convolutions, the timestep entering as a scale and a
# shift) and then, where the preset asks for it, a `VideoTransformerBlock`: **spatial**
# self-attention, **text** cross-attention, **temporal** attention, an MLP. Levels halve the
# grid on the way down and double it on the way up, with skip connections in between.
# The `cpu` and `lab` presets also add the prompt's mean token state to the timestep embedding
# (`text_pooled`, as SDXL does with its pooled text embedding), so even the first level, which
# has no cross-attention, hears the prompt: "moving left" is about the whole clip.

# %%
# NBVAL_CHECK_OUTPUT
def describe(module):
    if isinstance(module, VideoLayer):
        res, attn = module.res, module.attn
        parts = [f"ResBlock {res.conv1.in_channels:>2} -> {res.conv1.out_channels:<2}"]
        if attn is not None and attn.spatial:
            parts += ["spatial", "text"]
        if attn is not None and attn.temporal is not None:
            parts.append("temporal")
        return " + ".join(parts)
    if isinstance(module, ResBlock):
        return f"ResBlock {module.conv1.in_channels:>2} -> {module.conv1.out_channels}"
    if isinstance(module, torch.nn.Conv2d):
        return f"Conv2d {module.in_channels} -> {module.out_channels}, stride {module.stride[0]}"
    return "Upsample 2x + Conv2d"


shown = (VideoLayer, ResBlock, torch.nn.Conv2d)
for name, module in unet.named_modules():
    inside_layer = name.count(".") > (3 if name.startswith(("down", "up")) else 0)
    if isinstance(module, shown) and not inside_layer or name.endswith("resample"):
        params = sum(p.numel() for p in module.parameters())
        print(f"{name:<18} {describe(module):<44} {params:>7,} params")

# %% [markdown]
# One layer in full, the middle one (all four attentions):

# %%
# NBVAL_CHECK_OUTPUT
print(unet.mid.attn)

# %% [markdown]
# The three presets differ in widths, depth and where spatial attention runs. Nearly half of the
# tiny model's parameters are the text keys and values (`384 -> width` in each cross-attention);
# in the larger presets the convolutions and attentions of the wide levels dominate.

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'preset':<6} {'frames':>6} {'latent':>7} {'widths':<16} {'spatial attn':<20} {'parameters':>11}")
for name, preset in PRESETS.items():
    config = unet_config_for(name, latent_channels=C)
    n = VideoUNet(**config).num_parameters()
    print(f"{name:<6} {preset.num_frames:>6} {preset.latent_size:>4}x{preset.latent_size:<2} "
          f"{str(config['block_out_channels']):<16} {str(config['attention_levels']):<20} {n:>11,}")

# %% [markdown]
# ## 2. Where the `2C + 1` channels enter
#
# Only the first convolution sees the stacked input `[z_t ; mask ; masked z0]`; after it the UNet
# is an ordinary one. SEINE starts from a Stable Diffusion UNet with 4 input channels and adds 5
# more whose weights start at zero, so the pretrained model is unchanged at first; we train from
# scratch, so all 9 start random. The last convolution maps back to `C`; it starts at zero too,
# so an untrained UNet predicts 0 for every input (the mean of the noise it has to predict).

# %%
# NBVAL_CHECK_OUTPUT
mask = latent_mask(frame_mask("onelast1", FRAMES), LATENT, LATENT)
g = torch.Generator().manual_seed(0)
z0, z_t = torch.randn(2, 1, C, FRAMES, LATENT, LATENT, generator=g)
x = unet_input(z_t, mask, masked_latent(z0, mask)).to(DEVICE)
text = torch.randn(1, 8, 384, generator=g).to(DEVICE)
with torch.no_grad():
    out = unet(x, STEP, text)
print("input", tuple(x.shape), "-> conv_in weight", tuple(unet.conv_in.weight.shape),
      "-> output", tuple(out.shape))
print("untrained output is exactly zero:", bool((out == 0).all()))

# %% [markdown]
# ## 3. Spatial, text and temporal attention
#
# Hidden states travel as `((B F), C, H, W)`: a batch of frames. **Spatial** attention lets each
# token (a grid cell of one frame) look at every token *of the same frame*. **Temporal** attention
# regroups the tokens as `((B H W), F, C)`: each token looks at *the same grid cell in every
# frame*. **Text** cross-attention lets every token look at the caption's tokens. One query token
# (red) and what it attends to (orange):

# %%
def token_grid(attends, frames=4, side=4):
    """A picture of `frames` grids of side x side tokens: 0 = ignored, 1 = attended, 2 = query."""
    picture = np.full((side, frames * (side + 1) - 1), np.nan)
    for f in range(frames):
        for i in range(side):
            for j in range(side):
                picture[i, f * (side + 1) + j] = 2 if (f, i, j) == (1, 1, 2) else attends(f, i, j)
    return picture


colors = plt.matplotlib.colors.ListedColormap(["#dddddd", "tab:orange", "tab:red"])
fig, axes = plt.subplots(2, 1, figsize=(7, 3.4))
rules = {"spatial: every token of the same frame": lambda f, i, j: f == 1,
         "temporal: the same cell in every frame": lambda f, i, j: (i, j) == (1, 2)}
for ax, (title, rule) in zip(axes, rules.items()):
    ax.imshow(token_grid(rule), cmap=colors, vmin=0, vmax=2)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([5 * f + 1.5 for f in range(4)], [f"frame {f}" for f in range(4)])
    ax.set_yticks([])
fig.tight_layout()

# %% [markdown]
# Attention compares every pair of tokens it sees, so its cost grows with the square of the
# sequence. At a 16x16 latent with 16 frames (the `cpu` preset's finest level):

# %%
# NBVAL_CHECK_OUTPUT
side, frames = 16, 16
print(f"spatial : {frames} frames x ({side}x{side})^2 = {frames * (side * side) ** 2:>9,} scores per head")
print(f"temporal: {side * side} cells x {frames}^2    = {side * side * frames ** 2:>9,} scores per head")
print(f"spatial at 8x8 (one level down) = {frames * 64 ** 2:,}")

# %% [markdown]
# So the `cpu` and `lab` presets keep spatial attention off the finest level, but every level
# has temporal attention: it is cheap, and it is the only place where frames meet.
#
# ## 4. An attention map of a temporal layer
#
# A forward pre-hook catches the tokens entering the middle layer's temporal attention; from them
# and the layer's own `to_q` and `to_k` we compute the map `softmax(q kᵀ / √d)` with rotary
# positions, as the layer does inside `scaled_dot_product_attention`.

# %%
temporal = unet.mid.attn.temporal                 # TemporalAttention(width 16, head_dim 8): 2 heads
caught = {}
hook = temporal.attn.register_forward_pre_hook(lambda module, args: caught.update(tokens=args[0]))
with torch.no_grad():
    unet(x, STEP, text)
hook.remove()


def attention_map(layer, tokens):
    """(N, heads, F, F) attention weights of a TemporalAttention on its normalised tokens (N, F, C)."""
    heads = layer.attn.heads
    q = rearrange(layer.attn.to_q(tokens), "n f (heads d) -> n heads f d", heads=heads)
    k = rearrange(layer.attn.to_k(tokens), "n f (heads d) -> n heads f d", heads=heads)
    rotary = rotary_tables(tokens.shape[1], layer.head_dim, tokens.device, tokens.dtype)
    q, k = apply_rotary(q, *rotary), apply_rotary(k, *rotary)
    return torch.softmax(q @ k.transpose(-1, -2) / layer.head_dim ** 0.5, dim=-1)


with torch.no_grad():
    maps = attention_map(temporal, caught["tokens"]).cpu()  # (cells, heads, F, F)
fig, axes = plt.subplots(1, 3, figsize=(10, 3.2), sharey=True, layout="constrained")
for ax, (title, m) in zip(axes, [("cell 0, head 0", maps[0, 0]), ("cell 5, head 1", maps[5, 1]),
                                 ("mean over cells and heads", maps.mean((0, 1)))]):
    image = ax.imshow(m, cmap="viridis", vmin=0, vmax=maps.max())
    ax.set(title=title, xlabel="key frame")
axes[0].set_ylabel("query frame")
fig.colorbar(image, ax=axes, shrink=0.8)
print(f"weights range {maps.min():.3f} .. {maps.max():.3f}; uniform would be 1/F = {1 / FRAMES:.3f}")

# %% [markdown]
# Untrained, each frame spreads its attention roughly evenly over all frames. But at this point
# the map changes *nothing*: the layer returns `tokens + to_out(attention)`, and `to_out` is zero.
# To see what a temporal layer does once training has given it weights, we give `to_out` random
# values **in a copy** (the map itself stays the same: it needs only `to_q` and `to_k`).
#
# ## 5. Zero-initialised: the identity in time
#
# First the numbers: a temporal-only block (the finest level of the tiny preset) returns exactly
# its input, and a full block never lets one frame influence another. We perturb each input frame
# in turn and mark which output frames move (1 = frame `row` moved when frame `column` changed).

# %%
def influence(fn, x):
    """(F, F) 0/1 rows: 1 where output frame i moves when input frame j is perturbed; x (B, C, F, H, W)."""
    g = torch.Generator().manual_seed(4)
    with torch.no_grad():
        base = fn(x)
        moved = torch.zeros(x.shape[2], x.shape[2], dtype=torch.int64)
        for j in range(x.shape[2]):
            nudged = x.clone()
            # a random nudge: LayerNorm would cancel a constant shift of all channels
            nudged[:, :, j] += torch.randn(nudged[:, :, j].shape, generator=g).to(x.device)
            moved[:, j] = ((fn(nudged) - base).abs().amax(dim=(0, 1, 3, 4)) > 1e-6).long().cpu()
    return "\n".join(" ".join(map(str, row)) for row in moved.tolist())


def randomise(model, names):
    """A copy of `model` whose zero-initialised parameters under `names` get random values."""
    model = copy.deepcopy(model)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if any(key in name for key in names) and p.ndim > 1:   # drawn on the CPU, whatever the device
                p.copy_(0.2 * torch.randn(p.shape, generator=torch.Generator().manual_seed(1)))
    return model


def run_block(block):
    return lambda h: rearrange(block(rearrange(h, "b c f x y -> (b f) c x y"), FRAMES, text),
                               "(b f) c x y -> b c f x y", f=FRAMES)

# %%
# NBVAL_CHECK_OUTPUT
h = torch.randn(1, 8, FRAMES, LATENT, LATENT, generator=torch.Generator().manual_seed(2)).to(DEVICE)
only_temporal = unet.down[0].layers[0].attn             # width 8, temporal attention only
with torch.no_grad():
    gap = float((run_block(only_temporal)(h) - h).abs().max())
print("temporal-only block at init: max |block(x) - x| =", gap)
full = unet.mid.attn                                    # spatial + text + temporal + MLP
h = torch.randn(1, 16, FRAMES, 4, 4, generator=torch.Generator().manual_seed(5)).to(DEVICE)
print("full block at init, output frame (row) moved by input frame (column):")
print(influence(run_block(full), h))
print("the same block with to_out randomised:")
print(influence(run_block(randomise(full, ["temporal.attn.to_out"])), h))

# %% [markdown]
# The whole UNet behaves the same way. Its output convolution is zero too, so we randomise it in
# a copy to see anything at all: with the temporal projections still zero, output frame k
# depends on input frame k only. The untrained UNet *is* an image model run on every frame.

# %%
# NBVAL_CHECK_OUTPUT
def run_unet(model):
    return lambda inp: model(inp, STEP, text)


per_frame = randomise(unet, ["conv_out"])
print("UNet, temporal to_out zero:", influence(run_unet(per_frame), x).count("1"), "of", FRAMES ** 2,
      "pairs connected (the diagonal)")
mixing = randomise(unet, ["conv_out", "temporal.attn.to_out"])
print("UNet, temporal to_out random:", influence(run_unet(mixing), x).count("1"), "of", FRAMES ** 2)

# %% [markdown]
# ## 6. Rotary positions: only the distance between frames counts
#
# Temporal attention has no position embedding added to its tokens. Instead `apply_rotary`
# rotates pairs of channels of q and k by an angle proportional to the frame index (RoFormer,
# Su et al. 2021), so `q_i · k_j` depends on `i - j` only. Put the *same* content in every frame
# and the score matrix is constant along its diagonals (a Toeplitz matrix): a clip shifted in
# time gets the same attention. With the query equal to the key, the score is highest at
# distance 0 and falls with the distance: all else equal, a frame prefers its neighbours.

# %%
# NBVAL_CHECK_OUTPUT
head_dim, n = 16, 12
content = 2 * torch.randn(head_dim, generator=torch.Generator().manual_seed(3))
rotary = rotary_tables(n, head_dim, "cpu", torch.float32)
q = k = apply_rotary(content.expand(n, head_dim), *rotary)     # query = key = the same content
scores = q @ k.T                                                  # (query frame, key frame)
constant = all(torch.allclose(scores.diagonal(d)[1:], scores.diagonal(d)[:-1], atol=1e-4)
               for d in range(-n + 1, n))
print("same score for every pair at the same distance:", constant)
print("score at distance 0, 1, 2, 3:", [round(float(scores[5, 5 - d]), 2) for d in range(4)])

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
left.imshow(scores, cmap="coolwarm")
left.set(title="q_i · k_j with rotary (same content everywhere)", xlabel="key frame j",
         ylabel="query frame i")
right.plot(range(-n + 1, n), [float(scores.diagonal(-d)[0]) for d in range(-n + 1, n)], "o-")
right.set(title="score against the distance i - j", xlabel="i - j", ylabel="score")
fig.tight_layout()

# %% [markdown]
# ## 7. A temporal convolution: neighbours only (not in SEINE)
#
# SEINE's frames meet only in attention, which connects every frame with every other from the
# start and has to *learn* that neighbours matter most. `VideoUNet(temporal_conv=True)` (and
# `seine-lite train --temporal-conv`) adds a `TemporalConv` after each ResBlock: GroupNorm, SiLU
# and a convolution over 3 neighbouring frames at every pixel, added back (the temporal half of
# Make-A-Video's (2+1)D convolution). Its convolution starts at zero too, so the untrained model
# is still an image model. With random weights in a copy, the influence matrix of one such layer
# is a band: output frame `k` hears input frames `k-1`, `k` and `k+1`. Stacked through the UNet's
# layers the band widens, so a frame still hears far frames, through its neighbours.

# %%
# NBVAL_CHECK_OUTPUT
with_conv = VideoUNet(**unet_config_for("tiny", latent_channels=C), temporal_conv=True).eval().to(DEVICE)
one_conv = randomise(with_conv.down[0].layers[0].tconv, ["conv"])       # width 8, at the 8x8 level
h = torch.randn(1, 8, FRAMES, LATENT, LATENT, generator=torch.Generator().manual_seed(2)).to(DEVICE)
print("one TemporalConv, weights random, output frame (row) moved by input frame (column):")
print(influence(lambda v: rearrange(one_conv(rearrange(v, "b c f x y -> (b f) c x y"), FRAMES),
                                    "(b f) c x y -> b c f x y", f=FRAMES), h))
print("UNet with temporal convolutions, all zero-initialised:",
      influence(run_unet(randomise(with_conv, ["conv_out"])), x).count("1"), "of", FRAMES ** 2, "pairs")
print("the same UNet, only its convolutions in time random:",
      influence(run_unet(randomise(with_conv, ["conv_out", "tconv.conv"])), x).count("1"), "of", FRAMES ** 2)
extra = (VideoUNet(**unet_config_for("cpu"), temporal_conv=True).num_parameters()
         - VideoUNet(**unet_config_for("cpu")).num_parameters())
print(f"extra parameters in the cpu preset: {extra:,}")

# %% [markdown]
# ## 8. Where a frame is in time: a frame index and a relative position bias
#
# Convolutions, FiLM and cross-attention work frame by frame and, so far, get the same inputs in
# every frame; rotary positions change how strongly frames attend to each other, never *what*
# they pass on. So frame 7 has no input saying "I am 7 frames after the given one", which it
# needs to turn "moving left" into "this far left". Two options of `VideoUNet` fix
# that, both zero-initialised, so an untrained UNet computes what it did without them:
# `frame_positions=N` adds a sinusoid of the frame index, through an MLP, to every frame's
# timestep embedding (Stable Video Diffusion's `time_pos_embed`), and `relative_position_bias=True`
# adds SEINE's learned bias per head and per bucket of the distance `i - j` to temporal
# attention's scores (T5's buckets: exact for near frames, logarithmic for far ones).

# %%
# NBVAL_CHECK_OUTPUT
from seine_lite import SeinePipeline  # noqa: E402
from seine_lite.frame_position import relative_position_bucket  # noqa: E402

placed = VideoUNet(**unet_config_for("tiny", latent_channels=C), frame_positions=FRAMES,
                   relative_position_bias=True).eval().to(DEVICE)
missing = placed.load_state_dict(per_frame.state_dict(), strict=False).missing_keys
with torch.no_grad():
    gap = (run_unet(placed)(x) - run_unet(per_frame)(x)).abs().max().item()
print(f"{len(missing)} new tensors; untrained, the output moves by {gap:.0e}")
index = torch.arange(16)
buckets = relative_position_bucket(index[:, None] - index[None, :], 32, 32)
print("bucket of i - j for i = 0, j = 0..15:", buckets[0].tolist())
bundled = SeinePipeline.from_pretrained()           # the bundled model: what training made of them
reference = bundled.unet
print("bundled model: frame_positions =", reference.config.frame_positions,
      " relative_position_bias =", reference.config.relative_position_bias)

# %%
panels = [("bucket of i - j (16 frames)", buckets.numpy(), "viridis")]
if reference.frame_embedding is not None:       # how alike the learned frame embeddings are
    with torch.no_grad():
        e = torch.nn.functional.normalize(reference.frame_embedding(16, "cpu", torch.float32), dim=-1)
    panels.append(("bundled: cosine of frame embeddings", (e @ e.T).numpy(), "coolwarm"))
if reference.config.relative_position_bias:     # the mid block's learned bias, first head
    with torch.no_grad():
        bias = reference.mid.attn.temporal.position_bias(16, "cpu")[0].numpy()
    panels.append(("bundled: mid-block bias, head 0", bias, "coolwarm"))
fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 3.2), squeeze=False)
for ax, (title, image, cmap) in zip(axes[0], panels):
    ax.imshow(image, cmap=cmap)
    ax.set(title=title, xlabel="frame j", ylabel="frame i")
fig.tight_layout()

# %% [markdown]
# In the stored run, the bundled model's learned frame embeddings split the clip in two: frames
# 2–8 resemble each other, frames 10–15 resemble each other and point away from the first group
# (blue), with frame 9 between; frames 0 and 1 lean towards the last group. Training set the ends
# of a clip, where the given frames of prediction and of transitions sit, apart from its middle. The bucket picture is the bias's layout only: each bucket gets its own
# learned value per head when `relative_position_bias=True` (the bundled model has it off).
#
# ## 9. What a forward pass costs
#
# One forward of batch 1 at each preset's own size (frames and latent grid), on `DEVICE` (on a
# CPU with one thread). The times vary from run to run and machine to machine.

# %%
# NBVAL_IGNORE_OUTPUT
if DEVICE.type == "cpu":
    torch.set_num_threads(1)


def wait():  # a GPU runs asynchronously: wait for it before reading the clock
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


for name in ["tiny", "cpu"] + ([] if QUICK else ["lab"]):
    preset = PRESETS[name]
    model = VideoUNet(**unet_config_for(name, latent_channels=C)).eval().to(DEVICE)
    inp = torch.randn(1, 2 * C + 1, preset.num_frames, preset.latent_size, preset.latent_size, device=DEVICE)
    with torch.no_grad():
        model(inp, STEP, text)                      # warm-up
        repeats = 1 if QUICK or name == "lab" else 3
        wait()
        start = time.perf_counter()
        for _ in range(repeats):
            model(inp, STEP, text)
        wait()
    print(f"{name:<5} {(time.perf_counter() - start) / repeats * 1000:8.0f} ms per forward on {DEVICE.type}")
print(f"the bundled cpu model: {bundled.meta['trained_steps']:,} training steps, "
      f"{bundled.meta['wall_minutes_total']:.0f} minutes on 2 CPU cores")

# %% [markdown]
# Sampling runs this forward once per step at the bundled model's guidance scale of 1, twice at any
# other scale (with and without the caption), for 25 or more steps, and training runs it with a backward pass (about 3x the cost) for thousands of
# steps. The bundled `cpu` model took the time printed above, in short runs that each trained on
# from the last: the `cpu` preset is about the largest model a CPU can train in a working day.
#
# ## Exercise
#
# Predict the number of parameters of a `TemporalAttention(dim, head_dim)` *without counting*:
# write it as a function of `dim` and store it in `answer`. Read `seine_lite/attention.py`: a
# `LayerNorm` (a weight and a bias per channel), `to_q`, `to_k`, `to_v` (no bias) and `to_out` (with a
# bias). The number of heads does not matter: why?

# %%
answer = None   # your code here: lambda dim: ...

# %%
# NBVAL_CHECK_OUTPUT
def ok(count):
    """The formula against the real layer at several widths."""
    return all(count(dim) == sum(p.numel() for p in TemporalAttention(dim, head_dim=8).parameters())
               for dim in (8, 16, 64, 128, 256))


check(ok, answer, hint="a function of dim that returns the layer's parameter count at every width")

# %% [markdown]
# ### Solution
#
# LayerNorm `2 dim`; q, k, v `3 dim²`; to_out `dim² + dim`: `4 dim² + 3 dim`. Splitting the
# width into heads only reshapes the projections, it adds no weights.

# %%
answer = lambda dim: 4 * dim ** 2 + 3 * dim   # noqa: E731
temporal_share = {name: sum(p.numel() for n, p in VideoUNet(**unet_config_for(name)).named_parameters()
                            if ".temporal." in n) for name in PRESETS}
print("temporal attention parameters per preset:", temporal_share)

# %%
# NBVAL_CHECK_OUTPUT
check(ok, answer)

# %% [markdown]
# **Next:** `05` explains the noise the UNet learns to predict and the samplers that use it;
# `06` trains it.
