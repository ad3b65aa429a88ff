"""Layered real-motion clips, in the spirit of FlyingChairs and AutoFlow: photo layers sliding
over a photograph while the camera moves, each with its own motion, hiding one another.

    clips, captions = make_layer_clips(n=16, num_frames=16, size=64, seed=0)   # needs the photo bank

A clip is built from the photo bank (`seine_lite.data.bank`):
- a background, a photograph seen by the camera moves of `seine_lite.data.photos` (pan, zoom,
  push-in) plus a slow tilt of a few degrees;
- 1 to 5 foreground layers, the bank's cut-outs (RGBA) or, in a bank without any, crops of
  photographs under random soft masks (blurred ellipses and polygons). Each moves along a straight
  line at a constant speed in one main direction, grows or shrinks and turns a little, enters and
  leaves the frame. Layers are drawn back to front (painter's order, the bigger ones in front) with
  the "over" operator on premultiplied alpha: out = layer_rgb + (1 - layer_alpha) * under;
- augmentation: a slow brightness drift, sometimes a slight blur and a little noise. With
  `steady=True` only the blur and a constant brightness are kept: each frame's fresh noise and the
  drift teach a model that unmoving pixels change from frame to frame, and a sample then adds such
  changes where the true clip has none.

Frames are resampled by Pillow (affine, bilinear), a layer only over its bounding box, and
composited in float32. Images are read once and kept, resized for the clip size, in a small cache
keyed by file, date and size (a pure cache: it never changes what is drawn). Everything else comes
from the seed: the same seed gives the same bytes.

Caption: "a photo of {background}, the camera {move}, {layer} moving {direction}, ...", naming the
two front layers, e.g. "a photo of a windmill, the camera panning left, a dog moving right".

A still camera (`still_camera=True`) holds the background's first view and leaves only the layers
moving, as most real footage does (a street seen from a tripod): "a video of a windmill, a dog moving
right". Real videos are named as a user names them ("a video of ..."), never with a camera move.
"""
import math
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from seine_lite.data.bank import bank_items
from seine_lite.data.photos import CAMERA_MOVES, WORK_SCALE, camera_path, photo_caption
from seine_lite.data.scenes import DIRECTIONS, check_size, frame_times

LAYER_COUNT_WEIGHTS = (0.3, 0.3, 0.2, 0.12, 0.08)    # chance of 1, 2, 3, 4, 5 layers
SCALE_RANGE = (0.3, 0.65)   # a layer's longer side at the start, in frame sides
GROWTH = 0.3                # the size changes by a factor up to exp(+-GROWTH) over the clip
SPEED_RANGE = (0.3, 1.0)    # travel along the main direction over the clip, in frame sides
SIDEWAYS = 0.3              # travel across it, at most this fraction of the travel along
TURN_DEGREES = (15.0, 20.0)  # the starting angle and the turn over the clip, at most (clockwise > 0)
TILT_DEGREES = 2.5          # the camera's tilt at the start and at the end, at most
BRIGHTNESS = (0.1, 0.1)     # the starting brightness change and the drift over the clip, at most
BLUR_CHANCE, NOISE_CHANCE = 0.2, 0.3
NOISE_SIGMA = (1.0, 4.0)    # noise standard deviation, in 8-bit steps
CUTOUT_WORK_SIDE = 1.0      # cut-outs are kept with their longer side at this many frame sides
UNIT = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


@dataclass(frozen=True)
class Layer:
    """One foreground layer. Positions are the layer's centre in frame sides ((0, 0) the top left
    corner, (1, 1) the bottom right); scale is its longer side in frame sides; angles in degrees."""
    source: str         # "cutout" (an RGBA cut-out) or "photo" (a photograph under a soft mask)
    index: int          # which cut-out or photograph
    start: tuple        # (x, y) at the first frame
    end: tuple          # (x, y) at the last frame
    scale: tuple = (0.5, 0.5)   # at the first and the last frame
    angle: tuple = (0.0, 0.0)   # at the first and the last frame
    crop: tuple = (0.5, 0.5, 0.5, 0.5)   # photo layers: size, aspect, x, y of the crop, each in [0, 1]
    mask_seed: int = 0  # photo layers: the soft mask's shape

    @property
    def direction(self) -> str:
        """"left", "right", "up" or "down": the main direction of the layer's travel."""
        dx, dy = np.subtract(self.end, self.start)
        return ("right" if dx > 0 else "left") if abs(dx) >= abs(dy) else ("down" if dy > 0 else "up")


