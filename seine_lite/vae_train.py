"""Train the compact VAE on frames of shapes, transition and photo clips.

    python -m seine_lite.cli.vae_train --size 64 --steps 3000 --out runs/vae
    python -m seine_lite.cli.vae_train --init-from runs/vae --decoder-only --steps 3000 --out runs/vae_ft

The VAE sees single frames: many clips are rendered, a few frames are kept from
each, and batches of random crops (the VAE is fully convolutional, so crops
train it as well as whole frames at a fraction of the cost) with random flips
are drawn with a seeded generator. The loss is the LDM autoencoder loss without
its adversarial and perceptual terms:

    L = |x - x̂|_1 + w_mse |x - x̂|² + w_edge |∇x - ∇x̂|_1 + w_kl KL(q(z|x) || N(0, I))

with a tiny KL weight (1e-6), so the latent stays close to a plain autoencoder's.
After training, `scaling_factor` is set to 1/std of the latents of the training
frames and the folder is written with `save_pretrained` (loadable by `load_vae`),
next to `loss.png` (the loss curve) and `vae_train.json` (settings and results).
Everything follows from `seed`: the same command gives the same weights on CPU
(at the same thread count).

Decoder-only fine-tuning (`--init-from FOLDER --decoder-only`) starts from a trained
VAE and updates only `decoder.*` and `post_quant_conv.*`; the encoder, `quant_conv`
and `scaling_factor` stay bit-identical. So `scale * E(x)`, the latent space a video
model was (or is being) trained on, does not move: the new decoder can be swapped
under an existing UNet and its cached latents, and only reconstruction improves.
Training clips come from seeds `seed + 7919 * k`, which must stay below
`HELD_OUT_SEED`, where the held-out clips start.
"""
import json
import math
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from einops import rearrange
from matplotlib.figure import Figure
from safetensors import SafetensorError
from tqdm.auto import tqdm

from seine_lite.atomic import could_not_write, fsync_tree, move_entries, temporary_name
from seine_lite.data import make_clips
from seine_lite.data.real_footage import heldout_photo_clips, real_clip_windows
from seine_lite.metrics import psnr
from seine_lite.vae import VAEConfig, build_vae, load_vae, measure_scaling_factor, reconstruct

SOURCES = ("shapes", "transitions", "photos")   # the default sources: no photo bank needed
HELD_OUT_SEED = 1_000_003    # benchmark/held-out clips use seeds from here on, never used in training
SOURCE_SEED_STRIDE = 7919    # source k of a run with seed s renders its clips from seed s + 7919 * k
DECODER_PREFIXES = ("decoder.", "post_quant_conv.")   # what --decoder-only trains


@dataclass
class VAETrainConfig:
    """Everything that decides the trained weights."""
    size: int = 64                       # frame side in pixels
    crop: int = 32                       # training crop side (<= size); size for whole frames
    steps: int = 3000
    batch_size: int = 16
    lr: float = 2e-3                     # AdamW peak learning rate, cosine decay to lr/20
    warmup: int = 100
    weight_decay: float = 0.0
    kl_weight: float = 1e-6
    mse_weight: float = 1.0              # > 1 weighs squared error (what PSNR measures) over L1
    edge_weight: float = 0.0             # > 0 sharpens edges; 0 gave the best PSNR in our runs
    clips_per_source: int = 1000
    num_frames: int = 16                 # frames rendered per clip
    frames_per_clip: int = 4             # frames kept from each clip (evenly spaced)
    sources: tuple = SOURCES
    source_weights: tuple = (1.0, 1.0, 2.0)   # share of each source in a batch (photos are hardest)
    seed: int = 0
    vae: VAEConfig = field(default_factory=VAEConfig)
    init_from: str | None = None         # a VAE folder to start from (its architecture replaces `vae`)
    decoder_only: bool = False           # train decoder + post_quant_conv only (needs init_from)


# ---------------------------------------------------------------- data

def training_frames(config: VAETrainConfig, seed: int | None = None, clips_per_source: int | None = None,
                    progress: bool = True) -> dict:
    """Render clips of every source and keep `frames_per_clip` frames of each: {source: uint8 (N,H,W,3)}."""
    seed = config.seed if seed is None else seed
    n = config.clips_per_source if clips_per_source is None else clips_per_source
    keep = np.linspace(0, config.num_frames - 1, min(config.frames_per_clip, config.num_frames)).round().astype(int)
    frames = {}
    for i, source in enumerate(tqdm(config.sources, desc="rendering clips", disable=not progress)):
        clips, _ = make_clips(source, n=n, num_frames=config.num_frames, size=config.size,
                              seed=seed + SOURCE_SEED_STRIDE * i)
        frames[source] = rearrange(np.asarray(clips)[:, keep], "n f h w c -> (n f) h w c")
    return frames


