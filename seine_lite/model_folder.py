"""The on-disk form of a trained model: one folder, safetensors and JSON only.

    DIR/seine_lite.json   preset, frames, size, noise schedule, text encoder
    DIR/unet/             VideoUNet.save_pretrained (config.json + safetensors)
    DIR/vae/              AutoencoderKL.save_pretrained
    DIR/scheduler/        the pipeline's diffusers scheduler (optional: DDIM on the schedule if absent)

Training writes this folder; `SeinePipeline.from_pretrained(DIR)` reads it.
Nothing here ever unpickles, and nothing removes a folder seine_lite did not write: the new folder
is written into DIR.partial (marked as ours) and moved into place.
"""
import json
import os
import shutil
import socket
from pathlib import Path

from safetensors import SafetensorError, safe_open

from seine_lite.atomic import could_not_write, fsync_tree, move_entries
from seine_lite.diffusion import NoiseSchedule
from seine_lite.conditioning import Conditioning
from seine_lite.masking import CONDITIONS

META_NAME = "seine_lite.json"
PICKLE_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".pkl")
PARTIAL_MARK = ".seine_lite_partial"     # {"pid", "host"} of the process writing a DIR.partial folder
PARTIAL_NAMES = {PARTIAL_MARK, "unet", "vae", "scheduler", META_NAME, "old",   # all a DIR.partial of ours holds
                 "diffusion_pytorch_model.safetensors", "config.json"}   # (the last two: `seine-lite convert`)


def start_partial(out: Path, argument: str = "out") -> Path:
    """A new, marked, empty `OUT.partial` folder to write into.

    One left behind by a seine_lite write that was killed is cleared; anything else found there
    (not marked, holding other files, or still being written by a live process) is refused, never removed.
    """
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists() or tmp.is_symlink():
        mark = tmp / PARTIAL_MARK
        ours = tmp.is_dir() and not tmp.is_symlink() and mark.is_file() and \
            {p.name for p in tmp.iterdir()} <= PARTIAL_NAMES
        if not ours:
            raise ValueError(f"{argument}: {str(tmp)!r} already exists and was not left by seine_lite; "
                             "move it away or delete it, then try again")
        if _writer_alive(mark):
            raise ValueError(f"{argument}: {str(tmp)!r} is being written by another process "
                             f"({mark.read_text().strip()}); wait for it, or delete the folder if it is gone")
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        (tmp / PARTIAL_MARK).write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _writer_alive(mark: Path) -> bool:
    try:
        writer = json.loads(mark.read_text())
        pid, host = int(writer["pid"]), writer["host"]
    except (ValueError, KeyError, TypeError, OSError):
        return False
    if host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # alive, another user's
        return True
    return True


def save_model_folder(out, unet, vae, meta: dict, scheduler=None) -> Path:
    """Write unet, vae, meta (and a diffusers `scheduler`) to `out`, replacing what was there only
    once all is written and flushed. A failed write (a full disk) leaves the old model as it was and
    raises an OSError naming `out`; checkpoints/, metrics and plots beside it are kept."""
    out = Path(out)
    tmp = None
    try:
        try:
            tmp = start_partial(out)
            unet.save_pretrained(tmp / "unet", safe_serialization=True)
            vae.save_pretrained(tmp / "vae", safe_serialization=True)
            (tmp / META_NAME).write_text(json.dumps(meta, indent=2, sort_keys=True))
            if scheduler is not None:
                scheduler.save_pretrained(tmp / "scheduler")
            fsync_tree(tmp)
            out.mkdir(parents=True, exist_ok=True)
            # a scheduler saved before no longer belongs to this model
            move_entries(tmp, out, ["unet", "vae", META_NAME] + ["scheduler"] * (scheduler is not None),
                         drop=["scheduler"] * (scheduler is None))
        except (OSError, SafetensorError) as err:
            raise could_not_write(out, err) from err
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)   # made by this call
    return out


