"""Noise schedule, loss, guidance and samplers, checked against diffusers (seine_lite/diffusion.py)."""
import os

import diffusers
import pytest
import torch
import torch.nn.functional as F
from diffusers.training_utils import compute_snr

from seine_lite.diffusion import NoiseSchedule, guided
from seine_lite.masking import frame_mask
from seine_lite.samplers import DDIMSampler, DDPMSampler, get_scheduler, make_sampler, step_sample

os.environ.setdefault("HF_HUB_OFFLINE", "1")

SCHEDULES = {
    "linear": NoiseSchedule(),
    "scaled_linear": NoiseSchedule(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012),
    "cosine": NoiseSchedule(beta_schedule="cosine"),
}
SHAPE = (2, 3, 4, 4, 4)   # (B, C, F, h, w)


def schedule_for(name, prediction_type):
    base = SCHEDULES[name]
    return NoiseSchedule(base.num_train_timesteps, base.beta_schedule, base.beta_start, base.beta_end,
                         prediction_type)


def fake_model(schedule):
    """A deterministic stand-in for a UNet: the best prediction for data ~ N(0, I), perturbed
    by a smooth function of the sample and the timestep, so samples stay of order one."""
    def model(x, t):
        a = schedule.alphas_cumprod[int(t)]
        eps = (1 - a) ** 0.5 * x + 0.2 * torch.sin(3 * x + 0.01 * float(t))
        return eps if schedule.prediction_type == "epsilon" else a ** 0.5 * eps - (1 - a) ** 0.5 * (a ** 0.5 * x)
    return model


def assert_close(a, b):
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


# ----------------------------------------------------------------------------- schedule, noise, loss
@pytest.mark.parametrize("name", SCHEDULES)
def test_schedule_equals_diffusers(name):
    ours = SCHEDULES[name]
    theirs = diffusers.DDPMScheduler(**ours.diffusers_config())
    assert torch.equal(ours.betas, theirs.betas)
    assert torch.equal(ours.alphas_cumprod, theirs.alphas_cumprod)


@pytest.mark.parametrize("name", SCHEDULES)
def test_add_noise_and_v_target_equal_diffusers(name):
    ours = schedule_for(name, "v_prediction")
    theirs = diffusers.DDPMScheduler(**ours.diffusers_config())
    g = torch.Generator().manual_seed(0)
    x0, noise = torch.randn(SHAPE, generator=g), torch.randn(SHAPE, generator=g)
    t = torch.tensor([0, 999])
    assert torch.equal(ours.add_noise(x0, noise, t), theirs.add_noise(x0, noise, t))
    assert torch.equal(ours.target(x0, noise, t), theirs.get_velocity(x0, noise, t))
    assert torch.equal(schedule_for(name, "epsilon").target(x0, noise, t), noise)
    assert torch.equal(ours.add_noise(x0, noise, 500), ours.add_noise(x0, noise, torch.tensor([500, 500])))


def test_bad_schedule_and_timesteps():
    for kwargs in [dict(beta_schedule="quadratic"), dict(prediction_type="x0"),
                   dict(beta_start=0.03), dict(num_train_timesteps=1)]:
        with pytest.raises(ValueError):
            NoiseSchedule(**kwargs)
    x = torch.zeros(SHAPE)
    with pytest.raises(ValueError, match="t must"):
        NoiseSchedule().add_noise(x, x, torch.tensor([0, 1000]))
    with pytest.raises(ValueError, match="t must"):
        NoiseSchedule().add_noise(x, x, torch.tensor([1, 2, 3]))


