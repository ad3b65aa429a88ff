"""Every training input computed once: clips -> VAE latents, captions -> text states.

The UNet is the only thing that trains, so the VAE and the text encoder run once
per clip and per distinct caption, and the results live in one safetensors file
that a resumed run (or a second run on the same data) reads back.
"""
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from tqdm.auto import tqdm

from seine_lite.atomic import write_atomic, write_text
from seine_lite.data import make_clips
from seine_lite.data.folder import FolderDataset
from seine_lite.data.mix import SOURCES, clip_sources
from seine_lite.flow_fill import luma
from seine_lite.presets import get_preset
from seine_lite.vae import encode_video


@dataclass
class DataConfig:
    data: str = "shapes"      # shapes | transitions | photos | mix | a folder with captions.csv
    num_clips: int = 256      # clips drawn from a generated source (a folder gives all its windows)
    seed: int = 0             # data seed: held-out evaluation uses other seeds
    stride: int = 8           # window stride for a folder dataset
    mix: dict = None          # data "mix" only: {source: weight}, default data.mix.MIX_PROPORTIONS


@dataclass
class LatentCache:
    latents: torch.Tensor       # (N, C, F, h, w), scaled by the VAE's scaling factor
    caption_ids: torch.Tensor   # (N,) index into the caption table
    states: torch.Tensor        # (K+1, L, D); row 0 is the empty caption "" (guidance)
    text_mask: torch.Tensor     # (K+1, L) bool
    captions: list
    grey: torch.Tensor = None   # (N, F, H, W) uint8 grey frames, for the flow fill only (`flow_fill.luma`)

    def __len__(self):
        return self.latents.shape[0]


def load_clips(cfg: DataConfig, num_frames: int, size: int):
    """The training clips as uint8 (N, F, H, W, 3) and their captions."""
    if cfg.data in SOURCES:
        return make_clips(cfg.data, cfg.num_clips, num_frames=num_frames, size=size, seed=cfg.seed,
                          proportions=cfg.mix)
    root = Path(cfg.data)
    if not root.is_dir():
        raise ValueError(f"data must be one of {SOURCES} or a folder with captions.csv, got {cfg.data!r}")

    dataset = FolderDataset(root, num_frames=num_frames, size=size, stride=cfg.stride)
    items = [dataset[i] for i in range(len(dataset))]
    return np.stack([clip for clip, _ in items]), [caption for _, caption in items]


def cache_sources(cfg: DataConfig, n: int) -> list:
    """The source of each of a cache's n clips: "shapes", "transitions", "photos" or "folder"."""
    if cfg.data in SOURCES:
        return clip_sources(cfg.data, n, seed=cfg.seed, proportions=cfg.mix)
    return ["folder"] * n


