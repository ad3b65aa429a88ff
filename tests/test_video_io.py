"""Video and image I/O without a system ffmpeg (seine_lite.data.video_io)."""
import numpy as np
import pytest
from PIL import Image

from seine_lite.data import video_io
from seine_lite.data.shapes import make_shapes_clips
from seine_lite.data.video_io import count_frames, read_image, read_video, resize_center_crop, write_video


def psnr(a, b) -> float:
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255 ** 2 / mse)


@pytest.fixture(scope="module")
def clip():
    clips, _ = make_shapes_clips(1, num_frames=12, size=64, seed=3)
    return clips[0]


@pytest.mark.parametrize("suffix, min_psnr", [(".mp4", 30), (".webm", 30), (".gif", float("inf"))])
def test_round_trip(tmp_path, clip, suffix, min_psnr):
    path = write_video(tmp_path / f"clip{suffix}", clip, fps=8)
    video = read_video(path)
    assert video.shape == clip.shape and video.dtype == np.uint8
    assert psnr(video, clip) >= min_psnr
    assert count_frames(path) == len(clip)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"clip{suffix}"]      # no temporary left behind


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_repeated_frames_are_kept(tmp_path, clip, suffix):
    video = clip.copy()
    video[2:7] = video[2]                   # a run of identical frames (Pillow would merge them)
    back = read_video(write_video(tmp_path / f"runs{suffix}", video))
    assert len(back) == len(video)
    if suffix == ".gif":
        assert np.array_equal(back, video)
    still = np.repeat(clip[:1], 5, axis=0)
    assert len(read_video(write_video(tmp_path / f"still{suffix}", still))) == 5


def test_gif_with_many_colours_is_close(tmp_path):
    rng = np.random.default_rng(0)
    smooth = np.linspace(0, 255, 48)
    video = np.stack([np.stack(list(np.meshgrid(smooth, smooth[::-1])) + [np.full((48, 48), 40.0 * k)], -1)
                      for k in range(4)]).astype(np.uint8)
    video[:, :4, :4] = rng.integers(0, 256, (4, 4, 4, 3))
    assert all(len(np.unique(f.reshape(-1, 3), axis=0)) > 256 for f in video)      # must be quantised
    back = read_video(write_video(tmp_path / "many.gif", video))
    assert psnr(back, video) > 25


def test_odd_sizes_and_grey_and_float_frames(tmp_path, clip):
    odd = clip[:, :63, :61]
    assert psnr(read_video(write_video(tmp_path / "odd.mp4", odd)), odd) > 30
    grey = clip[..., 0]
    assert np.array_equal(read_video(write_video(tmp_path / "grey.gif", grey)), np.repeat(grey[..., None], 3, -1))
    floats = clip.astype(np.float32) / 255
    assert np.array_equal(read_video(write_video(tmp_path / "float.gif", floats)), clip)


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, clip, monkeypatch):
    target = write_video(tmp_path / "keep.mp4", clip)
    before = target.read_bytes()

    def broken(path, video, fps, suffix):
        with open(path, "wb") as f:
            f.write(b"half a video")
        raise RuntimeError("disk full")

    monkeypatch.setattr(video_io, "_write_ffmpeg", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_video(target, clip[::-1])
    with pytest.raises(RuntimeError):
        write_video(tmp_path / "new.mp4", clip)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]


@pytest.mark.parametrize("name, content, error, match", [
    ("missing.mp4", None, FileNotFoundError, "no such video"),
    ("corrupt.mp4", b"\x00\x01not really a video" * 50, ValueError, "could not decode"),
    ("empty.mp4", b"", ValueError, "could not decode|at least one frame"),
    ("corrupt.gif", b"GIF89a garbage", ValueError, "could not decode"),
    ("clip.txt", b"hello", ValueError, "video file ending in"),
])
def test_bad_videos(tmp_path, name, content, error, match):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(error, match=f"path: .*({match})"):
        read_video(path)


@pytest.mark.parametrize("video, fps, name, match", [
    (np.zeros((2, 8, 8, 3), np.uint8), 0, "a.mp4", "fps"),
    (np.zeros((2, 8, 8, 3), np.uint8), 8, "a.avi", "path"),
    (np.zeros((8, 8, 3), np.uint8), 8, "a.mp4", "one image"),
    (np.zeros((0, 8, 8, 3), np.uint8), 8, "a.mp4", "F >= 1"),
    (np.zeros((2, 8, 8, 3), np.int32), 8, "a.gif", "dtype"),
    (np.full((2, 8, 8, 3), np.nan), 8, "a.gif", "finite"),
])
def test_bad_writes(tmp_path, video, fps, name, match):
    with pytest.raises(ValueError, match=match):
        write_video(tmp_path / name, video, fps=fps)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- images

def checker(h=40, w=60) -> np.ndarray:
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([xs * 4, ys * 6, (xs + ys) % 2 * 255], -1).astype(np.uint8)


def test_read_image_accepts_every_kind(tmp_path):
    image = checker(32, 32)
    Image.fromarray(image).save(tmp_path / "c.png")
    for x in (image, image.astype(np.float64) / 255, Image.fromarray(image), tmp_path / "c.png", str(tmp_path / "c.png")):
        assert np.array_equal(read_image(x, 32), image)     # already the right size: untouched
    grey = image[..., 0]
    for x in (grey, grey[..., None], Image.fromarray(grey)):
        assert np.array_equal(read_image(x, 32), np.repeat(grey[..., None], 3, -1))


