"""Checks on what users pass to the pipeline: each failure names the argument and what was expected."""
import math
import numbers

import numpy as np
import torch

from seine_lite.device import default_device

MAX_PROMPT_CHARS = 1000


def check_prompt(prompt, argument: str = "prompt"):
    """None (no text: the unconditional caption) or non-empty text of at most MAX_PROMPT_CHARS."""
    if prompt is None:
        return ""
    if not isinstance(prompt, str):
        raise ValueError(f"{argument} must be text (str) or None, got {type(prompt).__name__}")
    if not prompt.strip():
        raise ValueError(f"{argument} is empty; pass prompt=None to generate without text")
    if "\x00" in prompt:
        raise ValueError(f"{argument} holds a NUL character (\\x00); pass plain text")
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{argument} holds a lone surrogate (text that is not valid Unicode, as from "
                         "undecodable bytes); pass UTF-8 text") from None
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ValueError(f"{argument} has {len(prompt)} characters; at most {MAX_PROMPT_CHARS} are accepted "
                         "(the text encoder reads only the first few dozen tokens)")
    return prompt


def check_num_frames(num_frames, low: int = 1, argument: str = "num_frames") -> int:
    """A whole number of frames, at least `low` (a transition needs 2: its first and last frame)."""
    if isinstance(num_frames, bool) or not isinstance(num_frames, numbers.Integral) or num_frames < low:
        raise ValueError(f"{argument} must be an integer >= {low}, got {num_frames!r}")
    return int(num_frames)


def check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    if not 0 <= int(seed) < 2 ** 63:
        raise ValueError(f"seed must be in [0, 2**63), got {seed}")
    return int(seed)


def check_steps(num_inference_steps, num_train_timesteps: int = 1000):
    if isinstance(num_inference_steps, bool) or not isinstance(num_inference_steps, numbers.Integral):
        raise ValueError(f"num_inference_steps must be an integer, got {num_inference_steps!r}")
    if not 1 <= num_inference_steps <= num_train_timesteps:
        raise ValueError(f"num_inference_steps must be in [1, {num_train_timesteps}], got {num_inference_steps}")
    return int(num_inference_steps)


def check_guidance(guidance_scale):
    if isinstance(guidance_scale, bool) or not isinstance(guidance_scale, numbers.Real) \
            or not math.isfinite(guidance_scale) or not 0 <= guidance_scale <= 50:
        raise ValueError(f"guidance_scale must be a number in [0, 50] (1 = no guidance), got {guidance_scale!r}")
    return float(guidance_scale)


def check_count(value, argument: str, low: int, high: int = None):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{argument} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{argument} must be {bounds}, got {value}")
    return int(value)


def as_frame_list(frames, argument: str):
    """A video (F, H, W, 3) array or a sequence of images -> a list (entries may be None)."""
    if isinstance(frames, np.ndarray):
        if frames.ndim != 4:
            raise ValueError(f"{argument} must be a video (F, H, W, 3) or a list of images, "
                             f"got an array of shape {frames.shape}")
        return list(frames)
    if isinstance(frames, (list, tuple)):
        if not frames:
            raise ValueError(f"{argument} is empty: expected at least one image")
        return list(frames)
    raise ValueError(f"{argument} must be a video array (F, H, W, 3) or a list of images, "
                     f"got {type(frames).__name__}")


