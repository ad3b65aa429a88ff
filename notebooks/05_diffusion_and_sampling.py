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
# # 05 · Diffusion and sampling: noise in, video out
#
# **What you will do.** Noise a picture step by step, compare three noise schedules, sample a
# 2-D toy distribution with DDPM and DDIM, check that our sampler gives exactly what `diffusers`'
# scheduler gives, turn the classifier-free guidance knob, and check the v-prediction target
# against diffusers'.
#
# **What you will learn.** The forward process `x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε` (DDPM eq. 4), what a
# schedule is, why DDIM needs 20-50 steps where DDPM takes 1000, and what the guidance scale does
# to samples: SEINE samples with DDIM and guidance, like Stable Diffusion. Why a model may
# predict v or x_0 instead of ε, and what min-SNR weighting does to the loss.
#
# **What you need.** Notebook 03 helps (the model predicts ε from the masked input). No trained
# model: the toy problem uses the *exact* denoiser of a Gaussian mixture. A minute on one CPU core.

# %%
import os

import diffusers
import imageio_ffmpeg
import matplotlib.pyplot as plt
import mediapy
import numpy as np
import torch
from diffusers.utils import logging as diffusers_logging

from seine_lite import SeinePipeline
from seine_lite.data import make_shapes_clips
from seine_lite.data.photos import SAMPLE_IMAGES
from seine_lite.data.video_io import read_image
from seine_lite.diffusion import BETA_SCHEDULES, NoiseSchedule, guided
from seine_lite.exercises import check
from seine_lite.samplers import DDIMSampler, DDPMSampler
from seine_lite.vae import decode_video
from seine_lite.viz import frame_strip_figure
from seine_lite.widgets import SideBySide

QUICK = os.environ.get("SEINE_LITE_QUICK") == "1"   # set by `make test`: smaller, fewer, faster
mediapy.set_ffmpeg(imageio_ffmpeg.get_ffmpeg_exe())
diffusers_logging.set_verbosity_error()
SIZE = 32 if QUICK else 64
N_POINTS = 300 if QUICK else 2000      # toy samples per experiment
schedule = NoiseSchedule()             # SEINE's: 1000 steps, linear betas 1e-4 -> 0.02, ε-prediction

# %% [markdown]
# ## 1. The forward process: a picture drowns in noise
#
# `add_noise(x0, ε, t)` mixes the clean picture with Gaussian noise. The weight of the picture,
# `√ᾱ_t`, falls from 1 to almost 0 over the 1000 steps.

# %%
cat = read_image(SAMPLE_IMAGES / "chelsea.jpg", SIZE)
x0 = torch.from_numpy(cat).permute(2, 0, 1)[None].float() / 127.5 - 1     # (1, 3, H, W) in [-1, 1]
noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
steps = [0, 50, 100, 250, 500, 750, 999]


def to_image(x):
    """(1, 3, H, W) in [-1, 1] -> uint8 (H, W, 3)."""
    return ((x[0].permute(1, 2, 0).clamp(-1, 1) + 1) * 127.5).round().byte().numpy()


fig, axes = plt.subplots(1, len(steps), figsize=(10, 1.7), dpi=72)
for ax, t in zip(axes, steps):
    ax.imshow(to_image(schedule.add_noise(x0, noise, t)), interpolation="nearest")
    ax.set_title(f"t = {t}", fontsize=9)
    ax.axis("off")

# %%
# NBVAL_CHECK_OUTPUT
print("t        ", steps)
print("√ᾱ_t     ", [round(float(schedule.alphas_cumprod[t].sqrt()), 3) for t in steps])
print("√(1-ᾱ_t) ", [round(float((1 - schedule.alphas_cumprod[t]).sqrt()), 3) for t in steps])

# %% [markdown]
# ## 2. Three schedules
#
# The schedule decides how fast the signal fades. `linear` (DDPM, SEINE) destroys most of the
# picture by t = 500; `scaled_linear` (Stable Diffusion) keeps more signal early; `cosine`
# (Nichol & Dhariwal 2021) fades most evenly. The log signal-to-noise ratio shows it best.

