"""`seine-lite eval --real`: the real-footage probes, on the photo bank's held-out photographs and clips.

Nothing here is ever drawn by a training source: the photographs are the bank's "heldout" split
(by photograph) and every real clip is held out (`seine_lite.data.bank`). Each probe has a
deterministic baseline beside it:

  VAE round trip     encode + decode of held-out photo clips and real clip windows (PSNR)
  prediction         2 frames of a real clip given; PSNR of the next 4 vs repeating the last given frame
  interpolation      first and last frame of a real clip window given; middle frames vs a dissolve
                     (both measured clip by clip, then averaged over the real clips: pooled over all
                     windows, the campus walk, a sequence of stills metres apart, would outweigh the rest)
  one-frame photo    1 frame of a held-out photo clip given; the next 4 vs repeating it (the demo's cat)
  transitions        two held-out photographs: given frames (not pasted), largest jump / hard cut,
                     sharpness of the middle frames / the ends, and double exposure (R² of
                     frame ≈ αA + βB + c), with a dissolve's and a wipe's figures beside each
"""
import time

import numpy as np
from tqdm.auto import tqdm

from seine_lite.baselines import dissolve, wipe_left
from seine_lite.data.real_footage import heldout_photo_clips, real_clip_windows
from seine_lite.evaluate import _mean, interpolation, prediction
from seine_lite.metrics import max_jump, psnr
from seine_lite.pipeline import join_prompts
from seine_lite.transition_metrics import blend_r2, sharpness_ratio
from seine_lite.vae import reconstruct

REAL_SEED = 77_031
REAL_BARS = {"real_vae_photos_db": 31.0, "real_vae_clips_db": 29.0, "real_prediction_gain_db": 0.5,
             "real_interpolation_gain_db": 1.0, "real_one_frame_gain_db": 0.0, "real_transition_sharpness": 0.6,
             "real_transition_blend_r2": 0.8, "real_transition_max_jump": 0.35}


def vae_round_trip(vae, photos, clips) -> dict:
    return {"real_vae_photos_db": psnr(reconstruct(vae, photos, chunk=64), photos),
            "real_vae_clips_db": psnr(reconstruct(vae, clips, chunk=64), clips)}


def by_clip(probe, pipe, clips, captions, progress, **kw) -> dict:
    """Run `probe` on each real clip's windows apart (a clip's windows share its caption) and average
    every figure over the clips."""
    groups = {}
    for i, caption in enumerate(captions):
        groups.setdefault(caption, []).append(i)
    results = [probe(pipe, clips[index], [captions[i] for i in index], progress, **kw) for index in groups.values()]
    return {key: float(np.mean([r[key] for r in results])) for key in results[0]}


def real_transitions(pipe, pairs, progress, **kw) -> dict:
    """Transitions between two held-out real scenes, with a dissolve's and a wipe's figures beside."""
    rows = {name: [] for name in ("given", "jump", "sharp", "r2", "dissolve_sharp", "dissolve_r2",
                                  "wipe_sharp", "wipe_r2")}
    for i, (first, last, prompt) in enumerate(tqdm(pairs, desc="real transitions", disable=not progress)):
        raw = pipe.transition(first, last, prompt=prompt, seed=i, paste_given=False, **kw)
        rows["given"].append(psnr(np.stack([raw[0], raw[-1]]), np.stack([first, last])))
        video = raw.copy()
        video[0], video[-1] = first, last
        rows["jump"].append(max_jump(video))
        rows["sharp"].append(sharpness_ratio(video))
        rows["r2"].append(blend_r2(video))
        for name, baseline in (("dissolve", dissolve), ("wipe", wipe_left)):
            base = baseline(first, last, pipe.num_frames)
            rows[f"{name}_sharp"].append(sharpness_ratio(base))
            rows[f"{name}_r2"].append(blend_r2(base))
    return {"real_transition_given_psnr_db": _mean(rows["given"]),
            "real_transition_max_jump": float(np.max(rows["jump"])),
            "real_transition_sharpness": _mean(rows["sharp"]), "real_transition_blend_r2": _mean(rows["r2"]),
            **{f"{name}_{what}": _mean(rows[f"{name}_{key}"]) for name in ("dissolve", "wipe")
               for what, key in (("sharpness", "sharp"), ("blend_r2", "r2"))}}


