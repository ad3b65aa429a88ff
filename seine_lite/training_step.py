"""One training step of SEINE's video UNet (SEINE sec. 3; Ho et al. 2020, Algorithm 1), and nothing else:

    mask ~ MaskSampler            which frames are given (0) and generated (1)
    ε ~ N(0, I), t ~ U{0..T-1}    (or another draw of t: `NoiseSchedule.sample_timesteps`)
    z_t = sqrt(ᾱ_t) z0 + sqrt(1-ᾱ_t) ε                          (Ho eq. 4)
    x = [z_t ; mask ; z0·(1-mask)]                                (SEINE's 2C+1 input channels)
    pred = UNet(x, t, text)
    loss = ‖pred - target‖² over the whole latent                  (SEINE: given frames included)

With a `Conditioning` other than SEINE's (`conditioning.py`) the third part of x is the fill (with
noise augmentation and dropout), and a residual model diffuses z0 - fill in place of z0.

`train.py` wraps it in accelerate, the optimiser, EMA, checkpoints and Ctrl-C; notebook 06 calls it
by hand. Every draw comes from one CPU generator, so a step is repeatable on any device.
"""
from contextlib import nullcontext
from typing import NamedTuple

import torch

from seine_lite.conditioning import Conditioning, training_condition
from seine_lite.masking import condition_latent, unet_input


class Step(NamedTuple):
    loss: torch.Tensor          # the scalar to backpropagate
    mask: torch.Tensor          # (B, 1, F, h, w), 1 = generated
    t: torch.Tensor             # (B,) timesteps


def training_step(model, z0, states, text_mask, sampler, schedule, generator: torch.Generator, *,
                  condition: str = "zeros", generated_only: bool = False, snr_gamma: float = None,
                  timestep_draw: str = "uniform", autocast=nullcontext, layouts=None,
                  conditioning: Conditioning = None, max_noise: float = 1.0, grey=None) -> Step:
    """The loss of one batch of clean latents z0 (B, C, F, h, w) with their text states (B, L, D).
    `layouts` (B layouts or None) fixes some samples' masks (`MaskSampler.sample`'s `fixed`);
    `conditioning` (default: `Conditioning(fill=condition)`) ties the generated frames to the given;
    the flow fill also needs the clips' grey frames `grey` (B, F, H, W) uint8 (`LatentCache.grey`)."""
    cond = conditioning or Conditioning(fill=condition)
    b, _, f, h, w = z0.shape
    mask = sampler.sample(b, f, generator=generator, fixed=layouts).to(z0.device).expand(-1, -1, -1, h, w)
    noise = torch.randn(z0.shape, generator=generator).to(z0.device)                       # ε
    t = schedule.sample_timesteps(b, generator=generator, draw=timestep_draw, max_noise=max_noise).to(z0.device)
    fill = condition_latent(z0, mask, cond.fill, grey=grey)
    x0 = z0 - fill if cond.residual else z0                       # what is diffused
    z_t = schedule.add_noise(x0, noise, t)
    with autocast():
        x = unet_input(z_t, mask, training_condition(fill, mask, cond, generator))
        pred = model(x, t, states, text_mask)
    loss = schedule.training_loss(pred.float(), x0, noise, t, mask=mask, generated_only=generated_only,
                                  snr_gamma=snr_gamma)
    return Step(loss, mask, t)
