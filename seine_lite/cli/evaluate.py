"""`seine-lite eval`: every probe of `seine_lite.evaluate` (and, with --real, of `seine_lite.evaluate_real`)
on a model, as tables against the bars."""
import argparse
import json
from pathlib import Path

from seine_lite import SeinePipeline
from seine_lite.atomic import write_text
from seine_lite.cli.parser import OneLineParser
from seine_lite.conditioning import Conditioning
from seine_lite.data.bank import load_manifest
from seine_lite.evaluate_real import evaluate_real, real_markdown_table
from seine_lite.evaluate import evaluate, markdown_table
from seine_lite.inputs import check_count
from seine_lite.samplers import check_sampler


def build_parser():
    p = OneLineParser(prog="seine-lite eval", description="Measure a model on held-out shapes clips.")
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--clips", type=int, default=16, help="held-out clips for interpolation and prediction")
    p.add_argument("--scenes", type=int, default=8, help="first frames for text control (4 prompts each)")
    p.add_argument("--pairs", type=int, default=16, help="scene pairs for transitions")
    p.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's)")
    p.add_argument("--sampler", default=None,
                   help="ddim | ddpm | dpm++ | unipc | euler (default: the model's scheduler, DDIM)")
    p.add_argument("--guidance-scale", type=float, default=None,
                   help="classifier-free guidance scale (default: the model's own, from seine_lite.json)")
    p.add_argument("--start", type=float, default=None, metavar="FRACTION",
                   help="sample from the fill noised to this share of the schedule (default: the model's own)")
    p.add_argument("--composite", action=argparse.BooleanOptionalAction, default=None,
                   help="keep the fill's own pixels where the model kept the fill (default: the model's own)")
    p.add_argument("--composite-threshold", type=float, default=None, metavar="LEVELS",
                   help="the composite drops changes below this many grey levels (default: the model's own)")
    p.add_argument("--real", action="store_true",
                   help="also run the real-footage probes on the photo bank's held-out photographs and clips")
    p.add_argument("--no-shapes", action="store_true", help="skip the shapes-world probes (with --real)")
    p.add_argument("--bank", default=None, help="the photo bank folder (default: $SEINE_LITE_BANK or data/bank)")
    p.add_argument("--real-clips", type=int, default=16, help="real clips and held-out photo clips per probe")
    p.add_argument("--real-pairs", type=int, default=8, help="pairs of held-out photographs for real transitions")
    p.add_argument("--out", default=None, help="write eval.json and eval.md into this folder")
    p.add_argument("--device", default="auto",
                   help="auto | cpu | cuda | cuda:N | mps (default auto: cuda, else mps, else cpu)")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    for name in ("clips", "scenes", "pairs", "steps"):
        if getattr(args, name) is not None:
            check_count(getattr(args, name), f"--{name}", 1)
    if args.start is not None and not 0 < args.start <= 1:
        raise ValueError(f"--start must be in (0, 1] (1: from pure noise), got {args.start}")
    if args.composite_threshold is not None and not 0 <= args.composite_threshold <= 255:
        raise ValueError(f"--composite-threshold must be grey levels in [0, 255], got {args.composite_threshold}")
    if args.sampler is not None:
        check_sampler(args.sampler, "--sampler")
    if args.no_shapes and not args.real:
        raise ValueError("--no-shapes leaves nothing to measure without --real")
    if args.real:
        check_count(args.real_clips, "--real-clips", 1)
        check_count(args.real_pairs, "--real-pairs", 1)
        load_manifest(args.bank)          # a missing bank fails here, in one line, before any sampling
    pipe = SeinePipeline.from_pretrained(args.model, device=args.device)
    pipe.set_progress_bar_config(disable=True)
    title = Path(args.model).name if args.model else "bundled reference"
    kw = dict(progress=not args.no_progress, num_inference_steps=args.steps, guidance_scale=args.guidance_scale,
              start=args.start, composite=args.composite, composite_threshold=args.composite_threshold,
              sampler=args.sampler)
    result, tables = {"passed": {}, "seconds": 0.0}, []
    if not args.no_shapes:
        result = evaluate(pipe, clips=args.clips, scenes=args.scenes, pairs=args.pairs, **kw)
        tables.append(markdown_table(result, title=title))
    if args.real:
        real = evaluate_real(pipe, clips=args.real_clips, pairs=args.real_pairs, bank=args.bank, **kw)
        tables.append(real_markdown_table(real, title=title))
        result = {**result, **{k: v for k, v in real.items() if k not in ("passed", "seconds")},
                  "passed": {**result["passed"], **real["passed"]}, "seconds": result["seconds"] + real["seconds"]}
    result["num_inference_steps"] = args.steps or pipe.default_steps
    result["composite_threshold"] = (Conditioning.from_meta(pipe.meta).threshold if args.composite_threshold is None
                                     else args.composite_threshold)
    table = "\n\n".join(tables)
    print(table)
    print(f"{sum(result['passed'].values())} of {len(result['passed'])} bars met in {result['seconds']:.0f} s, "
          f"{result['num_inference_steps']} sampling steps")
    if args.out:
        out = Path(args.out)
        write_text(out / "eval.json", json.dumps(result, indent=2))   # atomic; a full disk is one line, exit 1
        write_text(out / "eval.md", table + "\n")
    return 0
