"""What a training run leaves in its folder: checkpoints, the metrics log and the loss plot.

    DIR/checkpoints/step_N/   model.safetensors, and {optimizer, scheduler, ema, random_states_R}
                              as .json (+ .safetensors for their tensors): no pickle, so a resume
                              runs no code from the folder. Written to tmp_step_N, flushed and
                              renamed, so a kill or a full disk leaves the last complete checkpoint;
                              run.json names the run ({"run_id", "step"}): pruning and --resume
                              only ever see their own run's checkpoints
    DIR/metrics.jsonl         one JSON line per step (loss, lr, clips/s, cumulative seconds), and
                              one per held-out scoring ({"step", "score", "eval"}: train_scoring.py)
    DIR/loss.png              the loss curve, and the held-out score if the run was scored
    DIR/legs.json             each call of `train`: its command, steps and wall minutes
    DIR/train.lock            {"pid", "host"} of the run training into DIR now (one run per folder)
    DIR/train_config.json     the run's settings, and its "run_id" (random, written when it starts)
    DIR/warm_start.json       with --init-from: the starting model's meta, so a resume still counts its legs

Every file here is written atomically (seine_lite/atomic.py): a failed write keeps the old file.
"""
import json
import os
import random
import secrets
import shlex
import shutil
import socket
import sys
import time
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure  # no pyplot: never switches a notebook's backend
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from seine_lite.atomic import could_not_write, fsync_tree, write_atomic, write_text
from seine_lite.model_folder import META_NAME, PICKLE_SUFFIXES

CHECKPOINTS = "checkpoints"
MODEL_WEIGHTS = "model.safetensors"
LOCK_NAME = "train.lock"
WARM_START = "warm_start.json"   # the meta of the model a warm start began from (its legs, steps, seconds)
# all a run writes into its folder (the latent cache stays: it depends on the data only)
RUN_FILES = (CHECKPOINTS, "metrics.jsonl", "train_config.json", WARM_START, "loss.png", "legs.json", "best",
             "unet", "vae", "scheduler", META_NAME)


