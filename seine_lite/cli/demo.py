"""`seine-lite demo`: the main job (`make demo`), `seine_lite.demo.run_demo` from the shell."""
from seine_lite.cli.parser import OneLineParser
from seine_lite.demo import DEFAULT_SHOTS, run_demo


def build_parser():
    p = OneLineParser(prog="seine-lite demo", description="Write the demo videos and pictures to --out.")
    p.add_argument("--out", default="outputs", help="output folder (default: outputs)")
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--shots", default=str(DEFAULT_SHOTS), help="a shots YAML file (see seine_lite/story_file.py)")
    p.add_argument("--steps", type=int, default=None, help="sampling steps per clip (default: the model's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto",
                   help="auto | cpu | cuda | cuda:N | mps (default auto: cuda, else mps, else cpu)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return run_demo(args.out, model=args.model, shots=args.shots, steps=args.steps, seed=args.seed,
                    progress=not args.no_progress, device=args.device)