def test_training_loss_whole_latent_and_generated_only():
    schedule = NoiseSchedule()
    g = torch.Generator().manual_seed(1)
    x0, noise, pred = (torch.randn(SHAPE, generator=g) for _ in range(3))
    t = torch.tensor([10, 900])
    mask = frame_mask("onelast1", SHAPE[2], batch=2)
    whole = schedule.training_loss(pred, x0, noise, t)
    assert_close(whole, F.mse_loss(pred, noise))
    assert torch.equal(schedule.training_loss(pred, x0, noise, t, mask=mask), whole)  # SEINE: mask ignored
    gen = schedule.training_loss(pred, x0, noise, t, mask=mask, generated_only=True)
    assert_close(gen, F.mse_loss(pred[:, :, 1:3], noise[:, :, 1:3]))
    # a sample with nothing to generate is left out of the mean
    mask2 = torch.cat([frame_mask("xxxx", 4), frame_mask("first1", 4)])
    gen2 = schedule.training_loss(pred, x0, noise, t, mask=mask2, generated_only=True)
    assert_close(gen2, F.mse_loss(pred[1:, :, 1:], noise[1:, :, 1:]))
    with pytest.raises(ValueError, match="mask"):
        schedule.training_loss(pred, x0, noise, t, generated_only=True)


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
def test_training_loss_min_snr_weighting(prediction_type):
    schedule = NoiseSchedule(prediction_type=prediction_type)
    g = torch.Generator().manual_seed(2)
    x0, noise, pred = (torch.randn(SHAPE, generator=g) for _ in range(3))
    t = torch.tensor([5, 700])
    a = schedule.alphas_cumprod[t]
    snr = a / (1 - a)
    weight = torch.clamp(snr, max=5.0) / (snr if prediction_type == "epsilon" else snr + 1)
    per_sample = ((pred - schedule.target(x0, noise, t)) ** 2).flatten(1).mean(1)
    expected = (per_sample * weight).mean()
    assert_close(schedule.training_loss(pred, x0, noise, t, snr_gamma=5.0), expected)
    assert snr[0] > 5.0 > snr[1]      # the case we mean: one clean step damped, one noisy step kept
    assert not torch.isclose(schedule.training_loss(pred, x0, noise, t), expected)
    with pytest.raises(ValueError, match="snr_gamma"):
        schedule.training_loss(pred, x0, noise, t, snr_gamma=0.0)


# ----------------------------------------------------------------------------- samplers vs diffusers
def run_loop(scheduler, schedule, steps, seed, generator=None):
    """A full sampling loop with the fake model; returns every intermediate sample."""
    scheduler.set_timesteps(steps)
    model = fake_model(schedule)
    x = torch.randn(SHAPE, generator=torch.Generator().manual_seed(seed))
    trace = []
    for t in scheduler.timesteps:
        x = step_sample(scheduler, model(x, t), t, x, generator=generator)
        trace.append(x)
    return scheduler.timesteps, trace


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
@pytest.mark.parametrize("name, steps, spacing", [
    ("linear", 1000, "leading"), ("linear", 25, "leading"), ("linear", 20, "trailing"),
    ("scaled_linear", 250, "leading"), ("scaled_linear", 20, "trailing"),
    ("cosine", 250, "leading"), ("cosine", 20, "trailing"),
])
def test_ddpm_equals_diffusers_step_for_step(name, prediction_type, steps, spacing):
    schedule = schedule_for(name, prediction_type)
    ours = DDPMSampler(schedule, timestep_spacing=spacing)
    theirs = get_scheduler("ddpm", schedule, timestep_spacing=spacing)
    assert theirs.config.clip_sample is False
    t_ours, trace_ours = run_loop(ours, schedule, steps, 0, torch.Generator().manual_seed(5))
    t_theirs, trace_theirs = run_loop(theirs, schedule, steps, 0, torch.Generator().manual_seed(5))
    assert torch.equal(t_ours, t_theirs)
    for a, b in zip(trace_ours, trace_theirs):
        assert_close(a, b)


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
@pytest.mark.parametrize("name", SCHEDULES)
def test_ddim_equals_diffusers_step_for_step(name, prediction_type):
    schedule = schedule_for(name, prediction_type)
    for steps, spacing in [(50, "leading"), (25, "trailing")]:
        ours = DDIMSampler(schedule, timestep_spacing=spacing)
        theirs = get_scheduler("ddim", schedule, timestep_spacing=spacing)
        t_ours, trace_ours = run_loop(ours, schedule, steps, 1)
        t_theirs, trace_theirs = run_loop(theirs, schedule, steps, 1)
        assert torch.equal(t_ours, t_theirs)
        for a, b in zip(trace_ours, trace_theirs):
            assert_close(a, b)


