"""Images and videos in and out, with no system ffmpeg.

Videos are numpy uint8 (F, H, W, 3), mediapy's layout. mp4 and webm go through the ffmpeg
binary bundled in `imageio_ffmpeg` (mediapy 1.2.7's reader breaks on its ffmpeg 9, docs/pitfalls.md);
GIF goes through Pillow. Every write is atomic and checked (`write_atomic`): the file is written
under a temporary name in the same folder, flushed to disk, read back (frame count), and only then
moved into place with os.replace. On any failure (a full disk, ffmpeg's exit code or an error in its
log) the temporary file is removed, the old file is kept, and an OSError names the file and the cause.

Images in may be a PIL image, a numpy array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), uint8 or
float in [0, 1], or a path. A file (or a PIL image as `Image.open` returns it) is turned upright
by its EXIF orientation, as a phone photo is meant to be seen. An animated image (GIF, WebP, APNG)
is refused where one frame is expected; a folder or a URL is named as such (nothing is downloaded).
Grey is repeated to RGB; RGBA is composited over black (a transparent pixel becomes black, colours
are multiplied by alpha). `read_image` then resizes the shorter side to `size` (bicubic) and
centre-crops to (size, size, 3); an image already that size is untouched.
"""
import contextlib
import os
import re
import subprocess
import tempfile
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

from seine_lite.atomic import write_atomic   # shared with every writer; still importable from here

FFMPEG_SUFFIXES = (".mp4", ".webm", ".mov", ".mkv", ".avi")
VIDEO_SUFFIXES = FFMPEG_SUFFIXES + (".gif",)
WRITE_SUFFIXES = (".mp4", ".webm", ".gif")
MP4_CRF = 16            # x264 quality: visually lossless at 64 px (PSNR well above 30 dB)
WEBM_CRF = 20
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")   # http://, https://, ftp://, s3://, ...


# ---------------------------------------------------------------- images

def _pil_to_array(image: Image.Image, name: str) -> np.ndarray:
    if image.mode in ("I", "F", "I;32"):
        raise ValueError(f"{name}: expected an 8-bit image, got a PIL image in mode {image.mode!r}")
    if image.mode.startswith("I;16"):
        return np.round(np.asarray(image, dtype=np.float64) / 257).astype(np.uint8)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    return np.asarray(image.convert("RGBA" if has_alpha else "RGB"))


def _one_frame(image: Image.Image, name: str, what: str) -> Image.Image:
    """The image upright (EXIF orientation applied), or a ValueError if it is animated."""
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        raise ValueError(f"{name}: {what} is an animated image ({frames} frames) where one frame is expected; "
                         "pass one frame (e.g. image.seek(i) then image.convert('RGB')) or read it as a video")
    return ImageOps.exif_transpose(image)


def _read_image_file(x, name: str) -> np.ndarray:
    if isinstance(x, str) and URL.match(x):    # before Path(), which would print "https:/..."
        raise ValueError(f"{name}: {x!r} is a URL, and nothing is downloaded at run time; "
                         "download the image and pass its file path")
    path = Path(x)
    if path.is_dir():
        raise FileNotFoundError(f"{name}: {str(path)!r} is a folder; expected one image file")
    if not path.is_file():
        raise FileNotFoundError(f"{name}: no such image file {str(path)!r}")
    try:
        with Image.open(path) as image:
            return _pil_to_array(_one_frame(image, name, repr(str(path))), name)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValueError(f"{name}: {str(path)!r} is not an image file Pillow can read ({error})") from None


