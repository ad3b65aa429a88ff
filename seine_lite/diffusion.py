"""Diffusion, written out for reading: noise schedule, training target and loss, guidance.

Notation of Ho et al. 2020 (DDPM): betas β_t, α_t = 1 - β_t, ᾱ_t = Π_{s<=t} α_s (alphas_cumprod).
The forward process (DDPM eq. 4) is  x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε,  ε ~ N(0, I).
SEINE trains with 1000 steps of linear betas 1e-4 -> 0.02 and ε-prediction, the loss taken over
the whole latent (given frames included). The samplers (DDPM, DDIM) live in `samplers.py`;
each is tested step for step against `diffusers`.
"""
import math
from dataclasses import dataclass
from functools import cached_property

import torch

BETA_SCHEDULES = ("linear", "scaled_linear", "cosine")
PREDICTION_TYPES = ("epsilon", "v_prediction", "sample")
TIMESTEP_DRAWS = ("uniform", "logit-normal")


@dataclass(frozen=True)
class NoiseSchedule:
    """The training noise schedule; defaults are SEINE's (linear betas 1e-4 -> 0.02, ε-prediction).

    `beta_schedule`: "linear" (DDPM, SEINE), "scaled_linear" (Stable Diffusion: linear in √β),
    or "cosine" (Nichol & Dhariwal 2021, diffusers' "squaredcos_cap_v2"; ignores beta_start/end).
    `prediction_type`: "epsilon" (the model predicts ε), "v_prediction" (it predicts
    v = √ᾱ ε - √(1-ᾱ) x_0, Salimans & Ho 2022, eq. in §4) or "sample" (it predicts x_0 itself:
    a zero output then means "x_0 = 0", which a residual model reads as "keep the fill").
    """
    num_train_timesteps: int = 1000
    beta_schedule: str = "linear"
    beta_start: float = 1e-4
    beta_end: float = 0.02
    prediction_type: str = "epsilon"

    def __post_init__(self):
        if not isinstance(self.num_train_timesteps, int) or self.num_train_timesteps < 2:
            raise ValueError(f"num_train_timesteps must be an integer >= 2, got {self.num_train_timesteps!r}")
        if self.beta_schedule not in BETA_SCHEDULES:
            raise ValueError(f"beta_schedule must be one of {BETA_SCHEDULES}, got {self.beta_schedule!r}")
        if self.prediction_type not in PREDICTION_TYPES:
            raise ValueError(f"prediction_type must be one of {PREDICTION_TYPES}, got {self.prediction_type!r}")
        if not 0 < self.beta_start <= self.beta_end < 1:
            raise ValueError(f"beta_start and beta_end must satisfy 0 < beta_start <= beta_end < 1, "
                             f"got {self.beta_start} and {self.beta_end}")

    # ------------------------------------------------------------------ the schedule
    @cached_property
    def betas(self) -> torch.Tensor:
        """β_t, float32 (T,), computed exactly as diffusers does."""
        n = self.num_train_timesteps
        if self.beta_schedule == "linear":
            return torch.linspace(self.beta_start, self.beta_end, n, dtype=torch.float32)
        if self.beta_schedule == "scaled_linear":
            return torch.linspace(self.beta_start ** 0.5, self.beta_end ** 0.5, n, dtype=torch.float32) ** 2
        return _cosine_betas(n)

    @cached_property
    def alphas_cumprod(self) -> torch.Tensor:
        """ᾱ_t = Π (1 - β_s), float32 (T,)."""
        return torch.cumprod(1.0 - self.betas, dim=0)

    def snr(self, t) -> torch.Tensor:
        """Signal-to-noise ratio ᾱ_t / (1 - ᾱ_t) at timesteps t."""
        t = torch.as_tensor(t).long()
        a = self.alphas_cumprod.to(t.device)[t]
        return a / (1 - a)

    def diffusers_config(self) -> dict:
        """The keyword arguments that configure a diffusers scheduler like this schedule."""
        beta_schedule = "squaredcos_cap_v2" if self.beta_schedule == "cosine" else self.beta_schedule
        return dict(num_train_timesteps=self.num_train_timesteps, beta_schedule=beta_schedule,
                    beta_start=self.beta_start, beta_end=self.beta_end, prediction_type=self.prediction_type)

    def sample_timesteps(self, batch: int, generator=None, device=None, draw: str = "uniform",
                         max_noise: float = 1.0) -> torch.Tensor:
        """Training timesteps (B,) long: t ~ U{0, ..., T-1} (DDPM), or with `draw="logit-normal"`
        t = round(sigmoid(n) (T-1)), n ~ N(0, 1) (SD3, Esser et al. 2024, sec. 3.1), which draws
        the middle and noisy steps, where layout and motion are decided, more often.
        `max_noise` < 1 keeps t in the schedule's first fraction, T' = ceil(max_noise T): a model that
        always samples from a noised fill at that level (SDEdit's start) never meets more noise."""
        if draw not in TIMESTEP_DRAWS:
            raise ValueError(f"draw must be one of {TIMESTEP_DRAWS}, got {draw!r}")
        if isinstance(max_noise, bool) or not isinstance(max_noise, (int, float)) or not 0 < max_noise <= 1:
            raise ValueError(f"max_noise must be a number in (0, 1], got {max_noise!r}")
        device = device or (generator.device if generator is not None else "cpu")
        top = max(1, math.ceil(max_noise * self.num_train_timesteps))
        if draw == "uniform":
            return torch.randint(0, top, (batch,), generator=generator, device=device)
        n = torch.randn(batch, generator=generator, device=device)
        return (torch.sigmoid(n) * (top - 1)).round().long()

    # ------------------------------------------------------------------ forward process and target
    def timesteps_for(self, t, like: torch.Tensor) -> torch.Tensor:
        """`t` (one timestep or one per sample) as a (B,) long tensor on `like`'s device."""
        t = torch.as_tensor(t, device=like.device).long().flatten()
        if t.numel() == 1:
            t = t.expand(like.shape[0])
        if t.numel() != like.shape[0] or bool(((t < 0) | (t >= self.num_train_timesteps)).any()):
            raise ValueError(f"t must be one timestep or one per sample ({like.shape[0]}) in "
                             f"[0, {self.num_train_timesteps}), got {t.tolist()}")
        return t

    def _coefficients(self, t, like: torch.Tensor):
        """√ᾱ_t and √(1-ᾱ_t), shaped (B, 1, ..., 1) to broadcast against `like`."""
        a = self.alphas_cumprod.to(device=like.device, dtype=like.dtype)[self.timesteps_for(t, like)]
        shape = (-1,) + (1,) * (like.ndim - 1)
        return (a ** 0.5).reshape(shape), ((1 - a) ** 0.5).reshape(shape)

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t) -> torch.Tensor:
        """x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε (DDPM eq. 4), as `diffusers`' `add_noise`."""
        sqrt_a, sqrt_one_minus_a = self._coefficients(t, x0)
        return sqrt_a * x0 + sqrt_one_minus_a * noise

    def target(self, x0: torch.Tensor, noise: torch.Tensor, t) -> torch.Tensor:
        """What the model learns to predict: ε, v = √ᾱ_t ε - √(1-ᾱ_t) x_0, or x_0."""
        if self.prediction_type == "epsilon":
            return noise
        if self.prediction_type == "sample":
            return x0
        sqrt_a, sqrt_one_minus_a = self._coefficients(t, x0)
        return sqrt_a * noise - sqrt_one_minus_a * x0

    def training_loss(self, pred: torch.Tensor, x0: torch.Tensor, noise: torch.Tensor, t,
                      mask: torch.Tensor = None, generated_only: bool = False,
                      snr_gamma: float = None) -> torch.Tensor:
        """Mean squared error between `pred` and `target(x0, noise, t)` (DDPM eq. 14, "L_simple").

        By default over the **whole** latent, given frames included, as SEINE does.
        `generated_only=True` averages over the generated frames only (`mask` (B, 1, F, h|1, w|1),
        1 = generate, required then); a sample with nothing to generate is left out of the mean.
        `snr_gamma` (e.g. 5.0) turns on Min-SNR-γ weighting (Hang et al. 2023, eq. 9): each sample
        is weighted by min(SNR_t, γ) / SNR_t for ε (by min(SNR_t, γ) / (SNR_t + 1) for v, by
        min(SNR_t, γ) for x_0), which
        stops the easy low-noise steps dominating and converges faster; None = unweighted.
        """
        if pred.shape != x0.shape or noise.shape != x0.shape:
            raise ValueError(f"pred, x0 and noise must share one shape, got "
                             f"{tuple(pred.shape)}, {tuple(x0.shape)}, {tuple(noise.shape)}")
        error = (pred.float() - self.target(x0, noise, t).float()) ** 2
        if generated_only:
            if mask is None:
                raise ValueError("mask is required when generated_only=True (1 = generate, 0 = given)")
            weight = mask.to(error).expand(x0.shape[0], 1, *x0.shape[2:]).expand_as(error)
        else:
            weight = torch.ones_like(error)
        per_sample = (error * weight).flatten(1).sum(1)
        count = weight.flatten(1).sum(1)
        per_sample = per_sample / count.clamp(min=1)
        if snr_gamma is not None:
            per_sample = per_sample * self._min_snr_weight(t, x0, snr_gamma)
        has_target = count > 0
        if not bool(has_target.any()):
            return (pred * 0).sum()  # nothing to learn, but keep the graph
        return per_sample[has_target].mean()

    def _min_snr_weight(self, t, x0: torch.Tensor, gamma: float) -> torch.Tensor:
        if gamma <= 0:
            raise ValueError(f"snr_gamma must be positive or None, got {gamma}")
        snr = self.snr(self.timesteps_for(t, x0))
        clipped = torch.clamp(snr, max=gamma)
        return {"epsilon": clipped / snr, "v_prediction": clipped / (snr + 1), "sample": clipped}[self.prediction_type]


