"""`seine-lite eval`: measure a model on held-out shapes clips against the bars it must pass.

Held out means seeds and scenes (colour, shape, background) that training never draws
(`seine_lite.data.shapes.HELD_OUT_SCENES`). Four probes, each against a baseline:

  interpolation   first and last frames given; PSNR of the middle frames vs a dissolve      (+3 dB)
  prediction      2 frames given; PSNR of the next 4 vs repeating the last given frame       (+1.5 dB)
                  (both PSNRs of the MSE pooled over all clips: see `pooled_psnr`)
  photo           the same on camera moves over the sample photos (new camera paths): an
                  animated photo keeps its subject at least as well as a still frame          (>= 0 dB)
  text control    one first frame, four prompts differing only in direction: the object moves
                  that way (>= 90 %) and keeps its colour (>= 90 %)
  transitions     two different scenes: the model's own given frames (not pasted back) at
                  PSNR >= 30 dB, no jump above 0.35 of a hard cut, less double exposure than a dissolve
"""
import time

import numpy as np
from tqdm.auto import tqdm

from seine_lite.baselines import dissolve
from seine_lite.data import make_shapes_clips, sample_scenes
from seine_lite.data.photos import make_photo_clips
from seine_lite.data.scenes import DIRECTIONS, caption_for
from seine_lite.data.shapes import render_scene
from seine_lite.metrics import double_exposure, max_jump, motion_direction, object_color, pooled_psnr, psnr
from seine_lite.pipeline import join_prompts

EVAL_SEED = 90_210
BARS = {"interpolation_gain_db": 3.0, "prediction_gain_db": 1.5, "direction_accuracy": 0.9,
        "color_accuracy": 0.9, "transition_given_psnr_db": 30.0, "transition_max_jump": 0.35,
        "photo_prediction_gain_db": 0.0}


def _mean(values):
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def interpolation(pipe, clips, captions, progress, **kw) -> dict:
    model, base = [], []
    middle = np.arange(1, pipe.num_frames - 1)
    for i, (clip, caption) in enumerate(tqdm(list(zip(clips, captions)), desc="interpolation", disable=not progress)):
        model.append(pipe.transition(clip[0], clip[-1], prompt=caption, seed=i, **kw))
        base.append(dissolve(clip[0], clip[-1], pipe.num_frames))
    ours, theirs = pooled_psnr(model, clips, middle), pooled_psnr(base, clips, middle)
    return {"interpolation_psnr_db": ours, "dissolve_psnr_db": theirs, "interpolation_gain_db": ours - theirs}


def prediction(pipe, clips, captions, progress, context=2, horizon=4, **kw) -> dict:
    model, base = [], []
    future = np.arange(context, min(context + horizon, pipe.num_frames))
    for i, (clip, caption) in enumerate(tqdm(list(zip(clips, captions)), desc="prediction", disable=not progress)):
        model.append(pipe.predict(list(clip[:context]), prompt=caption, seed=i, **kw))
        base.append(np.repeat(clip[context - 1:context], pipe.num_frames, axis=0))
    ours, theirs = pooled_psnr(model, clips, future), pooled_psnr(base, clips, future)
    return {"prediction_psnr_db": ours, "repeat_last_psnr_db": theirs, "prediction_gain_db": ours - theirs}


def photo_prediction(pipe, clips, captions, progress, **kw) -> dict:
    """`prediction` on photo clips: the gain over repeating the last given frame, under its own names."""
    r = prediction(pipe, clips, captions, progress, **kw)
    return {"photo_prediction_psnr_db": r["prediction_psnr_db"], "photo_repeat_last_psnr_db": r["repeat_last_psnr_db"],
            "photo_prediction_gain_db": r["prediction_gain_db"]}


def text_control(pipe, scenes, progress, **kw) -> dict:
    moved, kept, total = 0, 0, 0
    for i, scene in enumerate(tqdm(scenes, desc="text control", disable=not progress)):
        first = render_scene(scene, pipe.resolution[0])
        for j, direction in enumerate(DIRECTIONS):
            prompt = caption_for(scene.color, scene.shape, direction, scene.background)
            video = pipe.predict(first, prompt=prompt, seed=4 * i + j, **kw)
            moved += motion_direction(video) == direction
            kept += object_color(video[-1]) == scene.color
            total += 1
    return {"direction_accuracy": moved / total, "color_accuracy": kept / total, "text_control_trials": total}


