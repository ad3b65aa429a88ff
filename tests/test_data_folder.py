"""The folder-of-captioned-videos dataset (seine_lite.data.folder) and the bundled example set."""
import csv
from pathlib import Path

import numpy as np
import pytest

from seine_lite.data.folder import FolderDataset, read_captions
from seine_lite.data.video_io import read_video, resize_video, write_video

EXAMPLE = Path(__file__).resolve().parents[1] / "data_samples" / "clips"


def numbered(num_frames: int, h: int, w: int) -> np.ndarray:
    """Frame k is filled with the value 8 k in red and carries a fixed pattern in green."""
    video = np.zeros((num_frames, h, w, 3), np.uint8)
    video[..., 0] = (8 * np.arange(num_frames) % 256)[:, None, None]
    video[..., 1] = (np.arange(w)[None, :] * 255 // max(1, w - 1))
    return video


def make_folder(root: Path, videos: dict, header=("path", "caption")) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for rel, video in videos.items():
        write_video(root / rel, video)
        rows.append((rel, f"caption of {rel}"))
    with open(root / "captions.csv", "w", newline="") as f:
        csv.writer(f).writerows([header] + rows)
    return root


def test_windows_start_every_stride(tmp_path):
    root = make_folder(tmp_path, {"a/one.gif": numbered(20, 16, 16), "two.gif": numbered(9, 16, 16)})
    ds = FolderDataset(root, num_frames=8, size=16, stride=5)
    assert ds.windows == [(0, 0), (0, 5), (0, 10), (1, 0)]
    assert len(ds) == 4
    for i, (video_index, start) in enumerate(ds.windows):
        clip, caption = ds[i]
        assert clip.shape == (8, 16, 16, 3) and clip.dtype == np.uint8
        assert clip[:, 0, 0, 0].tolist() == [8 * k for k in range(start, start + 8)]
        assert caption == ("caption of a/one.gif" if video_index == 0 else "caption of two.gif")
    default = FolderDataset(root, num_frames=8, size=16)          # stride defaults to num_frames
    assert default.windows == [(0, 0), (0, 8), (1, 0)]
    assert FolderDataset(root, num_frames=9, size=16, stride=1).windows[-1] == (1, 0)
    clips, captions = default.to_arrays()
    assert clips.shape == (3, 8, 16, 16, 3) and len(captions) == 3
    assert ds[-1][1] == "caption of two.gif"
    with pytest.raises(IndexError):
        ds[4]


def test_windows_are_resized_and_centre_cropped(tmp_path):
    video = numbered(6, 30, 48)
    root = make_folder(tmp_path, {"wide.gif": video})
    clip, _ = FolderDataset(root, num_frames=4, size=12, stride=2)[1]
    assert clip.shape == (4, 12, 12, 3)
    assert np.array_equal(clip, resize_video(video[2:6], 12))
    green = clip[0, 6, :, 1].astype(int)                  # the centre of a left-to-right ramp survives the crop
    assert (np.diff(green) > 0).all() and 60 < green.mean() < 195


def test_bundled_example_set():
    files = sorted(p for p in EXAMPLE.rglob("*") if p.is_file())
    assert sum(p.stat().st_size for p in files) < 1_000_000
    rows = read_captions(EXAMPLE / "captions.csv")
    assert 4 <= len(rows) <= 6
    suffixes = {Path(p).suffix for p, _ in rows}
    assert ".mp4" in suffixes and ".gif" in suffixes
    for rel, caption in rows:
        video = read_video(EXAMPLE / rel)
        assert 24 <= len(video) <= 32 and all(64 <= s <= 96 for s in video.shape[1:3]) and caption
    ds = FolderDataset(EXAMPLE, num_frames=16, size=32, stride=8)
    clip, caption = ds[len(ds) - 1]
    assert clip.shape == (16, 32, 32, 3) and caption == rows[-1][1]


def test_missing_things(tmp_path):
    with pytest.raises(FileNotFoundError, match="root"):
        FolderDataset(tmp_path / "nowhere", 4, 16)
    with pytest.raises(FileNotFoundError, match="captions.*captions.csv"):
        FolderDataset(tmp_path, 4, 16)
    root = make_folder(tmp_path / "f", {"a.gif": numbered(6, 8, 8)})
    with open(root / "captions.csv", "a") as f:
        f.write("gone.mp4,a missing video\n")
    with pytest.raises(FileNotFoundError, match="gone.mp4"):
        FolderDataset(root, 4, 16)


def test_bad_csv_and_corrupt_videos(tmp_path):
    root = make_folder(tmp_path / "cols", {"a.gif": numbered(6, 8, 8)}, header=("file", "text"))
    with pytest.raises(ValueError, match="captions: .*'path' and 'caption'"):
        FolderDataset(root, 4, 16)
    root = make_folder(tmp_path / "corrupt", {"a.gif": numbered(6, 8, 8)})
    (root / "a.gif").write_bytes(b"GIF89a this is not a gif")
    with pytest.raises(ValueError, match="could not decode"):
        FolderDataset(root, 4, 16)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "captions.csv").write_text("path,caption\n")
    with pytest.raises(ValueError, match="lists no videos"):
        FolderDataset(empty, 4, 16)


def test_bad_window_requests(tmp_path):
    root = make_folder(tmp_path, {"short.gif": numbered(5, 8, 8)})
    with pytest.raises(ValueError, match="num_frames: 'short.gif' has 5 frames"):
        FolderDataset(root, 6, 16)
    for kwargs, argument in [(dict(num_frames=0), "num_frames"), (dict(size=-1), "size"), (dict(stride=0), "stride")]:
        with pytest.raises(ValueError, match=argument):
            FolderDataset(root, **(dict(num_frames=4, size=16) | kwargs))
