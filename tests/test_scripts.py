"""The shell scripts a user runs: they parse, and gpu_check.sh stops at once on a CPU-only machine."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "scripts").glob("*.sh")))
def test_every_script_parses(script):
    run = subprocess.run(["bash", "-n", str(ROOT / "scripts" / script)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: gpu_check.sh would run")
def test_gpu_check_stops_at_once_without_a_gpu():
    had_runs = (ROOT / "runs" / "gpu").exists()
    run = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh")], capture_output=True, text=True,
                         env={**os.environ, "PY": sys.executable}, timeout=120)
    assert run.returncode == 2 and run.stderr.strip() == "gpu_check: no CUDA GPU here"
    assert (ROOT / "runs" / "gpu").exists() == had_runs          # nothing written


@pytest.mark.parametrize("folder, words", [("no/such/model", "no/such/model/seine_lite.json not found"),
                                           ("seine_lite/weights/vae", "vae/seine_lite.json not found")])
def test_ship_bundled_refuses_a_folder_that_is_not_a_model_and_touches_nothing(folder, words):
    bundled = ROOT / "seine_lite" / "weights" / "reference"
    before = sorted((p.name, p.stat().st_mtime_ns) for p in bundled.rglob("*"))
    run = subprocess.run(["bash", str(ROOT / "scripts" / "ship_bundled.sh"), folder], capture_output=True,
                         text=True, cwd=ROOT, env={**os.environ, "BIN": str(Path(sys.executable).parent)}, timeout=60)
    assert run.returncode == 2 and words in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert sorted((p.name, p.stat().st_mtime_ns) for p in bundled.rglob("*")) == before
