"""`python -m seine_lite.cli.vae_train`: train the compact VAE (`seine_lite.vae_train`) from the shell.

    python -m seine_lite.cli.vae_train --size 64 --steps 3000 --out runs/vae
    python -m seine_lite.cli.vae_train --init-from runs/vae --decoder-only --steps 3000 --out runs/vae_ft
"""
import argparse
import sys

import torch

from seine_lite.cli.terminate import EXIT_CODE, Terminated, sigterm_unwinds
from seine_lite.vae import VAEConfig
from seine_lite.vae_train import SOURCES, VAETrainConfig, train_vae


def parse_args(argv=None) -> argparse.Namespace:
    d, v = VAETrainConfig(), VAEConfig()
    p = argparse.ArgumentParser(prog="python -m seine_lite.cli.vae_train",
                                description="Train the compact VAE on frames of shapes, transition and photo clips.")
    p.add_argument("--out", required=True, help="output folder (weights, loss.png, vae_train.json)")
    p.add_argument("--size", type=int, default=d.size, help="frame side in pixels")
    p.add_argument("--crop", type=int, default=None, help="training crop side (default: min(32, size))")
    p.add_argument("--steps", type=int, default=d.steps)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.lr, help="peak learning rate (cosine decay to lr/20)")
    p.add_argument("--warmup", type=int, default=d.warmup, help="linear warm-up steps")
    p.add_argument("--kl-weight", type=float, default=d.kl_weight)
    p.add_argument("--mse-weight", type=float, default=d.mse_weight, help="weight of the squared error (L1 has 1)")
    p.add_argument("--edge-weight", type=float, default=d.edge_weight)
    p.add_argument("--clips", type=int, default=d.clips_per_source, help="clips rendered per source")
    p.add_argument("--frames-per-clip", type=int, default=d.frames_per_clip)
    p.add_argument("--sources", default=",".join(d.sources), help="comma-separated: shapes,transitions,photos")
    p.add_argument("--source-weights", default=None, help="share of each source in a batch, comma-separated, "
                   f"same order as --sources (default: {','.join(map(str, d.source_weights))} for the default "
                   "sources, else equal)")
    p.add_argument("--latent-channels", type=int, default=v.latent_channels)
    p.add_argument("--channels", default=",".join(map(str, v.block_out_channels)),
                   help="block_out_channels, comma-separated (3 levels = 4x downsampling)")
    p.add_argument("--layers-per-block", type=int, default=v.layers_per_block)
    p.add_argument("--norm-groups", type=int, default=v.norm_num_groups, help="GroupNorm groups (must divide every width)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--init-from", default=None,
                   help="start from this VAE folder; its architecture replaces --channels, "
                   "--layers-per-block, --norm-groups and --latent-channels")
    p.add_argument("--decoder-only", action="store_true",
                   help="with --init-from: train only decoder + post_quant_conv; the encoder, quant_conv "
                   "and scaling_factor stay bit-identical, so latents (and a video model trained on them) stay valid")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    return p.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> VAETrainConfig:
    channels = tuple(int(c) for c in args.channels.split(","))
    sources = tuple(args.sources.split(","))
    if args.source_weights is not None:
        weights = tuple(float(w) for w in args.source_weights.split(","))
    else:
        weights = VAETrainConfig.source_weights if sources == SOURCES else (1.0,) * len(sources)
    vae = VAEConfig(block_out_channels=channels, layers_per_block=args.layers_per_block,
                    latent_channels=args.latent_channels, norm_num_groups=args.norm_groups,
                    sample_size=args.size)
    return VAETrainConfig(size=args.size, crop=args.crop or min(32, args.size), steps=args.steps,
                          batch_size=args.batch_size, lr=args.lr, warmup=args.warmup, kl_weight=args.kl_weight,
                          mse_weight=args.mse_weight,
                          edge_weight=args.edge_weight, clips_per_source=args.clips,
                          frames_per_clip=args.frames_per_clip, sources=sources,
                          source_weights=weights,
                          seed=args.seed, vae=vae, init_from=args.init_from, decoder_only=args.decoder_only)


def main(argv=None) -> int:
    """0 when done; 1 with one line when a write fails (a full disk), 143 on SIGTERM (nothing half-written)."""
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        with sigterm_unwinds():
            train_vae(config_from_args(args), out=args.out)
    except Terminated:
        print("seine-lite vae_train: terminated (SIGTERM); no temporary files left", file=sys.stderr)
        return EXIT_CODE
    except OSError as err:
        if isinstance(err, FileNotFoundError):   # a missing input (--init-from): not a write
            raise
        print(f"seine-lite vae_train: error: {(str(err).strip().splitlines() or [repr(err)])[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
