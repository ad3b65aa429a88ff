"""The bundled model's card is written from its own files: a figure that differs from eval.json,
eval_real.json or seine_lite.json makes it stale, and this test fails."""
import importlib.util
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = importlib.util.spec_from_file_location("model_card", ROOT / "scripts" / "model_card.py")
model_card = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(model_card)


def test_the_bundled_models_card_and_the_front_page_say_what_its_files_say(capsys):
    assert model_card.main(["--check"]) == 0, capsys.readouterr().out
    card = (model_card.BUNDLED / "README.md").read_text(encoding="utf-8")
    assert card == model_card.render(model_card.BUNDLED), "stale card: run python scripts/model_card.py"
    result = json.loads((model_card.BUNDLED / "eval.json").read_text())
    assert f"{result['interpolation_gain_db']:+.2f}" in card and "## Limitations" in card


def test_a_changed_figure_makes_the_card_stale(tmp_path, capsys):
    folder = tmp_path / "model"
    shutil.copytree(model_card.BUNDLED, folder)
    assert model_card.main(["--model", str(folder), "--check"]) == 0
    result = json.loads((folder / "eval.json").read_text())
    result["prediction_gain_db"] += 1.0
    (folder / "eval.json").write_text(json.dumps(result))
    assert model_card.main(["--model", str(folder), "--check"]) == 1
    assert "stale" in capsys.readouterr().out
    assert model_card.main(["--model", str(folder)]) == 0
    assert f"{result['prediction_gain_db']:+.2f}" in (folder / "README.md").read_text(encoding="utf-8")
    assert model_card.main(["--model", str(tmp_path / "nothing")]) == 2
