"""Training SEINE's video UNet on randomly masked clips, on `accelerate`: one plain loop.

    set_up            the run folder, latent cache, UNet, EMA, optimiser   (train_setup.py)
    for each step:
      draw_batch      clips, captions (some dropped to "") and the step's generator
      training_step   mask, ε, t, z_t, UNet input, prediction, loss     (training_step.py)
      optimise        backward, clip, AdamW, warm-up, EMA
      log             one metrics row
      now and then    score on held-out clips, checkpoint, stop          (train_scoring.py, run_folder.py)
    export            the EMA weights as a model folder

Every random draw of step s comes from a generator seeded by (seed, s, rank), so a
run that stops at step N and resumes gives exactly the losses of a straight run, and
each process of a multi-process run sees different clips. The command line is `cli/train.py`.
"""
import sys
import time
from pathlib import Path

import torch
from accelerate import Accelerator
from tqdm.auto import tqdm

from seine_lite.run_folder import (CHECKPOINTS, checkpoint_step, clear_old_run, latest_checkpoint, plot_loss,
                                   record_leg, release_lock, save_checkpoint, take_lock, write_metrics)
from seine_lite.train_config import LossOptions, ScoringOptions, TrainConfig, UNetOptions
from seine_lite.train_scoring import export, score_and_keep_best
from seine_lite.train_setup import CtrlC, Run, set_up
from seine_lite.training_step import training_step

__all__ = ["TrainConfig", "UNetOptions", "LossOptions", "ScoringOptions", "train", "draw_batch"]


def _step_generator(seed: int, step: int, rank: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed * 1_000_003 + step * 1009 + rank)


def draw_batch(cache, cfg: TrainConfig, step: int, rank: int):
    """Step `step`'s clips and captions (dropped to "" with p = caption_dropout), and the CPU
    generator, seeded by (seed, step, rank), that goes on to draw its mask, ε and t."""
    g = _step_generator(cfg.seed, step, rank)
    idx = torch.randint(len(cache), (cfg.batch_size,), generator=g)
    caption_ids = cache.caption_ids[idx]
    dropped = torch.rand(cfg.batch_size, generator=g) < cfg.caption_dropout
    caption_ids = torch.where(dropped, torch.zeros_like(caption_ids), caption_ids)  # row 0 is ""
    return idx, cache.latents[idx], cache.states[caption_ids], cache.text_mask[caption_ids], g


def train(cfg: TrainConfig, out, resume: bool = False, progress: bool = True, max_minutes: float = None,
          trust_pickle: bool = False, overwrite: bool = False) -> dict:
    """Train (or resume) into `out`; returns the last logged metrics row.

    `max_minutes` stops the loop (with a checkpoint and an exported model) once this call has
    run that long, building the latent cache included; `resume=True` continues from the last checkpoint,
    which holds safetensors and JSON only: one holding a pickle (.pkl, .bin: an older seine_lite's, or
    planted) is refused unless `trust_pickle=True`. A new run into a folder holding another run is
    refused unless `overwrite=True` (which removes that run's files first); OUT/train.lock keeps a
    second run out of the folder while this one trains.
    """
    out = Path(out)
    started = time.time()  # the --max-minutes budget counts the latent cache too
    if resume and overwrite:
        raise ValueError("--overwrite starts the run in --out again and --resume continues it: give one")
    if resume and not (out / "train_config.json").exists():
        raise FileNotFoundError(f"resume: {str(out)!r} holds no training run (train_config.json missing)")
    accelerator = Accelerator(mixed_precision="bf16" if torch.cuda.is_available() else "no")
    lock = take_lock(out) if accelerator.is_main_process else None   # the main process writes the folder
    try:
        if not resume and accelerator.is_main_process:
            clear_old_run(out, overwrite)
        return _train(cfg, out, accelerator, started, resume, progress, max_minutes, trust_pickle)
    finally:
        if lock is not None:
            release_lock(lock)