# %%
schedules = {name: NoiseSchedule(beta_schedule=name) for name in BETA_SCHEDULES}
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
for name, s in schedules.items():
    left.plot(s.alphas_cumprod, label=name)
    right.plot(torch.log(s.snr(torch.arange(s.num_train_timesteps))), label=name)
left.set(xlabel="t", ylabel="ᾱ_t (signal power)", title="ᾱ_t")
right.set(xlabel="t", ylabel="log SNR = log ᾱ / (1 - ᾱ)", title="log signal-to-noise ratio")
left.legend()
fig.tight_layout()

# %%
# NBVAL_CHECK_OUTPUT
for name, s in schedules.items():
    print(f"{name:<14}", "ᾱ at t = 250, 500, 750:", [round(float(s.alphas_cumprod[t]), 4) for t in (250, 500, 750)])

# %%
# NBVAL_IGNORE_OUTPUT
ts = np.linspace(0, 999, 12 if QUICK else 32).round().astype(int)
movies = {name: np.stack([to_image(s.add_noise(x0, noise, int(t))) for t in ts]) for name, s in schedules.items()}
mediapy.show_videos(movies, fps=8, height=128)
SideBySide(movies)    # drag the slider: the same t under each schedule

# %% [markdown]
# ## 3. A toy problem with an exact model
#
# Data: 2-D points from 8 small Gaussian blobs on a circle. For a mixture of Gaussians the best
# possible ε-prediction has a closed form (the noisy point is a mixture too, and Tweedie's formula
# gives E[x_0 | x_t]), so we can study the *samplers* without training anything. `weights` says how
# likely each blob is: the "condition" of section 5.

# %%
K, STD = 8, 0.08
angles = torch.arange(K) * 2 * torch.pi / K
MEANS = 2.0 * torch.stack([torch.cos(angles), torch.sin(angles)], 1)       # (K, 2)
UNIFORM = torch.full((1, K), 1.0 / K)


def toy_model(x, t, weights):
    """Exact ε̂(x_t, t) for data from the mixture `weights` (B, K) of N(MEANS[k], STD² I)."""
    t = torch.as_tensor(t).long().expand(len(x))
    a = schedule.alphas_cumprod[t].reshape(-1, 1, 1)
    var = a * STD ** 2 + 1 - a                                  # variance of each noisy blob
    offset = x[:, None] - a.sqrt() * MEANS                      # (B, K, 2)
    logits = torch.log(weights.expand(len(x), K).clamp_min(1e-12)) - (offset ** 2).sum(-1) / (2 * var[:, :, 0])
    r = torch.softmax(logits, dim=1)[..., None]                 # p(blob k | x_t)
    return (r * offset).sum(1) * (1 - a[:, 0]).sqrt() / var[:, 0]


def sample(sampler, steps, weights=UNIFORM, n=N_POINTS, seed=0, scale=1.0, cond_weights=None):
    """Run `sampler` for `steps` steps from x_T ~ N(0, I), optionally with guidance."""
    g = torch.Generator().manual_seed(seed)
    sampler.set_timesteps(steps)
    x = torch.randn(n, 2, generator=g)
    for t in sampler.timesteps:
        if cond_weights is None:
            eps = toy_model(x, t, weights)
        else:
            eps = guided(toy_model, x, t, cond_weights.expand(n, K), weights.expand(n, K), scale)
        x = sampler.step(eps, t, x, generator=g)
    return x


def distance_to_blobs(x):
    return torch.cdist(x, MEANS).min(1).values

# %%
runs = {"DDPM, 1000 steps": (DDPMSampler(schedule), 200 if QUICK else 1000),
        "DDPM, 50 steps": (DDPMSampler(schedule), 50),
        "DDIM, 50 steps": (DDIMSampler(schedule), 50),
        "DDIM, 10 steps": (DDIMSampler(schedule), 10)}