def evaluate_real(pipe, clips: int = 16, pairs: int = 8, seed: int = REAL_SEED, progress: bool = True,
                  bank=None, **kw) -> dict:
    """Every real-footage probe on held-out data; returns the figures and whether each bar is met."""
    frames, size = pipe.num_frames, pipe.resolution[0]
    t0 = time.time()
    photos, photo_captions = heldout_photo_clips(clips, num_frames=frames, size=size, seed=seed, bank=bank)
    real, real_captions = real_clip_windows(clips, num_frames=frames, size=size, seed=seed + 1, bank=bank)
    result = vae_round_trip(pipe.vae, photos, real)
    r = by_clip(prediction, pipe, real, real_captions, progress, **kw)
    result.update(real_prediction_psnr_db=r["prediction_psnr_db"], real_repeat_last_psnr_db=r["repeat_last_psnr_db"],
                  real_prediction_gain_db=r["prediction_gain_db"])
    r = by_clip(interpolation, pipe, real, real_captions, progress, **kw)
    result.update(real_interpolation_psnr_db=r["interpolation_psnr_db"], real_dissolve_psnr_db=r["dissolve_psnr_db"],
                  real_interpolation_gain_db=r["interpolation_gain_db"])
    r = prediction(pipe, photos, photo_captions, progress, context=1, **kw)
    result.update(real_one_frame_psnr_db=r["prediction_psnr_db"], real_one_frame_repeat_psnr_db=r["repeat_last_psnr_db"],
                  real_one_frame_gain_db=r["prediction_gain_db"])
    ends, end_captions = heldout_photo_clips(2 * pairs, num_frames=frames, size=size, seed=seed + 2, bank=bank)
    scene_pairs = [(ends[2 * i][0], ends[2 * i + 1][-1], join_prompts(end_captions[2 * i], end_captions[2 * i + 1]))
                   for i in range(pairs)]
    result.update(real_transitions(pipe, scene_pairs, progress, **kw))
    result["seconds"] = time.time() - t0
    b = REAL_BARS
    result["passed"] = {
        "real_vae_photos": result["real_vae_photos_db"] >= b["real_vae_photos_db"],
        "real_vae_clips": result["real_vae_clips_db"] >= b["real_vae_clips_db"],
        "real_prediction": result["real_prediction_gain_db"] >= b["real_prediction_gain_db"],
        "real_interpolation": result["real_interpolation_gain_db"] >= b["real_interpolation_gain_db"],
        "real_one_frame": result["real_one_frame_gain_db"] >= b["real_one_frame_gain_db"],
        "real_transition_sharpness": result["real_transition_sharpness"] >= b["real_transition_sharpness"],
        "real_transition_double_exposure": result["real_transition_blend_r2"] <= b["real_transition_blend_r2"],
        "real_transition_smooth": result["real_transition_max_jump"] <= b["real_transition_max_jump"],
    }
    return result


def real_markdown_table(result: dict, title: str = "model") -> str:
    r = result
    p = r["passed"]
    rows = [
        ("VAE round trip: held-out photographs", f"{r['real_vae_photos_db']:.2f} dB", "", "≥ 31 dB",
         p["real_vae_photos"]),
        ("VAE round trip: real clips", f"{r['real_vae_clips_db']:.2f} dB", "", "≥ 29 dB", p["real_vae_clips"]),
        ("prediction: next 4 of a real clip", f"{r['real_prediction_psnr_db']:.2f} dB",
         f"repeat last {r['real_repeat_last_psnr_db']:.2f} dB", f"gain ≥ +0.5 dB: {r['real_prediction_gain_db']:+.2f}",
         p["real_prediction"]),
        ("interpolation inside a real shot", f"{r['real_interpolation_psnr_db']:.2f} dB",
         f"dissolve {r['real_dissolve_psnr_db']:.2f} dB", f"gain ≥ +1 dB: {r['real_interpolation_gain_db']:+.2f}",
         p["real_interpolation"]),
        ("photo animated from one frame", f"{r['real_one_frame_psnr_db']:.2f} dB",
         f"repeat it {r['real_one_frame_repeat_psnr_db']:.2f} dB", f"gain ≥ 0 dB: {r['real_one_frame_gain_db']:+.2f}",
         p["real_one_frame"]),
        ("real transitions: given frames (not pasted)", f"{r['real_transition_given_psnr_db']:.1f} dB", "", "",
         None),
        ("real transitions: sharpness of middle / ends", f"{r['real_transition_sharpness']:.2f}",
         f"dissolve {r['dissolve_sharpness']:.2f}, wipe {r['wipe_sharpness']:.2f}", "≥ 0.6",
         p["real_transition_sharpness"]),
        ("real transitions: double exposure (R² of αA+βB+c)", f"{r['real_transition_blend_r2']:.2f}",
         f"dissolve {r['dissolve_blend_r2']:.2f}, wipe {r['wipe_blend_r2']:.2f}", "≤ 0.8",
         p["real_transition_double_exposure"]),
        ("real transitions: largest jump / hard cut", f"{r['real_transition_max_jump']:.2f}", "", "≤ 0.35",
         p["real_transition_smooth"]),
    ]
    lines = [f"| real probe ({title}) | model | baseline | bar | met |", "|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} | {'' if ok is None else 'yes' if ok else '**no**'} |"
              for a, b, c, d, ok in rows]
    return "\n".join(lines)
