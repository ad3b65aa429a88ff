"""`seine-lite eval`: every probe of `seine_lite.evaluate` on a model, as a table against the bars."""
import json
from pathlib import Path

from seine_lite import SeinePipeline
from seine_lite.cli.parser import OneLineParser
from seine_lite.evaluate import evaluate, markdown_table
from seine_lite.inputs import check_count


def build_parser():
    p = OneLineParser(prog="seine-lite eval", description="Measure a model on held-out shapes clips.")
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--clips", type=int, default=16, help="held-out clips for interpolation and prediction")
    p.add_argument("--scenes", type=int, default=8, help="first frames for text control (4 prompts each)")
    p.add_argument("--pairs", type=int, default=16, help="scene pairs for transitions")
    p.add_argument("--steps", type=int, default=25, help="DDIM steps")
    p.add_argument("--guidance-scale", type=float, default=None,
                   help="classifier-free guidance scale (default: the model's own, from seine_lite.json)")
    p.add_argument("--out", default=None, help="write eval.json and eval.md into this folder")
    p.add_argument("--device", default="auto",
                   help="auto | cpu | cuda | cuda:N | mps (default auto: cuda, else mps, else cpu)")
    p.add_argument("--no-progress", action="store_true")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    for name in ("clips", "scenes", "pairs", "steps"):
        check_count(getattr(args, name), f"--{name}", 1)
    pipe = SeinePipeline.from_pretrained(args.model, device=args.device)
    pipe.set_progress_bar_config(disable=True)
    result = evaluate(pipe, clips=args.clips, scenes=args.scenes, pairs=args.pairs,
                      progress=not args.no_progress, num_inference_steps=args.steps,
                      guidance_scale=args.guidance_scale)
    table = markdown_table(result, title=Path(args.model).name if args.model else "bundled reference")
    print(table)
    print(f"{sum(result['passed'].values())} of {len(result['passed'])} bars met in {result['seconds']:.0f} s")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "eval.json").write_text(json.dumps(result, indent=2))
        (out / "eval.md").write_text(table + "\n")
    return 0

