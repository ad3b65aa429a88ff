"""SeinePipeline: one sampler, five tasks. Which frames are given decides the task.

    transition(a, b)      first and last frame given            ("onelast1")
    predict(context)      the first k frames given              ("first{k}")
    extend(video)         predict, fed its own last k frames, again and again
    story(shots)          animate each shot, join neighbours with transitions
    generate(frames, mask=layout)   any layout: the general form
    pipe(prompt, frames, mask)      the same, the diffusers way: returns SeinePipelineOutput

Sampling (SEINE §3.2): z_T ~ N(0, I); at each step the UNet sees
[z_t ; mask ; masked clean latent] and classifier-free guidance mixes the text-conditioned
and negative-prompt (by default empty-caption) predictions (same mask, same masked latent:
guidance acts on text only). `pipe.scheduler` (a diffusers scheduler, DDIM by default) takes the
steps. The given frames are pasted back, pixel-exact, into the decoded video.
"""
import json
from pathlib import Path

import diffusers
import numpy as np
import torch
from tqdm.auto import tqdm

from seine_lite import batching, inputs
from seine_lite.data.video_io import read_image
from seine_lite.diffusion import NoiseSchedule, guided
from seine_lite.masking import condition_latent, latent_mask, layout_picture, mask_from_given, parse_layout, unet_input
from seine_lite.model_folder import check_model_folder, check_model_keys, read_meta, save_model_folder
from seine_lite.pipeline_output import OUTPUT_TYPES, SeinePipelineOutput, check_output_type, convert_videos
from seine_lite.replacement import blank_condition, check_conditioning, replace_given, replacement_generator
from seine_lite.samplers import (check_sampler, check_scheduler, default_scheduler, get_scheduler, on_ddpm_noise_levels,
                                 predict_x0_and_eps, scheduler_step)
from seine_lite.story import Story, make_story
from seine_lite.text import CachedTextEncoder, load_text_encoder
from seine_lite.unet import VideoUNet
from seine_lite.vae import decode_video, encode_video, load_vae

BUNDLED = Path(__file__).parent / "weights" / "reference"
CALLBACK_TENSORS = ("latents", "noise_pred", "pred_original_sample", "prompt_embeds", "negative_prompt_embeds")
__all__ = ["SeinePipeline", "SeinePipelineOutput", "Story", "join_prompts"]


