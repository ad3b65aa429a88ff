"""The `seine-lite` command. Each subcommand lives in its own function; errors print one line, exit 2."""
import argparse
import sys


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _cmd_train(argv):
    from seine_lite.train import main

    return main(argv)


def _cmd_demo(argv):
    from seine_lite.demo import main

    return main(argv)


def _cmd_eval(argv):
    from seine_lite.evaluate import main

    return main(argv)


def _generating(name):
    def run(argv):
        from seine_lite import cli_generate

        return getattr(cli_generate, name)(argv)
    return run


def _cmd_convert(argv):
    from seine_lite.convert import main

    return main(argv)


COMMANDS = {
    "transition": (_generating("transition"), "a generated transition between two images"),
    "predict": (_generating("predict"), "animate an image or continue the first frames"),
    "extend": (_generating("extend"), "make a video longer by autoregressive prediction"),
    "story": (_generating("story"), "shots from a YAML file joined by generated transitions"),
    "eval": (_cmd_eval, "measure a model on held-out clips against the reference bars"),
    "train": (_cmd_train, "train the video UNet (--preset tiny|cpu|lab)"),
    "demo": (_cmd_demo, "the main job: write outputs/ (videos and pictures)"),
    "convert": (_cmd_convert, "turn a pickle checkpoint into safetensors (--trust-pickle)"),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    listing = "\n".join(f"  {name:11s} {text}" for name, (_, text) in COMMANDS.items())
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
    handler, _ = COMMANDS[argv[0]]
    try:
        return handler(argv[1:]) or 0
    except (ValueError, FileNotFoundError) as err:
        print(f"seine-lite {argv[0]}: error: {err}", file=sys.stderr)
        return 2
    except SystemExit as done:  # argparse: --help (0) or a usage error (2, one line)
        return done.code if isinstance(done.code, int) else 2


if __name__ == "__main__":
    sys.exit(main())
