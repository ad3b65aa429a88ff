"""The course notebooks keep the course's conventions (without running them: nbval does that).

`make test` runs the notebooks themselves, in quick mode, with
`pytest --nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg notebooks/`.
These checks are cheap: pairing, the opening cell, stored outputs, the exercise, no library code.
"""
import configparser
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PAIRS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _code(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_there_are_notebooks_and_the_readme_lists_each_one():
    assert len(PAIRS) >= 3
    readme = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    for path in PAIRS:
        assert path.stem in readme, f"notebooks/README.md does not mention {path.stem}"


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_notebook_is_a_synced_jupytext_pair(path):
    import jupytext

    script = path.with_suffix(".py")
    assert script.is_file(), f"{path.name} has no paired {script.name} (run jupytext --sync {path.name})"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert "py:percent" in notebook["metadata"]["jupytext"]["formats"]
    from_script = jupytext.read(script)
    ours = [(c["cell_type"], _code(c).strip()) for c in notebook["cells"]]
    theirs = [(c["cell_type"], _code(c).strip()) for c in from_script["cells"]]
    assert ours == theirs, f"{path.name} and {script.name} differ: run jupytext --sync {path.name}"


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_notebook_follows_the_course_conventions(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    opening = _code(cells[0])
    assert cells[0]["cell_type"] == "markdown"
    for words in ("What you will do", "What you will learn", "What you need"):
        assert words in opening, f"{path.name}: the opening cell must say '{words}'"
    code = [c for c in cells if c["cell_type"] == "code"]
    source = "\n".join(_code(c) for c in code)
    assert re.search(r"^(from|import) seine_lite", source, re.M), f"{path.name} must import seine_lite"
    assert 'os.environ.get("SEINE_LITE_QUICK") == "1"' in source, f"{path.name} must read quick mode"
    assert not re.search(r"^class ", source, re.M), f"{path.name}: classes belong in the package"
    markdown = "\n".join(_code(c) for c in cells if c["cell_type"] == "markdown")
    assert "## Exercise" in markdown and "Solution" in markdown, f"{path.name} needs an exercise and its solution"
    assert any("# NBVAL_CHECK_OUTPUT" in _code(c) for c in code), f"{path.name} checks no output"
    lines = sum(len(_code(c).splitlines()) for c in cells)
    assert 100 <= lines <= 400, f"{path.name} has {lines} lines of cells; aim for 150-300"


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_stored_notebook_carries_the_outputs_of_a_clean_run(path):
    code = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: re-run it top to bottom (counts {counts})"
    for cell in code:
        kinds = {o["output_type"] for o in cell["outputs"]}
        assert "error" not in kinds, f"{path.name}: a stored cell failed:\n{_code(cell)[:200]}"
        if "# NBVAL_CHECK_OUTPUT" in _code(cell):
            assert cell["outputs"], f"{path.name}: a checked cell has no stored output:\n{_code(cell)[:200]}"


def test_the_sanitize_file_masks_what_changes_between_runs():
    parser = configparser.ConfigParser()
    parser.read(NOTEBOOKS / "nbval_sanitize.cfg")
    rules = [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]
    assert rules

    def sanitize(text):
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
        return text

    assert sanitize("loss 0.123456789") == sanitize("loss 0.123412345")
    assert sanitize("<Generator at 0x7f4858198510>") == sanitize("<Generator at 0x7f00aa000000>")
    assert sanitize("took 3.2 s") == sanitize("took 41 s")
    assert sanitize("loss 0.1234") != sanitize("loss 0.1244")
    assert sanitize("x......x") == "x......x"
