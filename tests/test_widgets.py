"""The course widgets, driven from code as a notebook would (no browser)."""
import datetime
import io

import numpy as np
import pytest
from PIL import Image

from seine_lite.data.scenes import Scene
from seine_lite.data.shapes import render_scene
from seine_lite.masking import layout_picture, parse_layout
from seine_lite.widgets import MaskEditor, PromptPanel, SideBySide, png_bytes


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


# ----------------------------------------------------------------------------- MaskEditor
def test_mask_editor_toggles_are_labelled_and_start_as_a_transition():
    editor = MaskEditor(16)
    assert [t.description for t in editor.toggles] == [str(i) for i in range(16)]
    assert editor.layout == "x" + "." * 14 + "x"
    assert editor.label.value == editor.layout
    assert editor.preset.value == "onelast1"
    assert editor.given.dtype == bool and editor.given.shape == (16,)
    view = editor._repr_mimebundle_()["application/vnd.jupyter.widget-view+json"]   # a notebook shows it
    assert view["model_id"] == editor.widget.model_id


def test_toggling_a_frame_changes_the_string_the_picture_and_the_preset():
    editor = MaskEditor(16)
    before = editor.picture.value
    assert editor.toggle(3) == "x..x" + "." * 11 + "x"
    assert editor.label.value == "x..x" + "." * 11 + "x"
    assert editor.preset.value == "custom"
    assert editor.picture.value != before
    editor.toggles[3].value = False             # a click on the button itself
    assert editor.label.value == "x" + "." * 14 + "x"
    assert editor.preset.value == "onelast1"    # back to a preset's layout: the dropdown follows
    assert editor.mask[0, 0, :, 0, 0].tolist() == [0.0] + [1.0] * 14 + [0.0]   # 1 = generate


@pytest.mark.parametrize("num_frames", [16, 8])
def test_presets_give_exactly_the_named_layouts(num_frames):
    editor = MaskEditor(num_frames)
    for name in ("onelast1", "first2", "interpolate4"):
        editor.preset.value = name
        expected = parse_layout(name, num_frames)
        assert np.array_equal(editor.given, expected), name
        assert editor.label.value == layout_picture(expected)
    assert MaskEditor(16).set_layout("interpolate4") == "x...x...x...x..x"


def test_presets_that_do_not_fit_the_clip_are_left_out_and_bad_input_is_refused():
    editor = MaskEditor(4)
    assert "interpolate4" not in editor.presets.values()     # needs k < F
    assert set(editor.presets.values()) == {"onelast1", "first2"}
    with pytest.raises(ValueError, match="layout"):
        editor.set_layout("x..")
    with pytest.raises(ValueError, match="i must be a frame index"):
        editor.toggle(4)
    with pytest.raises(ValueError, match="num_frames"):
        MaskEditor(0)
    with pytest.raises(ValueError, match="frames has 3 frames"):
        MaskEditor(4, frames=np.zeros((3, 8, 8, 3), np.uint8))


def test_mask_editor_picture_shows_the_clip_for_given_frames_and_noise_for_generated():
    clip = np.stack([np.full((8, 8, 3), 30 * i, np.uint8) for i in range(4)])
    editor = MaskEditor(4, layout="x..x", frames=clip, cell=8)
    picture = _decode(editor.picture.value)
    cells = [picture[:8, j * 10:j * 10 + 8] for j in range(4)]     # 8 px cells, 2 px gaps
    assert (cells[0] == 0).all() and (cells[3] == 90).all()
    assert cells[1].std() > 10 and np.array_equal(cells[1], cells[2])   # the same noise on both


# ----------------------------------------------------------------------------- PromptPanel
@pytest.fixture()
def scenes():
    return {"red circle": render_scene(Scene("red", "circle", "black"), 32),
            "blue square": render_scene(Scene("blue", "square", "gray"), 32)}


