"""The video UNet that denoises `[z_t ; mask ; masked z0]` (SEINE, Chen et al. 2024, sec. 3).

Input (B, 2C+1, F, h, w): the noisy latent, the generate/given mask and the masked clean
latent side by side. Output (B, C, F, h, w): the prediction (noise, or v). Each level is
ResBlock(t) -> spatial self-attention -> text cross-attention -> temporal attention, with
attention switched on per level (`attention_levels`, `temporal_levels`): attention over
16x16 grids dominates the cost on a CPU, so small presets keep spatial attention coarse.
Convolutions and norms are per frame; frames only meet in the temporal attention (and, with
`temporal_conv`, a convolution over neighbouring frames), whose output projections start at
zero, so the untrained UNet treats every frame on its own.
With `text_pooled`, the mean of the text states also joins the timestep embedding (as the
pooled text embedding does in SDXL, Podell et al. 2023, sec. 2.1), so every ResBlock, the 16x16
ones without cross-attention included, hears the whole prompt: "moving left" is a fact about the
whole clip, not about a place in it.
Three more options (all off by default, so older model folders load unchanged) add what the
rest of the UNet cannot see. `text_words` adds each token's own word vector to its
context state (`word_path.py`), because MiniLM's last layer barely tells "left" from "right".
`frame_positions` and `relative_position_bias` tell every frame where it is in time
(`frame_position.py`), because per-frame layers otherwise see the same input for every frame.
"""

import torch
import torch.nn.functional as F
from diffusers import ConfigMixin, ModelMixin
from diffusers.configuration_utils import register_to_config
from einops import rearrange, repeat
from torch import nn

from seine_lite.attention import VideoTransformerBlock
from seine_lite.frame_position import FrameEmbedding, sinusoid
from seine_lite.presets import get_preset
from seine_lite.word_path import WordPath


def timestep_embedding(timesteps: torch.Tensor, dim: int, max_period: float = 10000.0):
    """Sinusoidal embedding (B, dim) of timesteps (Vaswani et al. 2017, sec. 3.5, as in DDPM)."""
    return sinusoid(timesteps, dim, max_period)


def pooled_text(text_states: torch.Tensor, text_mask: torch.Tensor | None) -> torch.Tensor:
    """Mean of the real tokens' states: (B, L, D) and bool (B, L) or None -> (B, D)."""
    if text_mask is None:
        return text_states.mean(dim=1)
    weights = text_mask.to(text_states.dtype)
    return torch.einsum("b l d, b l -> b d", text_states, weights) / weights.sum(1, keepdim=True).clamp(min=1)


class ResBlock(nn.Module):
    """GroupNorm-SiLU-conv twice, the timestep entering as a scale and shift (FiLM, as in ADM)."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int, groups: int, dropout: float = 0.0):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        # x: ((B F), C, H, W); emb: ((B F), E)
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = rearrange(self.emb(F.silu(emb)), "n (two c) -> two n c 1 1", two=2)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(self.dropout(F.silu(h)))
        return self.skip(x) + h


class TemporalConv(nn.Module):
    """GroupNorm-SiLU, then a convolution over 3 neighbouring frames at each pixel, added back.

    The temporal half of a (2+1)D convolution (Make-A-Video, Singer et al. 2022, sec. 3.2;
    VideoLDM, Blattmann et al. 2023, sec. 3.1): frame t sees frames t-1 and t+1 directly, a
    bias towards small changes between neighbours that attention has to learn. Zero padding in
    time lets the first and last frames know they are ends. The convolution starts at zero, so
    an untrained block is the identity.
    """

    def __init__(self, ch: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, ch)
        self.conv = nn.Conv3d(ch, ch, kernel_size=(3, 1, 1), padding=(1, 0, 0))
        nn.init.zeros_(self.conv.weight)
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: torch.Tensor, num_frames: int) -> torch.Tensor:
        # x: ((B F), C, H, W)
        h = rearrange(F.silu(self.norm(x)), "(b f) c h w -> b c f h w", f=num_frames)
        return x + rearrange(self.conv(h), "b c f h w -> (b f) c h w")


class VideoLayer(nn.Module):
    """One ResBlock, a temporal convolution if asked for, then, where the level asks for it,
    a video transformer block."""

    def __init__(self, in_ch, out_ch, emb_dim, groups, dropout, text_dim, head_dim,
                 spatial, temporal, ff_mult, temporal_conv=False, position_buckets=0):
        super().__init__()
        self.res = ResBlock(in_ch, out_ch, emb_dim, groups, dropout)
        self.tconv = TemporalConv(out_ch, groups) if temporal_conv else None
        self.attn = (VideoTransformerBlock(out_ch, text_dim, head_dim, spatial, temporal, ff_mult,
                                           position_buckets)
                     if spatial or temporal else None)

    def forward(self, x, emb, num_frames, text_states, text_mask):
        x = self.res(x, emb)
        if self.tconv is not None:
            x = self.tconv(x, num_frames)
        if self.attn is not None:
            x = self.attn(x, num_frames, text_states, text_mask)
        return x


class Level(nn.Module):
    """The layers of one resolution, then an optional 2x down- or upsampling."""

    def __init__(self, layers: list, resample: nn.Module | None):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.resample = resample


class Upsample(nn.Module):
    """Nearest-neighbour 2x, then a 3x3 convolution."""

    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


def _check_buckets(enabled: bool, buckets) -> int:
    """The bias's bucket count if it is switched on, else 0; impossible counts are an error."""
    if not enabled:
        return 0
    if isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 4:
        raise ValueError(f"relative_position_buckets must be an int >= 4, got {buckets!r}")
    return buckets