def _cosine_betas(n: int, max_beta: float = 0.999) -> torch.Tensor:
    """Cosine schedule (Nichol & Dhariwal 2021, eq. 17): ᾱ(t) = cos²((t + s)/(1 + s) · π/2), s = 0.008."""
    def alpha_bar(t):
        return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    betas = [min(1 - alpha_bar((i + 1) / n) / alpha_bar(i / n), max_beta) for i in range(n)]
    return torch.tensor(betas, dtype=torch.float32)


# ---------------------------------------------------------------------- classifier-free guidance
def guided(model_fn, x: torch.Tensor, t, cond, uncond, scale: float) -> torch.Tensor:
    """Classifier-free guidance (Ho & Salimans 2022, eq. 6 with s = 1 + w):
    ε̂ = ε_u + s (ε_c - ε_u).

    The conditional and unconditional passes run as **one** forward on a batch of 2B:
    `model_fn(x2, t2, cond2)` with x and t repeated and cond2 = [cond ; uncond] along the batch.
    `cond` / `uncond` are a tensor, a tuple of tensors (or None), or a dict of tensors, e.g.
    `(text_states, text_mask)`. With `scale == 1` guidance is the conditional output itself, so
    only the conditional batch runs (half the work).
    """
    if scale == 1:
        return _as_tensor(model_fn(x, _per_sample(t, x), cond))
    both = _cat_batch(cond, uncond)
    t2 = _per_sample(t, x).repeat(2)
    out_cond, out_uncond = _as_tensor(model_fn(torch.cat([x, x]), t2, both)).chunk(2)
    return out_uncond + scale * (out_cond - out_uncond)


def _per_sample(t, x: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(t, device=x.device)
    return t.expand(x.shape[0]) if t.ndim == 0 else t


def _cat_batch(cond, uncond):
    if cond is None and uncond is None:
        return None
    if isinstance(cond, torch.Tensor) and isinstance(uncond, torch.Tensor):
        if cond.shape != uncond.shape:
            raise ValueError(f"cond and uncond must share a shape, "
                             f"got {tuple(cond.shape)} and {tuple(uncond.shape)}")
        return torch.cat([cond, uncond])
    if isinstance(cond, dict) and isinstance(uncond, dict) and cond.keys() == uncond.keys():
        return {k: _cat_batch(cond[k], uncond[k]) for k in cond}
    if isinstance(cond, (tuple, list)) and isinstance(uncond, (tuple, list)) and len(cond) == len(uncond):
        return type(cond)(_cat_batch(c, u) for c, u in zip(cond, uncond))
    raise ValueError(f"cond and uncond must have the same structure (tensor, tuple or dict), "
                     f"got {type(cond).__name__} and {type(uncond).__name__}")


def _as_tensor(out) -> torch.Tensor:
    """A model's output: a tensor, or a diffusers output with `.sample`."""
    return out if isinstance(out, torch.Tensor) else out.sample
