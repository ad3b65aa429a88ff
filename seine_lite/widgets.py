"""Jupyter controls for the course: a mask editor, a prompt panel and a side-by-side player.

Each control is a plain object holding ipywidgets; make it the last expression of a cell and
it shows its `.widget`. Everything a click does, a method does too, so notebooks and tests drive
the controls from code:

    editor = MaskEditor(16)                       # one toggle per frame, presets, a picture
    editor.set_layout("first2"); editor.toggle(15)
    editor.layout                                 # 'xx.............x'
    panel = PromptPanel(pipe); video = panel.run()
    player = SideBySide({"generated": video, "dissolve": dissolve(a, b)}); player.frame = 8

Outputs are filled from the kernel side (`out.outputs = ()`, `append_display_data`), never with
`with out:`, so nothing they show leaks into a cell's stdout under nbval (docs/pitfalls.md).
"""
import html
import io

import ipywidgets as widgets
import numpy as np
from IPython.display import HTML
from PIL import Image

from seine_lite.data.photos import IMAGE_SUFFIXES, SAMPLE_IMAGES
from seine_lite.data.video_io import read_image
from seine_lite.masking import layout_picture, mask_from_given, parse_layout
from seine_lite.widget_media import (as_uint8_video, check_frame_index, hstack_frames, png_bytes,
                                     thumbnail, video_html)

TASK_PRESETS = (("transition", "onelast1"), ("prediction", "first2"), ("interpolation", "interpolate4"))
CUSTOM = "custom"
GIVEN_BAR, GENERATE_BAR = (40, 170, 80), (200, 200, 200)   # colour strip under each frame cell


