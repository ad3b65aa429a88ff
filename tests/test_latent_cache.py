"""The latent cache is keyed on what the latents depend on: a new decoder reuses it, a new encoder does not."""
import torch

from seine_lite.latent_cache import DataConfig, _cache_key
from seine_lite.vae import load_vae


def test_cache_key_follows_the_encoder_not_the_decoder(tiny_vae_dir):
    vae, cfg = load_vae(tiny_vae_dir), DataConfig()
    key = _cache_key(cfg, "tiny", vae, "null")
    with torch.no_grad():
        vae.decoder.conv_out.weight.add_(1.0)
    assert _cache_key(cfg, "tiny", vae, "null") == key
    with torch.no_grad():
        vae.encoder.conv_in.weight.add_(1.0)
    assert _cache_key(cfg, "tiny", vae, "null") != key
    assert _cache_key(cfg, "cpu", vae, "null") != _cache_key(cfg, "tiny", vae, "null")
