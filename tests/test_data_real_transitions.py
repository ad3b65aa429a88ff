"""Transitions between two layered real scenes, slowed layered clips, and the new mix sources."""
import numpy as np
import pytest

from seine_lite.data import make_clips
from seine_lite.data.layers import make_layer_clips
from seine_lite.data.real_transitions import make_real_transition_clips
from seine_lite.metrics import frame_jumps, max_jump


def test_real_transitions_start_at_scene_a_end_at_scene_b_and_never_jump(sample_bank):
    clips, captions = make_real_transition_clips(24, num_frames=16, size=32, seed=2, bank=sample_bank)
    again, _ = make_real_transition_clips(24, num_frames=16, size=32, seed=2, bank=sample_bank)
    assert clips.shape == (24, 16, 32, 32, 3) and np.array_equal(clips, again)
    verbs = ("sliding over to", "zooming into", "turning into", "wiping to")
    assert all(c.startswith("a photo of ") and any(f" {v} a photo of " in c for v in verbs) for c in captions)
    assert {v for c in captions for v in verbs if v in c} == set(verbs)
    assert max(max_jump(clip) for clip in clips) <= 0.25


def test_slower_layered_clips_show_a_share_of_the_same_motion(sample_bank):
    full, _ = make_layer_clips(6, num_frames=16, size=32, seed=5, bank=sample_bank)
    again, _ = make_layer_clips(6, num_frames=16, size=32, seed=5, bank=sample_bank, motion=1.0)
    slow, _ = make_layer_clips(6, num_frames=16, size=32, seed=5, bank=sample_bank, motion=0.2)
    assert np.array_equal(full, again)
    assert np.array_equal(slow[:, 0], full[:, 0])              # the same first frames
    change = lambda v: np.abs(np.diff(v.astype(float), axis=1)).mean()   # noqa: E731
    assert change(slow) < 0.5 * change(full)
    with pytest.raises(ValueError, match="motion"):
        make_layer_clips(1, num_frames=4, size=32, bank=sample_bank, motion=0)


def test_smooth_transitions_source_keeps_every_step_under_a_quarter_cut():
    clips, captions = make_clips("smooth_transitions", 40, num_frames=16, size=32, seed=1)
    plain, _ = make_clips("transitions", 40, num_frames=16, size=32, seed=1)
    assert max(max_jump(c) for c in clips) <= 0.25 < max(max_jump(c) for c in plain)
    assert all(np.isfinite(frame_jumps(c)).all() for c in clips)


def test_real_transitions_reject_unknown_kinds(sample_bank):
    with pytest.raises(ValueError, match="kinds"):
        make_real_transition_clips(2, num_frames=4, size=32, bank=sample_bank, kinds=("dissolve",))
