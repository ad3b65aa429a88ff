"""Soft transitions between any two videos: slide, zoom, morph and wipe with soft fronts and evenly
spread change, so that no frame-to-frame step is much bigger than the others (`metrics.max_jump`).

    clip = join_videos("slide", video_a, video_b, direction="left")     # uint8 (F, H, W, 3)

Frame k composes video_a[k] with video_b[k]; frame 0 is video_a[0] and the last frame video_b[-1],
byte for byte (at u = 0 every formula below is the identity on A, at u = 1 on B, up to float error
far below the rounding to uint8). The shapes world's
`render_transitions(..., smooth=True)` (data/transitions_world.py) draws its slides, zooms and wipes
with these same functions on its still scenes.

A soft front. Every pixel p has a phase phi_p in [0, 1], when the front reaches it, and crosses from
A to B on a straight ramp that lasts 1 - SPREAD of the clip (u = k / (F - 1) is the clip's time):

    w_p(u) = clip((u - SPREAD * phi_p) / (1 - SPREAD), 0, 1)                      1 = shows B

No pixel changes faster than 1 / (1 - SPREAD) per unit of time, so one step changes at most
1 / ((F - 1)(1 - SPREAD)) of a hard cut however the difference between A and B is laid out, and
about 1 / ((F - 1) SPREAD) when the difference covers the picture, because the phases are spread
evenly over its area. smooth=False makes the ramp one pixel wide and eases time with smoothstep, like
the hard fronts of the shapes world's default clips.

Kinds: the phase, and how the pictures move.
  wipe   phase = position along `direction`: a soft straight front; nothing moves
  slide  the wipe's front, while both pictures glide `travel` along `direction`: A leaves, B arrives
  zoom   the camera zooms into A by `zoom` about `centre` while B zooms in from 1 / `zoom`;
         phase = rank of the distance from `centre`: an iris opening on B
  morph  phase = rank of a smooth random field (`seed`): B shows through in soft, growing blobs,
         a dissolve whose front varies across the picture instead of a uniform cross-fade

Motion is what can break the bar: a gliding picture changes at every edge it has, however similar
A and B are. So by default a smooth slide's travel and a smooth zoom's factor are the largest, up to
SLIDE_TRAVEL and ZOOM_SMOOTH, whose motion changes the picture by at most MOTION_SHARE of the hard cut
in all, estimated from the gradients of the end frames: two similar pictures glide less.
Outside its frame a picture continues its edge pixels (a slide or a zoom-out may uncover them).
"""
import numpy as np

from seine_lite.data.scenes import DIRECTIONS, check_word, frame_times
from seine_lite.data.shapes import to_uint8
from seine_lite.inputs import check_seed

JOIN_KINDS = ("slide", "zoom", "morph", "wipe")
SPREAD = 0.6            # the front's arrival is spread over this share of the clip; a pixel takes the rest
MOTION_SHARE = 0.75     # a smooth slide or zoom moves the pictures by at most this share of a hard cut
SLIDE_TRAVEL = 0.5      # a smooth slide glides at most half the frame (a hard one pushes a whole frame)
ZOOM_SMOOTH = 2.0       # a smooth zoom magnifies at most 2 x (a hard one ZOOM_MAX)
ZOOM_MAX = 4.0          # how far the camera zooms into scene A (and B starts zoomed out by)
NOISE_CELLS = 4         # the morph's random field has about this many blobs across the picture


def check_smooth(smooth) -> bool:
    if not isinstance(smooth, (bool, np.bool_)):
        raise ValueError(f"smooth must be True or False, got {smooth!r}")
    return bool(smooth)


def smoothstep(u):
    """Ease in and out: 0 -> 0 and 1 -> 1 exactly."""
    return u * u * (3 - 2 * u)


def lerp(a, b, u):
    """(1-u) a + u b: exactly a at u = 0 and exactly b at u = 1."""
    return (1 - u) * a + u * b


# ---------------------------------------------------------------- phases: when the front reaches a pixel
# Each returns float32 (N, 1, H, W) in [0, 1] for N clips; sign (N,) is +1 for right / down, -1 for
# left / up, horizontal (N,) is True for left / right, centre (N, 2) is (x, y) in pixels.