def _as_flags(name: str, value, n: int) -> tuple:
    flags = tuple(bool(v) for v in value)
    if len(flags) != n:
        raise ValueError(f"{name} must have one flag per level ({n}), got {value!r}")
    return flags


class VideoUNet(ModelMixin, ConfigMixin):
    """Factorised space-time UNet for masked latent video diffusion.

    Args:
        in_channels: 2C+1 (noisy latent, mask, masked clean latent).
        out_channels: C.
        block_out_channels: widths per level; each level after the first halves h and w.
        layers_per_block: ResBlocks per level on the way down (one more on the way up).
        attention_levels: per level, whether it has spatial self-attention and text
            cross-attention (the mid block always has both).
        temporal_levels: per level, whether it has temporal attention; None = every level.
        text_dim: width D of the text states.
        attention_head_dim: channels per attention head.
        ff_mult: MLP expansion in the blocks with spatial attention.
        norm_num_groups: GroupNorm groups; must divide every width.
        text_pooled: add a projection of the mean text state to the timestep embedding.
        temporal_conv: a convolution over neighbouring frames after every ResBlock but the last
            mid one (`TemporalConv`); SEINE has none, so the default is off.
        text_words: width of the word embeddings that follow the context states in
            `text_states` ((B, L, text_dim + text_words), the "minilm-words" encoder); 0 = none.
        text_word_scale: the length the word vectors start at (about a token state's).
        frame_positions: most frames the frame-index embedding encodes; 0 = no embedding.
        relative_position_bias: SEINE's T5-style bias in every temporal attention.
        relative_position_buckets: its number of distance buckets (SEINE: 32).
    """

    @register_to_config
    def __init__(self, in_channels: int = 9, out_channels: int = 4,
                 block_out_channels: tuple = (32, 64), layers_per_block: int = 1,
                 attention_levels: tuple = (False, True), temporal_levels: tuple | None = None,
                 text_dim: int = 384, attention_head_dim: int = 32, ff_mult: int = 2,
                 norm_num_groups: int = 8, dropout: float = 0.0, text_pooled: bool = False,
                 temporal_conv: bool = False, text_words: int = 0, text_word_scale: float = 8.0,
                 frame_positions: int = 0, relative_position_bias: bool = False,
                 relative_position_buckets: int = 32):
        super().__init__()
        widths = tuple(block_out_channels)
        n = len(widths)
        if any(w % norm_num_groups for w in widths):
            raise ValueError(f"norm_num_groups={norm_num_groups} must divide every width in "
                             f"block_out_channels={widths}")
        spatial = _as_flags("attention_levels", attention_levels, n)
        temporal = _as_flags("temporal_levels", temporal_levels or (True,) * n, n)
        emb_dim = 4 * widths[0]
        buckets = _check_buckets(relative_position_bias, relative_position_buckets)

        def layer(cin, cout, level, full=False):
            return VideoLayer(cin, cout, emb_dim, norm_num_groups, dropout, text_dim,
                              attention_head_dim, spatial[level] or full, temporal[level] or full,
                              ff_mult, temporal_conv, buckets)

        self.time_mlp = nn.Sequential(nn.Linear(widths[0], emb_dim), nn.SiLU(),
                                      nn.Linear(emb_dim, emb_dim))
        self.word_path = WordPath(text_dim, text_words, text_word_scale) if text_words else None
        self.frame_embedding = (FrameEmbedding(frame_positions, widths[0], emb_dim)
                                if frame_positions else None)
        self.text_proj = nn.Linear(text_dim, emb_dim) if text_pooled else None
        self.conv_in = nn.Conv2d(in_channels, widths[0], 3, padding=1)

        ch, skips = widths[0], [widths[0]]
        self.down = nn.ModuleList()
        for i, width in enumerate(widths):
            layers = []
            for _ in range(layers_per_block):
                layers.append(layer(ch, width, i))
                ch = width
                skips.append(ch)
            down = nn.Conv2d(ch, ch, 3, stride=2, padding=1) if i < n - 1 else None
            if down is not None:
                skips.append(ch)
            self.down.append(Level(layers, down))

        self.mid = layer(ch, ch, n - 1, full=True)
        self.mid_res = ResBlock(ch, ch, emb_dim, norm_num_groups, dropout)

        self.up = nn.ModuleList()
        for i in reversed(range(n)):
            layers = []
            for _ in range(layers_per_block + 1):
                layers.append(layer(ch + skips.pop(), widths[i], i))
                ch = widths[i]
            self.up.append(Level(layers, Upsample(ch) if i > 0 else None))

        self.norm_out = nn.GroupNorm(norm_num_groups, ch)
        self.conv_out = nn.Conv2d(ch, out_channels, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, x: torch.Tensor, timesteps, text_states: torch.Tensor | None = None,
                text_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, 2C+1, F, h, w), timesteps (B,) or scalar, text_states (B, L, D) or None
        (no text), text_mask bool (B, L) with True = real token, or None -> (B, C, F, h, w)."""
        batch, num_frames = self._check_inputs(x, text_states, text_mask)
        timesteps = torch.as_tensor(timesteps, device=x.device)
        if timesteps.ndim == 0:
            timesteps = timesteps.expand(batch)
        if timesteps.shape != (batch,):
            raise ValueError(f"timesteps must be a scalar or shape ({batch},), got "
                             f"{tuple(timesteps.shape)}")
        emb = self.time_mlp(timestep_embedding(timesteps, self.config.block_out_channels[0])
                            .to(x.dtype))
        if text_states is not None:
            text_states = text_states.to(x.dtype)
            if self.word_path is not None:                                  # (B, L, D + W) -> (B, L, D)
                text_states = self.word_path(text_states)
        if text_mask is not None:
            text_mask = text_mask.to(device=x.device, dtype=torch.bool)
        if self.text_proj is not None and text_states is not None:
            heard = self.text_proj(pooled_text(text_states, text_mask))        # (B, E)
            if text_mask is not None:       # no real token is no text, as in cross-attention
                heard = heard * text_mask.any(dim=1, keepdim=True)
            emb = emb + heard
        emb = repeat(emb, "b e -> b f e", f=num_frames)                  # (B, F, E)
        if self.frame_embedding is not None:                            # each frame its place in time
            emb = emb + self.frame_embedding(num_frames, x.device, emb.dtype)
        emb = rearrange(emb, "b f e -> (b f) e")                        # ((B F), E)
        args = (emb, num_frames, text_states, text_mask)

        h = self.conv_in(rearrange(x, "b c f h w -> (b f) c h w"))       # ((B F), C, H, W)
        skips = [h]
        for level in self.down:
            for layer in level.layers:
                h = layer(h, *args)
                skips.append(h)
            if level.resample is not None:
                h = level.resample(h)
                skips.append(h)
        h = self.mid_res(self.mid(h, *args), emb)
        for level in self.up:
            for layer in level.layers:
                h = layer(torch.cat([h, skips.pop()], dim=1), *args)
            if level.resample is not None:
                h = level.resample(h)
        out = self.conv_out(F.silu(self.norm_out(h)))
        return rearrange(out, "(b f) c h w -> b c f h w", f=num_frames)  # (B, C, F, H, W)

    def _check_inputs(self, x, text_states, text_mask):
        cfg = self.config
        if x.ndim != 5 or x.shape[1] != cfg.in_channels:
            raise ValueError(f"x must be (B, {cfg.in_channels}, F, h, w) = "
                             f"[z_t ; mask ; masked z0], got shape {tuple(x.shape)}")
        factor = 2 ** (len(cfg.block_out_channels) - 1)
        if x.shape[-1] % factor or x.shape[-2] % factor:
            raise ValueError(f"x's h and w must be multiples of {factor}, "
                             f"got {tuple(x.shape[-2:])}")
        batch = x.shape[0]
        width = cfg.text_dim + cfg.text_words
        if text_states is not None and (text_states.ndim != 3 or text_states.shape[0] != batch
                                        or text_states.shape[2] != width):
            raise ValueError(f"text_states must be ({batch}, L, {width}), got "
                             f"{tuple(text_states.shape)}")
        if text_mask is not None:
            if text_states is None:
                raise ValueError("text_mask was given without text_states")
            if tuple(text_mask.shape) != tuple(text_states.shape[:2]):
                raise ValueError(f"text_mask must be (B, L) = {tuple(text_states.shape[:2])}, "
                                 f"got {tuple(text_mask.shape)}")
        return batch, x.shape[2]


def unet_config_for(preset_name: str, latent_channels: int = 4, text_dim: int = 384) -> dict:
    """`VideoUNet` keyword arguments for a preset: `VideoUNet(**unet_config_for("cpu"))`."""
    widths = get_preset(preset_name, "preset_name").unet
    return dict(in_channels=2 * latent_channels + 1, out_channels=latent_channels, text_dim=text_dim, **widths)