def scene_transitions(pipe, pairs, progress, **kw) -> dict:
    given, jumps, mixed, mixed_dissolve = [], [], [], []
    for i, (a, b) in enumerate(tqdm(pairs, desc="transitions", disable=not progress)):
        first, last = render_scene(a, pipe.resolution[0]), render_scene(b, pipe.resolution[0])
        raw = pipe.transition(first, last, prompt=join_prompts(a.caption, b.caption), seed=i,
                              paste_given=False, **kw)
        given.append(psnr(np.stack([raw[0], raw[-1]]), np.stack([first, last])))
        video = raw.copy()
        video[0], video[-1] = first, last
        jumps.append(max_jump(video))
        mixed.append(double_exposure(video, first, last))
        mixed_dissolve.append(double_exposure(dissolve(first, last, pipe.num_frames), first, last))
    return {"transition_given_psnr_db": _mean(given), "transition_max_jump": float(np.max(jumps)),
            "transition_double_exposure": _mean(mixed), "dissolve_double_exposure": _mean(mixed_dissolve)}


def evaluate(pipe, clips: int = 16, scenes: int = 8, pairs: int = 16, seed: int = EVAL_SEED,
             progress: bool = True, photos: int = None, split: str = "heldout", **kw) -> dict:
    """Every probe on held-out data; returns the figures and whether each bar is met.
    `photos` photo clips (default: as many as `clips`) come from camera paths training never draws.
    `split="train"` with another `seed` scores on data the reported eval never sees (for choosing
    a sampling setting, benchmarks/guidance_choice.py)."""
    frames, size = pipe.num_frames, pipe.resolution[0]
    data, captions = make_shapes_clips(clips, num_frames=frames, size=size, seed=seed, split=split)
    t0 = time.time()
    result = {}
    result.update(interpolation(pipe, data, captions, progress, **kw))
    result.update(prediction(pipe, data, captions, progress, **kw))
    photo, photo_captions = make_photo_clips(clips if photos is None else photos, num_frames=frames, size=size,
                                             seed=seed + 3)
    result.update(photo_prediction(pipe, photo, photo_captions, progress, **kw))
    result.update(text_control(pipe, sample_scenes(scenes, seed=seed + 1, split=split), progress, **kw))
    scene_list = sample_scenes(2 * pairs, seed=seed + 2, split=split, distinct_pairs=True)
    result.update(scene_transitions(pipe, list(zip(scene_list[::2], scene_list[1::2])), progress, **kw))
    result["seconds"] = time.time() - t0
    result["passed"] = {
        "interpolation": result["interpolation_gain_db"] >= BARS["interpolation_gain_db"],
        "prediction": result["prediction_gain_db"] >= BARS["prediction_gain_db"],
        "direction": result["direction_accuracy"] >= BARS["direction_accuracy"],
        "color": result["color_accuracy"] >= BARS["color_accuracy"],
        "transition_given": result["transition_given_psnr_db"] >= BARS["transition_given_psnr_db"],
        "transition_smooth": result["transition_max_jump"] <= BARS["transition_max_jump"],
        "transition_double_exposure": result["transition_double_exposure"] < result["dissolve_double_exposure"],
        "photo_prediction": result["photo_prediction_gain_db"] >= BARS["photo_prediction_gain_db"],
    }
    return result


def markdown_table(result: dict, title: str = "model") -> str:
    r = result
    rows = [
        ("interpolation: PSNR of middle frames", f"{r['interpolation_psnr_db']:.2f} dB",
         f"dissolve {r['dissolve_psnr_db']:.2f} dB", f"gain ≥ 3 dB: {r['interpolation_gain_db']:+.2f}",
         r["passed"]["interpolation"]),
        ("prediction: PSNR of next 4 frames", f"{r['prediction_psnr_db']:.2f} dB",
         f"repeat last {r['repeat_last_psnr_db']:.2f} dB", f"gain ≥ 1.5 dB: {r['prediction_gain_db']:+.2f}",
         r["passed"]["prediction"]),
        ("text control: direction followed", f"{100 * r['direction_accuracy']:.0f} %",
         "chance 25 %", "≥ 90 %", r["passed"]["direction"]),
        ("text control: colour kept", f"{100 * r['color_accuracy']:.0f} %", "", "≥ 90 %", r["passed"]["color"]),
        ("transitions: given frames (not pasted)", f"{r['transition_given_psnr_db']:.1f} dB", "", "≥ 30 dB",
         r["passed"]["transition_given"]),
        ("transitions: largest jump / hard cut", f"{r['transition_max_jump']:.2f}", "dissolve 0.07", "≤ 0.35",
         r["passed"]["transition_smooth"]),
        ("transitions: double exposure", f"{r['transition_double_exposure']:.3f}",
         f"dissolve {r['dissolve_double_exposure']:.3f}", "< dissolve", r["passed"]["transition_double_exposure"]),
        ("photo prediction: PSNR of next 4 frames", f"{r['photo_prediction_psnr_db']:.2f} dB",
         f"repeat last {r['photo_repeat_last_psnr_db']:.2f} dB", f"gain ≥ 0 dB: {r['photo_prediction_gain_db']:+.2f}",
         r["passed"]["photo_prediction"]),
    ]
    lines = [f"| probe ({title}) | model | baseline | bar | met |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} | {'yes' if ok else '**no**'} |" for a, b, c, d, ok in rows]
    return "\n".join(lines)
