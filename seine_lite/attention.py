"""Attention for the video UNet: spatial self-attention, text cross-attention and
temporal self-attention with rotary positions, as in each SEINE transformer block.

Every attention goes through PyTorch's fused `scaled_dot_product_attention`.
Hidden video tensors travel frame-major, `((B F), C, H, W)`, so that convolutions,
norms and spatial attention are per frame (SEINE has no temporal convolutions);
only the temporal attention looks across frames.
"""
import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from seine_lite.frame_position import RelativePositionBias


def rotary_tables(num_frames: int, dim: int, device, dtype, base: float = 10000.0):
    """cos, sin tables (F, dim) for rotary positions (RoFormer, Su et al. 2021, eq. 34)."""
    inv_freq = 1.0 / base ** (torch.arange(0, dim, 2, device=device, dtype=torch.float32) / dim)
    angles = torch.arange(num_frames, device=device, dtype=torch.float32)[:, None] * inv_freq
    angles = torch.cat([angles, angles], dim=-1)                       # (F, dim)
    return angles.cos().to(dtype), angles.sin().to(dtype)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate channel pairs of `x` (..., F, dim) by angles proportional to the position, so that
    q·k depends on positions only through their difference: relative positions in time."""
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


class Attention(nn.Module):
    """Multi-head attention over tokens (N, S, C); keys and values from `context` if given."""

    def __init__(self, dim: int, head_dim: int, context_dim: int | None = None):
        super().__init__()
        if dim % head_dim:
            raise ValueError(f"head_dim must divide the width {dim}, got head_dim={head_dim}")
        self.heads = dim // head_dim
        context_dim = context_dim or dim
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)

    def forward(self, x, context=None, mask=None, rotary=None):
        # mask: bool, True = attend, or a float bias added to the logits
        context = x if context is None else context
        q = rearrange(self.to_q(x), "n s (heads d) -> n heads s d", heads=self.heads)
        k = rearrange(self.to_k(context), "n l (heads d) -> n heads l d", heads=self.heads)
        v = rearrange(self.to_v(context), "n l (heads d) -> n heads l d", heads=self.heads)
        if rotary is not None:
            q, k = apply_rotary(q, *rotary), apply_rotary(k, *rotary)
        # softmax(q k^T / sqrt(d) [+ bias]) v  (Vaswani et al. 2017, eq. 1)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.to_out(rearrange(out, "n heads s d -> n s (heads d)"))


class TemporalAttention(nn.Module):
    """Self-attention across frames at each spatial position, with rotary relative positions
    and, if `position_buckets` is set, SEINE's learned relative position bias beside them.

    Its output projection starts at zero, so an untrained block is the identity in time.
    """

    def __init__(self, dim: int, head_dim: int, position_buckets: int = 0):
        super().__init__()
        if head_dim % 2:
            raise ValueError(f"head_dim must be even for rotary positions, got {head_dim}")
        self.head_dim = head_dim
        self.norm = nn.LayerNorm(dim)
        self.attn = Attention(dim, head_dim)
        self.position_bias = (RelativePositionBias(dim // head_dim, position_buckets)
                              if position_buckets else None)
        nn.init.zeros_(self.attn.to_out.weight)
        nn.init.zeros_(self.attn.to_out.bias)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        # tokens: ((B H W), F, C)
        rotary = rotary_tables(tokens.shape[1], self.head_dim, tokens.device, tokens.dtype)
        bias = None
        if self.position_bias is not None:
            bias = self.position_bias(tokens.shape[1], tokens.device).to(tokens.dtype)  # (heads, F, F)
        return tokens + self.attn(self.norm(tokens), mask=bias, rotary=rotary)


class FeedForward(nn.Module):
    """Pre-norm GELU MLP applied to every token."""

    def __init__(self, dim: int, mult: int):
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim * mult), nn.GELU(),
                                 nn.Linear(dim * mult, dim))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return tokens + self.net(tokens)


def text_attention_mask(text_mask: torch.Tensor | None):
    """SDPA mask (B, 1, 1, L) from a bool text mask (B, L), True = real token, or None if all real.

    A caption with no real token at all would make softmax divide by zero; its row attends to
    every token instead and `has_text` (B,) marks it so the caller can drop its contribution.
    """
    if text_mask is None or bool(text_mask.all()):
        return None, None
    has_text = text_mask.any(dim=1)
    mask = text_mask | ~has_text[:, None]
    return rearrange(mask, "b l -> b 1 1 l"), has_text


class VideoTransformerBlock(nn.Module):
    """SEINE's block: spatial self-attention -> text cross-attention -> temporal attention -> MLP.

    With `spatial=False` only the temporal attention is kept (cheap at fine levels, where
    attention over H*W tokens per frame would dominate the cost).
    """

    def __init__(self, dim: int, text_dim: int, head_dim: int, spatial: bool = True,
                 temporal: bool = True, ff_mult: int = 2, position_buckets: int = 0):
        super().__init__()
        if not (spatial or temporal):
            raise ValueError("VideoTransformerBlock needs spatial or temporal attention")
        self.spatial = spatial
        if spatial:
            self.norm_self = nn.LayerNorm(dim)
            self.self_attn = Attention(dim, head_dim)
            self.norm_cross = nn.LayerNorm(dim)
            self.cross_attn = Attention(dim, head_dim, context_dim=text_dim)
            self.ff = FeedForward(dim, ff_mult)
        self.temporal = TemporalAttention(dim, head_dim, position_buckets) if temporal else None

    def forward(self, x, num_frames, text_states=None, text_mask=None):
        # x: ((B F), C, H, W); text_states: (B, L, D); text_mask: bool (B, L) or None
        h, w = x.shape[-2:]
        tokens = rearrange(x, "(b f) c h w -> (b f) (h w) c", f=num_frames)
        if self.spatial:
            tokens = tokens + self.self_attn(self.norm_self(tokens))
            if text_states is not None:
                tokens = tokens + self._cross(tokens, num_frames, text_states, text_mask)
        if self.temporal is not None:
            by_pixel = rearrange(tokens, "(b f) n c -> (b n) f c", f=num_frames)
            tokens = rearrange(self.temporal(by_pixel), "(b n) f c -> (b f) n c", n=h * w)
        if self.spatial:
            tokens = self.ff(tokens)
        return rearrange(tokens, "n (h w) c -> n c h w", h=h, w=w)

    def _cross(self, tokens, num_frames, text_states, text_mask):
        """Every token of every frame attends to its own clip's caption, in one call per batch."""
        queries = rearrange(self.norm_cross(tokens), "(b f) n c -> b (f n) c", f=num_frames)
        mask, has_text = text_attention_mask(text_mask)
        out = self.cross_attn(queries, context=text_states, mask=mask)
        if has_text is not None:
            out = out * rearrange(has_text, "b -> b 1 1").to(out.dtype)
        return rearrange(out, "b (f n) c -> (b f) n c", f=num_frames)