def frame_weights(frames: dict, config: VAETrainConfig) -> torch.Tensor:
    """Sampling weight of every frame, so that each source fills its `source_weights` share of a batch."""
    if len(config.source_weights) != len(config.sources) or min(config.source_weights) < 0:
        raise ValueError(f"source_weights must give one weight >= 0 per source {config.sources}, "
                         f"got {config.source_weights}")
    return torch.cat([torch.full((len(frames[source]),), weight / len(frames[source]), dtype=torch.float64)
                      for source, weight in zip(config.sources, config.source_weights)])


def random_batch(frames: torch.Tensor, weights: torch.Tensor, batch_size: int, crop: int,
                 generator: torch.Generator) -> torch.Tensor:
    """Frames drawn by `weights`, random `crop`x`crop` windows, random horizontal flips -> (B, 3, crop, crop) in [-1, 1]."""
    n, h, w, _ = frames.shape
    index = torch.multinomial(weights, batch_size, replacement=True, generator=generator)
    top = torch.randint(0, h - crop + 1, (batch_size,), generator=generator)
    left = torch.randint(0, w - crop + 1, (batch_size,), generator=generator)
    flip = torch.rand(batch_size, generator=generator) < 0.5
    crops = []
    for i, y, x, f in zip(index.tolist(), top.tolist(), left.tolist(), flip.tolist()):
        window = frames[i, y:y + crop, x:x + crop]
        crops.append(window.flip(1) if f else window)
    batch = rearrange(torch.stack(crops), "b h w c -> b c h w")
    return batch.float() / 127.5 - 1.0


# ---------------------------------------------------------------- loss

def image_gradients(x: torch.Tensor) -> tuple:
    """Finite differences along height and width of (B, C, H, W)."""
    return x[..., 1:, :] - x[..., :-1, :], x[..., :, 1:] - x[..., :, :-1]


def vae_loss(x: torch.Tensor, x_hat: torch.Tensor, posterior, config: VAETrainConfig) -> tuple:
    """Reconstruction (L1 + MSE + edge) + weighted KL; returns (total, dict of the parts as floats)."""
    l1 = (x - x_hat).abs().mean()
    mse = ((x - x_hat) ** 2).mean()
    (dy, dx), (dy_hat, dx_hat) = image_gradients(x), image_gradients(x_hat)
    edge = (dy - dy_hat).abs().mean() + (dx - dx_hat).abs().mean()
    kl = posterior.kl().mean() / x[0].numel()     # KL per pixel value, like the other terms
    total = l1 + config.mse_weight * mse + config.edge_weight * edge + config.kl_weight * kl
    return total, {"l1": l1.item(), "mse": mse.item(), "edge": edge.item(), "kl": kl.item()}


def learning_rate(step: int, config: VAETrainConfig) -> float:
    """Linear warm-up, then cosine decay from `lr` to `lr / 20`."""
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


# ---------------------------------------------------------------- training

def initial_vae(config: VAETrainConfig) -> tuple:
    """(VAE to train, config with `vae` set to its architecture): a fresh one, or a copy of `init_from`."""
    if config.init_from is None:
        if config.decoder_only:
            raise ValueError("decoder_only needs init_from (a trained VAE whose encoder is kept)")
        return build_vae(config.vae), config
    loaded = load_vae(config.init_from)
    settings = {key: value for key, value in loaded.config.items() if key != "_name_or_path"}
    vae = type(loaded).from_config(settings)           # own tensors: `out` may be the init_from folder
    vae.load_state_dict(loaded.state_dict())
    c = vae.config
    architecture = VAEConfig(block_out_channels=tuple(c.block_out_channels), layers_per_block=c.layers_per_block,
                             latent_channels=c.latent_channels, norm_num_groups=c.norm_num_groups,
                             mid_block_add_attention=c.mid_block_add_attention, sample_size=c.sample_size)
    return vae, replace(config, init_from=str(config.init_from), vae=architecture)


def trainable_parameters(vae, decoder_only: bool) -> list:
    """All parameters, or (decoder_only) those of decoder + post_quant_conv, the rest frozen."""
    for name, param in vae.named_parameters():
        param.requires_grad_(not decoder_only or name.startswith(DECODER_PREFIXES))
    return [param for param in vae.parameters() if param.requires_grad]


