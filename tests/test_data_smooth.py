"""Smooth transition clips (transitions_world's smooth=True) and joins of two arbitrary videos
(seine_lite.data.soft_transitions.join_videos): small steps, exact ends, the default path untouched."""
import hashlib

import numpy as np
import pytest

from seine_lite.data.scenes import DIRECTIONS, Scene
from seine_lite.data.shapes import render_scene
from seine_lite.data.soft_transitions import JOIN_KINDS, join_videos
from seine_lite.data.transitions_world import (MORPH_REACH, TRANSITION_KINDS, make_transition_clips,
                                               render_transition, render_transitions, sample_transitions)
from seine_lite.metrics import frame_jumps, max_jump

BAR = 0.25      # a smooth clip's largest step, as a share of a hard cut


def sha(array) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


# ---------------------------------------------------------------- the default path is unchanged

@pytest.mark.parametrize("n, num_frames, size, seed, digest", [
    # recorded with the code as it was before the smooth option existed
    (24, 16, 64, 0, "2b64773c29b25a156cece570e02397a54adf3e4ca61b6d15f968da632f27ab72"),
    (40, 5, 32, 3, "53868bd38a62d21ec76e263f9bffe89e04eddf42d2adc4d723cbe968008e2480"),
    (12, 8, 48, 7, "cb6773bcb404f2615fe83f9ca21f8675a4ccde292cade2f7266b12483ab4ee12"),
])
def test_default_clips_are_byte_for_byte_what_they_were(n, num_frames, size, seed, digest):
    clips, _ = make_transition_clips(n, num_frames=num_frames, size=size, seed=seed)
    assert sha(clips) == digest
    again, _ = make_transition_clips(n, num_frames=num_frames, size=size, seed=seed, smooth=False)
    assert sha(again) == digest


# ---------------------------------------------------------------- smooth shapes-world clips

@pytest.fixture(scope="module")
def smooth_batch():
    specs = sample_transitions(160, seed=5, smooth=True)
    return specs, render_transitions(specs, 16, 64, smooth=True)


def test_every_kind_of_smooth_clip_stays_under_a_quarter_of_a_hard_cut(smooth_batch):
    specs, clips = smooth_batch
    worst = {}
    for spec, clip in zip(specs, clips):
        worst[spec.kind] = max(worst.get(spec.kind, 0.0), max_jump(clip))
    assert set(worst) == set(TRANSITION_KINDS)
    assert all(v <= BAR for v in worst.values()), worst


@pytest.mark.parametrize("a, b", [
    (Scene("red", "circle", "black", 0.5, 0.5, 0.14), Scene("orange", "circle", "black", 0.5, 0.5, 0.14)),
    (Scene("red", "circle", "brown", 0.4, 0.5, 0.12), Scene("red", "square", "brown", 0.45, 0.5, 0.12)),
    (Scene("white", "triangle", "dark red", 0.3, 0.3, 0.16), Scene("white", "triangle", "brown", 0.7, 0.7, 0.16)),
])
def test_smooth_clips_stay_under_the_bar_even_when_the_scenes_barely_differ(a, b):
    for kind in TRANSITION_KINDS:
        for direction in ("left", "down"):
            clip = render_transition(kind, a, b, 16, 64, direction, smooth=True)
            assert max_jump(clip) <= BAR, (kind, direction, np.round(frame_jumps(clip), 3))


A = Scene("red", "circle", "black", cx=0.3, cy=0.4, radius=0.12)
B = Scene("blue", "square", "gray", cx=0.65, cy=0.6, radius=0.14)


@pytest.mark.parametrize("kind", TRANSITION_KINDS)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_smooth_clips_start_at_scene_a_and_end_at_scene_b_exactly(kind, direction):
    clip = render_transition(kind, A, B, num_frames=9, size=40, direction=direction, smooth=True)
    assert np.array_equal(clip[0], render_scene(A, 40)) and np.array_equal(clip[-1], render_scene(B, 40))
    for frame in clip[1:-1]:
        assert not np.array_equal(frame, clip[0]) and not np.array_equal(frame, clip[-1])
    assert not np.array_equal(clip, render_transition(kind, A, B, 9, 40, direction))     # not the default clip


def test_random_smooth_clips_end_exactly_and_repeat_byte_for_byte(smooth_batch):
    specs, clips = smooth_batch
    for spec, clip in zip(specs, clips):
        assert np.array_equal(clip[0], render_scene(spec.a, 64)) and np.array_equal(clip[-1], render_scene(spec.b, 64))
    made, captions = make_transition_clips(160, 16, 64, seed=5, smooth=True)
    assert sha(made) == sha(clips) and captions == [s.caption for s in specs]
    one_by_one = np.stack([render_transitions([s], 16, 64, smooth=True)[0] for s in specs[:12]])
    assert np.array_equal(one_by_one, clips[:12])                      # chunking never changes a clip
    other, _ = make_transition_clips(12, 16, 64, seed=6, smooth=True)
    assert sha(other) != sha(clips[:12])


