#!/usr/bin/env python
"""Write a model folder's card (README.md, the Hugging Face layout) from its own files.

    python scripts/model_card.py                       # the bundled model: seine_lite/weights/reference
    python scripts/model_card.py --model runs/x        # any model folder
    python scripts/model_card.py --check               # exit 1 if the card differs from its files

Every figure in the card comes from the folder's `eval.json` (held-out shapes probes),
`eval_real.json` (real-footage probes, when present), `seine_lite.json` (legs, minutes, settings)
and its weights (parameter counts); `tests/test_model_card.py` fails when the card is stale.
"""
import argparse
import json
import re
import sys
from pathlib import Path

from safetensors import safe_open

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seine_lite.evaluate import markdown_table  # noqa: E402
from seine_lite.evaluate_real import real_markdown_table  # noqa: E402

BUNDLED = ROOT / "seine_lite" / "weights" / "reference"
SHAPES_BARS = {"interpolation": "interpolation", "prediction": "prediction", "direction": "direction",
               "color": "colour", "transition_given": "given frames", "transition_smooth": "largest jump",
               "transition_double_exposure": "double exposure", "photo_prediction": "photo prediction"}


def _parameters(folder: Path) -> int:
    total = 0
    for path in folder.glob("*.safetensors"):
        with safe_open(str(path), framework="pt") as f:
            for key in f.keys():
                n = 1
                for d in f.get_slice(key).get_shape():
                    n *= d
                total += n
    return total


def _legs_table(legs: list) -> str:
    rows = ["| leg | command | steps | wall minutes |", "|---|---|---|---|"]
    for i, leg in enumerate(legs, 1):
        steps = leg.get("trained_steps", leg.get("to_step", 0) - leg.get("from_step", 0))
        command = leg["command"].split("   #")[0].replace("|", "\\|")
        rows.append(f"| {i} | `{command}` | {steps:,} | {leg['wall_minutes']:.1f} |")
    return "\n".join(rows)


def _conditioning(meta: dict) -> str:
    """What the generated frames' clean-latent channels hold, in words."""
    cond = meta.get("conditioning") or {"fill": meta.get("condition", "zeros")}
    if cond["fill"] == "zeros":
        return "`zeros` (SEINE's masked clean latent)"
    words = [f"`{cond['fill']}` fill from the given frames" + (
        " (a dissolve between them; after two given frames in a row, the last one carried on at their measured "
        "velocity)" if cond["fill"] == "flow" else "")]
    if cond.get("residual"):
        words.append("residual over the fill (the UNet diffuses z0 − fill)")
    if cond.get("noise"):
        words.append(f"fill noise up to {cond['noise']} in training")
    if cond.get("composite"):
        words.append("pixel composite at decode" + (f", changes under {cond['threshold']:g} grey levels dropped"
                                                     if cond.get("threshold") else ""))
    return "; ".join(words)


def _real_legs(legs: list) -> list:
    """The real-footage legs' scripts (models/real1/leg*.sh) that made this folder, in order, and the
    eval of the last one's output."""
    def out(text):
        found = re.search(r"--out\s+(\S+)", text)
        return found.group(1) if found else None

    made = {out(leg["command"]) for leg in legs}
    scripts = sorted((ROOT / "models" / "real1").glob("leg*.sh"), key=lambda p: int(p.stem[3:]))
    used = [p for p in scripts if out(p.read_text()) in made]
    if not used:
        return []
    last = out(used[-1].read_text()) + "/best"
    return ["# the real-footage legs, with the side-by-side arms of docs/history.md between them",
            *(f"models/real1/{p.name}" for p in used[:-1]),
            f"models/real1/{used[-1].name}   # the last leg; its best scored checkpoint is this model",
            f"seine-lite eval --model {last} --out {last}"]