def take_lock(out: Path, argument: str = "--out") -> Path:
    """Create OUT/train.lock ({"pid", "host"}) atomically; refuse while a live run holds it, take
    over (with a message) one left by a process of this host that is gone."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    for attempt in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder, stale = _lock_holder(path)
            if not stale or attempt:
                raise ValueError(f"{argument}: {str(out)!r} is in use by another training run ({holder or 'a new one'}); "
                                 f"wait for it to finish, or delete {str(path)!r} if that run is gone") from None
            if holder:
                print(f"seine-lite train: taking over {str(path)!r} from {holder}, which is no longer running",
                      file=sys.stderr)
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
        return path


def release_lock(path: Path):
    """Remove the lock take_lock made (only if it is still this process's)."""
    if _lock_holder(path)[0] == f"pid {os.getpid()} on {socket.gethostname()}":
        path.unlink(missing_ok=True)


def _lock_holder(path: Path):
    """("pid P on HOST", whether that process is gone); an unreadable lock counts as held, a
    vanished one is (None, True)."""
    try:
        holder = json.loads(path.read_text())
        pid, host = int(holder["pid"]), str(holder["host"])
    except FileNotFoundError:
        return None, True
    except (OSError, ValueError, KeyError, TypeError):
        return "an unreadable lock file", False
    if pid <= 0:
        return "an unreadable lock file", False
    if host != socket.gethostname() or pid == os.getpid():
        return f"pid {pid} on {host}", False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return f"pid {pid} on {host}", True
    except PermissionError:   # alive, another user's
        pass
    return f"pid {pid} on {host}", False


def clear_old_run(out: Path, overwrite: bool, argument: str = "--out"):
    """A new run needs a folder holding no other run: refuse one, or with `overwrite` remove that
    run's files (RUN_FILES, nothing else)."""
    if not (out / "train_config.json").exists() and latest_checkpoint(out) is None:
        return
    if not overwrite:
        raise ValueError(f"{argument}: {str(out)!r} already holds a training run; continue it with --resume, "
                         "or replace it with --overwrite")
    for name in RUN_FILES:
        target = out / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()


def new_run_id() -> str:
    return secrets.token_hex(4)


def run_id_of(out: Path):
    """The run id in OUT/train_config.json (None: a folder from before run ids)."""
    try:
        return json.loads((out / "train_config.json").read_text()).get("run_id")
    except (OSError, json.JSONDecodeError):
        return None


def read_warm_start(out: Path) -> dict:
    """OUT/warm_start.json (the meta of the model a warm start began from), {} if there is none."""
    path = out / WARM_START
    return _read(lambda p: json.loads(Path(p).read_text()), path) if path.is_file() else {}


def checkpoint_run(folder: Path):
    """The run id a checkpoint folder was written by (None: from before run ids)."""
    try:
        return json.loads((folder / "run.json").read_text()).get("run_id")
    except (OSError, json.JSONDecodeError):
        return None


def checkpoint_step(folder: Path) -> int:
    """The step a checkpoint folder (checkpoints/step_N) was saved at: N."""
    return int(Path(folder).name.split("_")[1])


def own_checkpoints(out: Path, run_id=None) -> list:
    """OUT's complete checkpoints, oldest first; with `run_id` only that run's (and unmarked ones)."""
    done = sorted((out / CHECKPOINTS).glob("step_*[0-9]"), key=checkpoint_step)
    return [p for p in done if run_id is None or checkpoint_run(p) in (run_id, None)]


def latest_checkpoint(out: Path, run_id=None):
    """The newest complete checkpoint folder (checkpoints/step_N) of the run `run_id`, or None."""
    done = own_checkpoints(out, run_id)
    return done[-1] if done else None


def save_checkpoint(accelerator, out: Path, step: int, keep: int, model, parts: dict, run_id=None):
    """save_state into a temporary folder, flush it, then rename: a kill or a full disk never leaves a
    half checkpoint. On any failure the temporary is removed and the last complete checkpoint kept; an
    OSError names the checkpoint that could not be written."""
    final = out / CHECKPOINTS / f"step_{step:07d}"
    tmp = out / CHECKPOINTS / f"tmp_step_{step:07d}"
    try:
        try:
            if accelerator.is_main_process:
                shutil.rmtree(tmp, ignore_errors=True)
            accelerator.wait_for_everyone()
            save_state(accelerator, tmp, model, parts)
            if accelerator.is_main_process and run_id is not None:
                (tmp / "run.json").write_text(json.dumps({"run_id": run_id, "step": step}))
            pause = os.environ.get("SEINE_LITE_TEST_PAUSE_IN_CHECKPOINT", "")  # "STEP:SECONDS", for the kill tests
            if pause and int(pause.split(":")[0]) == step:
                time.sleep(float(pause.split(":")[1]))
            accelerator.wait_for_everyone()
            if accelerator.is_main_process:
                fsync_tree(tmp)
                shutil.rmtree(final, ignore_errors=True)
                os.replace(tmp, final)
        except (OSError, SafetensorError) as err:
            raise could_not_write(final, err) from err
    except BaseException:   # a full disk, Ctrl-C, SIGTERM: no tmp_step_N left behind
        if accelerator.is_main_process:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    if accelerator.is_main_process:
        for old in own_checkpoints(out, run_id)[:-keep]:       # never another run's
            shutil.rmtree(old, ignore_errors=True)
        for stale in (out / CHECKPOINTS).glob("tmp_step_*"):  # left by a run killed (SIGKILL) while saving
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()


# ---------------------------------------------------------------- checkpoints: safetensors + JSON

def save_state(accelerator, folder: Path, model, parts: dict):
    """The model's weights and each part's state_dict (optimizer, scheduler, EMA: main process),
    and this process's random states, as safetensors + JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    if accelerator.is_main_process:
        weights = accelerator.unwrap_model(model).state_dict()
        save_file({k: v.detach().cpu().contiguous() for k, v in weights.items()}, str(folder / MODEL_WEIGHTS))
        for name, part in parts.items():
            _save_tree(part.state_dict(), folder / name)
    _save_tree(_random_states(), folder / f"random_states_{accelerator.process_index}")


def load_state(accelerator, folder: Path, model, parts: dict, trust_pickle: bool = False):
    """Restore what save_state wrote. A checkpoint of an older seine_lite (accelerate's pickles)
    loads only with `trust_pickle`; a pickle is never read otherwise."""
    refuse_pickles(folder, trust_pickle)
    rank = accelerator.process_index
    missing = [name for name in (*parts, f"random_states_{rank}") if not (folder / f"{name}.json").is_file()]
    if missing:
        if not trust_pickle or not (folder / f"random_states_{rank}.pkl").is_file():
            raise ValueError(f"resume: checkpoint {str(folder)!r} is incomplete (no {missing[0]}.json)")
        accelerator.register_for_checkpointing(parts["ema"])   # accelerate's layout: EMA was its custom object
        accelerator.load_state(str(folder))
        return
    accelerator.unwrap_model(model).load_state_dict(_read(load_file, folder / MODEL_WEIGHTS))
    for name, part in parts.items():
        part.load_state_dict(_load_tree(folder / name))
    _set_random_states(_load_tree(folder / f"random_states_{rank}"))


def refuse_pickles(folder: Path, trust_pickle: bool):
    """A pickle file in a checkpoint could run any code when loaded: refuse it unless trusted."""
    pickles = sorted(p for p in folder.rglob("*") if p.suffix in PICKLE_SUFFIXES)
    if pickles and not trust_pickle:
        raise ValueError(f"resume: {str(pickles[0])!r} is a pickle file, which can run code when loaded; "
                         "resume from it only if you trust where this run folder came from, with --trust-pickle")


def _random_states() -> dict:
    states = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _set_random_states(states: dict):
    random.setstate(states["python"])
    np.random.set_state(states["numpy"])
    torch.set_rng_state(states["torch"])
    if torch.cuda.is_available() and len(states.get("cuda", ())) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(states["cuda"])


def _save_tree(tree, stem: Path):
    """stem.json: the structure (dicts, lists, tuples, numbers, arrays) with each tensor replaced by
    a key into stem.safetensors (written only if there are tensors)."""
    tensors = {}

    def pack(x):
        if isinstance(x, torch.Tensor):
            tensors[str(len(tensors))] = x.detach().cpu().contiguous()
            return {"tensor": str(len(tensors) - 1)}
        if isinstance(x, np.ndarray):
            return {"ndarray": [str(x.dtype), x.tolist()]}
        if isinstance(x, dict):
            return {"dict": [[pack(k), pack(v)] for k, v in x.items()]}
        if isinstance(x, (list, tuple)):
            return {type(x).__name__: [pack(v) for v in x]}
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        raise TypeError(f"a checkpoint holds tensors, arrays and JSON values, not {type(x).__name__}")

    text = json.dumps(pack(tree))
    if tensors:
        save_file(tensors, str(stem.with_suffix(".safetensors")))
    stem.with_suffix(".json").write_text(text)


def _load_tree(stem: Path):
    """What _save_tree wrote; a ValueError naming the file if it is not that."""
    tree = _read(lambda path: json.loads(Path(path).read_text()), stem.with_suffix(".json"))
    tensors = _read(load_file, stem.with_suffix(".safetensors")) if stem.with_suffix(".safetensors").exists() else {}

    def unpack(x):
        if not isinstance(x, dict):
            return x
        (kind, value), = x.items()
        if kind == "tensor":
            return tensors[value]
        if kind == "ndarray":
            return np.array(value[1], dtype=value[0])
        if kind == "dict":
            return {unpack(k): unpack(v) for k, v in value}
        return {"list": list, "tuple": tuple}[kind](unpack(v) for v in value)

    try:
        return unpack(tree)
    except (KeyError, ValueError, TypeError, IndexError) as err:
        raise ValueError(f"resume: {str(stem.with_suffix('.json'))!r} is not a checkpoint seine_lite wrote "
                         f"({type(err).__name__}: {err})") from None


def _read(reader, path: Path):
    """reader(path), or a ValueError naming the file (missing, truncated, not JSON)."""
    try:
        return reader(str(path))
    except (OSError, SafetensorError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"resume: could not read {str(path)!r} ({type(err).__name__}: {err})") from None


def check_resume(out: Path, preset: str):
    """Refuse to resume a folder that was trained with another preset."""
    saved = json.loads((out / "train_config.json").read_text())
    if saved["preset"] != preset:
        raise ValueError(f"resume: {str(out)!r} was trained with preset {saved['preset']!r}, not {preset!r}")


def elapsed_until(out: Path, step: int) -> float:
    """Training seconds logged up to `step` by earlier runs in `out` (0 for a new run)."""
    path = out / "metrics.jsonl"
    if step == 0 or not path.exists():
        return 0.0
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return max([r.get("elapsed_s", 0.0) for r in rows if r["step"] <= step], default=0.0)


def write_metrics(out: Path, rows: list, keep_until: int):
    """Keep the log lines of steps up to `keep_until` (a resume drops the lost tail), then append."""
    path = out / "metrics.jsonl"
    old = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    old = [r for r in old if r["step"] <= keep_until]
    write_text(path, "".join(json.dumps(r) + "\n" for r in old + rows))   # atomic: never half a line


def plot_loss(out: Path):
    """loss.png from metrics.jsonl: raw loss and its running mean."""
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    scores = [r for r in rows if "score" in r]       # held-out scorings (train --score-every)
    rows = [r for r in rows if "loss" in r]
    steps, losses = [r["step"] for r in rows], [r["loss"] for r in rows]
    window = max(1, len(losses) // 20)
    smooth = [sum(losses[max(0, i - window + 1):i + 1]) / len(losses[max(0, i - window + 1):i + 1])
              for i in range(len(losses))]
    fig = Figure(figsize=(6, 3.5))
    ax = fig.subplots()
    ax.plot(steps, losses, alpha=0.3, label="loss")
    ax.plot(steps, smooth, label=f"mean of {window}")
    ax.set(xlabel="step", ylabel="loss", yscale="log", title=f"training loss ({out.name})")
    ax.legend(loc="upper left")
    if scores:
        right = ax.twinx()
        right.plot([r["step"] for r in scores], [r["score"] for r in scores], "o-", color="C3")
        right.set_ylabel("held-out score (bars met + fraction)", color="C3")
    fig.tight_layout()
    write_atomic(out / "loss.png", lambda tmp: fig.savefig(tmp, format="png", dpi=100))


def record_leg(out: Path, start: int, end: int, seconds: float, init_from, write: bool = True,
               stopped: bool = False) -> list:
    """Append this call's command, steps and wall minutes to DIR/legs.json; returns every leg.
    stopped: the call was stopped (Ctrl-C, SIGTERM) and `end` is its last checkpoint, where a resume goes on."""
    path = out / "legs.json"
    legs = [leg for leg in (json.loads(path.read_text()) if path.exists() else []) if leg["from_step"] < start]
    legs.append({"command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]), "from_step": int(start),
                 "to_step": int(end), "wall_minutes": round(seconds / 60, 2), "init_from": init_from,
                 **({"stopped": True} if stopped else {})})
    if write:
        write_text(path, json.dumps(legs, indent=2))
    return legs


def earlier_legs(warm: dict) -> list:
    """The legs of the model a warm start began from (one summary leg if it recorded none)."""
    if not warm:
        return []
    return warm.get("legs") or [{"command": "(not recorded)", "trained_steps": warm.get("trained_steps", 0),
                                 "training_seconds": warm.get("training_seconds", 0.0)}]
