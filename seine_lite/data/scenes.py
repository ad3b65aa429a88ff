"""The shapes world's vocabulary, shared by every data module: colours, backgrounds, shapes,
motions, the `Scene` of one still picture, the captions, and the time axis of a clip.

Captions follow the data contract (docs/design.md):
    "a {color} {shape} moving {left|right|up|down} on a {background} background"   ("an" before a vowel)
    "a {color} {shape} {growing|shrinking|still} on a {background} background"
"""
from dataclasses import dataclass

import numpy as np

from seine_lite.inputs import check_num_frames

COLORS = {
    "red": (220, 40, 40), "green": (40, 200, 60), "blue": (50, 90, 230), "yellow": (240, 220, 40),
    "white": (245, 245, 245), "orange": (245, 140, 30), "purple": (150, 60, 200), "cyan": (40, 210, 220),
}
BACKGROUNDS = {
    "black": (10, 10, 10), "gray": (110, 110, 110), "dark blue": (20, 30, 90),
    "dark green": (20, 70, 30), "dark red": (90, 20, 25), "brown": (80, 55, 30),
}
SHAPES = ("circle", "square", "triangle")
MOTIONS = ("left", "right", "up", "down", "growing", "shrinking", "still")
DIRECTIONS = MOTIONS[:4]


def check_word(argument: str, word, vocabulary) -> int:
    """Index of `word` in `vocabulary`, or a ValueError naming the argument and the allowed words."""
    names = tuple(vocabulary)
    if word not in names:
        raise ValueError(f"{argument} must be one of {list(names)}, got {word!r}")
    return names.index(word)


def check_size(num_frames, size, min_size: int = 8) -> None:
    """Validate a clip's frame count and side length."""
    check_num_frames(num_frames)
    if not isinstance(size, (int, np.integer)) or size < min_size:
        raise ValueError(f"size must be an integer >= {min_size} pixels, got {size!r}")


def with_article(phrase: str) -> str:
    """"an orange circle", "a red circle": the indefinite article that English puts before a phrase."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"


def scene_caption(color: str, shape: str, background: str) -> str:
    """Caption of a still scene: "a red circle on a black background", "an orange square on ..."."""
    check_word("color", color, COLORS)
    check_word("shape", shape, SHAPES)
    check_word("background", background, BACKGROUNDS)
    return f"{with_article(f'{color} {shape}')} on {with_article(background)} background"


def caption_for(color: str, shape: str, motion: str, background: str) -> str:
    """The data-contract caption of a shapes clip."""
    check_word("motion", motion, MOTIONS)
    head, tail = scene_caption(color, shape, background).split(" on ", 1)
    verb = f"moving {motion}" if motion in DIRECTIONS else motion
    return f"{head} {verb} on {tail}"


@dataclass(frozen=True)
class Scene:
    """One still shapes-world picture; position and radius are fractions of the frame side."""
    color: str
    shape: str
    background: str
    cx: float = 0.5
    cy: float = 0.5
    radius: float = 0.14

    @property
    def caption(self) -> str:
        return scene_caption(self.color, self.shape, self.background)

    def ids(self):
        return (check_word("color", self.color, COLORS), check_word("shape", self.shape, SHAPES),
                check_word("background", self.background, BACKGROUNDS))


def frame_times(num_frames: int, dtype=np.float32) -> np.ndarray:
    """u_i = i / (F - 1) for i = 0 .. F-1, the clip's time from 0 to 1, (F,); a single frame sits at u = 0."""
    return np.linspace(0.0, 1.0, check_num_frames(num_frames), dtype=dtype)
