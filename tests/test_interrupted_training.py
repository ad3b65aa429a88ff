"""Training that is stopped: SIGKILL while a checkpoint is written, Ctrl-C, a loss that turns NaN.

Checkpoints are written to checkpoints/tmp_step_N and renamed to step_N (run_folder.save_checkpoint),
so a kill at any moment leaves the last complete checkpoint, and --resume continues exactly.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

import torch
from safetensors.torch import load_file

from seine_lite.cli.train import main


def _argv(vae, out, steps, *extra):
    return ["--preset", "tiny", "--steps", str(steps), "--batch-size", "2", "--num-clips", "4", "--warmup-steps", "1",
            "--checkpoint-every", "1", "--text-encoder", "null", "--vae", str(vae), "--out", str(out), *extra]


def _env(**extra):  # exact resume is a CPU claim (GPU kernels and bf16 need not be bitwise repeatable)
    return dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", CUDA_VISIBLE_DEVICES="", **extra)


def _start(argv, log, **env):
    """`python -m seine_lite.cli train ARGV` in the background, on the CPU; its stderr goes to `log`."""
    with open(log, "w") as stderr:  # the child keeps its own copy of the file
        return subprocess.Popen([sys.executable, "-m", "seine_lite.cli", "train", *argv], env=_env(**env),
                                stdout=subprocess.DEVNULL, stderr=stderr)


def _train(argv, capsys):
    """Train to the end on the CPU -> (exit code, stderr): in this process, or in one without CUDA."""
    if not torch.cuda.is_available():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # as the killed child (OMP_NUM_THREADS=1): bitwise equality needs equal threads
        try:
            code = main(argv)
        finally:
            torch.set_num_threads(threads)
        return code, capsys.readouterr().err.strip()
    run = subprocess.run([sys.executable, "-m", "seine_lite.cli", "train", *argv], env=_env(), capture_output=True,
                         text=True, timeout=600)
    return run.returncode, "\n".join(line for line in run.stderr.strip().splitlines() if "error" in line)


def _wait_for(condition, proc, log, timeout=300):
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"training ended early ({proc.returncode}): {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"timed out: {log.read_text()[-2000:]}")
        time.sleep(0.02)


def _steps(out):
    return [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()]


def _losses(out):
    return [json.loads(line)["loss"] for line in (out / "metrics.jsonl").read_text().splitlines()]


def _equal(a, b):
    a, b = load_file(str(a)), load_file(str(b))
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_sigkill_while_writing_a_checkpoint_then_resume_equals_a_straight_run(tiny_vae_dir, tmp_path, capsys):
    killed, straight = tmp_path / "killed", tmp_path / "straight"
    log = tmp_path / "killed.log"
    # the run sleeps inside the temporary folder of checkpoint 2: the kill lands mid-write, every time
    proc = _start(_argv(tiny_vae_dir, killed, 4), log, SEINE_LITE_TEST_PAUSE_IN_CHECKPOINT="2:300")
    partial = killed / "checkpoints" / "tmp_step_0000002"
    _wait_for(partial.exists, proc, log)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    names = sorted(p.name for p in (killed / "checkpoints").iterdir())
    assert names == ["step_0000001", "tmp_step_0000002"], names  # the half checkpoint is not a checkpoint

    assert _train(_argv(tiny_vae_dir, killed, 4, "--resume", "--no-progress"), capsys)[0] == 0
    assert _train(_argv(tiny_vae_dir, straight, 4, "--no-progress"), capsys)[0] == 0
    assert sorted(p.name for p in (killed / "checkpoints").iterdir()) == ["step_0000003", "step_0000004"]
    assert _steps(killed) == [1, 2, 3, 4] and _losses(killed) == _losses(straight)
    assert _equal(killed / "checkpoints" / "step_0000004" / "model.safetensors",
                  straight / "checkpoints" / "step_0000004" / "model.safetensors")
    unet = "unet/diffusion_pytorch_model.safetensors"  # the exported (EMA) model, too
    assert _equal(killed / unet, straight / unet)


def test_ctrl_c_finishes_the_step_saves_a_checkpoint_and_exits_130(tiny_vae_dir, tmp_path, capsys):
    out, log = tmp_path / "interrupted", tmp_path / "interrupted.log"
    argv = _argv(tiny_vae_dir, out, 100_000, "--checkpoint-every", "100000")  # no checkpoint but Ctrl-C's
    proc = _start(argv, log)
    _wait_for(lambda: "loss=" in log.read_text(), proc, log)  # the progress bar shows a first step's loss
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    err = log.read_text().strip().splitlines()[-1]
    assert proc.returncode == 130, log.read_text()[-2000:]
    assert re.fullmatch(r"interrupted: checkpoint step_(\d+) in .*checkpoints; continue with --resume", err), err
    (checkpoint,) = (out / "checkpoints").iterdir()
    n = int(checkpoint.name.split("_")[1])
    assert checkpoint.name.startswith("step_") and n >= 1 and _steps(out) == list(range(1, n + 1))
    (leg,) = json.loads((out / "legs.json").read_text())        # the leg is recorded up to the checkpoint
    assert (leg["from_step"], leg["to_step"], leg["stopped"]) == (0, n, True) and leg["wall_minutes"] >= 0
    assert (out / "loss.png").stat().st_size > 0                 # and its loss curve so far is drawn

    # the checkpoint holds the state after exactly n steps: a straight run of n steps ends the same
    straight = tmp_path / "straight"
    assert _train(_argv(tiny_vae_dir, straight, n, "--no-progress"), capsys)[0] == 0
    assert _losses(out) == _losses(straight)
    assert _equal(checkpoint / "model.safetensors", straight / "checkpoints" / checkpoint.name / "model.safetensors")


def test_nan_loss_stops_with_one_line_and_keeps_the_last_good_checkpoint(tiny_vae_dir, tmp_path, capsys):
    out = tmp_path / "diverged"
    code, err = _train(_argv(tiny_vae_dir, out, 20, "--lr", "1e30", "--warmup-steps", "0", "--no-progress"), capsys)
    assert code == 2 and len(err.splitlines()) == 1, err
    found = re.search(r"(loss|gradient norm) became (nan|inf|-inf) at step (\d+); the last good checkpoint", err)
    assert found, err
    step = int(found.group(3))
    checkpoints = sorted((out / "checkpoints").iterdir())
    assert step >= 2 and [p.name for p in checkpoints][-1] == f"step_{step - 1:07d}"  # the one before it
    weights = load_file(str(checkpoints[-1] / "model.safetensors"))
    assert all(torch.isfinite(w).all() for w in weights.values())
    assert not (out / "unet").exists()  # no model is exported from a run that diverged
    assert not list((out / "checkpoints").glob("tmp_*"))
