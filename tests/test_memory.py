"""Long videos in bounded memory: `extend` and `story` keep one clip's latents at a time.

Both tasks run in one fresh process (so no earlier test sets the peak): each once short, to warm
up, then short and long, measured. The peak resident memory of each run (Linux: VmHWM, reset
before the run; it counts numpy, torch's CPU allocator and everything else) of the long run may
exceed the short run's by a few MB at most, and the Python/numpy allocations it traces
(tracemalloc) by little more than the longer output itself.
"""
import json
import os
import subprocess
import sys


MEASURE = r"""
import json, resource, sys, tracemalloc
import numpy as np
from seine_lite import SeinePipeline

pipe = SeinePipeline.from_pretrained(sys.argv[1])
pipe.set_progress_bar_config(disable=True)
cases = json.loads(sys.argv[2])   # {task: [short, long]}
images = np.random.default_rng(0).integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)

def run(task, n):
    if task == "extend":   # n new frames after a 4-frame clip, two frames of context per round
        return pipe.extend(images[:4], new_frames=n, context_frames=2, num_inference_steps=1)
    return pipe.story(list(images[:n]), num_inference_steps=1)  # n shots, n - 1 transitions

def reset_peak_rss():  # Linux: "5" resets the peak (VmHWM) to the current resident size
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # elsewhere the peak is the process's whole-life maximum (ru_maxrss)

def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 2 ** 10
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2 ** 20 if sys.platform == "darwin" else 2 ** 10)

for task, (short, _) in cases.items():
    run(task, short)  # warm up: weights, caches and allocator arenas in place
tracemalloc.start()
rows = {}
for task, lengths in cases.items():
    for name, n in zip(("short", "long"), lengths):
        tracemalloc.reset_peak()
        reset_peak_rss()
        start = tracemalloc.get_traced_memory()[0]
        video = run(task, n)
        rows.setdefault(task, {})[name] = {
            "frames": len(video), "video_mb": video.nbytes / 2 ** 20, "peak_rss_mb": peak_rss_mb(),
            "traced_peak_mb": (tracemalloc.get_traced_memory()[1] - start) / 2 ** 20}
        del video
print(json.dumps(rows))
"""

RSS_SLACK_MB = 6       # allowed growth of the peak resident memory from the short to the long run
TRACED_SLACK_MB = 0.5  # allowed growth of traced allocations beyond twice the growth of the output
CASES = {"extend": [8, 200], "story": [2, 10]}  # new frames / shots: short, long


def test_memory_does_not_grow_with_the_length_of_the_video(tiny_model_dir, capsys):
    env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", CUDA_VISIBLE_DEVICES="")
    run = subprocess.run([sys.executable, "-c", MEASURE, str(tiny_model_dir), json.dumps(CASES)],
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = json.loads(run.stdout.strip().splitlines()[-1])
    for task, row in rows.items():
        a, b = row["short"], row["long"]
        with capsys.disabled():  # the numbers for the README
            print(f"\n{task}: " + " | ".join(f"{r['frames']} frames: peak RSS {r['peak_rss_mb']:.1f} MB, "
                                             f"traced {r['traced_peak_mb']:.2f} MB" for r in (a, b)))
        assert b["frames"] > 5 * a["frames"]
        assert b["peak_rss_mb"] <= a["peak_rss_mb"] + RSS_SLACK_MB, task
        assert b["traced_peak_mb"] <= a["traced_peak_mb"] + 2 * (b["video_mb"] - a["video_mb"]) + TRACED_SLACK_MB, task
