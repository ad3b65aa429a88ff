"""A full disk while training or saving, by injection: each writer keeps the old file, leaves no
temporary, names the file; every command says so in one line with exit code 1."""
import errno
import json
import shutil
from pathlib import Path

import pytest
import torch
from accelerate import Accelerator
from matplotlib.figure import Figure

from seine_lite import atomic, latent_cache, model_folder, run_folder, vae_train
from seine_lite.cli import main
from seine_lite.cli.vae_train import main as vae_train_main
from seine_lite.latent_cache import DataConfig, build_latent_cache
from seine_lite.model_folder import save_model_folder
from seine_lite.run_folder import plot_loss, record_leg, save_checkpoint, write_metrics
from seine_lite.text import load_text_encoder
from seine_lite.train import TrainConfig, train
from seine_lite.unet import VideoUNet, unet_config_for
from seine_lite.vae import load_vae

FULL = "No space left on device"


def _full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, FULL)


def _half_then_full(path, *args, **kwargs):
    Path(path).write_bytes(b"half a file")
    _full_disk()


def _save_file_full(tensors, path, *args, **kwargs):    # safetensors' save_file(tensors, filename)
    _half_then_full(path)


def _savefig_full(figure, path, *args, **kwargs):           # Figure.savefig, patched on the class
    _half_then_full(path)


