"""VideoUNet: shapes, the zero-initialised temporal identity, frame mixing, text masking,
relative positions, save/load, argument checks and gradient flow (tiny preset)."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402
import torch  # noqa: E402

from seine_lite.attention import TemporalAttention, apply_rotary, rotary_tables  # noqa: E402
from seine_lite.unet import TemporalConv, VideoUNet, pooled_text, unet_config_for  # noqa: E402

B, C, F, S, L = 2, 4, 4, 8, 5


pytestmark = pytest.mark.usefixtures("one_thread")   # conftest.py: tiny models run fastest on one thread


def tiny_unet(seed=0):
    torch.manual_seed(seed)
    return VideoUNet(**unet_config_for("tiny", latent_channels=C)).eval()


def pooled_unet(seed=0):
    torch.manual_seed(seed)
    return VideoUNet(**{**unet_config_for("tiny", latent_channels=C), "text_pooled": True}).eval()


def randomize_zero_inits(model, temporal=True, seed=1):
    """Give the zero-initialised output conv (and, if asked, the temporal output projections)
    random weights, as training would, so that those paths actually carry signal."""
    gen = torch.Generator().manual_seed(seed)
    targets = [model.conv_out]
    if temporal:
        targets += [m.attn.to_out for m in model.modules() if isinstance(m, TemporalAttention)]
    with torch.no_grad():
        for layer in targets:
            for p in layer.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * 0.2)
    return model


def inputs(seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(B, 2 * C + 1, F, S, S, generator=gen)
    t = torch.tensor([3, 700])
    text = torch.randn(B, L, 384, generator=gen)
    mask = torch.ones(B, L, dtype=torch.bool)
    mask[0, 3:] = False                       # clip 0 has two padding tokens
    return x, t, text, mask


def run(model, x, t, text, mask):
    with torch.no_grad():
        return model(x, t, text, mask)


def test_output_shape_and_finite():
    out = run(randomize_zero_inits(tiny_unet()), *inputs())
    assert out.shape == (B, C, F, S, S)
    assert torch.isfinite(out).all()


def test_temporal_block_is_identity_at_init():
    block = TemporalAttention(16, 8)
    tokens = torch.randn(6, F, 16)            # ((B H W), F, C)
    assert torch.equal(block(tokens), tokens)


def test_untrained_unet_treats_frames_independently():
    model = randomize_zero_inits(tiny_unet(), temporal=False)
    x, t, text, mask = inputs()
    x2 = x.clone()
    x2[:, :, 0] = torch.randn_like(x2[:, :, 0])
    a, b = run(model, x, t, text, mask), run(model, x2, t, text, mask)
    assert not torch.allclose(a[:, :, 0], b[:, :, 0])
    torch.testing.assert_close(a[:, :, 1:], b[:, :, 1:], rtol=0, atol=1e-6)


def test_temporal_attention_mixes_frames_once_trained():
    model = randomize_zero_inits(tiny_unet(), temporal=True)
    x, t, text, mask = inputs()
    x2 = x.clone()
    x2[:, :, 0] += 1.0
    a, b = run(model, x, t, text, mask), run(model, x2, t, text, mask)
    assert (a[:, :, 3] - b[:, :, 3]).abs().max() > 1e-4


def test_temporal_conv_is_identity_at_init():
    block = TemporalConv(8, 4)
    x = torch.randn(2 * F, 8, S, S)           # ((B F), C, H, W)
    assert torch.equal(block(x, F), x)


def test_temporal_conv_sees_only_the_neighbouring_frames():
    """Once trained, frame t hears frames t-1, t and t+1 of its own clip, and nothing else."""
    torch.manual_seed(0)
    block, frames = TemporalConv(8, 4), 6
    with torch.no_grad():
        block.conv.weight.normal_(std=0.3)
    x = torch.randn(2 * frames, 8, S, S)
    x2 = x.clone()
    x2[2] = torch.randn(8, S, S)              # clip 0, frame 2
    with torch.no_grad():
        changed = (block(x2, frames) - block(x, frames)).abs().amax(dim=(1, 2, 3)) > 1e-6
    assert changed.tolist() == [False, True, True, True, False, False] + [False] * frames


def test_unet_with_temporal_conv_starts_per_frame_and_round_trips(tmp_path):
    torch.manual_seed(0)
    model = VideoUNet(**{**unet_config_for("tiny", latent_channels=C), "temporal_conv": True}).eval()
    assert sum(isinstance(m, TemporalConv) for m in model.modules()) == 7   # 2 down, mid, 4 up
    randomize_zero_inits(model, temporal=False)
    x, t, text, mask = inputs()
    x2 = x.clone()
    x2[:, :, 0] = torch.randn_like(x2[:, :, 0])
    torch.testing.assert_close(run(model, x2, t, text, mask)[:, :, 1:], run(model, x, t, text, mask)[:, :, 1:],
                               rtol=0, atol=1e-6)
    model.save_pretrained(tmp_path)
    loaded = VideoUNet.from_pretrained(tmp_path).eval()
    assert loaded.config.temporal_conv is True
    assert torch.equal(run(loaded, x, t, text, mask), run(model, x, t, text, mask))


def test_time_order_matters_relative_positions():
    """Rotary positions: reversing the frames does not just reverse the output."""
    model = randomize_zero_inits(tiny_unet(), temporal=True)
    x, t, text, mask = inputs()
    out = run(model, x, t, text, mask)
    out_rev = run(model, x.flip(2), t, text, mask)
    assert (out_rev.flip(2) - out).abs().max() > 1e-4


def test_rotary_scores_depend_only_on_relative_position():
    torch.manual_seed(0)
    cos, sin = rotary_tables(12, 8, "cpu", torch.float64)
    q, k = torch.randn(8, dtype=torch.float64), torch.randn(8, dtype=torch.float64)
    q_rot = apply_rotary(q.expand(12, 8), cos, sin)
    k_rot = apply_rotary(k.expand(12, 8), cos, sin)
    scores = q_rot @ k_rot.T                  # scores[m, n] = q at m . k at n
    for shift in (1, 5):
        torch.testing.assert_close(scores[shift:, shift:], scores[:-shift, :-shift],
                                   rtol=0, atol=1e-5)
    assert not torch.allclose(scores[0, 1], scores[0, 3])


@pytest.mark.parametrize("make", [tiny_unet, pooled_unet], ids=["cross-attention", "pooled-too"])
def test_padding_tokens_are_ignored(make):
    model = randomize_zero_inits(make())
    x, t, text, mask = inputs()
    out = run(model, x, t, text, mask)
    padded = text.clone()
    padded[0, 3:] = torch.randn_like(padded[0, 3:]) * 10
    torch.testing.assert_close(run(model, x, t, padded, mask), out, rtol=0, atol=1e-6)
    real = text.clone()
    real[0, :3] = torch.randn_like(real[0, :3])
    assert (run(model, x, t, real, mask)[0] - out[0]).abs().max() > 1e-4


@pytest.mark.parametrize("make", [tiny_unet, pooled_unet], ids=["cross-attention", "pooled-too"])
def test_empty_caption_mask_means_no_text(make):
    model = randomize_zero_inits(make())
    x, t, text, _ = inputs()
    none_real = torch.zeros(B, L, dtype=torch.bool)
    out = run(model, x, t, text, none_real)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out, run(model, x, t, None, None), rtol=0, atol=1e-6)


def test_clips_in_a_batch_do_not_interact():
    model = randomize_zero_inits(tiny_unet())
    x, t, text, mask = inputs()
    out = run(model, x, t, text, mask)
    x2, text2 = x.clone(), text.clone()
    x2[1], text2[1] = torch.randn_like(x2[1]), torch.randn_like(text2[1])
    torch.testing.assert_close(run(model, x2, t, text2, mask)[0], out[0], rtol=0, atol=1e-6)


def test_scalar_timestep_and_seeded_construction_are_repeatable():
    x, t, text, mask = inputs()
    a = run(randomize_zero_inits(tiny_unet(seed=3)), x, torch.tensor([5, 5]), text, mask)
    b = run(randomize_zero_inits(tiny_unet(seed=3)), x, 5, text, mask)
    assert torch.equal(a, b)


def test_save_load_round_trip(tmp_path):
    model = randomize_zero_inits(tiny_unet())
    model.save_pretrained(tmp_path)
    assert (tmp_path / "config.json").exists()
    assert (tmp_path / "diffusion_pytorch_model.safetensors").exists()
    loaded = VideoUNet.from_pretrained(tmp_path).eval()
    assert tuple(loaded.config.block_out_channels) == tuple(model.config.block_out_channels)
    args = inputs()
    assert torch.equal(run(loaded, *args), run(model, *args))


def test_unet_config_for_bad_preset():
    with pytest.raises(ValueError, match="huge"):
        unet_config_for("huge")


@pytest.mark.parametrize("name", ["tiny", "cpu", "lab"])
def test_unet_config_for_presets(name):
    cfg = unet_config_for(name, latent_channels=3, text_dim=64)
    assert (cfg["in_channels"], cfg["out_channels"], cfg["text_dim"]) == (7, 3, 64)


def test_bad_inputs_raise_value_errors_naming_them():
    model = tiny_unet()
    x, t, text, mask = inputs()
    with pytest.raises(ValueError, match="x must"):
        model(x[:, :-1], t, text, mask)
    with pytest.raises(ValueError, match="x's h and w"):
        model(x[..., :7, :7], t, text, mask)
    with pytest.raises(ValueError, match="text_states"):
        model(x, t, text[..., :100], mask)
    with pytest.raises(ValueError, match="text_mask"):
        model(x, t, text, mask[:, :2])
    with pytest.raises(ValueError, match="timesteps"):
        model(x, torch.tensor([1, 2, 3]), text, mask)


def test_gradient_reaches_every_parameter():
    model = randomize_zero_inits(tiny_unet()).train()
    x, t, text, mask = inputs()
    model(x, t, text, mask).square().mean().backward()
    missing = [n for n, p in model.named_parameters()
               if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, missing


def test_zero_inits_get_gradient_from_the_start():
    """Training can start from the zero-initialised output conv: it gets a gradient."""
    model = tiny_unet().train()
    x, t, text, mask = inputs()
    out = model(x, t, text, mask)
    assert torch.equal(out, torch.zeros_like(out))
    out.sum().backward()
    assert model.conv_out.weight.grad.abs().sum() > 0


def test_pooled_text_reaches_the_levels_without_cross_attention():
    """With text_pooled, the prompt moves the first level's ResBlock (which has no cross-attention)."""
    x, t, text, mask = inputs()
    other = text.clone()
    other[1, :2] = torch.randn_like(other[1, :2])
    outputs = {}
    for pooled in (False, True):
        model = pooled_unet() if pooled else tiny_unet()
        first = model.down[0].layers[0].res                     # 16x16-style level: ResBlock only
        seen = []
        first.register_forward_hook(lambda module, args, out: seen.append(out))
        run(model, x, t, text, mask), run(model, x, t, other, mask)
        outputs[pooled] = (seen[1] - seen[0]).abs().max().item()
    assert outputs[False] == 0 and outputs[True] > 1e-4


def test_pooled_text_mean_of_real_tokens():
    states = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    torch.testing.assert_close(pooled_text(states, torch.tensor([[True, True, False]])), torch.tensor([[2.0, 3.0]]))
    torch.testing.assert_close(pooled_text(states, None), states.mean(1))