@dataclass(frozen=True)
class LayerClipSpec:
    """Everything that decides one clip; `render_layer_clip` draws it."""
    photo: int                  # the background photograph
    move: str                   # one of CAMERA_MOVES
    camera: tuple = (0.5, 0.5, 0.5)   # the move's travel and start, as in `photos.camera_path`
    tilt: tuple = (0.0, 0.0)    # the camera's tilt at the first and the last frame, degrees
    layers: tuple = ()          # Layer, back to front
    brightness: tuple = (1.0, 1.0)    # a factor at the first and the last frame
    blur: float = 0.0           # weight of each neighbour in a 3-tap blur (0: none)
    noise: float = 0.0          # noise standard deviation in 8-bit steps (0: none)
    noise_seed: int = 0


def layer_caption(background: str, move: str, layers=(), still_camera: bool = False) -> str:
    """"a photo of {background}, the camera {move}, {subject} moving {direction}, ..." from
    (subject, direction) pairs, front first; at most two are named. A still camera: "a video of
    {background}, {subject} moving {direction}, ..." (no camera words)."""
    parts = [f"a video of {background}" if still_camera else photo_caption(background, move)]
    for subject, direction in list(layers)[:2]:
        if direction not in DIRECTIONS:
            raise ValueError(f"layers: direction must be one of {list(DIRECTIONS)}, got {direction!r}")
        parts.append(f"{subject} moving {direction}")
    return ", ".join(parts)


# ---------------------------------------------------------------- drawing the parameters

def _sample_layer(rng, source: str, index: int) -> Layer:
    along = np.array(UNIT[DIRECTIONS[rng.integers(4)]], dtype=float)
    speed = rng.uniform(*SPEED_RANGE)
    travel = speed * along + rng.uniform(-SIDEWAYS, SIDEWAYS) * speed * along[::-1]
    seen = rng.uniform(0.2, 0.8, 2)             # where the layer is at time u_seen: it is seen then
    u_seen = rng.random()
    scale = rng.uniform(*SCALE_RANGE)
    angle = rng.uniform(-TURN_DEGREES[0], TURN_DEGREES[0])
    return Layer(source, index,
                 start=tuple(map(float, seen - u_seen * travel)), end=tuple(map(float, seen + (1 - u_seen) * travel)),
                 scale=(float(scale), float(scale * np.exp(rng.uniform(-GROWTH, GROWTH)))),
                 angle=(float(angle), float(angle + rng.uniform(-TURN_DEGREES[1], TURN_DEGREES[1]))),
                 crop=tuple(map(float, rng.random(4))), mask_seed=int(rng.integers(2 ** 31)))


