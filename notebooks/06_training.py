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
# # 06 · Training: a video diffusion model on your CPU
#
# **What you will do.** Train the `tiny` video UNet on shapes clips with
# `seine_lite.train.train`, run one training step by hand (`seine_lite.training_step`) and look
# inside it (masks, timesteps, dropped captions), plot the loss from `metrics.jsonl`, stop and
# resume a run and check that nothing changed, sample from the model you trained, and see the
# commands that train the `lab` preset on GPUs.
#
# **What you will learn.** SEINE's training step (SEINE §3; Ho et al. 2020, algorithm 1): draw
# a mask, a timestep and noise, noise the clip's latent, and regress the noise from
# `[z_t ; mask ; masked z0]`. What is computed once and cached (latents, caption states), why
# captions are dropped 10 % of the time, what the mask mixture is, and how checkpoints, EMA and
# exact resume work on `accelerate`.
#
# **What you need.** Notebooks 03 (masks) and 05 (noise, ε-prediction). About three minutes on one
# CPU core (`SEINE_LITE_QUICK=1`: under a minute, and a model that has learnt next to nothing).

# %%
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import imageio_ffmpeg
import matplotlib.pyplot as plt
import mediapy
import numpy as np
import torch
from diffusers.utils import logging as diffusers_logging
from safetensors.torch import load_file
from transformers.utils import logging as transformers_logging

from seine_lite import SeinePipeline
from seine_lite.data import make_shapes_clips
from seine_lite.device import describe
from seine_lite.exercises import check
from seine_lite.latent_cache import DataConfig, build_latent_cache
from seine_lite.masking import MaskMixture, MaskSampler, frame_mask, given_frames, layout_picture
from seine_lite.text import CachedTextEncoder, load_text_encoder
from seine_lite.train import TrainConfig, draw_batch, train
from seine_lite.training_step import training_step
from seine_lite.unet import VideoUNet, unet_config_for
from seine_lite.vae import load_vae

QUICK = os.environ.get("SEINE_LITE_QUICK") == "1"   # set by `make test`: fewer clips and steps
mediapy.set_ffmpeg(imageio_ffmpeg.get_ffmpeg_exe())
diffusers_logging.set_verbosity_error()
transformers_logging.disable_progress_bar()
torch.set_num_threads(1)
STEPS = 20 if QUICK else 600
NUM_CLIPS = 32 if QUICK else 256
WORK = Path(tempfile.mkdtemp(prefix="seine_06_"))    # every run of this notebook writes here
print("training runs on", describe(), "(accelerate takes cuda, else mps, else cpu)")

# %% [markdown]
# ## 1. A training run is a config
#
# `TrainConfig` holds everything that decides the weights: preset, data, mask mixture, noise
# schedule, optimiser, EMA, seed. The UNet is the only part that trains: the VAE (the bundled one,
# `vae=None`) and the text encoder are frozen.

# %%
cfg = TrainConfig(preset="tiny", data=DataConfig(data="shapes", num_clips=NUM_CLIPS, seed=0),
                  steps=STEPS, batch_size=8, lr=1e-3, warmup_steps=20, checkpoint_every=STEPS // 2,
                  text_encoder="minilm", seed=0)
print(f"{STEPS} steps of {cfg.batch_size} clips, from {NUM_CLIPS} clips")

# %%
# NBVAL_CHECK_OUTPUT
for name in ("preset", "lr", "ema_decay", "caption_dropout", "grad_clip"):
    print(f"{name:<16} {getattr(cfg, name)}")
print("generated_only  ", cfg.loss.generated_only)     # the extras sit in groups: cfg.loss, cfg.unet_options, ...
print("schedule        ", asdict(cfg.schedule))
print("masks           ", cfg.masks.weights(), "p =", cfg.masks.p)

# %% [markdown]
# ## 2. What is cached
#
# Every step needs the latents of its clips and the text states of their captions. Both come
# from frozen networks, so `build_latent_cache` computes them **once**: every clip through the
# VAE, every *distinct* caption through the text encoder (row 0 is the empty caption, for
# guidance). They land in `OUT/cache/latents-<key>.safetensors`, where the key hashes the data
# config, the preset, the VAE's weights and the text encoder: a resumed run, or a second run on
# the same data, reads the file back instead of encoding again. `train` does this itself; we call
# it first to look inside.

