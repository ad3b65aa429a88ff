"""One call's sampling settings, checked once (`SeinePipeline.check_inputs`), and the small pieces of a step.

The plan is shared by every chunk of a long batch (batching.py): the chunks differ only in their
videos' rows of prompts, given frames and starting noise.
"""
from dataclasses import dataclass

import numpy as np
import torch

from seine_lite import batching
from seine_lite.conditioning import Conditioning
from seine_lite.samplers import predict_x0_and_eps


@dataclass(frozen=True)
class SamplingPlan:
    """Everything the sampler needs besides the frames: the call's arguments, checked once."""
    given: np.ndarray                # (F,) True where a frame is given, False where it is generated
    prompts: list                    # one caption per video ("" = no text)
    negative_prompts: list           # one per video: what guidance steers away from ("" = the empty caption)
    num_inference_steps: int
    guidance_scale: float            # 1 = plain text conditioning; larger follows the text more closely
    generator: torch.Generator       # draws z_T, and the noise of schedulers that draw at every step
    scheduler: object                # pipe.scheduler, or the one `sampler=` names for this call
    conditioning: str                # "concat" (SEINE: mask and masked latents beside z_t) or "replace"
    latents: torch.Tensor = None     # z_T (B, C, F, h, w) as the caller passed it; None: drawn
    callback: object = None          # callback_on_step_end(pipe, step, t, tensors) -> dict, or None
    callback_tensors: tuple = ()     # the names of the tensors the callback asks for
    paste_given: bool = True         # the given frames come back pixel-exact in the decoded video
    output_type: str = "np"          # see pipeline_output.py
    max_batch: int = batching.DEFAULT_MAX_BATCH   # videos sampled at once (checked by batching.py)
    model: Conditioning = Conditioning()   # how the model was trained to tie generated frames to given ones
    start: float = 1.0               # sampling starts from the fill noised to this level (1: pure noise)
    composite: bool = False          # decoded output = fill pixels + decode(ẑ) - decode(fill)
    composite_threshold: float = 0.0  # the composite's change soft-thresholded at this many grey levels


def fit_batch(tensor: torch.Tensor, batch: int) -> torch.Tensor:
    """A (1 or b, ...) tensor repeated to `batch` rows (classifier-free guidance doubles the batch)."""
    return tensor.expand(batch, *tensor.shape[1:]) if len(tensor) == 1 else tensor.repeat(
        batch // len(tensor), *[1] * (tensor.ndim - 1))


def pred_original_sample(scheduler_x0, noise_pred, latents, t, schedule, wanted: bool):
    """x̂_0 for the step callback: the scheduler's own; where it reports none (DPM-Solver, UniPC) and the
    callback asks for it, DDPM eq. 4 solved for x_0, or its v-prediction form (samplers.predict_x0_and_eps)."""
    if scheduler_x0 is not None or not wanted:
        return scheduler_x0
    a = schedule.alphas_cumprod[int(t)].to(latents.device)
    return predict_x0_and_eps(noise_pred, latents, a, schedule.prediction_type)[0]


def callback_latents(result, latents: torch.Tensor) -> torch.Tensor:
    """The latents a step callback hands back (diffusers: `callback_outputs.pop("latents", latents)`)."""
    if result is None:
        return latents
    if not isinstance(result, dict):
        raise ValueError(f"callback_on_step_end must return a dict of tensors (or None), got {type(result).__name__}")
    new = result.get("latents", latents)
    if not isinstance(new, torch.Tensor) or new.shape != latents.shape:
        raise ValueError(f"callback_on_step_end returned latents of shape "
                         f"{tuple(getattr(new, 'shape', ()))}; expected {tuple(latents.shape)}")
    return new.to(latents.device, latents.dtype)
