"""The video autoencoder: a small image VAE applied frame by frame.

SEINE (like LaVie and Stable Diffusion) diffuses in the latent space of a
frame-wise `AutoencoderKL`: every frame is encoded on its own, and the video
latent is the stack of frame latents, `z0 = s * E(x)` with `s` the scaling
factor that gives the latents unit variance (SD's 0.18215; for the VAE trained
here, 1/std of its latents, measured after training).

seine_lite ships a compact VAE (3 levels, 4x downsampling, ~1 M parameters)
trained here from scratch on shapes-world, transition and photo clips
(`python -m seine_lite.cli.vae_train`, `scripts/train_vae.sh`). A Stable Diffusion
VAE from a local folder (`<sd>/vae/`) loads through the same `load_vae`.

Pixel convention: videos are uint8 `(F, H, W, 3)` / `(B, F, H, W, 3)` (mediapy's
layout) or float model-space tensors `(B, 3, F, H, W)` in [-1, 1].
"""
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from diffusers import AutoencoderKL
from einops import rearrange

BUNDLED_VAE = Path(__file__).parent / "weights" / "vae"
REAL_VAE = Path(__file__).parent / "weights" / "vae_real"     # retrained on the photo bank (real frames)
BUNDLED_VAES = {"bundled": BUNDLED_VAE, "real": REAL_VAE}    # names `load_vae` (and train --vae) take


@dataclass
class VAEConfig:
    """Architecture of the compact VAE (`AutoencoderKL` keywords)."""
    block_out_channels: tuple = (32, 64, 64)   # one entry per level: 2**(levels-1) = 4x downsampling
    layers_per_block: int = 1
    latent_channels: int = 4
    norm_num_groups: int = 1                   # GroupNorm over all channels: one group per channel
                                               # (SD's 32 groups on 32 channels) erases the colour of
                                               # flat regions, which the shapes world is made of
    mid_block_add_attention: bool = False      # no attention: ~30% faster, and fully convolutional
    sample_size: int = 64


def build_vae(config: VAEConfig | None = None) -> AutoencoderKL:
    """A freshly initialised `AutoencoderKL` of the given architecture."""
    config = config or VAEConfig()
    levels = len(config.block_out_channels)
    if levels < 1:
        raise ValueError(f"config.block_out_channels must name at least one level, got {config.block_out_channels}")
    if any(width % config.norm_num_groups for width in config.block_out_channels):
        raise ValueError(f"config.norm_num_groups must divide every block_out_channels entry, "
                         f"got {config.norm_num_groups} and {config.block_out_channels}")
    kwargs = asdict(config)
    kwargs["block_out_channels"] = tuple(config.block_out_channels)
    return AutoencoderKL(
        down_block_types=("DownEncoderBlock2D",) * levels,
        up_block_types=("UpDecoderBlock2D",) * levels,
        **kwargs,
    )


def downsample_factor(vae: AutoencoderKL) -> int:
    """Pixels per latent cell: 2**(levels - 1) (4 for the bundled VAE, 8 for SD's)."""
    return 2 ** (len(vae.config.block_out_channels) - 1)


# ---------------------------------------------------------------- loading

def load_vae(path=None) -> AutoencoderKL:
    """Load an `AutoencoderKL` in eval mode, float32, on the CPU.

    `path=None` or "bundled" loads the bundled weights (`seine_lite/weights/vae/`, the VAE of the
    shapes world); "real" the VAE retrained on real photographs (`seine_lite/weights/vae_real/`,
    docs/real_world.md), the one the bundled reference model decodes with. Otherwise `path` is a folder holding
    `config.json` + weights (as `save_pretrained` writes), or a Stable Diffusion folder whose VAE
    lives in `vae/`.
    """
    if path is None or (isinstance(path, str) and path in BUNDLED_VAES and not Path(path).exists()):
        path = BUNDLED_VAES[path or "bundled"]
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"path must be a folder with a VAE (config.json) or a Stable "
                                f"Diffusion folder with vae/, got {str(folder)!r} (not a folder)")
    if (folder / "config.json").is_file():
        vae = AutoencoderKL.from_pretrained(folder, local_files_only=True, torch_dtype=torch.float32)
    elif (folder / "vae" / "config.json").is_file():
        vae = AutoencoderKL.from_pretrained(folder, subfolder="vae", local_files_only=True,
                                            torch_dtype=torch.float32)
    else:
        raise FileNotFoundError(f"path must hold config.json (a VAE folder) or vae/config.json "
                                f"(a Stable Diffusion folder); found neither in {str(folder)!r}")
    return vae.eval().requires_grad_(False)


# ---------------------------------------------------------------- pixels <-> model space

