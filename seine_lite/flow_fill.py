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
sampling alike). `masking.flow_latent` and `conditioning.fill_pixels` put them together with the blend.
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


def carry_latent(fill: torch.Tensor, z0: torch.Tensor, given, grey) -> torch.Tensor:
    """Put the carried-on frames into a blend `fill` (B, C, F, h, w) of latents z0, for each row whose
    `given` (B or 1, F) bool ends on two given frames in a row; `grey` (B, F, H, W) uint8 (`luma`) of the clips."""
    if grey is None or tuple(np.shape(grey))[:2] != (z0.shape[0], z0.shape[2]):
        raise ValueError(f"the flow fill needs the clips' grey frames (B, F, H, W) = "
                         f"{(z0.shape[0], z0.shape[2])} + (H, W), got {None if grey is None else tuple(np.shape(grey))}")
    for b, row in enumerate(np.broadcast_to(given, (z0.shape[0], z0.shape[2]))):   # one layout may serve every row
        last = trailing_frame(row)
        if last >= 0:
            d = velocity(grey[b][last - 1], grey[b][last])
            moved = carried_on(z0[b, :, last], d, z0.shape[2] - 1 - last)
            fill[b, :, last + 1:] = rearrange(moved, "f c h w -> c f h w").to(fill)
    return fill


def carry_pixels(fill: np.ndarray, frames: np.ndarray, given) -> np.ndarray:
    """The same in pixel space: a blend `fill` float32 (..., F, H, W, 3) of uint8 `frames`, `given` (F,)."""
    last = trailing_frame(given)
    if last < 0:
        return fill
    lead, (f, h, w) = frames.shape[:-4], frames.shape[-4:-1]
    rows, flat = frames.reshape(-1, f, h, w, 3), fill.reshape(-1, f, h, w, 3)
    grey = luma(rows)
    for r in range(len(rows)):
        d = velocity(grey[r, last - 1], grey[r, last])
        image = torch.from_numpy(rows[r, last].astype(np.float32)).permute(2, 0, 1)
        flat[r, last + 1:] = carried_on(image, d, f - 1 - last).permute(0, 2, 3, 1).numpy()
    return flat.reshape(*lead, f, h, w, 3)
