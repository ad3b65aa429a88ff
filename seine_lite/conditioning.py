"""How the generated frames are tied to the given ones: SEINE's layout and four additions.

SEINE shows the UNet [z_t ; mask ; z0·(1-mask)]: the generated frames' clean-latent channels are
zeros, and the whole clip is diffused from noise. On content it has never seen, a small model then
falls back to its prior (flat backgrounds, an average). Small models that hold real footage anchor
the output to a deterministic baseline built from the given frames, the *fill*, and learn only what
differs from it:

    fill       what the generated frames' clean-latent channels show: "zeros" (SEINE), "nearest"
               (a copy of the nearest given frame), "blend" (a dissolve by time between the given
               frames, the ends held) or "flow" (the blend, with the frames after two given ones in
               a row carried on at their measured velocity: `flow_fill.py`): `masking.condition_latent`
    residual   the diffusion runs on r0 = z0 - fill (RVD, Yang et al. 2022); with x_0-prediction and
               the UNet's zero-initialised output layer, an untrained model returns the fill itself
    noise      training adds N(0, s²) with s ~ U(0, noise) to the fill (SVD's noise augmentation), so
               the UNet does not trust the fill's detail blindly
    dropout    training zeroes the fill's channels with this probability (the mask is kept)
    start      sampling starts from the fill noised to this fraction of the schedule, with that
               fraction of the steps (SDEdit, Meng et al. 2022; diffusers' img2img `strength`)
    composite  the decoded clip is baseline pixels + decode(ẑ) - decode(fill): the VAE's error
               cancels where nothing changes (the baseline is the fill made in pixel space)
    threshold  with the composite, the change decode(ẑ) - decode(fill) is soft-thresholded at this
               many grey levels first (Donoho & Johnstone 1994): changes smaller than it are dropped,
               larger ones shrunk by it, so that a sample's faint flicker over still regions is not
               added to the baseline while whatever moves still is

Every option is saved in the model folder's `seine_lite.json` under "conditioning"; a folder
without it (every folder before these options) reads as `Conditioning(fill=meta["condition"])`.
"""
from dataclasses import asdict, dataclass

import numpy as np
import torch

from seine_lite.flow_fill import carry_pixels
from seine_lite.masking import CONDITIONS, blend_weights, nearest_weights

FILLS = tuple(CONDITIONS)          # "zeros", "blend", "nearest", "flow"


def grey_levels(value) -> bool:
    """True for a number of grey levels in [0, 255] (a bool is not a number here)."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 <= value <= 255


@dataclass(frozen=True)
class Conditioning:
    fill: str = "zeros"
    residual: bool = False
    noise: float = 0.0
    dropout: float = 0.0
    start: float = 1.0
    composite: bool = False
    threshold: float = 0.0

    def __post_init__(self):
        if self.fill not in FILLS:
            raise ValueError(f"conditioning fill must be one of {list(FILLS)}, got {self.fill!r}")
        if (self.residual or self.composite) and self.fill == "zeros":
            which = "residual" if self.residual else "composite"
            raise ValueError(f"conditioning {which} needs a fill to build on (nearest, blend or flow), got fill 'zeros'")
        if not 0 <= self.noise < float("inf"):
            raise ValueError(f"conditioning noise must be a standard deviation >= 0, got {self.noise}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"conditioning dropout must be a probability in [0, 1), got {self.dropout}")
        if not 0 < self.start <= 1:
            raise ValueError(f"conditioning start must be in (0, 1] (1: from pure noise), got {self.start}")
        if not grey_levels(self.threshold):
            raise ValueError(f"conditioning threshold must be grey levels in [0, 255], got {self.threshold}")

    @classmethod
    def from_meta(cls, meta: dict) -> "Conditioning":
        """The conditioning a model folder was trained with (older folders: their "condition")."""
        saved = dict(meta.get("conditioning") or {})
        saved["fill"] = meta.get("condition", saved.get("fill", "zeros"))    # the older key, kept beside it
        unknown = set(saved) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"conditioning: unknown option {sorted(unknown)[0]!r} in seine_lite.json")
        return cls(**saved)

    def to_meta(self) -> dict:
        return asdict(self)


def training_condition(fill: torch.Tensor, mask: torch.Tensor, cond: Conditioning,
                       generator: torch.Generator) -> torch.Tensor:
    """The clean-latent channels a training step shows the UNet: the fill with noise augmentation
    and dropout (each drawn per sample from `generator`; nothing is drawn when both are off)."""
    b = fill.shape[0]
    shape = (b,) + (1,) * (fill.ndim - 1)
    if cond.noise > 0:
        level = torch.rand(b, generator=generator).reshape(shape) * cond.noise
        fill = fill + level.to(fill) * torch.randn(fill.shape, generator=generator).to(fill)
    if cond.dropout > 0:
        keep = (torch.rand(b, generator=generator) >= cond.dropout).reshape(shape)
        fill = fill * keep.to(fill)
    return fill


def fill_pixels(frames: np.ndarray, given: np.ndarray, fill: str) -> np.ndarray:
    """The fill made in pixel space from uint8 frames (..., F, H, W, 3) and `given` (F,) bool: the
    composite's baseline (float32 in 0..255)."""
    weights = {"blend": blend_weights, "flow": blend_weights, "nearest": nearest_weights}[fill]
    made = np.einsum("fg,...ghwc->...fhwc", weights(np.asarray(given)[None])[0].numpy(), frames.astype(np.float32))
    return carry_pixels(made, frames, given) if fill == "flow" else made