def check_model_folder(path, argument: str = "path") -> Path:
    """Fail clearly unless `path` is a complete model folder written by seine_lite."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{argument}: no such folder {str(path)!r}")
    if path.is_file() and path.suffix in PICKLE_SUFFIXES:
        raise ValueError(f"{argument}: {str(path)!r} is a pickle file, which can run code when loaded; "
                         "convert it with `seine-lite convert --trust-pickle FILE OUT_DIR`")
    if not path.is_dir():
        raise ValueError(f"{argument}: expected a model folder, got the file {str(path)!r}")
    missing = [n for n in (META_NAME, "unet/config.json", "vae/config.json") if not (path / n).exists()]
    if missing:
        raise ValueError(f"{argument}: {str(path)!r} is not a seine_lite model folder (missing {', '.join(missing)})")
    for sub in ("unet", "vae"):
        if not any((path / sub).glob("*.safetensors")):
            pickles = [p.name for p in (path / sub).iterdir() if p.suffix in PICKLE_SUFFIXES]
            hint = f" (found pickle {pickles[0]}; convert it with `seine-lite convert --trust-pickle`)" if pickles else ""
            raise ValueError(f"{argument}: {str(path / sub)!r} has no safetensors weights{hint}")
        for weights in (path / sub).glob("*.safetensors"):
            _check_safetensors(weights, argument)
        _read_json(path / sub / "config.json", argument)
    meta = _read_json(path / META_NAME, argument)
    for key in ("num_frames", "size"):
        if not isinstance(meta.get(key), int) or isinstance(meta[key], bool) or meta[key] < 1:
            raise ValueError(f"{argument}: {str(path / META_NAME)!r} must give {key!r} as a positive integer, "
                             f"got {meta.get(key)!r}")

    if meta.get("condition", "zeros") not in CONDITIONS:
        raise ValueError(f"{argument}: {str(path / META_NAME)!r} must give 'condition' as one of "
                         f"{list(CONDITIONS)}, got {meta['condition']!r}")
    try:   # the conditioning options (a residual model without a fill, a start outside (0, 1], ...)
        Conditioning.from_meta(meta)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{argument}: {str(path / META_NAME)!r}: {err}") from None
    return path


# seine_lite.json keys the sampler reads. Training has written every one since the first commit
# (guidance_scale since the second), so none has a safe default: a folder without one is refused.
# `condition` alone may be absent: "zeros" was the only conditioning before the key (commit ba5f8c3).
META_KEYS = ("num_frames", "size", "schedule", "text_encoder", "guidance_scale")
# Sampling steps when a call names none: seine_lite.json's `num_inference_steps` (chosen after training,
# benchmarks/guidance_choice.py), else this.
DEFAULT_STEPS = 25
# unet/config.json keys that shape the UNet and have been in every config written (from the first commit).
UNET_KEYS = ("in_channels", "out_channels", "block_out_channels", "layers_per_block", "attention_levels",
             "temporal_levels", "text_dim", "attention_head_dim", "ff_mult", "norm_num_groups")
# Options added later -> the weights they add, and the keys that go with them. A folder older than an
# option lacks its key and was trained with it off (the default); that is the one case a missing key
# may keep its default, and the weights prove it: none of the option's weights are in the folder.
UNET_OPTIONS = {"text_pooled": ("text_proj.", ()), "temporal_conv": (".tconv.", ()),
                "text_words": ("word_path.", ("text_word_scale",)),
                "frame_positions": ("frame_embedding.", ()),
                "relative_position_bias": (".position_bias.", ("relative_position_buckets",))}


def check_model_keys(path: Path, meta: dict, argument: str = "path"):
    """Refuse a folder missing a key the sampler depends on (which would silently give other video).
    `SeinePipeline.from_pretrained` calls this after `check_model_folder`."""
    def missing(file, key, hint):
        return ValueError(f"{argument}: {str(path / file)!r} lacks {key!r}, which sampling depends on; "
                          f"{hint}")

    for key in META_KEYS:
        if key not in meta:
            raise missing(META_NAME, key, f"add the value the model was trained with (e.g. {_EXAMPLES[key]})")
    _check_schedule(path, meta["schedule"], argument)
    steps = meta.get("num_inference_steps", DEFAULT_STEPS)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"{argument}: {str(path / META_NAME)!r} has 'num_inference_steps' {steps!r}; "
                         "give a whole number of sampling steps, at least 1 (or leave it out: 25)")
    config = _read_json(path / "unet" / "config.json", argument)
    for key in UNET_KEYS:
        if key not in config:
            raise missing("unet/config.json", key, "add the value the model was built with")
    weights = set()
    for file in (path / "unet").glob("*.safetensors"):
        with safe_open(str(file), framework="pt") as f:
            weights.update(f.keys())
    for key, (fragment, companions) in UNET_OPTIONS.items():
        used = any(fragment in name for name in weights)
        for name in (key, *companions) if used else ():
            if name not in config:
                raise missing("unet/config.json", name, f"the weights hold {fragment.strip('.')!r}; "
                              "add the value the model was trained with")
    words, encoder = config.get("text_words", 0), meta["text_encoder"]
    if bool(words) != (encoder == "minilm-words"):
        raise ValueError(f"{argument}: {str(path / META_NAME)!r} names the text encoder {encoder!r}, but "
                         f"unet/config.json has text_words={words!r} (the word path needs 'minilm-words'); "
                         "set 'text_encoder' to the encoder the model was trained with")


_EXAMPLES = {"num_frames": '"num_frames": 16', "size": '"size": 64', "text_encoder": '"text_encoder": "minilm"',
             "schedule": '"schedule": {"prediction_type": "v_prediction", ...}', "guidance_scale": '"guidance_scale": 3.0'}


def _check_schedule(path: Path, schedule, argument: str):
    """`{}` means the NoiseSchedule defaults (said explicitly); otherwise every field, as training writes."""
    file = str(path / META_NAME)
    if not isinstance(schedule, dict):
        raise ValueError(f"{argument}: {file!r} must give 'schedule' as a JSON object, got {schedule!r}")
    fields = tuple(NoiseSchedule.__dataclass_fields__)
    lacking = [k for k in fields if k not in schedule]
    if schedule and lacking:
        raise ValueError(f"{argument}: {file!r} lacks 'schedule.{lacking[0]}', which sampling depends on; "
                         f"give every one of {list(fields)} (as training writes them), or {{}} for the defaults")
    try:
        NoiseSchedule(**schedule)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{argument}: {file!r} has a bad 'schedule' ({err})") from None


def _read_json(path: Path, argument: str) -> dict:
    """A JSON object from `path`, or a ValueError naming the file (a half-written or foreign config)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{argument}: {str(path)!r} is not valid JSON ({err}); "
                         "the folder may be half-written") from None
    if not isinstance(value, dict):
        raise ValueError(f"{argument}: {str(path)!r} must hold a JSON object, got {type(value).__name__}")
    return value


def _check_safetensors(path: Path, argument: str):
    """Read the header (cheap): a truncated or foreign file fails here, naming it, not deep in a loader."""
    try:
        with safe_open(str(path), framework="pt") as f:
            f.keys()
    except SafetensorError as err:
        raise ValueError(f"{argument}: {str(path)!r} is not a complete safetensors file ({err}); "
                         "the folder may be half-written") from None


def read_meta(path) -> dict:
    """The JSON description of a model folder."""
    return _read_json(Path(path) / META_NAME, "path")