def test_ddim_with_eta_equals_diffusers():
    schedule = NoiseSchedule()
    ours = DDIMSampler(schedule, eta=1.0)
    theirs = get_scheduler("ddim", schedule)
    theirs.set_timesteps(10)
    ours.set_timesteps(10)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    model = fake_model(schedule)
    x1 = x2 = torch.randn(SHAPE, generator=torch.Generator().manual_seed(0))
    for t in ours.timesteps:
        x1 = ours.step(model(x1, t), t, x1, generator=g1)
        x2 = theirs.step(model(x2, t), t, x2, eta=1.0, generator=g2).prev_sample
        assert_close(x1, x2)


def test_ddpm_is_reproducible_and_checks_its_input():
    schedule = NoiseSchedule()
    a = run_loop(DDPMSampler(schedule), schedule, 10, 0, torch.Generator().manual_seed(1))[1][-1]
    b = run_loop(DDPMSampler(schedule), schedule, 10, 0, torch.Generator().manual_seed(1))[1][-1]
    c = run_loop(DDPMSampler(schedule), schedule, 10, 0, torch.Generator().manual_seed(2))[1][-1]
    assert torch.equal(a, b) and not torch.equal(a, c)
    sampler = DDPMSampler(schedule)
    sampler.set_timesteps(10)
    with pytest.raises(ValueError, match="timestep"):
        sampler.step(torch.zeros(SHAPE), 901, torch.zeros(SHAPE))
    for n in (0, 1001, 2.5):
        with pytest.raises(ValueError, match="num_inference_steps"):
            sampler.set_timesteps(n)
    with pytest.raises(ValueError, match="timestep_spacing"):
        DDIMSampler(schedule, timestep_spacing="linspace")


# ----------------------------------------------------------------------------- exact answer: a point mass
def oracle(schedule, x0):
    """The perfect model for data that is the single point x0: ε = (x_t - √ᾱ x0) / √(1-ᾱ)."""
    def model(x, t):
        a = schedule.alphas_cumprod[int(t)]
        eps = (x - a ** 0.5 * x0) / (1 - a) ** 0.5
        return eps if schedule.prediction_type == "epsilon" else a ** 0.5 * eps - (1 - a) ** 0.5 * x0
    return model


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")  # inside diffusers
@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
@pytest.mark.parametrize("sampler_name", ["ours-ddpm", "ours-ddim", "dpm++", "unipc", "diffusers-ddpm"])
def test_samplers_recover_a_point_mass(sampler_name, prediction_type):
    schedule = NoiseSchedule(prediction_type=prediction_type)
    if sampler_name.startswith("ours-"):
        scheduler = make_sampler(sampler_name.removeprefix("ours-"), schedule)
        assert isinstance(scheduler, (DDPMSampler, DDIMSampler))
    else:
        scheduler = get_scheduler(sampler_name.removeprefix("diffusers-"), schedule)
        assert isinstance(scheduler, diffusers.SchedulerMixin)
    x0 = torch.linspace(-1.5, 1.5, 2 * 3 * 4 * 4 * 4).reshape(SHAPE)
    model = oracle(schedule, x0)
    scheduler.set_timesteps(20)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(SHAPE, generator=g) * scheduler.init_noise_sigma
    for t in scheduler.timesteps:
        x = step_sample(scheduler, model(x, t), t, x, generator=g)
    torch.testing.assert_close(x, x0, atol=1e-3, rtol=1e-3)