data = MEANS[torch.randint(K, (N_POINTS,), generator=torch.Generator().manual_seed(1))]
data = data + STD * torch.randn(N_POINTS, 2, generator=torch.Generator().manual_seed(2))
samples = {"data": data} | {name: sample(s, n_steps) for name, (s, n_steps) in runs.items()}
fig, axes = plt.subplots(1, len(samples), figsize=(15, 3.2), sharex=True, sharey=True)
for ax, (name, x) in zip(axes, samples.items()):
    ax.scatter(x[:, 0], x[:, 1], s=2, alpha=0.5)
    ax.set_title(f"{name}\nmean distance to nearest blob {distance_to_blobs(x).mean():.3f}", fontsize=8)
    ax.set_aspect("equal")
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
fig.tight_layout()

# %% [markdown]
# Read the distances against the data's own (its blobs have a standard deviation of 0.08 a side).
# DDPM with all 1000 steps reproduces the data. DDPM adds fresh noise at every step with a variance
# derived for *small* steps; with 50 big steps its blobs come out too narrow (a smaller distance
# than the data's is not better: it means less variety). DDIM (eta = 0) adds no noise: each step
# jumps along the path that the predicted x_0 and ε define, and 50 steps come close to the data;
# with only 10 the blobs are not yet resolved and points are left on the circle between them.
# That is why SEINE samples with DDIM and 25-50 steps. Here is DDIM's trajectory, pure noise to
# data, as a movie (point density, brighter = more points):

# %%
# NBVAL_IGNORE_OUTPUT
ddim = DDIMSampler(schedule)
ddim.set_timesteps(25)
x = torch.randn(N_POINTS, 2, generator=torch.Generator().manual_seed(0))
frames = []
for t in ddim.timesteps:
    x = ddim.step(toy_model(x, t, UNIFORM), t, x)
    density = np.histogram2d(x[:, 1].numpy(), x[:, 0].numpy(), bins=64, range=[[-3, 3], [-3, 3]])[0][::-1]
    frames.append((plt.cm.magma(np.sqrt(density / density.max()))[..., :3] * 255).astype(np.uint8))
mediapy.show_video(np.stack(frames), fps=6, height=192)

# %% [markdown]
# ## 4. Our sampler equals diffusers' scheduler
#
# `seine_lite.diffusion` writes DDPM and DDIM out equation by equation, with diffusers' verbs
# (`set_timesteps`, `step`). Same schedule, same model, same noise: the same samples.
# (`clip_sample=False`: latents are not bounded to ±1.)

# %%
# NBVAL_CHECK_OUTPUT
config = dict(schedule.diffusers_config(), clip_sample=False)
for ours, theirs in [(DDIMSampler(schedule), diffusers.DDIMScheduler(**config)),
                     (DDPMSampler(schedule), diffusers.DDPMScheduler(**config))]:
    ours.set_timesteps(25)
    theirs.set_timesteps(25)
    g_ours, g_theirs = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    x_ours = x_theirs = torch.randn(512, 2, generator=torch.Generator().manual_seed(3))
    for t in ours.timesteps:
        x_ours = ours.step(toy_model(x_ours, t, UNIFORM), t, x_ours, generator=g_ours)
        x_theirs = theirs.step(toy_model(x_theirs, t, UNIFORM), t, x_theirs, generator=g_theirs).prev_sample
    print(f"{type(theirs).__name__:<14} same timesteps: {torch.equal(ours.timesteps, theirs.timesteps)}, "
          f"max |ours - diffusers| = {round(float((x_ours - x_theirs).abs().max()), 4)}")

# %% [markdown]
# ## 5. Classifier-free guidance
#
# A text-conditioned model is trained to also work without its text (the caption is dropped 10 %
# of the time). At sampling, `guided` runs both in one batched forward and extrapolates:
# `ε̂ = ε_uncond + s (ε_cond - ε_uncond)` (Ho & Salimans 2022). Here the "condition" asks for the
# four *even* blobs, but the conditional model follows it only weakly (weight 0.6 on the even
# blobs, 0.4 on the odd), as a small model follows its prompt. The unconditional model knows all
# eight blobs equally.