def along_phase(sign, horizontal, h, w):
    """Position along the direction of motion: 0 at the side B comes in from, 1 at the far side."""
    def along(size):
        ramp = np.arange(size, dtype=np.float32) / np.float32(size - 1)
        return np.where(sign[:, None] > 0, ramp, 1 - ramp)                     # (N, size)
    x, y = along(w)[:, None, :], along(h)[:, :, None]
    return np.where(horizontal[:, None, None], x, y)[:, None]


def rank_phase(field):
    """Rank of each pixel of field (N, H, W), scaled to [0, 1]: every phase interval covers its share
    of the area, so a front made of these phases uncovers the same area each step (ties by position)."""
    n, h, w = field.shape
    order = np.argsort(field.reshape(n, -1), axis=1, kind="stable")
    phase = np.empty((n, h * w), dtype=np.float32)
    np.put_along_axis(phase, order, np.arange(h * w, dtype=np.float32)[None] / np.float32(h * w - 1), axis=1)
    return phase.reshape(n, 1, h, w)


def iris_phase(centre, h, w):
    """Rank of the distance from centre: a circle growing from it, spread evenly over the area."""
    x, y = np.arange(w, dtype=np.float32) + 0.5, np.arange(h, dtype=np.float32) + 0.5
    dist = np.hypot(x[None, None, :] - centre[:, 0, None, None], y[None, :, None] - centre[:, 1, None, None])
    return rank_phase(dist)


def _hat(size, cells):
    """Linear interpolation weights (size, cells + 1) from a coarse grid of cells + 1 knots to pixels."""
    pos = (np.arange(size, dtype=np.float32) + 0.5) * np.float32(cells / size)
    return np.maximum(0, 1 - np.abs(pos[:, None] - np.arange(cells + 1, dtype=np.float32)[None]))


def noise_phase(seeds, h, w):
    """Rank of a smooth random field per seed: random knots every 1 / NOISE_CELLS of a side, joined linearly."""
    knots = np.stack([np.random.default_rng(int(s)).random((NOISE_CELLS + 1, NOISE_CELLS + 1)) for s in seeds])
    field = np.einsum("hi,nij,wj->nhw", _hat(h, NOISE_CELLS), knots.astype(np.float32), _hat(w, NOISE_CELLS))
    return rank_phase(field)


def front_weights(phase, e, spread):
    """How much of B each pixel shows, float32 (N, F, H, W): the soft front's ramp at eased times e (F,)."""
    spread = np.float32(spread)
    return np.clip((e[None, :, None, None] - spread * phase) / (1 - spread), 0.0, 1.0)


# ---------------------------------------------------------------- motion
# Positions are where each output pixel samples a picture along one axis, float32 (N, F, size),
# in pixel units with pixel centres at k + 0.5; None is the identity (no resampling).

def slide_positions(e, sign, horizontal, travel, h, w):
    """A glides travel * e along the direction, B arrives from travel behind: (ax, ay, bx, by)."""
    shift = sign[:, None] * travel[:, None] * e[None, :]                        # (N, F): A's offset
    back = sign[:, None] * travel[:, None] * (1 - e)[None, :]                  # (N, F): B still to go
    hor = horizontal[:, None, None]

    def pos(size, offset, on):
        grid = np.arange(size, dtype=np.float32) + 0.5
        return grid[None, None, :] + np.where(on, offset[..., None], np.float32(0))
    return (pos(w, -shift, hor), pos(h, -shift, ~hor), pos(w, back, hor), pos(h, back, ~hor))


def zoom_positions(e, zoom, centre, h, w):
    """A magnified by zoom ** e about centre, B by zoom ** (e - 1) (from 1 / zoom up to 1): (ax, ay, bx, by)."""
    za = zoom[:, None] ** e[None, :]                                            # (N, F), 1 at e = 0
    zb = zoom[:, None] ** (e - 1)[None, :]                                      # 1 at e = 1

    def pos(size, c, z):
        grid = np.arange(size, dtype=np.float32) + 0.5
        return (grid[None, None, :] - c[:, None, None]) / z[..., None] + c[:, None, None]
    cx, cy = centre[:, 0], centre[:, 1]
    return pos(w, cx, za), pos(h, cy, za), pos(w, cx, zb), pos(h, cy, zb)


