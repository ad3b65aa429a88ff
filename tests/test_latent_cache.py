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



def test_two_writers_of_one_cache_do_not_collide(tiny_vae_dir, tmp_path, monkeypatch):
    """Two training ranks write the same cache at once (this once made rank 0 fail): here a second
    "process" writes and publishes the whole cache while the first is between writing and renaming."""
    import os

    from seine_lite import latent_cache
    from seine_lite.text import CachedTextEncoder, load_text_encoder

    vae, cfg = load_vae(tiny_vae_dir), DataConfig(data="shapes", num_clips=2)
    text = CachedTextEncoder(load_text_encoder("null"))
    real_save, pid = latent_cache.save_file, os.getpid()

    def save_then_let_the_other_process_finish(tensors, filename):
        real_save(tensors, filename)
        if os.getpid() == pid:
            monkeypatch.setattr(os, "getpid", lambda: pid + 1)
            latent_cache.build_latent_cache(cfg, "tiny", vae, text, "null", cache_dir=tmp_path, progress=False)
            monkeypatch.setattr(os, "getpid", lambda: pid)

    monkeypatch.setattr(latent_cache, "save_file", save_then_let_the_other_process_finish)
    first = latent_cache.build_latent_cache(cfg, "tiny", vae, text, "null", cache_dir=tmp_path, progress=False)
    (cached,) = tmp_path.glob("latents-*.safetensors")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([cached.name, cached.with_suffix(".json").name])
    again = latent_cache.build_latent_cache(cfg, "tiny", vae, text, "null", cache_dir=tmp_path, progress=False)
    assert torch.equal(first.latents, again.latents)
