"""SeinePipeline: one sampler, five tasks. Which frames are given decides the task.

    transition(a, b)      first and last frame given            ("onelast1")
    predict(context)      the first k frames given              ("first{k}")
    extend(video)         predict, fed its own last k frames, again and again
    story(shots)          animate each shot, join neighbours with transitions
    generate(frames, mask=layout)   any layout: the general form

Sampling (SEINE §3.2): z_T ~ N(0, I); at each step the UNet sees
[z_t ; mask ; masked clean latent] and classifier-free guidance mixes the text-conditioned
and empty-caption predictions (same mask, same masked latent: guidance acts on text only).
The given frames are pasted back, pixel-exact, into the decoded video.
"""
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from seine_lite import inputs
from seine_lite.data.video_io import read_image
from seine_lite.diffusion import NoiseSchedule, guided
from seine_lite.masking import condition_latent, latent_mask, layout_picture, mask_from_given, parse_layout, unet_input
from seine_lite.model_folder import check_model_folder, read_meta, save_model_folder
from seine_lite.replacement import blank_condition, check_conditioning, replace_given, replacement_generator
from seine_lite.samplers import check_sampler, make_sampler, step_sample
from seine_lite.text import CachedTextEncoder, load_text_encoder
from seine_lite.unet import VideoUNet
from seine_lite.vae import decode_video, encode_video, load_vae

BUNDLED = Path(__file__).parent / "weights" / "reference"


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


