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
# # 09 · Experiments: which of SEINE's choices matter?
#
# **What you will do.** Run four ablations, end to end and seeded: train small models that differ
# in one choice each, measure them on held-out shapes clips, and read the table and the plots.
# (1) SEINE's random mask mixture against transition-only training; (2) the loss on all frames
# against the loss on generated frames only; (3) conditioning by concatenation (SEINE) against
# *replacing* the given frames of z_t at every step; (4) the number of sampling steps and the
# guidance scale.
#
# **What you will learn.** How to run an ablation you can trust: one change at a time, fixed
# seeds, held-out data, baselines (a dissolve, repeating the last frame), and an honest
# yardstick for noise (the same recipe trained with another seed, and resampling the test clips).
# Why SEINE feeds the given frames in as channels instead of pasting them into z_t (Ho et al.
# 2022, §3.1), and what its loss over the whole latent buys.
#
# **What you need.** Notebooks 03 (masks), 05 (sampling, guidance) and 06 (training). About ten
# minutes on one CPU core (`SEINE_LITE_QUICK=1`: about a minute, and numbers that mean nothing).

# %%
import json
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from diffusers.utils import logging as diffusers_logging
from IPython.display import Markdown, display
from transformers.utils import logging as transformers_logging

from seine_lite import SeinePipeline
from seine_lite.data import make_shapes_clips
from seine_lite.diffusion import NoiseSchedule
from seine_lite.evaluate import EVAL_SEED, interpolation
from seine_lite.latent_cache import DataConfig
from seine_lite.masking import MaskMixture, MaskSampler, mask_from_given, parse_layout
from seine_lite.replacement import replace_given, replacement_generator
from seine_lite.train import LossOptions, TrainConfig, train
from seine_lite.baselines import dissolve
from seine_lite.unet import VideoUNet, unet_config_for
from seine_lite.vae import load_vae
from seine_lite.viz import frame_strip_figure
from seine_lite.device import describe
from seine_lite.exercises import check

QUICK = os.environ.get("SEINE_LITE_QUICK") == "1"   # set by `make test`: tiny runs, numbers meaningless
diffusers_logging.set_verbosity_error()
transformers_logging.disable_progress_bar()
torch.set_num_threads(1)
STEPS = 12 if QUICK else 300              # training steps per model
EVAL_CLIPS = 3 if QUICK else 16           # held-out clips
SAMPLE_STEPS = 10                         # DDIM steps, except in the sweep of section 5
WORK = Path(tempfile.mkdtemp(prefix="seine_09_"))
started = time.time()


def folder(name):
    return WORK / name.replace(",", "").replace(" ", "_")

# %% [markdown]
# ## 1. The experiment grid
#
# One recipe, `base`: the `tiny` preset's clips (4 frames, 32 × 32 pixels), its UNet twice as wide
# (in our trials it learnt more in the same minutes than the default), v-prediction with min-SNR
# weighting (fastest in a short run, as in the reference script), 300 steps of 32 clips. Each
# ablation changes **one** field; `seine, seed 1` changes only the seed: its gap to `seine` is
# training noise alone, the yardstick for every other row.

# %%
WIDER = {**unet_config_for("tiny", latent_channels=load_vae().config.latent_channels),
         "block_out_channels": (16, 32), "norm_num_groups": 8}
base = TrainConfig(preset="tiny", data=DataConfig(data="shapes", num_clips=256, seed=0), unet=WIDER,
                   schedule=NoiseSchedule(prediction_type="v_prediction"), loss=LossOptions(snr_gamma=5.0),
                   steps=STEPS, batch_size=32, lr=1e-3, warmup_steps=20, checkpoint_every=STEPS, seed=0)