def sample_layer_specs(n: int, num_photos: int, num_cutouts: int = 0, seed: int = 0) -> list:
    """n LayerClipSpec over `num_photos` photographs and `num_cutouts` cut-outs (none: masked photo
    crops), the same for the same seed."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    if not isinstance(num_photos, (int, np.integer)) or num_photos < 1:
        raise ValueError(f"num_photos must be an integer >= 1, got {num_photos!r}")
    if not isinstance(num_cutouts, (int, np.integer)) or num_cutouts < 0:
        raise ValueError(f"num_cutouts must be an integer >= 0, got {num_cutouts!r}")
    rng = np.random.default_rng(seed)
    specs = []
    for _ in range(n):
        photo, move = int(rng.integers(num_photos)), CAMERA_MOVES[rng.integers(len(CAMERA_MOVES))]
        camera, tilt = tuple(map(float, rng.random(3))), tuple(map(float, rng.uniform(-TILT_DEGREES, TILT_DEGREES, 2)))
        count = 1 + int(rng.choice(len(LAYER_COUNT_WEIGHTS), p=LAYER_COUNT_WEIGHTS))
        source, choices = ("cutout", num_cutouts) if num_cutouts else ("photo", num_photos)
        picks = rng.permutation(choices)[:count] if choices >= count else rng.integers(choices, size=count)
        layers = sorted((_sample_layer(rng, source, int(i)) for i in picks), key=lambda layer: layer.scale[0])
        start = 1 + rng.uniform(-BRIGHTNESS[0], BRIGHTNESS[0])
        brightness = (float(start), float(start + rng.uniform(-BRIGHTNESS[1], BRIGHTNESS[1])))
        blur, noise = rng.uniform(0.1, 0.25), rng.uniform(*NOISE_SIGMA)
        blurred, noisy = rng.random(2) < (BLUR_CHANCE, NOISE_CHANCE)
        specs.append(LayerClipSpec(photo, move, camera, tilt, tuple(layers), brightness,
                                   float(blur * blurred), float(noise * noisy), int(rng.integers(2 ** 31))))
    return specs


# ---------------------------------------------------------------- layers from photographs

def soft_mask(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A random soft-edged blob, uint8 (height, width): an ellipse or a star-shaped polygon, blurred,
    0 at the border."""
    rng = np.random.default_rng(seed)
    margin = max(1.0, 0.08 * min(height, width))
    half = np.array([width / 2 - margin, height / 2 - margin])
    centre = np.array([width / 2, height / 2])
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    if rng.random() < 0.5:
        radii = half * rng.uniform(0.8, 1.0, 2)
        draw.ellipse([*(centre - radii), *(centre + radii)], fill=255)
    else:
        corners = int(rng.integers(5, 10))                  # evenly spaced, jittered: never a sliver
        turns = (np.arange(corners) + rng.uniform(-0.3, 0.3, corners)) * 2 * np.pi / corners + rng.uniform(0, 2 * np.pi)
        radii = rng.uniform(0.55, 1.0, len(turns))[:, None]
        points = centre + half * radii * np.stack([np.cos(turns), np.sin(turns)], 1)
        draw.polygon([tuple(p) for p in points], fill=255)
    return np.asarray(mask.filter(ImageFilter.GaussianBlur(margin / 2)))


def masked_crop(photo: Image.Image, crop, mask_seed: int) -> Image.Image:
    """A crop of `photo` (RGB) under `soft_mask`, premultiplied RGBa. crop: size, aspect, x, y in [0, 1]."""
    size, aspect, x, y = crop
    side = (0.35 + 0.3 * size) * min(photo.size)
    ratio = np.exp((aspect - 0.5) * 0.8)
    w, h = max(4, round(side * min(1, ratio))), max(4, round(side * min(1, 1 / ratio)))
    left, top = round(x * (photo.width - w)), round(y * (photo.height - h))
    rgb = np.asarray(photo.crop((left, top, left + w, top + h)))
    return Image.fromarray(np.dstack([rgb, soft_mask(h, w, mask_seed)]), "RGBA").convert("RGBa")


# ---------------------------------------------------------------- rendering

