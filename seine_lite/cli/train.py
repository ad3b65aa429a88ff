"""`seine-lite train`: flags -> `TrainConfig` -> `seine_lite.train.train`, errors in one line.

A run that fails before its first checkpoint leaves no folder behind.
"""
import shutil
import sys
from pathlib import Path

from seine_lite.cli.parser import OneLineParser
from seine_lite.data.mix import CLIP_SOURCES, SOURCES, mix_counts
from seine_lite.conditioning import Conditioning
from seine_lite.diffusion import PREDICTION_TYPES, TIMESTEP_DRAWS, NoiseSchedule
from seine_lite.inputs import check_guidance
from seine_lite.latent_cache import DataConfig
from seine_lite.masking import CONDITIONS, MaskMixture, parse_layout
from seine_lite.presets import get_preset
from seine_lite.run_folder import CHECKPOINTS
from seine_lite.train import LossOptions, ScoringOptions, TrainConfig, UNetOptions, train


def build_parser() -> OneLineParser:
    p = OneLineParser(prog="seine-lite train", description="Train SEINE's video UNet on masked clips.")
    p.add_argument("--preset", default="tiny", help="tiny | cpu | lab (frames, size, UNet widths)")
    p.add_argument("--data", default="shapes", help="shapes | transitions | photos | mix | FOLDER with captions.csv")
    p.add_argument("--num-clips", type=int, default=256, help="clips drawn from a generated source")
    p.add_argument("--mix", default=None, metavar="WEIGHTS",
                   help="with --data mix: the share of each source, e.g. shapes=0.8,transitions=0.2 "
                        "(default shapes=0.6,transitions=0.25,photos=0.15)")
    p.add_argument("--steps", type=int, default=200, help="total optimiser steps")
    p.add_argument("--batch-size", type=int, default=8, help="clips per step and process")
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--warmup-steps", type=int, default=50)
    p.add_argument("--prediction", default="epsilon", choices=list(PREDICTION_TYPES),
                   help="what the UNet predicts: epsilon (SEINE), v_prediction, or sample (x_0; with --residual "
                        "an untrained model then returns the fill)")
    p.add_argument("--generated-only", action="store_true", help="loss on generated frames only")
    p.add_argument("--condition", default="zeros", choices=list(CONDITIONS),
                   help="the fill: what generated frames show the UNet in place of clean latents: zeros (SEINE), "
                        "blend (the given frames mixed in time, the ends held), nearest (a copy of the nearest) or flow "
                        "(the blend, with the frames after two given ones in a row carried on at their measured velocity)")
    p.add_argument("--residual", action="store_true",
                   help="diffuse z0 - fill instead of z0: the model learns what differs from the fill (needs a fill)")
    p.add_argument("--condition-noise", type=float, default=0.0, metavar="STD",
                   help="training adds noise of up to this std to the fill (noise augmentation)")
    p.add_argument("--condition-dropout", type=float, default=0.0, metavar="P",
                   help="training zeroes the fill with this probability")
    p.add_argument("--start", type=float, default=1.0,
                   help="the model's default: sampling starts from the fill noised to this level, with this "
                        "share of the steps (1: from pure noise, as SEINE)")
    p.add_argument("--composite", action="store_true",
                   help="the model's default: decoded output = fill pixels + decode(result) - decode(fill)")
    p.add_argument("--composite-threshold", type=float, default=0.0, metavar="LEVELS",
                   help="the model's default with --composite: changes below this many grey levels are dropped, "
                        "larger ones shrunk by it (0: none)")
    p.add_argument("--guidance-scale", type=float, default=3.0,
                   help="the model's default guidance scale, written into its folder and used when scoring "
                        "(1: no guidance, one UNet pass per step)")
    p.add_argument("--temporal-conv", action="store_true",
                   help="a convolution over neighbouring frames after each ResBlock (not in SEINE)")
    p.add_argument("--frame-positions", type=int, default=0,
                   help="a frame-index embedding for up to N frames, added to every frame's timestep embedding")
    p.add_argument("--relative-position-bias", action="store_true",
                   help="SEINE's T5-style relative position bias in temporal attention")
    p.add_argument("--text-word-scale", type=float, default=8.0,
                   help="with --text-encoder minilm-words: the length the word vectors start at")
    p.add_argument("--score-every", type=float, default=None, metavar="MINUTES",
                   help="score on a small held-out subset this often (and at the end); the best goes to OUT/best")
    p.add_argument("--score-real", action="store_true",
                   help="with --score-every: score on the real-footage probes too (needs `seine-lite data photos`)")
    p.add_argument("--snr-gamma", type=float, default=None, help="min-SNR loss weighting, e.g. 5")
    p.add_argument("--timestep-draw", default="uniform", choices=list(TIMESTEP_DRAWS),
                   help="how training draws t: uniform (DDPM) or logit-normal (SD3, more noisy steps)")
    p.add_argument("--max-noise", type=float, default=1.0, metavar="FRACTION",
                   help="draw t only in the schedule's first FRACTION, e.g. 0.25 with --start 0.25: "
                        "the model trains only on the noise levels it samples from")
    p.add_argument("--checkpoint-every", type=int, default=100)
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--masks", default=None,
                   help="mask mixture weights: families (transition, prediction, bernoulli, interpolation, "
                        "text_to_video) and fixed layouts, e.g. transition=0.35,prediction=0.35,bernoulli=0.15,first1=0.15")
    p.add_argument("--source-masks", default=None, metavar="LAYOUTS",
                   help="one source's clips always train with one fixed layout, e.g. transitions=onelast1 "
                        "(the rest draw from --masks)")
    p.add_argument("--max-minutes", type=float, default=None,
                   help="stop after this many minutes of wall time, encoding the latent cache included "
                        "(checkpoint + model written; --resume continues)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--text-encoder", default="minilm",
                   help="minilm | minilm-words (word embeddings beside the states) | null | a Stable Diffusion folder")
    p.add_argument("--vae", default=None, help="a VAE folder, or \"real\" for the VAE retrained on real photographs "
                   "(default: the bundled VAE)")
    p.add_argument("--out", required=True, help="output folder: checkpoints, metrics, the trained model")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    p.add_argument("--overwrite", action="store_true",
                   help="start a new run in an --out that holds another run, removing that run's checkpoints, "
                        "metrics, config and model first (nothing else)")
    p.add_argument("--trust-pickle", action="store_true",
                   help="with --resume: accept a checkpoint holding pickle files (.pkl/.bin, as older versions "
                        "wrote), which can run code; only for a run folder you trust")
    p.add_argument("--init-from", default=None,
                   help="start from this model folder's UNet weights (a warm start: new optimiser and data order)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def config_from_args(args) -> TrainConfig:
    frames = get_preset(args.preset).num_frames
    if args.data not in SOURCES and not (Path(args.data) / "captions.csv").is_file():
        raise ValueError(f"--data must be one of {list(SOURCES)} or a folder holding captions.csv, "
                         f"got {args.data!r}")
    if args.mix is not None and args.data != "mix":
        raise ValueError(f"--mix weighs the sources of --data mix, got --data {args.data!r}")
    if not 0 < args.lr < float("inf"):
        raise ValueError(f"--lr must be a positive number, got {args.lr}")
    for name in ("steps", "batch_size", "num_clips", "checkpoint_every"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.frame_positions < 0:
        raise ValueError(f"--frame-positions must be 0 (off) or a number of frames, got {args.frame_positions}")
    if args.frame_positions and not frames <= args.frame_positions <= 4096:
        raise ValueError(f"--frame-positions must encode at least the preset's {frames} frames "
                         f"(and at most 4096), got {args.frame_positions}")
    if not 0 < args.text_word_scale < float("inf"):
        raise ValueError(f"--text-word-scale must be a positive number, got {args.text_word_scale}")
    if not 0 < args.max_noise <= 1:
        raise ValueError(f"--max-noise must be a fraction in (0, 1], got {args.max_noise}")
    if args.score_every is not None and not 0 < args.score_every < float("inf"):
        raise ValueError(f"--score-every must be a positive number of minutes, got {args.score_every}")
    return TrainConfig(
        preset=args.preset, data=DataConfig(data=args.data, num_clips=args.num_clips, seed=args.seed,
                                            mix=_parse_mix(args.mix)),
        schedule=NoiseSchedule(prediction_type=args.prediction), steps=args.steps,
        batch_size=args.batch_size, lr=args.lr, warmup_steps=args.warmup_steps, conditioning=_conditioning(args),
        checkpoint_every=args.checkpoint_every, seed=args.seed, guidance_scale=_guidance(args.guidance_scale),
        text_encoder=args.text_encoder, vae=args.vae,
        ema_decay=args.ema_decay, masks=_parse_masks(args.masks), init_from=args.init_from,
        unet_options=UNetOptions(temporal_conv=args.temporal_conv, frame_positions=args.frame_positions,
                                 relative_position_bias=args.relative_position_bias,
                                 text_word_scale=args.text_word_scale),
        loss=LossOptions(generated_only=args.generated_only, snr_gamma=args.snr_gamma,
                         timestep_draw=args.timestep_draw, max_noise=args.max_noise,
                         source_masks=_parse_source_masks(args.source_masks, args.data, args.mix, frames)),
        scoring=ScoringOptions(every_minutes=args.score_every, real=args.score_real))


def _guidance(scale) -> float:
    try:
        return check_guidance(scale)
    except ValueError as err:
        raise ValueError(f"--guidance-scale: {err}") from None


def _conditioning(args) -> Conditioning:
    """The conditioning flags as one `Conditioning`; an impossible one is named by its flag."""
    flags = {"fill": "--condition", "residual": "--residual", "noise": "--condition-noise",
             "dropout": "--condition-dropout", "start": "--start", "composite": "--composite",
             "threshold": "--composite-threshold"}
    try:
        return Conditioning(fill=args.condition, residual=args.residual, noise=args.condition_noise,
                            dropout=args.condition_dropout, start=args.start, composite=args.composite,
                            threshold=args.composite_threshold)
    except ValueError as err:
        option = str(err).split()[1]
        raise ValueError(f"{flags.get(option, '--condition')}: {err}") from None


def _parse_mix(text):
    """"shapes=0.8,transitions=0.2" -> {"shapes": 0.8, "transitions": 0.2} (None stays None)."""
    if text is None:
        return None
    try:
        weights = {name.strip(): float(value) for name, _, value in (item.partition("=") for item in text.split(","))}
        mix_counts(1, weights)                          # the sources exist and the weights make sense
    except ValueError:
        raise ValueError(f"--mix must look like shapes=0.8,transitions=0.2 with sources from "
                         f"{list(CLIP_SOURCES)} and weights >= 0 (some above 0), got {text!r}") from None
    return weights


def _parse_source_masks(text, data: str, mix, num_frames: int):
    """"transitions=onelast1" -> {"transitions": "onelast1"}: sources of --data, fixed layouts."""
    if text is None:
        return None
    present = set(CLIP_SOURCES) if data == "mix" else {data if data in SOURCES else "folder"}
    if data == "mix" and mix is not None:
        present = {k for k, v in _parse_mix(mix).items() if v > 0}
    layouts = {}
    for item in text.split(","):
        name, _, layout = (part.strip() for part in item.partition("="))
        try:
            parse_layout(layout, num_frames)          # a fixed layout: no random draw
        except ValueError:
            layout = None
        if name not in present or layout is None:
            raise ValueError(f"--source-masks must look like transitions=onelast1, naming sources of "
                             f"--data {data} ({sorted(present)}) and fixed layouts of {num_frames} frames, "
                             f"got {text!r}")
        layouts[name] = layout
    return layouts


def _parse_masks(text) -> MaskMixture:
    """"transition=0.4,prediction=0.5,first1=0.1" -> MaskMixture with those weights (others 0).

    Names are the mixture's families or fixed layouts (`first1`, `onelast2`, a picture "x..x", ...).
    """
    if text is None:
        return MaskMixture()
    families = ("transition", "prediction", "bernoulli", "interpolation", "text_to_video")
    weights, extra = dict.fromkeys(families, 0.0), {}
    for item in text.split(","):
        name, _, value = (part.strip() for part in item.partition("="))
        try:
            if name not in families and not (name and set(name) <= {"x", "."}):
                parse_layout(name, 64)          # a named fixed layout; a picture's length is checked per clip
            (weights if name in families else extra)[name] = float(value)
        except ValueError:
            raise ValueError(f"--masks must look like transition=0.4,prediction=0.6 with names from "
                             f"{list(families)} or fixed layouts such as first1, got {text!r}") from None
    return MaskMixture(**weights, extra=extra)


def main(argv=None):
    args = build_parser().parse_args(argv)
    fresh = not args.resume and not Path(args.out).exists()
    try:
        cfg = config_from_args(args)
        train(cfg, args.out, resume=args.resume, progress=not args.no_progress, max_minutes=args.max_minutes,
              trust_pickle=args.trust_pickle, overwrite=args.overwrite)
    except (ValueError, FileNotFoundError, FloatingPointError) as err:
        if fresh and not isinstance(err, FloatingPointError) and not (Path(args.out) / CHECKPOINTS).exists():
            shutil.rmtree(args.out, ignore_errors=True)  # a run that never started leaves nothing behind
        print(f"seine-lite train: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0

