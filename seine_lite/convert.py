"""`seine-lite convert`: turn a pickle checkpoint (.pt/.bin/.ckpt) into safetensors, once, on purpose.

A pickle can run any code when it is loaded, which is why seine_lite never loads one by itself
(SEINE's released checkpoint is such a file). This command loads one only with `--trust-pickle`,
and even then through `torch.load(weights_only=True)`, which unpickles tensors and plain
containers only. The result is `OUT/diffusion_pytorch_model.safetensors` (+ `config.json` if given);
an OUT that already holds files is refused unless `overwrite=True` (`--overwrite`) says to replace it.
The command line is `seine_lite/cli/convert.py`.
"""
import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import save_file

from seine_lite.atomic import fsync_tree
from seine_lite.model_folder import PARTIAL_MARK, PICKLE_SUFFIXES, start_partial

NESTED_KEYS = ("state_dict", "model", "ema", "module")


def find_state_dict(obj, argument: str = "checkpoint") -> dict:
    """The {name: tensor} dict inside a loaded checkpoint (looks under state_dict / model / ema)."""
    if isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    if isinstance(obj, dict):
        for key in NESTED_KEYS:
            if key in obj:
                return find_state_dict(obj[key], argument)
    raise ValueError(f"{argument}: found no state dict of tensors (looked under {list(NESTED_KEYS)})")


def convert(path, out, config=None, overwrite: bool = False) -> Path:
    """Tensors of the pickle `path` -> `out`/diffusion_pytorch_model.safetensors; returns `out`."""
    path, out = Path(path), Path(out)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint: no such file {str(path)!r}")
    if path.suffix not in PICKLE_SUFFIXES:
        raise ValueError(f"checkpoint: expected a pickle file ending in one of {list(PICKLE_SUFFIXES)}, "
                         f"got {str(path)!r}")
    held = (out.exists() or out.is_symlink()) and not (out.is_dir() and not any(out.iterdir()))
    if held and not overwrite:
        raise ValueError(f"out: {str(out)!r} already exists and is not an empty folder; choose a new or empty one, "
                         "or pass --overwrite to replace it")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # an unsafe or broken pickle: say so in one line
        raise ValueError(f"checkpoint: {str(path)!r} could not be read as tensors only "
                         f"({type(err).__name__}); it may hold code, which is never run") from None
    tensors = {k: v.contiguous() for k, v in find_state_dict(loaded).items()}
    if config is not None and not Path(config).is_file():
        raise FileNotFoundError(f"--config: no such file {str(config)!r}")
    tmp = start_partial(out)
    try:
        save_file(tensors, str(tmp / "diffusion_pytorch_model.safetensors"))
        if config is not None:
            (tmp / "config.json").write_text(json.dumps(json.loads(Path(config).read_text()), indent=2))
        (tmp / PARTIAL_MARK).unlink()
        fsync_tree(tmp)                 # on the disk before it takes OUT's name
        if held and out.is_dir() and not out.is_symlink():    # overwrite=True: the user asked to replace it
            shutil.rmtree(out)
        elif held:
            out.unlink()
        os.replace(tmp, out)            # onto nothing, or onto an empty folder
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)   # made by this call
        raise
    return out
