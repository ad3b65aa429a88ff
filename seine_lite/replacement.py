"""Conditioning by replacement: the alternative to SEINE's concatenation, for ablations.

SEINE hands the given frames to the UNet as extra input channels, `[z_t ; mask ; masked z0]`,
and lets it regenerate them. The older way needs no such channels: sample the whole clip with a
model that generates every frame, and at every step overwrite the given frames of z_t with the
clean latent noised to the same level. This is the "replacement" method of Ho et al. 2022 (Video
Diffusion Models, §3.1), the imputation of Song et al. 2021 (score SDE, App. I.2) and RePaint's
eq. 8 (Lugmayr et al. 2022) without its resampling jumps. At each timestep t of the sampler:

    z_t[given]  <-  √ᾱ_t z0 + √(1-ᾱ_t) ε,   ε ~ N(0, I) fresh     (q(z_t | z0), DDPM eq. 4)
    z_t[generated] stays the sampler's own
    pred = UNet([z_t ; 1 ; 0], t, text)                            (mask "generate all", nothing handed over)
    z_prev = sampler.step(pred, t, z_t)

and after the last step z_0[given] <- z0 exactly, so the given frames come out as the VAE's
reconstruction of the inputs. The generated frames hear of the given ones only through the
noisy z_t: Ho et al. 2022 found that too weak for coherent results (their reconstruction
guidance fixes it); SEINE's concatenation shows the model the clean frames at every step.

`SeinePipeline.generate(..., conditioning="replace")` samples this way (and so do `transition`
and `predict`, which pass the keyword on).
"""
import torch

CONDITIONINGS = ("concat", "replace")
SEED_OFFSET = 2 ** 63   # replacement noise: its own stream, disjoint from every valid pipeline seed


def check_conditioning(conditioning) -> str:
    if conditioning not in CONDITIONINGS:
        raise ValueError(f"conditioning must be one of {CONDITIONINGS}, got {conditioning!r}")
    return conditioning


def replacement_generator(seed: int) -> torch.Generator:
    """The generator of the replacement noise, separate from the sampler's: with nothing given,
    replacement draws nothing from the sampler's stream and equals plain sampling."""
    return torch.Generator().manual_seed(int(seed) + SEED_OFFSET)


def blank_condition(z0: torch.Tensor, mask: torch.Tensor):
    """The UNet's conditioning channels when nothing is handed over: mask all 1, masked latent all 0."""
    return torch.ones_like(mask), torch.zeros_like(z0)


def replace_given(z: torch.Tensor, z0: torch.Tensor, mask: torch.Tensor, schedule, t,
                  generator: torch.Generator = None) -> torch.Tensor:
    """z with its given frames (mask 0) replaced by a draw from q(z_t | z0); t < 0: by z0 itself.

    z, z0: (B, C, F, h, w); mask: (B, 1, F, h|1, w|1), 1 = generate (kept from z), 0 = given.
    """
    if z.shape != z0.shape or mask.ndim != 5 or mask.shape[1] != 1:
        raise ValueError(f"z and z0 must share a shape (B, C, F, h, w) and mask be (B, 1, F, h|1, w|1), "
                         f"got {tuple(z.shape)}, {tuple(z0.shape)}, {tuple(mask.shape)}")
    if int(t) < 0:
        known = z0
    else:
        noise = torch.randn(z0.shape, generator=generator, dtype=z0.dtype).to(z0.device)
        known = schedule.add_noise(z0, noise, int(t))
    generate = (mask > 0.5).expand_as(z)
    return torch.where(generate, z, known.to(z.dtype))
