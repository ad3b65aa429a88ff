"""The `seine-lite` command: one module per command, errors in one line (exit 2; 1 when a write fails;
143 on SIGTERM, which unwinds like Ctrl-C so no temporary file is left: cli/terminate.py).

The library never imports this package; each command module turns its arguments into calls of
the library (`seine_lite.train`, `seine_lite.evaluate`, `SeinePipeline`, ...).
"""
import argparse
import importlib
import sys

from seine_lite.cli.parser import OneLineParser
from seine_lite.cli.terminate import EXIT_CODE, Terminated, sigterm_unwinds

# command -> (module in this package, its function, one line of help); a command's module is
# imported only when it runs, so `seine-lite --help` does not load torch
COMMANDS = {
    "transition": ("generate", "transition", "a generated transition between two images"),
    "predict": ("generate", "predict", "animate an image or continue the first frames"),
    "extend": ("generate", "extend", "make a video longer by autoregressive prediction"),
    "story": ("generate", "story", "shots from a YAML file joined by generated transitions"),
    "eval": ("evaluate", "main", "measure a model on held-out clips against the reference bars"),
    "train": ("train", "main", "train the video UNet (--preset tiny|cpu|lab)"),
    "demo": ("demo", "main", "the main job: write outputs/ (videos and pictures)"),
    "convert": ("convert", "main", "turn a pickle checkpoint into safetensors (--trust-pickle)"),
    "data": ("data", "main", "set up local data: `data photos` builds the photo bank from packages"),
}


def _handler(name: str):
    module, function, _ = COMMANDS[name]
    return getattr(importlib.import_module(f"seine_lite.cli.{module}"), function)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    listing = "\n".join(f"  {name:11s} {text}" for name, (_, _, text) in COMMANDS.items())
    parser = OneLineParser(
        prog="seine-lite", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="SEINE at classroom size: generative transitions, prediction and long videos.",
        epilog=f"commands:\n{listing}\n\nRun `seine-lite COMMAND --help` for a command's options.")
    parser.add_argument("command", choices=sorted(COMMANDS), metavar="COMMAND", help="one of the commands below")
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0
    if argv[0] not in COMMANDS:
        print(f"seine-lite: error: unknown command {argv[0]!r}; choose from {', '.join(sorted(COMMANDS))}",
              file=sys.stderr)
        return 2
    try:
        with sigterm_unwinds():
            return _handler(argv[0])(argv[1:]) or 0
    except (ValueError, FileNotFoundError) as err:
        print(f"seine-lite {argv[0]}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # the input was fine but a write failed (a full disk): exit 1, one line
        print(f"seine-lite {argv[0]}: error: {(str(err).strip().splitlines() or [repr(err)])[0]}", file=sys.stderr)
        return 1
    except Terminated:      # SIGTERM: every temporary was removed on the way out
        print(f"seine-lite {argv[0]}: terminated (SIGTERM); no temporary files left", file=sys.stderr)
        return EXIT_CODE
    except SystemExit as done:  # argparse: --help (0) or a usage error (2, one line)
        return done.code if isinstance(done.code, int) else 2
