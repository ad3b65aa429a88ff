"""Small banks with the photo bank's layout: the sample bank (the five bundled photographs, for
tests, quick notebooks and a first look without any package) and a shareable copy of a bank
(only the files whose licence lets their pictures be published, for figures that get committed).

    write_sample_bank("/tmp/bank")                        # 5 photos, 5 cut-outs, 1 clip; no download
    copy_bank("data/bank", "/tmp/shareable", keep=is_shareable)
"""
import hashlib
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from seine_lite.data.bank import PHOTO_SIDE, bank_folder, load_manifest, shrink_image, write_atomic, write_manifest
from seine_lite.data.photos import SAMPLE_IMAGES, SUBJECTS, load_sample_images, photo_clip

COPYLEFT = ("GPL", "-SA", "GFDL", "unknown")     # licences whose pictures must not be published here


def is_shareable(record: dict) -> bool:
    """True when a file's licence is permissive (public domain, CC0, CC-BY, MIT, BSD, Apache):
    pictures of it may be committed (with the attribution), unlike GPL, CC-BY-SA or GFDL files."""
    return not any(word in record["licence"] for word in COPYLEFT)


def copy_bank(bank, out, keep=is_shareable) -> Path:
    """Copy the files of `bank` whose manifest record passes `keep` into a new bank at `out`."""
    source, out = bank_folder(bank), Path(out)
    records = [r for r in load_manifest(source) if keep(r)]
    if not records:
        raise ValueError("keep: no file of the bank passes it")
    for r in records:
        (out / r["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / r["file"], out / r["file"])
    write_manifest(out, records)
    return out


def write_sample_bank(out) -> Path:
    """A small bank from the bundled sample photographs (public domain / CC0), for tests, notebooks in
    quick mode and a first look without the packages: 5 photos (rocket held out), 5 cut-outs (each
    photo's centre under a soft elliptical alpha) and one clip (a pan over the coffee photo, held out).
    Its manifest has the real bank's fields; `source` is "samples"."""
    out = Path(out)
    records = []
    for stem, image in load_sample_images():
        split = "heldout" if stem == "rocket" else "train"
        rgb = shrink_image(Image.fromarray(image), PHOTO_SIDE)
        h, w = rgb.height, rgb.width
        yy, xx = np.mgrid[0:h, 0:w]
        radius = ((xx - w / 2) / (0.3 * w)) ** 2 + ((yy - h / 2) / (0.35 * h)) ** 2
        alpha = (np.clip((1.0 - radius) / 0.15, 0, 1) * 255).astype(np.uint8)
        cutout = Image.fromarray(np.dstack([np.asarray(rgb), alpha]), "RGBA")
        for kind, picture in (("photo", rgb), ("cutout", cutout)):
            target = out / f"{kind}s" / "samples" / f"{stem}.png"
            write_atomic(target, lambda p: picture.save(p, format="PNG"))
            records.append(_sample_record(out, target, kind, stem, SUBJECTS[stem], split, picture.size))
    clip = photo_clip(SAMPLE_IMAGES / "coffee.jpg", "panning left", num_frames=24, size=96, seed=0)
    target = out / "clips" / "samples" / "coffee_pan.npy"
    write_atomic(target, lambda p: np.save(p, clip))
    records.append(_sample_record(out, target, "clip", "coffee_pan", "a cup of coffee", "heldout", (96, 96)))
    write_manifest(out, records)
    return out


def _sample_record(out: Path, target: Path, kind: str, stem: str, subject: str, split: str, size) -> dict:
    return {"source": "samples", "kind": kind, "package": "seine_lite", "version": "bundled",
            "registry": "repository", "path": f"data_samples/images/{stem}", "licence": "public domain or CC0",
            "attribution": "see data_samples/images/LICENSES.md", "subject": subject,
            "original_sha256": None, "split": split, "width": size[0], "height": size[1],
            "file": target.relative_to(out).as_posix(), "group": f"samples:{stem}",
            "sha256": hashlib.sha256(target.read_bytes()).hexdigest()}