# %%
OUT = WORK / "tiny"
text_encoder = CachedTextEncoder(load_text_encoder(cfg.text_encoder))
cache = build_latent_cache(cfg.data, cfg.preset, load_vae(cfg.vae), text_encoder, cfg.text_encoder,
                           cache_dir=OUT / "cache", progress=False)
print("cache files:", sorted(p.name for p in (OUT / "cache").iterdir()))
print(f"{len(cache)} clips, {len(cache.captions) - 1} distinct captions")

# %%
# NBVAL_CHECK_OUTPUT
print("latents     (N,", ", ".join(map(str, cache.latents.shape[1:])) + ")   = (clips, C, F, h, w)")
print("caption_ids (N,)               one row of `states` per clip")
print("states      (K + 1,", ", ".join(map(str, cache.states.shape[1:])) + ") = (captions, tokens, width)")
print("row 0 is the empty caption:", repr(cache.captions[0]))

# %% [markdown]
# ## 3. One training step: masks, timesteps, dropped captions
#
# Every random draw of step `s` comes from a generator seeded by `(seed, s, rank)`: which clips
# and which captions are dropped (`draw_batch` in `train.py`), then which mask, which noise and
# which timestep (`training_step` in `training_step.py`). That is what makes a resumed run repeat
# a straight one exactly, and lets each process of a multi-GPU run see different clips.
#
# `training_step` is SEINE's algorithm line by line: draw the mask, ε and t, noise the latent,
# stack `[z_t ; mask ; masked z0]`, predict, and take the loss. `train()` calls exactly this
# function; everything else in `train.py` (the optimiser, EMA, checkpoints) surrounds it. Here
# it runs once on an untrained UNet, whose prediction is 0, so the loss is about 1.
#
# * **Masks.** `MaskMixture` draws a layout per clip: `onelast1` (transition), `first{k}`
#   (prediction) and per-frame Bernoulli (the paper's only kind), 35/35/30 by default.
# * **Caption dropout.** With probability `caption_dropout = 0.1` a clip's caption is replaced by
#   the empty one, so the same model also learns the *unconditional* prediction that
#   classifier-free guidance needs (notebook 05, section 5).

# %%
sampler = MaskSampler(cfg.masks)
untrained = VideoUNet(**unet_config_for("tiny", latent_channels=cache.latents.shape[1],
                                        text_dim=cache.states.shape[-1]))
idx, z0, states, text_mask, g = draw_batch(cache, cfg, step=0, rank=0)
result = training_step(untrained, z0, states, text_mask, sampler, cfg.schedule, g)
empty = cache.states[0]
for i in range(cfg.batch_size):
    caption = "" if torch.equal(states[i], empty) else cache.captions[cache.caption_ids[idx[i]]]
    print(f"{layout_picture(given_frames(result.mask)[i])}  t = {int(result.t[i]):>3}  {caption!r}")
print(f"loss of the untrained UNet: {result.loss.item():.3f}")

# %%
dropped = sum(int(torch.equal(s, empty)) for step in range(200)
              for s in draw_batch(cache, cfg, step=step, rank=0)[2])
drawn = 200 * cfg.batch_size
print(f"captions dropped in 200 steps: {dropped} of {drawn} ({dropped / drawn:.1%})")

# %%
# NBVAL_CHECK_OUTPUT
names = MaskSampler(cfg.masks).sample_with_names(2000, 4, torch.Generator().manual_seed(0))[1]
print("layouts drawn for the tiny preset's 4 frames:", dict(sorted(Counter(names).items())))

# %% [markdown]
# With 4 frames `first{k}` stops at `first3` (one frame must be left to generate), and
# `uniform0.15` gives nothing at all about half the time: those clips teach text-to-video.
#
# ## 4. Train
#
# `train(cfg, OUT)` builds the `accelerate` loop: AdamW with warm-up, gradient clipping, an EMA of
# the weights, a checkpoint every `checkpoint_every` steps (the last `keep_checkpoints` kept), and
# at the end a model folder that `SeinePipeline.from_pretrained(OUT)` loads. That folder holds
# the **EMA** weights, a running average that usually samples better than the last step's
# weights. Its decay is `min(ema_decay, (1 + s) / (10 + s))` at step s (diffusers' `EMAModel`),
# so a short run averages over its recent steps rather than clinging to the random start.