def test_get_scheduler_checks_its_input():
    scheduler = get_scheduler("DPMSolver++", NoiseSchedule(beta_schedule="cosine", prediction_type="v_prediction"))
    assert isinstance(scheduler, diffusers.DPMSolverMultistepScheduler)
    assert scheduler.config.beta_schedule == "squaredcos_cap_v2"
    assert scheduler.config.prediction_type == "v_prediction"
    with pytest.raises(ValueError, match="scheduler name"):
        get_scheduler("heun", NoiseSchedule())
    with pytest.raises(ValueError, match="overrides"):
        get_scheduler("dpm++", NoiseSchedule(), clip_sample=False)
    assert isinstance(make_sampler("ddim", NoiseSchedule(), eta=0.5), DDIMSampler)
    assert isinstance(make_sampler("dpm++", NoiseSchedule()), diffusers.DPMSolverMultistepScheduler)


# ----------------------------------------------------------------------------- classifier-free guidance
class CountingModel:
    """Records the batch size of every call; output depends on x, t and the condition."""

    def __init__(self):
        self.batches = []

    def __call__(self, x, t, cond):
        self.batches.append(x.shape[0])
        states, mask = cond
        text = (states * mask[..., None]).sum(dim=(1, 2))            # (B,)
        return torch.sin(x) * text[:, None, None, None, None] + 1e-3 * t[:, None, None, None, None]


def _conditions(batch):
    g = torch.Generator().manual_seed(0)
    cond = (torch.randn(batch, 5, 8, generator=g), torch.ones(batch, 5, dtype=torch.bool))
    uncond = (torch.randn(batch, 5, 8, generator=g), torch.tensor([[True, False, False, False, False]] * batch))
    return cond, uncond


def test_guidance_batches_both_passes_in_one_forward():
    model = CountingModel()
    x = torch.randn(SHAPE, generator=torch.Generator().manual_seed(1))
    t = torch.tensor([500, 500])
    cond, uncond = _conditions(2)
    out = guided(model, x, t, cond, uncond, scale=7.5)
    assert model.batches == [4]                                       # one forward, batch 2B
    c, u = model(x, t, cond), model(x, t, uncond)
    assert_close(out, u + 7.5 * (c - u))
    assert_close(guided(model, x, t, cond, uncond, scale=0.0), u)
    assert_close(guided(model, x, 500, cond, uncond, scale=7.5), out)   # scalar t broadcast


def test_guidance_scale_one_is_the_conditional_output():
    model = CountingModel()
    x = torch.randn(SHAPE, generator=torch.Generator().manual_seed(1))
    t = torch.tensor([20, 30])
    cond, uncond = _conditions(2)
    assert torch.equal(guided(model, x, t, cond, uncond, scale=1.0), model(x, t, cond))
    # the guidance formula at scale 1 gives the same numbers
    c, u = model(x, t, cond), model(x, t, uncond)
    assert_close(u + 1.0 * (c - u), c)
    with pytest.raises(ValueError, match="cond and uncond"):
        guided(model, x, t, cond, uncond[0], scale=2.0)


@pytest.mark.parametrize("prediction_type", ["epsilon", "v_prediction"])
def test_min_snr_weighting_matches_the_diffusers_training_recipe(prediction_type):
    """diffusers' train_text_to_image.py: weights min(SNR, γ) / SNR (ε) or / (SNR + 1) (v), with
    `diffusers.training_utils.compute_snr` for the SNR."""
    schedule = NoiseSchedule(prediction_type=prediction_type)
    scheduler = diffusers.DDPMScheduler(**schedule.diffusers_config())
    t = torch.tensor([0, 5, 120, 485, 700, 999])
    snr = compute_snr(scheduler, t)
    assert_close(schedule.snr(t).float(), snr.float())
    weights = torch.stack([snr, 5.0 * torch.ones_like(snr)], dim=1).min(dim=1)[0]
    weights = weights / snr if prediction_type == "epsilon" else weights / (snr + 1)
    g = torch.Generator().manual_seed(4)
    x0, noise, pred = (torch.randn((6, 2, 3, 4, 4), generator=g) for _ in range(3))
    target = noise if prediction_type == "epsilon" else scheduler.get_velocity(x0, noise, t)
    theirs = (F.mse_loss(pred, target, reduction="none").mean(dim=[1, 2, 3, 4]) * weights).mean()
    assert_close(schedule.training_loss(pred, x0, noise, t, snr_gamma=5.0), theirs)
