"""Every exercise checks the student's own answer: the check runs on the blank answer before the
solution (and says "not yet"), and again after it (and says "correct")."""
import json
from pathlib import Path

import numpy as np
import pytest

from seine_lite.exercises import check

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _text(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _printed(cell) -> str:
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []) if o["output_type"] == "stream")


def test_a_check_says_which_and_a_blank_or_broken_answer_is_not_yet(capsys):
    shape_ok = lambda a: a.shape == (2, 3)            # noqa: E731
    assert check(shape_ok, np.zeros((2, 3))) and "✓ correct" in capsys.readouterr().out
    assert not check(shape_ok, None, hint="a (2, 3) array")
    assert capsys.readouterr().out.strip() == "✗ not yet: a (2, 3) array"
    assert not check(shape_ok, None) and "AttributeError" in capsys.readouterr().out
    with pytest.raises(ValueError, match="ok must be a function"):
        check(True, 1)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_exercise_checks_the_students_blank_answer_before_the_solution(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    start = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and "## Exercise" in _text(c))
    solution = next(i for i, c in enumerate(cells) if i > start and c["cell_type"] == "markdown"
                    and "Solution" in _text(c))
    checks = [i for i, c in enumerate(cells) if i > start and c["cell_type"] == "code" and "check(" in _text(c)]
    before, after = [i for i in checks if i < solution], [i for i in checks if i > solution]
    assert before and after, f"{path.name}: check the answer before the solution and after it"
    for i in before:
        assert "# NBVAL_CHECK_OUTPUT" in _text(cells[i]), f"{path.name}: nbval must compare the blank check's output"
        assert "✗ not yet" in _printed(cells[i]), f"{path.name}: the check passes with the exercise left empty"
    assert "✓ correct" in _printed(cells[after[-1]]), f"{path.name}: the solution does not pass its own check"
    blank = "\n".join(_text(cells[i]) for i in range(start, before[0]) if cells[i]["cell_type"] == "code")
    assert "None" in blank or "..." in blank, f"{path.name}: the student's cell must leave the answer blank"


def test_the_teachers_answer_sheet_is_taken_from_the_notebooks(capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("answers", NOTEBOOKS[0].parents[1] / "scripts" / "exercise_answers.py")
    answers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(answers)
    assert answers.main(["--check"]) == 0, "stale: run python scripts/exercise_answers.py"
    import re

    assert len(re.findall(r"^## \d\d · ", answers.render(), re.M)) == len(NOTEBOOKS)