def _cache_key(cfg: DataConfig, preset: str, vae, text_encoder_name: str) -> str:
    # latents depend on the encoder half and the scaling factor only: a fine-tuned decoder keeps the cache
    encoder = [p for name, p in vae.named_parameters() if not name.startswith(("decoder.", "post_quant_conv."))]
    vae_sum = sum(float(p.double().sum()) for p in encoder)
    scaling = float(getattr(vae.config, "scaling_factor", 1.0))
    data = {k: v for k, v in asdict(cfg).items() if not (k == "mix" and v is None)}   # older keys stay valid
    blob = json.dumps([data, preset, round(vae_sum, 6), scaling, text_encoder_name], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@torch.no_grad()
def build_latent_cache(cfg: DataConfig, preset: str, vae, text_encoder, text_encoder_name: str,
                       cache_dir=None, batch_size: int = 16, progress: bool = True, grey: bool = False) -> LatentCache:
    """Encode every clip and caption once; reuse `cache_dir/latents-<key>.safetensors` if present.
    `grey` also keeps the clips' grey frames (the flow fill's), in `grey-<key>.safetensors` beside it."""
    key = _cache_key(cfg, preset, vae, text_encoder_name)
    path = Path(cache_dir) / f"latents-{key}.safetensors" if cache_dir else None
    if path is not None and path.exists():
        cache = read_latent_cache(path)
        if grey:
            cache.grey = _grey_frames(cfg, preset, path.with_name(f"grey-{key}.safetensors"))
        return cache

    p = get_preset(preset)
    clips, clip_captions = load_clips(cfg, p.num_frames, p.size)
    captions = [""] + sorted(set(clip_captions) - {""})
    index = {c: i for i, c in enumerate(captions)}
    caption_ids = torch.tensor([index[c] for c in clip_captions], dtype=torch.long)
    states, text_mask = text_encoder.encode(captions)

    chunks = []
    for start in tqdm(range(0, len(clips), batch_size), desc="encoding clips", disable=not progress):
        chunks.append(encode_video(vae, clips[start:start + batch_size]).float().cpu())
    cache = LatentCache(torch.cat(chunks), caption_ids, states.float().cpu(), text_mask.bool().cpu(), captions)
    if not (torch.isfinite(cache.latents).all() and torch.isfinite(cache.states).all()):
        raise ValueError("encoding the clips gave NaN or inf latents (the VAE or the text encoder is broken); "
                         "nothing was cached")

    if path is not None:   # captions first: the safetensors file is there only with its JSON beside it
        # each write atomic, under a name unique to its process (several may write the same cache at once)
        write_text(path.with_suffix(".json"), json.dumps(captions))
        write_atomic(path, lambda tmp: save_file(
            {"latents": cache.latents.contiguous(), "caption_ids": caption_ids, "states": cache.states.contiguous(),
             "text_mask": cache.text_mask.to(torch.uint8)}, tmp))
    if grey:
        cache.grey = _grey_frames(cfg, preset, path and path.with_name(f"grey-{key}.safetensors"), clips)
    return cache


def _grey_frames(cfg: DataConfig, preset: str, path, clips=None) -> torch.Tensor:
    """The clips' grey frames (N, F, H, W) uint8, read from `path` or made (the clips drawn again:
    they are deterministic from the data config) and written there."""
    if path is not None and Path(path).exists():
        try:
            return load_file(str(path))["grey"]
        except (SafetensorError, OSError, RuntimeError, KeyError) as err:
            raise ValueError(f"grey-frame cache {str(path)!r} is damaged ({type(err).__name__}); delete it to "
                             f"rebuild it") from None
    if clips is None:
        p = get_preset(preset)
        clips, _ = load_clips(cfg, p.num_frames, p.size)
    grey = torch.from_numpy(luma(clips))
    if path is not None:
        write_atomic(Path(path), lambda tmp: save_file({"grey": grey.contiguous()}, tmp))
    return grey


def read_latent_cache(path) -> LatentCache:
    """A cache written by `build_latent_cache`, checked: a cut, garbled or NaN-holding file (or its
    captions JSON) is a ValueError naming the file, so training never runs on (or blames --lr for) it."""
    path = Path(path)
    fix = f"delete the cache folder {str(path.parent)!r} (or this file) to rebuild it"
    try:
        tensors = load_file(str(path))
        cache = LatentCache(tensors["latents"], tensors["caption_ids"], tensors["states"],
                            tensors["text_mask"].bool(), None)
    except (SafetensorError, OSError, RuntimeError, ValueError, KeyError) as err:
        cause = (str(err).strip().splitlines() or [type(err).__name__])[0][:120]
        raise ValueError(f"latent cache {str(path)!r} is damaged or cut short ({cause}); {fix}") from None
    if not (torch.isfinite(cache.latents).all() and torch.isfinite(cache.states).all()):
        raise ValueError(f"latent cache {str(path)!r}: the cache holds NaN or inf: {fix}")
    captions_file = path.with_suffix(".json")
    try:
        cache.captions = json.loads(captions_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        cause = (str(err).strip().splitlines() or [type(err).__name__])[0][:120]
        raise ValueError(f"latent cache captions {str(captions_file)!r} cannot be read ({cause}); {fix}") from None
    ids = cache.caption_ids
    if (not isinstance(cache.captions, list) or not all(isinstance(c, str) for c in cache.captions)
            or len(cache.captions) != len(cache.states) or len(ids) != len(cache)
            or (len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= len(cache.captions)))):
        raise ValueError(f"latent cache captions {str(captions_file)!r} do not match {path.name}; {fix}")
    return cache