def _real_limitations(real) -> list:
    """The limitations the real-footage probes show (or, without them, that none were run)."""
    if real is None:
        return ["- It knows the shapes world and five photographs; real footage was not measured."]
    return [
        f"- Real footage: given frames of held-out real clips, its predictions and interpolations score "
        f"{real['real_prediction_gain_db']:+.2f} and {real['real_interpolation_gain_db']:+.2f} dB against "
        "repeating the last frame and a dissolve.",
        f"- Between two real scenes, its middle frames keep {real['real_transition_sharpness']:.2f} of the ends' "
        f"detail, with double exposure R² {real['real_transition_blend_r2']:.2f} (a dissolve: "
        f"{real['dissolve_blend_r2']:.2f}, a wipe: {real['wipe_blend_r2']:.2f}).",
        f"- A photograph animated from one frame: {real['real_one_frame_gain_db']:+.2f} dB against repeating it.",
        f"- The VAE returns held-out photographs at {real['real_vae_photos_db']:.2f} dB and real clips at "
        f"{real['real_vae_clips_db']:.2f} dB; the pixel composite keeps the given pixels where nothing changes, "
        "so the blur shows where something moves.",
    ]


def _met(passed: dict, names: dict) -> tuple:
    met = [names.get(k, k) for k, ok in passed.items() if ok]
    missed = [names.get(k, k) for k, ok in passed.items() if not ok]
    return met, missed