def resample(video, pos, axis):
    """Sample video (N, F or 1, H, W, 3) float along axis (2 rows, 3 columns) at positions (N, F, L),
    linear between pixel centres, edge pixels continued outside; identity positions return it exactly."""
    if pos is None:
        return video
    k = pos - np.float32(0.5)
    k0 = np.floor(k)
    t = (k - k0).astype(np.float32)
    last = video.shape[axis] - 1
    shape = (*pos.shape[:2], 1, pos.shape[2], 1) if axis == 3 else (*pos.shape, 1, 1)
    i0 = np.clip(k0, 0, last).astype(np.intp).reshape(shape)
    i1 = np.clip(k0 + 1, 0, last).astype(np.intp).reshape(shape)
    v0, v1 = np.take_along_axis(video, i0, axis), np.take_along_axis(video, i1, axis)
    return v0 + t.reshape(shape) * (v1 - v0)


def _moves(pos):
    """None where every position is the identity, so resample skips that axis."""
    grid = np.arange(pos.shape[-1], dtype=np.float32) + 0.5
    return None if np.array_equal(pos, np.broadcast_to(grid, pos.shape)) else pos


def _cut(a0, b1):
    """Mean absolute difference of A's first and B's last frame per clip, (N,): a hard cut's size."""
    return np.abs(b1 - a0).mean(axis=(1, 2, 3))


def auto_travel(a0, b1, horizontal, limit=SLIDE_TRAVEL):
    """A smooth slide's travel in pixels (N,) from A's first and B's last frame (N, H, W, 3) float.

    Gliding one pixel changes a picture by the mean of its differences between neighbours along the
    axis, so the travel is MOTION_SHARE * cut over the two pictures' gradients, capped at `limit` sides.
    """
    def gradient(img, axis):
        return np.abs(np.diff(img, axis=axis)).sum(axis=(1, 2, 3)) / img[0].size
    grad = np.where(horizontal, gradient(a0, 2) + gradient(b1, 2), gradient(a0, 1) + gradient(b1, 1))
    side = np.where(horizontal, a0.shape[2], a0.shape[1]).astype(np.float32)
    return np.minimum(limit * side, MOTION_SHARE * _cut(a0, b1) / np.maximum(grad, 1e-6)).astype(np.float32)


def auto_zoom(a0, b1, centre, limit=ZOOM_SMOOTH):
    """A smooth zoom's factor (N,): zooming by a factor z changes a picture by about (z^2 - 1) / 2 times
    its radial gradient R = mean |(p - centre) . grad I|, so z = sqrt(1 + 2 MOTION_SHARE cut / (R_A + R_B))."""
    def radial(img):
        gy, gx = np.gradient(img, axis=(1, 2))
        x = np.arange(img.shape[2], dtype=np.float32) + 0.5 - centre[:, 0, None]
        y = np.arange(img.shape[1], dtype=np.float32) + 0.5 - centre[:, 1, None]
        return np.abs(x[:, None, :, None] * gx + y[:, :, None, None] * gy).mean(axis=(1, 2, 3))
    z = np.sqrt(1 + 2 * MOTION_SHARE * _cut(a0, b1) / np.maximum(radial(a0) + radial(b1), 1e-6))
    return np.clip(z, 1.0, limit).astype(np.float32)


# ---------------------------------------------------------------- the join, batched and for one pair

def join_batch(kind, a, b, e, spread, sign=None, horizontal=None, travel=None, zoom=None, centre=None,
               seeds=None):
    """Compose N clips of one kind: a, b float32 (N, F or 1, H, W, 3), eased times e (F,), per-clip
    parameters (N,) as each kind needs them (travel in pixels, centre (N, 2) in pixels) -> float (N, F, H, W, 3)."""
    h, w = a.shape[2:4]
    positions = (None,) * 4
    if kind == "wipe" or kind == "slide":
        phase = along_phase(sign, horizontal, h, w)
        if kind == "slide":
            positions = slide_positions(e, sign, horizontal, travel, h, w)
    elif kind == "zoom":
        phase = iris_phase(centre, h, w)
        positions = zoom_positions(e, zoom, centre, h, w)
    else:
        phase = noise_phase(seeds, h, w)
    ax, ay, bx, by = (None if p is None else _moves(p) for p in positions)
    img_a = resample(resample(a, ax, 3), ay, 2)
    img_b = resample(resample(b, bx, 3), by, 2)
    return lerp(img_a, img_b, front_weights(phase, e, spread)[..., None])


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _check_video(name, video):
    if not isinstance(video, np.ndarray) or video.dtype != np.uint8 or video.ndim != 4 or video.shape[-1] != 3:
        got = f"{video.dtype} array of shape {video.shape}" if isinstance(video, np.ndarray) else type(video).__name__
        raise ValueError(f"{name} must be a uint8 array (F, H, W, 3), got {got}")
    if len(video) < 2 or min(video.shape[1:3]) < 2:
        raise ValueError(f"{name} must have at least 2 frames of at least 2 x 2 pixels, got shape {video.shape}")


