"""Issue 13's UNet options: the frame-index embedding, SEINE's relative position bias and the
word path. Zero-initialised parts leave an untrained UNet unchanged; with weights, they carry
what they are for; `save_pretrained` / `from_pretrained` keeps them; impossible values fail."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402
import torch  # noqa: E402

from seine_lite.frame_position import FrameEmbedding, RelativePositionBias, relative_position_bucket  # noqa: E402
from seine_lite.unet import VideoUNet, unet_config_for  # noqa: E402
from seine_lite.word_path import WordPath  # noqa: E402

B, C, F, S, L, D = 2, 4, 4, 8, 5, 384
NEW = dict(frame_positions=8, relative_position_bias=True)


pytestmark = pytest.mark.usefixtures("one_thread")   # conftest.py: tiny models run fastest on one thread


def unet(seed=0, **options):
    torch.manual_seed(seed)
    model = VideoUNet(**unet_config_for("tiny", latent_channels=C), **options).eval()
    with torch.no_grad():   # the output conv and the temporal projections as training would leave them
        gen = torch.Generator().manual_seed(seed + 1)
        for name, p in model.named_parameters():
            if name.startswith("conv_out") or ".temporal.attn.to_out" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
    return model


def inputs(seed=0, width=D):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(B, 2 * C + 1, F, S, S, generator=gen), torch.tensor([3, 700]),
            torch.randn(B, L, width, generator=gen), torch.ones(B, L, dtype=torch.bool))


@torch.no_grad()
def test_zero_initialised_positions_leave_the_output_unchanged():
    """The frame embedding adds exact zeros; a zero bias only sends attention through the masked
    kernel of `scaled_dot_product_attention`, which rounds differently in the last bits."""
    plain = unet()
    args = inputs()
    for options, exact in ((dict(frame_positions=8), True), (NEW, False)):
        positioned = unet(**options)
        missing, unexpected = positioned.load_state_dict(plain.state_dict(), strict=False)
        assert not unexpected and missing and all("frame_embedding" in k or "position_bias" in k for k in missing)
        if exact:
            assert torch.equal(plain(*args), positioned(*args))
        else:
            torch.testing.assert_close(positioned(*args), plain(*args), rtol=0, atol=1e-5)


def test_frame_embedding_gives_each_frame_its_own_vector_once_trained():
    emb = FrameEmbedding(16, 32, 64)
    assert torch.equal(emb(16, "cpu", torch.float32), torch.zeros(16, 64))   # zero at init
    torch.nn.init.normal_(emb.mlp[2].weight)
    out = emb(16, "cpu", torch.float32)
    distances = torch.cdist(out, out) + torch.eye(16)
    assert distances.min() > 1e-3                                        # 16 different embeddings


@torch.no_grad()
def test_frame_embedding_breaks_the_symmetry_between_identical_frames():
    """Four identical frames: without an index every frame gets the same output; with one, not."""
    x, t, text, mask = inputs()
    x = x[:, :, :1].expand(-1, -1, F, -1, -1).contiguous()
    for frames_differ, model in ((False, unet()), (True, unet(**NEW))):
        if frames_differ:
            torch.nn.init.normal_(model.frame_embedding.mlp[2].weight, std=0.5)
        out = model(x, t, text, mask)
        spread = (out - out[:, :, :1]).abs().max().item()
        assert (spread > 1e-4) == frames_differ, spread


def test_relative_position_buckets_are_signed_and_exact_nearby():
    index = torch.arange(16)
    buckets = relative_position_bucket(index[:, None] - index[None, :], 32, 32)
    assert buckets.min() >= 0 and buckets.max() < 32
    assert torch.equal(buckets.diagonal(), torch.zeros(16, dtype=torch.long))
    assert buckets[0, 1] != buckets[1, 0]                                 # before and after differ
    assert len({int(buckets[0, j]) for j in range(1, 8)}) == 7            # exact for small distances
    assert all(buckets[i, j] == buckets[i + 1, j + 1] for i in range(15) for j in range(15))


def test_relative_position_bias_starts_at_zero_and_changes_temporal_attention():
    bias = RelativePositionBias(heads=2, num_buckets=32)
    assert torch.equal(bias(6, "cpu"), torch.zeros(2, 6, 6))
    model = unet(**NEW)
    x, t, text, mask = inputs()
    with torch.no_grad():
        before = model(x, t, text, mask)
        for m in model.modules():
            if isinstance(m, RelativePositionBias):
                torch.nn.init.normal_(m.bias.weight, std=2.0)
        assert (model(x, t, text, mask) - before).abs().max() > 1e-4


@torch.no_grad()
def test_word_path_separates_words_whose_context_states_agree():
    """Two captions with equal context states but different word vectors: the path tells them apart,
    by about the length it starts at (a token state's size), not by a small fraction of it."""
    path = WordPath(D, D, scale=8.0)
    context = torch.randn(1, L, D)
    words_a, words_b = torch.randn(1, L, D), torch.randn(1, L, D)
    a, b = path(torch.cat([context, words_a], -1)), path(torch.cat([context, words_b], -1))
    assert a.shape == (1, L, D)
    gap = (a - b).norm(dim=-1)
    assert torch.allclose(gap, (8.0 * (torch.nn.functional.normalize(words_a, dim=-1)
                                       - torch.nn.functional.normalize(words_b, dim=-1))).norm(dim=-1), atol=1e-4)
    assert gap.min() > 5.0


@torch.no_grad()
def test_unet_with_words_reads_the_wider_states_and_hears_the_word():
    model = unet(text_words=D, text_pooled=True)
    x, t, text, mask = inputs(width=2 * D)
    other = text.clone()
    other[:, 2, D:] = torch.randn(B, D)                                   # one word changed, context equal
    assert (model(x, t, text, mask) - model(x, t, other, mask)).abs().max() > 1e-4
    with pytest.raises(ValueError, match=f"text_states must be .*{2 * D}"):
        model(x, t, text[..., :D], mask)


def test_options_survive_save_and_load(tmp_path):
    model = unet(text_words=D, **NEW)
    with torch.no_grad():
        torch.nn.init.normal_(model.frame_embedding.mlp[2].weight)
    model.save_pretrained(tmp_path)
    loaded = VideoUNet.from_pretrained(tmp_path).eval()
    for name in ("text_words", "frame_positions", "relative_position_bias", "relative_position_buckets"):
        assert loaded.config[name] == model.config[name], name
    args = inputs(width=2 * D)
    with torch.no_grad():
        assert torch.equal(loaded(*args), model(*args))


def test_an_older_folder_loads_with_the_options_off(tmp_path):
    unet().save_pretrained(tmp_path)
    loaded = VideoUNet.from_pretrained(tmp_path)
    assert (loaded.config.text_words, loaded.config.frame_positions, loaded.config.relative_position_bias) == \
        (0, 0, False)
    assert loaded.frame_embedding is None and loaded.word_path is None


@pytest.mark.parametrize("options, match", [
    (dict(relative_position_bias=True, relative_position_buckets=0), "relative_position_buckets"),
    (dict(relative_position_bias=True, relative_position_buckets=3), "relative_position_buckets"),
    (dict(frame_positions=-2), "frame_positions"),
    (dict(text_words=D, text_word_scale=0.0), "text_word_scale"),
])
def test_impossible_option_values_raise_value_errors_naming_them(options, match):
    with pytest.raises(ValueError, match=match):
        VideoUNet(**unet_config_for("tiny", latent_channels=C), **options)


def test_more_frames_than_the_embedding_encodes_is_a_value_error():
    model = unet(frame_positions=2)
    with pytest.raises(ValueError, match="frame_positions=2"):
        model(*inputs())
