"""Clips from real photographs, made by a virtual camera moving over a still image.

The photographs in `data_samples/images/` are public domain or CC0 (sources and licences in
`data_samples/images/LICENSES.md`). A clip is a square crop window that moves over the photo:
a pan (left, right, up, down), a zoom (in, out) or a slow push-in. Each frame is resampled from
the photo by Pillow (bilinear, anti-aliased when shrinking, sub-pixel crop boxes), which is
about five times faster here than a numpy gather.

Camera words follow the camera, not the content: "panning left" means the view moves left
over the scene, so the content slides right across the frame; "zooming in" makes it grow.
Caption template: "a photo of {subject}, the camera {move}", e.g.
"a photo of a cat, the camera panning left".
"""
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from seine_lite.data.samples import SAMPLES
from seine_lite.data.scenes import check_size, check_word, frame_times
from seine_lite.data.video_io import to_rgb_uint8

SAMPLE_IMAGES = SAMPLES / "images"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
SUBJECTS = {"astronaut": "an astronaut", "chelsea": "a cat", "coffee": "a cup of coffee",
            "hubble_deep_field": "galaxies in deep space", "rocket": "a rocket launch"}
CAMERA_MOVES = ("panning left", "panning right", "panning up", "panning down",
                "zooming in", "zooming out", "slowly pushing in")
PAN_WINDOW = 0.75       # crop side of a pan, as a fraction of the photo's shorter side
ZOOM_WINDOW = 0.95      # widest crop of a zoom
ZOOM_FACTOR = 1.6       # zoom in / out: widest / narrowest crop
PUSH_FACTOR = 1.15      # slow push-in
PAN_TRAVEL = (0.25, 0.40)   # pan distance in crop sides (capped by the room the photo leaves)
WORK_SCALE = 1.4        # photos are first resized so their shorter side is WORK_SCALE * size


def photo_caption(subject: str, move: str) -> str:
    """"a photo of {subject}, the camera {move}"."""
    check_word("move", move, CAMERA_MOVES)
    return f"a photo of {subject}, the camera {move}"


def subject_for(name: str) -> str:
    """Caption subject of a sample image by file stem; any other name is used as given."""
    return SUBJECTS.get(name, name)


def load_sample_images(folder=None) -> list:
    """[(name, uint8 (H, W, 3))] for every .jpg/.png in `folder` (default: the bundled photos), by name."""
    folder = Path(SAMPLE_IMAGES if folder is None else folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder: no such image folder {str(folder)!r}")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise FileNotFoundError(f"folder: expected .jpg or .png images in {str(folder)!r}, found none")
    return [(p.stem, to_rgb_uint8(p, name=str(p))) for p in paths]


@lru_cache(maxsize=1)
def _sample_images():
    return tuple(load_sample_images())


def _working_copy(image: np.ndarray, size: int) -> Image.Image:
    """Resize (Lanczos) so the shorter side is about WORK_SCALE * size: crops then map near 1:1."""
    h, w = image.shape[:2]
    scale = WORK_SCALE * size / min(h, w)
    new = (max(2, round(w * scale)), max(2, round(h * scale)))
    return Image.fromarray(image).resize(new, Image.Resampling.LANCZOS)


def camera_path(move: str, width: int, height: int, num_frames: int, uniforms) -> tuple:
    """Crop centre x, y and side (F,) in pixels for a camera move over a width x height photo.

    uniforms: 3 numbers in [0, 1) choosing the travel and the start position.
    """
    index = check_word("move", move, CAMERA_MOVES)
    u = frame_times(num_frames).astype(np.float64)
    a, b, c = uniforms
    short = min(width, height)
    if index < 4:                                             # pans
        side = np.full_like(u, PAN_WINDOW * short)
        horizontal = index < 2
        room = (width if horizontal else height) - side[0]
        travel = min(0.95 * room, (PAN_TRAVEL[0] + a * (PAN_TRAVEL[1] - PAN_TRAVEL[0])) * side[0])
        low = side[0] / 2 + b * (room - travel)               # the smaller end of the path
        along = low + travel * (u if index in (1, 3) else 1 - u)  # right / down increase
        across_room = (height if horizontal else width) - side[0]
        across = np.full_like(u, side[0] / 2 + c * across_room)
        x, y = (along, across) if horizontal else (across, along)
        return x, y, side
    widest = ZOOM_WINDOW * short
    factor = PUSH_FACTOR if index == 6 else ZOOM_FACTOR
    grow = u if index == 5 else 1 - u                         # zooming out widens the crop
    if index == 6:
        grow = 1 - u * u * (3 - 2 * u)                        # push-in eases in and out
    side = widest / factor + (widest - widest / factor) * grow
    x = np.full_like(u, widest / 2 + b * (width - widest))
    y = np.full_like(u, widest / 2 + c * (height - widest))
    return x, y, side


def sample_crops(image: Image.Image, x, y, side, size: int) -> np.ndarray:
    """Square crops (centre x, y and side per frame, in pixels, edges at 0 and width) resampled
    to size x size -> uint8 (F, size, size, 3)."""
    boxes = zip(x - side / 2, y - side / 2, x + side / 2, y + side / 2)
    frames = [image.resize((size, size), Image.Resampling.BILINEAR, box=tuple(map(float, box))) for box in boxes]
    return np.stack([np.asarray(frame) for frame in frames])


def photo_clip(image, move: str, num_frames: int = 16, size: int = 64, seed: int = 0) -> np.ndarray:
    """One camera-move clip over `image` (anything `read_image` takes), uint8 (F, size, size, 3)."""
    check_size(num_frames, size)
    work = _working_copy(to_rgb_uint8(image, "image"), size)
    uniforms = np.random.default_rng(seed).random(3)
    return sample_crops(work, *camera_path(move, work.width, work.height, num_frames, uniforms), size)


def make_photo_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0, images=None):
    """n camera-move clips over random photos -> (uint8 (n, F, size, size, 3), captions).

    images: a list of (name, image) pairs; None uses the bundled photos. The name is the caption
    subject ("a dog" -> "a photo of a dog, ..."), or a bundled photo's stem ("chelsea" -> "a cat").
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    check_size(num_frames, size)
    if images is None:
        images = _sample_images()
    if not images or not all(isinstance(item, (tuple, list)) and len(item) == 2 for item in images):
        raise ValueError("images: expected a non-empty list of (name, image) pairs")
    rng = np.random.default_rng(seed)
    picks, moves = rng.integers(0, len(images), n), rng.integers(0, len(CAMERA_MOVES), n)
    uniforms = rng.random((n, 3))
    work = {}
    clips = np.empty((n, num_frames, size, size, 3), dtype=np.uint8)
    for i in range(n):
        if picks[i] not in work:
            work[picks[i]] = _working_copy(to_rgb_uint8(images[picks[i]][1], f"images[{picks[i]}]"), size)
        image = work[picks[i]]
        path = camera_path(CAMERA_MOVES[moves[i]], image.width, image.height, num_frames, uniforms[i])
        clips[i] = sample_crops(image, *path, size)
    captions = [photo_caption(subject_for(str(images[p][0])), CAMERA_MOVES[m]) for p, m in zip(picks, moves)]
    return clips, captions
