"""Data for seine_lite: the shapes world, scene-to-scene transition clips, clips from photos,
a folder-of-videos dataset and video I/O. Every clip is numpy uint8 (F, H, W, 3)."""
from seine_lite.data.folder import FolderDataset, write_example_folder  # noqa: F401
from seine_lite.data.mix import MIX_PROPORTIONS, SOURCES, make_clips  # noqa: F401
from seine_lite.data.photos import CAMERA_MOVES, load_sample_images, make_photo_clips, photo_clip  # noqa: F401
from seine_lite.data.scenes import (  # noqa: F401
    BACKGROUNDS, COLORS, DIRECTIONS, MOTIONS, SHAPES, Scene, caption_for, scene_caption,
)
from seine_lite.data.shapes import make_shapes_clips, render_clip, render_scene  # noqa: F401
from seine_lite.data.splits import HELD_OUT_SCENES, SPLITS, sample_scenes  # noqa: F401
from seine_lite.data.transitions_world import (  # noqa: F401
    TRANSITION_KINDS, TransitionSpec, make_transition_clips, render_transition, sample_transitions,
)
from seine_lite.data.video_io import read_image, read_video, resize_video, write_video  # noqa: F401
