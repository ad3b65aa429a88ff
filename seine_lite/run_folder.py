"""What a training run leaves in its folder: checkpoints, the metrics log and the loss plot.

    DIR/checkpoints/step_N/   accelerate's save_state, written to tmp_step_N and renamed, so a
                              kill at any moment leaves the last complete checkpoint intact
    DIR/metrics.jsonl         one JSON line per step (loss, lr, clips/s, cumulative seconds), and
                              one per held-out scoring ({"step", "score", "eval"}: train_scoring.py)
    DIR/loss.png              the loss curve, and the held-out score if the run was scored
    DIR/legs.json             each call of `train`: its command, steps and wall minutes
"""
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from matplotlib.figure import Figure  # no pyplot: never switches a notebook's backend

CHECKPOINTS = "checkpoints"


def latest_checkpoint(out: Path):
    """The newest complete checkpoint folder (checkpoints/step_N), or None."""
    done = sorted((out / CHECKPOINTS).glob("step_*[0-9]"), key=lambda p: int(p.name.split("_")[1]))
    return done[-1] if done else None


def save_checkpoint(accelerator, out: Path, step: int, keep: int):
    """save_state into a temporary folder, then rename: a kill never leaves a half checkpoint."""
    final = out / CHECKPOINTS / f"step_{step:07d}"
    tmp = out / CHECKPOINTS / f"tmp_step_{step:07d}"
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
    accelerator.wait_for_everyone()
    accelerator.save_state(str(tmp))
    pause = os.environ.get("SEINE_LITE_TEST_PAUSE_IN_CHECKPOINT", "")  # "STEP:SECONDS", for the kill test
    if pause and int(pause.split(":")[0]) == step:
        time.sleep(float(pause.split(":")[1]))
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        for old in sorted((out / CHECKPOINTS).glob("step_*[0-9]"))[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
        for stale in (out / CHECKPOINTS).glob("tmp_step_*"):  # left by a run killed while saving
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()


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
    tmp = path.with_name(path.name + ".tmp")  # atomic: a kill never leaves half a line
    tmp.write_text("".join(json.dumps(r) + "\n" for r in old + rows))
    os.replace(tmp, path)


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
    fig.savefig(out / "loss.png", dpi=100)


def record_leg(out: Path, start: int, end: int, seconds: float, init_from, write: bool = True) -> list:
    """Append this call's command, steps and wall minutes to DIR/legs.json; returns every leg."""
    path = out / "legs.json"
    legs = [leg for leg in (json.loads(path.read_text()) if path.exists() else []) if leg["from_step"] < start]
    legs.append({"command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]), "from_step": int(start),
                 "to_step": int(end), "wall_minutes": round(seconds / 60, 2), "init_from": init_from})
    if write:
        path.write_text(json.dumps(legs, indent=2))
    return legs


def earlier_legs(warm: dict) -> list:
    """The legs of the model a warm start began from (one summary leg if it recorded none)."""
    if not warm:
        return []
    return warm.get("legs") or [{"command": "(not recorded)", "trained_steps": warm.get("trained_steps", 0),
                                 "training_seconds": warm.get("training_seconds", 0.0)}]
