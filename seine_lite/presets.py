"""Named sizes: `tiny` for tests, `cpu` for the bundled model, `lab` for a classroom GPU."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    num_frames: int          # frames per clip
    size: int                # square frame side in pixels
    vae_factor: int = 4      # pixels per latent cell (AutoencoderKL with 3 levels)

    @property
    def latent_size(self) -> int:
        return self.size // self.vae_factor


PRESETS = {
    "tiny": Preset("tiny", num_frames=4, size=32),
    "cpu": Preset("cpu", num_frames=16, size=64),
    "lab": Preset("lab", num_frames=16, size=128),
}


def get_preset(name: str) -> Preset:
    """Look a preset up by name; a clear error lists the names that exist."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[name]
