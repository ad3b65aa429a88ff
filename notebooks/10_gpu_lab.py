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
# # 10 · GPU lab: train a model in ten minutes
#
# **What you will do.** Find out which device this machine has, train a model with
# `accelerate` on it (the `lab` preset for about seven minutes on a GPU, the `tiny` preset for three
# on a CPU), plot its loss, sample a transition and a prediction from it next to a dissolve and a
# still frame, score it on held-out clips, and read what a GPU run costs and what it buys.
#
# **What you will learn.** That nothing in the code names a device: `default_device()` picks
# CUDA, then Apple's `mps`, then the CPU; `accelerate` puts the training there (with bf16
# autocast on CUDA) and `SeinePipeline.from_pretrained(..., device="auto")` samples there. How to
# fit a run into a time budget (`max_minutes`), which parts of it are not training (making the
# clips, encoding them once), and how the same run goes to several GPUs with `accelerate launch`.
#
# **What you need.** Notebook 06 (what `train` does). On a GPU: a CUDA build of torch and at
# most ten minutes. On a CPU: about four minutes on one core (`SEINE_LITE_QUICK=1`, as in
# `make test`: the `tiny` preset for 20 steps, well under a minute).

# %%
import json
import os
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from accelerate import PartialState
from diffusers.utils import logging as diffusers_logging
from transformers.utils import logging as transformers_logging

from seine_lite import SeinePipeline
from seine_lite.baselines import traditional_transition
from seine_lite.data import make_shapes_clips, render_scene, sample_scenes
from seine_lite.device import default_device, describe
from seine_lite.diffusion import NoiseSchedule
from seine_lite.evaluate import interpolation, prediction
from seine_lite.exercises import check
from seine_lite.latent_cache import DataConfig, build_latent_cache
from seine_lite.masking import MaskSampler
from seine_lite.pipeline import BUNDLED, join_prompts
from seine_lite.presets import get_preset
from seine_lite.text import CachedTextEncoder, load_text_encoder
from seine_lite.train import LossOptions, TrainConfig, train
from seine_lite.training_step import training_step
from seine_lite.unet import VideoUNet, unet_config_for
from seine_lite.vae import load_vae
from seine_lite.viz import frame_strip_figure

QUICK = os.environ.get("SEINE_LITE_QUICK") == "1"   # set by `make test`: tiny preset, 20 steps
STARTED = time.time()
diffusers_logging.set_verbosity_error()
transformers_logging.disable_progress_bar()
GPU_PRESET = "lab"     # or "cpu": a tenth of the parameters and a quarter of the pixels per frame
WORK = Path(tempfile.mkdtemp(prefix="seine_10_"))

device = default_device()                # the one place a device is chosen
if device.type == "cpu":
    torch.set_num_threads(1)             # the CPU figures below are for one core
print("running on", describe(device))
print(f"torch {torch.__version__}, built with CUDA: {torch.version.cuda or 'no'}; "
      f"accelerate will train on {PartialState().device}")

# %% [markdown]
# If this says `cpu` on a machine that has an NVIDIA GPU, torch itself cannot see it: a
# `+cpu` build (as in this project's own machines) or a driver too old for the build. Install a
# CUDA build of the same torch version and rerun; no cell changes.
#
# ## 1. One plan per machine
#
# The device and quick mode choose the preset, the data, the batch, a cap on steps and a budget
# in minutes for `train(..., max_minutes=...)`, which stops with a checkpoint and a usable model
# folder. On a GPU seven minutes of training leave room in ten for making and encoding the clips
# and for sampling. A GPU here means CUDA; on `mps` the CPU plan runs on `mps` (never measured).
# Every plan uses the recipe of `scripts/train_reference.sh` and notebook 09: v-prediction with
# min-SNR-5 weights, not notebook 06's plain ε-prediction.

# %%
# NBVAL_CHECK_OUTPUT
PLANS = {   # name: (preset, training clips, batch, step cap, minutes of training)
    "GPU": (GPU_PRESET, 1024, 8, 100_000, 7),
    "CPU": ("tiny", 256, 32, 5000, 3),
    "CPU, quick mode": ("tiny", 32, 8, 20, 1),
}
print(f"{'plan':<16} {'preset':<7} {'frames x pixels':>15} {'UNet parameters':>16} {'clips':>6} {'batch':>6} "
      f"{'step cap':>9} {'minutes':>8}")
for plan, (name, clips, batch, cap, minutes) in PLANS.items():
    p = get_preset(name)
    n = VideoUNet(**unet_config_for(name, latent_channels=8, text_dim=384)).num_parameters()
    print(f"{plan:<16} {name:<7} {f'{p.num_frames} x {p.size}²':>15} {n:>16,} {clips:>6} {batch:>6} "
          f"{cap:>9,} {minutes:>8}")

