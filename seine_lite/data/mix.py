"""One entry point for training clips: `make_clips(source, n, num_frames, size, seed)`.

Sources:
  shapes               the shapes world
  transitions          scene-to-scene clips of the shapes world (as the earlier legs drew them)
  smooth_transitions   the same with soft fronts and evenly spread change (no step above 0.25 of a cut)
  photos               camera moves over the five bundled photographs
  realphotos           camera moves over the photo bank's training photographs (needs `seine-lite data photos`)
  layers               the bank's cut-outs moving over its photographs while the camera moves (FlyingChairs-like)
  realtransitions      two layered real scenes joined by a smooth slide, zoom, morph or wipe
  slowlayers           layered clips with a fifth of their motion: the still camera and small moves of most footage
  greylayers           layered clips at half motion in black and white, as old and surveillance footage is
  stilllayers          a still camera over a photograph, its layers at a third of their motion: "a video of ..."
  tripod               the same with the layers at 0.4 of their size: small movers (people, cars) before a still camera
  steadytripod         tripod clips without brightness drift or noise: what does not move stays the same
  steadygreylayers     greylayers clips likewise
  mix                  MIX_PROPORTIONS of each (60 % shapes, 25 % transitions, 15 % photos unless told
                       otherwise; counts rounded by largest remainder so they add up to n), shuffled together.
Everything is repeatable from the seed.
"""
import numpy as np

from seine_lite.data.layers import make_layer_clips
from seine_lite.data.photos import make_photo_clips
from seine_lite.data.real_footage import make_real_photo_clips
from seine_lite.data.real_transitions import make_real_transition_clips
from seine_lite.data.scenes import check_size
from seine_lite.data.shapes import make_shapes_clips
from seine_lite.data.transitions_world import make_smooth_transition_clips, make_transition_clips

MIX_PROPORTIONS = {"shapes": 0.60, "transitions": 0.25, "photos": 0.15}
_MAKERS = {"shapes": make_shapes_clips, "transitions": make_transition_clips,
           "smooth_transitions": make_smooth_transition_clips, "photos": make_photo_clips,
           "realphotos": make_real_photo_clips, "layers": make_layer_clips,
           "realtransitions": make_real_transition_clips}


def make_slow_layer_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0):
    """Layered clips with a fifth of their motion (`make_layer_clips(motion=0.2)`)."""
    return make_layer_clips(n, num_frames=num_frames, size=size, seed=seed, motion=0.2)


def make_grey_layer_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0, steady: bool = False):
    """Layered clips at half motion, turned to grey (ITU-R BT.601 luma in all three channels)."""
    clips, captions = make_layer_clips(n, num_frames=num_frames, size=size, seed=seed, motion=0.5, steady=steady)
    luma = np.rint(clips.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))
    return np.repeat(luma.astype(np.uint8)[..., None], 3, axis=-1), [f"{c}, in black and white" for c in captions]


def make_still_layer_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0):
    """Layered clips seen by a still camera, the layers at a third of their motion
    (`make_layer_clips(motion=1/3, still_camera=True)`), captioned "a video of ...": a tripod's view."""
    return make_layer_clips(n, num_frames=num_frames, size=size, seed=seed, motion=1 / 3, still_camera=True)


def make_tripod_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0, steady: bool = False):
    """`make_still_layer_clips` with every layer at 0.4 of its size: the small movers of a street or a square."""
    return make_layer_clips(n, num_frames=num_frames, size=size, seed=seed, motion=1 / 3, still_camera=True,
                            layer_scale=0.4, steady=steady)


def make_steady_tripod_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0):
    """`make_tripod_clips` without brightness drift or noise (`make_layer_clips(steady=True)`)."""
    return make_tripod_clips(n, num_frames=num_frames, size=size, seed=seed, steady=True)


def make_steady_grey_layer_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0):
    """`make_grey_layer_clips` without brightness drift or noise."""
    return make_grey_layer_clips(n, num_frames=num_frames, size=size, seed=seed, steady=True)


_MAKERS.update(slowlayers=make_slow_layer_clips, greylayers=make_grey_layer_clips, stilllayers=make_still_layer_clips,
               tripod=make_tripod_clips, steadytripod=make_steady_tripod_clips,
               steadygreylayers=make_steady_grey_layer_clips)
CLIP_SOURCES = tuple(_MAKERS)                # the sources that draw their own clips
SOURCES = CLIP_SOURCES + ("mix",)            # every name `make_clips` (and `train --data`) takes


def mix_counts(n: int, proportions=None) -> dict:
    """How many clips of each source a mix of n holds (largest-remainder rounding, sums to n)."""
    proportions = dict(MIX_PROPORTIONS if proportions is None else proportions)
    if not proportions or any(k not in _MAKERS for k in proportions) or any(
            not np.isfinite(v) or v < 0 for v in proportions.values()) or sum(proportions.values()) <= 0:
        raise ValueError(f"proportions must map some of {list(_MAKERS)} to weights >= 0 with a positive sum, "
                         f"got {proportions!r}")
    total = sum(proportions.values())
    exact = {k: n * v / total for k, v in proportions.items()}
    counts = {k: int(np.floor(x)) for k, x in exact.items()}
    by_remainder = sorted(exact, key=lambda k: (counts[k] - exact[k], list(exact).index(k)))
    for k in by_remainder[:n - sum(counts.values())]:
        counts[k] += 1
    return counts


def make_clips(source: str, n: int, num_frames: int = 16, size: int = 64, seed: int = 0, proportions=None):
    """n clips from `source` -> (uint8 (n, F, size, size, 3), list of n captions)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {list(SOURCES)}, got {source!r}")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    check_size(num_frames, size)
    if source != "mix":
        return _MAKERS[source](n, num_frames=num_frames, size=size, seed=seed)
    clips = np.empty((n, num_frames, size, size, 3), dtype=np.uint8)
    captions = []
    for k, (name, count) in enumerate(mix_counts(n, proportions).items()):
        sub_seed = int(np.random.default_rng([seed, k]).integers(2 ** 31))
        part, part_captions = _MAKERS[name](count, num_frames=num_frames, size=size, seed=sub_seed)
        clips[len(captions):len(captions) + count] = part
        captions += part_captions
    order = _mix_order(n, seed)
    return clips[order], [captions[i] for i in order]


def clip_sources(source: str, n: int, seed: int = 0, proportions=None) -> list:
    """The source of each of the n clips `make_clips(source, n, seed=seed, ...)` returns, in its order,
    without drawing a clip (training uses it to give one source its own mask, `--source-masks`)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {list(SOURCES)}, got {source!r}")
    if source != "mix":
        return [source] * n
    names = [name for name, count in mix_counts(n, proportions).items() for _ in range(count)]
    return [names[i] for i in _mix_order(n, seed)]


def _mix_order(n: int, seed: int) -> np.ndarray:
    """The shuffle of a mix: clips are drawn source by source, then permuted by this."""
    return np.random.default_rng(seed).permutation(n)
