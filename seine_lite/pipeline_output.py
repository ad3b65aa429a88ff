"""What the pipeline hands back, in diffusers' formats.

    output_type="np"        uint8 (F, H, W, 3) per video, as `mediapy.show_video` takes it
    output_type="np_float"  float32 in [0, 1], what diffusers' `export_to_video` takes
    output_type="pil"       a list of PIL images per video
    output_type="pt"        float32 tensor (F, 3, H, W) in [0, 1] per video
    output_type="latent"    the sampled latents (C, F, h, w) per video, before decoding

`SeinePipeline.__call__` returns `SeinePipelineOutput(frames=...)` with a leading batch axis
(`frames[0]` is the first video), as diffusers' video pipelines do.
"""
from dataclasses import dataclass

import numpy as np
import torch
from diffusers.utils import BaseOutput
from PIL import Image

OUTPUT_TYPES = ("np", "np_float", "pil", "pt", "latent")


@dataclass
class SeinePipelineOutput(BaseOutput):
    """`frames`: the videos, batch first, in the format `output_type` asked for."""
    frames: object


def check_output_type(output_type, allowed=OUTPUT_TYPES) -> str:
    if output_type not in allowed:
        raise ValueError(f"output_type must be one of {list(allowed)}, got {output_type!r}")
    return output_type


def convert_videos(videos: np.ndarray, output_type: str):
    """uint8 videos (B, F, H, W, 3) -> the format `output_type` names, batch first."""
    if output_type == "np":
        return videos
    if output_type == "np_float":
        return videos.astype(np.float32) / 255.0
    if output_type == "pil":
        return [[Image.fromarray(frame) for frame in video] for video in videos]
    if output_type == "pt":
        return torch.from_numpy(videos).permute(0, 1, 4, 2, 3).float() / 255.0   # (B, F, 3, H, W)
    raise ValueError(f"output_type {output_type!r} is not a pixel format")
