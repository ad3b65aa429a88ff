"""A full disk, by injection: a failed write keeps the old file, leaves no temporary, names the file."""
import errno
import os
import stat

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from seine_lite.cli import main
from seine_lite.data import video_io
from seine_lite.data.video_io import write_video
from seine_lite.viz import save_figure

FULL = "No space left on device"


@pytest.fixture()
def clip():
    return (np.random.default_rng(0).random((5, 16, 16, 3)) * 255).astype(np.uint8)


def _full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, FULL)


def _fake_ffmpeg(tmp_path, code: int, log: str):
    """A stand-in for ffmpeg that writes 4 KB of nothing, prints `log` and exits with `code`."""
    exe = tmp_path / "bin" / "ffmpeg"
    exe.parent.mkdir()
    exe.write_text(f'#!/bin/sh\ncat > /dev/null\nfor last; do :; done\nhead -c 4096 /dev/zero > "$last"\n'
                   f'echo "{log}" >&2\nexit {code}\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return str(exe)


def _only(folder, *names):
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


@pytest.mark.parametrize("code, log, cause", [
    (0, f"Error closing file out.mp4: {FULL}", FULL),    # the case: exit 0, error in the log
    (1, f"Error closing file out.mp4: {FULL}", FULL),
    (0, "", "does not read back"),                       # silent, but the file is not a video
])
def test_mp4_keeps_the_old_file_when_ffmpeg_fails(tmp_path, clip, monkeypatch, code, log, cause):
    target = write_video(tmp_path / "out" / "z.mp4", clip)
    before = target.read_bytes()
    monkeypatch.setattr(video_io.imageio_ffmpeg, "get_ffmpeg_exe", lambda: _fake_ffmpeg(tmp_path, code, log))
    with pytest.raises(OSError, match=cause) as failed:
        write_video(target, clip[::-1])
    assert str(target) in str(failed.value)
    assert target.read_bytes() == before
    _only(target.parent, "z.mp4")


@pytest.mark.parametrize("suffix, writer", [(".mp4", "_write_ffmpeg"), (".gif", "_write_gif")])
def test_video_keeps_the_old_file_on_enospc(tmp_path, clip, monkeypatch, suffix, writer):
    target = write_video(tmp_path / f"z{suffix}", clip)
    before = target.read_bytes()

    def half_then_full(path, *args):
        with open(path, "wb") as f:
            f.write(b"half a video")
        _full_disk()

    monkeypatch.setattr(video_io, writer, half_then_full)
    with pytest.raises(OSError, match=FULL) as failed:
        write_video(target, clip[::-1])
    assert failed.value.errno == errno.ENOSPC and str(target) in str(failed.value)
    assert len(str(failed.value).splitlines()) == 1
    assert target.read_bytes() == before
    _only(tmp_path, f"z{suffix}")


def test_gif_keeps_the_old_file_when_pillow_save_fails(tmp_path, clip, monkeypatch):
    target = write_video(tmp_path / "z.gif", clip)
    before = target.read_bytes()
    monkeypatch.setattr(Image.Image, "save", _full_disk)
    with pytest.raises(OSError, match=FULL):
        write_video(target, clip[::-1])
    assert target.read_bytes() == before
    _only(tmp_path, "z.gif")


def test_strip_keeps_the_old_png(tmp_path, monkeypatch):
    target = save_figure(plt.figure(figsize=(1, 1)), tmp_path / "z.png")
    before = target.read_bytes()
    fig = plt.figure(figsize=(1, 1))

    def half_then_full(path, **kwargs):
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n")
        _full_disk()

    monkeypatch.setattr(fig, "savefig", half_then_full)
    with pytest.raises(OSError, match=FULL) as failed:
        save_figure(fig, target)
    assert str(target) in str(failed.value)
    assert target.read_bytes() == before
    _only(tmp_path, "z.png")
    assert not plt.fignum_exists(fig.number)


def test_a_truncated_png_is_not_moved_into_place(tmp_path, monkeypatch):
    fig = plt.figure(figsize=(1, 1))
    monkeypatch.setattr(fig, "savefig", lambda path, **kw: open(path, "wb").write(b"\x89PNG\r\n\x1a\n"))
    with pytest.raises(OSError, match="z.png"):
        save_figure(fig, tmp_path / "z.png")
    _only(tmp_path)


@pytest.mark.parametrize("out, strip", [("z.mp4", False), ("z.gif", False), ("z.mp4", True)])
def test_cli_full_disk_is_one_line_exit_1(tiny_model_dir, tmp_path, capsys, monkeypatch, out, strip):
    images = []
    for i, color in enumerate([(200, 30, 30), (30, 30, 200)]):
        images.append(str(tmp_path / f"scene{i}.png"))
        Image.fromarray(np.full((48, 40, 3), color, dtype=np.uint8)).save(images[-1])
    target = tmp_path / out
    good = target.with_suffix(".png") if strip else target
    good.write_bytes(b"the good old file")
    if strip:
        monkeypatch.setattr(plt.Figure, "savefig", _full_disk)
    else:
        monkeypatch.setattr(video_io, "_write_gif" if out.endswith(".gif") else "_write_ffmpeg", _full_disk)
    code = main(["transition", *images, "--model", str(tiny_model_dir), "--steps", "2", "--out", str(target),
                 "--no-progress"] + (["--strip"] if strip else []))
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert code == 1 and len(err.splitlines()) == 1 and str(good) in err and FULL in err, err
    assert "wrote" not in captured.out
    assert good.read_bytes() == b"the good old file"
    assert not [p for p in os.listdir(tmp_path) if ".tmp" in p]