MODELS = {
    "seine": base,
    "seine, seed 1": replace(base, seed=1),
    "transition only": replace(base, masks=MaskMixture(transition=1.0, prediction=0.0, bernoulli=0.0)),
    "generated-frame loss": replace(base, loss=replace(base.loss, generated_only=True)),
}
ROWS = {  # what we measure: row name -> (model, how the pipeline samples)
    "SEINE (concat)": ("seine", {}),
    "SEINE, seed 1": ("seine, seed 1", {}),
    "transition-only training": ("transition only", {}),
    "loss on generated frames": ("generated-frame loss", {}),
    "replacement sampling": ("seine", {"conditioning": "replace"}),
}

# %%
# NBVAL_CHECK_OUTPUT
reference = {**asdict(base), **asdict(base.loss)}      # SEINE's settings and the loss options
print("base:", {k: reference[k] for k in ("preset", "batch_size", "lr", "snr_gamma", "seed")},
      base.schedule.prediction_type, "masks", base.masks.weights())
print(f"UNet widths {WIDER['block_out_channels']}: {VideoUNet(**WIDER).num_parameters():,} parameters")
for name, cfg in MODELS.items():
    changed = {k: cfg.masks.weights() if k == "masks" else v
               for k, v in {**asdict(cfg), **asdict(cfg.loss)}.items() if k != "loss" and v != reference[k]}
    print(f"{name:<21} {changed or 'the base recipe'}")
for name in ("seine", "transition only"):
    masks, names = MaskSampler(MODELS[name].masks).sample_with_names(2000, 4, torch.Generator().manual_seed(0))
    print(f"layouts drawn by {name!r}:", dict(sorted(Counter(names).items())))
    print(f"  clips with no frame given: {float((masks == 1).flatten(1).all(1).float().mean()):.0%}")

# %% [markdown]
# With 4 frames, `uniform0.15` gives no frame at all half the time (0.85⁴ = 0.52): about one in six
# of SEINE's training clips is plain text-to-video (printed above). That matters for section 4.
#
# ## 2. Train the four models
#
# The latents of the 256 clips are encoded once, by the first run, and copied to the others
# (the cache's key hashes the data, the preset, the VAE and the text encoder, not the rest).

# %%
# NBVAL_IGNORE_OUTPUT
for name, cfg in MODELS.items():
    out = folder(name)
    if (WORK / "cache").exists():
        shutil.copytree(WORK / "cache", out / "cache")
    t0 = time.time()
    row = train(cfg, out, progress=False)
    shutil.copytree(out / "cache", WORK / "cache", dirs_exist_ok=True)
    print(f"{name:<21} loss {row['loss']:.3f} after {row['step']} steps, {time.time() - t0:.0f} s")
pipes = {name: SeinePipeline.from_pretrained(folder(name), device="auto") for name in MODELS}
print("sampling on", describe(next(iter(pipes.values())).device))
for pipe in pipes.values():
    pipe.set_progress_bar_config(disable=True)

