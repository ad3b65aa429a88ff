"""The shapes world: captioned clips of one coloured shape moving on a plain background.

Every frame is drawn from a signed distance field (SDF, negative inside the shape) evaluated
on the pixel grid with numpy broadcasting over (clip N, frame F, row H, column W): no Python
loop ever visits a pixel. Edges are anti-aliased over one pixel, coverage = clip(0.5 - sdf, 0, 1),
so pixels more than half a pixel inside a shape hold its palette colour exactly and pixels
more than half a pixel outside hold the background colour exactly.

Vocabulary and caption template (seine_lite/data/scenes.py) follow the data contract in docs/design.md:
    "a {color} {shape} moving {left|right|up|down} on a {background} background"   ("an" before a vowel)
    "a {color} {shape} {growing|shrinking|still} on a {background} background"

Sizes are fractions of the frame side, so any size and frame count works: the object is about
1/4 to 1/3 of the frame across and straight-line motions travel 25-35 % of the frame, from a
start drawn anywhere that keeps the object inside the frame: where an object starts does not
give its direction away (a centred object may go any way), so only the caption tells it.
The same seed gives the same bytes; the clip parameters are drawn once for the whole batch
and rendering is a pure function of them, so chunking never changes the result.
"""
import numpy as np

from seine_lite.data.scenes import (BACKGROUNDS, COLORS, MOTIONS, SHAPES, Scene, caption_for, check_size,
                                    check_word, frame_times)
from seine_lite.data.splits import draw_scene_ids

RADIUS_RANGE = (0.12, 0.16)     # object "radius" as a fraction of the frame side (still / moving)
TRAVEL_RANGE = (0.25, 0.35)     # distance a moving object covers over the clip
PATH_RANGE = (0.22, 0.78)       # a moving object's centre stays here, so it never touches the border
GROW_SMALL = (0.05, 0.08)       # radius at the small end of growing / shrinking
GROW_LARGE = (0.18, 0.20)       # radius at the large end
SQUARE_HALF_SIDE = 0.9          # square half side / radius
TRIANGLE_INRADIUS = 0.6         # equilateral triangle (apex up) inradius / radius; circumradius 1.2
CHUNK = 128                     # clips rendered per numpy batch (bounds memory, not results)

_COLOR_NAMES, _BG_NAMES = tuple(COLORS), tuple(BACKGROUNDS)
_COLOR_RGB = np.array([COLORS[c] for c in _COLOR_NAMES], dtype=np.float32)
_BG_RGB = np.array([BACKGROUNDS[b] for b in _BG_NAMES], dtype=np.float32)


# ---------------------------------------------------------------- signed distance fields
# dx (..., 1, W) and dy (..., H, 1) are pixel offsets from the shape centre (y grows downwards),
# radius broadcasts against them; each function returns the SDF in pixels, shape (..., H, W).

def _circle(dx, dy, radius):
    return np.sqrt(dx * dx + dy * dy) - radius


def _square(dx, dy, radius):
    return np.maximum(np.abs(dx), np.abs(dy)) - SQUARE_HALF_SIDE * radius


def _triangle(dx, dy, radius):
    # max over the three edge half-planes: base (normal +y), two sides (normals (+-sqrt3/2, -1/2))
    return np.maximum(dy, np.abs(dx) * np.float32(np.sqrt(3) / 2) - 0.5 * dy) - TRIANGLE_INRADIUS * radius


_SDF = (_circle, _square, _triangle)     # indexed like SHAPES


def shape_sdf(shape_ids, dx, dy, radius):
    """SDF of a batch of mixed shapes: shape_ids (N,), dx (N,F,1,W), dy (N,F,H,1), radius (N,F,1,1)."""
    shape_ids = np.asarray(shape_ids)
    out_shape = np.broadcast_shapes(dx.shape, dy.shape, radius.shape)
    if (shape_ids == shape_ids[0]).all():
        return np.broadcast_to(_SDF[shape_ids[0]](dx, dy, radius), out_shape)
    out = np.empty(out_shape, dtype=np.float32)
    for k, sdf in enumerate(_SDF):
        sel = shape_ids == k
        if sel.any():
            out[sel] = sdf(dx[sel], dy[sel], radius[sel])
    return out


def coverage(sdf):
    """Fraction of each pixel inside the shape: a one-pixel anti-aliased edge."""
    return np.clip(0.5 - sdf, 0.0, 1.0)


def paint(alpha, fg, bg):
    """Blend a foreground colour over a background by coverage alpha (..., H, W) -> float (..., H, W, 3).

    fg and bg broadcast against (..., H, W, 3); alpha 1 gives fg exactly, alpha 0 gives bg exactly.
    Channels are done one at a time so every numpy op runs over contiguous memory.
    """
    fg, bg = np.asarray(fg, dtype=np.float32), np.asarray(bg, dtype=np.float32)
    out = np.empty(np.broadcast_shapes(alpha.shape + (3,), fg.shape, bg.shape), dtype=np.float32)
    for c in range(3):
        out[..., c] = _blend(alpha, fg[..., c], bg[..., c])
    return out


def _blend(alpha, fg, bg):
    return bg + alpha * (fg - bg)


def to_uint8(image):
    """Round a float image in [0, 255] to uint8 (deterministic; values are never negative)."""
    return (image + 0.5).astype(np.uint8)


def pixel_centres(size: int):
    """Pixel-centre coordinates 0.5, 1.5, ... of a side of `size` pixels, float32."""
    return np.arange(size, dtype=np.float32) + 0.5


def offsets(size, cx, cy):
    """Pixel offsets from centres cx, cy (N,F) in pixels -> dx (N,F,1,W), dy (N,F,H,1)."""
    grid = pixel_centres(size)
    return grid[None, None, None, :] - cx[..., None, None], grid[None, None, :, None] - cy[..., None, None]


