"""Scene-to-scene clips: one still shapes scene becomes another by a slide, zoom, morph or wipe.

These teach the model transitions that are not a dissolve (docs/design.md, the shapes world). Frame 0
is exactly scene A and the last frame exactly scene B, byte for byte what `render_scene` draws:
every formula below reduces to the still-scene formula at u = 0 and u = 1 in float32 arithmetic
(lerps are written (1-u)a + ub, zoom centres sit on the half-pixel grid).

  slide  scene B pushes scene A out of the frame (left, right, up or down)
  zoom   the camera zooms into A's object while an iris opens on B, which zooms in from afar
  morph  A's object becomes B's: centre, size and signed distance field are interpolated,
         the colour changes uniformly and B's background spreads outwards from the object
  wipe   a straight soft edge crosses the frame and leaves B behind it

smooth=True (off by default, so the default clips stay byte for byte what they were) draws every kind
with soft fronts and evenly spread change, so that no step of a clip changes more than about a quarter
of a hard cut (`metrics.max_jump`; benchmarks/data_jumps.py measures it): slides, zooms and wipes are
`soft_transitions.join_batch` on the two still scenes (wide soft fronts, linear timing, a glide or a
zoom only as large as the two scenes' difference allows); a morph keeps its interpolated object, on
linear timing, with B's background spreading on a soft front, and `sample_transitions` shortens its
move (MORPH_REACH; a morph of two scenes given by hand whose objects sit in opposite corners can still
step about 0.4). The ends stay exact: at u = 0 and u = 1 every smooth formula is the identity too.

Caption template: "{scene A} {verb} {scene B}", scene = "a {color} {shape} on a {background} background",
verb by kind (TRANSITION_VERBS), e.g.
"a red circle on a black background turning into a blue square on a gray background".
"""
from dataclasses import dataclass

import numpy as np

from seine_lite.data.scenes import (BACKGROUNDS, COLORS, DIRECTIONS, SHAPES, Scene, check_size, check_word,
                                    frame_times)
from seine_lite.data.shapes import (CHUNK, RADIUS_RANGE, _BG_RGB, _COLOR_RGB, coverage, paint, pixel_centres,
                                    shape_sdf, to_uint8)
from seine_lite.data.soft_transitions import (SPREAD, ZOOM_MAX, auto_travel, auto_zoom, check_smooth, front_weights,
                                              join_batch, lerp, rank_phase, smoothstep)
from seine_lite.data.splits import draw_scene_ids

TRANSITION_KINDS = ("slide", "zoom", "morph", "wipe")
TRANSITION_VERBS = {"slide": "sliding over to", "zoom": "zooming into", "morph": "turning into",
                    "wipe": "wiping to"}
IRIS_REACH = 1.5        # final iris / ripple radius in frame sides (covers every corner)
MORPH_REACH = 0.35      # smooth sampling: a morph's object moves this share of the way to B's drawn place


@dataclass(frozen=True)
class TransitionSpec:
    """Everything that decides one transition clip."""
    kind: str
    a: Scene
    b: Scene
    direction: str = "left"     # slide / wipe only: where the motion goes

    @property
    def caption(self) -> str:
        return transition_caption(self.kind, self.a, self.b)


def transition_caption(kind: str, a: Scene, b: Scene) -> str:
    """"{scene A} {verb} {scene B}" for a transition of `kind`."""
    check_word("kind", kind, TRANSITION_KINDS)
    return f"{a.caption} {TRANSITION_VERBS[kind]} {b.caption}"


# ---------------------------------------------------------------- one function per kind
# Each takes a dict of arrays for a chunk of N clips (see `_arrays`) with pixel geometry,
# the eased time e (F,) and the grid of pixel centres g (S,), and returns float (N,F,H,W,3).

def _layer(p, which, dx, dy, scale=1.0):
    """Paint scene `which` ("a" or "b") given offsets from its object centre (dx, dy in its own units)."""
    sdf = shape_sdf(p[which + "_shape"], dx, dy, p[which + "_r"][:, None, None, None]) * scale
    fg, bg = (p[which + k][:, None, None, None, :] for k in ("_fg", "_bg"))
    return paint(coverage(sdf), fg, bg)


