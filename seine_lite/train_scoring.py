"""Scoring a model while it trains: a small held-out eval every so often, and the best one kept.

The loss says little about what a user sees (a model can lower it and still ignore the prompt's
direction), so a long run is scored on the eval probes themselves (`seine_lite.evaluate`) on a
small held-out subset, every `score_every_minutes`, and the best-scored EMA weights are kept in
`DIR/best/` (a model folder) beside the last ones in `DIR/`. The score orders checkpoints:

    score = bars met + mean over the bars of how near each figure is to it (`bar_fraction`)

so a checkpoint that meets one more bar always wins, and among equals the one nearer the bars.
The figures go into `metrics.jsonl` as a row {"step", "elapsed_s", "score", "eval": {...}}.
"""
import torch

from seine_lite.evaluate import BARS, evaluate
from seine_lite.pipeline import SeinePipeline

SUBSET = dict(clips=8, scenes=6, pairs=4)      # 8 + 8 clips, 24 text trials, 4 scene pairs
SUBSET_STEPS = 20                              # DDIM steps per sample


def bar_fraction(name: str, value: float) -> float:
    """How near one figure is to its bar: 1 at or past it, less below (gains: 1 dB short = -1/3)."""
    bar = BARS[name]
    if name.endswith("gain_db"):
        return 1.0 + min(value - bar, 0.0) / 3.0
    if name == "transition_max_jump":
        return min(bar / value, 1.0) if value > 0 else 1.0
    return min(value / bar, 1.0)


def score_of(result: dict) -> float:
    """Bars met plus the mean of `bar_fraction` over the bars: higher is better."""
    fractions = [bar_fraction(name, result[name]) for name in BARS]
    return sum(result["passed"].values()) + sum(fractions) / len(fractions)


@torch.no_grad()
def score_model(unet, vae, text_encoder, meta: dict, subset: dict = None) -> dict:
    """Run the eval probes on the small subset (`SUBSET` unless given); returns the figures with "score"."""
    pipe = SeinePipeline(unet, vae, text_encoder, meta)
    pipe.set_progress_bar_config(disable=True)
    result = evaluate(pipe, progress=False, num_inference_steps=SUBSET_STEPS, **(subset or SUBSET))
    result["score"] = score_of(result)
    return result


def eval_row(step: int, elapsed_s: float, result: dict) -> dict:
    """The metrics.jsonl row of one scoring: the figures that the bars read, and the score."""
    keep = [*BARS, "transition_double_exposure", "dissolve_double_exposure", "seconds"]
    return {"step": step, "elapsed_s": elapsed_s, "score": result["score"],
            "eval": {k: float(result[k]) for k in keep}, "bars_met": int(sum(result["passed"].values()))}
