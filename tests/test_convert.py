"""Pickles are never loaded by default; `seine-lite convert --trust-pickle` reads tensors only; nothing
that seine_lite did not write is removed (a full OUT, someone's OUT.partial)."""
import json
import os
import pickle
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from seine_lite.cli import main
from seine_lite.model_folder import PARTIAL_MARK, save_model_folder


class Boom:
    def __reduce__(self):
        return (print, ("this would run code",))


def test_convert_needs_trust_pickle_and_writes_safetensors(tmp_path, capsys):
    ckpt = tmp_path / "model.ckpt"
    torch.save({"state_dict": {"w": torch.arange(6.0).reshape(2, 3)}, "step": 3}, ckpt)
    assert main(["convert", str(ckpt), str(tmp_path / "out")]) == 2
    assert "--trust-pickle" in capsys.readouterr().err and not (tmp_path / "out").exists()
    assert main(["convert", str(ckpt), str(tmp_path / "out"), "--trust-pickle"]) == 0
    weights = load_file(str(tmp_path / "out" / "diffusion_pytorch_model.safetensors"))
    assert torch.equal(weights["w"], torch.arange(6.0).reshape(2, 3))


def test_a_pickle_with_code_is_refused_and_nothing_runs(tmp_path, capsys):
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps(Boom()))
    assert main(["convert", str(evil), str(tmp_path / "out"), "--trust-pickle"]) == 2
    captured = capsys.readouterr()
    assert "this would run code" not in captured.out
    assert "never run" in captured.err and len(captured.err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_not_a_pickle_suffix_is_named(tmp_path, capsys):
    (tmp_path / "w.safetensors").write_bytes(b"")
    assert main(["convert", str(tmp_path / "w.safetensors"), str(tmp_path / "o"), "--trust-pickle"]) == 2
    assert "checkpoint" in capsys.readouterr().err


# ---------------------------------------------------------------- nothing removed that seine_lite did not write

def _ckpt(tmp_path):
    ckpt = tmp_path / "model.ckpt"
    torch.save({"state_dict": {"w": torch.ones(2)}}, ckpt)
    return ckpt


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_convert_refuses_an_out_that_holds_files_unless_overwrite(tmp_path, capsys):
    ckpt, out = _ckpt(tmp_path), tmp_path / "out"
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "thesis.txt").write_text("three years of work")
    assert main(["convert", str(ckpt), str(out), "--trust-pickle"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "out: " in err and "--overwrite" in err, err
    assert _listing(out) == ["notes", "notes/thesis.txt"] and not (tmp_path / "out.partial").exists()
    a_file = tmp_path / "weights.txt"
    a_file.write_text("mine")
    assert main(["convert", str(ckpt), str(a_file), "--trust-pickle"]) == 2 and a_file.read_text() == "mine"

    assert main(["convert", str(ckpt), str(out), "--trust-pickle", "--overwrite"]) == 0
    assert _listing(out) == ["diffusion_pytorch_model.safetensors"]
    (tmp_path / "empty").mkdir()                      # an empty folder is a fine target
    assert main(["convert", str(ckpt), str(tmp_path / "empty"), "--trust-pickle"]) == 0
    assert _listing(tmp_path / "empty") == ["diffusion_pytorch_model.safetensors"]


def test_convert_refuses_a_partial_folder_it_did_not_write(tmp_path, capsys):
    ckpt = _ckpt(tmp_path)
    (tmp_path / "out.partial").mkdir()
    (tmp_path / "out.partial" / "keep.txt").write_text("someone's")
    assert main(["convert", str(ckpt), str(tmp_path / "out"), "--trust-pickle"]) == 2
    err = capsys.readouterr().err.strip()
    assert "out.partial' already exists and was not left by seine_lite" in err and len(err.splitlines()) == 1
    assert _listing(tmp_path / "out.partial") == ["keep.txt"] and not (tmp_path / "out").exists()


class _Part:
    """Stands in for a UNet / VAE: save_pretrained writes one small file (or fails)."""

    def __init__(self, fail=False):
        self.fail = fail

    def save_pretrained(self, path, safe_serialization=True):
        if self.fail:
            raise OSError(28, "No space left on device")
        Path(path).mkdir(parents=True)
        (Path(path) / "config.json").write_text("{}")


def _dead_pid():
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_save_model_folder_never_removes_a_partial_folder_it_did_not_write(tmp_path):
    out, partial = tmp_path / "model", tmp_path / "model.partial"
    partial.mkdir()
    (partial / "unet").mkdir()
    (partial / "unet" / "mine.txt").write_text("not seine_lite's")     # no mark: someone else's folder
    with pytest.raises(ValueError, match=r"^out: '.*model\.partial' already exists and was not left by seine_lite"):
        save_model_folder(out, _Part(), _Part(), {})
    assert _listing(partial) == ["unet", "unet/mine.txt"] and not out.exists()

    (partial / PARTIAL_MARK).write_text(json.dumps({"pid": _dead_pid(), "host": socket.gethostname()}))
    (partial / "notes.txt").write_text("added by hand")                # marked, but holds more than ours
    with pytest.raises(ValueError, match="was not left by seine_lite"):
        save_model_folder(out, _Part(), _Part(), {})
    assert (partial / "notes.txt").exists()

    (partial / "notes.txt").unlink()                                  # a write killed midway: cleared
    (partial / "unet" / "mine.txt").unlink()
    save_model_folder(out, _Part(), _Part(), {"size": 1})
    assert _listing(out) == ["seine_lite.json", "unet", "unet/config.json", "vae", "vae/config.json"]
    assert not partial.exists()


def test_save_model_folder_waits_for_a_live_writer_and_cleans_up_after_a_failure(tmp_path):
    out, partial = tmp_path / "model", tmp_path / "model.partial"
    partial.mkdir()
    (partial / PARTIAL_MARK).write_text(json.dumps({"pid": os.getppid(), "host": socket.gethostname()}))
    with pytest.raises(ValueError, match="is being written by another process"):
        save_model_folder(out, _Part(), _Part(), {})
    assert partial.exists()
    shutil.rmtree(partial)

    save_model_folder(out, _Part(), _Part(), {"size": 1})
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(OSError, match="No space left"):
        save_model_folder(out, _Part(), _Part(fail=True), {"size": 2})
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before   # the old model stays
    assert not partial.exists()                                       # and the partial folder it made is gone
