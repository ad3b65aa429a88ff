"""DDPM and DDIM sampling steps, written out for reading, with diffusers' verbs.

    sampler = DDIMSampler(NoiseSchedule())
    sampler.set_timesteps(25)
    x = torch.randn(shape)                         # x_T ~ N(0, I)
    for t in sampler.timesteps:
        x = sampler.step(model(x, t), t, x)        # x_t -> x_{t-prev}

Both agree with `diffusers.DDPMScheduler` / `DDIMScheduler` (clip_sample=False) step for step
(tests/test_diffusion.py). `get_scheduler` builds a diffusers scheduler (DPM-Solver++ and
others) from the same `NoiseSchedule`, and `step_sample` steps either kind.
"""
import inspect

import diffusers
import numpy as np
import torch

from seine_lite.diffusion import NoiseSchedule

TIMESTEP_SPACINGS = ("leading", "trailing")


class _Sampler:
    """What DDPM and DDIM share: the timestep grid and the model-output conversions."""

    init_noise_sigma = 1.0   # x_T ~ N(0, I): no extra scaling, as diffusers' DDPM/DDIM

    def __init__(self, schedule: NoiseSchedule, timestep_spacing: str = "leading"):
        if timestep_spacing not in TIMESTEP_SPACINGS:
            raise ValueError(f"timestep_spacing must be one of {TIMESTEP_SPACINGS}, got {timestep_spacing!r}")
        self.schedule = schedule
        self.alphas_cumprod = schedule.alphas_cumprod          # ᾱ_t, float32 (T,)
        self.one = torch.tensor(1.0)                           # ᾱ_{-1} = 1: x_{-1} is the clean sample
        self.timestep_spacing = timestep_spacing
        self.num_inference_steps = None
        self._use(np.arange(schedule.num_train_timesteps)[::-1].copy())   # the full chain until set

    def set_timesteps(self, num_inference_steps: int, device=None):
        """Choose `num_inference_steps` timesteps from the T training steps, as diffusers spaces them.

        "leading" (diffusers' default): t = (n-1)·T//n, ..., T//n, 0.
        "trailing" (Lin et al. 2024, Table 2): t = T-1, T-1-T/n, ..., rounded; starts at pure noise.
        """
        n, total = num_inference_steps, self.schedule.num_train_timesteps
        if not isinstance(n, (int, np.integer)) or not 1 <= n <= total:
            raise ValueError(f"num_inference_steps must be an integer in [1, {total}], got {n!r}")
        if self.timestep_spacing == "leading":
            timesteps = (np.arange(0, n) * (total // n)).round()[::-1].copy().astype(np.int64)
        else:
            timesteps = np.round(np.arange(total, 0, -total / n)).astype(np.int64) - 1
        self.num_inference_steps = int(n)
        self._use(timesteps, device)

    def _use(self, timesteps: np.ndarray, device=None):
        self.timesteps = torch.from_numpy(timesteps).to(device)
        # each step goes to the next timestep of the grid; after the last one, to "t = -1"
        self._previous = dict(zip(timesteps.tolist(), timesteps[1:].tolist() + [-1]))

    def scale_model_input(self, sample: torch.Tensor, timestep=None) -> torch.Tensor:
        """Identity (kept for pipelines written for diffusers' schedulers)."""
        return sample

    def previous_timestep(self, t) -> int:
        t = int(t)
        if t not in self._previous:
            raise ValueError(f"timestep must be one of sampler.timesteps, got {t}")
        return self._previous[t]

    def _alpha_prods(self, t: int):
        """ᾱ_t and ᾱ_{t_prev} (1 when the step lands on the clean sample)."""
        prev_t = self.previous_timestep(t)
        alpha_prod_t = self.alphas_cumprod[t]
        alpha_prod_t_prev = self.alphas_cumprod[prev_t] if prev_t >= 0 else self.one
        return alpha_prod_t, alpha_prod_t_prev

    def _predict_x0_and_eps(self, model_output, sample, alpha_prod_t):
        return predict_x0_and_eps(model_output, sample, alpha_prod_t, self.schedule.prediction_type)


def predict_x0_and_eps(model_output, sample, alpha_prod_t, prediction_type: str):
    """x̂_0 and ε̂ from the model output at ᾱ_t.

    ε-prediction: x̂_0 = (x_t - √(1-ᾱ_t) ε̂) / √ᾱ_t          (DDPM eq. 4 solved for x_0; eq. 15)
    v-prediction: x̂_0 = √ᾱ_t x_t - √(1-ᾱ_t) v̂,  ε̂ = √ᾱ_t v̂ + √(1-ᾱ_t) x_t   (Salimans & Ho 2022)
    x_0-prediction: x̂_0 is the output,  ε̂ = (x_t - √ᾱ_t x̂_0) / √(1-ᾱ_t)
    """
    beta_prod_t = 1 - alpha_prod_t
    if prediction_type == "epsilon":
        x0 = (sample - beta_prod_t ** 0.5 * model_output) / alpha_prod_t ** 0.5
        return x0, model_output
    if prediction_type == "sample":
        return model_output, (sample - alpha_prod_t ** 0.5 * model_output) / beta_prod_t ** 0.5
    x0 = (alpha_prod_t ** 0.5) * sample - (beta_prod_t ** 0.5) * model_output
    eps = (alpha_prod_t ** 0.5) * model_output + (beta_prod_t ** 0.5) * sample
    return x0, eps


def _noise_like(x: torch.Tensor, generator=None) -> torch.Tensor:
    """N(0, I) shaped like x; drawn on the generator's device and moved, as diffusers' randn_tensor."""
    rand_device = generator.device if generator is not None else x.device
    return torch.randn(x.shape, generator=generator, device=rand_device, dtype=x.dtype).to(x.device)


class DDPMSampler(_Sampler):
    """Ancestral sampling of Ho et al. 2020 with the fixed "small" variance σ_t² = β̃_t.

    With fewer steps than training, each step jumps from t to the previous grid point s < t using
    α = ᾱ_t / ᾱ_s and β = 1 - α in place of α_t and β_t (the respacing of Nichol & Dhariwal 2021).
    """

    def step(self, model_output: torch.Tensor, timestep, sample: torch.Tensor, generator=None) -> torch.Tensor:
        """x_t -> x_s: the posterior mean of eq. 7 at x̂_0, plus σ_t z (Algorithm 2)."""
        t = int(timestep)
        alpha_prod_t, alpha_prod_t_prev = self._alpha_prods(t)
        beta_prod_t = 1 - alpha_prod_t
        beta_prod_t_prev = 1 - alpha_prod_t_prev
        current_alpha_t = alpha_prod_t / alpha_prod_t_prev          # α_t (of this jump)
        current_beta_t = 1 - current_alpha_t                         # β_t (of this jump)

        pred_x0, _ = self._predict_x0_and_eps(model_output, sample, alpha_prod_t)

        # eq. 7: μ̃_t(x_t, x_0) = √ᾱ_{t-1} β_t / (1-ᾱ_t) · x_0 + √α_t (1-ᾱ_{t-1}) / (1-ᾱ_t) · x_t;
        # with x̂_0 from ε̂ this is eq. 11: μ_θ = (x_t - β_t / √(1-ᾱ_t) · ε̂) / √α_t
        pred_x0_coeff = (alpha_prod_t_prev ** 0.5 * current_beta_t) / beta_prod_t
        sample_coeff = current_alpha_t ** 0.5 * beta_prod_t_prev / beta_prod_t
        prev_sample = pred_x0_coeff * pred_x0 + sample_coeff * sample

        if t > 0:
            # eq. 6-7: σ_t² = β̃_t = (1-ᾱ_{t-1}) / (1-ᾱ_t) · β_t  (clamped away from 0, as diffusers)
            variance = torch.clamp((1 - alpha_prod_t_prev) / (1 - alpha_prod_t) * current_beta_t, min=1e-20)
            prev_sample = prev_sample + variance ** 0.5 * _noise_like(model_output, generator)
        return prev_sample


class DDIMSampler(_Sampler):
    """Song et al. 2021 (DDIM): eta = 0 is deterministic, eta = 1 matches DDPM's variance."""

    def __init__(self, schedule: NoiseSchedule, timestep_spacing: str = "leading", eta: float = 0.0):
        super().__init__(schedule, timestep_spacing)
        if not 0.0 <= eta:
            raise ValueError(f"eta must be >= 0, got {eta}")
        self.eta = eta

    def step(self, model_output: torch.Tensor, timestep, sample: torch.Tensor, generator=None) -> torch.Tensor:
        """x_t -> x_{t-1} by DDIM eq. 12."""
        t = int(timestep)
        alpha_prod_t, alpha_prod_t_prev = self._alpha_prods(t)
        beta_prod_t = 1 - alpha_prod_t
        beta_prod_t_prev = 1 - alpha_prod_t_prev

        pred_x0, pred_eps = self._predict_x0_and_eps(model_output, sample, alpha_prod_t)

        # eq. 16: σ_t(η) = η √((1-ᾱ_{t-1}) / (1-ᾱ_t)) √(1 - ᾱ_t / ᾱ_{t-1})
        variance = (beta_prod_t_prev / beta_prod_t) * (1 - alpha_prod_t / alpha_prod_t_prev)
        std_dev_t = self.eta * variance ** 0.5

        # eq. 12: x_{t-1} = √ᾱ_{t-1} x̂_0  +  √(1-ᾱ_{t-1}-σ_t²) ε̂  +  σ_t ε_t
        direction = (1 - alpha_prod_t_prev - std_dev_t ** 2) ** 0.5 * pred_eps
        prev_sample = alpha_prod_t_prev ** 0.5 * pred_x0 + direction
        if self.eta > 0:
            prev_sample = prev_sample + std_dev_t * _noise_like(model_output, generator)
        return prev_sample


# ---------------------------------------------------------------------- diffusers' schedulers
_DIFFUSERS_CLASSES = {
    "ddpm": ("DDPMScheduler", {}),
    "ddim": ("DDIMScheduler", {}),
    "dpm++": ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver++", "solver_order": 2}),
    "unipc": ("UniPCMultistepScheduler", {}),
    "euler": ("EulerDiscreteScheduler", {}),
}
_ALIASES = {"dpmsolver++": "dpm++", "dpm-solver++": "dpm++", "dpmsolver": "dpm++", "dpm": "dpm++"}
SAMPLERS = tuple(_DIFFUSERS_CLASSES)    # every name `make_sampler` (and the pipeline's `sampler=`) takes


def check_sampler(name, argument: str = "sampler") -> str:
    """The canonical name of a sampler ("dpmsolver++" -> "dpm++"), or a ValueError listing the names."""
    key = _ALIASES.get(str(name).lower(), str(name).lower())
    if key not in _DIFFUSERS_CLASSES:
        raise ValueError(f"{argument} must be one of {list(SAMPLERS)} (or an alias: {sorted(_ALIASES)}), "
                         f"got {name!r}")
    return key


def get_scheduler(name: str, schedule: NoiseSchedule, **overrides):
    """A diffusers scheduler configured from `schedule`, with `clip_sample=False` (latents are
    not bounded to ±1). `name`: "ddpm", "ddim", "dpm++" (DPM-Solver++ 2M, Lu et al. 2022), "unipc"
    or "euler" (Karras et al. 2022: σ-scaled samples); `overrides` go to the scheduler's
    constructor (e.g. `timestep_spacing="trailing"`).
    """
    key = check_sampler(name, "scheduler name")
    class_name, defaults = _DIFFUSERS_CLASSES[key]
    cls = getattr(diffusers, class_name)
    accepted = inspect.signature(cls.__init__).parameters
    unknown = set(overrides) - set(accepted)
    if unknown:
        raise ValueError(f"overrides must be arguments of {class_name}, got unknown {sorted(unknown)}")
    kwargs = {**schedule.diffusers_config(), **defaults, **overrides}
    if "clip_sample" in accepted:
        kwargs.setdefault("clip_sample", False)
    return cls(**kwargs)


def make_sampler(name: str, schedule: NoiseSchedule, **kwargs):
    """Our `DDPMSampler` / `DDIMSampler` for "ddpm" / "ddim"; any other name from `get_scheduler`."""
    key = check_sampler(name)
    if key == "ddpm":
        return DDPMSampler(schedule, **kwargs)
    if key == "ddim":
        return DDIMSampler(schedule, **kwargs)
    return get_scheduler(key, schedule, **kwargs)


def step_sample(scheduler, model_output: torch.Tensor, timestep, sample: torch.Tensor,
                generator=None) -> torch.Tensor:
    """One step of any scheduler, ours or diffusers', returning the previous sample as a tensor."""
    return scheduler_step(scheduler, model_output, timestep, sample, generator)[0]


def scheduler_step(scheduler, model_output: torch.Tensor, timestep, sample: torch.Tensor, generator=None):
    """One step of any scheduler -> (previous sample, the scheduler's x̂_0 or None where it reports none)."""
    kwargs = {}
    if generator is not None and "generator" in inspect.signature(scheduler.step).parameters:
        kwargs["generator"] = generator
    out = scheduler.step(model_output, timestep, sample, **kwargs)
    if isinstance(out, torch.Tensor):
        return out, None
    return out.prev_sample, getattr(out, "pred_original_sample", None)


# ---------------------------------------------------------------------- the pipeline's scheduler
def default_scheduler(schedule: NoiseSchedule):
    """`pipe.scheduler` of a model folder without one: diffusers' DDIM on the training schedule."""
    return get_scheduler("ddim", schedule)


def check_scheduler(scheduler, argument: str = "scheduler"):
    """A diffusers scheduler (`SchedulerMixin`) or one of our teaching copies; anything else is refused."""
    if not isinstance(scheduler, (diffusers.SchedulerMixin, _Sampler)):
        raise ValueError(f"{argument} must be a diffusers scheduler (e.g. DDIMScheduler.from_config("
                         f"pipe.scheduler.config)) or a seine_lite sampler, got {type(scheduler).__name__}")
    return scheduler


def on_ddpm_noise_levels(scheduler) -> bool:
    """Whether the scheduler's sample x_t is DDPM's √ᾱ_t x_0 + √(1-ᾱ_t) ε (DDPM, DDIM, DPM-Solver, UniPC),
    not the σ-scaled x_0 + σ ε of Euler-type schedulers (Karras et al. 2022), whose x_T has std > 1."""
    return abs(float(getattr(scheduler, "init_noise_sigma", 1.0)) - 1.0) < 1e-6