def render(folder: Path) -> str:
    meta = json.loads((folder / "seine_lite.json").read_text())
    result = json.loads((folder / "eval.json").read_text())
    real_path = folder / "eval_real.json"
    real = json.loads(real_path.read_text()) if real_path.is_file() else None
    unet, vae = _parameters(folder / "unet"), _parameters(folder / "vae")
    met, missed = _met(result["passed"], SHAPES_BARS)
    schedule = meta["schedule"]
    legs = meta.get("legs", [])
    lines = [
        "---",
        "license: apache-2.0",
        "library_name: seine_lite",
        "pipeline_tag: image-to-video",
        "tags: [video-diffusion, seine, transitions, video-prediction, educational]",
        "---",
        "",
        "# seine_lite reference model",
        "",
        "<!-- Written by `python scripts/model_card.py` from this folder's eval.json, eval_real.json and",
        "seine_lite.json; tests/test_model_card.py fails when it is stale. Do not edit by hand. -->",
        "",
        "A small latent video diffusion model in SEINE's layout (Chen et al., ICLR 2024), trained on a",
        "2-core CPU, for teaching: generative transitions between two frames, prediction from given",
        "frames, and short-to-long extension. `SeinePipeline.from_pretrained()` loads it.",
        "",
        "## Model details",
        "",
        "| part | value |",
        "|---|---|",
        f"| video UNet | `{meta['preset']}` preset, {unet / 1e6:.2f} M parameters, "
        f"{meta['num_frames']} frames of {meta['size']}×{meta['size']} pixels |",
        f"| VAE | `diffusers.AutoencoderKL`, {vae / 1e6:.2f} M parameters, "
        f"{meta['latent_channels']} latent channels |",
        f"| text encoder | `{meta['text_encoder']}` (all-MiniLM-L6-v2 from its registry package) |",
        f"| diffusion | {schedule['num_train_timesteps']} steps, {schedule['beta_schedule']} betas "
        f"{schedule['beta_start']} → {schedule['beta_end']}, `{schedule['prediction_type']}` |",
        f"| conditioning of generated frames | {_conditioning(meta)} |",
        f"| sampling default | DDIM, {meta.get('num_inference_steps', 25)} steps, "
        f"guidance scale {meta['guidance_scale']}"
        + (" (one UNet pass per step)" if meta["guidance_scale"] == 1 else "") + " |",
        "",
        "## Intended use",
        "",
        "Learning and classroom experiments: reading how SEINE's mask, video UNet and sampler work,",
        "and running them on a laptop CPU. It is trained on a synthetic shapes world (coloured shapes",
        "moving on plain backgrounds, transitions between such scenes) and on real-world clips built from",
        *(["photographs that ship inside registry packages: camera moves and still-camera shots over them",
           "with photo cut-outs moving in layers, and transitions between two such scenes. **Out of scope:**",
           "people, footage larger than 64×64, anything where a generated video could be taken for a real one",
           "(see Limitations).",
           "",
           "## Training data and licences",
           "",
           "- The shapes world and its transitions, drawn from numbers by `seine_lite.data` (no files).",
           "- Camera moves over the five photographs of `data_samples/images/` (public domain / CC0,",
           "  `data_samples/images/LICENSES.md`).",
           "- The training split of the photo bank (`seine-lite data photos`, `docs/real_world.md`): photographs",
           "  extracted at set-up from PyPI and Debian packages, each with its package, licence and attribution",
           "  in the bank's manifest. Some are GPL or CC-BY-SA; they are never committed, and the bank's own",
           "  licence file names them. Held-out photographs, real clips, scenes and seeds are never drawn for",
           "  training.",
           ""] if real is not None else [
           "public-domain photographs. **Out of scope:** real footage (see Limitations), people, anything",
           "where a generated video could be taken for a real one.", ""]),
        "## Training procedure",
        "",
        f"{len(legs)} legs on 2 CPU cores, {meta['trained_steps']:,} optimiser steps, "
        f"{meta['wall_minutes_total']:.1f} minutes of wall time in all "
        f"(the best scored checkpoint, step {meta['score_step']:,} of the last leg, is this model):",
        "",
        _legs_table(legs),
        "",
    ]
    if meta.get("legs_not_shipped"):
        spent = meta.get("budget_minutes_spent")
        lines += [f"{len(meta['legs_not_shipped'])} later legs trained on from this model and did not beat it "
                  f"on the held-out eval; with them {spent:.1f} minutes were spent.", ""]
    lines += [
        "## Evaluation",
        "",
        f"Held-out shapes scenes and seeds, {result.get('num_inference_steps', 25)} DDIM steps, the default "
        "guidance (`seine-lite eval`, "
        f"{result['seconds']:.0f} s):",
        "",
        markdown_table(result, title="this model"),
        "",
        f"**{len(met)} of {len(met) + len(missed)} bars met**"
        + (f"; missed: {', '.join(missed)}." if missed else "."),
        "",
    ]
    if real is not None:
        real_met = sum(bool(v) for v in real["passed"].values())
        lines += [
            "Held-out real footage (`seine-lite eval --real --no-shapes --out DIR`, its eval.json kept here as "
            f"eval_real.json; {real['seconds']:.0f} s; needs `make photos`):",
            "",
            real_markdown_table(real, title="this model"),
            "",
            f"**{real_met} of {len(real['passed'])} real-footage bars met.**",
            "",
        ]
    lines += [
        "## Limitations",
        "",
        *_real_limitations(real),
        *(f"- The bar it misses: {m} (table above)." for m in missed),
        "- 64×64 pixels, 16 frames; a long video drifts as each extension feeds on the last.",
        "",
        "## How to reproduce",
        "",
        "```bash",
        "make venv",
        "scripts/train_reference.sh        # legs 1-8: the shapes model (the bundled folder up to commit 3a2cd6b)",
        "git worktree add /tmp/shapes 3a2cd6b     # leg 9 warm-starts from that model",
        "INIT=/tmp/shapes/seine_lite/weights/reference scripts/side_by_side_real.sh E --condition blend \\",
        "    --residual --prediction sample --condition-noise 0.1",
        *_real_legs(legs),
        "```",
        "",
        "## Citation",
        "",
        "```bibtex",
        "@inproceedings{chen2024seine,",
        "  title     = {SEINE: Short-to-Long Video Diffusion Model for Generative Transition and Prediction},",
        "  author    = {Chen, Xinyuan and Wang, Yaohui and Zhang, Lingjun and Zhuang, Shaobin and Ma, Xin and",
        "               Yu, Jiashuo and Wang, Yali and Lin, Dahua and Qiao, Yu and Liu, Ziwei},",
        "  booktitle = {International Conference on Learning Representations},",
        "  year      = {2024}",
        "}",
        "```",
        "",
    ]
    return "\n".join(lines)


README = ROOT / "README.md"
BLOCK = ("<!-- bundled-model:start (python scripts/model_card.py writes this block) -->", "<!-- bundled-model:end -->")


