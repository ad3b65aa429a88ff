"""Which frames are given and which are generated: layouts, the training mask sampler, UNet input.

SEINE decides the task by the mask alone (docs/design.md): a transition gives the first and last
frames, prediction the first k, text-to-video none. Two conventions live here, on purpose:

* a *layout* is a bool array `given` of shape (F,), True = the frame is given;
* a *mask* is a float tensor (B, 1, F, h, w) with **1 = generate, 0 = given**, as in SEINE's
  released code (`video * (mask == 0)`). The paper writes it the other way round (1 = visible).

Layout names (F = num_frames):

| name | given frames |
|---|---|
| `first{k}` | 0 .. k-1                      (1 <= k <= F) |
| `last{k}` | F-k .. F-1                     (1 <= k <= F) |
| `onelast{k}` | first k and last k            (1 <= k, 2k <= F) |
| `uniform{p}` | each frame independently with probability p (needs a generator); if the draw
  gives every frame, one frame chosen at random is generated instead, so there is always
  something to generate; a draw that gives nothing is kept: it is text-to-video |
| `interpolate{k}` | every k-th frame from frame 0, **and the last frame**, so both ends are
  always anchored (1 <= k < F); `interpolate5` on 16 frames gives 0, 5, 10, 15 |
| `all` | none (text-to-video) |
| `"x......x"` | a picture: `x` = given, `.` = generate; its length must equal F |
"""
import re
from dataclasses import dataclass, field

import numpy as np
import torch
from einops import rearrange

from seine_lite.flow_fill import carry_latent
from seine_lite.inputs import check_num_frames

GIVEN, GENERATE = "x", "."
_COUNTED = re.compile(r"(first|last|onelast|interpolate)([0-9]+)")
_UNIFORM = re.compile(r"uniform(.*)")
_NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")


# ----------------------------------------------------------------------------- layouts
def parse_layout(layout, num_frames: int, generator=None) -> np.ndarray:
    """Frames given by `layout`, as a bool array (F,), True = given.

    `layout` is a name from the table above, a picture string, or a bool sequence of length F.
    `generator` (a `torch.Generator` or a `numpy.random.Generator`) is needed by `uniform{p}`.
    """
    num_frames = check_num_frames(num_frames)
    if isinstance(layout, (np.ndarray, torch.Tensor, list, tuple)):
        return _from_sequence(layout, num_frames)
    if not isinstance(layout, str):
        raise ValueError(f"layout must be a string such as 'onelast1' or 'x......x', got {type(layout).__name__}")
    if layout == "all":
        return np.zeros(num_frames, dtype=bool)
    if layout and set(layout) <= {GIVEN, GENERATE}:
        return _from_picture(layout, num_frames)
    counted = _COUNTED.fullmatch(layout)
    if counted:
        return _counted_layout(counted.group(1), int(counted.group(2)), num_frames, layout)
    uniform = _UNIFORM.fullmatch(layout)
    if uniform:
        return _uniform_layout(_probability(uniform.group(1), layout), num_frames, generator, layout)
    raise ValueError(
        f"layout must be first{{k}}, last{{k}}, onelast{{k}}, uniform{{p}}, interpolate{{k}}, 'all' "
        f"or a picture of {num_frames} characters 'x' (given) and '.' (generate), got {layout!r}")


def layout_picture(given) -> str:
    """The picture string of a layout: `x` = given, `.` = generate, e.g. "x......x"."""
    given = np.asarray(given)
    if given.ndim != 1 or given.size == 0:
        raise ValueError(f"given must be a non-empty 1-D bool array (F,), got shape {given.shape}")
    return "".join(GIVEN if g else GENERATE for g in given.astype(bool))


def _from_sequence(layout, num_frames: int) -> np.ndarray:
    given = np.asarray(layout.cpu() if isinstance(layout, torch.Tensor) else layout)
    if given.shape != (num_frames,) or not np.isin(given, (0, 1)).all():
        raise ValueError(f"layout as an array must hold {num_frames} bools (True = given), got {given!r}")
    return given.astype(bool)


def _from_picture(picture: str, num_frames: int) -> np.ndarray:
    if len(picture) != num_frames:
        raise ValueError(f"layout picture {picture!r} has {len(picture)} characters; "
                         f"expected one per frame, {num_frames}")
    return np.array([c == GIVEN for c in picture], dtype=bool)