def train_vae(config: VAETrainConfig, out: str | Path | None = None, progress: bool = True) -> tuple:
    """Train a VAE from `config`; save it to `out` if given. Returns (vae, losses per step)."""
    if not 4 <= config.crop <= config.size:
        raise ValueError(f"crop must be between 4 and size={config.size}, got {config.crop}")
    if config.steps < 1 or config.batch_size < 1:
        raise ValueError(f"steps and batch_size must be >= 1, got {config.steps} and {config.batch_size}")
    if not 0 <= config.seed < HELD_OUT_SEED - SOURCE_SEED_STRIDE * (len(config.sources) - 1):
        raise ValueError(f"seed must be >= 0 and keep training clips below the held-out seeds "
                         f"({HELD_OUT_SEED} on), got {config.seed}")
    started = time.time()
    torch.manual_seed(config.seed)
    vae, config = initial_vae(config)      # before rendering: the data module draws no torch numbers
    factor = 2 ** (len(config.vae.block_out_channels) - 1)
    if config.size % factor or config.crop % factor:
        raise ValueError(f"size and crop must be multiples of {factor}, got {config.size} and {config.crop}")
    by_source = training_frames(config, progress=progress)
    weights = frame_weights(by_source, config)
    frames = torch.from_numpy(np.concatenate([by_source[source] for source in config.sources]))
    vae.train()
    trainable = trainable_parameters(vae, config.decoder_only)
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    losses = []
    bar = tqdm(range(config.steps), desc="training VAE", disable=not progress)
    for step in bar:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, config)
        x = random_batch(frames, weights, config.batch_size, config.crop, generator)
        with torch.set_grad_enabled(not config.decoder_only):     # a frozen encoder needs no graph
            posterior = vae.encode(x).latent_dist
        x_hat = vae.decode(posterior.sample(generator=generator)).sample
        loss, parts = vae_loss(x, x_hat, posterior, config)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{loss.item():.4f}", mse=f"{parts['mse']:.5f}")
    vae.eval().requires_grad_(False)
    if not config.decoder_only:      # a kept encoder keeps its scaling_factor (and the whole config)
        sample = frames[torch.randperm(len(frames), generator=generator)[:512]]
        vae.register_to_config(scaling_factor=measure_scaling_factor(vae, sample[:, None].numpy()),
                               sample_size=config.size)
    if out is not None:
        save_run(vae, losses, config, out, seconds=time.time() - started, progress=progress)
    return vae, losses


def held_out_psnr(vae, config: VAETrainConfig, clips_per_source: int = 16, progress: bool = False) -> dict:
    """PSNR (dB) of reconstructions of whole frames from clips rendered with held-out seeds."""
    frames = training_frames(config, seed=HELD_OUT_SEED, clips_per_source=clips_per_source, progress=progress)
    scores = {source: psnr(reconstruct(vae, f[:, None])[:, 0], f) for source, f in frames.items()}
    if "realphotos" in config.sources:     # real footage the VAE never saw: held-out photographs and clips
        for name, make in (("real_heldout_photos", heldout_photo_clips), ("real_clips", real_clip_windows)):
            clips, _ = make(clips_per_source, num_frames=config.num_frames, size=config.size, seed=HELD_OUT_SEED)
            frames = rearrange(clips, "n f h w c -> (n f) h w c")
            scores[name] = psnr(reconstruct(vae, frames[:, None])[:, 0], frames)
    scores["overall"] = float(np.mean(list(scores.values())))
    return scores


def save_run(vae, losses: list, config: VAETrainConfig, out, seconds: float, progress: bool = True) -> None:
    """Write weights (save_pretrained), the loss curve PNG and a JSON record of the run to `out`.

    All three are written into a temporary folder beside `out`, flushed, then moved in: a full disk
    leaves the old files as they were and raises an OSError naming `out`."""
    out = Path(out)
    record = {"config": asdict(config), "seconds": round(seconds, 1), "threads": torch.get_num_threads(),
              "final_loss": float(np.mean(losses[-50:])), "scaling_factor": vae.config.scaling_factor,
              "parameters": sum(p.numel() for p in vae.parameters()),
              "held_out_psnr_db": held_out_psnr(vae, config, progress=progress)}
    if config.init_from is not None:      # keep the record of the run it started from
        previous = Path(config.init_from) / "vae_train.json"
        record["init_record"] = json.loads(previous.read_text()) if previous.is_file() else None
    tmp = temporary_name(out, folder=True)
    try:
        try:
            vae.save_pretrained(tmp)
            plot_losses(losses, tmp / "loss.png")
            (tmp / "vae_train.json").write_text(json.dumps(record, indent=2) + "\n")
            fsync_tree(tmp)
            out.mkdir(parents=True, exist_ok=True)
            move_entries(tmp, out, sorted(p.name for p in tmp.iterdir()))
        except (OSError, SafetensorError) as err:
            raise could_not_write(out, err) from err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)   # made by this call
    if progress:
        print(json.dumps(record["held_out_psnr_db"]))


def plot_losses(losses: list, path) -> None:
    """Loss per step (faint) and its 50-step running mean, log scale."""
    fig = Figure(figsize=(6, 3.5), dpi=100)      # no pyplot: never switches a notebook's backend
    ax = fig.subplots()
    ax.plot(losses, alpha=0.3, lw=0.8, label="loss")
    window = min(50, len(losses))
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax.plot(np.arange(window - 1, len(losses)), smooth, lw=1.5, label=f"mean of {window}")
    ax.set(xlabel="step", ylabel="L1 + MSE + edge + KL", yscale="log", title="VAE training loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
