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