class SeinePipeline:
    """VAE + text encoder + video UNet + scheduler; see the module docstring for the tasks."""

    def __init__(self, unet, vae, text_encoder, meta: dict, scheduler=None):
        self.unet, self.vae, self.meta = unet.eval(), vae.eval(), dict(meta)
        self.text_encoder = text_encoder if isinstance(text_encoder, CachedTextEncoder) \
            else CachedTextEncoder(text_encoder)
        self.schedule = NoiseSchedule(**meta.get("schedule", {}))
        self.scheduler = default_scheduler(self.schedule) if scheduler is None else scheduler
        self.device, self.dtype = torch.device("cpu"), torch.float32
        self._progress = {"disable": False}

    @property
    def scheduler(self):
        """The diffusers scheduler that takes the sampling steps; assign another to swap it:
        `pipe.scheduler = DPMSolverMultistepScheduler.from_config(pipe.scheduler.config)`."""
        return self._scheduler

    @scheduler.setter
    def scheduler(self, scheduler):
        self._scheduler = check_scheduler(scheduler)

    # ------------------------------------------------------------------ loading and saving
    @classmethod
    def from_pretrained(cls, path=None, device=None, text_encoder=None, torch_dtype=None):
        """The bundled reference model (path=None) or any folder written by training / save_pretrained.
        `device="auto"` takes cuda, then mps, then cpu; `torch_dtype=torch.float16` halves memory on a GPU."""
        if path is None and not (BUNDLED / "unet").exists():
            raise FileNotFoundError(f"the bundled reference model is missing from {BUNDLED}; "
                                    "train it with scripts/train_reference.sh")
        dtype = inputs.check_dtype(torch_dtype)
        folder = check_model_folder(BUNDLED if path is None else path, argument="path")
        meta = read_meta(folder)
        check_model_keys(folder, meta, argument="path")   # every key sampling depends on, or a ValueError
        try:
            unet = VideoUNet.from_pretrained(str(folder / "unet"), use_safetensors=True)
            vae = load_vae(folder / "vae")
            scheduler = _load_scheduler(folder / "scheduler")
        except (OSError, RuntimeError, ValueError, TypeError) as err:  # e.g. weights that do not fit
            raise ValueError(f"path: could not load the model in {str(folder)!r} "
                             f"({type(err).__name__}: {str(err).splitlines()[0][:200]})") from None
        pipe = cls(unet, vae, text_encoder or load_text_encoder(meta["text_encoder"]), meta, scheduler)
        return pipe.to(device, dtype) if device is not None or dtype is not None else pipe

    def save_pretrained(self, path):
        """The model folder (seine_lite.json, unet/, vae/) and the scheduler in scheduler/."""
        scheduler = self.scheduler if isinstance(self.scheduler, diffusers.SchedulerMixin) else None
        save_model_folder(path, self.unet, self.vae, self.meta, scheduler=scheduler)

    def to(self, device=None, dtype=None):
        """Move the UNet, the VAE and the text encoder: `pipe.to("cuda")`, `pipe.to(torch.float16)`,
        `pipe.to("auto", torch.bfloat16)`. Returns the pipeline."""
        if isinstance(device, torch.dtype):
            device, dtype = None, device
        device = self.device if device is None else inputs.check_device(device)
        dtype = self.dtype if dtype is None else inputs.check_dtype(dtype, "dtype")
        self.device, self.dtype = device, dtype
        for module in (self.unet, self.vae):   # torch's .to: diffusers' own warns about any dtype cast
            torch.nn.Module.to(module, device=self.device, dtype=self.dtype)
        self.text_encoder.to(self.device)        # its states are cast to the UNet's dtype there
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
    def __call__(self, prompt=None, frames=None, mask="onelast1", return_dict=True, **kwargs):
        """`generate` the diffusers way: `pipe(prompt, frames, mask).frames[0]` is the first video.
        Returns `SeinePipelineOutput(frames=...)` (batch first), or the tuple `(frames,)`."""
        if frames is None:
            raise ValueError("frames is required: num_frames entries, images where given and None elsewhere")
        videos = self._generate(*self._frames_and_mask(frames, mask), prompt, **kwargs)
        return SeinePipelineOutput(frames=videos) if return_dict else (videos,)

    def generate(self, frames, mask="onelast1", prompt=None, **kwargs):
        """Fill the frames that `mask` leaves open (a layout name, a picture like "x..x", or bools, True = given).

        `frames` has `num_frames` entries (images, or None where generated). Returns uint8 (F, H, W, 3)
        (with `num_videos_per_prompt` > 1 or a list of prompts, a batch (B, F, H, W, 3)).
        Keyword arguments (all optional):
          num_inference_steps=25, guidance_scale (the model's), negative_prompt (replaces the empty
          caption of guidance), seed or generator (seed 0 if neither), num_videos_per_prompt=1,
          latents (the starting noise, (B, C, F, h, w)), output_type="np" ("np_float", "pil", "pt",
          "latent"), callback_on_step_end(pipe, step, t, tensors) -> dict with
          callback_on_step_end_tensor_inputs (any of CALLBACK_TENSORS), sampler (a shortcut: "ddim",
          "ddpm", "dpm++", "unipc" in place of pipe.scheduler), paste_given=True (False shows the
          model's own version of the given frames: SEINE never pastes them back while sampling),
          conditioning="concat" ("replace": the given frames are overwritten in z_t at every step,
          replacement.py), max_batch=8 (videos sampled at once: a long batch runs in chunks, batching.py).
        """
        return _unbatch(self._generate(*self._frames_and_mask(frames, mask), prompt, **kwargs))

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

    def extend(self, video, prompt=None, new_frames=None, context_frames=2, seed=None, generator=None,
               num_videos_per_prompt=1, output_type="np", **kwargs):
        """Short to long: predict from the last `context_frames` frames until `new_frames` are added.

        Each round keeps only one clip's latents in memory, whatever the total length. Round r uses
        seed + r (or draws on from `generator`).
        """
        video = np.asarray([self._image(f, "video") for f in inputs.as_frame_list(video, "video")])
        k = inputs.check_count(context_frames, "context_frames", 1, self.num_frames - 1)
        if len(video) < k:
            raise ValueError(f"video has {len(video)} frames; context_frames={k} needs at least that many")
        new_frames = self.num_frames - k if new_frames is None else inputs.check_count(new_frames, "new_frames", 1)
        seeds = _round_seeds(seed, generator)
        n = inputs.check_count(num_videos_per_prompt, "num_videos_per_prompt", 1)
        output_type = check_output_type(output_type, OUTPUT_TYPES[:-1])
        out = np.empty((n, len(video) + new_frames) + video.shape[1:], dtype=np.uint8)
        out[:, :len(video)] = video
        given = parse_layout(f"first{k}", self.num_frames)
        filled, round_ = len(video), 0
        while filled < out.shape[1]:
            pixels = np.zeros((n, self.num_frames) + video.shape[1:], dtype=np.uint8)
            pixels[:, :k] = out[:, filled - k:filled]
            clips = self._generate(pixels, given, _single_prompt(prompt), per_video=True, num_videos_per_prompt=n,
                                   **seeds(round_), **kwargs)
            take = min(self.num_frames - k, out.shape[1] - filled)
            out[:, filled:filled + take] = clips[:, k:k + take]
            filled, round_ = filled + take, round_ + 1
        return _unbatch(convert_videos(out, output_type))

    def story(self, shots, transition_frames=None, seed=None, transition_prompt=None, generator=None,
              num_videos_per_prompt=1, output_type="np", **kwargs) -> Story:
        """Animate each shot (an image or (image, prompt)) and join neighbours with generated transitions.

        Returns a `Story` video; `.segments` lists (kind, start, end, prompt), `.boundaries` the shot starts
        (with `num_videos_per_prompt` > 1, a list of Story videos; another `output_type`, plain frames).
        """
        shots = inputs.as_frame_list(shots, "shots")
        between = self.num_frames - 2 if transition_frames is None else \
            inputs.check_count(transition_frames, "transition_frames", 1, self.num_frames - 2)
        seeds = _round_seeds(seed, generator)
        n = inputs.check_count(num_videos_per_prompt, "num_videos_per_prompt", 1)
        output_type = check_output_type(output_type, OUTPUT_TYPES[:-1])
        if transition_prompt is not None:
            inputs.check_prompt(transition_prompt, "transition_prompt")
        shots = [inputs.check_shot(shot, f"shots[{i}]") for i, shot in enumerate(shots)]
        shots = [(self._image(image, f"shots[{i}]"), prompt) for i, (image, prompt) in enumerate(shots)]
        bridge_given = parse_layout("onelast1", self.num_frames)
        parts, segments, length = [], [], 0
        previous = None
        for i, (image, prompt) in enumerate(shots):
            first = np.zeros((1, self.num_frames) + image.shape, dtype=np.uint8)
            first[0, 0] = image
            clips = self._generate(first, parse_layout("first1", self.num_frames), prompt,
                                   num_videos_per_prompt=n, **seeds(2 * i), **kwargs)
            if previous is not None:
                text = transition_prompt or join_prompts(previous[1], prompt)
                pixels = np.zeros((n, self.num_frames) + image.shape, dtype=np.uint8)
                pixels[:, 0], pixels[:, -1] = previous[0], clips[:, 0]
                bridge = self._generate(pixels, bridge_given, text, per_video=True, num_videos_per_prompt=n,
                                        **seeds(2 * i - 1), **kwargs)
                middle = bridge[:, 1:-1][:, np.linspace(0, self.num_frames - 3, between).round().astype(int)]
                parts.append(middle)
                segments.append(("transition", length, length + middle.shape[1], text))
                length += middle.shape[1]
            parts.append(clips)
            segments.append(("shot", length, length + clips.shape[1], prompt))
            length += clips.shape[1]
            previous = (clips[:, -1], prompt)
        videos = [make_story([part[v] for part in parts], segments) for v in range(n)]
        if output_type != "np":
            return _unbatch(convert_videos(np.stack(videos).view(np.ndarray), output_type))
        return videos[0] if n == 1 else videos

    # ------------------------------------------------------------------ the sampler
    def _frames_and_mask(self, frames, mask):
        """(1, F, H, W, 3) uint8 pixels (zeros where generated) and the given-frame booleans (F,)."""
        frames = inputs.as_frame_list(frames, "frames")
        if len(frames) != self.num_frames:
            raise ValueError(f"frames has {len(frames)} entries; this model makes {self.num_frames} frames")
        given = _given_from(mask, self.num_frames)
        pixels = np.zeros((1, self.num_frames) + self.resolution + (3,), dtype=np.uint8)
        for i in np.flatnonzero(given):
            if frames[i] is None:
                raise ValueError(f"frames[{i}] is None but mask {layout_picture(given)!r} marks it as given")
            pixels[0, i] = self._image(frames[i], f"frames[{i}]")
        return pixels, given

    @torch.no_grad()
    def _generate(self, pixels, given, prompt, num_inference_steps=25, guidance_scale=None, seed=None,
                  sampler=None, paste_given=True, conditioning="concat", negative_prompt=None, generator=None,
                  num_videos_per_prompt=1, latents=None, output_type="np", callback_on_step_end=None,
                  callback_on_step_end_tensor_inputs=("latents",), per_video=False,
                  max_batch=batching.DEFAULT_MAX_BATCH):
        """Check the arguments, sample, decode: the videos in `output_type`, batch first.
        `pixels` is (1, F, H, W, 3), shared by every video, or with `per_video` one row per video."""
        if given.all():
            raise ValueError(f"mask {layout_picture(given)!r} gives every frame: nothing is left to generate")
        texts = inputs.check_prompts(prompt)
        negatives = inputs.check_negative_prompt(negative_prompt, len(texts))
        n = inputs.check_count(num_videos_per_prompt, "num_videos_per_prompt", 1)
        texts, negatives = [t for t in texts for _ in range(n)], [t for t in negatives for _ in range(n)]
        generator = inputs.check_generator(generator, seed)
        paste_given = inputs.check_flag(paste_given, "paste_given")
        conditioning = check_conditioning(conditioning)
        steps = inputs.check_steps(num_inference_steps, self.schedule.num_train_timesteps)
        scale = inputs.check_guidance(self.meta.get("guidance_scale", 3.0) if guidance_scale is None
                                      else guidance_scale)
        scheduler = self.scheduler if sampler is None else get_scheduler(check_sampler(sampler), self.schedule)
        if conditioning == "replace" and not on_ddpm_noise_levels(scheduler):
            raise ValueError(f"conditioning='replace' draws the given frames at DDPM noise levels; "
                             f"{type(scheduler).__name__} scales its samples by sigma: use DDIM, DDPM, "
                             "DPM-Solver or UniPC, or conditioning='concat'")
        output_type = check_output_type(output_type)
        names = inputs.check_callback(callback_on_step_end, callback_on_step_end_tensor_inputs, CALLBACK_TENSORS)
        if per_video and len(pixels) != len(texts):
            raise ValueError(f"{len(pixels)} rows of frames for {len(texts)} videos")
        parts = batching.chunks(len(texts), max_batch, scheduler, conditioning, callback_on_step_end)
        if len(parts) > 1:   # z_T drawn for the whole batch, as one call draws it
            latents = batching.start_noise(latents, self.vae, len(texts), self.num_frames, self.meta["size"], generator)
        out = []
        for part in tqdm(parts, desc="videos", disable=len(parts) == 1 or self._progress.get("disable", False)):
            rows = pixels[part] if per_video else pixels
            z = self._sample(rows, given, texts[part], negatives[part], steps, scale, generator, scheduler,
                             conditioning, None if latents is None else latents[part], callback_on_step_end, names)
            if output_type != "latent":
                z = decode_video(self.vae, z)
                if paste_given:
                    z[:, given] = rows[:, given]  # given frames come back exactly as given
            out.append(z)
        joined = out[0] if len(out) == 1 else torch.cat(out) if output_type == "latent" else np.concatenate(out)
        return joined if output_type == "latent" else convert_videos(joined, output_type)

    def _sample(self, pixels, given, texts, negatives, steps, scale, g, scheduler, conditioning, latents,
                callback, names):
        """z_T -> z_0 for len(texts) videos: (B, C, F, h, w) on the pipeline's device and dtype."""
        batch = len(texts)
        z0 = encode_video(self.vae, pixels).to(self.device, self.dtype)                 # (1 or B, C, F, h, w)
        z0 = z0.expand(batch, -1, -1, -1, -1) if len(z0) == 1 else z0
        mask = latent_mask(mask_from_given(given), *z0.shape[-2:]).to(self.device, self.dtype)  # 1 = generate
        replace = conditioning == "replace"
        condition = self.meta.get("condition", "zeros")    # what the model was trained to see
        net_mask, cond_in = blank_condition(z0, mask) if replace else (mask, condition_latent(z0, mask, condition))
        cond, uncond = self._text(texts), self._text(negatives)
        scheduler.set_timesteps(steps)
        sigma = getattr(scheduler, "init_noise_sigma", 1.0)
        latents = inputs.check_latents(latents, tuple(z0.shape))
        if latents is None:   # drawn in float32 where the generator lives: the same noise on every device
            latents = torch.randn(z0.shape, generator=g, device=g.device)
        z = latents.to(self.device, torch.float32) * sigma

        def model_fn(x, t, text):
            inp = unet_input(x, _fit(net_mask, len(x)), _fit(cond_in, len(x)))
            return self.unet(inp, t, text[0], text[1])

        g_replace = replacement_generator(g.initial_seed())
        z0_float, mask_float = z0.float(), mask.float()     # replacement works in float32, as the scheduler
        for i, t in enumerate(tqdm(scheduler.timesteps, desc="sampling", leave=False, **self._progress)):
            if replace:  # the given frames of z_t drawn from q(z_t | z0)
                z = replace_given(z, z0_float, mask_float, self.schedule, t, g_replace)
            x = scheduler.scale_model_input(z, t).to(self.dtype)
            out = guided(model_fn, x, t.to(self.device), cond, uncond, scale).float()
            previous, x0 = scheduler_step(scheduler, out, t, z, generator=g)
            if names:
                tensors = {"latents": previous, "noise_pred": out, "prompt_embeds": cond[0],
                           "negative_prompt_embeds": uncond[0],
                           "pred_original_sample": x0 if x0 is not None or "pred_original_sample" not in names
                           else self._predicted_clean(out, z, t)}
                previous = _callback_latents(callback(self, i, t, {k: tensors[k] for k in names}), previous)
            z = previous
        if replace:  # and at the end the clean latent itself
            z = replace_given(z, z0_float, mask_float, self.schedule, -1)
        return z

    def _predicted_clean(self, out, z, t) -> torch.Tensor:
        """x̂_0 at this step for a scheduler that reports none (DPM-Solver, UniPC): DDPM eq. 4 solved
        for x_0, or its v-prediction form (samplers.predict_x0_and_eps)."""
        a = self.schedule.alphas_cumprod[int(t)].to(z.device)
        return predict_x0_and_eps(out, z, a, self.schedule.prediction_type)[0]

    def _text(self, prompts):
        states, mask = self.text_encoder.encode(prompts)
        return states.to(self.device, self.dtype), mask.to(self.device)

    def _image(self, image, argument: str) -> np.ndarray:
        if image is None:
            raise ValueError(f"{argument}: expected an image (PIL, numpy array or path), got None")
        return read_image(image, self.meta["size"], name=argument)


