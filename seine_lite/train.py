"""Training SEINE's video UNet on randomly masked clips, on `accelerate`.

One step is `training_step.training_step` (mask, ε, t, z_t, UNet input, prediction, loss); this
file holds what surrounds it: the latent cache, the optimiser and its warm-up, EMA weights,
gradient clipping, checkpoints, Ctrl-C, scoring on held-out clips, and the model folder at the end.

Every random draw of step s comes from a generator seeded by (seed, s, rank), so a
run that stops at step N and resumes gives exactly the losses of a straight run, and
each process of a multi-process run sees different clips. The command line is `cli/train.py`.
"""
import json
import os
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import set_seed
from diffusers.optimization import get_scheduler
from diffusers.training_utils import EMAModel
from tqdm.auto import tqdm

from seine_lite.diffusion import NoiseSchedule
from seine_lite.latent_cache import DataConfig, build_latent_cache, cache_sources
from seine_lite.masking import MaskMixture, MaskSampler
from seine_lite.model_folder import check_model_folder, read_meta, save_model_folder
from seine_lite.presets import get_preset
from seine_lite.run_folder import (CHECKPOINTS, check_resume, clear_old_run, earlier_legs, elapsed_until,
                                   latest_checkpoint, load_state, plot_loss, record_leg, refuse_pickles,
                                   release_lock, save_checkpoint, take_lock, write_metrics)
from seine_lite.text import CachedTextEncoder, load_text_encoder
from seine_lite.train_scoring import eval_row, score_model
from seine_lite.training_step import training_step
from seine_lite.unet import VideoUNet, unet_config_for
from seine_lite.vae import load_vae

# UNet options a warm start may add to the model it starts from: their modules start at zero
# (the word path at its own scale) and are the only weights the source may lack
NEW_OPTIONS = {"text_words": "word_path.", "text_word_scale": None, "frame_positions": "frame_embedding.",
               "relative_position_bias": ".position_bias.", "relative_position_buckets": None}


