"""What the Jupyter controls (seine_lite.widgets) show and check: PNG bytes, frames side by side,
an HTML <video>, and the checks on the videos and frame indices they are given.

Kept apart from the controls, which only arrange and wire ipywidgets: nothing here imports them.
"""
import io

import imageio_ffmpeg
import mediapy
import numpy as np
from PIL import Image


def png_bytes(image: np.ndarray, scale: int = 1) -> bytes:
    """uint8 (H, W, 3) -> PNG bytes, enlarged `scale` times (nearest neighbour, pixels stay crisp)."""
    image = np.asarray(image, dtype=np.uint8)
    if scale > 1:
        image = image.repeat(scale, axis=0).repeat(scale, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def hstack_frames(frames, gap: int = 4, fill: int = 255) -> np.ndarray:
    """Frames (H, W_i, 3) of one height side by side, `gap` pixels of `fill` between them."""
    h = frames[0].shape[0]
    spacer = np.full((h, gap, 3), fill, dtype=np.uint8)
    parts = []
    for i, frame in enumerate(frames):
        parts += [spacer, frame] if i else [frame]
    return np.concatenate(parts, axis=1)


def thumbnail(frame: np.ndarray, cell: int) -> np.ndarray:
    """A frame resized to `cell` x `cell` pixels (nearest neighbour)."""
    return np.asarray(Image.fromarray(frame).resize((cell, cell), Image.Resampling.NEAREST))


def video_html(video: np.ndarray, fps: int = 8, height: int = 192) -> str:
    """An HTML <video> of a uint8 (F, H, W, 3) clip, encoded with the ffmpeg of imageio-ffmpeg."""
    mediapy.set_ffmpeg(imageio_ffmpeg.get_ffmpeg_exe())
    return mediapy.show_video(video, fps=fps, height=height, return_html=True)


def as_uint8_video(video, argument: str) -> np.ndarray:
    """`video` as a uint8 (F >= 1, H, W, 3) array, or a ValueError naming `argument`."""
    video = np.asarray(video)
    if video.dtype != np.uint8 or video.ndim != 4 or video.shape[-1] != 3 or len(video) == 0:
        raise ValueError(f"{argument} must be a uint8 video (F, H, W, 3), "
                         f"got {video.dtype} of shape {video.shape}")
    return video


def check_frame_index(i, num_frames: int, name: str = "i", what: str = "a frame index") -> int:
    """`i` as an int in [0, num_frames) (bools refused), or a ValueError naming `name`."""
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i < num_frames:
        raise ValueError(f"{name} must be {what} in [0, {num_frames}), got {i!r}")
    return int(i)
