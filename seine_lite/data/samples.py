"""Where the bundled sample data lives: photos, the demo's story shots and the example clips.

A source checkout keeps them in `data_samples/` beside the package; `pip install .` copies the
same folder into the package as `seine_lite/data_samples/` (pyproject.toml's `package-dir`), so
the photo data source, the prompt panel and `seine-lite demo` work from an installed wheel too.
"""
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]
_PLACES = (_PACKAGE.parent / "data_samples", _PACKAGE / "data_samples")   # checkout first, then installed
SAMPLES = next((p for p in _PLACES if p.is_dir()), _PLACES[0])