def test_prompt_panel_run_transition_returns_a_video_with_the_given_ends(tiny_pipe, scenes):
    panel = PromptPanel(tiny_pipe, images=scenes, prompt="a red circle turning into a blue square", steps=2)
    assert not panel.last.disabled
    assert panel.thumbs[0].value and panel.thumbs[1].value
    video = panel.run()
    assert video.shape == (tiny_pipe.num_frames, 32, 32, 3) and video.dtype == np.uint8
    assert np.array_equal(video[0], scenes["red circle"]) and np.array_equal(video[-1], scenes["blue square"])
    assert panel.video is video
    shown = panel.out.outputs
    assert any("text/html" in o.get("data", {}) and "<video" in o["data"]["text/html"] for o in shown)
    assert any(o.get("name") == "stdout" and "transition" in o["text"] for o in shown)


def test_prompt_panel_predict_mode_and_the_button(tiny_pipe, scenes):
    panel = PromptPanel(tiny_pipe, images=scenes, mode="predict", steps=1, seed=3)
    assert panel.last.disabled and panel.uploads[1].disabled      # predict reads one image
    panel.first.value = "blue square"
    video = panel.run()
    assert video.shape == (tiny_pipe.num_frames, 32, 32, 3)
    assert np.array_equal(video[0], scenes["blue square"])
    again = tiny_pipe.predict(scenes["blue square"], num_inference_steps=1, seed=3,
                              guidance_scale=panel.guidance.value)
    assert np.array_equal(video, again)             # the panel passes its settings through
    panel.prompt.value = "x" * 2000                 # too long: the click shows the error, raises nothing
    panel.button.click()
    assert any(o.get("name") == "stderr" and "prompt" in o["text"] for o in panel.out.outputs)


def test_prompt_panel_uses_an_uploaded_image(tiny_pipe, scenes):
    panel = PromptPanel(tiny_pipe, images=scenes)
    buffer = io.BytesIO()
    Image.fromarray(np.full((40, 50, 3), (10, 200, 30), np.uint8)).save(buffer, format="PNG")
    panel.uploads[1].value = ({"name": "green.png", "type": "image/png", "size": buffer.tell(),
                               "content": memoryview(buffer.getvalue()),
                               "last_modified": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)},)
    last = panel.image("last")
    assert last.shape == (32, 32, 3) and (last == (10, 200, 30)).all()
    assert np.array_equal(panel.image("first"), scenes["red circle"])
    with pytest.raises(ValueError, match="which"):
        panel.image("middle")
    with pytest.raises(ValueError, match="mode"):
        PromptPanel(tiny_pipe, images=scenes, mode="story")


# ----------------------------------------------------------------------------- SideBySide
def _ramp(value_step: int, frames: int = 5, size: int = 8) -> np.ndarray:
    return np.stack([np.full((size, size, 3), value_step * i, np.uint8) for i in range(frames)])


def test_side_by_side_shows_each_video_at_the_chosen_frame():
    player = SideBySide({"generated": _ramp(10), "dissolve": _ramp(20), "wipe": _ramp(40)}, scale=2, gap=4)
    assert player.slider.max == 4 and player.play.max == 4
    first = player.image.value
    player.frame = 3
    assert player.frame == 3 and player.image.value != first
    picture = _decode(player.image.value)
    assert picture.shape == (16, 3 * 16 + 2 * 4, 3)          # 8 px frames scaled 2x, 4 px gaps
    assert (picture[:, :16] == 30).all() and (picture[:, 20:36] == 60).all() and (picture[:, 40:] == 120).all()
    assert np.array_equal(picture, player.frame_image())
    player.slider.value = 1                                   # the slider (or Play) drives it too
    assert (_decode(player.image.value)[:, :16] == 10).all()
    assert "dissolve" in player.header.value


def test_side_by_side_refuses_mismatched_videos_and_bad_frames():
    with pytest.raises(ValueError, match="share frame count"):
        SideBySide({"a": _ramp(10, frames=5), "b": _ramp(10, frames=4)})
    with pytest.raises(ValueError, match="uint8 video"):
        SideBySide({"a": np.zeros((5, 8, 8, 3), np.float32)})
    with pytest.raises(ValueError, match="non-empty dict"):
        SideBySide({})
    player = SideBySide({"a": _ramp(10)})
    with pytest.raises(ValueError, match="frame must be an index"):
        player.frame = 5


def test_png_bytes_round_trips_and_scales():
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    assert np.array_equal(_decode(png_bytes(image)), image)
    assert _decode(png_bytes(image, scale=3)).shape == (6, 9, 3)
