"""Shot lists on disk: a small YAML file that `seine-lite story` and the demo read.

    fps: 8                      # optional
    transition_frames: 14       # optional: generated frames between two shots
    shots:
      - image: red_circle.png   # a path relative to this file
        prompt: a red circle moving right on a black background
      - image: ../images/chelsea.jpg
        prompt: a photo of a cat, the camera zooming in
"""
from pathlib import Path

import yaml

OPTIONS = ("fps", "transition_frames", "extend_frames", "shots")


def load_shots(path):
    """-> (shots as [(image path, prompt or None)], options dict without "shots")."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"shots: no such file {str(path)!r}")
    try:
        spec = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ValueError(f"shots: {str(path)!r} is not valid YAML ({err.__class__.__name__})") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("shots"), list) or not spec["shots"]:
        raise ValueError(f"shots: {str(path)!r} must be a mapping with a non-empty list under 'shots'")
    unknown = sorted(set(spec) - set(OPTIONS))
    if unknown:
        raise ValueError(f"shots: unknown keys {unknown} in {str(path)!r}; expected some of {list(OPTIONS)}")
    shots = []
    for i, shot in enumerate(spec["shots"]):
        if not isinstance(shot, dict) or "image" not in shot:
            raise ValueError(f"shots[{i}] in {str(path)!r} must be a mapping with an 'image' path")
        image = (path.parent / str(shot["image"])).resolve()
        if not image.is_file():
            raise FileNotFoundError(f"shots[{i}].image: no such file {str(image)!r}")
        shots.append((str(image), shot.get("prompt")))
    options = {k: v for k, v in spec.items() if k != "shots"}
    return shots, options
