"""Training: a loadable model folder, exact resume, two processes with gloo, clear errors."""
import json
import shutil
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from seine_lite import SeinePipeline
from seine_lite.cli.train import _parse_masks, main
from seine_lite.diffusion import NoiseSchedule
from seine_lite.latent_cache import DataConfig
from seine_lite.conditioning import Conditioning
from seine_lite.masking import MaskMixture, MaskSampler, condition_latent, unet_input
from seine_lite.data.mix import clip_sources
from seine_lite.train import LossOptions, ScoringOptions, TrainConfig, UNetOptions, _step_generator, train
from seine_lite.training_step import training_step
from seine_lite.unet import VideoUNet, unet_config_for


def _config(tiny_vae_dir, steps, **kw):
    return TrainConfig(preset="tiny", data=DataConfig(num_clips=12, seed=1), steps=steps, batch_size=2,
                       checkpoint_every=2, warmup_steps=2, text_encoder="null", vae=str(tiny_vae_dir), **kw)


def _losses(out):
    return [json.loads(line)["loss"] for line in (out / "metrics.jsonl").read_text().splitlines()]


def _weights(out):
    return load_file(str(out / "unet" / "diffusion_pytorch_model.safetensors"))


def test_training_writes_a_pipeline_folder(tiny_vae_dir, tmp_path):
    out = tmp_path / "run"
    train(_config(tiny_vae_dir, 4), out, progress=False)
    for name in ("loss.png", "metrics.jsonl", "train_config.json", "seine_lite.json", "unet/config.json"):
        assert (out / name).exists(), name
    assert len(_losses(out)) == 4 and all(np.isfinite(_losses(out)))
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step_0000002", "step_0000004"]
    pipe = SeinePipeline.from_pretrained(out)
    pipe.set_progress_bar_config(disable=True)
    assert pipe.num_frames == 4 and pipe.resolution == (32, 32)
    assert pipe.predict(np.zeros((32, 32, 3), np.uint8), num_inference_steps=2).shape == (4, 32, 32, 3)