class SeinePipeline:
    """VAE + text encoder + video UNet + sampler; see the module docstring for the tasks."""

    def __init__(self, unet, vae, text_encoder, meta: dict):
        self.unet, self.vae, self.meta = unet.eval(), vae.eval(), dict(meta)
        self.text_encoder = text_encoder if isinstance(text_encoder, CachedTextEncoder) \
            else CachedTextEncoder(text_encoder)
        self.schedule = NoiseSchedule(**meta.get("schedule", {}))
        self.device = torch.device("cpu")
        self._progress = {"disable": False}

    # ------------------------------------------------------------------ loading and saving
    @classmethod
    def from_pretrained(cls, path=None, device=None, text_encoder=None):
        """The bundled reference model (path=None) or any folder written by training / save_pretrained."""
        if path is None and not (BUNDLED / "unet").exists():
            raise FileNotFoundError(f"the bundled reference model is missing from {BUNDLED}; "
                                    "train it with scripts/train_reference.sh")
        folder = check_model_folder(BUNDLED if path is None else path, argument="path")
        meta = read_meta(folder)
        try:
            unet = VideoUNet.from_pretrained(str(folder / "unet"), use_safetensors=True)
            vae = load_vae(folder / "vae")
        except (OSError, RuntimeError, ValueError, TypeError) as err:  # e.g. weights that do not fit the config
            raise ValueError(f"path: could not load the model in {str(folder)!r} "
                             f"({type(err).__name__}: {str(err).splitlines()[0][:200]})") from None
        pipe = cls(unet, vae, text_encoder or load_text_encoder(meta.get("text_encoder", "minilm")), meta)
        return pipe.to(device) if device is not None else pipe

    def save_pretrained(self, path):
        save_model_folder(path, self.unet, self.vae, self.meta)

    def to(self, device):
        self.device = inputs.check_device(device)
        self.unet.to(self.device)
        self.vae.to(self.device)
        return self

    def set_progress_bar_config(self, **kwargs):
        """Passed to tqdm, e.g. `disable=True`."""
        self._progress.update(kwargs)

    @property
    def resolution(self):
        return (self.meta["size"], self.meta["size"])

    @property
    def num_frames(self) -> int:
        return self.meta["num_frames"]

    # ------------------------------------------------------------------ the tasks
    def transition(self, first, last, prompt=None, **kwargs):
        """A generated clip from `first` to `last` (both returned in place)."""
        first, last = self._image(first, "first"), self._image(last, "last")
        frames = [first] + [None] * (self.num_frames - 2) + [last]
        return self.generate(frames, mask="onelast1", prompt=prompt, **kwargs)

    def predict(self, context, prompt=None, **kwargs):
        """Animate one image, or continue the first k frames (k < num_frames)."""
        context = inputs.as_frame_list(context, "context") if _is_sequence(context) else [context]
        context = [self._image(c, f"context[{i}]") for i, c in enumerate(context)]
        k = len(context)
        if k >= self.num_frames:
            raise ValueError(f"context has {k} frames; at most {self.num_frames - 1} leave something to predict")
        frames = context + [None] * (self.num_frames - k)
        return self.generate(frames, mask=f"first{k}", prompt=prompt, **kwargs)

    def extend(self, video, prompt=None, new_frames=None, context_frames=2, seed=0, **kwargs):
        """Short to long: predict from the last `context_frames` frames until `new_frames` are added.

        Each round keeps only one clip's latents in memory, whatever the total length.
        """
        video = np.asarray([self._image(f, "video") for f in inputs.as_frame_list(video, "video")])
        k = inputs.check_count(context_frames, "context_frames", 1, self.num_frames - 1)
        if len(video) < k:
            raise ValueError(f"video has {len(video)} frames; context_frames={k} needs at least that many")
        new_frames = self.num_frames - k if new_frames is None else inputs.check_count(new_frames, "new_frames", 1)
        seed = inputs.check_seed(seed)
        out = np.empty((len(video) + new_frames,) + video.shape[1:], dtype=np.uint8)
        out[:len(video)] = video
        filled, round_ = len(video), 0
        while filled < len(out):
            clip = self.predict(list(out[filled - k:filled]), prompt=prompt, seed=seed + round_, **kwargs)
            take = min(self.num_frames - k, len(out) - filled)
            out[filled:filled + take] = clip[k:k + take]
            filled, round_ = filled + take, round_ + 1
        return out

    def story(self, shots, transition_frames=None, seed=0, transition_prompt=None, **kwargs) -> Story:
        """Animate each shot (an image or (image, prompt)) and join neighbours with generated transitions.

        Returns a `Story` video; `.segments` lists (kind, start, end, prompt), `.boundaries` the shot starts.
        """
        shots = inputs.as_frame_list(shots, "shots")
        between = self.num_frames - 2 if transition_frames is None else \
            inputs.check_count(transition_frames, "transition_frames", 1, self.num_frames - 2)
        seed = inputs.check_seed(seed)
        if transition_prompt is not None:
            inputs.check_prompt(transition_prompt, "transition_prompt")
        shots = [inputs.check_shot(shot, f"shots[{i}]") for i, shot in enumerate(shots)]
        shots = [(self._image(image, f"shots[{i}]"), prompt) for i, (image, prompt) in enumerate(shots)]
        parts, segments, length = [], [], 0
        previous = None
        for i, (image, prompt) in enumerate(shots):
            clip = self.predict(image, prompt=prompt, seed=seed + 2 * i, **kwargs)
            if previous is not None:
                text = transition_prompt or join_prompts(previous[1], prompt)
                bridge = self.transition(previous[0], clip[0], prompt=text, seed=seed + 2 * i - 1, **kwargs)
                middle = bridge[1:-1][np.linspace(0, self.num_frames - 3, between).round().astype(int)]
                parts.append(middle)
                segments.append(("transition", length, length + len(middle), text))
                length += len(middle)
            parts.append(clip)
            segments.append(("shot", length, length + len(clip), prompt))
            length += len(clip)
            previous = (clip[-1], prompt)
        video = np.concatenate(parts).view(Story)
        video.segments = segments
        return video

    @torch.no_grad()
    def generate(self, frames, mask="onelast1", prompt=None, num_inference_steps=25, guidance_scale=None,
                 seed=0, sampler="ddim", paste_given=True, conditioning="concat"):
        """Fill the frames that `mask` leaves open (a layout name, a picture like "x..x", or bools, True = given).

        `frames` has `num_frames` entries (images, or None where generated). Returns uint8 (F, H, W, 3).
        The model regenerates the given frames too (SEINE never pastes them back while sampling);
        `paste_given=True` puts the exact inputs back in the output, False shows the model's own.
        `conditioning="replace"` samples by replacement instead of SEINE's concatenation
        (replacement.py: the given frames are overwritten in z_t at every step).
        """
        prompt = inputs.check_prompt(prompt)
        seed = inputs.check_seed(seed)
        paste_given = inputs.check_flag(paste_given, "paste_given")
        conditioning = check_conditioning(conditioning)
        steps = inputs.check_steps(num_inference_steps, self.schedule.num_train_timesteps)
        scale = inputs.check_guidance(self.meta.get("guidance_scale", 3.0) if guidance_scale is None
                                      else guidance_scale)
        sampler = check_sampler(sampler)
        frames = inputs.as_frame_list(frames, "frames")
        if len(frames) != self.num_frames:
            raise ValueError(f"frames has {len(frames)} entries; this model makes {self.num_frames} frames")
        given = _given_from(mask, self.num_frames)
        if given.all():
            raise ValueError(f"mask {layout_picture(given)!r} gives every frame: nothing is left to generate")
        pixels = np.zeros((self.num_frames,) + self.resolution + (3,), dtype=np.uint8)
        for i in np.flatnonzero(given):
            if frames[i] is None:
                raise ValueError(f"frames[{i}] is None but mask {layout_picture(given)!r} marks it as given")
            pixels[i] = self._image(frames[i], f"frames[{i}]")
        video = self._sample(pixels, given, prompt, steps, scale, seed, sampler, conditioning)
        if paste_given:
            video[given] = pixels[given]  # given frames come back exactly as given
        return video

    # ------------------------------------------------------------------ the sampler
    def _sample(self, pixels, given, prompt, steps, scale, seed, sampler_name, conditioning="concat"):
        z0 = encode_video(self.vae, pixels[None]).to(self.device)               # (1, C, F, h, w)
        mask = latent_mask(mask_from_given(given), *z0.shape[-2:]).to(self.device)  # (1, 1, F, h, w), 1 = generate
        replace = conditioning == "replace"
        condition = self.meta.get("condition", "zeros")    # what the model was trained to see
        net_mask, cond_in = blank_condition(z0, mask) if replace else (mask, condition_latent(z0, mask, condition))
        cond = self._text([prompt])
        uncond = self._text([""])
        scheduler = make_sampler(sampler_name, self.schedule)
        scheduler.set_timesteps(steps)
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(z0.shape, generator=g).to(self.device) * getattr(scheduler, "init_noise_sigma", 1.0)

        def model_fn(x, t, text):
            n = x.shape[0]
            inp = unet_input(x, net_mask.expand(n, -1, -1, -1, -1), cond_in.expand(n, -1, -1, -1, -1))
            return self.unet(inp, t, text[0], text[1])

        g_replace = replacement_generator(seed)
        for t in tqdm(scheduler.timesteps, desc="sampling", leave=False, **self._progress):
            if replace:  # the given frames of z_t drawn from q(z_t | z0)
                z = replace_given(z, z0, mask, self.schedule, t, g_replace)
            x = scheduler.scale_model_input(z, t) if hasattr(scheduler, "scale_model_input") else z
            out = guided(model_fn, x, t.to(self.device), cond, uncond, scale)
            z = step_sample(scheduler, out, t, z, generator=g)
        if replace:  # and at the end the clean latent itself
            z = replace_given(z, z0, mask, self.schedule, -1)
        return decode_video(self.vae, z.float().cpu())[0]

    def _text(self, prompts):
        states, mask = self.text_encoder.encode(prompts)
        return states.to(self.device), mask.to(self.device)

    def _image(self, image, argument: str) -> np.ndarray:
        if image is None:
            raise ValueError(f"{argument}: expected an image (PIL, numpy array or path), got None")
        return read_image(image, self.meta["size"], name=argument)


def _is_sequence(x) -> bool:
    return isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim == 4)


def _given_from(mask, num_frames: int) -> np.ndarray:
    if isinstance(mask, str):
        return parse_layout(mask, num_frames)
    given = np.asarray(mask)
    if given.dtype != bool or given.shape != (num_frames,):
        raise ValueError(f"mask must be a layout string or {num_frames} booleans (True = given), got {mask!r}")
    return given


def join_prompts(a, b) -> str:
    if a and b:  # the template of the training transition captions (data/transitions_world.py)
        return f"{a} turning into {b}"
    return a or b or None
