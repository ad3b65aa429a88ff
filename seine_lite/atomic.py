"""Atomic, checked writes: a full disk or a kill never leaves a half file where a good one was.

Every file seine_lite writes goes through here: written under a temporary name beside the target
(same folder, so the final rename is atomic), flushed to disk, optionally read back, then moved into
place with os.replace. On any failure, Ctrl-C or SIGTERM included, the temporary is removed and the
old target is left as it was; an OSError from the write becomes one OSError whose one-line message
names the target and the cause ("could not write 'x': No space left on device"), which the command
line prints with exit code 1.
"""
import contextlib
import os
import shutil
import uuid
from pathlib import Path

from safetensors import SafetensorError   # what safetensors' save_file raises on an I/O error


def could_not_write(path, error: BaseException) -> OSError:
    """One OSError (never a subclass: a full disk is not a missing input) naming `path` and the cause."""
    cause = getattr(error, "strerror", None) or (str(error).strip().splitlines() or [type(error).__name__])[0]
    failed = OSError(f"could not write {str(path)!r}: {cause}; any earlier file there is unchanged")
    failed.errno = getattr(error, "errno", None)
    return failed


def temporary_name(path: Path, folder: bool = False) -> Path:
    """A unique hidden name beside `path` (a file keeps its suffix: writers choose the format by it)."""
    tag = uuid.uuid4().hex[:12]
    return path.with_name(f".{path.name}.{tag}.tmp" if folder else f".{path.stem}.{tag}.tmp{path.suffix}")


def fsync_tree(path) -> None:
    """Flush a file, or every file in a folder, to disk (what a rename then publishes is complete)."""
    path = Path(path)
    files = [path] if path.is_file() else [p for p in sorted(path.rglob("*")) if p.is_file()]
    for file in files:
        fd = os.open(file, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path, write, check=None) -> Path:
    """`write(tmp)` to a temporary file beside `path`, flush it to disk, `check(tmp)`, then os.replace.

    `tmp` is a str ending in path's suffix. On any failure the temporary file is removed and `path`
    is left as it was; an OSError from writing or checking becomes one OSError naming `path`.
    """
    path = Path(path)
    tmp = str(temporary_name(path))
    try:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write(tmp)
            fsync_tree(tmp)
            if check is not None:
                check(tmp)
            os.replace(tmp, path)
        except (OSError, SafetensorError) as error:
            raise could_not_write(path, error) from error
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    return path


def write_text(path, text: str) -> Path:
    """`path.write_text(text)` (UTF-8), atomic and checked."""
    return write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def move_entries(tmp: Path, out: Path, names, drop=()) -> None:
    """Move each tmp/NAME (file or folder) onto out/NAME, and each out/NAME of `drop` away. The old
    entries go aside into tmp/old first and come back if a move fails, so `out` never mixes two writes."""
    aside, moved = tmp / "old", []
    aside.mkdir()
    try:
        for name in (*names, *drop):
            if (out / name).exists() or (out / name).is_symlink():
                os.replace(out / name, aside / name)
        for name in names:
            os.replace(tmp / name, out / name)
            moved.append(name)
    except BaseException:
        for name in moved:
            os.replace(out / name, tmp / name)
        for old in aside.iterdir():
            os.replace(old, out / old.name)
        raise
    shutil.rmtree(aside, ignore_errors=True)