def render_layers(shape_ids, color_ids, bg_ids, cx, cy, radius, size):
    """Render clips from per-frame centres and radii in pixels, (N,F) each -> uint8 (N,F,H,W,3)."""
    dx, dy = offsets(size, cx, cy)
    alpha = coverage(shape_sdf(shape_ids, dx, dy, radius[..., None, None]))
    fg, bg = _COLOR_RGB[color_ids][:, None, None, None, :], _BG_RGB[bg_ids][:, None, None, None, :]
    out = np.empty(alpha.shape + (3,), dtype=np.uint8)
    for c in range(3):      # same arithmetic as paint + to_uint8, without the float image in memory
        out[..., c] = to_uint8(_blend(alpha, fg[..., c], bg[..., c]))
    return out


# ---------------------------------------------------------------- scenes and motion paths

def render_scene(scene: Scene, size: int = 64) -> np.ndarray:
    """A still scene as one uint8 (size, size, 3) image."""
    check_size(1, size)
    color, shape, bg = scene.ids()
    geometry = [np.full((1, 1), v, dtype=np.float32) * size for v in (scene.cx, scene.cy, scene.radius)]
    return render_layers(np.array([shape]), np.array([color]), np.array([bg]), *geometry, size)[0, 0]


NUM_UNIFORMS = 7                # random numbers drawn per shapes clip


def motion_paths(motion_ids, uniforms, num_frames, size):
    """Centres and radii (N,F) in pixels for each clip's motion, from uniforms (N, NUM_UNIFORMS)."""
    u = frame_times(num_frames)[None, :]
    m = motion_ids[:, None]
    a, b, c, d, e, f, g = (uniforms[:, k:k + 1].astype(np.float32) for k in range(NUM_UNIFORMS))
    radius_still = RADIUS_RANGE[0] + a * (RADIUS_RANGE[1] - RADIUS_RANGE[0])
    travel = TRAVEL_RANGE[0] + b * (TRAVEL_RANGE[1] - TRAVEL_RANGE[0])
    across = 0.3 + 0.4 * d                       # position across the motion axis (and of still objects)
    sign = np.where((m == 1) | (m == 3), 1.0, -1.0).astype(np.float32)     # right / down increase
    lo = PATH_RANGE[0] + np.where(sign < 0, travel, 0.0)     # the start is uniform over the places
    hi = PATH_RANGE[1] - np.where(sign > 0, travel, 0.0)     # from which the whole path stays inside
    along = lo + c * (hi - lo) + sign * travel * u
    horizontal, vertical = m <= 1, (m == 2) | (m == 3)
    cx = np.where(horizontal, along, np.where(vertical, across, 0.5 + 0.16 * (d - 0.5)))
    cy = np.where(vertical, along, np.where(horizontal, across, 0.5 + 0.16 * (e - 0.5)))
    still = m == 6
    cx, cy = np.where(still, across, cx), np.where(still, 0.3 + 0.4 * e, cy)
    small = GROW_SMALL[0] + g * (GROW_SMALL[1] - GROW_SMALL[0])
    large = GROW_LARGE[0] + f * (GROW_LARGE[1] - GROW_LARGE[0])
    grow = small + (large - small) * u
    radius = np.where(m == 4, grow, np.where(m == 5, large + (small - large) * u, radius_still))
    shape = (len(motion_ids), num_frames)
    return [np.broadcast_to(v * size, shape).astype(np.float32) for v in (cx, cy, radius)]


def _render_batch(ids, uniforms, num_frames, size):
    """ids (N,4): color, shape, motion, background indices; uniforms (N, NUM_UNIFORMS) -> (N,F,H,W,3)."""
    out = np.empty((len(ids), num_frames, size, size, 3), dtype=np.uint8)
    for start in range(0, len(ids), CHUNK):
        part = slice(start, start + CHUNK)
        color, shape, motion, bg = ids[part].T
        cx, cy, radius = motion_paths(motion, uniforms[part], num_frames, size)
        out[part] = render_layers(shape, color, bg, cx, cy, radius, size)
    return out


def render_clip(color: str, shape: str, motion: str, background: str,
                num_frames: int = 16, size: int = 64, seed: int = 0) -> np.ndarray:
    """One shapes clip, uint8 (F, H, W, 3); the seed picks the start position, size and speed."""
    ids = np.array([[check_word("color", color, COLORS), check_word("shape", shape, SHAPES),
                     check_word("motion", motion, MOTIONS),
                     check_word("background", background, BACKGROUNDS)]])
    check_size(num_frames, size)
    uniforms = np.random.default_rng(seed).random((1, NUM_UNIFORMS))
    return _render_batch(ids, uniforms, num_frames, size)[0]


def make_shapes_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0, split: str = "train"):
    """n random shapes clips -> (uint8 (n, F, H, W, 3), list of n captions).

    `split` (see data/splits.py): "train" never draws a held-out scene, "heldout" only those, "all" any.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    check_size(num_frames, size)
    rng = np.random.default_rng(seed)
    scene = draw_scene_ids(rng, n, split)                       # colour, shape, background
    motion = rng.integers(0, len(MOTIONS), n)
    ids = np.stack([scene[:, 0], scene[:, 1], motion, scene[:, 2]], 1)
    uniforms = rng.random((n, NUM_UNIFORMS))
    captions = [caption_for(_COLOR_NAMES[c], SHAPES[s], MOTIONS[m], _BG_NAMES[b]) for c, s, m, b in ids]
    return _render_batch(ids, uniforms, num_frames, size), captions

