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

A model trained with a fill (conditioning.py) sees it in place of the zeros; a residual model's
result is added to the fill; `start` < 1 begins from the noised fill with that share of the steps;
`composite` keeps the fill's own pixels where the model kept the fill.
"""
from pathlib import Path

import diffusers
import numpy as np
import torch
from tqdm.auto import tqdm

from seine_lite import batching, inputs
from seine_lite.conditioning import Conditioning, check_start, composite_pixels, fill_pixels, start_from_fill
from seine_lite.diffusion import NoiseSchedule, guided
from seine_lite.flow_fill import luma
from seine_lite.masking import condition_latent, latent_mask, layout_picture, mask_from_given, parse_layout, unet_input
from seine_lite.model_folder import DEFAULT_STEPS, check_model_folder, check_model_keys, read_meta, save_model_folder
from seine_lite.pipeline_inputs import (frames_and_mask, is_frame_sequence, join_prompts, load_scheduler,
                                        long_task_options, read_frame, scheduler_for_call, single_prompt, unbatch)
from seine_lite.pipeline_output import SeinePipelineOutput, check_output_type, convert_videos
from seine_lite.replacement import blank_condition, check_conditioning, replace_given, replacement_generator
from seine_lite.samplers import check_scheduler, default_scheduler, scheduler_step
from seine_lite.sampling_plan import SamplingPlan, callback_latents, fit_batch, pred_original_sample
from seine_lite.story import Story, tell_story
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
                                    "restore it with git checkout, or train one (its card lists the legs)")
        dtype = inputs.check_dtype(torch_dtype)
        folder = check_model_folder(BUNDLED if path is None else path, argument="path")
        meta = read_meta(folder)
        check_model_keys(folder, meta, argument="path")   # every key sampling depends on, or a ValueError
        try:
            unet = VideoUNet.from_pretrained(str(folder / "unet"), use_safetensors=True)
            vae = load_vae(folder / "vae")
            scheduler = load_scheduler(folder / "scheduler")
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

    @property
    def default_steps(self) -> int:
        """Sampling steps when a call names none: the folder's `num_inference_steps`, else 25."""
        return self.meta.get("num_inference_steps", DEFAULT_STEPS)

    # ------------------------------------------------------------------ the tasks
    def __call__(self, prompt=None, frames=None, mask="onelast1", return_dict=True, **kwargs):
        """`generate` the diffusers way: `pipe(prompt, frames, mask).frames[0]` is the first video.
        Returns `SeinePipelineOutput(frames=...)` (batch first), or the tuple `(frames,)`."""
        if frames is None:
            raise ValueError("frames is required: num_frames entries, images where given and None elsewhere")
        videos = self._generate(*frames_and_mask(frames, mask, self.num_frames, self.meta["size"]), prompt, **kwargs)
        return SeinePipelineOutput(frames=videos) if return_dict else (videos,)

    def generate(self, frames, mask="onelast1", prompt=None, **kwargs):
        """Fill the frames that `mask` leaves open (a layout name, a picture like "x..x", or bools, True = given).

        `frames` has `num_frames` entries (images, or None where generated). Returns uint8 (F, H, W, 3)
        (with `num_videos_per_prompt` > 1 or a list of prompts, a batch (B, F, H, W, 3)).
        Keyword arguments (all optional):
          num_inference_steps (`pipe.default_steps`), guidance_scale (the model's), negative_prompt
          (replaces the empty caption of guidance), seed or generator (seed 0 if neither), num_videos_per_prompt=1,
          latents (the starting noise, (B, C, F, h, w)), output_type="np" ("np_float", "pil", "pt",
          "latent"), callback_on_step_end(pipe, step, t, tensors) -> dict with
          callback_on_step_end_tensor_inputs (any of CALLBACK_TENSORS), sampler (a shortcut: "ddim",
          "ddpm", "dpm++", "unipc" in place of pipe.scheduler), paste_given=True (False shows the
          model's own version of the given frames: SEINE never pastes them back while sampling),
          conditioning="concat" ("replace": the given frames are overwritten in z_t at every step,
          replacement.py), max_batch=8 (videos sampled at once: a long batch runs in chunks, batching.py),
          start, composite and composite_threshold (the model's own by default: conditioning.py).
        """
        return unbatch(self._generate(*frames_and_mask(frames, mask, self.num_frames, self.meta["size"]), prompt, **kwargs))

    def transition(self, first, last, prompt=None, **kwargs):
        """A generated clip from `first` to `last` (both returned in place)."""
        first, last = self._image(first, "first"), self._image(last, "last")
        frames = [first] + [None] * (self.num_frames - 2) + [last]
        return self.generate(frames, mask="onelast1", prompt=prompt, **kwargs)

    def predict(self, context, prompt=None, **kwargs):
        """Animate one image, or continue the first k frames (k < num_frames)."""
        context = inputs.as_frame_list(context, "context") if is_frame_sequence(context) else [context]
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
        seeds, n, output_type = long_task_options(seed, generator, num_videos_per_prompt, output_type)
        out = np.empty((n, len(video) + new_frames) + video.shape[1:], dtype=np.uint8)
        out[:, :len(video)] = video
        given = parse_layout(f"first{k}", self.num_frames)
        filled, round_ = len(video), 0
        while filled < out.shape[1]:
            pixels = np.zeros((n, self.num_frames) + video.shape[1:], dtype=np.uint8)
            pixels[:, :k] = out[:, filled - k:filled]
            clips = self._generate(pixels, given, single_prompt(prompt), per_video=True, num_videos_per_prompt=n,
                                   **seeds(round_), **kwargs)
            take = min(self.num_frames - k, out.shape[1] - filled)
            out[:, filled:filled + take] = clips[:, k:k + take]
            filled, round_ = filled + take, round_ + 1
        return unbatch(convert_videos(out, output_type))

    def story(self, shots, transition_frames=None, seed=None, transition_prompt=None, generator=None,
              num_videos_per_prompt=1, output_type="np", **kwargs) -> Story:
        """Animate each shot (an image or (image, prompt)) and join neighbours with generated transitions.

        Returns a `Story` video; `.segments` lists (kind, start, end, prompt), `.boundaries` the shot starts
        (with `num_videos_per_prompt` > 1, a list of Story videos; another `output_type`, plain frames).
        """
        return tell_story(self, shots, transition_frames, seed, transition_prompt, generator,
                          num_videos_per_prompt, output_type, **kwargs)

    # ------------------------------------------------------------------ the sampler, in diffusers' order
    @torch.no_grad()
    def _generate(self, pixels, given, prompt, per_video=False, **options):
        """Check, encode, prepare, denoise, decode: the videos in `output_type`, batch first. `pixels` is
        (1, F, H, W, 3), shared by every video, or with `per_video` one row per video."""
        # 1. Check inputs
        plan = self.check_inputs(pixels, given, prompt, per_video=per_video, **options)
        # 2. Define call parameters: a long batch is sampled max_batch videos at a time (batching.py)
        batch = len(plan.prompts)
        parts = batching.chunks(batch, plan.max_batch, plan.scheduler, plan.conditioning, plan.callback)
        latents = plan.latents
        if len(parts) > 1:   # z_T drawn for the whole batch, as one call draws it
            latents = batching.start_noise(latents, self.vae, batch, self.num_frames, self.meta["size"], plan.generator)
        scheduler, replace, videos = plan.scheduler, plan.conditioning == "replace", []
        for part in tqdm(parts, desc="videos", disable=len(parts) == 1 or self._progress.get("disable", False)):
            rows = pixels[part] if per_video else pixels
            # 3. Encode prompt
            prompt_embeds = self.encode_prompt(plan.prompts[part])
            negative_prompt_embeds = self.encode_prompt(plan.negative_prompts[part])
            # 4. Prepare the condition: the mask and the masked clean latents the UNet sees beside z_t
            unet_mask, masked, z0, mask = self.prepare_condition(rows, given, len(plan.prompts[part]), plan.conditioning)
            # 5. Prepare timesteps and latents (a start below 1: the fill noised part way, SDEdit)
            scheduler.set_timesteps(plan.num_inference_steps)
            z = self.prepare_latents(z0.shape, None if latents is None else latents[part], plan.generator, scheduler)
            timesteps, fill = scheduler.timesteps, masked.float()
            if plan.start < 1:
                base = torch.zeros_like(fill) if plan.model.residual else fill
                timesteps, z = start_from_fill(scheduler, z / getattr(scheduler, "init_noise_sigma", 1.0), base,
                                               plan.start, self.schedule)

            def model_fn(x, t, text):
                inp = unet_input(x, fit_batch(unet_mask, len(x)), fit_batch(masked, len(x)))
                return self.unet(inp, t, text[0], text[1])

            # 6. Denoising loop
            g_replace = replacement_generator(plan.generator.initial_seed())
            z0_float, mask_float = z0.float(), mask.float()     # replacement works in float32, as the scheduler
            for i, t in enumerate(tqdm(timesteps, desc="sampling", leave=False, **self._progress)):
                if replace:  # the given frames of z_t drawn from q(z_t | z0)
                    z = replace_given(z, z0_float, mask_float, self.schedule, t, g_replace)
                x = scheduler.scale_model_input(z, t).to(self.dtype)
                noise_pred = guided(model_fn, x, t.to(self.device), prompt_embeds, negative_prompt_embeds,
                                    plan.guidance_scale).float()
                previous, x0 = scheduler_step(scheduler, noise_pred, t, z, generator=plan.generator)
                if plan.callback_tensors:
                    tensors = {"latents": previous, "noise_pred": noise_pred, "prompt_embeds": prompt_embeds[0],
                               "negative_prompt_embeds": negative_prompt_embeds[0],
                               "pred_original_sample": pred_original_sample(
                                   x0, noise_pred, z, t, self.schedule, "pred_original_sample" in plan.callback_tensors)}
                    asked = {k: tensors[k] for k in plan.callback_tensors}
                    previous = callback_latents(plan.callback(self, i, t, asked), previous)
                z = previous
            if replace:  # and at the end the clean latent itself
                z = replace_given(z, z0_float, mask_float, self.schedule, -1)
            if plan.model.residual:  # the model made what differs from the fill
                z = z + fill
            # 7. Decode (a composite keeps the fill's own pixels where the model kept the fill)
            if plan.output_type != "latent":
                z = decode_video(self.vae, z)
                if plan.composite:
                    z = composite_pixels(z, decode_video(self.vae, fill), fill_pixels(rows, given, plan.model.fill),
                                         plan.composite_threshold)
                if plan.paste_given:
                    z[:, given] = rows[:, given]  # given frames come back exactly as given
            videos.append(z)
        latent = plan.output_type == "latent"
        joined = videos[0] if len(videos) == 1 else torch.cat(videos) if latent else np.concatenate(videos)
        return joined if latent else convert_videos(joined, plan.output_type)

    def check_inputs(self, pixels, given, prompt, num_inference_steps=None, guidance_scale=None, seed=None,
                     sampler=None, paste_given=True, conditioning="concat", negative_prompt=None, generator=None,
                     num_videos_per_prompt=1, latents=None, output_type="np", callback_on_step_end=None,
                     callback_on_step_end_tensor_inputs=("latents",), per_video=False,
                     max_batch=batching.DEFAULT_MAX_BATCH, start=None, composite=None,
                     composite_threshold=None) -> SamplingPlan:
        """Every argument of `generate` checked (a ValueError names the first bad one) -> the SamplingPlan."""
        if given.all():
            raise ValueError(f"mask {layout_picture(given)!r} gives every frame: nothing is left to generate")
        prompts = inputs.check_prompts(prompt)
        negatives = inputs.check_negative_prompt(negative_prompt, len(prompts))
        n = inputs.check_count(num_videos_per_prompt, "num_videos_per_prompt", 1)
        generator = inputs.check_generator(generator, seed)
        paste_given = inputs.check_flag(paste_given, "paste_given")
        conditioning = check_conditioning(conditioning)
        steps = inputs.check_steps(self.default_steps if num_inference_steps is None else num_inference_steps,
                                   self.schedule.num_train_timesteps)
        scale = inputs.check_guidance(self.meta.get("guidance_scale", 3.0) if guidance_scale is None
                                      else guidance_scale)
        scheduler = scheduler_for_call(self.scheduler, sampler, self.schedule, conditioning)
        output_type = check_output_type(output_type)
        names = inputs.check_callback(callback_on_step_end, callback_on_step_end_tensor_inputs, CALLBACK_TENSORS)
        model = Conditioning.from_meta(self.meta)
        start, composite, threshold = check_start(model, start, composite, conditioning, composite_threshold)
        if per_video and len(pixels) != len(prompts) * n:
            raise ValueError(f"{len(pixels)} rows of frames for {len(prompts) * n} videos")
        return SamplingPlan(given=given, prompts=[t for t in prompts for _ in range(n)],
                            negative_prompts=[t for t in negatives for _ in range(n)], num_inference_steps=steps,
                            guidance_scale=scale, generator=generator, scheduler=scheduler, conditioning=conditioning,
                            latents=latents, callback=callback_on_step_end, callback_tensors=tuple(names),
                            paste_given=paste_given, output_type=output_type, max_batch=max_batch,
                            model=model, start=start, composite=composite, composite_threshold=threshold)

    def encode_prompt(self, prompts):
        """Captions -> (states, attention mask) on the pipeline's device, states in its dtype."""
        states, mask = self.text_encoder.encode(prompts)
        return states.to(self.device, self.dtype), mask.to(self.device)

    def prepare_condition(self, pixels, given, batch_size: int, conditioning: str):
        """What the UNet sees beside z_t: the mask (1 = generate) and the masked clean latents, `batch_size`
        rows each; then the clean latents z0 and the mask themselves, which "replace" draws into z_t."""
        z0 = encode_video(self.vae, pixels).to(self.device, self.dtype)                 # (1 or B, C, F, h, w)
        mask = latent_mask(mask_from_given(given), *z0.shape[-2:]).to(self.device, self.dtype)
        def rows(x):   # pixels shared by every video: one row, expanded to the batch
            return x.expand(batch_size, -1, -1, -1, -1) if len(x) == 1 else x

        if conditioning == "replace":   # the model is handed nothing: all to generate, an empty latent
            return (*blank_condition(rows(z0), mask), rows(z0), mask)
        fill = self.meta.get("condition", "zeros")
        grey = luma(pixels) if fill == "flow" else None   # the flow fill's velocity is measured on grey levels
        masked = condition_latent(z0, mask, fill, grey=grey)     # as trained, once per row of pixels
        return mask, rows(masked), rows(z0), mask

    def prepare_latents(self, shape: tuple, latents, generator, scheduler) -> torch.Tensor:
        """z_T in float32 on the pipeline's device, scaled by the scheduler's initial sigma: the
        given `latents` (checked against `shape`), or drawn from `generator`."""
        latents = inputs.check_latents(latents, tuple(shape))
        if latents is None:   # drawn in float32 where the generator lives: the same noise on every device
            latents = torch.randn(shape, generator=generator, device=generator.device)
        return latents.to(self.device, torch.float32) * getattr(scheduler, "init_noise_sigma", 1.0)

    def _image(self, image, argument: str) -> np.ndarray:
        return read_frame(image, self.meta["size"], argument)