# %%
even = torch.arange(K) % 2 == 0
weak = torch.where(even, 0.6 / 4, 0.4 / 4)[None]              # (1, K): the weak conditional model
scales = [1.0, 2.0, 4.0, 8.0]
guided_samples = {s: sample(DDIMSampler(schedule), 25, weights=UNIFORM, cond_weights=weak, scale=s, seed=4)
                  for s in scales}
on_even = {s: float(even[torch.cdist(x, MEANS).argmin(1)].float().mean()) for s, x in guided_samples.items()}
fig, axes = plt.subplots(1, len(scales), figsize=(12, 3.2), sharex=True, sharey=True)
for ax, (s, x) in zip(axes, guided_samples.items()):
    near_even = even[torch.cdist(x, MEANS).argmin(1)]
    ax.scatter(x[near_even, 0], x[near_even, 1], s=2, c="tab:green", label="even blob")
    ax.scatter(x[~near_even, 0], x[~near_even, 1], s=2, c="tab:gray", label="odd blob")
    ax.set_title(f"scale {s}: {on_even[s]:.0%} even\nmean distance {distance_to_blobs(x).mean():.3f}", fontsize=8)
    ax.set_aspect("equal")
axes[0].legend(fontsize=7, markerscale=4)
fig.tight_layout()

# %%
# NBVAL_CHECK_OUTPUT
shares = [on_even[s] for s in scales]
print("share on the asked (even) blobs rises with the scale:", all(a < b for a, b in zip(shares, shares[1:])))
print("scale 1 is the conditional model alone:",
      torch.equal(guided(toy_model, data[:8], 500, weak.expand(8, K), UNIFORM.expand(8, K), 1.0),
                  toy_model(data[:8], 500, weak.expand(8, K))))

# %% [markdown]
# Guidance amplifies what the condition adds to the unconditional model: the share of samples on
# the asked blobs grows with the scale, and the blobs tighten (the mean distance falls). It buys
# prompt-following with diversity: in video, a very high scale gives stiff, over-saturated clips.
# A trained pipeline carries its default (`pipe.meta["guidance_scale"]`, 3.0 unless training set
# another; the bundled model's is 1, no guidance, chosen after training by
# `benchmarks/guidance_choice.py`: it follows the caption without it);
# notebook 07 sweeps it on a real model.
#
# ## Exercise
#
# Write **one DDIM step** (eta = 0, DDIM eq. 12) by hand: from `x_t`, the predicted noise `eps`,
# the timestep `t` and the next timestep `t_prev`, compute
# `x̂_0 = (x_t - √(1-ᾱ_t) ε̂) / √ᾱ_t` and then `x_prev = √ᾱ_prev x̂_0 + √(1-ᾱ_prev) ε̂`.
# Use `schedule.alphas_cumprod`. Store the result in `answer`.

# %%
ddim = DDIMSampler(schedule)
ddim.set_timesteps(10)
t, t_prev = int(ddim.timesteps[3]), int(ddim.timesteps[4])
x_t = torch.randn(16, 2, generator=torch.Generator().manual_seed(5))
eps = toy_model(x_t, t, UNIFORM)
print("t =", t, "-> t_prev =", t_prev)

answer = None   # your code here: x_prev

# %%
# NBVAL_CHECK_OUTPUT
def ok(x_prev):
    """The library's DDIM step, to 1e-5."""
    return x_prev.shape == x_t.shape and float((x_prev - ddim.step(eps, t, x_t)).abs().max()) < 1e-5


check(ok, answer, hint="x̂_0 = (x_t - √(1-ᾱ_t) ε̂) / √ᾱ_t, then x_prev = √ᾱ_prev x̂_0 + √(1-ᾱ_prev) ε̂")

# %% [markdown]
# ### Solution

# %%
a_t, a_prev = schedule.alphas_cumprod[t], schedule.alphas_cumprod[t_prev]
x0_hat = (x_t - (1 - a_t).sqrt() * eps) / a_t.sqrt()
answer = a_prev.sqrt() * x0_hat + (1 - a_prev).sqrt() * eps