@dataclass
class TrainConfig:
    preset: str = "tiny"
    data: DataConfig = field(default_factory=DataConfig)
    masks: MaskMixture = field(default_factory=MaskMixture)
    source_masks: dict = None        # source -> a fixed layout its clips always train with, e.g. {"transitions": "onelast1"}
    schedule: NoiseSchedule = field(default_factory=NoiseSchedule)
    steps: int = 200
    batch_size: int = 8
    lr: float = 3e-4
    warmup_steps: int = 50
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    caption_dropout: float = 0.1     # SEINE: text -> "" with p = 0.1, for guidance
    generated_only: bool = False     # loss on generated frames only (SEINE: all frames)
    condition: str = "zeros"         # generated frames' clean-latent channels: "zeros" (SEINE) or "blend"
    snr_gamma: float = None          # min-SNR loss weighting (None: plain MSE)
    timestep_draw: str = "uniform"   # or "logit-normal" (SD3): more of the noisy steps
    checkpoint_every: int = 100
    keep_checkpoints: int = 2
    seed: int = 0
    text_encoder: str = "minilm"
    vae: str = None                  # None: the bundled VAE
    unet: dict = None                # None: unet_config_for(preset)
    temporal_conv: bool = False      # add TemporalConv layers to the UNet (SEINE has none)
    frame_positions: int = 0         # frame-index embedding for up to this many frames (0: none)
    relative_position_bias: bool = False   # SEINE's T5 bias in temporal attention
    text_word_scale: float = 8.0     # starting length of the word vectors (text encoder "minilm-words")
    score_every_minutes: float = None      # score on a held-out subset this often, keep the best in DIR/best
    score_subset: dict = None        # its size (None: train_scoring.SUBSET)
    guidance_scale: float = 3.0      # the sampling default written into the model folder
    init_from: str = None            # a model folder whose UNet weights start this run (warm start)


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
    preset = get_preset(cfg.preset)
    rank, world = accelerator.process_index, accelerator.num_processes
    set_seed(cfg.seed)

    last = None
    if resume:
        check_resume(out, cfg.preset)
        last = latest_checkpoint(out)
        if last is not None:
            refuse_pickles(last, trust_pickle)   # before any work; a pickle is never read without trust
    elif accelerator.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
        (out / "train_config.json").write_text(json.dumps(asdict(cfg), indent=2))

    vae = load_vae(cfg.vae).to(accelerator.device)     # the clips are encoded once, on the GPU if there is one
    text_encoder = CachedTextEncoder(load_text_encoder(cfg.text_encoder))
    cache = build_latent_cache(cfg.data, cfg.preset, vae, text_encoder, cfg.text_encoder,
                               cache_dir=out / "cache", progress=progress and accelerator.is_main_process)
    vae.to("cpu")                                      # scoring and saving use it on the CPU, as before
    latent_channels = cache.latents.shape[1]
    words = text_encoder.word_dim       # "minilm-words": word embeddings follow the context states
    unet_cfg = cfg.unet or unet_config_for(cfg.preset, latent_channels=latent_channels,
                                           text_dim=cache.states.shape[-1] - words)
    unet_cfg = {**unet_cfg, **_options(cfg, words)}
    model = VideoUNet(**unet_cfg)
    warm = _warm_start(model, cfg.init_from) if cfg.init_from and not resume else {}
    ema = EMAModel(model.parameters(), decay=cfg.ema_decay, model_cls=VideoUNet, model_config=model.config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    lr_schedule = get_scheduler("constant_with_warmup", optimizer, num_warmup_steps=cfg.warmup_steps)
    model, optimizer, lr_schedule = accelerator.prepare(model, optimizer, lr_schedule)
    parts = {"optimizer": optimizer, "scheduler": lr_schedule, "ema": ema}     # what a checkpoint holds
    sampler = MaskSampler(cfg.masks)
    sources = cache_sources(cfg.data, len(cache)) if cfg.source_masks else None

    start = 0
    if last is not None:
        load_state(accelerator, last, model, parts, trust_pickle)
        start = int(last.name.split("_")[1])
    ema.to(accelerator.device)

    rows, t0, row, scored_at = [], time.time(), {}, time.time()
    best = _best_score(out) if resume else float("-inf")
    # training time of earlier runs of this folder, and of the model it was warm-started from
    elapsed_before = elapsed_until(out, start) + warm.get("training_seconds", 0.0)
    bar = tqdm(range(start, cfg.steps), initial=start, total=cfg.steps, desc=f"training {cfg.preset}",
               disable=not (progress and accelerator.is_main_process))
    seen = []
    ctrl_c = _CtrlC()
    try:
        for step in bar:
            idx, z0, states, text_mask, g = draw_batch(cache, cfg, step, rank)
            seen.extend(idx.tolist())
            z0, states, text_mask = (x.to(accelerator.device) for x in (z0, states, text_mask))
            loss = training_step(model, z0, states, text_mask, sampler, cfg.schedule, g, condition=cfg.condition,
                                 generated_only=cfg.generated_only, snr_gamma=cfg.snr_gamma,
                                 timestep_draw=cfg.timestep_draw, autocast=accelerator.autocast,
                                 layouts=sources and [cfg.source_masks.get(sources[i]) for i in idx.tolist()]).loss
            if not torch.isfinite(loss):
                raise FloatingPointError(f"loss became {loss.item()} at step {step + 1}; the last good checkpoint "
                                         f"is kept in {out / CHECKPOINTS}. Try a lower --lr.")
            accelerator.backward(loss)
            grad_norm = accelerator.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            if grad_norm is not None and not torch.isfinite(grad_norm):  # the weights stay as checkpointed
                raise FloatingPointError(f"gradient norm became {float(grad_norm)} at step {step + 1}; the last good "
                                         f"checkpoint is kept in {out / CHECKPOINTS}. Try a lower --lr.")
            optimizer.step()
            lr_schedule.step()
            optimizer.zero_grad(set_to_none=True)
            ema.step(accelerator.unwrap_model(model).parameters())

            mean_loss = accelerator.reduce(loss.detach(), reduction="mean").item()
            done, now = step + 1 - start, time.time() - t0
            row = {"step": step + 1, "loss": mean_loss, "lr": lr_schedule.get_last_lr()[0],
                   "clips_per_s": done * cfg.batch_size * world / now, "elapsed_s": elapsed_before + now}
            rows.append(row)
            bar.set_postfix(loss=f"{mean_loss:.4f}")
            out_of_time = max_minutes is not None and time.time() - started >= 60 * max_minutes
            stop = ctrl_c.requested  # read once: a Ctrl-C from here on is handled after the next step
            if world > 1:  # every process stops at the same step
                stop = accelerator.reduce(torch.tensor([float(stop)], device=accelerator.device), "sum").item() > 0
            if (step + 1) % cfg.checkpoint_every == 0 or step + 1 == cfg.steps or out_of_time or stop:
                last_one = step + 1 == cfg.steps or out_of_time
                if cfg.score_every_minutes and accelerator.is_main_process and not stop and (
                        last_one or time.time() - scored_at >= 60 * cfg.score_every_minutes):
                    legs = record_leg(out, start, step + 1, time.time() - started, cfg.init_from, write=False)
                    best = _score(out, accelerator.unwrap_model(model), ema, vae, text_encoder, cfg, preset,
                                  latent_channels, step + 1, elapsed_before + now, rows, best, warm, legs)
                    scored_at = time.time()
                if accelerator.is_main_process:  # metrics first: a resume drops rows past its checkpoint
                    write_metrics(out, rows, keep_until=start)
                save_checkpoint(accelerator, out, step + 1, cfg.keep_checkpoints, model, parts)
            if stop:
                raise KeyboardInterrupt
            if out_of_time:
                bar.write(f"stopping after {max_minutes} minutes at step {step + 1}; continue with --resume")
                break
    except KeyboardInterrupt:
        last = latest_checkpoint(out)
        where = f"checkpoint {last.name} in {last.parent}" if last else "no checkpoint yet"
        print(f"\ninterrupted: {where}; continue with --resume", file=sys.stderr)
        raise
    finally:
        ctrl_c.restore()

    if os.environ.get("SEINE_LITE_RANK_LOG"):  # for the multi-process test: what each rank saw
        digest = float(sum(p.double().sum() for p in accelerator.unwrap_model(model).parameters()))
        Path(out, f"rank{rank}.json").write_text(json.dumps({"rank": rank, "world": world,
                                                              "seen": seen, "param_sum": digest}))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        legs = record_leg(out, start, row.get("step", start), time.time() - started, cfg.init_from)
        export(out, accelerator.unwrap_model(model), ema, vae, cfg, preset, latent_channels,
               row.get("step", start), warm=warm, legs=legs)
        plot_loss(out)
    accelerator.end_training()
    return row


class _CtrlC:
    """Ctrl-C while training finishes the step, checkpoints and stops; a second Ctrl-C stops at once."""

    def __init__(self):
        self.requested, self.previous = False, None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def restore(self):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _warm_start(model, folder) -> dict:
    """Load a model folder's UNet weights into `model` (same architecture); returns its meta."""
    folder = check_model_folder(folder, argument="init_from")
    try:
        source = VideoUNet.from_pretrained(str(folder / "unet"), use_safetensors=True)
    except (OSError, RuntimeError, ValueError, TypeError) as err:  # e.g. weights that do not fit the config
        raise ValueError(f"init_from: could not load the UNet in {str(folder)!r} "
                         f"({type(err).__name__}: {str(err).splitlines()[0][:200]})") from None
    def plain(config):
        return json.loads(json.dumps({k: v for k, v in dict(config).items() if not k.startswith("_")}))

    mine, theirs = plain(model.config), plain(source.config)
    for name in NEW_OPTIONS:   # options this run may add; the rest must match
        mine.pop(name, None)
        theirs.pop(name, None)
    if mine != theirs:
        raise ValueError(f"init_from: {str(folder)!r} holds a UNet of another configuration")
    missing, unexpected = model.load_state_dict(source.state_dict(), strict=False)
    added = tuple(p for p in NEW_OPTIONS.values() if p)
    if unexpected or any(not any(p in k for p in added) for k in missing):
        raise ValueError(f"init_from: {str(folder)!r} holds weights this UNet cannot take "
                         f"({(unexpected or missing)[0]})")
    return read_meta(folder)


def _options(cfg: TrainConfig, words: int) -> dict:
    """The UNet options a training config switches on (only those: older folders stay as they were)."""
    options = {"temporal_conv": True} if cfg.temporal_conv else {}
    if words:
        options.update(text_words=words, text_word_scale=cfg.text_word_scale)
    if cfg.frame_positions:
        options["frame_positions"] = cfg.frame_positions
    if cfg.relative_position_bias:
        options["relative_position_bias"] = True
    return options


def _ema_unet(model, ema):
    final = VideoUNet.from_config(model.config)
    ema.copy_to(final.parameters())
    return final.eval()


def _meta(cfg: TrainConfig, preset, latent_channels: int, steps: int, seconds: float) -> dict:
    return {"preset": cfg.preset, "num_frames": preset.num_frames, "size": preset.size,
            "latent_channels": latent_channels, "schedule": asdict(cfg.schedule),
            "text_encoder": cfg.text_encoder, "trained_steps": int(steps), "training_seconds": float(seconds),
            "guidance_scale": cfg.guidance_scale, "condition": cfg.condition}


def _best_score(out: Path) -> float:
    path = out / "metrics.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return max([r["score"] for r in rows if "score" in r], default=float("-inf"))


def _score(out, model, ema, vae, text_encoder, cfg, preset, latent_channels, step, elapsed, rows, best, warm,
           legs):
    """Score the EMA weights on the held-out subset; a new best is written to DIR/best/."""
    unet = _ema_unet(model, ema)
    meta = _meta(cfg, preset, latent_channels, step + warm.get("trained_steps", 0), elapsed)
    result = score_model(unet, vae, text_encoder, meta, subset=cfg.score_subset)
    rows.append(eval_row(step, elapsed, result))
    tqdm.write(f"step {step}: held-out score {result['score']:.3f} ({rows[-1]['bars_met']} bars; direction "
               f"{result['direction_accuracy']:.0%}, interpolation {result['interpolation_gain_db']:+.2f} dB, "
               f"prediction {result['prediction_gain_db']:+.2f} dB)")
    if result["score"] > best:
        save_model_folder(out / "best", unet, vae, {**meta, "score": result["score"], "score_step": step,
                                                    "legs": earlier_legs(warm) + legs})
        return result["score"]
    return best


def export(out: Path, model, ema, vae, cfg: TrainConfig, preset, latent_channels: int, row_step: int,
           warm: dict = None, legs: list = ()):
    """Write the EMA weights as a model folder that SeinePipeline.from_pretrained reads."""
    warm = warm or {}
    meta = _meta(cfg, preset, latent_channels, int(row_step) + int(warm.get("trained_steps", 0)),
                 elapsed_until(out, row_step))
    meta["legs"] = earlier_legs(warm) + list(legs)
    save_model_folder(out, _ema_unet(model, ema), vae, meta)
