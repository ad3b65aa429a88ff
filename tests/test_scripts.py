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
