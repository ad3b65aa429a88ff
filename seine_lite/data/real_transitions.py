"""Transitions between two real scenes: two layered real-motion clips (`data.layers`) joined by a
soft slide, zoom through, blob morph or wipe (`data.soft_transitions.join_videos`, smooth fronts).

    clips, captions = make_real_transition_clips(n=16, num_frames=16, size=64, seed=0)   # needs the bank

Both scenes keep moving while the front crosses, slowly (SCENE_MOTION of a layered clip's motion:
at full speed the scenes' own motion made steps of up to half a hard cut, above the 0.25 the
data must stay under, benchmarks/data_jumps.py); frame 0 is scene A's first frame and the last
frame scene B's last, byte for byte. Caption: "{scene A} {verb} {scene B}" with each scene named
by its photograph, e.g. "a photo of a windmill wiping to a photo of a koala" (the verbs of the
shapes world's transition clips, `transitions_world.TRANSITION_VERBS`).
"""
import numpy as np

from seine_lite.data.layers import make_layer_clips
from seine_lite.data.scenes import DIRECTIONS, check_size
from seine_lite.data.soft_transitions import join_videos
from seine_lite.data.transitions_world import TRANSITION_KINDS, TRANSITION_VERBS

SCENE_MOTION = 0.15      # each scene shows this share of a layered clip's motion while the front crosses


def scene_name(caption: str) -> str:
    """"a photo of a pig, the camera panning left, ..." -> "a photo of a pig"."""
    return caption.split(",")[0]


def make_real_transition_clips(n: int, num_frames: int = 16, size: int = 64, seed: int = 0, split: str = "train",
                               bank=None, kinds=TRANSITION_KINDS):
    """n transitions between two layered real scenes -> (uint8 (n, F, size, size, 3), n captions)."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    check_size(num_frames, size)
    if not kinds or any(k not in TRANSITION_KINDS for k in kinds):
        raise ValueError(f"kinds must be some of {list(TRANSITION_KINDS)}, got {kinds!r}")
    rng = np.random.default_rng([seed, 1])
    seed_a, seed_b = (int(s) for s in rng.integers(0, 2 ** 31, 2))
    scenes_a, captions_a = make_layer_clips(n, num_frames, size, seed_a, split, bank, motion=SCENE_MOTION)
    scenes_b, captions_b = make_layer_clips(n, num_frames, size, seed_b, split, bank, motion=SCENE_MOTION)
    picks, directions = rng.integers(0, len(kinds), n), rng.integers(0, len(DIRECTIONS), n)
    clips = np.empty_like(scenes_a)
    captions = []
    for i in range(n):
        kind = kinds[picks[i]]
        clips[i] = join_videos(kind, scenes_a[i], scenes_b[i], DIRECTIONS[directions[i]], smooth=True,
                               seed=seed + i)
        captions.append(f"{scene_name(captions_a[i])} {TRANSITION_VERBS[kind]} {scene_name(captions_b[i])}")
    return clips, captions