def _counted_layout(kind: str, k: int, num_frames: int, layout: str) -> np.ndarray:
    given = np.zeros(num_frames, dtype=bool)
    if kind == "first" and 1 <= k <= num_frames:
        given[:k] = True
    elif kind == "last" and 1 <= k <= num_frames:
        given[num_frames - k:] = True
    elif kind == "onelast" and 1 <= k and 2 * k <= num_frames:
        given[:k] = given[num_frames - k:] = True
    elif kind == "interpolate" and 1 <= k < num_frames:
        given[::k] = given[-1] = True
    else:
        limit = {"first": f"1 <= k <= {num_frames}", "last": f"1 <= k <= {num_frames}",
                 "onelast": f"1 <= k <= {num_frames // 2}", "interpolate": f"1 <= k < {num_frames}"}[kind]
        raise ValueError(f"layout {layout!r} names frames outside a clip of {num_frames} frames; "
                         f"expected {kind}{{k}} with {limit}")
    return given


def _probability(text: str, layout: str) -> float:
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"layout {layout!r}: expected uniform{{p}} with a number p in [0, 1]")
    p = float(text)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"layout {layout!r}: expected uniform{{p}} with p in [0, 1], got p = {p}")
    return p


def _uniform_layout(p: float, num_frames: int, generator, layout: str) -> np.ndarray:
    if generator is None:
        raise ValueError(f"layout {layout!r} is random: pass generator= (a torch.Generator or a "
                         "numpy.random.Generator) so the draw can be repeated")
    given = _rand(num_frames, generator) < p
    if given.all():  # nothing left to generate: let one random frame be generated
        given[_randint(num_frames, generator)] = False
    return given


def _rand(n: int, generator) -> np.ndarray:
    if isinstance(generator, torch.Generator):
        return torch.rand(n, generator=generator, device=generator.device).cpu().numpy()
    if isinstance(generator, np.random.Generator):
        return generator.random(n)
    raise ValueError(f"generator must be a torch.Generator or numpy.random.Generator, "
                     f"got {type(generator).__name__}")


def _randint(n: int, generator) -> int:
    if isinstance(generator, torch.Generator):
        return int(torch.randint(n, (1,), generator=generator, device=generator.device))
    return int(generator.integers(n))


# ----------------------------------------------------------------------------- masks
def mask_from_given(given, batch: int = 1) -> torch.Tensor:
    """Bool `given` (F,) or (B, F) -> float mask (B, 1, F, 1, 1), 1 = generate, 0 = given."""
    given = torch.as_tensor(np.asarray(given, dtype=bool))
    if given.ndim == 1:
        given = given.expand(batch, -1)
    if given.ndim != 2:
        raise ValueError(f"given must have shape (F,) or (B, F), got {tuple(given.shape)}")
    return rearrange((~given).float(), "b f -> b 1 f 1 1")


def given_frames(mask: torch.Tensor) -> np.ndarray:
    """Mask (B, 1, F, h, w) or (B, 1, F, 1, 1) -> bool (B, F), True = given (mask 0)."""
    if mask.ndim != 5 or mask.shape[1] != 1:
        raise ValueError(f"mask must have shape (B, 1, F, h, w), got {tuple(mask.shape)}")
    return (mask[:, 0, :, 0, 0] < 0.5).cpu().numpy()


def frame_mask(layout, num_frames: int, batch: int = 1, rng=None) -> torch.Tensor:
    """Mask (B, 1, F, 1, 1), 1 = generate; a random layout draws each sample independently."""
    given = np.stack([parse_layout(layout, num_frames, rng) for _ in range(batch)])
    return mask_from_given(given)