def test_resume_continues_exactly(tiny_vae_dir, tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    train(_config(tiny_vae_dir, 4), straight, progress=False)
    train(_config(tiny_vae_dir, 2), resumed, progress=False)
    train(_config(tiny_vae_dir, 4), resumed, resume=True, progress=False)
    assert _losses(resumed) == _losses(straight)
    a, b = _weights(straight), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_same_seed_same_weights(tiny_vae_dir, tmp_path):
    train(_config(tiny_vae_dir, 2), tmp_path / "a", progress=False)
    train(_config(tiny_vae_dir, 2), tmp_path / "b", progress=False)
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resume_from_another_preset_is_refused(tiny_vae_dir, tmp_path):
    out = tmp_path / "run"
    train(_config(tiny_vae_dir, 2), out, progress=False)
    cfg = _config(tiny_vae_dir, 4)
    cfg.preset = "cpu"
    with pytest.raises(ValueError, match="preset 'tiny'"):
        train(cfg, out, resume=True, progress=False)


@pytest.mark.parametrize("argv, words", [
    (["--preset", "huge"], "preset"),
    (["--steps", "0"], "--steps"),
    (["--data", "/no/such/folder"], "data"),
    (["--resume"], "resume"),
    (["--masks", "sideways=1"], "--masks"),
    (["--masks", "first99=0.2"], "--masks"),
    (["--masks", "first1=lots"], "--masks"),
])
def test_cli_errors_are_one_line_exit_2(tmp_path, capsys, argv, words):
    code = main(argv + ["--out", str(tmp_path / "x"), "--text-encoder", "null", "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and words in err and len(err.splitlines()) == 1


def test_source_masks_train_one_source_on_its_own_layout(tiny_vae_dir, tmp_path, monkeypatch):
    import seine_lite.train as train_module
    seen = []

    def spy(*args, layouts=None, **kw):
        seen.append(layouts)
        return training_step(*args, layouts=layouts, **kw)

    monkeypatch.setattr(train_module, "training_step", spy)
    cfg = _config(tiny_vae_dir, 3, loss=LossOptions(source_masks={"transitions": "onelast1"}))
    cfg.data = DataConfig(data="mix", num_clips=12, seed=1)
    train(cfg, tmp_path / "run", progress=False)
    sources = clip_sources("mix", 12, seed=1)
    for step, layouts in enumerate(seen):                 # the clips drawn at each step, as draw_batch draws them
        idx = torch.randint(12, (2,), generator=_step_generator(cfg.seed, step, 0))
        assert layouts == ["onelast1" if sources[i] == "transitions" else None for i in idx.tolist()]
    assert "onelast1" in sum(seen, [])
    assert json.loads((tmp_path / "run" / "train_config.json").read_text())["loss"]["source_masks"] == {"transitions": "onelast1"}


def test_masks_take_fixed_layouts_beside_the_families():
    mixture = _parse_masks("transition=0.5,first1=0.3,x..x=0.2")
    assert mixture.prediction == mixture.bernoulli == 0 and mixture.extra == {"first1": 0.3, "x..x": 0.2}
    _, names = MaskSampler(mixture).sample_with_names(200, 4, torch.Generator().manual_seed(0))
    assert set(names) == {"onelast1", "first1", "x..x"}


# Launched by accelerate in each process: `seine-lite train` with draw_batch and training_step
# watched, so each rank writes down the clips it drew and its weights' sum at the end.
RANK_SPY = """
import json, os, sys
import seine_lite.train as train_module
from seine_lite.cli.train import main
seen, models = [], []
draw_batch, training_step = train_module.draw_batch, train_module.training_step

def draw(cache, cfg, step, rank):
    batch = draw_batch(cache, cfg, step, rank)
    seen.extend(batch[0].tolist())
    return batch

def step(model, *args, **kwargs):
    models[:] = [model]
    return training_step(model, *args, **kwargs)

train_module.draw_batch, train_module.training_step = draw, step
code = main(sys.argv[1:])
rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
digest = float(sum(p.double().sum() for p in models[0].parameters()))
out = sys.argv[sys.argv.index("--out") + 1]
with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
    json.dump({"rank": rank, "world": world, "seen": seen, "param_sum": digest}, f)
sys.exit(code)
"""


def test_two_processes_see_different_data_and_end_equal(tiny_vae_dir, tmp_path):
    out = tmp_path / "ddp"
    spy = tmp_path / "rank_spy.py"
    spy.write_text(RANK_SPY)
    env = dict(os.environ, ACCELERATE_USE_CPU="1", OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", "29517",
           str(spy), "--preset", "tiny", "--steps", "3", "--batch-size", "2", "--num-clips", "12",
           "--checkpoint-every", "2", "--text-encoder", "null", "--vae", str(tiny_vae_dir), "--out", str(out),
           "--no-progress"]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    ranks = [json.loads((out / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world"] for r in ranks] == [2, 2]
    assert ranks[0]["seen"] != ranks[1]["seen"] and len(ranks[0]["seen"]) == 3 * 2
    assert ranks[0]["param_sum"] == ranks[1]["param_sum"]
    assert (out / "unet" / "config.json").exists()


def test_time_budget_stops_with_a_checkpoint_and_a_model(tiny_vae_dir, tmp_path):
    out = tmp_path / "budget"
    row = train(_config(tiny_vae_dir, 4), out, progress=False, max_minutes=0)
    assert row["step"] == 1 and len(_losses(out)) == 1
    assert [p.name for p in (out / "checkpoints").iterdir()] == ["step_0000001"]
    assert json.loads((out / "seine_lite.json").read_text())["trained_steps"] == 1
    train(_config(tiny_vae_dir, 4), out, resume=True, progress=False)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    assert all(b["elapsed_s"] >= a["elapsed_s"] for a, b in zip(rows, rows[1:]))


def test_warm_start_from_a_model_folder(tiny_vae_dir, tmp_path):
    first = tmp_path / "first"
    train(_config(tiny_vae_dir, 2), first, progress=False)
    warm = tmp_path / "warm"
    train(_config(tiny_vae_dir, 2, init_from=str(first)), warm, progress=False)
    meta = json.loads((warm / "seine_lite.json").read_text())
    assert meta["trained_steps"] == 4
    assert meta["training_seconds"] > json.loads((first / "seine_lite.json").read_text())["training_seconds"]
    with pytest.raises(FileNotFoundError, match="init_from"):
        train(_config(tiny_vae_dir, 2, init_from=str(tmp_path / "none")), tmp_path / "x", progress=False)
    shutil.rmtree(first)                              # a resume still counts the starting model's legs
    train(_config(tiny_vae_dir, 4, init_from=str(tmp_path / "first")), warm, resume=True, progress=False)
    resumed = json.loads((warm / "seine_lite.json").read_text())
    assert resumed["trained_steps"] == 6 and len(resumed["legs"]) == len(meta["legs"]) + 1
    assert resumed["legs"][:len(meta["legs"])] == meta["legs"]


def test_blend_condition_travels_with_the_model_folder(tiny_vae_dir, tmp_path):
    out = tmp_path / "blend"
    train(_config(tiny_vae_dir, 2, conditioning=Conditioning(fill="blend")), out, progress=False)
    assert json.loads((out / "seine_lite.json").read_text())["condition"] == "blend"
    pipe = SeinePipeline.from_pretrained(out)
    pipe.set_progress_bar_config(disable=True)
    first = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    blend = pipe.predict(first, num_inference_steps=2, seed=3, paste_given=False)
    pipe.meta["condition"] = "zeros"                # the same weights shown SEINE's zeroed frames
    zeros = pipe.predict(first, num_inference_steps=2, seed=3, paste_given=False)
    assert not np.array_equal(blend, zeros)


def test_temporal_conv_flag_builds_and_ships_the_layers(tiny_vae_dir, tmp_path):
    out = tmp_path / "tconv"
    assert main(["--preset", "tiny", "--num-clips", "12", "--steps", "2", "--batch-size", "2",
                 "--warmup-steps", "1", "--text-encoder", "null", "--vae", str(tiny_vae_dir),
                 "--temporal-conv", "--out", str(out), "--no-progress"]) == 0
    assert json.loads((out / "unet" / "config.json").read_text())["temporal_conv"] is True
    assert any(".tconv.conv." in name for name in _weights(out))
    assert SeinePipeline.from_pretrained(out).unet.config.temporal_conv is True


def test_position_and_word_flags_build_and_ship_the_options(tiny_vae_dir, tmp_path):
    out = tmp_path / "options"
    assert main(["--preset", "tiny", "--num-clips", "12", "--steps", "2", "--batch-size", "2",
                 "--warmup-steps", "1", "--text-encoder", "minilm-words", "--vae", str(tiny_vae_dir),
                 "--frame-positions", "4", "--relative-position-bias", "--text-word-scale", "6",
                 "--out", str(out), "--no-progress"]) == 0
    config = json.loads((out / "unet" / "config.json").read_text())
    assert (config["frame_positions"], config["relative_position_bias"], config["text_words"],
            config["text_word_scale"], config["text_dim"]) == (4, True, 384, 6.0, 384)
    pipe = SeinePipeline.from_pretrained(out)
    assert pipe.meta["text_encoder"] == "minilm-words" and pipe.text_encoder.dim == 768
    pipe.set_progress_bar_config(disable=True)
    assert pipe.predict(np.zeros((32, 32, 3), np.uint8), prompt="a red circle moving left",
                        num_inference_steps=2).shape == (4, 32, 32, 3)


def test_warm_start_may_add_the_new_options_and_nothing_else(tiny_vae_dir, tmp_path):
    first = tmp_path / "first"
    train(_config(tiny_vae_dir, 2), first, progress=False)
    warm = tmp_path / "warm"
    options = UNetOptions(frame_positions=4, relative_position_bias=True)
    train(_config(tiny_vae_dir, 2, init_from=str(first), unet_options=options), warm, progress=False)
    before, after = _weights(first), _weights(warm)
    assert any(k.startswith("frame_embedding.") for k in after) and not any(k.startswith("frame_embedding.")
                                                                             for k in before)
    assert json.loads((warm / "seine_lite.json").read_text())["trained_steps"] == 4
    with pytest.raises(ValueError, match="init_from: .*another configuration"):
        train(_config(tiny_vae_dir, 2, init_from=str(first), unet={**unet_config_for("tiny", latent_channels=4), "block_out_channels": (8, 8)}),
              tmp_path / "other", progress=False)


def test_scoring_keeps_the_best_model_and_logs_the_eval(tiny_vae_dir, tmp_path):
    out = tmp_path / "scored"
    subset = dict(clips=1, scenes=1, pairs=1, photos=1)
    train(_config(tiny_vae_dir, 4, scoring=ScoringOptions(every_minutes=1e-6, subset=subset)), out, progress=False)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    scores = [r for r in rows if "score" in r]
    assert [r["step"] for r in scores] == [2, 4]
    assert {"direction_accuracy", "interpolation_gain_db", "prediction_gain_db"} <= set(scores[0]["eval"])
    best = json.loads((out / "best" / "seine_lite.json").read_text())
    assert best["score"] == max(r["score"] for r in scores) and best["score_step"] in (2, 4)
    assert SeinePipeline.from_pretrained(out / "best").num_frames == 4
    assert len(_losses_of(rows)) == 4 and (out / "loss.png").exists()


def _losses_of(rows):
    return [r["loss"] for r in rows if "loss" in r]


def test_every_leg_is_recorded_in_the_model_folder(tiny_vae_dir, tmp_path):
    first = tmp_path / "first"
    train(_config(tiny_vae_dir, 2), first, progress=False)
    train(_config(tiny_vae_dir, 4), first, resume=True, progress=False)
    legs = json.loads((first / "seine_lite.json").read_text())["legs"]
    assert [(leg["from_step"], leg["to_step"]) for leg in legs] == [(0, 2), (2, 4)]
    assert all(leg["wall_minutes"] >= 0 and leg["command"] for leg in legs)
    warm = tmp_path / "warm"
    train(_config(tiny_vae_dir, 2, init_from=str(first)), warm, progress=False)
    legs = json.loads((warm / "seine_lite.json").read_text())["legs"]
    assert [(leg["from_step"], leg["to_step"]) for leg in legs] == [(0, 2), (2, 4), (0, 2)]
    assert legs[-1]["init_from"] == str(first)


def test_training_step_draws_mask_noise_and_t_in_that_order_from_one_generator():
    """The order of the draws is what makes a run repeatable (and old runs resumable) bit for bit."""
    torch.manual_seed(0)
    unet = VideoUNet(**unet_config_for("tiny", latent_channels=4, text_dim=8))
    z0, states = torch.randn(2, 4, 4, 8, 8), torch.randn(2, 3, 8)
    sampler, schedule = MaskSampler(MaskMixture()), NoiseSchedule(prediction_type="v_prediction")
    step = training_step(unet, z0, states, None, sampler, schedule, torch.Generator().manual_seed(5))
    g = torch.Generator().manual_seed(5)
    mask = sampler.sample(2, 4, generator=g).expand(-1, -1, -1, 8, 8)
    noise, t = torch.randn(z0.shape, generator=g), schedule.sample_timesteps(2, generator=g)
    with torch.no_grad():
        pred = unet(unet_input(schedule.add_noise(z0, noise, t), mask, condition_latent(z0, mask, "zeros")), t, states)
    assert torch.equal(step.mask, mask) and torch.equal(step.t, t)
    assert torch.equal(step.loss.detach(), schedule.training_loss(pred, z0, noise, t))
    step.loss.backward()                              # the step's loss is what the optimiser follows
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in unet.parameters())


def test_the_score_counts_the_real_bars_a_unet_can_move():
    from seine_lite.evaluate import BARS
    from seine_lite.train_scoring import REAL_SCORED, eval_row, score_of

    shapes = {name: 0.0 for name in BARS}
    shapes.update(transition_max_jump=0.7, passed={name: False for name in BARS})
    real = dict(real_prediction_gain_db=0.6, real_interpolation_gain_db=-2.0, real_one_frame_gain_db=0.1,
                real_transition_sharpness=0.9, real_transition_blend_r2=0.9, real_transition_max_jump=0.2)
    with_real = {**shapes, **real}
    # met: prediction, one frame, sharpness, jump (4); blend R² 0.9 > 0.8 and interpolation -2 dB are not
    assert int(score_of(with_real)) == 4 and eval_row(1, 0.0, {**with_real, "score": 0.0, "seconds": 1})["bars_met"] == 4
    worse = {**with_real, "real_transition_blend_r2": 1.0}
    assert score_of(worse) < score_of(with_real) and set(REAL_SCORED) == set(real)
    assert score_of(shapes) < 1        # without the real probes only the shapes bars count