def video_to_tensor(video) -> torch.Tensor:
    """uint8 `(F,H,W,3)` / `(B,F,H,W,3)` (numpy or torch) -> float `(B,3,F,H,W)` in [-1, 1].

    A float tensor already in model space `(B,3,F,H,W)` is returned as is.
    """
    if isinstance(video, torch.Tensor) and video.is_floating_point():
        if video.ndim != 5 or video.shape[1] != 3:
            raise ValueError(f"video as a float tensor must be (B, 3, F, H, W) in [-1, 1], got shape {tuple(video.shape)}")
        return video
    if isinstance(video, np.ndarray):
        video = torch.from_numpy(np.ascontiguousarray(video))
    if not isinstance(video, torch.Tensor) or video.dtype != torch.uint8:
        raise ValueError("video must be uint8 (F, H, W, 3) or (B, F, H, W, 3), or a float tensor "
                         f"(B, 3, F, H, W) in [-1, 1]; got {type(video).__name__} "
                         f"of dtype {getattr(video, 'dtype', None)}")
    if video.ndim == 4:
        video = video[None]
    if video.ndim != 5 or video.shape[-1] != 3:
        raise ValueError(f"video must be uint8 (F, H, W, 3) or (B, F, H, W, 3), got shape {tuple(video.shape)}")
    video = rearrange(video, "b f h w c -> b c f h w")
    return video.float() / 127.5 - 1.0


def tensor_to_video(x: torch.Tensor) -> np.ndarray:
    """float `(B,3,F,H,W)` in [-1, 1] -> uint8 `(B,F,H,W,3)` (rounded, clipped)."""
    x = ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return rearrange(x, "b c f h w -> b f h w c").cpu().numpy()


# ---------------------------------------------------------------- encode / decode

def _vae_param(vae: AutoencoderKL) -> torch.Tensor:
    if not isinstance(vae, AutoencoderKL):
        raise ValueError(f"vae must be a diffusers AutoencoderKL (see load_vae), got {type(vae).__name__}")
    return next(vae.parameters())


def _check_chunk(chunk: int) -> None:
    if not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive int (frames per VAE call), got {chunk!r}")


@torch.no_grad()
def encode_video(vae: AutoencoderKL, video, generator: torch.Generator | None = None,
                 chunk: int = 16) -> torch.Tensor:
    """Encode frame by frame: video -> scaled latents `(B, C, F, h, w)`.

    Latents are the posterior **mean** times `vae.config.scaling_factor`, so the
    same video always gives the same latents. With a `generator`, a sample of the
    posterior is drawn instead (mean + std * noise), e.g. as training augmentation.
    At most `chunk` frames go through the VAE at once, so memory stays bounded.
    """
    param = _vae_param(vae)
    _check_chunk(chunk)
    x = video_to_tensor(video)                                     # (B, 3, F, H, W)
    factor = downsample_factor(vae)
    if x.shape[-1] % factor or x.shape[-2] % factor:
        raise ValueError(f"video height and width must be multiples of {factor} for this VAE, "
                         f"got {tuple(x.shape[-2:])}")
    batch = x.shape[0]
    frames = rearrange(x, "b c f h w -> (b f) c h w")
    latents = []
    for start in range(0, frames.shape[0], chunk):
        piece = frames[start:start + chunk].to(device=param.device, dtype=param.dtype)
        posterior = vae.encode(piece).latent_dist
        latents.append(posterior.mean if generator is None else posterior.sample(generator=generator))
    z = torch.cat(latents) * vae.config.scaling_factor
    return rearrange(z.float(), "(b f) c h w -> b c f h w", b=batch)


@torch.no_grad()
def decode_tensor(vae: AutoencoderKL, z: torch.Tensor, chunk: int = 16) -> torch.Tensor:
    """Decode scaled latents `(B, C, F, h, w)` -> float video `(B, 3, F, H, W)` in model space (unclipped)."""
    param = _vae_param(vae)
    _check_chunk(chunk)
    if not isinstance(z, torch.Tensor) or z.ndim != 5 or z.shape[1] != vae.config.latent_channels:
        raise ValueError(f"z must be a tensor (B, {vae.config.latent_channels}, F, h, w) of scaled "
                         f"latents, got {tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__}")
    batch = z.shape[0]
    latents = rearrange(z, "b c f h w -> (b f) c h w") / vae.config.scaling_factor
    frames = []
    for start in range(0, latents.shape[0], chunk):
        piece = latents[start:start + chunk].to(device=param.device, dtype=param.dtype)
        frames.append(vae.decode(piece).sample.float())
    return rearrange(torch.cat(frames), "(b f) c h w -> b c f h w", b=batch)


def decode_video(vae: AutoencoderKL, z: torch.Tensor, chunk: int = 16) -> np.ndarray:
    """Decode scaled latents `(B, C, F, h, w)` -> uint8 video `(B, F, H, W, 3)`."""
    return tensor_to_video(decode_tensor(vae, z, chunk=chunk))


# ---------------------------------------------------------------- scaling factor and quality

@torch.no_grad()
def measure_scaling_factor(vae: AutoencoderKL, videos, chunk: int = 64) -> float:
    """1 / std of the unscaled latent means of `videos` (the LDM recipe for `scaling_factor`)."""
    z = encode_video(vae, videos, chunk=chunk) / vae.config.scaling_factor
    return float(1.0 / z.std())


def reconstruct(vae: AutoencoderKL, video, chunk: int = 16) -> np.ndarray:
    """Encode then decode: uint8 video in, uint8 `(B, F, H, W, 3)` out."""
    return decode_video(vae, encode_video(vae, video, chunk=chunk), chunk=chunk)