def latent_mask(mask: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """The frame mask (B, 1, F, 1, 1) at latent resolution (B, 1, F, h, w)."""
    b, _, f = mask.shape[:3]
    return mask.expand(b, 1, f, h, w).contiguous()


def masked_latent(z0: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Clean latent with the generated frames zeroed: z0 * (1 - mask). # (B, C, F, h, w)"""
    if z0.ndim != 5 or mask.ndim != 5 or mask.shape[1] != 1:
        raise ValueError(f"z0 must be (B, C, F, h, w) and mask (B, 1, F, h|1, w|1), "
                         f"got {tuple(z0.shape)} and {tuple(mask.shape)}")
    return z0 * (1 - mask.to(z0.dtype))


def blend_weights(given: np.ndarray) -> torch.Tensor:
    """(B, F) bool -> (B, F, F): row f mixes the given frames nearest f in time.

    A generated frame between given frames a < f < b gets (b-f)/(b-a) of a and (f-a)/(b-a) of b;
    before the first or after the last given frame it holds that frame; a given frame is itself.
    With nothing given every row is zero.
    """
    given = np.asarray(given, dtype=bool)
    frames = np.arange(given.shape[-1])
    weights = np.zeros(given.shape + given.shape[-1:], dtype=np.float32)
    for b, row in enumerate(given):
        known = np.flatnonzero(row)
        for j, k in enumerate(known):   # np.interp is linear between given frames and holds the ends
            weights[b, :, k] = np.interp(frames, known, np.eye(len(known))[j])
    return torch.from_numpy(weights)


def blended_latent(z0: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Clean latent with each generated frame filled from the given frames: `blend_weights`.

    Not SEINE (which zeroes them, `masked_latent`): as Stable Video Diffusion repeats its image
    latent on every frame, each generated frame sees the nearest given content directly: the held
    first frame for prediction, a latent dissolve of the two ends for a transition.
    """
    if z0.ndim != 5 or mask.ndim != 5 or mask.shape[1] != 1:
        raise ValueError(f"z0 must be (B, C, F, h, w) and mask (B, 1, F, h|1, w|1), "
                         f"got {tuple(z0.shape)} and {tuple(mask.shape)}")
    weights = blend_weights(given_frames(mask)).to(device=z0.device, dtype=z0.dtype)
    return torch.einsum("b f g, b c g h w -> b c f h w", weights, z0)


def nearest_weights(given: np.ndarray) -> torch.Tensor:
    """(B, F) bool -> (B, F, F): row f copies the given frame nearest f in time (the earlier on a tie)."""
    given = np.asarray(given, dtype=bool)
    weights = np.zeros(given.shape + given.shape[-1:], dtype=np.float32)
    for b, row in enumerate(given):
        known = np.flatnonzero(row)
        if len(known):
            nearest = known[np.abs(np.arange(row.size)[:, None] - known[None, :]).argmin(axis=1)]
            weights[b, np.arange(row.size), nearest] = 1.0
    return torch.from_numpy(weights)


def nearest_latent(z0: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Clean latent with each generated frame a copy of the nearest given frame (RVD's copy baseline)."""
    if z0.ndim != 5 or mask.ndim != 5 or mask.shape[1] != 1:
        raise ValueError(f"z0 must be (B, C, F, h, w) and mask (B, 1, F, h|1, w|1), "
                         f"got {tuple(z0.shape)} and {tuple(mask.shape)}")
    weights = nearest_weights(given_frames(mask)).to(device=z0.device, dtype=z0.dtype)
    return torch.einsum("b f g, b c g h w -> b c f h w", weights, z0)


def flow_latent(z0: torch.Tensor, mask: torch.Tensor, grey=None) -> torch.Tensor:
    """The blend, with the frames after two given ones in a row carried on at their measured velocity
    (`flow_fill.py`); `grey` (B, F, H, W) uint8 are the clips' grey frames the velocity is measured on."""
    return carry_latent(blended_latent(z0, mask), z0, given_frames(mask), grey)


CONDITIONS = {"zeros": masked_latent, "blend": blended_latent, "nearest": nearest_latent, "flow": flow_latent}


def condition_latent(z0: torch.Tensor, mask: torch.Tensor, kind: str = "zeros", grey=None) -> torch.Tensor:
    """The clean-latent channels of the UNet input: "zeros" (SEINE), "blend" (`blended_latent`),
    "nearest" (`nearest_latent`) or "flow" (`flow_latent`, which also needs the clips' `grey` frames)."""
    if kind not in CONDITIONS:
        raise ValueError(f"condition must be one of {list(CONDITIONS)}, got {kind!r}")
    return flow_latent(z0, mask, grey) if kind == "flow" else CONDITIONS[kind](z0, mask)


def unet_input(z_t: torch.Tensor, mask: torch.Tensor, masked_z0: torch.Tensor) -> torch.Tensor:
    """SEINE's UNet input [z_t (C) ; mask (1) ; masked z0 (C)] -> (B, 2C+1, F, h, w)."""
    if z_t.shape != masked_z0.shape or mask.ndim != 5 or mask.shape[1] != 1:
        raise ValueError(f"z_t and masked_z0 must share a shape (B, C, F, h, w) and mask be (B, 1, F, h|1, w|1), "
                         f"got {tuple(z_t.shape)}, {tuple(masked_z0.shape)}, {tuple(mask.shape)}")
    b, _, f, h, w = z_t.shape
    return torch.cat([z_t, mask.to(z_t).expand(b, 1, f, h, w), masked_z0], dim=1)


# ----------------------------------------------------------------------------- training
@dataclass
class MaskMixture:
    """Weights of the layout families drawn in training (normalised; zero switches one off).

    The paper trains with per-frame Bernoulli masks only (p = 0.15). We add the two tasks we
    sample most, so a small model sees them often: transitions (`onelast1`) and prediction
    (`first{k}`, k uniform in 1..max_context, capped at F-1 so one frame is always generated).
    A Bernoulli draw that gives every frame has one random frame generated instead; one that
    gives none is kept as a text-to-video sample (with p = 0.15 and 16 frames: 7% of draws).
    """
    transition: float = 0.35       # onelast1
    prediction: float = 0.35       # first{k}, k uniform in 1..max_context
    bernoulli: float = 0.30        # uniform{p}
    interpolation: float = 0.0     # interpolate{k}, k uniform in 2..max_stride
    text_to_video: float = 0.0     # all
    extra: dict = field(default_factory=dict)   # any fixed layout -> weight, e.g. {"x..x..x.": 0.1}
    max_context: int = 4
    max_stride: int = 4
    p: float = 0.15

    def __post_init__(self):
        if any(w < 0 for w in self.weights().values()) or sum(self.weights().values()) <= 0:
            raise ValueError(f"mixture weights must be >= 0 with a positive sum, got {self.weights()}")
        if not 0.0 <= self.p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {self.p}")
        if self.max_context < 1 or self.max_stride < 2:
            raise ValueError(f"max_context must be >= 1 and max_stride >= 2, "
                             f"got {self.max_context} and {self.max_stride}")

    def weights(self) -> dict:
        """Family name -> weight, fixed layouts of `extra` included under their own names."""
        families = {"transition": self.transition, "prediction": self.prediction,
                    "bernoulli": self.bernoulli, "interpolation": self.interpolation,
                    "text_to_video": self.text_to_video}
        return {**families, **{str(k): float(v) for k, v in self.extra.items()}}


class MaskSampler:
    """Draws training masks from a `MaskMixture`, reproducibly from a `torch.Generator`."""

    def __init__(self, mixture: MaskMixture = None):
        self.mixture = mixture or MaskMixture()
        weights = self.mixture.weights()
        self.families = list(weights)
        self.probs = torch.tensor([weights[k] for k in self.families], dtype=torch.float64)
        self.probs /= self.probs.sum()

    def sample(self, batch: int, num_frames: int, generator: torch.Generator, fixed=None) -> torch.Tensor:
        """Masks (B, 1, F, 1, 1), 1 = generate."""
        return self.sample_with_names(batch, num_frames, generator, fixed)[0]

    def sample_with_names(self, batch: int, num_frames: int, generator: torch.Generator, fixed=None):
        """Masks (B, 1, F, 1, 1) and the layout drawn for each sample (e.g. "first3").

        `fixed` (B layouts or None) overrides the draw where it names a layout; the mixture is
        still drawn for every sample, so the random stream, and every other draw, stays the same.
        """
        if not isinstance(generator, torch.Generator):
            raise ValueError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        fixed = [None] * batch if fixed is None else list(fixed)
        if len(fixed) != batch:
            raise ValueError(f"fixed must hold one layout (or None) per sample, {batch}, got {len(fixed)}")
        names, given = [], []
        for override in fixed:
            family = self.families[int(torch.multinomial(self.probs, 1, generator=generator))]
            name = self._layout_name(family, num_frames, generator)
            name = name if override is None else override
            names.append(name)
            given.append(parse_layout(name, num_frames, generator))
        return mask_from_given(np.stack(given)), names

    def _layout_name(self, family: str, num_frames: int, generator: torch.Generator) -> str:
        m = self.mixture
        if family == "transition":
            return "onelast1"
        if family == "prediction":  # never give every frame: keep at least one to generate
            high = max(1, min(m.max_context, num_frames - 1))
            return f"first{int(torch.randint(1, high + 1, (1,), generator=generator))}"
        if family == "bernoulli":
            return f"uniform{m.p}"
        if family == "interpolation":
            high = max(2, min(m.max_stride, num_frames - 1))
            return f"interpolate{int(torch.randint(2, high + 1, (1,), generator=generator))}"
        if family == "text_to_video":
            return "all"
        return family  # a fixed layout from `extra`
