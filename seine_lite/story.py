"""`Story`: a long video that remembers where each shot and each transition sits."""
import numpy as np


class Story(np.ndarray):
    """A long video (F, H, W, 3) uint8 that also knows its `segments`: (kind, start, end, prompt)."""

    def __array_finalize__(self, obj):
        self.segments = getattr(obj, "segments", [])

    def __getitem__(self, key):
        """`story[a:b]` is a Story whose segments are cut to frames a..b-1 and counted from a; any
        other index that picks frames (one frame, every other frame, a list) is a plain array."""
        out = super().__getitem__(key)
        frames = key[0] if isinstance(key, tuple) and key else key
        if not isinstance(out, Story) or frames is Ellipsis:
            return out
        if not isinstance(frames, slice) or frames.step not in (None, 1):
            return out.view(np.ndarray)
        start, stop, _ = frames.indices(len(self))
        out.segments = [(kind, max(a, start) - start, min(b, stop) - start, text)
                        for kind, a, b, text in self.segments if min(b, stop) > max(a, start)]
        return out

    @property
    def boundaries(self) -> list:
        """Frame index where each shot starts."""
        return [start for kind, start, _, _ in self.segments if kind == "shot"]


def make_story(parts: list, segments: list) -> Story:
    """Join uint8 video parts (each (f, H, W, 3)) into one Story with these segments."""
    video = np.concatenate(parts).view(Story)
    video.segments = list(segments)
    return video
