"""Pickles are never loaded by default; `seine-lite convert --trust-pickle` reads tensors only."""
import pickle

import torch
from safetensors.torch import load_file

from seine_lite.cli import main


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
