"""make_clips: one entry point for every data source (seine_lite.data.mix)."""
import re
from collections import Counter

import numpy as np
import pytest

from seine_lite.data import make_clips
from seine_lite.data.mix import MIX_PROPORTIONS, clip_sources, mix_counts
from seine_lite.data.transitions_world import TRANSITION_VERBS
from seine_lite.latent_cache import DataConfig, _cache_key, load_clips
from seine_lite.vae import load_vae

KIND_OF = {"shapes": re.compile(r" (moving (left|right|up|down)|growing|shrinking|still) on a "),
           "transitions": re.compile("|".join(TRANSITION_VERBS.values())),
           "photos": re.compile(r"^a photo of .*, the camera ")}


def source_of(caption: str) -> str:
    found = [name for name, pattern in KIND_OF.items() if pattern.search(caption)]
    assert len(found) == 1, caption
    return found[0]


@pytest.mark.parametrize("source", ["shapes", "transitions", "photos"])
def test_single_sources(source):
    clips, captions = make_clips(source, 5, num_frames=3, size=16, seed=1)
    assert clips.shape == (5, 3, 16, 16, 3) and clips.dtype == np.uint8
    assert {source_of(c) for c in captions} == {source}


def test_mix_has_the_documented_proportions_and_is_repeatable():
    assert MIX_PROPORTIONS == {"shapes": 0.60, "transitions": 0.25, "photos": 0.15}
    clips, captions = make_clips("mix", 40, num_frames=3, size=16, seed=2)
    again, captions_again = make_clips("mix", 40, num_frames=3, size=16, seed=2)
    other, _ = make_clips("mix", 40, num_frames=3, size=16, seed=3)
    assert clips.tobytes() == again.tobytes() and captions == captions_again
    assert clips.tobytes() != other.tobytes()
    counts = {name: sum(source_of(c) == name for c in captions) for name in KIND_OF}
    assert counts == {"shapes": 24, "transitions": 10, "photos": 6}
    assert {source_of(c) for c in captions[:12]} != {"shapes"}     # shuffled, not in blocks


@pytest.mark.parametrize("source, weights", [("mix", None), ("mix", {"shapes": 1, "photos": 3}), ("transitions", None)])
def test_clip_sources_name_each_clip_s_source_without_drawing_it(source, weights):
    _, captions = make_clips(source, 30, num_frames=2, size=16, seed=4, proportions=weights)
    assert clip_sources(source, 30, seed=4, proportions=weights) == [source_of(c) for c in captions]
    with pytest.raises(ValueError, match="source"):
        clip_sources("cats", 3)


def test_mix_counts_always_add_up():
    for n in (0, 1, 2, 7, 13, 100, 1001):
        counts = mix_counts(n)
        assert sum(counts.values()) == n
        assert all(abs(counts[k] - n * v) < 1 for k, v in MIX_PROPORTIONS.items())
    assert mix_counts(10, {"shapes": 1, "photos": 1}) == {"shapes": 5, "photos": 5}


@pytest.mark.parametrize("kwargs, match", [
    (dict(source="video"), "source must be one of"), (dict(n=-2), "n must be"), (dict(size=2), "size"),
    (dict(num_frames=0), "num_frames"), (dict(source="mix", proportions={"cats": 1}), "proportions"),
    (dict(source="mix", proportions={"shapes": -1}), "proportions"),
])
def test_bad_requests(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_clips(**(dict(source="shapes", n=2, num_frames=2, size=16) | kwargs))


def test_a_weighted_mix_changes_the_clips_and_the_cache_key_but_the_default_keeps_its_key(tiny_vae_dir):
    vae = load_vae(str(tiny_vae_dir))
    default, weighted = DataConfig(data="mix", num_clips=10), DataConfig(data="mix", num_clips=10,
                                                                         mix={"shapes": 0.8, "transitions": 0.2})
    assert _cache_key(default, "tiny", vae, "null") == _cache_key(DataConfig(data="mix", num_clips=10, mix=None),
                                                                  "tiny", vae, "null")
    assert _cache_key(default, "tiny", vae, "null") != _cache_key(weighted, "tiny", vae, "null")
    _, captions = load_clips(weighted, 4, 32)
    assert Counter(map(source_of, captions)) == {"shapes": 8, "transitions": 2}
