"""Everything a training run holds before its first step, built in one call: `set_up`.

The run folder (a new `train_config.json`, or the checkpoint a resume continues from), the latent
cache, the UNet (fresh, or warm from a model folder), EMA, AdamW with its warm-up, and the mask
sampler. `train.py` reads the loop; this file reads what the loop stands on.
"""
import json
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from accelerate.utils import set_seed
from diffusers.optimization import get_scheduler
from diffusers.training_utils import EMAModel

from seine_lite.atomic import write_text
from seine_lite.latent_cache import build_latent_cache, cache_sources
from seine_lite.masking import MaskSampler
from seine_lite.model_folder import check_model_folder, read_meta
from seine_lite.presets import get_preset
from seine_lite.run_folder import (WARM_START, check_resume, checkpoint_step, elapsed_until, latest_checkpoint,
                                   load_state, new_run_id, read_warm_start, refuse_pickles, run_id_of)
from seine_lite.text import CachedTextEncoder, load_text_encoder
from seine_lite.train_config import TrainConfig
from seine_lite.train_scoring import best_score
from seine_lite.unet import VideoUNet, unet_config_for
from seine_lite.vae import load_vae

# UNet options a warm start may add to the model it starts from: their modules start at zero
# (the word path at its own scale) and are the only weights the source may lack
NEW_OPTIONS = {"text_words": "word_path.", "text_word_scale": None, "frame_positions": "frame_embedding.",
               "relative_position_bias": ".position_bias.", "relative_position_buckets": None}


@dataclass
class Run:
    """What the loop works with; `rows` and `best` change as it goes."""
    cfg: TrainConfig
    out: Path
    accelerator: object
    model: torch.nn.Module
    ema: EMAModel
    optimizer: torch.optim.Optimizer
    lr_schedule: object
    sampler: MaskSampler
    cache: object                    # latent_cache.LatentCache
    sources: list                    # each cached clip's source (only with loss.source_masks)
    vae: torch.nn.Module
    text_encoder: CachedTextEncoder
    latent_channels: int
    warm: dict                       # the meta of the model folder a warm start began from ({} if none)
    start: int                       # the step this call begins at (a resume's checkpoint)
    elapsed_before: float            # training seconds of earlier runs of this folder and of the warm start
    best: float                      # the best held-out score so far
    run_id: str = None               # OUT/train_config.json's: its checkpoints carry it
    rows: list = field(default_factory=list)
    scored_at: float = field(default_factory=time.time)

    @property
    def parts(self) -> dict:
        """What a checkpoint holds besides the model."""
        return {"optimizer": self.optimizer, "scheduler": self.lr_schedule, "ema": self.ema}

    @property
    def preset(self):
        return get_preset(self.cfg.preset)


def set_up(cfg: TrainConfig, out: Path, accelerator, resume: bool, progress: bool, trust_pickle: bool) -> Run:
    """The run folder, the latent cache, the model and its optimiser: a `Run` at its first step."""
    # 1. The run folder: a new config, or the checkpoint a resume continues from
    get_preset(cfg.preset)
    set_seed(cfg.seed)
    last = None
    if resume:
        check_resume(out, cfg.preset)
        last = latest_checkpoint(out, run_id_of(out))   # this run's own checkpoints only
        if last is not None:
            refuse_pickles(last, trust_pickle)   # before any work; a pickle is never read without trust
    elif accelerator.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
        write_text(out / "train_config.json", json.dumps({"run_id": new_run_id(), **asdict(cfg)}, indent=2))
    accelerator.wait_for_everyone()                    # every process reads the same run id

    # 2. The latent cache: every clip encoded once (on the GPU if there is one) with its caption's states
    vae = load_vae(cfg.vae).to(accelerator.device)
    text_encoder = CachedTextEncoder(load_text_encoder(cfg.text_encoder))
    cache = build_latent_cache(cfg.data, cfg.preset, vae, text_encoder, cfg.text_encoder,
                               cache_dir=out / "cache", progress=progress and accelerator.is_main_process,
                               grey=cfg.conditioning.fill == "flow")
    vae.to("cpu")                                      # scoring and saving use it on the CPU

    # 3. The UNet (SEINE's, plus the options switched on), fresh or warm from a model folder
    latent_channels = cache.latents.shape[1]
    words = text_encoder.word_dim       # "minilm-words": word embeddings follow the context states
    unet_cfg = cfg.unet or unet_config_for(cfg.preset, latent_channels=latent_channels,
                                           text_dim=cache.states.shape[-1] - words)
    model = VideoUNet(**{**unet_cfg, **unet_options(cfg, words)})
    warm = warm_start(model, cfg.init_from) if cfg.init_from and not resume else {}
    if warm and accelerator.is_main_process:           # a resume reads it back: the legs before this run
        write_text(out / WARM_START, json.dumps(warm, indent=2))
    elif resume:
        warm = read_warm_start(out)
    if warm and output_meaning(warm) != (cfg.schedule.prediction_type, cfg.conditioning.residual):
        torch.nn.init.zeros_(model.conv_out.weight)   # its output meant something else: start at "nothing"
        torch.nn.init.zeros_(model.conv_out.bias)

    # 4. EMA, AdamW with a constant rate after a linear warm-up, all prepared by accelerate
    ema = EMAModel(model.parameters(), decay=cfg.ema_decay, model_cls=VideoUNet, model_config=model.config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    lr_schedule = get_scheduler("constant_with_warmup", optimizer, num_warmup_steps=cfg.warmup_steps)
    model, optimizer, lr_schedule = accelerator.prepare(model, optimizer, lr_schedule)
    sources = cache_sources(cfg.data, len(cache)) if cfg.loss.source_masks else None
    run = Run(cfg, out, accelerator, model, ema, optimizer, lr_schedule, MaskSampler(cfg.masks), cache, sources,
              vae, text_encoder, latent_channels, warm, start=0, elapsed_before=0.0,
              best=best_score(out) if resume else float("-inf"), run_id=run_id_of(out))

    # 5. A resume loads its checkpoint; training time counts the earlier runs and the warm start's
    if last is not None:
        load_state(accelerator, last, model, run.parts, trust_pickle)
        run.start = checkpoint_step(last)
    ema.to(accelerator.device)
    run.elapsed_before = elapsed_until(out, run.start) + warm.get("training_seconds", 0.0)
    return run


def output_meaning(meta: dict) -> tuple:
    """What a model folder's UNet output means: (prediction type, residual over the fill or not)."""
    return (meta.get("schedule", {}).get("prediction_type", "epsilon"),
            bool((meta.get("conditioning") or {}).get("residual", False)))


def unet_options(cfg: TrainConfig, words: int) -> dict:
    """The UNet options a training config switches on (only those: older folders stay as they were)."""
    extras = cfg.unet_options
    options = {"temporal_conv": True} if extras.temporal_conv else {}
    if words:
        options.update(text_words=words, text_word_scale=extras.text_word_scale)
    if extras.frame_positions:
        options["frame_positions"] = extras.frame_positions
    if extras.relative_position_bias:
        options["relative_position_bias"] = True
    return options


def warm_start(model, folder) -> dict:
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


class CtrlC:
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
