"""The `seine-lite` command: outputs written, errors as one line with exit code 2, nothing half-written."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seine_lite.cli import main
from seine_lite.data.video_io import read_video

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def images(tmp_path):
    paths = []
    for i, color in enumerate([(200, 30, 30), (30, 30, 200)]):
        path = tmp_path / f"scene{i}.png"
        Image.fromarray(np.full((48, 40, 3), color, dtype=np.uint8)).save(path)
        paths.append(str(path))
    return paths


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip()


def test_help_lists_every_command(capsys):
    code, out, _ = _run(["--help"], capsys)
    assert code == 0
    for name in ("transition", "predict", "extend", "story", "eval", "train", "demo"):
        assert name in out


def test_transition_writes_video_and_strip(tiny_model_dir, images, tmp_path, capsys):
    out = tmp_path / "t.mp4"
    code, _, err = _run(["transition", *images, "--model", str(tiny_model_dir), "--steps", "2", "--out", str(out),
                         "--strip", "--no-progress", "--prompt", "a red square"], capsys)
    assert code == 0, err
    assert read_video(out).shape == (4, 32, 32, 3)
    assert out.with_suffix(".png").exists()


def test_predict_and_extend_gif(tiny_model_dir, images, tmp_path, capsys):
    gif = tmp_path / "p.gif"
    assert _run(["predict", images[0], "--model", str(tiny_model_dir), "--steps", "2", "--out", str(gif),
                 "--no-progress"], capsys)[0] == 0
    longer = tmp_path / "long.gif"
    assert _run(["extend", str(gif), "--new-frames", "5", "--model", str(tiny_model_dir), "--steps", "2",
                 "--out", str(longer), "--no-progress"], capsys)[0] == 0
    assert len(read_video(longer)) == 9


def test_story_from_yaml(tiny_model_dir, images, tmp_path, capsys):
    spec = tmp_path / "shots.yaml"
    spec.write_text(f"shots:\n  - image: {images[0]}\n    prompt: red\n  - image: {images[1]}\n")
    out = tmp_path / "story.mp4"
    code, _, err = _run(["story", str(spec), "--model", str(tiny_model_dir), "--steps", "2", "--out", str(out),
                         "--no-progress"], capsys)
    assert code == 0, err
    assert len(read_video(out)) == 4 + 2 + 4


@pytest.mark.parametrize("make_argv, words", [
    (lambda m, im, o: ["transition", im[0], "/no/such.png", "--model", m, "--out", o], "last"),
    (lambda m, im, o: ["transition", *im, "--model", m, "--out", o[:-4] + ".avi"], "--out"),
    (lambda m, im, o: ["transition", *im, "--model", m, "--out", o, "--prompt", ""], "prompt"),
    (lambda m, im, o: ["transition", *im, "--model", m, "--out", o, "--steps", "0"], "num_inference_steps"),
    (lambda m, im, o: ["transition", *im, "--model", "/no/model", "--out", o], "path"),
    (lambda m, im, o: ["predict", *im, im[0], im[1], "--model", m, "--out", o], "context"),
    (lambda m, im, o: ["story", "/no/shots.yaml", "--model", m, "--out", o], "shots"),
    (lambda m, im, o: ["transition", im[0], "--model", m, "--out", o], "last"),
    (lambda m, im, o: ["transition", *im, "--model", m, "--out", o, "--start", "0.5"], "needs a model trained with a fill"),
    (lambda m, im, o: ["transition", *im, "--model", m, "--out", o, "--composite"], "needs a model trained with a fill"),
    (lambda m, im, o: ["transition", *im, "--model", m, "--out", o, "--composite-threshold", "2"], "needs the composite"),
])
def test_errors_are_one_line_exit_2_and_leave_no_file(tiny_model_dir, images, tmp_path, capsys, make_argv, words):
    out = tmp_path / "out.mp4"
    code, _, err = _run(make_argv(str(tiny_model_dir), images, str(out)) + ["--no-progress"], capsys)
    assert code == 2 and words in err and len(err.splitlines()) == 1, err
    assert list(tmp_path.glob("out*")) == []


def test_console_script_runs_as_a_program():
    run = subprocess.run([sys.executable, "-m", "seine_lite.cli", "nonsense"], capture_output=True, text=True)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1


def test_demo_writes_every_output(tiny_model_dir, tmp_path, capsys):
    code, out, err = _run(["demo", "--model", str(tiny_model_dir), "--out", str(tmp_path), "--steps", "2",
                           "--no-progress"], capsys)
    assert code == 0, err
    for name in ("demo.mp4", "demo_strip.png", "compare.png", "compare.mp4", "vae_roundtrip.png", "vae_roundtrip.mp4"):
        assert (tmp_path / name).stat().st_size > 0, name
    video = read_video(tmp_path / "demo.mp4")
    assert len(video) == 3 * 4 + 2 * 2 + 14  # three shots, two transitions of 2 frames (tiny), extension
    assert "shot" in out and "transition" in out and "extension" in out