def start_index(num_steps: int, start: float) -> int:
    """How many of the scheduler's `num_steps` timesteps sampling skips to begin at `start`
    (diffusers' img2img: `init_timestep = int(num_steps * strength)`); at least one step is run."""
    return num_steps - max(1, min(num_steps, int(num_steps * start)))


def start_from_fill(scheduler, noise: torch.Tensor, base: torch.Tensor, start: float, schedule):
    """The timesteps left and z at the first of them when sampling starts at `start` < 1: `base`
    (the fill, or zeros for a residual model) noised to that level (SDEdit), with diffusers'
    img2img bookkeeping (`set_begin_index`) for the schedulers that keep a step index."""
    skip = start_index(len(scheduler.timesteps), start)
    timesteps = scheduler.timesteps[skip:]
    if hasattr(scheduler, "set_begin_index"):
        scheduler.set_begin_index(skip)
    add_noise = getattr(scheduler, "add_noise", None) or schedule.add_noise
    return timesteps, add_noise(base, noise, timesteps[:1].to(base.device))


def composite_pixels(decoded: np.ndarray, decoded_fill: np.ndarray, baseline: np.ndarray,
                     threshold: float = 0.0) -> np.ndarray:
    """baseline + decode(ẑ) - decode(fill), as uint8: where the model kept the fill, the output is
    the baseline's own pixels (the VAE's round-trip error cancels); elsewhere it adds what changed.
    threshold > 0 soft-thresholds the change first: sign(d) * max(|d| - threshold, 0)."""
    change = decoded.astype(np.float32) - decoded_fill.astype(np.float32)
    if threshold > 0:
        change = np.sign(change) * np.maximum(np.abs(change) - np.float32(threshold), 0)
    return np.clip(np.rint(baseline + change), 0, 255).astype(np.uint8)


def check_start(model: Conditioning, start, composite, conditioning: str = "concat", threshold=None):
    """A call's `start`, `composite` and composite `threshold` (None: the model's own), checked
    -> (start, composite, threshold)."""
    start = model.start if start is None else start
    composite = model.composite if composite is None else composite
    asked, threshold = threshold is not None, model.threshold if threshold is None else threshold
    if isinstance(start, bool) or not isinstance(start, (int, float)) or not 0 < start <= 1:
        raise ValueError(f"start must be a number in (0, 1] (1: from pure noise), got {start!r}")
    if not isinstance(composite, bool):
        raise ValueError(f"composite must be True or False, got {composite!r}")
    if not grey_levels(threshold):
        raise ValueError(f"composite_threshold must be grey levels in [0, 255], got {threshold!r}")
    if asked and threshold > 0 and not composite:
        raise ValueError(f"composite_threshold {threshold!r} needs the composite (composite=True)")
    if (start < 1 or composite) and model.fill == "zeros":
        raise ValueError(f"{'start' if start < 1 else 'composite'} needs a model trained with a fill "
                         f"(nearest, blend or flow); this one shows the UNet zeros")
    if conditioning == "replace" and (model.residual or start < 1 or composite):
        raise ValueError("conditioning='replace' cannot be used with a residual model, a start below 1 or composite")
    return float(start), composite, float(threshold)
