"""A cap on work per call: a long batch of videos is sampled `max_batch` videos at a time.

Sampling holds the UNet's activations for every video of the batch at once (twice, with guidance),
so 10,000 prompts in one batch run out of memory. The batch is cut into chunks of at most
`max_batch` videos; the starting noise z_T is still drawn once for the whole batch, exactly as an
unchunked call draws it, so every video starts from the same noise whatever `max_batch` is (the
videos then agree to float rounding: the UNet's kernels may round differently at another batch size).

A batch is cut only where nothing else draws from the generator while sampling, since per-step draws
would land on other videos: DDIM, DPM-Solver++ (not its SDE forms), UniPC, conditioning="concat" and no
step callback (which sees the whole batch). DDPM, Euler, "replace" or a callback run as one batch.
"""
import inspect

import torch

from seine_lite import inputs
from seine_lite.vae import downsample_factor

DEFAULT_MAX_BATCH = 8
_NO_STEP_NOISE = ("DDIMScheduler", "UniPCMultistepScheduler")   # their step never draws (DDIM: eta = 0)


def draws_while_sampling(scheduler) -> bool:
    """Whether `scheduler.step` draws noise from the generator (then a batch is not cut)."""
    if "generator" not in inspect.signature(scheduler.step).parameters:
        return False
    name = type(scheduler).__name__
    if name == "DPMSolverMultistepScheduler":
        return "sde" in str(scheduler.config.algorithm_type)
    if name == "DDIMSampler":
        return float(getattr(scheduler, "eta", 0.0)) != 0.0
    return name not in _NO_STEP_NOISE


def chunks(batch: int, max_batch, scheduler, conditioning: str, callback) -> list:
    """Slices of at most `max_batch` videos covering `batch`; one slice where cutting would change draws."""
    size = inputs.check_count(max_batch, "max_batch", 1)
    if batch <= size or conditioning != "concat" or callback is not None or draws_while_sampling(scheduler):
        return [slice(0, batch)]
    return [slice(start, min(start + size, batch)) for start in range(0, batch, size)]


def start_noise(latents, vae, batch: int, num_frames: int, size: int, generator: torch.Generator):
    """z_T for the whole batch (B, C, F, h, w): the given `latents` checked, or drawn as one call draws it."""
    side = size // downsample_factor(vae)
    shape = (batch, int(vae.config.latent_channels), num_frames, side, side)
    if latents is not None:
        return inputs.check_latents(latents, shape)
    return torch.randn(shape, generator=generator, device=generator.device)
