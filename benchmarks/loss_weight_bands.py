"""How much of the training loss each timestep band gets, under each weighting.

    python benchmarks/loss_weight_bands.py

Timesteps are drawn uniformly, by an EDM-style log-normal draw of the noise level σ = 1/√SNR
(Karras et al. 2022, sec. 5: ln σ ~ N(P_mean, P_std), mapped onto the nearest DDPM timestep), or
by SD3's logit-normal draw of t/T (Esser et al. 2024, sec. 3.1). A sample's weight is what
multiplies the squared error of its own target (ε or v); a band's share is its weight mass over
the total. The bands where SNR < 0.1 (t >= 485 here) are where an object's place and direction
are decided.
"""
import argparse

import numpy as np
import torch

from seine_lite.diffusion import NoiseSchedule

BANDS = [(0, 200), (200, 485), (485, 700), (700, 1000)]


def weightings(schedule: NoiseSchedule, draws: int, seed: int) -> dict:
    """Name -> (timesteps drawn, weight of each draw in ε-error units)."""
    t = torch.arange(schedule.num_train_timesteps)
    snr = schedule.snr(t).double()
    uniform = t.repeat(max(1, draws // len(t)))
    ones = torch.ones_like(snr)
    sigmas = torch.sqrt(1 / snr)                                          # increasing in t
    rng = np.random.default_rng(seed)

    def lognormal(p_mean, p_std):
        drawn = torch.as_tensor(np.exp(rng.normal(p_mean, p_std, draws)))
        return torch.bucketize(drawn, sigmas.contiguous()).clamp(max=len(t) - 1)

    logit = torch.as_tensor(1 / (1 + np.exp(-rng.normal(0.0, 1.0, draws))))
    return {
        "epsilon, plain": (uniform, ones),
        "epsilon, min-SNR-5": (uniform, torch.clamp(snr, max=5) / snr),
        "v, plain": (uniform, ones),
        "v, min-SNR-5 (shipped)": (uniform, torch.clamp(snr, max=5) / (snr + 1)),
        "v, EDM draw (-1.2, 1.2)": (lognormal(-1.2, 1.2), ones),
        "v, EDM draw (+1.0, 1.6)": (lognormal(1.0, 1.6), ones),
        "v, logit-normal draw (SD3)": ((logit * (len(t) - 1)).round().long(), ones),
    }


def band_shares(timesteps, weight) -> list:
    w = weight[timesteps]
    total = float(w.sum())
    return [float(w[(timesteps >= lo) & (timesteps < hi)].sum()) / total for lo, hi in BANDS]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--draws", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    schedule = NoiseSchedule()
    snr = schedule.snr(torch.arange(1000))
    print("linear schedule, T = 1000; SNR < 0.1 from t =", int((snr < 0.1).nonzero()[0]))
    head = "".join(f"{f't {lo}-{hi}':>12}" for lo, hi in BANDS)
    print(f"{'weighting':28}{head}")
    for name, (timesteps, weight) in weightings(schedule, args.draws, args.seed).items():
        print(f"{name:28}" + "".join(f"{100 * s:11.1f}%" for s in band_shares(timesteps, weight)))


if __name__ == "__main__":
    main()
