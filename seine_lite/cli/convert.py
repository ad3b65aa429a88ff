"""`seine-lite convert CHECKPOINT OUT --trust-pickle [--overwrite]`: a pickle checkpoint to safetensors, on purpose."""
from safetensors import SafetensorError

from seine_lite.atomic import could_not_write
from seine_lite.cli.parser import OneLineParser
from seine_lite.convert import convert


def main(argv=None) -> int:
    p = OneLineParser(prog="seine-lite convert",
                      description="Turn a pickle checkpoint (.pt/.bin/.ckpt) into safetensors, once, on purpose.")
    p.add_argument("checkpoint", help="a pickle file: .pt, .pth, .bin, .ckpt or .pkl")
    p.add_argument("out", help="output folder for the safetensors file")
    p.add_argument("--config", default=None, help="a config.json to copy beside the weights")
    p.add_argument("--trust-pickle", action="store_true",
                   help="required: you trust this file's origin (it is still read with weights_only=True)")
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it already holds files")
    args = p.parse_args(argv)
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