# %%
# NBVAL_IGNORE_OUTPUT
last = train(cfg, OUT, progress=not QUICK)
print(f"step {last['step']}: loss {last['loss']:.3f}, {last['clips_per_s']:.0f} clips/s, "
      f"{last['elapsed_s']:.0f} s")

# %%
# NBVAL_CHECK_OUTPUT
print(sorted(p.name for p in OUT.iterdir()))
print("unet:", sorted(p.name for p in (OUT / "unet").iterdir()))
print("checkpoints kept:", len(list((OUT / "checkpoints").iterdir())))

# %% [markdown]
# ## 5. The loss curve
#
# `metrics.jsonl` has one line per step: loss, learning rate, throughput, elapsed time. The loss
# starts near 1.0: the untrained UNet predicts 0 (notebook 04) and the noise has variance 1. It
# is noisy because each step draws new timesteps: a step at small t (nearly clean) is hard to get
# exactly, one at t near 1000 is easy. The running mean shows the trend.

# %%
# %matplotlib inline
# (train() drew OUT/loss.png with matplotlib's file-only backend; this brings inline figures back)
rows = [json.loads(line) for line in (OUT / "metrics.jsonl").read_text().splitlines()]
steps, losses = np.array([r["step"] for r in rows]), np.array([r["loss"] for r in rows])
window = max(1, len(losses) // 15)
running = np.convolve(losses, np.ones(window) / window, mode="valid")
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
left.plot(steps, losses, alpha=0.35, label="loss per step")
left.plot(steps[window - 1:], running, label=f"mean of {window}")
left.set(xlabel="step", ylabel="MSE", yscale="log", title="training loss")
left.legend()
right.plot(steps, [r["lr"] for r in rows])
right.set(xlabel="step", ylabel="learning rate", title=f"warm-up over {cfg.warmup_steps} steps")
fig.tight_layout()
print(f"mean loss, first 10 steps {losses[:10].mean():.3f}, last 10 steps {losses[-10:].mean():.3f}")

# %% [markdown]
# ## 6. Stop and resume: exactly the same run
#
# Checkpoints hold the weights, the optimiser, the learning-rate schedule and the EMA
# (as safetensors and JSON, no pickle, written to a temporary folder and renamed, so a kill never leaves
# half a checkpoint). We train 10 steps straight, then 5 steps, stop, and resume to 10. Copying
# the cache spares both runs the encoding.

# %%
short = replace(cfg, steps=10, checkpoint_every=5, warmup_steps=2)
for name in ("straight", "resumed"):
    shutil.copytree(OUT / "cache", WORK / name / "cache")
train(short, WORK / "straight", progress=False)
train(replace(short, steps=5), WORK / "resumed", progress=False)         # stops at step 5
row = train(short, WORK / "resumed", resume=True, progress=False)       # continues to 10

# %%
# NBVAL_CHECK_OUTPUT
def losses_of(folder):
    return [json.loads(line)["loss"] for line in (folder / "metrics.jsonl").read_text().splitlines()]


a, b = (load_file(str(WORK / name / "unet" / "diffusion_pytorch_model.safetensors"))
        for name in ("straight", "resumed"))
print("checkpoints:", sorted(p.name for p in (WORK / "resumed" / "checkpoints").iterdir()))
print("steps logged:", len(losses_of(WORK / "resumed")))
print("same losses, step for step:", losses_of(WORK / "straight") == losses_of(WORK / "resumed"))
print("same final weights:", all(torch.equal(a[k], b[k]) for k in a))

# %% [markdown]
# ## 7. Sampling from the model you trained
#
# The output folder is a complete model: `SeinePipeline.from_pretrained(OUT)` reads the UNet, the
# VAE, the schedule and the text encoder's name from it. We give it the first and last frame of a
# clip it has never seen and ask for the frames between (a transition), and the first frame
# alone (a prediction). A few minutes of a 0.1 M-parameter model on 4 frames at 32 pixels learns
# colours and rough places at best; notebook 07 uses the bundled `cpu` model. The given frames
# are pasted back exactly.

# %%
pipe = SeinePipeline.from_pretrained(OUT, device="auto")
pipe.set_progress_bar_config(disable=True)
clips, captions = make_shapes_clips(1, num_frames=pipe.num_frames, size=pipe.resolution[0], seed=123)
real, caption = clips[0], captions[0]
steps_to_sample = 5 if QUICK else 25
between = pipe.transition(real[0], real[-1], prompt=caption, num_inference_steps=steps_to_sample, seed=0)
ahead = pipe.predict(real[0], prompt=caption, num_inference_steps=steps_to_sample, seed=0)
print(caption)

# %%
# NBVAL_CHECK_OUTPUT
print("video", between.shape, between.dtype, "- given frames back in place:",
      np.array_equal(between[0], real[0]) and np.array_equal(between[-1], real[-1]))

# %%
# NBVAL_IGNORE_OUTPUT
mediapy.show_videos({"real clip": real, "transition": between, "prediction": ahead}, fps=4, height=128)

# %% [markdown]
# ## 8. The `lab` preset on a GPU
#
# The same `train` runs on GPUs: `accelerate` moves the model, turns on bf16 autocast and, under
# `accelerate launch`, splits the batches over processes (each process draws its own clips from
# `(seed, step, rank)`). The reference script trains and evaluates; with `PRESET=lab` it trains
# the 16-frame, 128-pixel model:
#
# ```bash
# PRESET=lab DEVICE=cuda MINUTES=8 OUT=runs/lab scripts/train_reference.sh      # one GPU
# accelerate launch --multi_gpu --num_processes 8 -m seine_lite.cli train \
#     --preset lab --data mix --out runs/lab                                     # 8 GPUs
# ACCELERATE_USE_CPU=1 accelerate launch --multi_gpu --num_processes 2 \
#     -m seine_lite.cli train --preset tiny --out runs/ddp                      # 2 CPU processes
# ```
#
# Rerunning the script resumes from `runs/lab/checkpoints`. (`accelerate launch --cpu
# --num_processes 2` starts one process only, a known accelerate bug: use the last line.)

# %%
# NBVAL_CHECK_OUTPUT
lab = TrainConfig(preset="lab")
for name in ("tiny", "lab"):
    n = VideoUNet(**unet_config_for(name)).num_parameters()
    print(f"{name:<5} UNet {n:>11,} parameters")
print("lab: batch", lab.batch_size, "per process, lr", lab.lr)
print("scripts/train_reference.sh adds: --prediction v_prediction --snr-gamma 5 --data mix")

# %% [markdown]
# ## Exercise
#
# Train only **transitions**: build a `MaskMixture` that draws `onelast1` and nothing else, and
# store it in `answer`. (On the command line: `seine-lite train --masks transition=1`.)

# %%
answer = None   # your code here: a MaskMixture

# %%
# NBVAL_CHECK_OUTPUT
def ok(mixture):
    """500 masks of 16 frames drawn from the mixture: every one is onelast1."""
    if not isinstance(mixture, MaskMixture):
        return False
    masks, names = MaskSampler(mixture).sample_with_names(500, 16, torch.Generator().manual_seed(0))
    return set(names) == {"onelast1"} and torch.equal(masks, frame_mask("onelast1", 16, batch=500))


check(ok, answer, hint="a MaskMixture with weight only on transition (the others 0)")

# %% [markdown]
# ### Solution

# %%
answer = MaskMixture(transition=1.0, prediction=0.0, bernoulli=0.0)

# %%
# NBVAL_CHECK_OUTPUT
check(ok, answer)

# %% [markdown]
# Train with it (`replace(cfg, masks=answer)`) and every step is a transition: the model never
# practises prediction from a first frame. One model for every task is the point of SEINE's
# random masks.
#
# **Next:** `07` compares generated transitions with dissolves and wipes and measures them.
