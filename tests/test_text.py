"""Text encoders: MiniLM (bundled), CLIP from a local SD folder, null, and the cache."""
import json
import os
import shutil

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from seine_lite.text import (MINILM_SHA256, CachedTextEncoder, CLIPTextEncoder, MiniLMTextEncoder,  # noqa: E402
                             TextEncoder, load_text_encoder, minilm_path, sha256_of)

CAPTION = "a red circle moving left on a black background"


@pytest.fixture(scope="module")
def minilm():
    return MiniLMTextEncoder(max_length=16)


def test_minilm_shapes_mask_and_determinism(minilm):
    states, mask = minilm.encode([CAPTION, "", "a blue square growing on a gray background"])
    assert states.shape == (3, 16, 384) and states.dtype == torch.float32
    assert mask.shape == (3, 16) and mask.dtype == torch.bool
    assert mask[1].sum() == 2                       # "" is [CLS] [SEP]: the unconditional input
    assert mask[0].sum() > mask[1].sum() and not mask[0, -1]
    again, _ = minilm.encode([CAPTION, "", "a blue square growing on a gray background"])
    assert torch.equal(again, states)               # deterministic
    alone, _ = minilm.encode([CAPTION])
    assert torch.allclose(alone[0], states[0], atol=1e-5)   # independent of the rest of the batch
    assert not torch.allclose(states[0], states[2])  # different captions, different states
    assert minilm.dim == 384 and not minilm.model.training


def test_minilm_truncates_to_max_length(minilm):
    states, mask = minilm.encode(" ".join([CAPTION] * 10))
    assert states.shape == (1, 16, 384) and mask.all()


def test_minilm_checksum_is_verified(tmp_path):
    assert sha256_of(minilm_path() / "model.safetensors") == MINILM_SHA256
    folder = tmp_path / "minilm"
    shutil.copytree(minilm_path(), folder, ignore=shutil.ignore_patterns("model.safetensors"))
    with pytest.raises(FileNotFoundError, match="path"):
        MiniLMTextEncoder(folder)
    (folder / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(ValueError, match="sha256"):
        MiniLMTextEncoder(folder)


def write_tiny_clip_sd_folder(root):
    """A Stable Diffusion layout with a random 1-layer CLIP text model and a tiny BPE tokenizer."""
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer
    letters = "abcdefghijklmnopqrstuvwxyz"
    tokens = list(letters) + [c + "</w>" for c in letters] + ["re", "red</w>", "<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate(tokens)}
    (root / "vocab.json").write_text(json.dumps(vocab))
    (root / "merges.txt").write_text("#version: 0.2\nr e\nre d</w>\n")
    tokenizer = CLIPTokenizer(str(root / "vocab.json"), str(root / "merges.txt"), model_max_length=20)
    tokenizer.save_pretrained(root / "sd" / "tokenizer")
    config = CLIPTextConfig(vocab_size=len(vocab), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                            num_attention_heads=2, max_position_embeddings=20,
                            bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"],
                            pad_token_id=vocab["<|endoftext|>"])
    torch.manual_seed(0)
    CLIPTextModel(config).save_pretrained(root / "sd" / "text_encoder")
    return root / "sd"


def test_clip_from_local_sd_folder(tmp_path):
    sd = write_tiny_clip_sd_folder(tmp_path)
    encoder = load_text_encoder(str(sd))
    assert isinstance(encoder, CLIPTextEncoder) and encoder.dim == 16 and encoder.max_length == 20
    states, mask = encoder.encode(["a red circle", ""])
    assert states.shape == (2, 20, 16) and mask.dtype == torch.bool
    assert mask[1].sum() == 2 and mask[0].sum() > 2     # start + end tokens for ""
    assert torch.isfinite(states).all()
    assert torch.equal(encoder.encode(["a red circle"])[0][0], states[0])
    with pytest.raises(FileNotFoundError, match="sd_folder"):
        CLIPTextEncoder(tmp_path)                      # no text_encoder/ there


def test_null_encoder():
    encoder = load_text_encoder("null", dim=8, max_length=5)
    states, mask = encoder.encode(["anything", ""])
    assert states.shape == (2, 5, 8) and not states.any()
    assert mask.tolist() == [[True, False, False, False, False]] * 2
    with pytest.raises(ValueError, match="prompts"):
        encoder.encode([1, 2])


class CountingEncoder(TextEncoder):
    """Encodes a caption as its length, counting calls and captions seen."""

    def __init__(self):
        self.dim, self.max_length, self.calls, self.seen = 3, 4, 0, []

    def encode(self, prompts):
        self.calls += 1
        self.seen += list(prompts)
        states = torch.tensor([float(len(p)) for p in prompts])[:, None, None].expand(-1, 4, 3).clone()
        return states, torch.ones(len(prompts), 4, dtype=torch.bool)


def test_cached_encoder_encodes_each_caption_once():
    inner = CountingEncoder()
    cached = CachedTextEncoder(inner)
    states, mask = cached.encode(["ab", "abc", "ab"])
    assert inner.calls == 1 and inner.seen == ["ab", "abc"]
    assert states[:, 0, 0].tolist() == [2.0, 3.0, 2.0] and mask.all()
    states, _ = cached.encode(["abc", "", "ab"])
    assert inner.calls == 2 and inner.seen == ["ab", "abc", ""]
    assert states[:, 0, 0].tolist() == [3.0, 0.0, 2.0]
    cached.encode(["", "abc"])
    assert inner.calls == 2                            # everything served from the cache
    assert (cached.dim, cached.max_length) == (3, 4)


def test_cached_minilm_matches_uncached(minilm):
    cached = CachedTextEncoder(minilm)
    a, ma = cached.encode([CAPTION, ""])
    b, mb = cached.encode(["", CAPTION])
    assert torch.equal(a[0], b[1]) and torch.equal(ma, mb.flip(0))


def test_bad_names_are_reported():
    with pytest.raises(FileNotFoundError, match="name"):
        load_text_encoder("no-such-encoder")
    with pytest.raises(ValueError, match="encoder"):
        CachedTextEncoder("minilm")
