"""Time one training step of seine_lite's VideoUNet against diffusers' UNet3DConditionModel.

Both UNets get the same block widths, layers per block, GroupNorm groups, input and output
channels (2C+1 in, C out), frames, latent size, text width (`cross_attention_dim`), text
length and batch; one step is forward + MSE loss + backward + AdamW step. The two models
alternate in one run (warm-up first, then `--rounds` rounds, each in both orders over time)
and the median step time of each is reported, with parameter counts and the ratio.

What differs by design (each UNet as its authors lay it out):
- UNet3DConditionModel: a temporal convolution block (four (3,1,1) Conv3d) after every
  ResBlock, a temporal transformer at the input, and a spatial transformer (self- and cross-
  attention, GEGLU MLP) plus a temporal transformer in every cross-attention block and the
  mid block. `--peer-layout default` (diffusers' layout) puts cross-attention blocks at every
  level but the coarsest; `matched` puts them at VideoUNet's attention levels. Its
  "attention_head_dim" is the number of heads: we set it so that the coarsest level has
  VideoUNet's head size.
- VideoUNet: no temporal convolutions; temporal attention (rotary positions) at every level;
  spatial self-attention + cross-attention + GELU MLP only where the preset asks
  (cpu: 8x8 and 4x4) and in the mid block; LayerNorm pre-norms without proj_in/proj_out.

    python benchmarks/unet_speed.py --preset cpu --batch 4
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from diffusers import UNet3DConditionModel

from seine_lite.presets import get_preset
from seine_lite.unet import VideoUNet, unet_config_for


def peer_unet(cfg: dict, layout: str = "default") -> UNet3DConditionModel:
    """diffusers' UNet3DConditionModel with VideoUNet's widths, depth, channels and text width.

    layout "default": diffusers' block layout (cross-attention blocks at every level but the
    coarsest); "matched": cross-attention blocks exactly at VideoUNet's `attention_levels`.
    """
    widths = tuple(cfg["block_out_channels"])
    n = len(widths)
    if layout == "default":
        attn = (True,) * (n - 1) + (False,)
    elif layout == "matched":
        attn = tuple(bool(a) for a in cfg["attention_levels"])
    else:
        raise ValueError(f"layout must be 'default' or 'matched', got {layout!r}")
    return UNet3DConditionModel(
        in_channels=cfg["in_channels"], out_channels=cfg["out_channels"],
        down_block_types=tuple("CrossAttnDownBlock3D" if a else "DownBlock3D" for a in attn),
        up_block_types=tuple("CrossAttnUpBlock3D" if a else "UpBlock3D" for a in attn[::-1]),
        block_out_channels=widths, layers_per_block=cfg["layers_per_block"],
        norm_num_groups=cfg["norm_num_groups"], cross_attention_dim=cfg["text_dim"],
        attention_head_dim=widths[-1] // cfg["attention_head_dim"],   # = number of heads
    )


def make_step(model, forward, batch):
    """One training step: forward, MSE against a fixed target, backward, AdamW."""
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x, t, text, mask, target = batch

    def step():
        loss = F.mse_loss(forward(model, x, t, text, mask), target)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()
    return step


def ours_forward(model, x, t, text, mask):
    return model(x, t, text, mask)


def peer_forward(model, x, t, text, mask):
    return model(x, t, encoder_hidden_states=text).sample


def timed(step) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="cpu", choices=["tiny", "cpu", "lab"])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--frames", type=int, default=None, help="default: the preset's frames")
    parser.add_argument("--latent-size", type=int, default=None,
                        help="default: the preset's frame size / 4")
    parser.add_argument("--latent-channels", type=int, default=4)
    parser.add_argument("--text-dim", type=int, default=384)
    parser.add_argument("--text-len", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peer-layout", default="default", choices=["default", "matched"],
                        help="default: diffusers' layout, cross-attention blocks at every level "
                             "but the coarsest; matched: at VideoUNet's attention levels only")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.rounds < 1:
        parser.error("--batch and --rounds must be at least 1")

    preset = get_preset(args.preset)
    frames = args.frames or preset.num_frames
    size = args.latent_size or preset.latent_size
    c = args.latent_channels
    cfg = unet_config_for(args.preset, latent_channels=c, text_dim=args.text_dim)
    torch.manual_seed(args.seed)
    ours, peer = VideoUNet(**cfg), peer_unet(cfg, args.peer_layout)
    batch = (torch.randn(args.batch, 2 * c + 1, frames, size, size),
             torch.randint(0, 1000, (args.batch,)),
             torch.randn(args.batch, args.text_len, args.text_dim),
             torch.ones(args.batch, args.text_len, dtype=torch.bool),
             torch.randn(args.batch, c, frames, size, size))
    steps = {"VideoUNet": make_step(ours, ours_forward, batch),
             "UNet3DConditionModel": make_step(peer, peer_forward, batch)}
    counts = {"VideoUNet": sum(p.numel() for p in ours.parameters()),
              "UNet3DConditionModel": sum(p.numel() for p in peer.parameters())}

    print(f"preset={args.preset} batch={args.batch} frames={frames} latent={c}x{size}x{size} "
          f"text={args.text_len}x{args.text_dim} widths={tuple(cfg['block_out_channels'])} "
          f"layers_per_block={cfg['layers_per_block']} peer_layout={args.peer_layout} "
          f"threads={torch.get_num_threads()} "
          f"torch={torch.__version__}")
    for _ in range(args.warmup):
        for step in steps.values():
            step()
    times = {name: [] for name in steps}
    names = list(steps)
    for r in range(args.rounds):
        for name in (names if r % 2 == 0 else names[::-1]):   # alternate who goes first
            times[name].append(timed(steps[name]))
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    for name in names:
        print(f"{name:22s} params {counts[name] / 1e6:7.3f} M   median step "
              f"{medians[name]:.3f} s   (all: {', '.join(f'{t:.2f}' for t in times[name])})")
    ratio = medians["VideoUNet"] / medians["UNet3DConditionModel"]
    print(f"ratio VideoUNet / UNet3DConditionModel = {ratio:.2f}")
    return ratio


if __name__ == "__main__":
    main()
