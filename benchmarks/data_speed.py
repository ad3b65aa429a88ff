"""How fast the data sources make clips (numpy on the CPU; elementwise numpy runs on one core).

    python benchmarks/data_speed.py                       # 10,000 shapes clips of 16x64x64 (the bar: <= 60 s)
    python benchmarks/data_speed.py --source mix --n 2000 # any source of seine_lite.data.make_clips
    python benchmarks/data_speed.py --source layers --n 2000   # layered clips (the bar: >= 100 clips/s)

Clips are made in batches of --batch (the result does not depend on it: each batch has its own
seed) and thrown away, so memory stays small. Prints one line per source with seconds and clips/s.
numpy and torch are held to one thread. "layers" needs the photo bank (`seine-lite data photos`);
without it, --source all says so and goes on.
"""
import argparse
import os
import time

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from seine_lite.data import make_clips  # noqa: E402
from seine_lite.data.mix import SOURCES  # noqa: E402


def measure(source: str, n: int, num_frames: int, size: int, batch: int) -> float:
    """Seconds to make n clips of `source` in batches."""
    start = time.perf_counter()
    checksum = 0
    for k, first in enumerate(range(0, n, batch)):
        clips, captions = make_clips(source, min(batch, n - first), num_frames, size, seed=k)
        checksum += int(clips[:, 0, 0, 0, 0].sum()) + len(captions)
    elapsed = time.perf_counter() - start
    assert checksum > 0
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="shapes", choices=[*SOURCES, "all"],
                        help="one source of seine_lite.data.make_clips, or all (shapes, transitions, photos, layers, mix)")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    sources = ["shapes", "transitions", "photos", "layers", "mix"] if args.source == "all" else [args.source]
    torch.set_num_threads(1)
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs visible, one thread")
    for source in sources:
        try:
            seconds = measure(source, args.n, args.frames, args.size, args.batch)
        except FileNotFoundError as err:
            if args.source != "all":
                raise
            print(f"{source:12s} skipped: {err}")
            continue
        print(f"{source:12s} {args.n} clips of {args.frames}x{args.size}x{args.size}: "
              f"{seconds:.1f} s ({args.n / seconds:.0f} clips/s)")


if __name__ == "__main__":
    main()