def _train(cfg, out: Path, accelerator, started: float, resume: bool, progress: bool, max_minutes, trust_pickle):
    run = set_up(cfg, out, accelerator, resume, progress, trust_pickle)
    rank = accelerator.process_index
    bar = tqdm(range(run.start, cfg.steps), initial=run.start, total=cfg.steps, desc=f"training {cfg.preset}",
               disable=not (progress and accelerator.is_main_process))
    ctrl_c, t0, row = CtrlC(), time.time(), {}
    try:
        for step in bar:
            idx, z0, states, text_mask, g = draw_batch(run.cache, cfg, step, rank)
            z0, states, text_mask = (x.to(accelerator.device) for x in (z0, states, text_mask))
            layouts = run.sources and [cfg.loss.source_masks.get(run.sources[i]) for i in idx.tolist()]
            loss = training_step(run.model, z0, states, text_mask, run.sampler, cfg.schedule, g,
                                 conditioning=cfg.conditioning, generated_only=cfg.loss.generated_only,
                                 snr_gamma=cfg.loss.snr_gamma, timestep_draw=cfg.loss.timestep_draw,
                                 max_noise=cfg.loss.max_noise,
                                 autocast=accelerator.autocast, layouts=layouts,
                                 grey=None if run.cache.grey is None else run.cache.grey[idx].numpy()).loss
            optimise(run, loss, step)
            row = log(run, step, loss, t0, bar)
            out_of_time = max_minutes is not None and time.time() - started >= 60 * max_minutes
            stop = stop_requested(run, ctrl_c)
            if (step + 1) % cfg.checkpoint_every == 0 or step + 1 == cfg.steps or out_of_time or stop:
                now_and_then(run, step + 1, last=step + 1 == cfg.steps or out_of_time, stop=stop,
                             elapsed=row["elapsed_s"], started=started)
            if stop:
                raise KeyboardInterrupt
            if out_of_time:
                bar.write(f"stopping after {max_minutes} minutes at step {step + 1}; continue with --resume")
                break
    except (KeyboardInterrupt, SystemExit) as stopped:      # Ctrl-C, or SIGTERM (cli/terminate.py)
        last = latest_checkpoint(out, run.run_id)
        if last and accelerator.is_main_process and checkpoint_step(last) > run.start:
            record_leg(out, run.start, checkpoint_step(last), time.time() - started, cfg.init_from, stopped=True)
            plot_loss(out)                              # the curve so far, as a finished run draws it
        if isinstance(stopped, KeyboardInterrupt):
            where = f"checkpoint {last.name} in {last.parent}" if last else "no checkpoint yet"
            print(f"\ninterrupted: {where}; continue with --resume", file=sys.stderr)
        raise
    finally:
        ctrl_c.restore()

    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        end, seconds = row.get("step", run.start), time.time() - started
        legs = record_leg(out, run.start, end, seconds, cfg.init_from, write=False)
        export(run, end, legs=legs)    # the model first: legs.json never names a step the model lacks
        record_leg(out, run.start, end, seconds, cfg.init_from)
        plot_loss(out)
    accelerator.end_training()
    return row


def optimise(run: Run, loss: torch.Tensor, step: int) -> None:
    """Backward, gradient clipping, AdamW, the warm-up schedule and EMA; a NaN stops the run."""
    where = f"at step {step + 1}; the last good checkpoint is kept in {run.out / CHECKPOINTS}. Try a lower --lr."
    if not torch.isfinite(loss):
        raise FloatingPointError(f"loss became {loss.item()} {where}")
    run.accelerator.backward(loss)
    grad_norm = run.accelerator.clip_grad_norm_(run.model.parameters(), run.cfg.grad_clip)
    if grad_norm is not None and not torch.isfinite(grad_norm):  # the weights stay as checkpointed
        raise FloatingPointError(f"gradient norm became {float(grad_norm)} {where}")
    run.optimizer.step()
    run.lr_schedule.step()
    run.optimizer.zero_grad(set_to_none=True)
    run.ema.step(run.accelerator.unwrap_model(run.model).parameters())


def log(run: Run, step: int, loss: torch.Tensor, t0: float, bar) -> dict:
    """One metrics row: the loss averaged over processes, the rate, the training seconds so far."""
    mean_loss = run.accelerator.reduce(loss.detach(), reduction="mean").item()
    done, now = step + 1 - run.start, time.time() - t0
    row = {"step": step + 1, "loss": mean_loss, "lr": run.lr_schedule.get_last_lr()[0],
           "clips_per_s": done * run.cfg.batch_size * run.accelerator.num_processes / now,
           "elapsed_s": run.elapsed_before + now}
    run.rows.append(row)
    bar.set_postfix(loss=f"{mean_loss:.4f}")
    return row


def stop_requested(run: Run, ctrl_c: CtrlC) -> bool:
    """Whether Ctrl-C was pressed (read once: a later one is handled after the next step); every
    process of a multi-process run gets the same answer, so all stop at the same step."""
    stop = ctrl_c.requested
    if run.accelerator.num_processes > 1:
        flag = torch.tensor([float(stop)], device=run.accelerator.device)
        stop = run.accelerator.reduce(flag, "sum").item() > 0
    return stop


def now_and_then(run: Run, step: int, last: bool, stop: bool, elapsed: float, started: float) -> None:
    """At a checkpoint step: score (if it is time, never on Ctrl-C), write the metrics, checkpoint."""
    every = run.cfg.scoring.every_minutes
    if every and run.accelerator.is_main_process and not stop and (
            last or time.time() - run.scored_at >= 60 * every):
        score_and_keep_best(run, step, elapsed, started)
        run.scored_at = time.time()
    if run.accelerator.is_main_process:  # metrics first: a resume drops rows past its checkpoint
        write_metrics(run.out, run.rows, keep_until=run.start)
    save_checkpoint(run.accelerator, run.out, step, run.cfg.keep_checkpoints, run.model, run.parts, run.run_id)