# %%
plan = "CPU, quick mode" if QUICK else "GPU" if device.type == "cuda" else "CPU"
PRESET, NUM_CLIPS, BATCH, STEPS, MINUTES = PLANS[plan]
LR = {"tiny": 1e-3, "cpu": 8e-4, "lab": 3e-4}[PRESET]   # notebook 09's, train_reference.sh's, TrainConfig's
cfg = TrainConfig(preset=PRESET, data=DataConfig(data="shapes", num_clips=NUM_CLIPS, seed=0),
                  schedule=NoiseSchedule(prediction_type="v_prediction"), loss=LossOptions(snr_gamma=5.0),
                  steps=STEPS, batch_size=BATCH, lr=LR, warmup_steps=min(100, STEPS // 5),
                  checkpoint_every=min(STEPS, 1000), text_encoder="minilm", seed=0)
OUT = WORK / PRESET
print(f"this run: the {plan} plan on {device.type}: {PRESET} preset, {NUM_CLIPS} clips, "
      f"batches of {BATCH}, at most {STEPS:,} steps or {MINUTES} min of training")

# %% [markdown]
# ## 2. Encode the clips once, on the device
#
# `train` encodes its clips once with the VAE, on the device, before the first step and inside its
# time budget: on this project's 2-core CPU, 3,000 clips of 16 frames at 64² took 4 minutes
# (docs/history.md), and the `lab` preset's frames have four times the pixels. We build the same
# cache here first, to time it on its own (on a GPU it has not been measured yet: the cell prints
# it); `train` finds it in `OUT/cache` by its key (data, preset, VAE weights, text encoder) and
# reads it back.

# %%
t0 = time.time()
vae = load_vae(cfg.vae).to(device)
text_encoder = CachedTextEncoder(load_text_encoder(cfg.text_encoder))
cache = build_latent_cache(cfg.data, cfg.preset, vae, text_encoder, cfg.text_encoder,
                           cache_dir=OUT / "cache", progress=False)
del vae
encode_s = time.time() - t0
print(f"{len(cache)} clips made and encoded on {device.type} in {encode_s:.1f} s; "
      f"latents {tuple(cache.latents.shape[1:])} each")

# %% [markdown]
# ## 3. Train
#
# The same call as notebook 06, with a budget. `accelerate` chose the device (printed in the
# first cell) and, on CUDA, bf16 autocast; the loop, the EMA and the checkpoints do not change.

# %%
# NBVAL_IGNORE_OUTPUT
last = train(cfg, OUT, progress=not QUICK, max_minutes=MINUTES)
train_s = last["elapsed_s"]
print(f"{last['step']:,} steps of {cfg.batch_size} clips in {train_s:.1f} s on {device.type}: "
      f"{last['step'] / train_s:.1f} steps/s, {last['clips_per_s']:.0f} clips/s, final loss {last['loss']:.3f}")

# %%
# NBVAL_CHECK_OUTPUT
print("model folder:", sorted(p.name for p in OUT.iterdir() if p.name in ("unet", "vae", "seine_lite.json")))
print("train read the cache back:", len(list((OUT / "cache").glob("latents-*.safetensors"))) == 1)

# %% [markdown]
# ## 4. The loss
#
# One point per step from `metrics.jsonl`, and a running mean: the min-SNR-weighted v-loss, which
# falls fastest in the first few hundred steps and is noisy because each step draws new timesteps.

# %%
# %matplotlib inline
rows = [json.loads(line) for line in (OUT / "metrics.jsonl").read_text().splitlines()]
steps, losses = np.array([r["step"] for r in rows]), np.array([r["loss"] for r in rows])
window = max(1, len(losses) // 15)
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(steps, losses, alpha=0.35, label="loss per step")
ax.plot(steps[window - 1:], np.convolve(losses, np.ones(window) / window, mode="valid"), label=f"mean of {window}")
ax.set(xlabel="step", ylabel="MSE", yscale="log", title=f"{PRESET} preset on {device.type}")
ax.legend()
plt.show()
print(f"mean loss, first 10 steps {losses[:10].mean():.3f}, last 10 steps {losses[-10:].mean():.3f}")

# %% [markdown]
# ## 5. Sample: a transition and a prediction beside the simple answers
#
# The model folder loads on the automatic device. A transition between two held-out scenes goes
# beside a dissolve of the same two frames; a prediction from the first frame of a held-out clip
# goes beside the real clip and the first frame held still.

# %%
pipe = SeinePipeline.from_pretrained(OUT, device="auto")
pipe.set_progress_bar_config(disable=True)
print("sampling on", pipe.device)
SAMPLE_STEPS = 3 if QUICK else 25
size, frames = pipe.resolution[0], pipe.num_frames
a, b = sample_scenes(2, seed=7, split="heldout", distinct_pairs=True)
first, last_frame = render_scene(a, size), render_scene(b, size)
between = pipe.transition(first, last_frame, prompt=join_prompts(a.caption, b.caption),
                          num_inference_steps=SAMPLE_STEPS, seed=0)
dissolve = traditional_transition("dissolve", first, last_frame, num_frames=frames)
clips, captions = make_shapes_clips(1, num_frames=frames, size=size, seed=126, split="heldout")
ahead = pipe.predict(clips[0][0], prompt=captions[0], num_inference_steps=SAMPLE_STEPS, seed=0)

# %%
# NBVAL_CHECK_OUTPUT
print("transition keeps its first and last frame:",
      np.array_equal(between[0], first) and np.array_equal(between[-1], last_frame))
print("prediction keeps its first frame:", np.array_equal(ahead[0], clips[0][0]))
print("same shape as the dissolve:", between.shape == dissolve.shape == ahead.shape)

# %%
# NBVAL_IGNORE_OUTPUT
frame_strip_figure({"generated": between, "dissolve": dissolve}, count=8, title=join_prompts(a.caption, b.caption))
frame_strip_figure({"real clip": clips[0], "predicted": ahead, "still": np.repeat(clips[0][:1], frames, axis=0)},
                   count=8, title=captions[0])
plt.show()

# %% [markdown]
# Numbers instead of pictures: the probes of `seine-lite eval` (notebook 07) on a few held-out
# clips. Interpolation gives the first and last frame and compares the middle with the truth,
# beside a dissolve; prediction gives two frames, beside repeating the last one. (Clips of a
# still object are left out: a dissolve or a repeat gets them exactly.) Beside them, the gains of
# the bundled `cpu` model (its CPU minutes are in its `seine_lite.json`) on the full eval, read from
# its `eval.json`.

# %%
# NBVAL_IGNORE_OUTPUT
N_EVAL = 2 if QUICK else 16 if device.type == "cuda" else 8
drawn = zip(*make_shapes_clips(2 * N_EVAL, num_frames=frames, size=size, seed=90_210, split="heldout"))
held, held_captions = map(list, zip(*[(v, c) for v, c in drawn if " still " not in c][:N_EVAL]))
scores = {**interpolation(pipe, held, held_captions, progress=False, num_inference_steps=SAMPLE_STEPS),
          **prediction(pipe, held, held_captions, progress=False, num_inference_steps=SAMPLE_STEPS)}
bundled = json.loads((BUNDLED / "eval.json").read_text())
for key in ("interpolation_gain_db", "prediction_gain_db"):
    print(f"{key:<22} {scores[key]:+.2f} dB on {len(held)} held-out clips, {SAMPLE_STEPS} steps "
          f"(the bundled cpu model: {bundled[key]:+.2f} dB)")

# %% [markdown]
# **What the stored run shows** (the CPU plan; quick-mode numbers mean nothing). Three minutes
# of the `tiny` preset on one core (the steps are printed in section 3) teach the background colour
# and a blob where the object is, as in notebook 09: the generated frames lose to the simple
# answers (the negative gains above, against the dissolve and the still frame). How far seven GPU
# minutes of the `lab` preset get is not known: it has never been run.

# %% [markdown]
# ## 6. What a GPU run takes and what it buys
#
# **Measured on a GPU so far: nothing.** No GPU has been available to this project, so no
# GPU figure exists yet: not the lab preset's steps per second, nor its memory, nor the loss or
# the held-out gains seven minutes reach, nor whether the ten minutes hold. The cells above
# print this run's own figures; run on a GPU, they are the first ones (please report them).
#
# **What it takes.** A CUDA GPU, a CUDA build of torch, and nothing else: no cell changes.
# Building the cache is CPU work for the clips (numpy) and device work for the VAE.
#
# **What it buys, in what is known.** The `lab` preset is 16 frames of 128² pixels (32² latents)
# and 41.9 M UNet parameters, against the `cpu` preset's 16 frames of 64² and 4.3 M, and
# `tiny`'s 4 frames of 32² and 0.1 M (table in section 1). On CPUs: this notebook measures its
# own `tiny` run (section 3); from this repository, a `cpu`-preset step of 8 clips took 4.0 s on
# two threads (docs/benchmarks.md, "Training throughput") and the bundled model's steps and minutes on 2 cores are in its
# `seine_lite.json` (notebook 04 prints them). The cell below measures one `lab` step on this machine.

# %%
# NBVAL_IGNORE_OUTPUT
probe = "tiny" if QUICK else "lab"       # quick mode times the same code on the tiny preset
p = get_preset(probe)
torch.manual_seed(0)
unet = VideoUNet(**unet_config_for(probe, latent_channels=cache.latents.shape[1],
                                  text_dim=cache.states.shape[-1])).to(device)
z0 = torch.randn(1, cache.latents.shape[1], p.num_frames, p.latent_size, p.latent_size, device=device)
states, mask = cache.states[1:2].to(device), cache.text_mask[1:2].to(device)
t0 = time.time()
step = training_step(unet, z0, states, mask, MaskSampler(cfg.masks), cfg.schedule, torch.Generator().manual_seed(0),
                     snr_gamma=cfg.loss.snr_gamma)
step.loss.backward()
if device.type == "cuda":
    torch.cuda.synchronize()
one = time.time() - t0
print(f"one {probe} training step of 1 clip (forward and backward, the first, so a warm-up too) on "
      f"{device.type}: {one:.2f} s; ten minutes at that rate: about {600 / one:,.0f} clips")
print(f"this run trained {last['step'] * cfg.batch_size:,} clips of the {PRESET} preset in {train_s:.0f} s")
del unet

# %% [markdown]
# ## 7. Several GPUs: `accelerate launch`
#
# A notebook is one process. On several GPUs, run the same training from a terminal: every
# process trains on its own clips (drawn from `(seed, step, rank)`), so the batch grows with
# the number of GPUs (8 clips each). This notebook's GPU run, the same on 4 GPUs, and a rehearsal
# with two CPU processes for a classroom without GPUs (docs/model.md, "Training"):
#
# ```bash
# seine-lite train --preset lab --data shapes --num-clips 1024 --steps 100000 --lr 3e-4 \
#     --warmup-steps 100 --prediction v_prediction --snr-gamma 5 --max-minutes 7 --out runs/lab  # 1 GPU
# accelerate launch --multi_gpu --num_processes 4 -m seine_lite.cli train --preset lab --data shapes \
#     --num-clips 1024 --steps 100000 --lr 3e-4 --warmup-steps 100 --prediction v_prediction \
#     --snr-gamma 5 --max-minutes 7 --out runs/lab4                                 # 4 GPUs
# ACCELERATE_USE_CPU=1 accelerate launch --multi_gpu --num_processes 2 \
#     -m seine_lite.cli train --preset tiny --out runs/ddp                          # 2 CPU processes
# ```
#
# There `train` encodes the cache itself, on the GPU, and it counts in `--max-minutes`.
# Rerunning with `--resume` continues from the last checkpoint; `SeinePipeline.from_pretrained(
# "runs/lab4")` loads the result. No multi-GPU run has been measured either.
#
# ## Exercise
#
# From `metrics.jsonl`, measure this run's speed in **steps per second over its second half**
# (the first steps include warm-up) and store in `answer` how many steps ten minutes
# would hold at that speed. Each row has `step` and `elapsed_s` (seconds since the run began).

# %%
answer = None   # your code here

# %%
# NBVAL_CHECK_OUTPUT
def ok(value):
    """Within 10 % of 600 s at the rate between the middle row and the last row of metrics.jsonl."""
    mid, end = rows[len(rows) // 2], rows[-1]
    expected = 600 * (end["step"] - mid["step"]) / (end["elapsed_s"] - mid["elapsed_s"])
    return abs(value - expected) <= 0.1 * expected


check(ok, answer, hint="600 × (steps / seconds) between the middle row of `rows` and its last")

# %% [markdown]
# ### Solution

# %%
half = rows[len(rows) // 2:]
steps_per_s = (half[-1]["step"] - half[0]["step"]) / (half[-1]["elapsed_s"] - half[0]["elapsed_s"])
answer = 600 * steps_per_s

# %%
# NBVAL_CHECK_OUTPUT
check(ok, answer)

# %%
# NBVAL_IGNORE_OUTPUT
print(f"{600 * steps_per_s:,.0f} steps of {PRESET} in ten minutes on {device.type}; "
      f"this notebook ran {(time.time() - STARTED) / 60:.1f} min in all")

# %% [markdown]
# On a GPU, the figures above are ones this project does not have yet. The run folder
# (`OUT`) is a complete model: pass it to notebooks 07 and 08 with `SeinePipeline.from_pretrained`.
#
# **Next:** back to `07` and `08` with your own model, or `09` for the experiments to try with it.