def test_smooth_sampling_only_shortens_the_morphs_move():
    plain, smooth = sample_transitions(80, seed=2), sample_transitions(80, seed=2, smooth=True)
    assert {s.kind for s in plain} == set(TRANSITION_KINDS)
    for p, s in zip(plain, smooth):
        assert (p.kind, p.direction, p.a, p.caption) == (s.kind, s.direction, s.a, s.caption)
        if p.kind != "morph":
            assert p.b == s.b
            continue
        assert p.b.radius == s.b.radius
        for k in ("cx", "cy"):
            start = getattr(p.a, k)
            assert getattr(s.b, k) - start == pytest.approx(MORPH_REACH * (getattr(p.b, k) - start), abs=1e-6)


def test_bad_smooth_flag():
    for call in (lambda: make_transition_clips(2, 3, 16, smooth="yes"),
                 lambda: render_transition("wipe", A, B, smooth=1),
                 lambda: sample_transitions(2, smooth=None)):
        with pytest.raises(ValueError, match="smooth must be True or False"):
            call()


# ---------------------------------------------------------------- join_videos on arbitrary videos

def random_videos(num_frames=6, h=12, w=16, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (num_frames, h, w, 3), dtype=np.uint8),
            rng.integers(0, 256, (num_frames, h, w, 3), dtype=np.uint8))


@pytest.mark.parametrize("kind", JOIN_KINDS)
@pytest.mark.parametrize("smooth", [True, False])
def test_join_videos_ends_on_the_given_frames_and_repeats(kind, smooth):
    a, b = random_videos()
    for direction in DIRECTIONS:
        clip = join_videos(kind, a, b, direction, smooth=smooth)
        assert clip.dtype == np.uint8 and clip.shape == a.shape
        assert np.array_equal(clip[0], a[0]) and np.array_equal(clip[-1], b[-1])
        assert sha(join_videos(kind, a, b, direction, smooth=smooth)) == sha(clip)
    a_copy, b_copy = random_videos()
    assert np.array_equal(a, a_copy) and np.array_equal(b, b_copy)         # the inputs are left alone


def test_join_videos_with_explicit_motion_and_centre_ends_exactly():
    a, b = random_videos(num_frames=5, h=10, w=14, seed=1)
    for kind, kw in [("slide", dict(travel=1.0)), ("slide", dict(travel=0.3)), ("zoom", dict(zoom=3.0)),
                     ("zoom", dict(zoom=1.0, centre=(0.2, 0.9))), ("morph", dict(seed=7))]:
        clip = join_videos(kind, a, b, "up", **kw)
        assert np.array_equal(clip[0], a[0]) and np.array_equal(clip[-1], b[-1]), (kind, kw)


@pytest.mark.parametrize("kind", JOIN_KINDS)
def test_join_videos_of_two_still_pictures_stays_under_the_bar(kind):
    rng = np.random.default_rng(3)
    blocks = rng.integers(0, 256, (2, 4, 4, 3)).astype(np.uint8)
    a, b = (np.repeat(np.kron(x, np.ones((8, 8, 1), np.uint8))[None], 16, axis=0) for x in blocks)
    assert max_jump(join_videos(kind, a, b, "right")) <= BAR


def test_join_videos_fronts_vary_across_the_picture():
    black, white = np.zeros((9, 16, 16, 3), np.uint8), np.full((9, 16, 16, 3), 255, np.uint8)
    middle = join_videos("morph", black, white)[4].mean(-1)
    assert middle.min() < 64 and middle.max() > 192                   # blobs, not a uniform cross-fade
    assert not np.array_equal(middle, join_videos("morph", black, white, seed=1)[4].mean(-1))
    wipe = join_videos("wipe", black, white, "left")[4].mean(-1)      # B comes in from the right
    assert (np.diff(wipe.mean(0)) >= 0).all() and wipe[:, -1].mean() > wipe[:, 0].mean() + 100
    iris = join_videos("zoom", black, white)[3].mean(-1)              # an iris opens on B at the centre
    assert iris[8, 8] > iris[0, 0] + 100


@pytest.mark.parametrize("kwargs, argument", [
    (dict(kind="dissolve"), "kind"), (dict(direction="sideways"), "direction"),
    (dict(video_a=np.zeros((4, 8, 8, 3), np.float32)), "video_a"), (dict(video_b=np.zeros((8, 8, 3), np.uint8)), "video_b"),
    (dict(video_a=[[0]]), "video_a"), (dict(video_b=np.zeros((4, 8, 9, 3), np.uint8)), "video_a and video_b"),
    (dict(video_a=np.zeros((1, 8, 8, 3), np.uint8), video_b=np.zeros((1, 8, 8, 3), np.uint8)), "video_a"),
    (dict(smooth="yes"), "smooth"), (dict(travel=1.5), "travel"), (dict(travel=True), "travel"),
    (dict(zoom=0.5), "zoom"), (dict(zoom=float("inf")), "zoom"), (dict(centre=(2, 0)), "centre"),
    (dict(centre="middle"), "centre"), (dict(seed=-1), "seed"),
])
def test_join_videos_rejects_bad_arguments(kwargs, argument):
    a = np.zeros((4, 8, 8, 3), np.uint8)
    call = dict(kind="slide", video_a=a, video_b=a) | kwargs
    with pytest.raises(ValueError, match=argument):
        join_videos(**call)
