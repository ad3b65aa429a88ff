"""`seine-lite transition | predict | extend | story`: the pipeline's tasks from the shell.

Every command writes its video atomically (.mp4 or .gif, by the suffix of --out) and, with
--strip, a PNG frame strip beside it. Nothing is written when an argument is wrong; a write that
fails (a full disk) keeps the old file and ends in one line naming the file, exit code 1.
Ctrl-C ends in one line too, exit code 130, and leaves no partial output.
"""
import functools
import sys
from pathlib import Path

from seine_lite import SeinePipeline
from seine_lite.cli.parser import OneLineParser
from seine_lite.data.video_io import read_video, write_video
from seine_lite.inputs import check_count
from seine_lite.story_file import load_shots
from seine_lite.viz import frame_strip_figure, save_figure

VIDEO_SUFFIXES = (".mp4", ".gif")
_written = []   # the files the running command has written (each write is atomic)


def _interruptible(command):
    """Ctrl-C (SIGINT) while loading or sampling: one line and exit code 130, not a traceback."""
    @functools.wraps(command)
    def run(argv) -> int:
        _written.clear()
        try:
            return command(argv)
        except KeyboardInterrupt:
            done = f"wrote only {', '.join(_written)}" if _written else "nothing written"
            print(f"seine-lite {command.__name__}: interrupted; {done}", file=sys.stderr)
            return 130
    return run


def _common(p: OneLineParser, out_default: str, prompt: bool = True):
    if prompt:
        p.add_argument("--prompt", default=None, help="what should happen (default: no text)")
    p.add_argument("--out", default=out_default, help="output video, .mp4 or .gif")
    p.add_argument("--strip", action="store_true", help="also write a PNG frame strip next to --out")
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--steps", type=int, default=None, help="sampling steps (default: the model's)")
    p.add_argument("--guidance", type=float, default=None, help="guidance scale (default: the model's)")
    p.add_argument("--sampler", default=None,
                   help="ddim | ddpm | dpm++ | unipc | euler (default: the model's scheduler, DDIM)")
    p.add_argument("--negative-prompt", default=None,
                   help="what should not happen (replaces the empty caption of guidance)")
    p.add_argument("--start", type=float, default=None,
                   help="a model trained with a fill: start from it noised to this level, with this share of the "
                        "steps (default: the model's own)")
    p.add_argument("--composite", action="store_true", default=None,
                   help="a model trained with a fill: keep the given pixels where the model keeps the fill")
    p.add_argument("--composite-threshold", type=float, default=None, metavar="LEVELS",
                   help="the composite drops changes below this many grey levels (default: the model's own)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fps", type=int, default=8)
    p.add_argument("--device", default="auto",
                   help="auto | cpu | cuda | cuda:N | mps (default auto: cuda, else mps, else cpu)")
    p.add_argument("--no-progress", action="store_true")


def _check_out(out) -> Path:
    out = Path(out)
    if out.suffix.lower() not in VIDEO_SUFFIXES:
        raise ValueError(f"--out must end in {' or '.join(VIDEO_SUFFIXES)}, got {str(out)!r}")
    if out.is_dir():
        raise ValueError(f"--out: {str(out)!r} is a folder; expected a video file name")
    if not out.parent.exists():
        raise FileNotFoundError(f"--out: folder {str(out.parent)!r} does not exist")
    return out


def _load(args):
    pipe = SeinePipeline.from_pretrained(args.model, device=args.device)
    pipe.set_progress_bar_config(disable=args.no_progress)
    return pipe


def _sampling(args) -> dict:
    return dict(num_inference_steps=args.steps, guidance_scale=args.guidance, sampler=args.sampler, seed=args.seed,
                negative_prompt=args.negative_prompt, start=args.start, composite=args.composite,
                composite_threshold=args.composite_threshold)


def _write(video, args, out: Path, title: str):
    write_video(out, video, fps=args.fps)
    _written.append(str(out))
    if args.strip:
        save_figure(frame_strip_figure({title: video}, count=8), out.with_suffix(".png"))
        _written.append(str(out.with_suffix(".png")))
    print(f"wrote {out} ({len(video)} frames)")


@_interruptible
def transition(argv) -> int:
    p = OneLineParser(prog="seine-lite transition", description="A generated transition between two images.")
    p.add_argument("first", help="image of the first scene")
    p.add_argument("last", help="image of the last scene")
    _common(p, "transition.mp4")
    args = p.parse_args(argv)
    out = _check_out(args.out)
    pipe = _load(args)
    _write(pipe.transition(args.first, args.last, prompt=args.prompt, **_sampling(args)), args, out, "transition")
    return 0


@_interruptible
def predict(argv) -> int:
    p = OneLineParser(prog="seine-lite predict", description="Animate an image (or continue the given frames).")
    p.add_argument("images", nargs="+", help="one image, or the first k frames in order")
    _common(p, "predict.mp4")
    args = p.parse_args(argv)
    out = _check_out(args.out)
    pipe = _load(args)
    context = args.images[0] if len(args.images) == 1 else args.images
    _write(pipe.predict(context, prompt=args.prompt, **_sampling(args)), args, out, "prediction")
    return 0


@_interruptible
def extend(argv) -> int:
    p = OneLineParser(prog="seine-lite extend", description="Make a video longer by autoregressive prediction.")
    p.add_argument("video", help="a video file (.mp4, .gif, .webm)")
    p.add_argument("--new-frames", type=int, default=None, help="frames to add (default: one clip's worth)")
    p.add_argument("--context-frames", type=int, default=2, help="frames fed back each round (default 2)")
    _common(p, "extended.mp4")
    args = p.parse_args(argv)
    out = _check_out(args.out)
    video = read_video(args.video)
    pipe = _load(args)
    longer = pipe.extend(video, prompt=args.prompt, new_frames=args.new_frames,
                         context_frames=args.context_frames, **_sampling(args))
    _write(longer, args, out, "extended")
    return 0


@_interruptible
def story(argv) -> int:
    p = OneLineParser(prog="seine-lite story", description="Shots from a YAML file, joined by generated transitions.")
    p.add_argument("shots", help="a shots YAML file (see data_samples/story/shots.yaml)")
    _common(p, "story.mp4", prompt=False)
    args = p.parse_args(argv)
    out = _check_out(args.out)
    shots, options = load_shots(args.shots)
    if options.get("extend_frames") is not None:  # checked before any frame is generated
        check_count(options["extend_frames"], "shots: extend_frames", 0)
    pipe = _load(args)
    sampling = _sampling(args)
    video = pipe.story(shots, transition_frames=options.get("transition_frames"), **sampling)
    if options.get("extend_frames"):
        video = pipe.extend(video, prompt=shots[-1][1], new_frames=options["extend_frames"],
                            **{**sampling, "seed": args.seed + 100})
    _write(video, args, out, "story")
    return 0
