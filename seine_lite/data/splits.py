"""Held-out scenes: colour-shape-background triples that training never draws.

Evaluation must be on scenes the model has not seen, not only on new seeds. A fixed rule
picks 12 of the 8 x 3 x 6 = 144 triples (every colour, shape and background still occurs in
training, only these combinations do not):

    held out  <=>  (color index + shape index + 9 * background index) % 12 == 0

Splits: "train" (never a held-out triple; the default for every training source),
"heldout" (only held-out triples), "all".
"""
import numpy as np

from seine_lite.data.scenes import BACKGROUNDS, COLORS, SHAPES, Scene

SPLITS = ("train", "heldout", "all")
_SIZES = (len(COLORS), len(SHAPES), len(BACKGROUNDS))


def check_split(split) -> str:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    return split


def is_held_out(ids: np.ndarray) -> np.ndarray:
    """ids (..., 3) = colour, shape, background indices -> bool (...)."""
    ids = np.asarray(ids)
    return (ids[..., 0] + ids[..., 1] + 9 * ids[..., 2]) % 12 == 0


HELD_OUT_SCENES = tuple((tuple(COLORS)[c], SHAPES[s], tuple(BACKGROUNDS)[b])
                        for c in range(_SIZES[0]) for s in range(_SIZES[1]) for b in range(_SIZES[2])
                        if is_held_out(np.array([c, s, b])))


def draw_scene_ids(rng: np.random.Generator, n: int, split: str = "train") -> np.ndarray:
    """n random (colour, shape, background) index triples from `split`, int (n, 3)."""
    check_split(split)
    if split == "heldout":
        table = np.array([[tuple(COLORS).index(c), SHAPES.index(s), tuple(BACKGROUNDS).index(b)]
                          for c, s, b in HELD_OUT_SCENES])
        return table[rng.integers(0, len(table), n)]
    ids = np.stack([rng.integers(0, k, n) for k in _SIZES], 1)
    while split == "train" and is_held_out(ids).any():    # redraw held-out rows, repeatably
        bad = is_held_out(ids)
        ids[bad] = np.stack([rng.integers(0, k, int(bad.sum())) for k in _SIZES], 1)
    return ids


def sample_scenes(n: int, seed: int = 0, split: str = "heldout", distinct_pairs: bool = False) -> list:
    """n centred still scenes from `split`; with distinct_pairs, scenes 2i and 2i+1 always differ."""
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    rng = np.random.default_rng(seed)
    ids = draw_scene_ids(rng, n, split)
    if distinct_pairs:
        for i in range(1, n, 2):
            while (ids[i] == ids[i - 1]).all():
                ids[i] = draw_scene_ids(rng, 1, split)[0]
    names = (tuple(COLORS), SHAPES, tuple(BACKGROUNDS))
    return [Scene(*(names[k][row[k]] for k in range(3))) for row in ids]
