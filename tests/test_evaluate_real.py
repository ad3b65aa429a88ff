"""The real-footage probes: held-out real clips and photos from a bank, the two transition measures,
and `seine-lite eval --real` on a tiny model with the sample bank."""
import json

import numpy as np
import pytest

from seine_lite.baselines import dissolve, wipe_left
from seine_lite.cli import main as cli
from seine_lite.data.real_footage import heldout_photo_clips, real_clip_windows
from seine_lite.transition_metrics import blend_r2, laplacian_energy, sharpness_ratio


def test_real_clip_windows_are_repeatable_windows_of_the_clip(sample_bank):
    a, captions = real_clip_windows(3, num_frames=8, size=32, seed=4, bank=sample_bank)
    b, _ = real_clip_windows(3, num_frames=8, size=32, seed=4, bank=sample_bank)
    assert a.shape == (3, 8, 32, 32, 3) and a.dtype == np.uint8 and np.array_equal(a, b)
    assert captions == ["a video of a cup of coffee"] * 3
    assert not np.array_equal(a, real_clip_windows(3, num_frames=8, size=32, seed=5, bank=sample_bank)[0])
    with pytest.raises(ValueError, match="num_frames"):
        real_clip_windows(1, num_frames=30, size=32, stride=2, bank=sample_bank)


def test_heldout_photo_clips_use_only_held_out_photographs(sample_bank):
    _, captions = heldout_photo_clips(6, num_frames=4, size=32, seed=0, bank=sample_bank)
    assert all(c.startswith("a photo of a rocket launch") for c in captions)


def test_dissolve_scores_full_double_exposure_and_a_wipe_keeps_detail(sample_bank):
    clips, _ = heldout_photo_clips(2, num_frames=4, size=48, seed=1, bank=sample_bank)
    a, b = clips[0][0], real_clip_windows(1, 4, 48, bank=sample_bank)[0][0][0]
    d, w = dissolve(a, b, 9), wipe_left(a, b, 9)
    assert blend_r2(d) == pytest.approx(1.0, abs=0.02)
    assert blend_r2(w) < 0.8
    assert sharpness_ratio(d) < 0.9 < sharpness_ratio(w)
    blurred = np.repeat(np.full_like(a, 128)[None], 9, axis=0)
    blurred[0], blurred[-1] = a, b
    assert sharpness_ratio(blurred) == pytest.approx(0.0) and laplacian_energy(a) > 0
    with pytest.raises(ValueError, match="video"):
        blend_r2(d[:2])


def test_eval_real_on_a_tiny_model_writes_every_real_figure(tiny_model_dir, sample_bank, tmp_path, capsys, one_thread):
    rc = cli(["eval", "--model", str(tiny_model_dir), "--real", "--no-shapes", "--bank", str(sample_bank),
              "--real-clips", "1", "--real-pairs", "1", "--steps", "2", "--no-progress", "--out", str(tmp_path)])
    assert rc == 0
    result = json.loads((tmp_path / "eval.json").read_text())
    for key in ("real_vae_photos_db", "real_prediction_gain_db", "real_interpolation_gain_db",
                "real_one_frame_gain_db", "real_transition_sharpness", "real_transition_blend_r2",
                "dissolve_blend_r2", "wipe_sharpness", "real_transition_max_jump"):
        assert np.isfinite(result[key]), key
    assert len(result["passed"]) == 8 and result["composite_threshold"] == 0.0
    assert "real probe" in (tmp_path / "eval.md").read_text()


def test_eval_sampling_options_reach_the_sampler(tiny_model_dir, sample_bank, capsys, one_thread):
    base = ["eval", "--model", str(tiny_model_dir), "--real", "--no-shapes", "--bank", str(sample_bank),
            "--real-clips", "1", "--real-pairs", "1", "--steps", "2", "--no-progress"]
    assert cli(base + ["--start", "1.5"]) == 2
    assert "--start must be in (0, 1]" in capsys.readouterr().err
    assert cli(base + ["--composite-threshold", "-1"]) == 2
    assert "--composite-threshold must be grey levels" in capsys.readouterr().err
    for flag, word in ((["--start", "0.5"], "start"), (["--composite"], "composite")):
        assert cli(base + flag) == 2                     # the tiny model shows the UNet zeros: no fill to build on
        err = capsys.readouterr().err.strip()
        assert f"{word} needs a model trained with a fill" in err and len(err.splitlines()) == 1, err


def test_eval_sampler_is_checked_and_used(tiny_model_dir, sample_bank, capsys, monkeypatch, one_thread):
    from seine_lite import pipeline_inputs

    base = ["eval", "--model", str(tiny_model_dir), "--real", "--no-shapes", "--bank", str(sample_bank),
            "--real-clips", "1", "--real-pairs", "1", "--steps", "2", "--no-progress"]
    assert cli(base + ["--sampler", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--sampler must be one of" in err, err
    used = []
    real_get = pipeline_inputs.get_scheduler
    monkeypatch.setattr(pipeline_inputs, "get_scheduler", lambda name, schedule: used.append(name) or
                        real_get(name, schedule))
    assert cli(base + ["--sampler", "dpmsolver++"]) == 0
    assert used and set(used) == {"dpm++"}


def test_eval_real_without_a_bank_is_one_line_exit_2(tmp_path, capsys):
    assert cli(["eval", "--real", "--bank", str(tmp_path / "none"), "--no-progress"]) == 2
    assert "seine-lite data photos" in capsys.readouterr().err
    assert cli(["eval", "--no-shapes"]) == 2


def test_real_windows_never_hold_a_cut_and_a_slideshow_gives_none(monkeypatch):
    from seine_lite.data import real_footage

    rng = np.random.default_rng(0)
    still = np.repeat(rng.integers(0, 256, (1, 8, 8, 3), dtype=np.uint8), 12, axis=0)
    cut = still.copy()
    cut[6:] = 255 - cut[6:]                                     # a cut between frames 5 and 6
    slideshow = rng.integers(0, 256, (12, 8, 8, 3), dtype=np.uint8)
    monkeypatch.setattr(real_footage, "_clips", lambda folder: (("a cut", cut), ("photos", slideshow)))
    clips, captions = real_footage.real_clip_windows(6, num_frames=4, size=8, seed=1)
    assert captions == ["a video of a cut"] * 6
    assert all((real_footage.frame_steps(c) <= real_footage.CUT_STEP).all() for c in clips)
    with pytest.raises(ValueError, match="without a cut"):
        real_footage.real_clip_windows(1, num_frames=8, size=8)