def _offsets_from(p, which, g):
    """Pixel offsets from scene `which`'s object centre -> dx (N,1,1,W), dy (N,1,H,1)."""
    cx, cy = p[which + "_x"][:, None, None, None], p[which + "_y"][:, None, None, None]
    return g[None, None, None, :] - cx, g[None, None, :, None] - cy


def _axis_split(p, along, across):
    """Put per-clip along-axis coordinates (N,F,S) on x or y by direction -> x (N,F,1,W), y (N,F,H,1)."""
    horizontal = (p["direction"] <= 1)[:, None, None]
    x = np.where(horizontal, along, across)
    y = np.where(horizontal, across, along)
    return x[:, :, None, :], y[:, :, :, None]


def _slide(p, e, g):
    size = len(g)
    sign = p["sign"][:, None, None]
    q = g[None, None, :] - sign * (e * size)[None, :, None]         # where each pixel samples scene A
    across = np.broadcast_to(g, q.shape)
    xa, ya = _axis_split(p, q, across)
    xb, yb = _axis_split(p, q + sign * size, across)
    in_a = (q >= 0) & (q < size)
    show_a = np.logical_and(*_axis_split(p, in_a, np.ones_like(in_a)))   # (N,F,H,W)
    img_a = _layer(p, "a", xa - p["a_x"][:, None, None, None], ya - p["a_y"][:, None, None, None])
    img_b = _layer(p, "b", xb - p["b_x"][:, None, None, None], yb - p["b_y"][:, None, None, None])
    return np.where(show_a[..., None], img_a, img_b)


def _soft_wipe(p, e, g):
    size = len(g)
    along = np.where(p["sign"][:, None] > 0, g[None, :], size - g[None, :])       # (N,S)
    edge = lerp(-1.0, size + 1.0, e)                                                # (F,)
    w = coverage(along[:, None, :] - edge[None, :, None])                          # (N,F,S), 1 = shows B
    wx, wy = _axis_split(p, w, np.ones_like(w))
    w = wx * wy
    img_a, img_b = (_layer(p, k, *_offsets_from(p, k, g)) for k in ("a", "b"))
    return lerp(img_a, img_b, w[..., None])


def _zoom(p, e, g):
    size = len(g)
    zoom_a = (np.float32(ZOOM_MAX) ** e)[None, :, None, None]         # 1 -> ZOOM_MAX
    zoom_b = (np.float32(ZOOM_MAX) ** (e - 1))[None, :, None, None]   # 1/ZOOM_MAX -> 1
    ax, ay = p["a_x"][:, None, None, None], p["a_y"][:, None, None, None]
    cx, cy = np.round(2 * ax) / 2, np.round(2 * ay) / 2               # zoom centre on the half-pixel grid
    dxa, dya = _offsets_from(p, "a", g)
    img_a = _layer(p, "a", dxa / zoom_a, dya / zoom_a, zoom_a)
    dxb = ((g[None, None, None, :] - cx) / zoom_b + cx) - p["b_x"][:, None, None, None]
    dyb = ((g[None, None, :, None] - cy) / zoom_b + cy) - p["b_y"][:, None, None, None]
    img_b = _layer(p, "b", dxb, dyb, zoom_b)
    iris = lerp(-1.0, IRIS_REACH * size, e * e)[None, :, None, None]
    dist = np.sqrt((g[None, None, None, :] - cx) ** 2 + (g[None, None, :, None] - cy) ** 2)
    return lerp(img_a, img_b, coverage(dist - iris)[..., None])


