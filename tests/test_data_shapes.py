"""The shapes world and its scene-to-scene transition clips (seine_lite.data.shapes, transitions_world)."""
import re

import numpy as np
import pytest

from seine_lite.data import shapes
from seine_lite.data.scenes import BACKGROUNDS, COLORS, MOTIONS, SHAPES, Scene, caption_for, scene_caption
from seine_lite.data.shapes import make_shapes_clips, render_clip, render_scene
from seine_lite.data.transitions_world import (
    TRANSITION_KINDS, TRANSITION_VERBS, TransitionSpec, make_transition_clips, render_transition,
    render_transitions, sample_transitions,
)

WORD = "|".join(sorted((re.escape(w) for w in list(COLORS) + list(BACKGROUNDS) + list(SHAPES)), key=len, reverse=True))
SCENE = r"an? (\w+) (\w+) on a ([\w ]+?) background"
CAPTION = re.compile(r"^an? (\w+) (\w+) (?:moving (left|right|up|down)|(growing|shrinking|still)) on a ([\w ]+) background$")


def object_mask(frame, background):
    """Pixels that are not exactly the background colour."""
    return (frame != np.array(background, dtype=np.uint8)).any(-1)


def soft_area(frame, color, background):
    """Object area in pixels, counting anti-aliased edge pixels by their coverage."""
    fg, bg = np.array(color, dtype=float), np.array(background, dtype=float)
    return (((frame - bg) @ (fg - bg)) / ((fg - bg) @ (fg - bg))).sum()


def centroid(mask):
    ys, xs = np.nonzero(mask)
    return xs.mean(), ys.mean()


def test_vocabulary_is_the_data_contract():
    assert COLORS == {"red": (220, 40, 40), "green": (40, 200, 60), "blue": (50, 90, 230), "yellow": (240, 220, 40),
                      "white": (245, 245, 245), "orange": (245, 140, 30), "purple": (150, 60, 200),
                      "cyan": (40, 210, 220)}
    assert BACKGROUNDS == {"black": (10, 10, 10), "gray": (110, 110, 110), "dark blue": (20, 30, 90),
                           "dark green": (20, 70, 30), "dark red": (90, 20, 25), "brown": (80, 55, 30)}
    assert SHAPES == ("circle", "square", "triangle")
    assert MOTIONS == ("left", "right", "up", "down", "growing", "shrinking", "still")


def test_caption_template():
    assert caption_for("red", "circle", "left", "black") == "a red circle moving left on a black background"
    assert caption_for("blue", "square", "growing", "dark blue") == "a blue square growing on a dark blue background"
    assert caption_for("cyan", "triangle", "still", "gray") == "a cyan triangle still on a gray background"


@pytest.mark.parametrize("kwargs, argument", [
    (dict(color="pink"), "color"), (dict(shape="star"), "shape"), (dict(motion="sideways"), "motion"),
    (dict(background="white"), "background"),
])
def test_unknown_words_are_rejected_by_name(kwargs, argument):
    words = dict(color="red", shape="circle", motion="left", background="black") | kwargs
    for make in (caption_for, render_clip):
        with pytest.raises(ValueError, match=rf"{argument} must be one of .*{next(iter(kwargs.values()))}"):
            make(**words)


@pytest.mark.parametrize("num_frames, size", [(0, 16), (4, 4), (2.5, 16), (4, "64")])
def test_bad_sizes_are_rejected(num_frames, size):
    with pytest.raises(ValueError, match="num_frames|size"):
        render_clip("red", "circle", "left", "black", num_frames, size)


@pytest.mark.parametrize("num_frames, size", [(1, 16), (5, 24), (3, 33), (16, 64)])
def test_any_size_and_frame_count(num_frames, size):
    clip = render_clip("green", "triangle", "right", "brown", num_frames, size, seed=1)
    assert clip.shape == (num_frames, size, size, 3) and clip.dtype == np.uint8


def test_same_seed_same_bytes_and_seeds_differ():
    a, cap_a = make_shapes_clips(12, 4, 24, seed=7)
    b, cap_b = make_shapes_clips(12, 4, 24, seed=7)
    c, _ = make_shapes_clips(12, 4, 24, seed=8)
    assert a.tobytes() == b.tobytes() and cap_a == cap_b
    assert a.tobytes() != c.tobytes()
    assert render_clip("red", "circle", "up", "gray", 4, 24, seed=3).tobytes() == \
        render_clip("red", "circle", "up", "gray", 4, 24, seed=3).tobytes()
    assert not np.array_equal(render_clip("red", "circle", "up", "gray", 4, 24, seed=3),
                              render_clip("red", "circle", "up", "gray", 4, 24, seed=4))


