"""Where a frame is in time: a frame-index embedding and SEINE's relative position bias.

Convolutions, FiLM and cross-attention are per frame and, without these, receive the same
input for every frame; rotary positions in temporal attention change attention *weights*
only, never the values. So nothing tells frame 7 that it is 7 frames after the given one.

    FrameEmbedding        sinusoid of the frame index -> MLP, added to each frame's timestep
                          embedding (SVD's `time_pos_embed`, Blattmann et al. 2023), so every
                          ResBlock knows its frame's place. Last layer zero-initialised.
    RelativePositionBias  a learned bias per head for each bucket of the frame distance i - j,
                          added to temporal attention's logits (T5, Raffel et al. 2020, sec. 2.1;
                          SEINE keeps it beside its rotary positions). Zero-initialised.

Both start at zero, so an untrained UNet with them computes exactly what it did without.
"""
import math

import torch
from torch import nn


def sinusoid(positions: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding (N, dim) of positions (N,) (Vaswani et al. 2017, sec. 3.5)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=positions.device,
                                                            dtype=torch.float32) / half)
    args = positions.float()[:, None] * freqs[None]
    return nn.functional.pad(torch.cat([torch.cos(args), torch.sin(args)], dim=-1), (0, dim % 2))


class FrameEmbedding(nn.Module):
    """Frame index f in 0..max_frames-1 -> an embedding (F, emb_dim), zero at init."""

    def __init__(self, max_frames: int, in_dim: int, emb_dim: int):
        super().__init__()
        if not isinstance(max_frames, int) or max_frames < 1:
            raise ValueError(f"frame_positions must be a positive number of frames, got {max_frames!r}")
        self.max_frames, self.in_dim = max_frames, in_dim
        self.mlp = nn.Sequential(nn.Linear(in_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        nn.init.zeros_(self.mlp[2].weight)
        nn.init.zeros_(self.mlp[2].bias)

    def forward(self, num_frames: int, device, dtype) -> torch.Tensor:
        if num_frames > self.max_frames:
            raise ValueError(f"x has {num_frames} frames but the frame-index embedding encodes at most "
                             f"frame_positions={self.max_frames}")
        index = torch.arange(num_frames, device=device)
        return self.mlp(sinusoid(index, self.in_dim).to(dtype))            # (F, E)


def relative_position_bucket(distance: torch.Tensor, num_buckets: int, max_distance: int) -> torch.Tensor:
    """T5's buckets of a signed distance i - j: exact for small |i - j|, logarithmic up to
    `max_distance`, one half of the buckets for each sign (as in SEINE's `RelativePositionBias`)."""
    half = num_buckets // 2
    bucket = (distance > 0).long() * half
    n = distance.abs()
    exact = half // 2
    far = exact + (torch.log(n.float().clamp(min=1) / exact) / math.log(max_distance / exact)
                   * (half - exact)).long()
    return bucket + torch.where(n < exact, n, far.clamp(max=half - 1))


class RelativePositionBias(nn.Module):
    """A learned bias (heads, F, F) on temporal attention logits from bucketed frame distances."""

    def __init__(self, heads: int, num_buckets: int = 32, max_distance: int = 32):
        super().__init__()
        if not isinstance(num_buckets, int) or num_buckets < 4:
            raise ValueError(f"relative_position_buckets must be an int >= 4 (two signs, an exact and a "
                             f"logarithmic range), got {num_buckets!r}")
        self.num_buckets, self.max_distance = num_buckets, max_distance
        self.bias = nn.Embedding(num_buckets, heads)
        nn.init.zeros_(self.bias.weight)

    def forward(self, num_frames: int, device) -> torch.Tensor:
        index = torch.arange(num_frames, device=device)
        distance = index[:, None] - index[None, :]                          # (F, F): i - j
        buckets = relative_position_bucket(distance, self.num_buckets, self.max_distance)
        return self.bias(buckets).permute(2, 0, 1)                          # (heads, F, F)
