"""`seine-lite eval`: its probes score an oracle above its baselines, a baseline at zero gain,
and the command writes the table a README quotes."""
import json

import numpy as np
import pytest

from seine_lite.data import make_shapes_clips
from seine_lite.cli.evaluate import main
from seine_lite.evaluate import interpolation, prediction
from seine_lite.metrics import pooled_psnr
from seine_lite.baselines import dissolve


def test_pooled_psnr_pools_the_error_so_an_exact_clip_counts():
    truth = [np.zeros((4, 8, 8, 3), np.uint8), np.zeros((4, 8, 8, 3), np.uint8)]
    exact, off_by_10 = truth[0].copy(), truth[1] + 10
    frames = np.arange(4)
    assert pooled_psnr([exact, off_by_10], truth, frames) == pytest.approx(10 * np.log10(255 ** 2 / 50))
    assert pooled_psnr([off_by_10], truth[1:], frames) == pytest.approx(10 * np.log10(255 ** 2 / 100))


class _Answers:
    """A stand-in pipeline that answers every request with a fixed video per call."""

    def __init__(self, videos, num_frames):
        self.videos, self.num_frames, self.calls = list(videos), num_frames, 0

    def _next(self, *args, **kwargs):
        self.calls += 1
        return self.videos[self.calls - 1]

    transition = predict = _next


@pytest.fixture(scope="module")
def clips():
    return make_shapes_clips(6, num_frames=8, size=32, seed=5, split="heldout")


def test_an_oracle_beats_the_baselines_and_a_dissolve_gains_nothing(clips):
    data, captions = clips
    oracle = interpolation(_Answers(data, 8), data, captions, progress=False)
    assert oracle["interpolation_gain_db"] > 20
    same = interpolation(_Answers([dissolve(c[0], c[-1], 8) for c in data], 8), data, captions, progress=False)
    assert same["interpolation_gain_db"] == pytest.approx(0.0)
    oracle = prediction(_Answers(data, 8), data, captions, progress=False)
    assert oracle["prediction_gain_db"] > 20
    repeat = [np.repeat(c[1:2], 8, axis=0) for c in data]
    assert prediction(_Answers(repeat, 8), data, captions, progress=False)["prediction_gain_db"] == pytest.approx(0.0)


def test_eval_command_writes_json_and_markdown(tiny_model_dir, tmp_path, capsys):
    assert main(["--model", str(tiny_model_dir), "--clips", "1", "--scenes", "1", "--pairs", "1",
                 "--steps", "2", "--out", str(tmp_path), "--no-progress"]) == 0
    result = json.loads((tmp_path / "eval.json").read_text())
    assert set(result["passed"]) == {"interpolation", "prediction", "direction", "color", "transition_given",
                                     "transition_smooth", "transition_double_exposure", "photo_prediction"}
    assert result["text_control_trials"] == 4
    table = (tmp_path / "eval.md").read_text()
    assert table.startswith("| probe") and table.count("\n") == 10
    assert "bars met" in capsys.readouterr().out


def test_evaluate_names_an_unknown_split():
    from seine_lite.evaluate import evaluate
    stand_in = _Answers([], 8)
    stand_in.resolution = (32, 32)
    with pytest.raises(ValueError, match="split"):
        evaluate(stand_in, clips=1, scenes=1, pairs=1, progress=False, split="test")