def test_chunking_does_not_change_the_bytes(monkeypatch):
    whole, _ = make_shapes_clips(10, 3, 16, seed=2)
    monkeypatch.setattr(shapes, "CHUNK", 3)
    chunked, _ = make_shapes_clips(10, 3, 16, seed=2)
    assert whole.tobytes() == chunked.tobytes()


def test_circle_palette_pixels_exactly_where_expected():
    size, scene = 40, Scene("orange", "circle", "dark green", cx=0.45, cy=0.55, radius=0.2)
    image = render_scene(scene, size)
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    dist = np.hypot(xs - 0.45 * size, ys - 0.55 * size)
    inside, outside = dist < 0.2 * size - 0.5, dist > 0.2 * size + 0.5
    assert inside.sum() > 100
    assert (image[inside] == COLORS["orange"]).all()
    assert (image[outside] == BACKGROUNDS["dark green"]).all()
    edge = ~inside & ~outside           # anti-aliased ring: between the two colours, channel by channel
    lo, hi = np.minimum(COLORS["orange"], BACKGROUNDS["dark green"]), np.maximum(COLORS["orange"], BACKGROUNDS["dark green"])
    assert ((image[edge] >= lo) & (image[edge] <= hi)).all()


@pytest.mark.parametrize("shape, area", [("square", 4 * 0.9 ** 2), ("triangle", 3 * np.sqrt(3) * 0.6 ** 2)])
def test_square_and_triangle_have_their_area_and_colours(shape, area):
    size, radius = 64, 0.2
    image = render_scene(Scene("yellow", shape, "dark red", radius=radius), size)
    fg = (image == COLORS["yellow"]).all(-1)
    bg = (image == BACKGROUNDS["dark red"]).all(-1)
    assert fg[size // 2, size // 2] and bg[0, 0] and bg[-1, -1]
    expected = area * (radius * size) ** 2          # side 2 * 0.9 r; equilateral with inradius 0.6 r
    assert abs(fg.sum() + 0.5 * (~fg & ~bg).sum() - expected) < 0.05 * expected


@pytest.mark.parametrize("motion, axis, sign", [("left", 0, -1), ("right", 0, 1), ("up", 1, -1), ("down", 1, 1)])
@pytest.mark.parametrize("shape", SHAPES)
def test_centroid_moves_the_way_the_caption_says(motion, axis, sign, shape):
    for seed in range(3):
        clip = render_clip("white", shape, motion, "black", num_frames=16, size=48, seed=seed)
        path = np.array([centroid(object_mask(f, BACKGROUNDS["black"])) for f in clip])
        steps = np.diff(path[:, axis]) * sign
        assert (steps > 0).all(), (motion, shape, seed, path)      # every frame, the way it says
        assert 0.2 * 48 < path[-1, axis] * sign - path[0, axis] * sign < 0.4 * 48
        assert np.ptp(path[:, 1 - axis]) < 0.5      # straight line


def test_where_a_moving_object_starts_does_not_give_its_direction_away():
    """Every direction sometimes starts at the centre, on either side of it, and the whole path
    stays inside PATH_RANGE: only the caption tells the direction (the text probe)."""
    n, frames = 2000, 16
    uniforms = np.random.default_rng(0).random((n, shapes.NUM_UNIFORMS))
    for motion, axis in (("left", 0), ("right", 0), ("up", 1), ("down", 1)):
        ids = np.full(n, MOTIONS.index(motion))
        path = shapes.motion_paths(ids, uniforms, frames, 1)[axis]       # (n, F), fractions of the side
        assert (path >= shapes.PATH_RANGE[0] - 1e-6).all() and (path <= shapes.PATH_RANGE[1] + 1e-6).all()
        start = path[:, 0]
        assert (np.abs(start - 0.5) < 0.02).mean() > 0.01, motion      # a centred object may go this way
        assert start.min() < 0.5 < start.max(), motion                  # on both sides of the centre


@pytest.mark.parametrize("shape", SHAPES)
def test_growing_shrinking_and_still(shape):
    for seed in range(3):
        grow = render_clip("red", shape, "growing", "gray", 12, 48, seed)
        shrink = render_clip("red", shape, "shrinking", "gray", 12, 48, seed)
        still = render_clip("red", shape, "still", "gray", 12, 48, seed)
        area = [soft_area(f, COLORS["red"], BACKGROUNDS["gray"]) for f in grow]
        assert (np.diff(area) > 0).all() and area[-1] > 4 * area[0]
        area = [soft_area(f, COLORS["red"], BACKGROUNDS["gray"]) for f in shrink]
        assert (np.diff(area) < 0).all() and area[0] > 4 * area[-1]
        assert all(np.array_equal(f, still[0]) for f in still) and object_mask(still[0], BACKGROUNDS["gray"]).any()


def test_objects_are_well_visible_and_inside_the_frame():
    clips, captions = make_shapes_clips(60, 6, 32, seed=5)
    for clip, caption in zip(clips, captions):
        bg = BACKGROUNDS[CAPTION.match(caption).group(5)]
        masks = np.stack([object_mask(f, bg) for f in clip])
        assert not masks[:, [0, -1], :].any() and not masks[:, :, [0, -1]].any()      # never touches the border
        if "growing" not in caption and "shrinking" not in caption:
            fraction = masks.mean((1, 2))
            assert (fraction > 0.03).all() and (fraction < 0.15).all()     # about 1/4 to 1/3 of the frame across


def test_captions_match_the_pixels_and_cover_the_vocabulary():
    clips, captions = make_shapes_clips(400, 3, 32, seed=11)
    seen = {k: set() for k in ("color", "shape", "motion", "background")}
    for clip, caption in zip(clips, captions):
        m = CAPTION.match(caption)
        assert m, caption
        color, shape, direction, change, background = m.groups()
        seen["color"].add(color), seen["shape"].add(shape), seen["background"].add(background)
        seen["motion"].add(direction or change)
        assert (clip[:, 0, 0] == BACKGROUNDS[background]).all()
        assert (clip == COLORS[color]).all(-1).any()
    assert seen == {"color": set(COLORS), "shape": set(SHAPES), "motion": set(MOTIONS),
                    "background": set(BACKGROUNDS)}


# ---------------------------------------------------------------- transitions

A = Scene("red", "circle", "black", cx=0.3, cy=0.4, radius=0.12)
B = Scene("blue", "square", "gray", cx=0.65, cy=0.6, radius=0.14)


@pytest.mark.parametrize("kind", TRANSITION_KINDS)
@pytest.mark.parametrize("direction", ["left", "right", "up", "down"])
def test_transition_starts_at_scene_a_and_ends_at_scene_b_exactly(kind, direction):
    clip = render_transition(kind, A, B, num_frames=9, size=40, direction=direction)
    assert np.array_equal(clip[0], render_scene(A, 40))
    assert np.array_equal(clip[-1], render_scene(B, 40))
    for frame in clip[1:-1]:
        assert not np.array_equal(frame, clip[0]) and not np.array_equal(frame, clip[-1])


def test_random_transitions_start_and_end_exactly_and_are_repeatable():
    specs = sample_transitions(40, seed=3)
    clips, captions = make_transition_clips(40, num_frames=5, size=32, seed=3)
    again, _ = make_transition_clips(40, num_frames=5, size=32, seed=3)
    other, _ = make_transition_clips(40, num_frames=5, size=32, seed=4)
    assert clips.tobytes() == again.tobytes() and clips.tobytes() != other.tobytes()
    assert np.array_equal(clips, render_transitions(specs, 5, 32))
    assert captions == [s.caption for s in specs]
    for clip, spec in zip(clips, specs):
        assert (spec.a.color, spec.a.shape, spec.a.background) != (spec.b.color, spec.b.shape, spec.b.background)
        assert np.array_equal(clip[0], render_scene(spec.a, 32)) and np.array_equal(clip[-1], render_scene(spec.b, 32))
    assert {s.kind for s in specs} == set(TRANSITION_KINDS)


def test_transition_captions_name_both_scenes():
    spec = TransitionSpec("morph", A, B)
    assert spec.caption == "a red circle on a black background turning into a blue square on a gray background"
    pattern = re.compile(rf"^{SCENE} ({'|'.join(TRANSITION_VERBS.values())}) {SCENE}$")
    for s in sample_transitions(50, seed=1):
        m = pattern.match(s.caption)
        assert m, s.caption
        assert m.groups() == (s.a.color, s.a.shape, s.a.background, TRANSITION_VERBS[s.kind],
                              s.b.color, s.b.shape, s.b.background)


@pytest.mark.parametrize("kind, direction, b_first", [
    ("slide", "left", "right"), ("slide", "right", "left"), ("slide", "up", "bottom"), ("slide", "down", "top"),
    ("wipe", "left", "right"), ("wipe", "right", "left"), ("wipe", "up", "bottom"), ("wipe", "down", "top"),
])
def test_slides_and_wipes_bring_b_in_from_the_right_side(kind, direction, b_first):
    a, b = Scene("red", "circle", "black", 0.5, 0.5, 0.1), Scene("blue", "square", "gray", 0.5, 0.5, 0.1)
    clip = render_transition(kind, a, b, 12, 32, direction)
    b_background = (clip == BACKGROUNDS["gray"]).all(-1)
    share = b_background.mean((1, 2))
    assert (np.diff(share) >= 0).all() and share[0] == 0 and 0 < share[4] < 0.7
    edges = {"left": b_background[4][:, 0], "right": b_background[4][:, -1],
             "top": b_background[4][0], "bottom": b_background[4][-1]}
    opposite = {"left": "right", "right": "left", "top": "bottom", "bottom": "top"}
    assert edges[b_first].all() and not edges[opposite[b_first]].any()


def test_morph_moves_one_object_instead_of_dissolving_two():
    a, b = Scene("red", "circle", "black", 0.25, 0.5, 0.12), Scene("blue", "triangle", "black", 0.75, 0.5, 0.12)
    clip = render_transition("morph", a, b, num_frames=9, size=48)     # frame 4: u = 0.5, eased 0.5
    mid = clip[4]
    blended = np.round((np.array(COLORS["red"]) + COLORS["blue"]) / 2)
    assert np.abs(mid[24, 24].astype(int) - blended).max() <= 1     # one object, half way, half-way colour
    assert (mid[24, 12] == BACKGROUNDS["black"]).all() and (mid[24, 36] == BACKGROUNDS["black"]).all()
    xs = [centroid(object_mask(f, BACKGROUNDS["black"]))[0] for f in clip]
    assert (np.diff(xs) > 0).all()


def test_morph_background_spreads_from_the_object():
    a, b = Scene("white", "circle", "dark blue", 0.5, 0.5, 0.12), Scene("white", "circle", "brown", 0.5, 0.5, 0.12)
    clip = render_transition("morph", a, b, 9, 48)
    new_bg = (clip == BACKGROUNDS["brown"]).all(-1)
    assert new_bg[3].any() and not new_bg[3][0, 0] and not new_bg[3][24, 24]     # a ring near the object first
    assert (new_bg.sum((1, 2))[1:] >= new_bg.sum((1, 2))[:-1]).all()


def test_zoom_opens_on_scene_b_around_a():
    clip = render_transition("zoom", A, B, 9, 48)
    b_bg = (clip == BACKGROUNDS["gray"]).all(-1)
    assert not b_bg[0].any() and b_bg[-1][0, 0]
    cy, cx = int(A.cy * 48), int(A.cx * 48)
    first = next(i for i in range(9) if b_bg[i].any())
    assert b_bg[first][cy - 1:cy + 2, cx - 1:cx + 2].any() or (clip[first][cy, cx] == COLORS["blue"]).all()


@pytest.mark.parametrize("kwargs, argument", [(dict(kinds=("fade",)), "kinds"), (dict(kinds=()), "kinds"),
                                              (dict(n=-1), "n")])
def test_bad_transition_requests(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        make_transition_clips(**(dict(n=2, num_frames=3, size=16) | kwargs))


def test_bad_transition_words():
    with pytest.raises(ValueError, match="kind must be one of"):
        render_transition("dissolve", A, B)
    with pytest.raises(ValueError, match="direction must be one of"):
        render_transition("slide", A, B, direction="sideways")
    with pytest.raises(ValueError, match="color must be one of .*pink"):
        render_transition("slide", Scene("pink", "circle", "black"), B)


def test_captions_take_the_article_english_puts_before_them():
    assert caption_for("orange", "circle", "left", "black") == "an orange circle moving left on a black background"
    assert caption_for("red", "square", "growing", "dark blue") == "a red square growing on a dark blue background"
    assert scene_caption("orange", "triangle", "brown") == "an orange triangle on a brown background"
    _, captions = make_shapes_clips(200, 4, 16, seed=3)
    assert all(c.startswith("an orange ") for c in captions if " orange " in f" {c}")
    assert not any(c.startswith("a orange") for c in captions)