def to_rgb_uint8(x, name: str = "image") -> np.ndarray:
    """Check and convert one image (PIL, numpy or path) to uint8 (H, W, 3), without resizing."""
    if isinstance(x, (str, os.PathLike)):
        x = _read_image_file(x, name)
    elif isinstance(x, ImageFile.ImageFile):     # as opened from a file: upright, one frame
        x = _pil_to_array(_one_frame(x, name, "the PIL image"), name)
    elif isinstance(x, Image.Image):
        x = _pil_to_array(x, name)
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name}: expected a PIL image, a numpy array or a path, got {type(x).__name__}")
    if x.size == 0:
        raise ValueError(f"{name}: expected a non-empty image, got an array of shape {x.shape}")
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[-1] not in (1, 3, 4):
        raise ValueError(f"{name}: expected shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got {x.shape}")
    if np.issubdtype(x.dtype, np.floating):
        if not np.isfinite(x).all():
            raise ValueError(f"{name}: expected finite values, got NaN or inf")
        if x.min() < 0 or x.max() > 1:
            raise ValueError(f"{name}: expected float values in [0, 1], got [{x.min():.3g}, {x.max():.3g}]")
        x = x.astype(np.float64)
        rgb = x[..., :3] * x[..., 3:] if x.shape[-1] == 4 else x
        x = np.round(rgb * 255).astype(np.uint8)
    elif x.dtype == np.uint8:
        if x.shape[-1] == 4:       # composite over black
            x = ((x[..., :3].astype(np.uint16) * x[..., 3:] + 127) // 255).astype(np.uint8)
    else:
        raise ValueError(f"{name}: expected dtype uint8 or float in [0, 1], got {x.dtype}")
    if x.shape[-1] == 1:
        x = np.repeat(x, 3, axis=-1)
    return np.ascontiguousarray(x)


def check_side(size, name: str = "size") -> int:
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
        raise ValueError(f"{name} must be a positive integer number of pixels, got {size!r}")
    return int(size)


def resize_center_crop(image: np.ndarray, size: int) -> np.ndarray:
    """uint8 (H, W, 3) -> (size, size, 3): shorter side to size (bicubic), then the centre square."""
    size = check_side(size)
    h, w = image.shape[:2]
    if max(h, w) > 4 * min(h, w):  # extreme aspect ratio: keep the centre 4:1 first, or a 1 x 100000
        keep_h, keep_w = min(h, 4 * w), min(w, 4 * h)   # image would be resized whole (32 x 3.2 million)
        top, left = (h - keep_h) // 2, (w - keep_w) // 2
        image, h, w = image[top:top + keep_h, left:left + keep_w], keep_h, keep_w
    if min(h, w) != size:
        scale = size / min(h, w)
        new_w, new_h = max(size, round(w * scale)), max(size, round(h * scale))
        image = np.asarray(Image.fromarray(image).resize((new_w, new_h), Image.Resampling.BICUBIC))
        h, w = new_h, new_w
    top, left = (h - size) // 2, (w - size) // 2
    return np.ascontiguousarray(image[top:top + size, left:left + size])


def read_image(x, size: int, name: str = "x") -> np.ndarray:
    """Any supported image -> uint8 (size, size, 3); see the module docstring for what is accepted."""
    check_side(size)
    return resize_center_crop(to_rgb_uint8(x, name), size)


# ---------------------------------------------------------------- videos in

def _check_video_path(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path: expected a file path, got {type(path).__name__}")
    path = Path(path)
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise ValueError(f"path: expected a video file ending in one of {list(VIDEO_SUFFIXES)}, "
                         f"got {str(path)!r}")
    if not path.is_file():
        raise FileNotFoundError(f"path: no such video file {str(path)!r}")
    return path


def _read_gif(path: Path) -> list:
    with Image.open(path) as gif:
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)]


def _read_ffmpeg(path: Path) -> list:
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    width, height = next(reader)["size"]
    return [np.frombuffer(frame, dtype=np.uint8).reshape(height, width, 3) for frame in reader]


def _undecodable(path: Path, error: Exception) -> ValueError:
    first_line = (str(error).strip().splitlines() or [""])[0]   # ffmpeg appends its whole log
    return ValueError(f"path: could not decode video {str(path)!r} ({type(error).__name__}: {first_line})")


def read_video(path) -> np.ndarray:
    """Read an mp4, webm (or mov, mkv, avi) or GIF file -> uint8 (F, H, W, 3)."""
    path = _check_video_path(path)
    try:
        frames = _read_gif(path) if path.suffix.lower() == ".gif" else _read_ffmpeg(path)
    except Exception as error:     # ffmpeg and Pillow raise many kinds; all mean "cannot decode"
        raise _undecodable(path, error) from None
    if not frames:
        raise ValueError(f"path: expected a video with at least one frame, {str(path)!r} has none")
    return np.stack(frames)


def count_frames(path) -> int:
    """Number of frames in a video file (decodes it: exact for variable frame rates)."""
    path = _check_video_path(path)
    try:
        if path.suffix.lower() == ".gif":
            with Image.open(path) as gif:
                return int(getattr(gif, "n_frames", 1))
        return int(imageio_ffmpeg.count_frames_and_secs(str(path))[0])
    except Exception as error:
        raise _undecodable(path, error) from None


def resize_video(video: np.ndarray, size: int) -> np.ndarray:
    """uint8 (F, H, W, 3) -> (F, size, size, 3), each frame as in `resize_center_crop`."""
    return np.stack([resize_center_crop(frame, size) for frame in video])


# ---------------------------------------------------------------- videos out

def as_video(video, name: str = "video") -> np.ndarray:
    """Check and convert (F, H, W, 3) / (F, H, W) uint8 or float [0, 1] frames to uint8 (F, H, W, 3)."""
    if isinstance(video, (list, tuple)) and video:
        video = np.stack([to_rgb_uint8(frame, f"{name}[{i}]") for i, frame in enumerate(video)])
    if not isinstance(video, np.ndarray) or video.ndim not in (3, 4) or video.shape[0] == 0:
        shape = getattr(video, "shape", type(video).__name__)
        raise ValueError(f"{name}: expected frames of shape (F, H, W, 3) or (F, H, W) with F >= 1, "
                         f"got {shape}")
    if video.ndim == 3 and video.shape[-1] in (3, 4):
        raise ValueError(f"{name}: got shape {video.shape}, which looks like one image; "
                         "expected (F, H, W, 3)")
    return np.stack([to_rgb_uint8(frame, f"{name}[{i}]") for i, frame in enumerate(video)])


