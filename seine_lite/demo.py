"""The main job (`make demo`): a story from data_samples/, a comparison with traditional transitions,
and a VAE round trip, all written to outputs/.

    outputs/demo.mp4        shots from data_samples/story/shots.yaml joined by generated transitions,
                            then extended by prediction
    outputs/demo_strip.png  a frame strip of demo.mp4
    outputs/compare.png     the story's last two shots joined by a generated transition, above a dissolve
                            and a wipe of the same two images (the default story: two photographs)
    outputs/compare.mp4     the three side by side
    outputs/vae_roundtrip.png / .mp4   clips before and after the VAE, with their PSNR
"""
import time
from pathlib import Path

import numpy as np

from seine_lite.baselines import traditional_transition
from seine_lite.data import make_clips, write_video
from seine_lite.data.samples import SAMPLES
from seine_lite.metrics import psnr, transition_report
from seine_lite.pipeline import SeinePipeline, join_prompts
from seine_lite.story_file import load_shots
from seine_lite.vae import decode_video, encode_video
from seine_lite.viz import frame_strip_figure, save_figure

DEFAULT_SHOTS = SAMPLES / "story" / "shots.yaml"


def vae_roundtrip(vae, out: Path, size: int, num_frames: int):
    """Shapes, transition and photo clips through the VAE and back; returns PSNR per clip."""
    rows, scores = {}, {}
    for source in ("shapes", "transitions", "photos"):
        clips, _ = make_clips(source, 1, num_frames=num_frames, size=size, seed=123_456)
        recon = decode_video(vae, encode_video(vae, clips))[0]
        scores[source] = psnr(clips[0], recon)
        rows[f"{source}\noriginal"] = clips[0]
        rows[f"{source}\nVAE ({scores[source]:.1f} dB)"] = recon
    save_figure(frame_strip_figure(rows, count=8, title="VAE round trip (held-out seed)"), out / "vae_roundtrip.png")
    write_video(out / "vae_roundtrip.mp4", np.concatenate([np.concatenate(list(rows.values())[i:i + 2], axis=2)
                                                          for i in range(0, len(rows), 2)], axis=1), fps=8)
    return scores


def compare(pipe, first, last, prompt, out: Path, steps: int, seed: int):
    """The generated transition against a dissolve and a wipe of the same two images."""
    videos = {"SEINE (generated)": pipe.transition(first, last, prompt=prompt, num_inference_steps=steps, seed=seed)}
    a, b = videos["SEINE (generated)"][0], videos["SEINE (generated)"][-1]
    videos["dissolve"] = traditional_transition("dissolve", a, b, num_frames=pipe.num_frames)
    videos["wipe"] = traditional_transition("wipe_left", a, b, num_frames=pipe.num_frames)
    save_figure(frame_strip_figure(videos, count=8, title=prompt), out / "compare.png")
    write_video(out / "compare.mp4", np.concatenate(list(videos.values()), axis=2), fps=8)
    return {name: transition_report(v, a, b) for name, v in videos.items()}


def run_demo(out="outputs", model=None, shots=DEFAULT_SHOTS, steps: int = None, seed: int = 0,
             progress: bool = True, device="auto") -> int:
    """Write every output of the demo into `out` (see the module docstring), printing what it made."""
    t0 = time.time()
    out = Path(out)
    shots, options = load_shots(shots)
    pipe = SeinePipeline.from_pretrained(model, device=device)
    pipe.set_progress_bar_config(disable=not progress)
    out.mkdir(parents=True, exist_ok=True)
    print(f"model: {model or 'bundled reference'} · {pipe.num_frames} frames at "
          f"{pipe.resolution[0]}×{pipe.resolution[1]} · {len(shots)} shots · on {pipe.device}")

    scores = vae_roundtrip(pipe.vae, out, pipe.resolution[0], pipe.num_frames)
    print("VAE round trip PSNR: " + ", ".join(f"{k} {v:.1f} dB" for k, v in scores.items()))

    between = min(options.get("transition_frames", pipe.num_frames - 2), pipe.num_frames - 2)
    story = pipe.story(shots, transition_frames=between, seed=seed, num_inference_steps=steps)
    extra = options.get("extend_frames", pipe.num_frames - 2)
    video = pipe.extend(story, prompt=shots[-1][1], new_frames=extra, seed=seed + 100,
                        num_inference_steps=steps)
    fps = options.get("fps", 8)
    write_video(out / "demo.mp4", video, fps=fps)
    segments = story.segments + [("extension", len(story), len(video), shots[-1][1])]
    labelled = {f"{kind} {start}-{end - 1}": video[start:end] for kind, start, end, _ in segments}
    save_figure(frame_strip_figure(labelled, count=6, title="demo.mp4, segment by segment", frame_labels=False),
                out / "demo_strip.png")
    print(f"demo.mp4: {len(video)} frames ({len(video) / fps:.1f} s at {fps} fps); segments:")
    for kind, start, end, prompt in segments:
        print(f"  {kind:10s} frames {start:3d}-{end - 1:3d}  {prompt or ''}")

    (first, first_prompt), (last, last_prompt) = shots[-2:]
    reports = compare(pipe, first, last, join_prompts(first_prompt, last_prompt), out, steps, seed)
    print("compare.png: " + " · ".join(f"{name}: max jump {r['max_jump']:.2f}, double exposure "
                                        f"{r['double_exposure']:.2f}" for name, r in reports.items()))
    print(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} to {out}/ in {time.time() - t0:.0f} s")
    return 0
