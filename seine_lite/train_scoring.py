"""Scoring a model while it trains: a small held-out eval every so often, and the best one kept.

The loss says little about what a user sees (a model can lower it and still ignore the prompt's
direction), so a long run is scored on the eval probes themselves (`seine_lite.evaluate`) on a
small held-out subset, every `score_every_minutes`, and the best-scored EMA weights are kept in
`DIR/best/` (a model folder) beside the last ones in `DIR/`. The score orders checkpoints:

    score = bars met + mean over the bars of how near each figure is to it (`bar_fraction`)

so a checkpoint that meets one more bar always wins, and among equals the one nearer the bars.
The figures go into `metrics.jsonl` as a row {"step", "elapsed_s", "score", "eval": {...}}.
`export` writes the EMA weights of the end of a run as the model folder in `DIR/`.
"""
import json
import time
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm.auto import tqdm

from seine_lite.evaluate import BARS, evaluate
from seine_lite.evaluate_real import REAL_BARS, evaluate_real
from seine_lite.model_folder import save_model_folder
from seine_lite.pipeline import SeinePipeline
from seine_lite.run_folder import earlier_legs, elapsed_until, record_leg
from seine_lite.unet import VideoUNet

SUBSET = dict(clips=8, scenes=6, pairs=4)      # 8 + 8 clips, 24 text trials, 4 scene pairs
SUBSET_STEPS = 20                              # DDIM steps per sample
REAL_SUBSET = dict(clips=6, pairs=3)           # with real=True: held-out real clips and photo pairs
# the real bars a UNet can move (the VAE's round trip is the same at every checkpoint)
REAL_SCORED = ("real_prediction_gain_db", "real_interpolation_gain_db", "real_one_frame_gain_db",
               "real_transition_sharpness", "real_transition_blend_r2", "real_transition_max_jump")
LOWER_IS_BETTER = ("transition_max_jump", "real_transition_max_jump", "real_transition_blend_r2")


def bar_fraction(name: str, value: float) -> float:
    """How near one figure is to its bar: 1 at or past it, less below (gains: 1 dB short = -1/3)."""
    bar = {**BARS, **REAL_BARS}[name]
    if name.endswith("gain_db"):
        return 1.0 + min(value - bar, 0.0) / 3.0
    if name in LOWER_IS_BETTER:
        return min(bar / value, 1.0) if value > 0 else 1.0
    return min(value / bar, 1.0)


def score_of(result: dict) -> float:
    """Bars met plus the mean of `bar_fraction` over the bars: higher is better. With the real probes
    in `result`, their bars count too (those a UNet can move: `REAL_SCORED`)."""
    names = list(BARS) + [n for n in REAL_SCORED if n in result]
    met = sum(result["passed"].values()) + sum(_real_met(result, n) for n in REAL_SCORED if n in result)
    return met + sum(bar_fraction(n, result[n]) for n in names) / len(names)


def _real_met(result: dict, name: str) -> bool:
    bar = REAL_BARS[name]
    return result[name] <= bar if name in LOWER_IS_BETTER else result[name] >= bar


@torch.no_grad()
def score_model(unet, vae, text_encoder, meta: dict, subset: dict = None, real: bool = False) -> dict:
    """Run the eval probes on the small subset (`SUBSET` unless given; with `real`, the real-footage
    probes on `REAL_SUBSET` too); returns the figures with "score"."""
    pipe = SeinePipeline(unet, vae, text_encoder, meta)
    pipe.set_progress_bar_config(disable=True)
    result = evaluate(pipe, progress=False, num_inference_steps=SUBSET_STEPS, **(subset or SUBSET))
    if real:
        figures = evaluate_real(pipe, progress=False, num_inference_steps=SUBSET_STEPS, **REAL_SUBSET)
        result.update({n: figures[n] for n in REAL_SCORED})
    result["score"] = score_of(result)
    return result


def eval_row(step: int, elapsed_s: float, result: dict) -> dict:
    """The metrics.jsonl row of one scoring: the figures that the bars read, and the score."""
    keep = [*BARS, "transition_double_exposure", "dissolve_double_exposure", "seconds", *REAL_SCORED]
    met = sum(result["passed"].values()) + sum(_real_met(result, n) for n in REAL_SCORED if n in result)
    return {"step": step, "elapsed_s": elapsed_s, "score": result["score"],
            "eval": {k: float(result[k]) for k in keep if k in result}, "bars_met": int(met)}


def best_score(out: Path) -> float:
    """The best score an earlier run of this folder logged (-inf if none)."""
    path = out / "metrics.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return max([r["score"] for r in rows if "score" in r], default=float("-inf"))


def score_and_keep_best(run, step: int, elapsed: float, started: float) -> None:
    """Score the EMA weights of `run` (a `train_setup.Run`) on the held-out subset; a new best is
    written to DIR/best/ with the legs so far."""
    legs = record_leg(run.out, run.start, step, time.time() - started, run.cfg.init_from, write=False)
    unet = ema_unet(run.accelerator.unwrap_model(run.model), run.ema)
    meta = model_meta(run, step + run.warm.get("trained_steps", 0), elapsed)
    result = score_model(unet, run.vae, run.text_encoder, meta, subset=run.cfg.scoring.subset,
                         real=run.cfg.scoring.real)
    run.rows.append(eval_row(step, elapsed, result))
    tqdm.write(f"step {step}: held-out score {result['score']:.3f} ({run.rows[-1]['bars_met']} bars; direction "
               f"{result['direction_accuracy']:.0%}, interpolation {result['interpolation_gain_db']:+.2f} dB, "
               f"prediction {result['prediction_gain_db']:+.2f} dB)")
    if result["score"] > run.best:
        save_model_folder(run.out / "best", unet, run.vae, {**meta, "score": result["score"], "score_step": step,
                                                            "legs": earlier_legs(run.warm) + legs})
        run.best = result["score"]


def export(run, last_step: int, legs: list = ()) -> None:
    """Write the EMA weights as the model folder in DIR that SeinePipeline.from_pretrained reads."""
    meta = model_meta(run, int(last_step) + int(run.warm.get("trained_steps", 0)), elapsed_until(run.out, last_step))
    meta["legs"] = earlier_legs(run.warm) + list(legs)
    save_model_folder(run.out, ema_unet(run.accelerator.unwrap_model(run.model), run.ema), run.vae, meta)


def ema_unet(model, ema) -> VideoUNet:
    final = VideoUNet.from_config(model.config)
    ema.copy_to(final.parameters())
    return final.eval()


def model_meta(run, steps: int, seconds: float) -> dict:
    """seine_lite.json of a model folder: what the pipeline needs to sample as it was trained."""
    cfg, preset = run.cfg, run.preset
    return {"preset": cfg.preset, "num_frames": preset.num_frames, "size": preset.size,
            "latent_channels": run.latent_channels, "schedule": asdict(cfg.schedule),
            "text_encoder": cfg.text_encoder, "trained_steps": int(steps), "training_seconds": float(seconds),
            "guidance_scale": cfg.guidance_scale, "condition": cfg.conditioning.fill,
            "conditioning": cfg.conditioning.to_meta()}
