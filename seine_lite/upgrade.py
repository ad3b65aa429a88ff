"""`seine-lite convert --upgrade DIR`: write the keys an older model folder lacks, explicitly, once.

Folders written before a key existed load with that key's default only where the default is what
they were trained with (`model_folder.check_model_keys`): `condition` (zeros was the only
conditioning before it) and each later UNet option whose weights the folder does not hold (the
option was off). The upgrade writes exactly those values into the folder, so that nothing is left
to a default; a key no default can stand for (`schedule`, `text_encoder`, ...) is refused by name,
with what to add. Files are rewritten atomically; running it twice changes nothing.
"""
import inspect
import json
from pathlib import Path

from safetensors import safe_open

from seine_lite.atomic import write_text
from seine_lite.model_folder import (META_NAME, UNET_OPTIONS, _read_json, check_model_folder,
                                     check_model_keys)
from seine_lite.unet import VideoUNet


def option_defaults() -> dict:
    """Each later UNet option and its companions -> VideoUNet's default (the value when it was off)."""
    signature = inspect.signature(VideoUNet.__init__).parameters
    names = [n for key, (_, companions) in UNET_OPTIONS.items() for n in (key, *companions)]
    return {n: signature[n].default for n in names}


def upgrade(path, argument: str = "--upgrade") -> dict:
    """Write the defaulted keys of the model folder `path` -> {file: {key: value written}} ({} if none)."""
    path = check_model_folder(path, argument)
    meta = _read_json(path / META_NAME, argument)
    check_model_keys(path, meta, argument)            # a key without a safe default is refused here, by name
    config = _read_json(path / "unet" / "config.json", argument)
    weights = set()
    for file in (path / "unet").glob("*.safetensors"):
        with safe_open(str(file), framework="pt") as f:
            weights.update(f.keys())
    added = {}
    if "condition" not in meta:
        added[META_NAME] = {"condition": "zeros"}
    defaults = option_defaults()
    for key, (fragment, companions) in UNET_OPTIONS.items():
        if any(fragment in name for name in weights):
            continue                                  # used: check_model_keys made sure its keys are there
        for name in (key, *companions):
            if name not in config:
                added.setdefault("unet/config.json", {})[name] = defaults[name]
    if META_NAME in added:
        write_text(path / META_NAME, json.dumps({**meta, **added[META_NAME]}, indent=2, sort_keys=True))
    if "unet/config.json" in added:
        write_text(path / "unet" / "config.json", json.dumps({**config, **added["unet/config.json"]}, indent=2,
                                                            sort_keys=True))
    return added


def describe(path: Path, added: dict) -> str:
    if not added:
        return f"{path}: up to date (every key sampling depends on is written)"
    lines = [f"{path}: wrote {sum(len(v) for v in added.values())} keys the folder had by default"]
    lines += [f"  {file}: {key} = {json.dumps(value)}" for file, keys in added.items() for key, value in keys.items()]
    return "\n".join(lines)
