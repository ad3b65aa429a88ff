"""The flow fill: a dissolve between the given frames, and the last given frame carried on at its velocity.

The blend fill (`masking.blended_latent`) holds the last given frame still for every frame after it,
so for prediction the model must make all of the motion itself. The flow fill measures that motion
first. Where the last given frame L and the frame before it are both given, the optical flow d from
L to L-1 (I_L(x) ≈ I_{L-1}(x + d), Lucas–Kanade, scikit-image's `optical_flow_ilk`) is the velocity,
taken as constant (the classic extrapolation baseline of video prediction), and generated frame L+n is

    fill_{L+n}(x) = I_L(x + n·d(x))                                        (backward warp, bilinear)

Every other generated frame is the blend's (a transition or an interpolation has no two given frames
in a row to measure a velocity from). The flow is measured once on the frames' grey levels at the
clip's resolution and used twice: as it is for the pixels (the composite's baseline), and averaged
down to the latent grid, in latent pixels, to warp the latent (what the UNet sees, in training and
sampling alike).
"""
import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from skimage.registration import optical_flow_ilk

LUMA = np.array([0.299, 0.587, 0.114], np.float32)   # ITU-R BT.601


def luma(frames) -> np.ndarray:
    """uint8 RGB (..., H, W, 3) -> uint8 grey levels (..., H, W): what the flow is measured on."""
    return np.rint(np.asarray(frames, np.float32) @ LUMA).astype(np.uint8)


def trailing_frame(given) -> int:
    """The last given frame L when frame L-1 is given too and a frame after L is generated, else -1."""
    known = np.flatnonzero(np.asarray(given, bool))
    if len(known) < 2 or known[-1] == len(given) - 1 or known[-2] != known[-1] - 1:
        return -1
    return int(known[-1])


def velocity(grey_before, grey_last) -> torch.Tensor:
    """Flow d (2, H, W) in pixels, (row, column), with grey_last(x) ≈ grey_before(x + d)."""
    last, before = (np.asarray(g, np.float32) / 255 for g in (grey_last, grey_before))
    return torch.from_numpy(optical_flow_ilk(last, before).astype(np.float32))


def warp(image: torch.Tensor, displacement: torch.Tensor) -> torch.Tensor:
    """image (N, C, H, W) sampled at x + displacement (N, 2, H, W; row, column), bilinear, edges held."""
    h, w = image.shape[-2:]
    axis = {"dtype": torch.float32, "device": image.device}
    rows, cols = torch.meshgrid(torch.arange(h, **axis), torch.arange(w, **axis), indexing="ij")
    displacement = displacement.to(image.device, torch.float32)
    y = (rows + displacement[:, 0]) * (2 / max(h - 1, 1)) - 1
    x = (cols + displacement[:, 1]) * (2 / max(w - 1, 1)) - 1
    grid = torch.stack([x, y], dim=-1)                              # grid_sample wants (x, y)
    return F.grid_sample(image.float(), grid, mode="bilinear", padding_mode="border", align_corners=True)


def carried_on(frame: torch.Tensor, d: torch.Tensor, count: int) -> torch.Tensor:
    """frame (C, H, W) moved on n·d for n = 1..count -> (count, C, H, W); d (2, h', w') at any resolution
    that divides the frame's (averaged down, in the frame's pixels)."""
    factor = d.shape[-1] // frame.shape[-1]
    if factor > 1:
        d = F.avg_pool2d(d[None], factor)[0] / factor
    steps = torch.arange(1, count + 1, dtype=torch.float32, device=d.device).reshape(-1, 1, 1, 1)
    return warp(frame[None].expand(count, -1, -1, -1), steps * d[None])


def flow_latent(z0: torch.Tensor, mask: torch.Tensor, grey) -> torch.Tensor:
    """The flow fill of latents z0 (B, C, F, h, w) under mask (B, 1, F, h|1, w|1), from the clips'
    grey frames (B, F, H, W) uint8 (`luma`)."""
    from seine_lite.masking import blended_latent, given_frames
    if grey is None or tuple(np.shape(grey))[:2] != tuple(z0.shape[:1]) + tuple(z0.shape[2:3]):
        raise ValueError(f"the flow fill needs the clips' grey frames (B, F, H, W) = "
                         f"{(z0.shape[0], z0.shape[2])} + (H, W), got {None if grey is None else tuple(np.shape(grey))}")
    fill = blended_latent(z0, mask)
    for b, given in enumerate(given_frames(mask)):
        last = trailing_frame(given)
        if last >= 0:
            d = velocity(grey[b][last - 1], grey[b][last])
            moved = carried_on(z0[b, :, last], d, z0.shape[2] - 1 - last)
            fill[b, :, last + 1:] = rearrange(moved, "f c h w -> c f h w").to(fill)
    return fill


def flow_pixels(frames: np.ndarray, given) -> np.ndarray:
    """The flow fill in pixel space: uint8 frames (..., F, H, W, 3) -> float32 (..., F, H, W, 3) in 0..255."""
    from seine_lite.masking import blend_weights
    given = np.asarray(given, bool)
    weights = blend_weights(given[None])[0].numpy()
    out = np.einsum("fg,...ghwc->...fhwc", weights, frames.astype(np.float32))
    last = trailing_frame(given)
    if last < 0:
        return out
    lead, (f, h, w) = frames.shape[:-4], frames.shape[-4:-1]
    rows, flat = frames.reshape(-1, f, h, w, 3), out.reshape(-1, f, h, w, 3)
    grey = luma(rows)
    for r in range(len(rows)):
        d = velocity(grey[r, last - 1], grey[r, last])
        image = torch.from_numpy(rows[r, last].astype(np.float32)).permute(2, 0, 1)
        flat[r, last + 1:] = carried_on(image, d, f - 1 - last).permute(0, 2, 3, 1).numpy()
    return flat.reshape(*lead, f, h, w, 3)