def over(under: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """under = layer_rgb + (1 - layer_alpha) * under, in place: `under` float32 (..., 3) in 0..255,
    `layer` uint8 (..., 4) premultiplied (Pillow's "RGBa")."""
    under *= 1 - layer[..., 3:] * np.float32(1 / 255)
    under += layer[..., :3]
    return under


def _rotation(degrees: float) -> np.ndarray:
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return np.array([[c, -s], [s, c]])


def _affine(inverse: np.ndarray, source_point, frame_point) -> tuple:
    """Pillow's AFFINE data: frame pixel p -> source pixel source_point + inverse @ (p - frame_point)."""
    offset = np.asarray(source_point) - inverse @ np.asarray(frame_point)
    return (*inverse[0], offset[0], *inverse[1], offset[1])


def _times(num_frames: int, motion: float) -> tuple:
    """(frames of a whole path whose first num_frames show the share `motion` of it, their times)."""
    whole = max(num_frames, round((num_frames - 1) / motion) + 1)
    return whole, frame_times(whole, np.float64)[:num_frames]


def _background(photo: Image.Image, spec: LayerClipSpec, num_frames: int, size: int, motion: float = 1.0,
                still_camera: bool = False) -> np.ndarray:
    """The camera's view of the background, float32 (F, size, size, 3); a still camera: the first view
    in every frame (drawn once, as the moving camera draws its first frame)."""
    whole, times = _times(num_frames, motion)
    x, y, side = (path[:num_frames] for path in camera_path(spec.move, photo.width, photo.height, whole, spec.camera))
    factor = max(1, int(side.min() // size))            # shrink by a box filter first, then ~1:1
    image = photo.reduce(factor) if factor > 1 else photo
    frames = np.empty((num_frames, size, size, 3), dtype=np.uint8)
    for f, u in enumerate(times[:1] if still_camera else times):
        tilt = spec.tilt[0] + (spec.tilt[1] - spec.tilt[0]) * u
        fits = side[f] / (np.cos(np.radians(tilt)) + abs(np.sin(np.radians(tilt))))   # no corner leaves the crop
        inverse = fits / size / factor * _rotation(tilt)
        data = _affine(inverse, (x[f] / factor, y[f] / factor), (size / 2, size / 2))
        frames[f] = np.asarray(image.transform((size, size), Image.Transform.AFFINE, data, Image.Resampling.BILINEAR))
    if still_camera:
        frames[1:] = frames[0]
    return frames.astype(np.float32)


def _add_layer(frames: np.ndarray, image: Image.Image, layer: Layer, motion: float = 1.0) -> None:
    """Composite one layer (premultiplied RGBa image) over `frames` (float32, in place), frame by frame,
    resampling only the layer's bounding box."""
    num_frames, size = frames.shape[:2]
    scale = np.asarray(layer.scale, dtype=float)
    factor = max(1, int(max(image.size) // (scale.max() * size)))
    image = image.reduce(factor) if factor > 1 else image
    centre = np.array(image.size) / 2
    corners = np.array([[0, 0], [image.width, 0], [0, image.height], list(image.size)]) - centre
    for f, u in enumerate(_times(num_frames, motion)[1]):
        position = size * (np.asarray(layer.start) + u * np.subtract(layer.end, layer.start))
        zoom = size * scale[0] * (scale[1] / scale[0]) ** u / max(image.size)   # frame pixels per layer pixel
        turn = _rotation(layer.angle[0] + u * (layer.angle[1] - layer.angle[0]))
        placed = position + zoom * corners @ turn.T
        (left, top), (right, bottom) = placed.min(0), placed.max(0)
        x0, y0, x1, y1 = max(0, math.floor(left)), max(0, math.floor(top)), min(size, math.ceil(right)), min(
            size, math.ceil(bottom))
        if x1 <= x0 or y1 <= y0:
            continue                                    # off screen in this frame
        data = _affine(turn.T / zoom, centre, position - (x0, y0))
        patch = image.transform((x1 - x0, y1 - y0), Image.Transform.AFFINE, data, Image.Resampling.BILINEAR)
        over(frames[f, y0:y1, x0:x1], np.asarray(patch))


def _augment(frames: np.ndarray, spec: LayerClipSpec) -> np.ndarray:
    """Brightness drift, blur and noise on float32 frames -> uint8."""
    u = frame_times(len(frames))
    frames *= (spec.brightness[0] + (spec.brightness[1] - spec.brightness[0]) * u)[:, None, None, None]
    if spec.blur:
        for view in (frames, frames.swapaxes(1, 2)):   # rows, then columns; edges repeat
            up, down = np.concatenate([view[:, :1], view[:, :-1]], 1), np.concatenate([view[:, 1:], view[:, -1:]], 1)
            view *= 1 - 2 * spec.blur
            view += spec.blur * (up + down)
    if spec.noise:
        frames += spec.noise * np.random.default_rng(spec.noise_seed).standard_normal(frames.shape, dtype=np.float32)
    np.clip(frames, 0, 255, out=frames)
    return (frames + 0.5).astype(np.uint8)


def _as_image(image, mode: str) -> Image.Image:
    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.asarray(image, dtype=np.uint8))
    if image.mode != mode:
        image = image.convert("RGBA" if mode == "RGBa" and image.mode != "RGBA" else mode).convert(mode)
    return image


def render_layer_clip(spec: LayerClipSpec, photos, cutouts=(), num_frames: int = 16, size: int = 64,
                      motion: float = 1.0, still_camera: bool = False) -> np.ndarray:
    """One clip as uint8 (F, size, size, 3). photos: RGB images (uint8 arrays or PIL), indexed by
    spec.photo and by photo layers; cutouts: RGBA images, indexed by cut-out layers. Images of any
    size: positions are in frame sides; a photo about 1.4 * size on its shorter side maps near 1:1.
    motion: the share of the camera's and the layers' motion the clip shows (1: all of it; 0.3: the
    first 30 %, a slower clip, as the scenes of a real transition are). still_camera: the background
    keeps its first view in every frame (no camera move, no tilt); the layers still move."""
    check_size(num_frames, size)
    if not (isinstance(motion, (int, float)) and 0 < motion <= 1):
        raise ValueError(f"motion must be a share in (0, 1], got {motion!r}")
    if not isinstance(spec, LayerClipSpec):
        raise ValueError(f"spec must be a LayerClipSpec, got {type(spec).__name__}")
    frames = _background(_as_image(photos[spec.photo], "RGB"), spec, num_frames, size, motion, still_camera)
    for layer in spec.layers:
        if layer.source == "cutout":
            image = _as_image(cutouts[layer.index], "RGBa")
        elif layer.source == "photo":
            image = masked_crop(_as_image(photos[layer.index], "RGB"), layer.crop, layer.mask_seed)
        else:
            raise ValueError(f"spec: layer source must be 'cutout' or 'photo', got {layer.source!r}")
        _add_layer(frames, image, layer, motion)
    return _augment(frames, spec)


# ---------------------------------------------------------------- the bank's images

@lru_cache(maxsize=1024)
def _working_copy(path: str, stamp: tuple, kind: str, size: int) -> Image.Image:
    """A bank image resized for clips of `size` (stamp: the file's date and length, so a changed file is
    read again): photos RGB with the shorter side WORK_SCALE * size, cut-outs cropped to their opaque
    part, RGBa with the longer side CUTOUT_WORK_SIDE * size."""
    with Image.open(path) as image:
        if kind == "photo":
            image = image.convert("RGB")
            scale = WORK_SCALE * size / min(image.size)
        else:
            image = image.convert("RGBA")
            image = image.crop(image.getchannel("A").getbbox() or (0, 0, *image.size))
            scale = CUTOUT_WORK_SIDE * size / max(image.size)
        new = (max(2, round(image.width * scale)), max(2, round(image.height * scale)))
        image = image.resize(new, Image.Resampling.LANCZOS)
    return image if kind == "photo" else image.convert("RGBa")


class _BankImages:
    """items[i] -> the working copy of the i-th bank file, read on first use."""

    def __init__(self, items: list, kind: str, size: int):
        self.items, self.kind, self.size = items, kind, size

    def __getitem__(self, i: int) -> Image.Image:
        path = Path(self.items[i][1])
        stat = path.stat()
        return _working_copy(str(path), (stat.st_mtime_ns, stat.st_size), self.kind, self.size)


def make_layer_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0, split: str = "train", bank=None,
                     motion: float = 1.0, still_camera: bool = False, layer_scale: float = 1.0, steady: bool = False):
    """n layered clips over the photo bank's images of `split` -> (uint8 (n, F, size, size, 3), captions).
    Uses the bank's cut-outs, or masked photo crops when it has none (`seine-lite data photos` builds it).
    motion: the share of each clip's motion shown; still_camera: only the layers move (see `render_layer_clip`);
    layer_scale: every layer's size times this (0.4: people and cars seen from afar, not a dog filling the frame);
    steady: no brightness drift and no noise (the blur and a constant brightness kept), so that what does not
    move stays the same from frame to frame: a model learns to leave it alone rather than to add fresh noise."""
    if not (isinstance(layer_scale, (int, float)) and 0 < layer_scale <= 1):
        raise ValueError(f"layer_scale must be a factor in (0, 1], got {layer_scale!r}")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    check_size(num_frames, size)
    photos, cutouts = bank_items(bank, split=split, kind="photo"), bank_items(bank, split=split, kind="cutout")
    if not photos:
        raise FileNotFoundError(f"bank: no {split} photographs in the photo bank")
    photo_images, cutout_images = _BankImages(photos, "photo", size), _BankImages(cutouts, "cutout", size)
    clips = np.empty((n, num_frames, size, size, 3), dtype=np.uint8)
    captions = []
    for i, spec in enumerate(sample_layer_specs(n, len(photos), len(cutouts), seed)):
        if layer_scale != 1:
            spec = replace(spec, layers=tuple(replace(layer, scale=tuple(layer_scale * s for s in layer.scale))
                                              for layer in spec.layers))
        if steady:
            spec = replace(spec, brightness=(spec.brightness[0],) * 2, noise=0.0)
        clips[i] = render_layer_clip(spec, photo_images, cutout_images, num_frames, size, motion, still_camera)
        front = [((cutouts if layer.source == "cutout" else photos)[layer.index][0], layer.direction)
                 for layer in reversed(spec.layers)]
        captions.append(layer_caption(photos[spec.photo][0], spec.move, front, still_camera))
    return clips, captions
