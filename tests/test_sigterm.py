"""SIGTERM (`kill PID`) ends a command with exit code 143 and leaves no temporary behind: no
`tmp_step_*`, no `run.partial/`, no `.NAME.<hex>.tmp.mp4`; the run continues with --resume."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seine_lite import model_folder
from seine_lite.cli import main
from seine_lite.data import video_io

ROOT = Path(__file__).resolve().parents[1]


def _leftovers(folder: Path) -> list:
    return [str(p) for p in folder.rglob("*") if "tmp" in p.name or "partial" in p.name or p.name == "train.lock"]


def _train_args(tiny_vae_dir, out, steps):
    return ["train", "--preset", "tiny", "--text-encoder", "null", "--vae", str(tiny_vae_dir), "--num-clips", "4",
            "--batch-size", "1", "--steps", str(steps), "--checkpoint-every", "1", "--warmup-steps", "1",
            "--out", str(out), "--no-progress"]


def _checkpointed_steps(out: Path) -> int:
    return max((int(p.name.split("_")[1]) for p in (out / "checkpoints").glob("step_*")), default=0)


def _wait_for(condition, process, seconds=120):
    deadline = time.time() + seconds
    while not condition():
        assert process.poll() is None, process.communicate()[1][-2000:]
        assert time.time() < deadline, "the run never got there"
        time.sleep(0.1)


@pytest.mark.parametrize("when", ["inside a checkpoint", "between steps"])
def test_sigterm_stops_training_cleanly_and_it_resumes(tiny_vae_dir, tmp_path, when):
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    if when == "inside a checkpoint":      # step 3's checkpoint pauses half-written: the signal lands in it
        env["SEINE_LITE_TEST_PAUSE_IN_CHECKPOINT"] = "3:60"
    process = subprocess.Popen([sys.executable, "-m", "seine_lite.cli", *_train_args(tiny_vae_dir, out, 10_000)],
                               cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        if when == "inside a checkpoint":
            _wait_for(lambda: (out / "checkpoints" / "tmp_step_0000003" / "model.safetensors").exists(), process)
        else:
            _wait_for(lambda: _checkpointed_steps(out) >= 2, process)   # only the last 2 are kept: any will do
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, err[-2000:]
    assert "terminated (SIGTERM)" in err.strip().splitlines()[-1]
    assert not _leftovers(tmp_path), _leftovers(tmp_path)
    last = _checkpointed_steps(out)
    legs = json.loads((out / "legs.json").read_text())      # the stopped leg is counted up to its checkpoint
    assert [(leg["from_step"], leg["to_step"], leg.get("stopped")) for leg in legs] == [(0, last, True)]
    assert main(_train_args(tiny_vae_dir, out, last + 1) + ["--resume"]) == 0
    assert (out / "checkpoints" / f"step_{last + 1:07d}").is_dir() and (out / "unet").is_dir()
    assert not _leftovers(tmp_path)
    legs = json.loads((out / "legs.json").read_text())
    assert [(leg["from_step"], leg["to_step"]) for leg in legs] == [(0, last), (last, last + 1)]


def _terminate_self(*args, **kwargs):
    """Stands in for a write: half a file, then SIGTERM to this process (as `kill PID` would send)."""
    if args and isinstance(args[0], (str, Path)) and not Path(args[0]).is_dir():
        Path(args[0]).write_bytes(b"half a video")
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)                              # the handler raises here, at the next bytecode
    raise AssertionError("SIGTERM did not stop the write")


def test_sigterm_while_exporting_leaves_no_partial_model(tiny_vae_dir, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    monkeypatch.setattr(model_folder, "fsync_tree", _terminate_self)   # unet/ and vae/ written to run.partial
    assert main(_train_args(tiny_vae_dir, out, 1)) == 143
    assert not _leftovers(tmp_path) and not (out / "unet").exists()
    assert not (out / "legs.json").exists()              # the model first, its leg after
    assert (out / "checkpoints" / "step_0000001").is_dir()


def test_sigterm_while_writing_a_video_keeps_the_old_one(tiny_model_dir, tmp_path, monkeypatch, capsys):
    images = []
    for i, color in enumerate([(200, 30, 30), (30, 30, 200)]):
        images.append(str(tmp_path / f"scene{i}.png"))
        Image.fromarray(np.full((48, 40, 3), color, dtype=np.uint8)).save(images[-1])
    target = tmp_path / "x.mp4"
    target.write_bytes(b"the good old file")
    monkeypatch.setattr(video_io, "_write_ffmpeg", _terminate_self)
    before = signal.getsignal(signal.SIGTERM)
    code = main(["transition", *images, "--model", str(tiny_model_dir), "--steps", "2", "--out", str(target),
                 "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 143 and "terminated (SIGTERM)" in err and len(err.splitlines()) == 1, err
    assert target.read_bytes() == b"the good old file" and not _leftovers(tmp_path)
    assert signal.getsignal(signal.SIGTERM) is before     # the handler is the command's only