def _load_scheduler(folder: Path):
    """The scheduler saved in a model folder's scheduler/, or None (the default DDIM) when there is none."""
    if not (folder / "scheduler_config.json").is_file():
        return None
    config = json.loads((folder / "scheduler_config.json").read_text(encoding="utf-8"))
    cls = getattr(diffusers, str(config.get("_class_name")), None)
    if cls is None or not issubclass(cls, diffusers.SchedulerMixin):
        raise ValueError(f"{folder / 'scheduler_config.json'} names {config.get('_class_name')!r}, "
                         "not a diffusers scheduler")
    return cls.from_config(config)


def _fit(tensor: torch.Tensor, batch: int) -> torch.Tensor:
    """A (1 or b, ...) tensor repeated to `batch` rows (classifier-free guidance doubles the batch)."""
    return tensor.expand(batch, *tensor.shape[1:]) if len(tensor) == 1 else tensor.repeat(
        batch // len(tensor), *[1] * (tensor.ndim - 1))


def _callback_latents(result, latents: torch.Tensor) -> torch.Tensor:
    """The latents a step callback hands back (diffusers: `callback_outputs.pop("latents", latents)`)."""
    if result is None:
        return latents
    if not isinstance(result, dict):
        raise ValueError(f"callback_on_step_end must return a dict of tensors (or None), got {type(result).__name__}")
    new = result.get("latents", latents)
    if not isinstance(new, torch.Tensor) or new.shape != latents.shape:
        raise ValueError(f"callback_on_step_end returned latents of shape "
                         f"{tuple(getattr(new, 'shape', ()))}; expected {tuple(latents.shape)}")
    return new.to(latents.device, latents.dtype)


def _unbatch(videos):
    """A batch of one video -> the video itself (what the task methods return)."""
    return videos[0] if len(videos) == 1 else videos


def _single_prompt(prompt):
    if isinstance(prompt, (list, tuple)):
        raise ValueError("prompt must be one text (or None) here; use num_videos_per_prompt for several videos")
    return prompt


def _round_seeds(seed, generator):
    """Per round r of a long task: seed + r, or the one generator drawn on from round to round."""
    inputs.check_generator(generator, seed)
    if generator is not None:
        return lambda r: {"generator": generator}
    base = 0 if seed is None else inputs.check_seed(seed)
    return lambda r: {"seed": base + r}


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