def _gif_frame(frame: np.ndarray, twin: bool) -> Image.Image:
    """One palette frame: exact when it has at most 255 colours, median-cut quantised otherwise.

    Pillow merges a frame identical to the one before into it (a GIF of a still clip would come
    back with one frame), so every palette carries a spare copy of the first pixel's colour and
    `twin` frames point that pixel at the copy: different indices, the same picture.
    """
    colors, index = np.unique(frame.reshape(-1, 3), axis=0, return_inverse=True)
    if len(colors) > 255:
        quantised = Image.fromarray(frame).quantize(255, method=Image.Quantize.MEDIANCUT,
                                                    dither=Image.Dither.NONE)
        index = np.asarray(quantised).reshape(-1)
        colors = np.array(quantised.getpalette(), dtype=np.uint8).reshape(-1, 3)[:255]
    index = index.reshape(frame.shape[:2]).astype(np.uint8)
    palette = np.concatenate([colors, colors[index[0, 0]][None]]).astype(np.uint8)
    if twin:
        index[0, 0] = len(colors)
    image = Image.fromarray(index, mode="P")
    image.putpalette(palette.tobytes())
    return image


def _write_gif(path: str, video: np.ndarray, fps: float) -> None:
    frames, twin = [], False
    for i, frame in enumerate(video):
        twin = (not twin) if i > 0 and np.array_equal(frame, video[i - 1]) else False
        frames.append(_gif_frame(frame, twin))
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], loop=0,
                   duration=max(20, round(1000 / fps)), optimize=False, disposal=1)


def _write_ffmpeg(path: str, video: np.ndarray, fps: float, suffix: str) -> None:
    """Pipe raw frames into the bundled ffmpeg; raise OSError on a non-zero exit or an error in its log."""
    _, height, width, _ = video.shape
    if suffix == ".webm":
        codec, params = "libvpx-vp9", ["-crf", str(WEBM_CRF), "-b:v", "0"]
        pix_fmt = "yuv420p"
    else:
        codec, params = "libx264", ["-crf", str(MP4_CRF), "-preset", "medium"]
        pix_fmt = "yuv420p" if height % 2 == 0 and width % 2 == 0 else "yuv444p"   # 4:2:0 needs even sides
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error", "-f", "rawvideo", "-vcodec", "rawvideo",
           "-s", f"{width}x{height}", "-pix_fmt", "rgb24", "-r", str(Fraction(fps).limit_denominator()),
           "-i", "-", "-an", "-vcodec", codec, "-pix_fmt", pix_fmt, *params, path]
    with tempfile.TemporaryFile() as log:     # a file, not a pipe: ffmpeg can never block on it
        process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log)
        try:
            with contextlib.suppress(BrokenPipeError):    # ffmpeg stopped early: its log says why
                for frame in video:
                    process.stdin.write(frame.tobytes())
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
            code = process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        log.seek(0)
        lines = [line.strip() for line in log.read().decode(errors="replace").splitlines() if line.strip()]
    bad = [line for line in lines if "error" in line.lower() or "no space left" in line.lower()]
    if code != 0 or bad:
        worst = next((line for line in bad if "no space left" in line.lower()), (bad or lines or ["no message"])[-1])
        raise OSError(f"ffmpeg failed (exit code {code}): {worst}")


def _reads_back(path: str, frames: int, exact: bool) -> None:
    try:
        got = count_frames(path)
    except ValueError as error:
        raise OSError(f"the written file does not read back ({error})") from None
    if got < 1 or (exact and got != frames):
        raise OSError(f"the written file reads back with {got} of {frames} frames")


def write_video(path, video, fps: float = 8) -> Path:
    """Write frames to .mp4 (H.264), .webm (VP9) or .gif, chosen by suffix; atomic and checked."""
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path: expected a file path, got {type(path).__name__}")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITE_SUFFIXES:
        raise ValueError(f"path: expected a file name ending in one of {list(WRITE_SUFFIXES)}, "
                         f"got {str(path)!r}")
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.number)) or not 0 < fps <= 1000:
        raise ValueError(f"fps must be a number in (0, 1000], got {fps!r}")
    video = as_video(video)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".gif":   # Pillow may merge two frames that quantise alike: at least one must come back
        return write_atomic(path, lambda tmp: _write_gif(tmp, video, float(fps)),
                            lambda tmp: _reads_back(tmp, len(video), exact=False))
    return write_atomic(path, lambda tmp: _write_ffmpeg(tmp, video, float(fps), suffix),
                        lambda tmp: _reads_back(tmp, len(video), exact=True))
