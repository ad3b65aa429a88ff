"""`Story`: a long video that remembers where each shot and each transition sits, and how one is told."""
import numpy as np

from seine_lite import inputs
from seine_lite.masking import parse_layout
from seine_lite.pipeline_inputs import join_prompts, long_task_options, unbatch
from seine_lite.pipeline_output import convert_videos


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


def tell_story(pipe, shots, transition_frames=None, seed=None, transition_prompt=None, generator=None,
               num_videos_per_prompt=1, output_type="np", **kwargs):
    """`SeinePipeline.story`: each shot animated from its image (first1), each pair of neighbours joined
    by a transition (onelast1) from the last frame of one to the first of the next. Shot i uses seed 2i,
    the transition before it seed 2i - 1."""
    shots = inputs.as_frame_list(shots, "shots")
    between = pipe.num_frames - 2 if transition_frames is None else \
        inputs.check_count(transition_frames, "transition_frames", 1, pipe.num_frames - 2)
    seeds, n, output_type = long_task_options(seed, generator, num_videos_per_prompt, output_type)
    if transition_prompt is not None:
        inputs.check_prompt(transition_prompt, "transition_prompt")
    shots = [inputs.check_shot(shot, f"shots[{i}]") for i, shot in enumerate(shots)]
    shots = [(pipe._image(image, f"shots[{i}]"), prompt) for i, (image, prompt) in enumerate(shots)]
    bridge_given = parse_layout("onelast1", pipe.num_frames)
    parts, segments, length = [], [], 0
    previous = None
    for i, (image, prompt) in enumerate(shots):
        first = np.zeros((1, pipe.num_frames) + image.shape, dtype=np.uint8)
        first[0, 0] = image
        clips = pipe._generate(first, parse_layout("first1", pipe.num_frames), prompt,
                               num_videos_per_prompt=n, **seeds(2 * i), **kwargs)
        if previous is not None:
            text = transition_prompt or join_prompts(previous[1], prompt)
            pixels = np.zeros((n, pipe.num_frames) + image.shape, dtype=np.uint8)
            pixels[:, 0], pixels[:, -1] = previous[0], clips[:, 0]
            bridge = pipe._generate(pixels, bridge_given, text, per_video=True, num_videos_per_prompt=n,
                                    **seeds(2 * i - 1), **kwargs)
            middle = bridge[:, 1:-1][:, np.linspace(0, pipe.num_frames - 3, between).round().astype(int)]
            parts.append(middle)
            segments.append(("transition", length, length + middle.shape[1], text))
            length += middle.shape[1]
        parts.append(clips)
        segments.append(("shot", length, length + clips.shape[1], prompt))
        length += clips.shape[1]
        previous = (clips[:, -1], prompt)
    videos = [make_story([part[v] for part in parts], segments) for v in range(n)]
    if output_type != "np":
        return unbatch(convert_videos(np.stack(videos).view(np.ndarray), output_type))
    return videos[0] if n == 1 else videos
