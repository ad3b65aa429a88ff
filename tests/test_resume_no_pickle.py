"""A checkpoint holds safetensors and JSON only; `--resume` never unpickles without `--trust-pickle`.

Run folders travel between students and machines: a pickle planted in a checkpoint must not run.
"""
import json
import pickle

import pytest

from seine_lite import run_folder
from seine_lite.cli.train import main
from seine_lite.latent_cache import DataConfig
from seine_lite.train import TrainConfig, train


class Payload:
    """Unpickling this creates a file: proof that the pickle ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _config(tiny_vae_dir, steps):
    return TrainConfig(preset="tiny", data=DataConfig(num_clips=12, seed=1), steps=steps, batch_size=2,
                       checkpoint_every=2, warmup_steps=2, text_encoder="null", vae=str(tiny_vae_dir))


def _losses(out):
    return [json.loads(line)["loss"] for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_checkpoints_hold_no_pickle_and_a_planted_one_is_refused_unread(tiny_vae_dir, tmp_path, capsys):
    out = tmp_path / "run"
    train(_config(tiny_vae_dir, 2), out, progress=False)
    checkpoint = out / "checkpoints" / "step_0000002"
    names = sorted(p.name for p in checkpoint.iterdir())
    assert names and all(n.endswith((".json", ".safetensors")) for n in names), names
    ran = tmp_path / "the_payload_ran"
    metrics = (out / "metrics.jsonl").read_text()
    argv = ["--preset", "tiny", "--steps", "4", "--text-encoder", "null", "--vae", str(tiny_vae_dir),
            "--out", str(out), "--resume", "--no-progress"]
    for name in ("optimizer.bin", "custom_checkpoint_0.pkl"):
        (checkpoint / name).write_bytes(pickle.dumps(Payload(str(ran))))
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and name in err and "--trust-pickle" in err, err
        with pytest.raises(ValueError, match=f"^resume: .*{name}' is a pickle file"):
            train(_config(tiny_vae_dir, 4), out, resume=True, progress=False)
        assert not ran.exists()
        assert (out / "metrics.jsonl").read_text() == metrics     # nothing was trained
        (checkpoint / name).unlink()

    (checkpoint / "custom_checkpoint_0.pkl").write_bytes(pickle.dumps(Payload(str(ran))))
    train(_config(tiny_vae_dir, 4), out, resume=True, progress=False, trust_pickle=True)
    assert not ran.exists()        # trusted, yet not needed: the state comes from safetensors + JSON
    assert [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3, 4]


def test_an_older_accelerate_checkpoint_resumes_exactly_with_trust_pickle(tiny_vae_dir, tmp_path, monkeypatch):
    def accelerate_save_state(accelerator, folder, model, parts):   # what seine_lite wrote before
        if parts["ema"] not in accelerator._custom_objects:
            accelerator.register_for_checkpointing(parts["ema"])
        accelerator.save_state(str(folder))

    straight, old = tmp_path / "straight", tmp_path / "old"
    train(_config(tiny_vae_dir, 4), straight, progress=False)
    with monkeypatch.context() as patch:
        patch.setattr(run_folder, "save_state", accelerate_save_state)
        train(_config(tiny_vae_dir, 2), old, progress=False)
    assert (old / "checkpoints" / "step_0000002" / "random_states_0.pkl").exists()
    with pytest.raises(ValueError, match="is a pickle file"):
        train(_config(tiny_vae_dir, 4), old, resume=True, progress=False)
    train(_config(tiny_vae_dir, 4), old, resume=True, progress=False, trust_pickle=True)
    assert _losses(old) == _losses(straight)
    assert all(n.endswith((".json", ".safetensors")) for n in (p.name for p in (old / "checkpoints" / "step_0000004").iterdir()))


def test_a_damaged_checkpoint_is_named(tiny_vae_dir, tmp_path):
    out = tmp_path / "run"
    train(_config(tiny_vae_dir, 2), out, progress=False)
    (out / "checkpoints" / "step_0000002" / "optimizer.json").write_text("{")
    with pytest.raises(ValueError, match=r"^resume: could not read '.*optimizer\.json'"):
        train(_config(tiny_vae_dir, 4), out, resume=True, progress=False)
    (out / "checkpoints" / "step_0000002" / "optimizer.json").unlink()
    with pytest.raises(ValueError, match="is incomplete"):
        train(_config(tiny_vae_dir, 4), out, resume=True, progress=False)
