"""Named sizes, one table: `tiny` for tests, `cpu` for the bundled model, `lab` for a classroom GPU.

Each preset gives the clip (frames, frame side), the VAE's downsampling and the UNet's widths
(`unet`, the keyword arguments that `unet.unet_config_for` completes with the channel counts).
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    name: str
    num_frames: int          # frames per clip
    size: int                # square frame side in pixels
    vae_factor: int = 4      # pixels per latent cell (AutoencoderKL with 3 levels)
    unet: dict = field(default_factory=dict, compare=False)   # VideoUNet widths and attention levels

    @property
    def latent_size(self) -> int:
        return self.size // self.vae_factor


PRESETS = {
    # about 0.1 M UNet parameters (most in the text keys and values): tests and quick mode
    "tiny": Preset("tiny", num_frames=4, size=32, unet=dict(
        block_out_channels=(8, 16), layers_per_block=1, attention_levels=(False, True),
        attention_head_dim=8, ff_mult=2, norm_num_groups=4)),
    # 16 frames of 16x16 latents on a 2-core CPU: spatial attention at 8x8 and 4x4 only;
    # about 4.3 M parameters, about 1.5 s per training step of 8 clips on two cores
    "cpu": Preset("cpu", num_frames=16, size=64, unet=dict(
        block_out_channels=(32, 64, 128), layers_per_block=1, attention_levels=(False, True, True),
        attention_head_dim=32, ff_mult=2, norm_num_groups=32, text_pooled=True)),
    # 32x32 latents on a GPU: spatial attention from 16x16 down
    "lab": Preset("lab", num_frames=16, size=128, unet=dict(
        block_out_channels=(128, 256, 256), layers_per_block=2, attention_levels=(False, True, True),
        attention_head_dim=64, ff_mult=4, norm_num_groups=32, text_pooled=True)),
}


def get_preset(name: str, argument: str = "preset") -> Preset:
    """Look a preset up by name; a clear error lists the names that exist."""
    if name not in PRESETS:
        raise ValueError(f"{argument} must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[name]
