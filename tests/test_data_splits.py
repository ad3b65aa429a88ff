"""Held-out scenes: training sources never draw them, evaluation draws only them."""
import pytest

from seine_lite.data import BACKGROUNDS, COLORS, HELD_OUT_SCENES, SHAPES, make_shapes_clips, sample_scenes
from seine_lite.data.transitions_world import sample_transitions


def _scene_of(caption):
    words = caption.split(" on a ")
    head, background = words[0].split(), words[1].replace(" background", "")
    return head[1], head[2], background


def test_held_out_scenes_cover_every_word_but_few_triples():
    assert len(HELD_OUT_SCENES) == 12
    assert {c for c, _, _ in HELD_OUT_SCENES} == set(COLORS)
    assert {s for _, s, _ in HELD_OUT_SCENES} == set(SHAPES)
    assert {b for _, _, b in HELD_OUT_SCENES} == set(BACKGROUNDS)


def test_training_clips_never_show_a_held_out_scene():
    _, captions = make_shapes_clips(600, num_frames=2, size=8, seed=3)
    seen = {_scene_of(c) for c in captions}
    assert not seen & set(HELD_OUT_SCENES)
    assert {s[0] for s in seen} == set(COLORS) and {s[2] for s in seen} == set(BACKGROUNDS)


def test_training_transitions_never_use_a_held_out_scene():
    for spec in sample_transitions(400, seed=5):
        for scene in (spec.a, spec.b):
            assert (scene.color, scene.shape, scene.background) not in HELD_OUT_SCENES


def test_heldout_split_draws_only_held_out_scenes():
    _, captions = make_shapes_clips(50, num_frames=2, size=8, seed=1, split="heldout")
    assert {_scene_of(c) for c in captions} <= set(HELD_OUT_SCENES)
    scenes = sample_scenes(20, seed=2, split="heldout", distinct_pairs=True)
    assert all((s.color, s.shape, s.background) in HELD_OUT_SCENES for s in scenes)
    assert all(scenes[i] != scenes[i + 1] for i in range(0, 20, 2))


def test_unknown_split_is_named():
    with pytest.raises(ValueError, match="split"):
        make_shapes_clips(2, num_frames=2, size=8, split="test")
