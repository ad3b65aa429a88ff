"""Does the model hear the prompt's direction? Forward passes only, on held-out moving clips.

    python benchmarks/text_sensitivity.py --model runs/reference --clips 24 --t 700 900

For held-out shapes clips that move left, right, up or down, with the first frame given
(`first1`, the text-control task), at each timestep t it prints:
  loss true       the training loss with the true caption
  loss swapped    the same caption with the direction word swapped (left<->right, up<->down)
  loss no text    the empty caption
  change          |pred(true) - pred(swapped)|^2 / |pred(true)|^2, the relative change of the prediction
A model that ignores the direction word has loss swapped = loss true and a change near 0
(0.1 % at t = 900 on the first reference model).
"""
import argparse

import torch

from seine_lite import SeinePipeline
from seine_lite.data import make_shapes_clips
from seine_lite.data.scenes import DIRECTIONS
from seine_lite.masking import condition_latent, latent_mask, mask_from_given, parse_layout, unet_input
from seine_lite.vae import encode_video

SWAP = {"left": "right", "right": "left", "up": "down", "down": "up"}


def swapped(caption: str) -> str:
    for word in DIRECTIONS:
        if f"moving {word} " in caption:
            return caption.replace(f"moving {word} ", f"moving {SWAP[word]} ")
    raise ValueError(f"caption has no direction: {caption!r}")


def moving_clips(n: int, pipe, seed: int):
    clips, captions = make_shapes_clips(8 * n, num_frames=pipe.num_frames, size=pipe.resolution[0],
                                        seed=seed, split="heldout")
    keep = [i for i, c in enumerate(captions) if any(f"moving {w} " in c for w in DIRECTIONS)][:n]
    return clips[keep], [captions[i] for i in keep]


@torch.no_grad()
def sensitivity(pipe, clips, captions, timesteps, seed: int = 0) -> list:
    schedule = pipe.schedule
    z0 = encode_video(pipe.vae, clips)                                    # (N, C, F, h, w)
    given = parse_layout("first1", pipe.num_frames)
    mask = latent_mask(mask_from_given(given, batch=len(clips)), *z0.shape[-2:])
    cond = condition_latent(z0, mask, pipe.meta.get("condition", "zeros"))
    texts = {name: pipe.text_encoder.encode(prompts) for name, prompts in
             (("true", captions), ("swapped", [swapped(c) for c in captions]), ("none", [""] * len(captions)))}
    g = torch.Generator().manual_seed(seed)
    rows = []
    for t in timesteps:
        noise = torch.randn(z0.shape, generator=g)
        tt = torch.full((len(clips),), t, dtype=torch.long)
        x = unet_input(schedule.add_noise(z0, noise, tt), mask, cond)
        preds = {name: pipe.unet(x, tt, *text) for name, text in texts.items()}
        loss = {name: float(schedule.training_loss(p, z0, noise, tt)) for name, p in preds.items()}
        change = float(((preds["true"] - preds["swapped"]) ** 2).sum() / (preds["true"] ** 2).sum())
        rows.append({"t": t, **{f"loss_{k}": v for k, v in loss.items()}, "change": change})
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="a model folder (default: the bundled reference model)")
    p.add_argument("--clips", type=int, default=24, help="held-out moving clips")
    p.add_argument("--t", type=int, nargs="+", default=[650, 800, 900], help="timesteps (the direction is decided at t > 600)")
    p.add_argument("--seed", type=int, default=31_337)
    args = p.parse_args(argv)
    pipe = SeinePipeline.from_pretrained(args.model)
    clips, captions = moving_clips(args.clips, pipe, args.seed)
    print(f"{len(clips)} held-out moving clips, first frame given; model {args.model or 'bundled'}")
    print(f"{'t':>5} {'loss true':>10} {'swapped':>10} {'no text':>10} {'change':>9}")
    for r in sensitivity(pipe, clips, captions, args.t, seed=args.seed):
        print(f"{r['t']:5d} {r['loss_true']:10.4f} {r['loss_swapped']:10.4f} {r['loss_none']:10.4f} "
              f"{100 * r['change']:8.2f}%")


if __name__ == "__main__":
    main()