def _files(folder: Path) -> dict:
    """Every file under `folder` and its bytes: what must not change."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _temporaries(folder: Path) -> list:
    return [str(p) for p in folder.rglob("*") if ".tmp" in p.name or "partial" in p.name or "tmp_step" in p.name]


def _fails_naming(target: Path, call):
    with pytest.raises(OSError, match=FULL) as failed:
        call()
    message = str(failed.value)
    assert failed.value.errno == errno.ENOSPC and str(target) in message and len(message.splitlines()) == 1
    assert type(failed.value) is OSError      # never FileNotFoundError & co: the CLI's exit 2 is for bad input


def _one_line_exit_1(code: int, capsys, target: Path):
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip() and "%|" not in line]   # no bars
    err = "\n".join(lines)
    assert code == 1 and len(lines) == 1, err
    assert "error: could not write" in err and str(target) in err and FULL in err, err


# ---------------------------------------------------------------- the run folder's files

@pytest.mark.parametrize("how", ["write", "rename"])
@pytest.mark.parametrize("name", ["metrics.jsonl", "legs.json", "loss.png"])
def test_run_files_keep_the_old_version(tmp_path, monkeypatch, name, how):
    rows = [{"step": s, "loss": 1.0 / s} for s in (1, 2)]
    write_metrics(tmp_path, rows, keep_until=0)
    record_leg(tmp_path, 0, 2, 60.0, None)
    plot_loss(tmp_path)
    before = _files(tmp_path)
    if how == "rename":
        monkeypatch.setattr(atomic.os, "replace", _full_disk)
    elif name == "loss.png":
        monkeypatch.setattr(Figure, "savefig", _savefig_full)
    else:
        monkeypatch.setattr(Path, "write_text", _half_then_full)
    write = {"metrics.jsonl": lambda: write_metrics(tmp_path, [{"step": 3, "loss": 0.1}], keep_until=2),
             "legs.json": lambda: record_leg(tmp_path, 2, 4, 60.0, None), "loss.png": lambda: plot_loss(tmp_path)}
    _fails_naming(tmp_path / name, write[name])
    assert _files(tmp_path) == before and not _temporaries(tmp_path)


def _tiny_accelerator_parts():
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    return Accelerator(), model, {"optimizer": optimizer}


@pytest.mark.parametrize("where", ["save_file", "json", "rename", "ctrl-c"])
def test_a_failed_checkpoint_keeps_the_last_one(tmp_path, monkeypatch, where):
    accelerator, model, parts = _tiny_accelerator_parts()
    save_checkpoint(accelerator, tmp_path, 1, 3, model, parts)
    before = _files(tmp_path)
    if where == "save_file":
        monkeypatch.setattr(run_folder, "save_file", _save_file_full)
    elif where == "json":
        monkeypatch.setattr(Path, "write_text", _half_then_full)
    elif where == "rename":
        monkeypatch.setattr(run_folder.os, "replace", _full_disk)
    else:
        def interrupted(*args, **kwargs):
            raise KeyboardInterrupt
        monkeypatch.setattr(run_folder, "save_file", interrupted)
    target = tmp_path / "checkpoints" / "step_0000002"
    if where == "ctrl-c":
        with pytest.raises(KeyboardInterrupt):
            save_checkpoint(accelerator, tmp_path, 2, 3, model, parts)
    else:
        _fails_naming(target, lambda: save_checkpoint(accelerator, tmp_path, 2, 3, model, parts))
    assert _files(tmp_path) == before and not _temporaries(tmp_path) and not target.exists()


# ---------------------------------------------------------------- model folder, latent cache, VAE run

@pytest.fixture()
def model_copy(tiny_model_dir, tmp_path):
    out = tmp_path / "model"
    shutil.copytree(tiny_model_dir, out)
    (out / "checkpoints").mkdir()
    (out / "checkpoints" / "keep.txt").write_text("beside the model")
    return out


@pytest.mark.parametrize("how", ["weights", "meta", "second move"])
def test_a_failed_model_folder_keeps_the_old_model(model_copy, tiny_vae_dir, monkeypatch, how):
    unet, vae = VideoUNet(**unet_config_for("tiny", text_dim=384)), load_vae(tiny_vae_dir)
    before = _files(model_copy)
    if how == "weights":
        monkeypatch.setattr("safetensors.torch.save_file", _save_file_full)
    elif how == "meta":
        write_text = Path.write_text

        def meta_full(self, *args, **kwargs):
            if self.name == model_folder.META_NAME:
                _half_then_full(self)
            return write_text(self, *args, **kwargs)
        monkeypatch.setattr(Path, "write_text", meta_full)
    else:   # the rename of vae/ fails after unet/ moved in: unet/ goes back, nothing mixes two models
        replace = atomic.os.replace

        def fail_on_vae(src, dst):
            if Path(src).name == "vae" and Path(src).parent.name == "model.partial":   # the new vae/ only
                _full_disk()
            replace(src, dst)
        monkeypatch.setattr(atomic.os, "replace", fail_on_vae)
    _fails_naming(model_copy, lambda: save_model_folder(model_copy, unet, vae, {"num_frames": 4}))
    assert _files(model_copy) == before and not _temporaries(model_copy.parent)


def test_a_failed_latent_cache_leaves_no_file(tiny_vae_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(latent_cache, "save_file", _save_file_full)
    with pytest.raises(OSError, match=FULL) as failed:
        build_latent_cache(DataConfig(num_clips=2, seed=1), "tiny", load_vae(tiny_vae_dir), load_text_encoder("null"),
                           "null", cache_dir=tmp_path / "cache", progress=False)
    assert "latents-" in str(failed.value) and not _temporaries(tmp_path)
    assert not list((tmp_path / "cache").glob("*.safetensors"))


def test_a_failed_vae_run_keeps_the_old_files(tiny_vae_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(vae_train, "held_out_psnr", lambda *a, **k: {})
    out, config, vae = tmp_path / "vae", vae_train.VAETrainConfig(), load_vae(tiny_vae_dir)
    vae_train.save_run(vae, [1.0, 0.5], config, out, seconds=1.0, progress=False)
    before = _files(out)
    monkeypatch.setattr(Path, "write_text", _half_then_full)
    _fails_naming(out, lambda: vae_train.save_run(vae, [0.4, 0.3], config, out, seconds=1.0, progress=False))
    assert _files(out) == before and not _temporaries(tmp_path)


# ---------------------------------------------------------------- legs.json never ahead of the model

def test_legs_are_written_only_after_the_model(tiny_vae_dir, tmp_path, monkeypatch):
    cfg = TrainConfig(preset="tiny", data=DataConfig(num_clips=4, seed=1), steps=1, batch_size=1,
                      checkpoint_every=1, warmup_steps=1, text_encoder="null", vae=str(tiny_vae_dir))
    out = tmp_path / "run"
    train(cfg, out, progress=False)
    legs = (out / "legs.json").read_text()
    monkeypatch.setattr("seine_lite.train.export", _full_disk)
    cfg.steps = 2
    with pytest.raises(OSError, match=FULL):
        train(cfg, out, resume=True, progress=False)
    assert (out / "legs.json").read_text() == legs and json.loads(legs)[-1]["to_step"] == 1
    assert (out / "checkpoints" / "step_0000002").is_dir()   # the checkpoint is kept: --resume re-exports


# ---------------------------------------------------------------- every command: one line, exit 1

def _train_args(tiny_vae_dir, out):
    return ["train", "--preset", "tiny", "--text-encoder", "null", "--vae", str(tiny_vae_dir), "--num-clips", "4",
            "--steps", "1", "--batch-size", "1", "--checkpoint-every", "1", "--out", str(out), "--no-progress"]


@pytest.mark.parametrize("file", ["train_config.json", "checkpoints/step_0000001"])
def test_train_cli_full_disk_is_one_line_exit_1(tiny_vae_dir, tmp_path, capsys, monkeypatch, file):
    out = tmp_path / "run"
    if file == "train_config.json":
        monkeypatch.setattr(Path, "write_text", _half_then_full)
    else:
        monkeypatch.setattr(run_folder, "save_file", _save_file_full)
    _one_line_exit_1(main(_train_args(tiny_vae_dir, out)), capsys, out / file)
    assert not _temporaries(tmp_path) and not (out / file).exists()


def test_eval_cli_full_disk_is_one_line_exit_1(tiny_model_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("seine_lite.cli.evaluate.evaluate", lambda pipe, **kw: {"passed": {"x": True}, "seconds": 0.0})
    monkeypatch.setattr("seine_lite.cli.evaluate.markdown_table", lambda result, title: "| x |")
    monkeypatch.setattr(Path, "write_text", _half_then_full)
    code = main(["eval", "--model", str(tiny_model_dir), "--out", str(tmp_path / "ev"), "--no-progress"])
    _one_line_exit_1(code, capsys, tmp_path / "ev" / "eval.json")
    assert not _temporaries(tmp_path)


def test_convert_cli_full_disk_is_one_line_exit_1(tmp_path, capsys, monkeypatch):
    torch.save({"w": torch.ones(2)}, tmp_path / "model.pt")
    monkeypatch.setattr("seine_lite.convert.save_file", _save_file_full)
    code = main(["convert", str(tmp_path / "model.pt"), str(tmp_path / "out"), "--trust-pickle"])
    _one_line_exit_1(code, capsys, tmp_path / "out")
    assert not _temporaries(tmp_path) and not (tmp_path / "out").exists()


def test_data_cli_full_disk_is_one_line_exit_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(atomic.os, "replace", _full_disk)
    _one_line_exit_1(main(["data", "photos", "--samples", "--out", str(tmp_path / "bank")]), capsys, tmp_path / "bank")
    assert not _temporaries(tmp_path)


def test_demo_cli_full_disk_is_one_line_exit_1(tiny_model_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(Figure, "savefig", _savefig_full)
    code = main(["demo", "--model", str(tiny_model_dir), "--out", str(tmp_path / "o"), "--steps", "1",
                 "--no-progress", "--device", "cpu"])
    _one_line_exit_1(code, capsys, tmp_path / "o" / "vae_roundtrip.png")
    assert not _temporaries(tmp_path)


def test_vae_train_cli_full_disk_is_one_line_exit_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(vae_train, "held_out_psnr", lambda *a, **k: {})
    monkeypatch.setattr(Path, "write_text", _half_then_full)
    code = vae_train_main(["--size", "16", "--crop", "8", "--steps", "1", "--batch-size", "2", "--clips", "1",
                           "--frames-per-clip", "2", "--out", str(tmp_path / "vae")])
    _one_line_exit_1(code, capsys, tmp_path / "vae")
    assert not _temporaries(tmp_path) and not (tmp_path / "vae").exists()
