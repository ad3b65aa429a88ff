"""What the pipeline's task methods take and hand back, beside the checks of inputs.py.

Frames and a mask (a layout name or booleans), one image or a list of them, the scheduler a call
samples with, the options and seeds of the rounds of a long task (extend, story), a batch of one
handed back as the video itself, the caption of a transition between two shots, and the scheduler
a model folder saved.
"""
import json
from pathlib import Path

import diffusers
import numpy as np

from seine_lite import inputs
from seine_lite.data.video_io import read_image
from seine_lite.masking import layout_picture, parse_layout
from seine_lite.pipeline_output import OUTPUT_TYPES, check_output_type
from seine_lite.samplers import check_sampler, get_scheduler, on_ddpm_noise_levels


def frames_and_mask(frames, mask, num_frames: int, size: int):
    """(1, F, H, W, 3) uint8 pixels (zeros where generated) and the given-frame booleans (F,)."""
    frames = inputs.as_frame_list(frames, "frames")
    if len(frames) != num_frames:
        raise ValueError(f"frames has {len(frames)} entries; this model makes {num_frames} frames")
    given = given_from_mask(mask, num_frames)
    pixels = np.zeros((1, num_frames, size, size, 3), dtype=np.uint8)
    for i in np.flatnonzero(given):
        if frames[i] is None:
            raise ValueError(f"frames[{i}] is None but mask {layout_picture(given)!r} marks it as given")
        pixels[0, i] = read_frame(frames[i], size, f"frames[{i}]")
    return pixels, given


def read_frame(image, size: int, argument: str) -> np.ndarray:
    """An image (PIL, numpy array or path) as uint8 (size, size, 3); None is refused by name."""
    if image is None:
        raise ValueError(f"{argument}: expected an image (PIL, numpy array or path), got None")
    return read_image(image, size, name=argument)


def given_from_mask(mask, num_frames: int) -> np.ndarray:
    """A layout ("onelast1", "x..x") or `num_frames` booleans -> the given-frame booleans (True = given)."""
    if isinstance(mask, str):
        return parse_layout(mask, num_frames)
    given = np.asarray(mask)
    if given.dtype != bool or given.shape != (num_frames,):
        raise ValueError(f"mask must be a layout string or {num_frames} booleans (True = given), got {mask!r}")
    return given


def is_frame_sequence(x) -> bool:
    """Several frames (a list, a tuple or a video array) rather than one image."""
    return isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim == 4)


def single_prompt(prompt):
    """The one text of a task whose rounds share it (extend); a list is refused."""
    if isinstance(prompt, (list, tuple)):
        raise ValueError("prompt must be one text (or None) here; use num_videos_per_prompt for several videos")
    return prompt


def scheduler_for_call(scheduler, sampler, schedule, conditioning: str):
    """`pipe.scheduler`, or the one `sampler` names; "replace" needs one on DDPM noise levels."""
    scheduler = scheduler if sampler is None else get_scheduler(check_sampler(sampler), schedule)
    if conditioning == "replace" and not on_ddpm_noise_levels(scheduler):
        raise ValueError(f"conditioning='replace' draws the given frames at DDPM noise levels; "
                         f"{type(scheduler).__name__} scales its samples by sigma: use DDIM, DDPM, "
                         "DPM-Solver or UniPC, or conditioning='concat'")
    return scheduler


def long_task_options(seed, generator, num_videos_per_prompt, output_type):
    """What every round of a long task (extend, story) shares: the seeds of round r (`round_seeds`),
    the number of videos, and a pixel output type (the rounds are joined as pixels, not latents)."""
    seeds = round_seeds(seed, generator)
    n = inputs.check_count(num_videos_per_prompt, "num_videos_per_prompt", 1)
    return seeds, n, check_output_type(output_type, OUTPUT_TYPES[:-1])


def round_seeds(seed, generator):
    """Per round r of a long task: seed + r, or the one generator drawn on from round to round."""
    inputs.check_generator(generator, seed)
    if generator is not None:
        return lambda r: {"generator": generator}
    base = 0 if seed is None else inputs.check_seed(seed)
    return lambda r: {"seed": base + r}


def unbatch(videos):
    """A batch of one video -> the video itself (what the task methods return)."""
    return videos[0] if len(videos) == 1 else videos


def join_prompts(a, b) -> str:
    """The caption of a transition from a shot captioned `a` to one captioned `b`."""
    if a and b:  # the template of the training transition captions (data/transitions_world.py)
        return f"{a} turning into {b}"
    return a or b or None


def load_scheduler(folder: Path):
    """The scheduler saved in a model folder's scheduler/, or None (the default DDIM) when there is none."""
    if not (folder / "scheduler_config.json").is_file():
        return None
    config = json.loads((folder / "scheduler_config.json").read_text(encoding="utf-8"))
    cls = getattr(diffusers, str(config.get("_class_name")), None)
    if cls is None or not issubclass(cls, diffusers.SchedulerMixin):
        raise ValueError(f"{folder / 'scheduler_config.json'} names {config.get('_class_name')!r}, "
                         "not a diffusers scheduler")
    return cls.from_config(config)