def _morph(p, e, g, soft=False):
    size = len(g)
    t = e[None, :]                                                   # (1,F)
    cx, cy, r = (lerp(p["a_" + k][:, None], p["b_" + k][:, None], t) for k in ("x", "y", "r"))
    dx, dy = g[None, None, None, :] - cx[..., None, None], g[None, None, :, None] - cy[..., None, None]
    t4 = t[..., None, None]
    sdf = lerp(shape_sdf(p["a_shape"], dx, dy, r[..., None, None]),
               shape_sdf(p["b_shape"], dx, dy, r[..., None, None]), t4)
    fg = lerp(p["a_fg"][:, None, :], p["b_fg"][:, None, :], t[..., None])[:, :, None, None, :]
    if soft:        # B's background spreads from the middle of the object's path, on a soft front
        middle = (p["a_x"] + p["b_x"]) / 2, (p["a_y"] + p["b_y"]) / 2
        dist = np.hypot(g[None, None, :] - middle[0][:, None, None], g[None, :, None] - middle[1][:, None, None])
        spread = front_weights(rank_phase(dist), e, SPREAD)[..., None]
    else:
        ripple = lerp(-1.0, IRIS_REACH * size, t4)
        spread = coverage(np.sqrt(dx * dx + dy * dy) - ripple)[..., None]    # 1 where B's background has arrived
    bg = lerp(p["a_bg"][:, None, None, None, :], p["b_bg"][:, None, None, None, :], spread)
    return paint(coverage(sdf), fg, bg)


_KINDS = {"slide": _slide, "zoom": _zoom, "morph": _morph, "wipe": _soft_wipe}


def _joined(kind):
    """A smooth slide, zoom or wipe: the two still scenes composed by `soft_transitions.join_batch`."""
    def draw(p, e, g):
        img_a, img_b = (_layer(p, k, *_offsets_from(p, k, g)) for k in ("a", "b"))     # (N,1,H,W,3)
        horizontal, centre = p["direction"] <= 1, np.stack([p["a_x"], p["a_y"]], 1)
        travel = auto_travel(img_a[:, 0], img_b[:, 0], horizontal) if kind == "slide" else None
        zoom = auto_zoom(img_a[:, 0], img_b[:, 0], centre) if kind == "zoom" else None
        return join_batch(kind, img_a, img_b, e, SPREAD, p["sign"], horizontal, travel, zoom, centre)
    return draw


_SMOOTH_KINDS = {"slide": _joined("slide"), "zoom": _joined("zoom"),
                 "morph": lambda p, e, g: _morph(p, e, g, soft=True), "wipe": _joined("wipe")}
SMOOTH_CHUNK = 32       # smooth clips resample whole videos: smaller chunks bound the memory


# ---------------------------------------------------------------- batches

def _arrays(specs, size):
    """Pixel geometry and colours of a list of specs as float32 / int arrays keyed by name."""
    p = {"direction": np.array([DIRECTIONS.index(s.direction) for s in specs])}
    p["sign"] = np.where((p["direction"] == 1) | (p["direction"] == 3), 1.0, -1.0).astype(np.float32)
    for key in ("a", "b"):
        scenes = [getattr(s, key) for s in specs]
        color, shape, bg = np.array([sc.ids() for sc in scenes]).reshape(-1, 3).T
        p[key + "_shape"], p[key + "_fg"], p[key + "_bg"] = shape, _COLOR_RGB[color], _BG_RGB[bg]
        for k in ("x", "y", "r"):
            attr = {"x": "cx", "y": "cy", "r": "radius"}[k]
            p[key + "_" + k] = np.array([getattr(sc, attr) for sc in scenes], dtype=np.float32) * size
    return p


def render_transitions(specs, num_frames: int = 16, size: int = 64, smooth: bool = False) -> np.ndarray:
    """Render a list of TransitionSpec -> uint8 (N, F, H, W, 3), vectorised per kind in chunks.

    smooth: soft fronts, evenly spread change and moderate motion (see the module), instead of the
    default clips' sharp edges and smoothstep timing.
    """
    check_size(num_frames, size)
    check_smooth(smooth)
    for s in specs:
        check_word("kind", s.kind, TRANSITION_KINDS)
        check_word("direction", s.direction, DIRECTIONS)
    out = np.empty((len(specs), num_frames, size, size, 3), dtype=np.uint8)
    u, g = frame_times(num_frames), pixel_centres(size)
    e, table, chunk = (u, _SMOOTH_KINDS, SMOOTH_CHUNK) if smooth else (smoothstep(u), _KINDS, CHUNK)
    kinds = np.array([s.kind for s in specs])
    for kind, draw in table.items():
        where = np.flatnonzero(kinds == kind)
        for start in range(0, len(where), chunk):
            part = where[start:start + chunk]
            out[part] = to_uint8(draw(_arrays([specs[i] for i in part], size), e, g))
    return out