def test_rgba_is_composited_on_black():
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[..., :3] = 200
    rgba[:, :8, 3] = 255        # left opaque, right fully transparent
    rgba[:4, :, 3] = 128        # top rows half transparent
    out = read_image(rgba, 16)
    assert (out[4:, :8] == 200).all() and (out[4:, 8:] == 0).all() and (out[:4] == 100).all()
    assert np.array_equal(read_image(Image.fromarray(rgba), 16), out)
    assert np.array_equal(read_image(rgba.astype(np.float32) / 255, 16), out)


def test_resize_shorter_side_then_centre_crop():
    image = np.zeros((40, 80, 3), np.uint8)
    image[:, 20:60] = 255          # the centre square is white, the sides black
    out = read_image(image, 20)
    assert out.shape == (20, 20, 3) and out.dtype == np.uint8
    assert (out[:, 1:-1] == 255).all() and (out[:, [0, -1]] > 200).all()      # bicubic softens the cut edge
    tall = np.zeros((90, 30, 3), np.uint8)
    tall[30:60] = 255
    assert (read_image(tall, 30) == 255).all()      # shorter side already 30: a pure crop
    up = read_image(checker(8, 12), 24)            # enlarging works too
    assert up.shape == (24, 24, 3)
    assert resize_center_crop(checker(40, 60), 40).tolist() == checker(40, 60)[:, 10:50].tolist()


@pytest.mark.parametrize("x, match", [
    (np.full((8, 8, 3), np.nan, np.float32), "finite"),
    (np.full((8, 8, 3), 2.0), r"\[0, 1\]"),
    (np.zeros((8, 8, 3), np.int64), "dtype"),
    (np.zeros((8, 8, 3), bool), "dtype"),
    (np.zeros((8, 8, 2), np.uint8), "shape"),
    (np.zeros((8, 8, 5), np.uint8), "shape"),
    (np.zeros((3, 8, 8), np.uint8), "shape"),
    (np.zeros((0, 8, 3), np.uint8), "non-empty"),
    (np.zeros((2, 8, 8, 3), np.uint8), "shape"),
    ([[0, 1], [2, 3]], "PIL image, a numpy array or a path"),
])
def test_bad_images_name_the_argument(x, match):
    with pytest.raises(ValueError, match=f"^first: .*{match}"):
        read_image(x, 16, name="first")
    with pytest.raises(ValueError, match="^x: "):
        read_image(x, 16)


def test_bad_image_files_and_sizes(tmp_path):
    with pytest.raises(FileNotFoundError, match="x: no such image"):
        read_image(tmp_path / "nope.png", 16)
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(ValueError, match="x: .*not an image file"):
        read_image(tmp_path / "text.png", 16)
    for size in (0, -3, 2.5, "16"):
        with pytest.raises(ValueError, match="size"):
            read_image(checker(), size)


def test_exif_orientation_turns_a_phone_photo_upright(tmp_path):
    stored = checker(40, 60)                      # as the sensor wrote it: 40 high, 60 wide
    exif = Image.Exif()
    exif[0x0112] = 6                              # "rotate 90 degrees clockwise to display"
    Image.fromarray(stored).save(tmp_path / "phone.jpg", quality=95, exif=exif)
    with Image.open(tmp_path / "phone.jpg") as image:
        as_stored = np.asarray(image.convert("RGB"))      # a plain copy: no EXIF applied
    upright = np.rot90(as_stored, k=-1)
    assert video_io.to_rgb_uint8(tmp_path / "phone.jpg").shape == (60, 40, 3)
    assert np.array_equal(video_io.to_rgb_uint8(tmp_path / "phone.jpg"), upright)
    with Image.open(tmp_path / "phone.jpg") as image:     # a PIL image as opened from the file
        assert np.array_equal(video_io.to_rgb_uint8(image), upright)
    assert np.array_equal(read_image(str(tmp_path / "phone.jpg"), 20), resize_center_crop(upright, 20))
    assert np.array_equal(video_io.to_rgb_uint8(Image.fromarray(as_stored)), as_stored)  # no EXIF: as given


@pytest.mark.parametrize("suffix", [".gif", ".webp", ".png"])
def test_an_animated_image_is_refused_where_one_frame_is_expected(tmp_path, suffix):
    frames = [Image.fromarray(np.full((16, 16, 3), v, np.uint8)) for v in (0, 255, 90)]
    path = tmp_path / f"anim{suffix}"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    for x in (path, str(path)):
        with pytest.raises(ValueError, match=r"^first: .*anim.* is an animated image \(3 frames\).*pass one frame"):
            read_image(x, 16, name="first")
    with Image.open(path) as image:
        with pytest.raises(ValueError, match="^first: the PIL image is an animated image"):
            read_image(image, 16, name="first")
        image.seek(1)
        assert (read_image(image.convert("RGB"), 16, name="first") > 200).all()   # one frame: taken
    one = tmp_path / f"one{suffix}"
    frames[1].save(one)
    assert (read_image(one, 16) > 200).all()


def test_a_folder_and_a_url_get_their_own_messages(tmp_path):
    (tmp_path / "pictures").mkdir()
    with pytest.raises(FileNotFoundError, match=r"^x: '.*pictures' is a folder; expected one image file$"):
        read_image(tmp_path / "pictures", 16)
    for url in ("https://x/y.png", "http://example.com/a b.jpg", "ftp://host/z.png"):
        with pytest.raises(ValueError) as caught:
            read_image(url, 16, name="first")
        assert str(caught.value).startswith(f"first: {url!r} is a URL, and nothing is downloaded at run time")