# ----------------------------------------------------------------------------- mask editor
class MaskEditor:
    """Pick which frames are given (x) and which are generated (.), by toggles or presets.

    `num_frames` toggles labelled "0".."F-1" (pressed = given), a dropdown of task presets
    (transition `onelast1`, prediction `first2`, interpolation `interpolate4`, custom), the
    layout as a string in `.label` (an ipywidgets Label whose value is e.g. "x..............x")
    and as a picture in `.picture`: given frames shown (the clip's own frames if `frames` is
    passed, else dark cells), generated ones as noise, with a green / grey bar under each.
    """

    def __init__(self, num_frames: int = 16, layout: str = "onelast1", frames=None, cell: int = 32):
        parse_layout("all", num_frames)   # checks num_frames
        if isinstance(cell, bool) or not isinstance(cell, int) or cell < 4:
            raise ValueError(f"cell must be an integer number of pixels >= 4, got {cell!r}")
        self.num_frames, self.cell = int(num_frames), cell
        self.frames = None
        if frames is not None:
            frames = as_uint8_video(frames, "frames")
            if len(frames) != self.num_frames:
                raise ValueError(f"frames has {len(frames)} frames; expected num_frames = {self.num_frames}")
            self.frames = [thumbnail(f, cell) for f in frames]
        self.presets = {f"{task} ({name})": name for task, name in TASK_PRESETS if _fits(name, self.num_frames)}
        self._noise = np.random.default_rng(0).integers(60, 200, (cell, cell, 1)).repeat(3, 2).astype(np.uint8)
        self._busy = False

        self.toggles = [widgets.ToggleButton(value=False, description=str(i), tooltip=f"frame {i}: pressed = given",
                                             layout=widgets.Layout(width="40px", padding="0"))
                        for i in range(self.num_frames)]
        self.preset = widgets.Dropdown(options=list(self.presets.items()) + [(CUSTOM, CUSTOM)],
                                       value=CUSTOM, description="layout")
        self.label = widgets.Label(value="")
        self.picture = widgets.Image(format="png")
        legend = widgets.HTML("<small>pressed / <b>x</b> / green bar = given &nbsp; "
                              "<b>.</b> / noise / grey bar = generated</small>")
        self.widget = widgets.VBox([widgets.HBox([self.preset, self.label]),
                                    widgets.HBox(self.toggles, layout=widgets.Layout(flex_flow="row wrap")),
                                    self.picture, legend])
        # stable CSS classes, so a browser test (tests/test_browser.py) finds the parts in the page
        self.widget.add_class("seine-mask-editor")
        self.label.add_class("seine-mask-string")
        for toggle in self.toggles:
            toggle.add_class("seine-frame-toggle")
            toggle.observe(self._on_toggle, names="value")
        self.preset.observe(self._on_preset, names="value")
        self.set_layout(layout)

    # -- reading and writing the layout
    @property
    def given(self) -> np.ndarray:
        """bool (F,), True = given."""
        return np.array([t.value for t in self.toggles], dtype=bool)

    @property
    def layout(self) -> str:
        """The picture string, e.g. "x..............x"."""
        return layout_picture(self.given)

    @property
    def mask(self):
        """The mask (1, 1, F, 1, 1), 1 = generate, as the pipeline and training use it."""
        return mask_from_given(self.given)

    def set_layout(self, layout) -> str:
        """Show `layout` (a name such as "first2", a picture string or F bools); returns the picture."""
        self._show(parse_layout(layout, self.num_frames))
        return self.layout

    def toggle(self, i: int) -> str:
        """Flip frame i between given and generated; returns the new picture string."""
        i = check_frame_index(i, self.num_frames)
        self.toggles[i].value = not self.toggles[i].value   # the observer redraws
        return self.layout

    def picture_array(self) -> np.ndarray:
        """The layout as a uint8 picture: one cell per frame, a colour bar under each."""
        cells = []
        for i, g in enumerate(self.given):
            if g:
                top = self.frames[i] if self.frames is not None else np.full((self.cell, self.cell, 3), 40, np.uint8)
            else:
                top = self._noise
            bar = np.full((max(3, self.cell // 8), self.cell, 3), GIVEN_BAR if g else GENERATE_BAR, np.uint8)
            cells.append(np.concatenate([top, bar]))
        return hstack_frames(cells, gap=2)

    # -- widget plumbing
    def _show(self, given: np.ndarray):
        self._busy = True
        try:
            for toggle, g in zip(self.toggles, given):
                toggle.value = bool(g)
                toggle.button_style = "success" if g else ""
            picture = layout_picture(given)
            self.preset.value = next((name for name in self.presets.values()
                                      if layout_picture(parse_layout(name, self.num_frames)) == picture), CUSTOM)
            self.label.value = picture
            self.picture.value = png_bytes(self.picture_array())
        finally:
            self._busy = False

    def _on_toggle(self, change):
        if not self._busy:
            self._show(self.given)

    def _on_preset(self, change):
        if not self._busy and change["new"] != CUSTOM:
            self.set_layout(change["new"])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _fits(layout: str, num_frames: int) -> bool:
    try:
        parse_layout(layout, num_frames)
    except ValueError:
        return False
    return True


# ----------------------------------------------------------------------------- prompt panel
def sample_image_paths() -> dict:
    """name -> path of the bundled photos and story stills (data_samples/images, data_samples/story)."""
    folders = (SAMPLE_IMAGES, SAMPLE_IMAGES.parent / "story")
    return {p.stem: p for folder in folders if folder.is_dir()
            for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}


class PromptPanel:
    """Two images, a prompt, steps / guidance / seed and a Run button over a `SeinePipeline`.

    `mode` "transition" calls `pipe.transition(first, last, ...)`; "predict" calls
    `pipe.predict(first, ...)`. `images` maps names to images (paths, numpy arrays, PIL); by
    default the bundled photos and story stills. An uploaded file (FileUpload) replaces the
    dropdown's choice. `run()` does what the button does and returns the video (F, H, W, 3).
    """

    MODES = ("transition", "predict")

    def __init__(self, pipe, images: dict = None, prompt: str = "", mode: str = "transition",
                 steps: int = None, guidance_scale: float = None, seed: int = 0, fps: int = 8):
        self.pipe, self.fps = pipe, fps
        self.images = dict(sample_image_paths() if images is None else images)
        if not self.images:
            raise ValueError("images must map at least one name to an image (path, numpy array or PIL image)")
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}")
        names = list(self.images)
        guidance = pipe.meta.get("guidance_scale", 3.0) if guidance_scale is None else guidance_scale
        steps = pipe.default_steps if steps is None else steps
        self.first = widgets.Dropdown(options=names, value=names[0], description="first")
        self.last = widgets.Dropdown(options=names, value=names[min(1, len(names) - 1)], description="last")
        self.uploads = [widgets.FileUpload(accept="image/*", multiple=False, description=f"upload {which}")
                        for which in ("first", "last")]
        self.thumbs = [widgets.Image(format="png", width=96, height=96) for _ in range(2)]
        self.mode = widgets.Dropdown(options=self.MODES, value=mode, description="mode")
        self.prompt = widgets.Text(value=prompt, placeholder="a red circle turning into a blue square",
                                   description="prompt", layout=widgets.Layout(width="520px"))
        self.steps = widgets.IntSlider(value=steps, min=1, max=100, description="steps")
        self.guidance = widgets.FloatSlider(value=guidance, min=1.0, max=12.0, step=0.5, description="guidance")
        self.seed = widgets.IntText(value=seed, description="seed")
        self.button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.out = widgets.Output()
        self.video = None

        columns = [widgets.VBox([d, u, t]) for d, u, t in zip((self.first, self.last), self.uploads, self.thumbs)]
        self.widget = widgets.VBox([widgets.HBox(columns), self.mode, self.prompt,
                                    widgets.HBox([self.steps, self.guidance]),
                                    widgets.HBox([self.seed, self.button]), self.out])
        for control in (self.first, self.last, *self.uploads):
            control.observe(self._on_image, names="value")
        self.mode.observe(self._on_mode, names="value")
        self.button.on_click(self._on_click)
        self._on_image(None)
        self._on_mode(None)

    def image(self, which: str) -> np.ndarray:
        """The "first" or "last" image at the model's resolution: the upload if any, else the dropdown's."""
        if which not in ("first", "last"):
            raise ValueError(f"which must be 'first' or 'last', got {which!r}")
        k = 0 if which == "first" else 1
        upload = self.uploads[k].value
        if upload:
            source = Image.open(io.BytesIO(bytes(upload[0]["content"])))
        else:
            source = self.images[(self.first, self.last)[k].value]
        return read_image(source, self.pipe.resolution[0], name=which)

    def run(self) -> np.ndarray:
        """Generate with the current settings; shows the video below the controls and returns it."""
        kwargs = dict(prompt=self.prompt.value.strip() or None, num_inference_steps=int(self.steps.value),
                      guidance_scale=float(self.guidance.value), seed=int(self.seed.value))
        if self.mode.value == "transition":
            video = self.pipe.transition(self.image("first"), self.image("last"), **kwargs)
        else:
            video = self.pipe.predict(self.image("first"), **kwargs)
        self.video = video
        self._show(video, f"{self.mode.value}: {len(video)} frames of {video.shape[1]}x{video.shape[2]}, "
                          f"{kwargs['num_inference_steps']} steps, guidance {kwargs['guidance_scale']}, "
                          f"seed {kwargs['seed']}\n")
        return video

    def _show(self, video: np.ndarray, text: str):
        self.out.outputs = ()
        self.out.append_stdout(text)
        self.out.append_display_data(HTML(video_html(video, fps=self.fps)))

    def _on_click(self, _button):
        try:
            self.run()
        except Exception as error:   # shown in the panel: a click has no caller to raise to
            self.out.outputs = ()
            self.out.append_stderr(f"{type(error).__name__}: {error}\n")

    def _on_mode(self, _change):
        for control in (self.last, self.uploads[1]):   # predict reads the first image only
            control.disabled = self.mode.value == "predict"

    def _on_image(self, _change):
        for k, which in enumerate(("first", "last")):
            try:
                self.thumbs[k].value = png_bytes(self.image(which))
            except (ValueError, OSError) as error:
                self.out.append_stderr(f"{which}: {error}\n")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


# ----------------------------------------------------------------------------- side-by-side player
class SideBySide:
    """Several videos of the same length, one frame of each side by side, under a Play / slider.

    `videos` maps a name ("generated", "dissolve", "wipe") to a uint8 video (F, H, W, 3); all must
    share F and H. `.frame` reads and sets the frame shown; `frame_image()` is the picture.
    """

    def __init__(self, videos: dict, fps: int = 8, scale: int = None, gap: int = 4):
        if not isinstance(videos, dict) or not videos:
            raise ValueError("videos must be a non-empty dict of name -> uint8 video (F, H, W, 3)")
        self.videos = {str(name): as_uint8_video(v, f"videos[{name!r}]") for name, v in videos.items()}
        lengths = {v.shape[:2] for v in self.videos.values()}
        if len(lengths) != 1:
            shapes = {name: v.shape for name, v in self.videos.items()}
            raise ValueError(f"videos must share frame count and height (F, H), got {shapes}")
        self.num_frames, height = lengths.pop()
        if not isinstance(fps, (int, float)) or fps <= 0:
            raise ValueError(f"fps must be a positive number, got {fps!r}")
        self.scale = max(1, 128 // height) if scale is None else int(scale)
        if self.scale < 1:
            raise ValueError(f"scale must be a positive integer, got {scale!r}")
        if isinstance(gap, bool) or not isinstance(gap, int) or gap < 0:
            raise ValueError(f"gap must be an integer number of pixels >= 0, got {gap!r}")
        self.gap = -(-gap // self.scale)   # in video pixels, so the picture's gap is at least `gap`
        last = self.num_frames - 1
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="frame")
        self.play = widgets.Play(value=0, min=0, max=last, interval=max(1, int(1000 / fps)), description="play")
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        cells = "".join(f'<div style="width:{(v.shape[2] + self.gap) * self.scale}px;text-align:center">'
                        f"{html.escape(name)}</div>" for name, v in self.videos.items())
        self.header = widgets.HTML(f'<div style="display:flex">{cells}</div>')
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox([widgets.HBox([self.play, self.slider]), self.header, self.image])
        self.slider.observe(self._redraw, names="value")
        self._redraw(None)

    @property
    def frame(self) -> int:
        return int(self.slider.value)

    @frame.setter
    def frame(self, i: int):
        self.slider.value = check_frame_index(i, self.num_frames, "frame", "an index")

    def frame_image(self, i: int = None) -> np.ndarray:
        """Frame i (default: the one shown) of every video, side by side, at the display scale."""
        i = self.frame if i is None else check_frame_index(i, self.num_frames)
        strip = hstack_frames([v[i] for v in self.videos.values()], gap=self.gap)
        return strip.repeat(self.scale, axis=0).repeat(self.scale, axis=1)

    def _redraw(self, _change):
        self.image.value = png_bytes(self.frame_image())

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