# %%
# NBVAL_CHECK_OUTPUT
check(ok, answer)

# %% [markdown]
# ## 6. The same loop in the pipeline: `pipe.scheduler` and a look at every step
#
# `SeinePipeline` samples with a diffusers scheduler, `pipe.scheduler` (DDIM on the training
# schedule, `clip_sample=False`), and swaps like any diffusers pipeline's. `callback_on_step_end`
# hands us the tensors of each step; `pred_original_sample` is x̂_0, the clean latent the model
# believes in at that step (eq. 15 of DDPM solved for x_0). Decoded, it shows the video appear:
# layout and motion first, at high t, then the details. The pipeline runs on the best device here
# (`device="auto"`: cuda, then mps, then cpu).

# %%
pipe = SeinePipeline.from_pretrained(device="auto")
pipe.set_progress_bar_config(disable=True)
print(f"running on {pipe.device}; scheduler: {type(pipe.scheduler).__name__}")
clips, captions = make_shapes_clips(1, seed=2, split="heldout")
STEPS_SHOWN = 6 if QUICK else 12
x0_by_step = {}


def keep_x0(pipe, step, t, tensors):
    x0_by_step[f"step {step + 1}, t = {int(t)}"] = decode_video(pipe.vae, tensors["pred_original_sample"])[0]
    return {}   # nothing changed: the sampler goes on with its own latents


video = pipe.predict(clips[0][0], prompt=captions[0], num_inference_steps=STEPS_SHOWN, seed=0,
                     callback_on_step_end=keep_x0, callback_on_step_end_tensor_inputs=["pred_original_sample"])
fig = frame_strip_figure(x0_by_step, count=6, title=f"x̂_0 at each DDIM step: {captions[0]!r}")

# %%
pipe.scheduler = diffusers.DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)
fast = pipe.predict(clips[0][0], prompt=captions[0], num_inference_steps=STEPS_SHOWN, seed=0)
fig = frame_strip_figure({f"DDIM, {STEPS_SHOWN} steps": video, f"DPM-Solver++, {STEPS_SHOWN} steps": fast}, count=6)

# %% [markdown]
# The first rows are rough (at high t the best guess of x_0 is a blurry, over-bright average of
# the videos that could follow), yet the object's place and path are already there: layout and
# motion are decided early, the later steps refine them. DPM-Solver++ (Lu et al. 2022) takes larger, second-order
# steps from the same model, so the two rows agree in layout from the same noise.

# %% [markdown]
# ## 7. What else a model can predict: v and x_0, with min-SNR weights
#
# Everything above predicts ε, as SEINE does. The shapes model that the bundled one grew from
# predicted **v** (Salimans & Ho 2022, §4): with α = √ᾱ_t and σ = √(1-ᾱ_t), so that α² + σ² = 1 and x_t = α x_0 + σ ε,
#
# `v = α ε - σ x_0`,   hence   `x̂_0 = α x_t - σ v̂`   and   `ε̂ = σ x_t + α v̂`.
#
# Why: x̂_0 from ε̂ divides by α, so near t = T (α → 0) any error in ε̂ is blown up in x̂_0 (left
# plot below), while x_t ≈ ε there makes ε trivial to predict and useless; predicting x_0 fails
# the same way near t = 0. v is -x_0 at t = T and ε at t = 0, the informative part at each end,
# with unit variance throughout, and an error in v̂ reaches x̂_0 scaled by σ ≤ 1. The bundled
# model predicts x_0 itself (`sample`, printed below) of what differs from a fill of the given
# frames (notebook 03): there a prediction of zero means "keep the fill", so an unsure model returns
# the fill. Our v target, `NoiseSchedule(prediction_type="v_prediction").target`, is diffusers'
# `get_velocity`:

# %%
# NBVAL_CHECK_OUTPUT
v_schedule = NoiseSchedule(prediction_type="v_prediction")
tv = torch.tensor([0, 250, 500, 750, 999])
x0_v, eps_v, err = torch.randn(3, 5, 3, 8, 8, generator=torch.Generator().manual_seed(6))
v = v_schedule.target(x0_v, eps_v, tv)
velocity = diffusers.DDPMScheduler(**v_schedule.diffusers_config()).get_velocity(x0_v, eps_v, tv)
a = v_schedule.alphas_cumprod[tv].reshape(-1, 1, 1, 1)
xt_v = v_schedule.add_noise(x0_v, eps_v, tv)
print("the bundled model predicts:", pipe.schedule.prediction_type)
print("v target = diffusers' get_velocity:", torch.allclose(v, velocity, atol=1e-6),
      "max |diff| =", round(float((v - velocity).abs().max()), 4))
print("max |α x_t - σ v - x_0| =", round(float((a.sqrt() * xt_v - (1 - a).sqrt() * v - x0_v).abs().max()), 4))
print("max |σ x_t + α v - ε|   =", round(float(((1 - a).sqrt() * xt_v + a.sqrt() * v - eps_v).abs().max()), 4))
x0_hat = a.sqrt() * xt_v - (1 - a).sqrt() * (v + 0.1 * err)         # from a v̂ that is off by 0.1 err
by_hand = (v_schedule.snr(tv).clamp(max=5) * ((x0_hat - x0_v) ** 2).flatten(1).mean(1)).mean()
print("min-SNR-5 v-loss = mean of min(SNR_t, 5) ‖x̂_0 - x_0‖²:",
      torch.allclose(v_schedule.training_loss(v + 0.1 * err, x0_v, eps_v, tv, snr_gamma=5.0), by_hand, rtol=1e-4))

# %% [markdown]
# **Min-SNR-γ** (Hang et al. 2023). Every target is an x_0 error in disguise:
# ‖ε̂ - ε‖² = SNR_t ‖x̂_0 - x_0‖² and ‖v̂ - v‖² = (SNR_t + 1) ‖x̂_0 - x_0‖², so the plain ε loss
# puts almost all its weight on the nearly clean, easy steps, and the steps' gradients pull
# against each other. Min-SNR weights the x_0 error by min(SNR_t, γ) instead: the ε loss by
# min(SNR_t, γ) / SNR_t, the v loss by min(SNR_t, γ) / (SNR_t + 1) (the last line above).
# `training_loss(..., snr_gamma=5)` does it; the ratio of its weighted loss to the plain one, one
# timestep at a time, is the weight (right). `scripts/train_reference.sh` trains with γ = 5, as
# did the bundled model's first run from scratch; the runs that continued it used plain v-MSE
# (`seine_lite.json` lists their commands).

# %%
ts_w = torch.arange(0, 1000, 5)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3))
left.plot(ts_w, schedule.snr(ts_w).rsqrt(), label="from ε̂: σ/α")
left.plot(ts_w, (1 - schedule.alphas_cumprod[ts_w]).sqrt(), label="from v̂: σ")
left.set(xlabel="t", yscale="log", title="error in x̂_0 per unit error of the prediction")
for name, s in [("ε", schedule), ("v", v_schedule)]:
    weights = [float(s.training_loss(err[:1], x0_v[:1], eps_v[:1], t, snr_gamma=5.0)
                     / s.training_loss(err[:1], x0_v[:1], eps_v[:1], t)) for t in ts_w]
    right.plot(ts_w, weights, label=f"{name} loss: min(SNR, 5) / {'SNR' if name == 'ε' else '(SNR + 1)'}")
right.plot(ts_w, schedule.snr(ts_w).clamp(max=5), "k--", label="both, on ‖x̂_0 - x_0‖²: min(SNR, 5)")
right.set(xlabel="t", yscale="log", title="min-SNR-5 weight of each timestep's loss")
for ax in (left, right):
    ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# **Next:** `06` trains the video UNet that stands in for `toy_model` here, with the loss
# `‖ε̂ - ε‖²` over masked latents.
