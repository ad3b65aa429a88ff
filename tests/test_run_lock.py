"""A run folder belongs to one run: train.lock while training, and no second run over an old one."""
import json
import os
import socket
import subprocess
import sys
import time

import pytest

from seine_lite.cli.train import main
from seine_lite.latent_cache import DataConfig
from seine_lite.run_folder import LOCK_NAME
from seine_lite.train import TrainConfig, train


def _config(tiny_vae_dir, steps, **kw):
    return TrainConfig(preset="tiny", data=DataConfig(num_clips=12, seed=1), steps=steps, batch_size=2,
                       checkpoint_every=2, warmup_steps=2, text_encoder="null", vae=str(tiny_vae_dir), **kw)


def _lock(out, pid, host=None):
    out.mkdir(parents=True, exist_ok=True)
    (out / LOCK_NAME).write_text(json.dumps({"pid": pid, "host": host or socket.gethostname()}))


def _steps(out):
    return [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("holder", ["this process", "another process", "another host"])
def test_a_held_lock_refuses_a_second_run_in_one_line(tiny_vae_dir, tmp_path, holder):
    out = tmp_path / "run"
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        pid = {"this process": os.getpid(), "another process": alive.pid, "another host": 1}[holder]
        _lock(out, pid, "elsewhere.example" if holder == "another host" else None)
        with pytest.raises(ValueError, match=f"--out.*in use.*pid {pid}") as err:
            train(_config(tiny_vae_dir, 2), out, progress=False)
        assert "\n" not in str(err.value)
        assert (out / LOCK_NAME).exists() and not (out / "checkpoints").exists()   # the holder's lock stays
    finally:
        alive.kill()
        alive.wait()


def test_a_lock_refuses_resume_too(tiny_vae_dir, tmp_path):
    out = tmp_path / "run"
    train(_config(tiny_vae_dir, 2), out, progress=False)
    _lock(out, os.getpid())
    with pytest.raises(ValueError, match="in use"):
        train(_config(tiny_vae_dir, 4), out, resume=True, progress=False)
    assert _steps(out) == [1, 2]


def test_a_stale_lock_is_taken_over(tiny_vae_dir, tmp_path, capsys):
    out = tmp_path / "run"
    pid = _dead_pid()
    _lock(out, pid)
    train(_config(tiny_vae_dir, 2), out, progress=False)
    err = capsys.readouterr().err
    assert "taking over" in err and f"pid {pid}" in err
    assert not (out / LOCK_NAME).exists()


def test_a_second_run_needs_resume_or_overwrite(tiny_vae_dir, tmp_path):
    out = tmp_path / "run"
    train(_config(tiny_vae_dir, 4), out, progress=False)
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="--out.*already holds a training run.*--resume.*--overwrite"):
        train(_config(tiny_vae_dir, 2, lr=1e-4), out, progress=False)
    assert _steps(out) == [1, 2, 3, 4] and json.loads((out / "train_config.json").read_text())["lr"] == 3e-4

    train(_config(tiny_vae_dir, 2, lr=1e-4), out, progress=False, overwrite=True)
    assert _steps(out) == [1, 2]
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step_0000002"]
    assert json.loads((out / "train_config.json").read_text())["lr"] == 1e-4
    assert json.loads((out / "seine_lite.json").read_text())["trained_steps"] == 2
    assert (out / "notes.txt").read_text() == "mine"      # not a file of the run: kept

    train(_config(tiny_vae_dir, 4, lr=1e-4), out, resume=True, progress=False)
    assert _steps(out) == [1, 2, 3, 4] and not (out / LOCK_NAME).exists()
    with pytest.raises(ValueError, match="give one"):
        train(_config(tiny_vae_dir, 4), out, resume=True, overwrite=True, progress=False)


def test_only_the_main_process_takes_the_lock(tiny_vae_dir, tmp_path, monkeypatch):
    import seine_lite.train as train_module

    class NotMain(train_module.Accelerator):
        is_main_process = False

    monkeypatch.setattr(train_module, "Accelerator", NotMain)
    out = tmp_path / "run"
    _lock(out, os.getpid())                       # held by "the main process"
    train(_config(tiny_vae_dir, 2), out, progress=False)
    assert (out / LOCK_NAME).exists()             # neither refused nor released by a non-main process


def test_the_lock_is_removed_after_an_exception(tiny_vae_dir, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(FileNotFoundError):
        train(_config(tiny_vae_dir, 2, init_from=str(tmp_path / "none")), out, progress=False)
    assert not (out / LOCK_NAME).exists()


def test_cli_refuses_a_second_run_in_one_line(tiny_vae_dir, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--text-encoder", "null", "--vae", str(tiny_vae_dir), "--num-clips", "12", "--batch-size", "2",
            "--steps", "2", "--checkpoint-every", "2", "--warmup-steps", "2", "--no-progress", "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    assert main([*argv, "--lr", "1e-4"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--overwrite" in err and (out / "checkpoints" / "step_0000002").exists()
    assert main([*argv, "--lr", "1e-4", "--overwrite"]) == 0
    assert json.loads((out / "train_config.json").read_text())["lr"] == 1e-4


def test_two_processes_at_once(tiny_vae_dir, tmp_path, capsys):
    """A run paused in its first checkpoint holds the folder: a second one, fresh or --resume, is refused."""
    out = tmp_path / "run"
    argv = ["--text-encoder", "null", "--vae", str(tiny_vae_dir), "--num-clips", "12", "--batch-size", "2",
            "--steps", "2", "--checkpoint-every", "1", "--warmup-steps", "1", "--no-progress", "--out", str(out)]
    env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", CUDA_VISIBLE_DEVICES="",
               SEINE_LITE_TEST_PAUSE_IN_CHECKPOINT="1:30")
    child = subprocess.Popen([sys.executable, "-m", "seine_lite.cli", "train", *argv], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "checkpoints").exists():
            assert child.poll() is None and time.monotonic() < deadline, child.stderr.read()[-2000:]
            time.sleep(0.05)
        for extra in ([], ["--overwrite"], ["--resume"]):
            assert main([*argv, "--lr", "1e-4", *extra]) == 2
            err = capsys.readouterr().err.strip()
            assert "\n" not in err and f"in use by another training run (pid {child.pid} on " in err
    finally:
        child.kill()
        child.wait()
    assert json.loads((out / "train_config.json").read_text())["lr"] == 3e-4


def test_each_checkpoint_names_its_run_and_another_runs_is_never_resumed_nor_pruned(tiny_vae_dir, tmp_path):
    import shutil

    from seine_lite.run_folder import checkpoint_run, run_id_of

    out = tmp_path / "run"
    train(_config(tiny_vae_dir, 4), out, progress=False)
    ours = run_id_of(out)
    assert ours and all(checkpoint_run(p) == ours for p in (out / "checkpoints").glob("step_*"))
    foreign = out / "checkpoints" / "step_0000090"                # copied in from someone else's run
    shutil.copytree(out / "checkpoints" / "step_0000004", foreign)
    (foreign / "run.json").write_text(json.dumps({"run_id": "someone", "step": 90}))
    train(_config(tiny_vae_dir, 8), out, resume=True, progress=False)
    assert _steps(out) == list(range(1, 9))                       # on from its own step 4, not from 90
    assert foreign.is_dir() and checkpoint_run(foreign) == "someone"   # and the other run's is left alone
    assert sorted(p.name for p in (out / "checkpoints").glob("step_*")) == ["step_0000006", "step_0000008",
                                                                           "step_0000090"]
