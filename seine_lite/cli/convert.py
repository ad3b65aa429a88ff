"""`seine-lite convert CHECKPOINT OUT --trust-pickle [--overwrite]`: a pickle checkpoint to safetensors, on purpose;
`seine-lite convert --upgrade DIR`: an older model folder's defaulted keys written out explicitly."""
from safetensors import SafetensorError

from seine_lite.atomic import could_not_write
from seine_lite.cli.parser import OneLineParser
from seine_lite.convert import convert
from seine_lite.upgrade import describe, upgrade


def main(argv=None) -> int:
    p = OneLineParser(prog="seine-lite convert",
                      description="Turn a pickle checkpoint (.pt/.bin/.ckpt) into safetensors, once, on purpose.")
    p.add_argument("checkpoint", nargs="?", help="a pickle file: .pt, .pth, .bin, .ckpt or .pkl")
    p.add_argument("out", nargs="?", help="output folder for the safetensors file")
    p.add_argument("--upgrade", metavar="DIR", default=None,
                   help="instead: write the keys an older model folder has by default into its files, once")
    p.add_argument("--config", default=None, help="a config.json to copy beside the weights")
    p.add_argument("--trust-pickle", action="store_true",
                   help="required: you trust this file's origin (it is still read with weights_only=True)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it already holds files")
    args = p.parse_args(argv)
    if args.upgrade is not None:
        if args.checkpoint or args.out:
            raise ValueError("--upgrade takes a model folder alone: seine-lite convert --upgrade DIR")
        try:
            print(describe(args.upgrade, upgrade(args.upgrade)))
        except OSError as err:
            if isinstance(err, FileNotFoundError):
                raise
            raise could_not_write(args.upgrade, err) from err
        return 0
    if args.checkpoint is None or args.out is None:
        raise ValueError("checkpoint and out are required: seine-lite convert CHECKPOINT OUT --trust-pickle")
    if not args.trust_pickle:
        raise ValueError("refusing to read a pickle file without --trust-pickle (pickles can run code)")
    try:
        out = convert(args.checkpoint, args.out, args.config, overwrite=args.overwrite)
    except (OSError, SafetensorError) as err:   # reading fails as a ValueError, so this is the write
        if isinstance(err, FileNotFoundError):   # a missing --config: bad input, exit 2
            raise
        raise could_not_write(args.out, err) from err
    print(f"wrote {out / 'diffusion_pytorch_model.safetensors'}")
    return 0