def join_videos(kind: str, video_a, video_b, direction: str = "left", smooth: bool = True, travel=None,
                zoom=None, centre=(0.5, 0.5), seed: int = 0) -> np.ndarray:
    """A `kind` transition from video_a to video_b, two uint8 (F, H, W, 3) videos of one shape.

    Frame k composes video_a[k] and video_b[k] (both scenes keep moving) -> uint8 (F, H, W, 3) whose
    frame 0 is video_a[0] and last frame video_b[-1], byte for byte; the inputs are not changed.
    To join two shots, pass the F frames of shot A that the transition covers and the F frames of
    shot B that it covers (e.g. two `photos.photo_clip` results); H and W may differ.

        clip = join_videos("wipe", photo_clip(cat, "panning left"), photo_clip(cup, "zooming in"), "up")

    A clip's largest step (`metrics.max_jump`) also counts the videos' own motion, which no front
    can spread. On textured photographs the automatic glide and zoom are cautious (a few pixels,
    about x 1.1 on 64 px photos: gliding changes every textured pixel); travel=0.25 or zoom=2 gave a
    visible move whose steps stayed under a quarter of a hard cut on the bundled photos.
    kind: "slide", "zoom", "morph" (a dissolve through soft random blobs) or "wipe" (see the module).
    direction: "left", "right", "up" or "down": where a slide or a wipe goes (B enters from the other side).
    smooth: soft fronts, even timing and moderate motion (True), or one-pixel fronts, smoothstep
        timing, a whole-frame push and a ZOOM_MAX zoom (False).
    travel: a slide's glide as a share of the frame side in [0, 1]; None = automatic (smooth) or 1.
    zoom: a zoom's factor >= 1; None = automatic (smooth) or ZOOM_MAX.
    centre: (x, y) of the zoom and its iris as shares of the width and height.
    seed: the morph's random field.
    """
    check_word("kind", kind, JOIN_KINDS)
    check_word("direction", direction, DIRECTIONS)
    _check_video("video_a", video_a)
    _check_video("video_b", video_b)
    if video_a.shape != video_b.shape:
        raise ValueError(f"video_a and video_b must have one shape, got {video_a.shape} and {video_b.shape}")
    check_smooth(smooth)
    if travel is not None and not (_is_number(travel) and 0 <= travel <= 1):
        raise ValueError(f"travel must be a share of the frame side in [0, 1] or None, got {travel!r}")
    if zoom is not None and not (_is_number(zoom) and 1 <= zoom < np.inf):
        raise ValueError(f"zoom must be a finite factor >= 1 or None, got {zoom!r}")
    if not (isinstance(centre, (tuple, list, np.ndarray)) and len(centre) == 2
            and all(_is_number(c) and 0 <= c <= 1 for c in centre)):
        raise ValueError(f"centre must be (x, y) shares of the width and height in [0, 1], got {centre!r}")
    seed = check_seed(seed)
    num_frames, h, w = video_a.shape[:3]
    u = frame_times(num_frames)
    e, spread = (u, SPREAD) if smooth else (smoothstep(u), 1 - 1 / max(h, w))
    a, b = video_a[None].astype(np.float32), video_b[None].astype(np.float32)
    sign = np.array([1.0 if direction in ("right", "down") else -1.0], dtype=np.float32)
    horizontal = np.array([direction in ("left", "right")])
    middle = np.array([[centre[0] * w, centre[1] * h]], dtype=np.float32)
    if travel is not None:
        travel = np.float32(travel) * np.where(horizontal, w, h).astype(np.float32)
    elif smooth:
        travel = auto_travel(a[:, 0], b[:, -1], horizontal)
    else:
        travel = np.where(horizontal, w, h).astype(np.float32)
    if zoom is None:
        zoom = auto_zoom(a[:, 0], b[:, -1], middle) if smooth else np.float32(ZOOM_MAX)
    zoom = np.atleast_1d(np.asarray(zoom, dtype=np.float32))
    out = join_batch(kind, a, b, e, spread, sign, horizontal, travel, zoom, middle, [seed])
    return to_uint8(out)[0]