def readme_block(folder: Path) -> str:
    """The README's lines on the bundled model, from the same files as the card."""
    meta = json.loads((folder / "seine_lite.json").read_text())
    r = json.loads((folder / "eval.json").read_text())
    met, missed = _met(r["passed"], SHAPES_BARS)
    return "\n".join([
        BLOCK[0],
        "| held-out probe (`seine-lite eval`) | the bundled model | baseline |",
        "|---|---|---|",
        f"| interpolation, first and last frames given | {r['interpolation_psnr_db']:.2f} dB "
        f"(**{r['interpolation_gain_db']:+.2f} dB**) | dissolve {r['dissolve_psnr_db']:.2f} dB |",
        f"| prediction of the next 4 frames | {r['prediction_psnr_db']:.2f} dB "
        f"(**{r['prediction_gain_db']:+.2f} dB**) | repeat the last {r['repeat_last_psnr_db']:.2f} dB |",
        f"| the prompt's direction followed / colour kept | {100 * r['direction_accuracy']:.0f} % / "
        f"{100 * r['color_accuracy']:.0f} % of {r['text_control_trials']} | chance 25 % |",
        f"| a transition's largest jump (share of a hard cut) | {r['transition_max_jump']:.2f} | bar 0.35 |",
        f"| animated photographs, next 4 frames | {r['photo_prediction_psnr_db']:.2f} dB "
        f"(**{r['photo_prediction_gain_db']:+.2f} dB**) | still frame {r['photo_repeat_last_psnr_db']:.2f} dB |",
        *_real_rows(folder),
        "",
        f"{len(met)} of {len(met) + len(missed)} shapes-world bars met"
        + (f" (missed: {', '.join(missed)})" if missed else "") + _real_met_words(folder)
        + f"; {meta['trained_steps']:,} steps, {meta['wall_minutes_total']:.1f} minutes on 2 CPU cores.",
        BLOCK[1]])


def _real_met_words(folder: Path) -> str:
    path = folder / "eval_real.json"
    if not path.is_file():
        return ""
    passed = json.loads(path.read_text())["passed"]
    missed = [k.replace("real_", "").replace("_", " ") for k, ok in passed.items() if not ok]
    return (f"; real footage {len(passed) - len(missed)} of {len(passed)}"
            + (f" (missed: {', '.join(missed)})" if missed else ""))


def _real_rows(folder: Path) -> list:
    """The README block's real-footage rows, from eval_real.json (none without it)."""
    path = folder / "eval_real.json"
    if not path.is_file():
        return []
    r = json.loads(path.read_text())
    return [
        f"| real clips, next 4 frames (`--real`) | {r['real_prediction_psnr_db']:.2f} dB "
        f"(**{r['real_prediction_gain_db']:+.2f} dB**) | repeat the last {r['real_repeat_last_psnr_db']:.2f} dB |",
        f"| real clips, middle frames | {r['real_interpolation_psnr_db']:.2f} dB "
        f"(**{r['real_interpolation_gain_db']:+.2f} dB**) | dissolve {r['real_dissolve_psnr_db']:.2f} dB |",
        f"| two real scenes joined: detail kept / double exposure R² | {r['real_transition_sharpness']:.2f} / "
        f"{r['real_transition_blend_r2']:.2f} | dissolve {r['dissolve_sharpness']:.2f} / "
        f"{r['dissolve_blend_r2']:.2f} |",
    ]


def _with_block(text: str, block: str) -> str:
    start, end = text.index(BLOCK[0]), text.index(BLOCK[1]) + len(BLOCK[1])
    return text[:start] + block + text[end:]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=BUNDLED, help="a model folder (default: the bundled model)")
    p.add_argument("--check", action="store_true", help="exit 1 if README.md differs from what its files say")
    args = p.parse_args(argv)
    for name in ("seine_lite.json", "eval.json"):
        if not (args.model / name).is_file():
            print(f"model_card: error: {args.model / name} not found", file=sys.stderr)
            return 2
    files = {args.model / "README.md": render(args.model)}
    if args.model.resolve() == BUNDLED.resolve():           # the front page's block too
        text = README.read_text(encoding="utf-8")
        files[README] = _with_block(text, readme_block(args.model))
    if args.check:
        stale = [t for t, text in files.items() if not t.is_file() or t.read_text(encoding="utf-8") != text]
        for target in files:
            print(f"{target}: {'stale: run python scripts/model_card.py' if target in stale else 'up to date'}")
        return 1 if stale else 0
    from seine_lite.atomic import write_text
    for target, text in files.items():
        write_text(target, text)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