# %%
# %matplotlib inline
fig, ax = plt.subplots(figsize=(7, 3.2))
for name in MODELS:
    rows = [json.loads(line) for line in (folder(name) / "metrics.jsonl").read_text().splitlines()]
    losses = np.array([r["loss"] for r in rows])
    window = max(1, len(losses) // 10)
    running = np.convolve(losses, np.ones(window) / window, "valid")
    ax.plot(np.arange(window, len(losses) + 1), running, label=name)
ax.set(xlabel="step", ylabel="loss (running mean)", yscale="log", title="training loss")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# Losses are not comparable across rows: SEINE's also counts the given frames, where the answer
# is almost in the input (the clean latent sits in the extra channels), and transition-only
# clips always have two given frames. Compare models by what they generate.
#
# ## 3. Measure on held-out clips
#
# Held-out clips (colour–shape–background triples training never draws); per clip and row one
# seeded transition (first and last frame given) and one prediction (first two given):
#
# * **interpolation**: PSNR of the two middle frames; baseline: a dissolve;
# * **prediction**: PSNR of frames 3 and 4; baseline: repeating the last given frame;
# * **given frames**: PSNR of the model's *own* first and last frame (`paste_given=False`).
#
# PSNR of the MSE pooled over clips (as `evaluate.pooled_psnr`). The ± is the spread of a row's
# difference to SEINE when the test clips are resampled (paired bootstrap): the choice of test
# clips, not training noise.

# %%
clips, captions = make_shapes_clips(EVAL_CLIPS, num_frames=4, size=32, seed=EVAL_SEED, split="heldout")
MIDDLE, FUTURE, ENDS = [1, 2], [2, 3], parse_layout("onelast1", 4)


def mse(video, clip, frames):
    return float(np.mean((video[frames].astype(float) - clip[frames].astype(float)) ** 2))


def measure(pipe, **kw):
    """Per-clip MSE of the interpolated, predicted and (unpasted) given frames."""
    result = {"interpolation": [], "prediction": [], "given frames": []}
    for i, (clip, caption) in enumerate(zip(clips, captions)):
        video = pipe.transition(clip[0], clip[-1], prompt=caption, seed=i, paste_given=False,
                                num_inference_steps=SAMPLE_STEPS, **kw)
        result["interpolation"].append(mse(video, clip, MIDDLE))
        result["given frames"].append(mse(video, clip, ENDS))
        video = pipe.predict(list(clip[:2]), prompt=caption, seed=i, num_inference_steps=SAMPLE_STEPS, **kw)
        result["prediction"].append(mse(video, clip, FUTURE))
    return {k: np.array(v) for k, v in result.items()}


def db(mse_values):
    return 10 * np.log10(255.0 ** 2 / np.maximum(mse_values, 1e-12))


def paired_spread(a, b, draws=1000):
    """Std of PSNR(b) - PSNR(a) over bootstrap resamples of the test clips (the same clips for both)."""
    idx = np.random.default_rng(0).integers(0, len(a), (draws, len(a)))
    return float(np.std(db(b[idx].mean(1)) - db(a[idx].mean(1))))


# %%
t0 = time.time()
results = {row: measure(pipes[model], **kw) for row, (model, kw) in ROWS.items()}
baselines = {"interpolation": [mse(dissolve(c[0], c[-1], 4), c, MIDDLE) for c in clips],
             "prediction": [mse(np.repeat(c[1:2], 4, axis=0), c, FUTURE) for c in clips]}
print(f"measured {len(ROWS)} rows on {len(clips)} held-out clips in {time.time() - t0:.0f} s")

# %%
METRICS = ("interpolation", "prediction", "given frames")
seine = results["SEINE (concat)"]
lines = ["| row | " + " | ".join(f"{m} (dB)" for m in METRICS) + " |", "|---|---|---|---|"]
for row, r in results.items():
    cells = [f"{db(r[m].mean()):.2f}" + ("" if row == "SEINE (concat)" else
             f" ({db(r[m].mean()) - db(seine[m].mean()):+.2f} ± {paired_spread(seine[m], r[m]):.2f})")
             for m in METRICS]
    lines.append(f"| {row} | " + " | ".join(cells) + " |")
lines.append(f"| dissolve / repeat last | {db(np.mean(baselines['interpolation'])):.2f} | "
             f"{db(np.mean(baselines['prediction'])):.2f} | exact (pasted) |")
display(Markdown("\n".join(lines)))

# %%
fig, ax = plt.subplots(figsize=(9, 3.6))
width = 0.8 / len(results)
for j, (row, r) in enumerate(results.items()):
    heights = [db(r[m].mean()) for m in METRICS]
    errors = [0 if row == "SEINE (concat)" else paired_spread(seine[m], r[m]) for m in METRICS]
    ax.bar(np.arange(3) + (j - len(results) / 2 + 0.5) * width, heights, width, yerr=errors, label=row)
for k, name in enumerate(("dissolve", "repeat last")):
    level = db(np.mean(baselines[("interpolation", "prediction")[k]]))
    ax.hlines(level, k - 0.45, k + 0.45, colors="black", linestyles="--")
    ax.annotate(name, (k, level), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
ax.set_xticks(range(3), METRICS)
ax.set(ylabel="PSNR (dB), higher is better", title="held-out shapes clips")
ax.legend(fontsize=7, loc="upper left")
fig.tight_layout()

# %% [markdown]
# **Reading it.** First compare `SEINE, seed 1` with `SEINE (concat)`: the same recipe, so their
# gap is training noise alone. The cell below calls a change a finding only when it is larger
# than that gap and than twice its ±.

# %%
seed_gap = {m: abs(db(results["SEINE, seed 1"][m].mean()) - db(seine[m].mean())) for m in METRICS}
for row in ("transition-only training", "loss on generated frames", "replacement sampling"):
    for m in METRICS:
        delta = db(results[row][m].mean()) - db(seine[m].mean())
        noise = max(seed_gap[m], 2 * paired_spread(seine[m], results[row][m]))
        verdict = "beyond the noise" if abs(delta) > noise else "within the noise"
        print(f"{row:<25} {m:<14} {delta:+6.2f} dB vs SEINE  (noise {noise:.2f} dB): {verdict}")

# %% [markdown]
# **What the stored full run shows** (quick-mode numbers mean nothing). Every model is far below
# a dissolve: 300 steps teach a background colour and a blob where the object was (frame strip
# below). At that level:
#
# * *Transition-only training* is a little better at interpolation and at the given frames, just
#   beyond the noise (the verdicts above), and no worse at prediction from two frames, a layout
#   it never saw. These models mostly learnt "copy what is given", which any layout teaches, and a
#   model that sees only `onelast1` practises that layout more; SEINE's case for the mixture (one
#   model for every task) needs a model that has learnt motion.
# * *Loss on generated frames only* is the clear result: the untrained given frames come back
#   far worse (several dB), while the generated ones are no better for the extra focus. The
#   given-frame part of SEINE's loss is an easy lesson (the answer sits in the extra channels)
#   that costs the generated frames nothing. Pasting the inputs back hides the loss.
# * *Replacement* returns the given frames as the VAE reconstructs them (the ceiling of a latent
#   model) and generated frames PSNR cannot tell from concatenation's. The incoherence Ho et al.
#   found at scale is detail these models do not draw yet.

# %% [markdown]
# One held-out clip, every row, with the models' own first and last frames (nothing pasted):

# %%
clip = clips[0]
videos = {"real": clip}
for row, (model, kw) in ROWS.items():
    videos[row] = pipes[model].transition(clip[0], clip[-1], prompt=captions[0], seed=0, paste_given=False,
                                          num_inference_steps=SAMPLE_STEPS, **kw)
fig = frame_strip_figure(videos, count=4, title=captions[0])

# %% [markdown]
# ## 4. Replacement, step by step
#
# `pipe.generate(..., conditioning="replace")` (`seine_lite/replacement.py`) is Ho et al. 2022's
# *replacement method* (RePaint without resampling): the UNet gets the mask "generate all" and an
# empty masked latent, and before every step the given frames of z_t are overwritten by a fresh
# draw of q(z_t | z0) = √ᾱ_t z0 + √(1-ᾱ_t) ε (DDPM eq. 4); after the last step, by z0 itself.
# Section 3 used **the same SEINE weights** for both rows, so only the conditioning differs; they
# know the empty mask from the training clips that gave no frame (section 1). (The textbook setting,
# a model trained on empty masks only, is `MaskMixture(text_to_video=1, transition=0, ...)`.)

# %%
# NBVAL_CHECK_OUTPUT
schedule = NoiseSchedule()
g = torch.Generator().manual_seed(0)
z, z0 = torch.randn(1, 8, 4, 8, 8, generator=g), torch.randn(1, 8, 4, 8, 8, generator=g)
mask = mask_from_given(parse_layout("x..x", 4))                       # 1 = generate
for t in (900, 500, 100, 0, -1):
    out = replace_given(z, z0, mask, schedule, t, replacement_generator(0))
    a = schedule.alphas_cumprod[t] if t >= 0 else torch.tensor(1.0)
    eps = (out[:, :, [0, 3]] - a.sqrt() * z0[:, :, [0, 3]]) / max(float((1 - a).sqrt()), 1e-12)
    print(f"t = {t:>3}: generated frames kept {torch.equal(out[:, :, 1:3], z[:, :, 1:3])}, "
          f"given frames = z0 exactly {torch.equal(out[:, :, [0, 3]], z0[:, :, [0, 3]])}, "
          f"their noise has std {float(eps.std()):.1f}")

# %% [markdown]
# ## 5. Sampling: steps and guidance scale
#
# The SEINE model again, interpolation PSNR (`evaluate.interpolation`) against the DDIM steps
# (guidance 3.0, as trained) and the guidance scale (10 steps). Replacement joins the steps sweep:
# RePaint needed many steps (and resampling).

# %%
STEP_GRID = (1, 2, 5) if QUICK else (1, 2, 5, 10, 25)
SCALE_GRID = (1.0, 3.0) if QUICK else (1.0, 2.0, 3.0, 5.0, 8.0)
sweep_clips, sweep_captions = clips[:8], captions[:8]


def interpolation_db(pipe, **kw):
    return interpolation(pipe, sweep_clips, sweep_captions, False, **kw)["interpolation_psnr_db"]


t0 = time.time()
by_steps = {kind: [interpolation_db(pipes["seine"], num_inference_steps=n, conditioning=kind)
                   for n in STEP_GRID] for kind in ("concat", "replace")}
by_scale = [interpolation_db(pipes["seine"], num_inference_steps=SAMPLE_STEPS, guidance_scale=scale)
            for scale in SCALE_GRID]
dissolve_db = db(np.mean(baselines["interpolation"][:8]))
print(f"sweeps took {time.time() - t0:.0f} s")
print("steps  ", STEP_GRID)
for kind, values in by_steps.items():
    print(f"{kind:<8}", np.round(values, 2))
print("scale  ", SCALE_GRID, "\nconcat  ", np.round(by_scale, 2))
print(f"best: {STEP_GRID[int(np.argmax(by_steps['concat']))]} DDIM steps, "
      f"guidance {SCALE_GRID[int(np.argmax(by_scale))]}")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
for kind, label in (("concat", "SEINE (concat)"), ("replace", "replacement")):
    left.plot(STEP_GRID, by_steps[kind], "o-", label=label)
right.plot(SCALE_GRID, by_scale, "o-", label="SEINE (concat), 10 steps")
for ax in (left, right):
    ax.axhline(dissolve_db, color="black", linestyle="--", label="dissolve")
    ax.legend(fontsize=8)
left.set(xscale="log", xlabel="DDIM steps", ylabel="interpolation PSNR (dB)", title="steps")
right.set(xlabel="guidance scale", title="guidance")
fig.tight_layout()

# %% [markdown]
# In the stored run, one or two steps are far worse (a weak model's x̂₀ from pure noise), PSNR
# peaks at a few steps (the best is printed above) and then falls slowly: more steps add detail,
# and a weak model's detail is wrong, which PSNR punishes more than blur. The best guidance scale
# (printed above) sits just below the trained default of 3, and PSNR falls off above 3; SEINE
# samples at 8 for text alignment, which PSNR does not measure. Replacement follows
# concatenation at every step count. A sweep tells you what a *metric* prefers: look at frames too.

# %% [markdown]
# ## 6. The same method at full size
#
# The bundled model's recipe was chosen the same way at the `cpu` preset, in short runs side by
# side that differ in one flag (`scripts/side_by_side.sh` and `scripts/side_by_side_real.sh NAME
# FLAGS`); every command and table is in the experiment log, [docs/history.md](../docs/history.md).
# The rounds that taught it real footage are kept as data in `docs/recipe_rounds.json`: each
# round's two arms, what changed, and the held-out figures that decided (gains in dB over
# repeating the last frame, a dissolve, repeating a photograph; the shapes-world bars met, of 8).

# %%
# NBVAL_CHECK_OUTPUT
import seine_lite  # noqa: E402

rounds = json.loads((Path(seine_lite.__file__).resolve().parents[1] / "docs" / "recipe_rounds.json").read_text())
print(f"{'round':5} {'arm':3} {'change':45} {'shapes':>6} {'pred':>7} {'interp':>7} {'1 frame':>7} {'R2':>5} "
      f"{'jump':>5}  kept")
for r in rounds["rounds"]:
    for a in r["arms"]:
        print(f"{r['round']:5} {a['arm']:3} {a['change'][:45]:45} {a['shapes_bars']:6} {a['real_prediction_db']:+7.2f} "
              f"{a['real_interpolation_db']:+7.2f} {a['real_one_frame_db']:+7.2f} {a['real_r2']:5.2f} "
              f"{a['real_jump']:5.2f}  {'yes' if a['kept'] else ''}")

# %% [markdown]
# Read down the kept arms: the fill, a residual over it and noise on it (rounds 1-2) did not yet
# beat a baseline; starting late (round 3) stayed near the fill but could no longer move anything;
# what closed most of the gap was the data: a still camera, then small movers, as real footage
# mostly is (rounds 4-6); less of the shapes world did not help (round 7); clips whose still parts
# stay still (no noise, no brightness drift) helped a little (round 8); handing the model the
# motion measured between two given frames, the flow fill of notebook 03, is what made its
# predictions move (round 9). One change at a time is what lets each row say why.

# %%
# NBVAL_IGNORE_OUTPUT
shutil.rmtree(WORK)   # the four model folders with their checkpoints, about 100 MB
print(f"the whole notebook ran in {(time.time() - started) / 60:.1f} min")

# %% [markdown]
# ## Exercise
#
# Write replacement yourself: a function `answer(z, z0, mask, t, noise)` that keeps `z` where
# `mask` is 1 (generate) and puts √ᾱ_t z0 + √(1-ᾱ_t) noise where it is 0 (given), with ᾱ_t =
# `NoiseSchedule().alphas_cumprod[t]`. The check compares it with `replace_given`.

# %%
answer = None   # your code here: def answer(z, z0, mask, t, noise): ...

# %%
# NBVAL_CHECK_OUTPUT
def ok(fn):
    """fn against the package's replace_given at three timesteps, on the seeded latents of section 4."""
    return all(torch.allclose(fn(z, z0, mask, t, torch.randn(z0.shape, generator=replacement_generator(t))),
                              replace_given(z, z0, mask, schedule, t, replacement_generator(t)), atol=1e-5)
               for t in (999, 500, 0))


check(ok, answer, hint="z where mask is 1, √ᾱ_t z0 + √(1-ᾱ_t) noise where it is 0")

# %% [markdown]
# ### Solution

# %%
def answer(z, z0, mask, t, noise):
    a = NoiseSchedule().alphas_cumprod[t]
    return torch.where(mask.bool(), z, a.sqrt() * z0 + (1 - a).sqrt() * noise)

# %%
# NBVAL_CHECK_OUTPUT
check(ok, answer)

# %% [markdown]
# Further experiments, each a one-line change of `MODELS`: train with ε-prediction (notebook 06's
# choice) and see how far 300 steps get; add `interpolation=1.0` to the mixture; give replacement
# a model trained on empty masks only; train every row with three seeds and report the mean.
#
# **Next:** notebook 10 (the GPU lab) trains a model on whatever device this machine has, within
# a time budget, and scores it on held-out clips.