def render_transition(kind: str, a: Scene, b: Scene, num_frames: int = 16, size: int = 64,
                      direction: str = "left", smooth: bool = False) -> np.ndarray:
    """One transition clip from scene a to scene b, uint8 (F, H, W, 3)."""
    return render_transitions([TransitionSpec(kind, a, b, direction)], num_frames, size, smooth)[0]


def sample_transitions(n: int, seed: int = 0, kinds=TRANSITION_KINDS, split: str = "train",
                       smooth: bool = False) -> list:
    """n random TransitionSpec; scene B always differs from scene A in colour, shape or background.

    Both scenes come from `split` (data/splits.py): training never sees a held-out scene.
    smooth: the same draws, except that a morph's scene B puts its object MORPH_REACH of the way from
    A's object to where it was drawn: a long move of a contrasting object changes too much per step.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    if not kinds:
        raise ValueError(f"kinds must name at least one of {list(TRANSITION_KINDS)}, got {kinds!r}")
    for k in kinds:
        check_word("kinds", k, TRANSITION_KINDS)
    check_smooth(smooth)
    rng = np.random.default_rng(seed)
    kind_ids, direction_ids = rng.integers(0, len(kinds), n), rng.integers(0, len(DIRECTIONS), n)
    ids_a, ids_b = draw_scene_ids(rng, n, split), draw_scene_ids(rng, n, split)
    while (same := (ids_a == ids_b).all(1)).any():
        ids_b[same] = draw_scene_ids(rng, int(same.sum()), split)
    geometry = rng.random((n, 2, 3)).astype(np.float32)
    geometry[..., :2] = 0.3 + 0.4 * geometry[..., :2]                  # centres in [0.3, 0.7]
    geometry[..., 2] = RADIUS_RANGE[0] + (RADIUS_RANGE[1] - RADIUS_RANGE[0]) * geometry[..., 2]
    if smooth:          # a smooth morph's object moves only MORPH_REACH of the way to where B's was drawn
        morph = (np.array(kinds)[kind_ids] == "morph")[:, None]
        geometry[:, 1, :2] = np.where(morph, lerp(geometry[:, 0, :2], geometry[:, 1, :2], MORPH_REACH),
                                      geometry[:, 1, :2])
    names = (tuple(COLORS), SHAPES, tuple(BACKGROUNDS))
    specs = []
    for i in range(n):
        a, b = (Scene(*(names[k][ids[i, k]] for k in range(3)), *map(float, geometry[i, j]))
                for j, ids in enumerate((ids_a, ids_b)))
        specs.append(TransitionSpec(kinds[kind_ids[i]], a, b, DIRECTIONS[direction_ids[i]]))
    return specs


def make_transition_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0,
                          kinds=TRANSITION_KINDS, split: str = "train", smooth: bool = False):
    """n random transition clips -> (uint8 (n, F, H, W, 3), captions naming both scenes).

    smooth=True: soft fronts and evenly spread change (`render_transitions`), morphs over shorter moves
    (`sample_transitions`).
    """
    specs = sample_transitions(n, seed, kinds, split, smooth)
    return render_transitions(specs, num_frames, size, smooth), [s.caption for s in specs]


def make_smooth_transition_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0):
    """`make_transition_clips(..., smooth=True)`: the "smooth_transitions" training source."""
    return make_transition_clips(n, num_frames=num_frames, size=size, seed=seed, smooth=True)
