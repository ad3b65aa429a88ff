#!/usr/bin/env python
"""Write docs/teaching_answers.md: every notebook's exercise, the check it must pass and its answer,
taken from the notebooks themselves (so the answers never drift from the course).

    python scripts/exercise_answers.py            # write it
    python scripts/exercise_answers.py --check    # exit 1 if it differs from the notebooks
"""
import argparse
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "teaching_answers.md"


def _source(cell) -> str:
    return cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])


def exercise(path: Path) -> list:
    """The lines for one notebook: its exercise, its check and its solution."""
    cells = jupytext.read(path)["cells"]
    start = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and "## Exercise" in _source(c))
    solution = next(i for i, c in enumerate(cells) if i > start and c["cell_type"] == "markdown"
                    and "Solution" in _source(c))
    title = _source(cells[0]).splitlines()[0].lstrip("# ").strip()
    question = _source(cells[start]).split("## Exercise", 1)[1].strip()
    checks = [_source(c) for c in cells[start + 1:solution] if c["cell_type"] == "code" and "check(" in _source(c)]
    answer = [_source(c) for c in cells[solution + 1:] if c["cell_type"] == "code"]
    answer = answer[:next((i for i, a in enumerate(answer) if "check(" in a), len(answer))]
    lines = [f"## {title}", "", question, ""]
    if checks:
        lines += ["The check:", "", "```python", checks[0].replace("# NBVAL_CHECK_OUTPUT\n", "").strip(), "```", ""]
    lines += ["An answer:", "", "```python", "\n\n".join(a.strip() for a in answer), "```", ""]
    return lines


def render() -> str:
    lines = ["# The exercises and their answers", "",
             "<!-- Written by `python scripts/exercise_answers.py` from the notebooks; a test keeps it in step. -->",
             "", "For the teacher (`docs/teaching.md`). Each notebook's last section asks for `answer`; a",
             "check cell prints \"✗ not yet\" until it is right, then \"✓ correct\". Any answer that passes the",
             "check is right; the one below is the notebook's own.", ""]
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        lines += exercise(path)
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 if the file differs from the notebooks")
    args = p.parse_args(argv)
    text = render()
    if args.check:
        same = TARGET.is_file() and TARGET.read_text(encoding="utf-8") == text
        print(f"{TARGET}: {'up to date' if same else 'stale: run python scripts/exercise_answers.py'}")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
