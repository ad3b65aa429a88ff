"""Shared fixtures: tiny models built in seconds, nothing downloaded."""
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest  # noqa: E402
import torch  # noqa: E402


@pytest.fixture(scope="session")
def tiny_vae_dir(tmp_path_factory):
    """A randomly initialised 3-level AutoencoderKL (4x down), saved as a VAE folder."""
    from seine_lite.vae import VAEConfig, build_vae

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny_vae")
    build_vae(VAEConfig(block_out_channels=(8, 8, 8), norm_num_groups=4)).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_vae_dir):
    """A complete model folder at the tiny preset: random UNet (temporal layers switched on), tiny VAE."""
    from seine_lite.model_folder import save_model_folder
    from seine_lite.presets import get_preset
    from seine_lite.unet import VideoUNet, unet_config_for
    from seine_lite.vae import load_vae

    torch.manual_seed(0)
    unet = VideoUNet(**unet_config_for("tiny", text_dim=384))
    with torch.no_grad():  # an untrained UNet outputs zeros; give every weight a value
        for p in unet.parameters():
            if p.abs().sum() == 0 and p.ndim > 1:
                p.normal_(0, 0.05)
    preset = get_preset("tiny")
    meta = {"preset": "tiny", "num_frames": preset.num_frames, "size": preset.size, "latent_channels": 4,
            "schedule": {}, "text_encoder": "null", "guidance_scale": 2.0}
    path = tmp_path_factory.mktemp("tiny_model")
    save_model_folder(path, unet, load_vae(tiny_vae_dir), meta)
    return path


@pytest.fixture()
def tiny_pipe(tiny_model_dir):
    from seine_lite import SeinePipeline

    # scripts/gpu_check.sh runs the pipeline tests with SEINE_LITE_TEST_DEVICE=cuda
    pipe = SeinePipeline.from_pretrained(tiny_model_dir, device=os.environ.get("SEINE_LITE_TEST_DEVICE", "cpu"))
    pipe.set_progress_bar_config(disable=True)
    return pipe


@pytest.fixture()
def one_thread():
    """The tiny model runs fastest on one thread, above all on a shared CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def sample_bank(tmp_path_factory):
    """A photo bank made from the five bundled photographs (no download); tests must not change it."""
    from seine_lite.data.bank_samples import write_sample_bank

    return write_sample_bank(tmp_path_factory.mktemp("sample_bank"))


def residual_pipeline(model_dir, fill: str):
    """The tiny model with a zero output layer, read as a residual x_0-predicting model over `fill`:
    an untrained residual model, which returns its fill."""
    from seine_lite import SeinePipeline
    from seine_lite.conditioning import Conditioning
    from seine_lite.diffusion import NoiseSchedule
    from seine_lite.samplers import get_scheduler

    pipe = SeinePipeline.from_pretrained(model_dir)
    pipe.set_progress_bar_config(disable=True)
    torch.nn.init.zeros_(pipe.unet.conv_out.weight)
    torch.nn.init.zeros_(pipe.unet.conv_out.bias)
    pipe.meta.update(condition=fill, conditioning=Conditioning(fill=fill, residual=True).to_meta())
    pipe.schedule = NoiseSchedule(prediction_type="sample")
    pipe.scheduler = get_scheduler("ddim", pipe.schedule)
    return pipe
