"""No hand-typed figure that can go stale: a result typed into a notebook's markdown (dB, %, steps)
must be printed by a cell of that notebook (or set in its code), and the project's working words
(issue numbers, sessions, legs, run names) stay out of what users read (docs/history.md keeps them)."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
FIGURE = re.compile(r"([+\-−]?\d[\d,]*(?:\.\d+)?)\s*(?:dB\b|%|steps?\b)")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
WORKING_WORDS = re.compile(r"\bissues? #?\d+|\bsessions? \d+|\blegs? \d+\b|\bL\d+[A-Z]\b", re.I)


def _text(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _outputs(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def _plain(number: str) -> str:
    return number.replace(",", "").lstrip("+-−")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_in_the_markdown_is_printed_or_set_by_a_cell(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    backed = {_plain(n) for c in cells if c["cell_type"] == "code" for n in NUMBER.findall(_text(c) + _outputs(c))}
    markdown = "\n".join(_text(c) for c in cells if c["cell_type"] == "markdown")
    stale = sorted({m.group(0) for m in FIGURE.finditer(markdown) if _plain(m.group(1)) not in backed})
    assert not stale, f"{path.name}: figures no cell prints or sets (print them, or say 'above'): {stale}"


def test_the_front_page_types_no_result_outside_the_block_written_from_the_models_files():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index("<!-- bundled-model:start"), text.index("<!-- bundled-model:end -->")
    outside = text[:start] + text[end:]
    typed = [m.group(0) for m in re.finditer(r"[+\-−]?\d[\d,.]*\s*(?:dB\b|%)", outside)]
    assert not typed, f"README.md: results typed by hand (put them in the model card's files): {typed}"


def _user_facing() -> list:
    files = [ROOT / "README.md", ROOT / "notebooks" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += sorted((ROOT / "seine_lite").rglob("*.py")) + [p.with_suffix(".py") for p in NOTEBOOKS]
    return [p for p in files if p.name != "history.md"]


@pytest.mark.parametrize("path", _user_facing(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_projects_working_words_stay_out_of_what_users_read(path):
    found = WORKING_WORDS.findall(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)} speaks of the project's working: {sorted(set(found))}"