def check_flag(value, argument: str) -> bool:
    """True or False (numpy bools too); a string such as "no" is refused, not read as True."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{argument} must be True or False, got {value!r}")
    return bool(value)


def check_shot(shot, argument: str):
    """A story shot: an image, or a pair (image, prompt) -> (image, prompt or None)."""
    if not isinstance(shot, tuple):
        return shot, None
    if len(shot) != 2:
        raise ValueError(f"{argument} must be an image or a pair (image, prompt), got a tuple of {len(shot)}")
    image, prompt = shot
    if prompt is not None:
        check_prompt(prompt, f"{argument} prompt")
    return image, prompt


def check_device(device, argument: str = "device"):
    """A torch device that exists here: "auto" (cuda, else mps, else cpu), "cpu", "cuda", "cuda:1",
    "mps" or a torch.device."""
    if isinstance(device, str) and device == "auto":
        return default_device()
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"{argument} must be auto, cpu, cuda, cuda:N or mps, got {device!r}") from None
    mps = getattr(torch.backends, "mps", None)
    if (device.type == "cuda" and not torch.cuda.is_available()) or \
            (device.type == "mps" and not (mps is not None and mps.is_available())):
        raise ValueError(f"{argument}: {str(device)!r} is not available on this machine; use cpu")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(f"{argument}: {str(device)!r} does not exist; this machine has "
                         f"{torch.cuda.device_count()} CUDA device(s)")
    return device


# ---------------------------------------------------------------- diffusers-style call arguments
def check_prompts(prompt, argument: str = "prompt") -> list:
    """One prompt (text or None) or a list of them -> a list of captions ("" for None)."""
    if isinstance(prompt, (list, tuple)):
        if not prompt:
            raise ValueError(f"{argument} is an empty list: pass text, None or a list of prompts")
        return [check_prompt(p, f"{argument}[{i}]") for i, p in enumerate(prompt)]
    return [check_prompt(prompt, argument)]


def check_negative_prompt(negative_prompt, num_prompts: int, argument: str = "negative_prompt") -> list:
    """The caption that replaces the empty one in classifier-free guidance: None (the empty caption),
    one text for every prompt, or a list with one per prompt."""
    if negative_prompt is None:
        return [""] * num_prompts
    if isinstance(negative_prompt, (list, tuple)):
        if len(negative_prompt) != num_prompts:
            raise ValueError(f"{argument} has {len(negative_prompt)} entries; expected one per prompt "
                             f"({num_prompts})")
        return [_negative(p, f"{argument}[{i}]") for i, p in enumerate(negative_prompt)]
    return [_negative(negative_prompt, argument)] * num_prompts


def _negative(text, argument: str) -> str:
    return "" if text in (None, "") else check_prompt(text, argument)


def check_generator(generator, seed):
    """`generator` (a torch.Generator) or `seed`, never both; neither means seed 0."""
    if generator is None:
        return torch.Generator().manual_seed(0 if seed is None else check_seed(seed))
    if seed is not None:
        raise ValueError("pass seed or generator, not both (seed=N is torch.Generator().manual_seed(N))")
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    return generator


def check_latents(latents, shape: tuple, argument: str = "latents"):
    """The starting noise z_T: None, or a floating-point tensor of exactly `shape` (B, C, F, h, w)."""
    if latents is None:
        return None
    if not isinstance(latents, torch.Tensor):
        raise ValueError(f"{argument} must be a torch.Tensor of shape {tuple(shape)}, got {type(latents).__name__}")
    if tuple(latents.shape) != tuple(shape):
        raise ValueError(f"{argument} must have shape {tuple(shape)} (videos, channels, frames, height, width), "
                         f"got {tuple(latents.shape)}")
    if not latents.is_floating_point():
        raise ValueError(f"{argument} must be a floating-point tensor, got {latents.dtype}")
    if not torch.isfinite(latents).all():
        raise ValueError(f"{argument} holds NaN or infinite values")
    return latents


def check_callback(callback, tensor_inputs, allowed, argument: str = "callback_on_step_end") -> list:
    """None or a callable `callback(pipe, step, timestep, tensors) -> dict`; the names it asks for
    must be among `allowed`."""
    if callback is None:
        return []
    if not callable(callback):
        raise ValueError(f"{argument} must be callable (pipe, step, timestep, tensors) -> dict, "
                         f"got {type(callback).__name__}")
    names = [tensor_inputs] if isinstance(tensor_inputs, str) else list(tensor_inputs or [])
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ValueError(f"{argument}_tensor_inputs asks for {unknown}; the tensors at hand are {list(allowed)}")
    return names


def check_dtype(dtype, argument: str = "torch_dtype"):
    """None (keep float32), torch.float32, torch.float16 or torch.bfloat16 (or their names)."""
    names = {"float32": torch.float32, "float16": torch.float16, "fp16": torch.float16,
             "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
    if dtype is None:
        return None
    dtype = names.get(dtype, dtype) if isinstance(dtype, str) else dtype
    if dtype not in (torch.float32, torch.float16, torch.bfloat16):
        raise ValueError(f"{argument} must be torch.float32, torch.float16 or torch.bfloat16, got {dtype!r}")
    return dtype
