"""A model folder missing a key the sampler depends on is refused, naming the file and the key."""
import json
import shutil

import pytest
import torch

from seine_lite import SeinePipeline
from seine_lite.latent_cache import DataConfig
from seine_lite.model_folder import META_KEYS, UNET_KEYS, UNET_OPTIONS, check_model_keys, read_meta, save_model_folder
from seine_lite.pipeline import BUNDLED
from seine_lite.presets import get_preset
from seine_lite.train import TrainConfig, UNetOptions, train
from seine_lite.unet import VideoUNet, unet_config_for
from seine_lite.vae import load_vae

SCHEDULE = {"num_train_timesteps": 1000, "beta_schedule": "linear", "beta_start": 1e-4, "beta_end": 0.02,
            "prediction_type": "v_prediction"}
OPTIONS = dict(text_pooled=True, temporal_conv=True, text_words=8, text_word_scale=4.0, frame_positions=8,
               relative_position_bias=True, relative_position_buckets=8)


@pytest.fixture(scope="module")
def options_dir(tmp_path_factory, tiny_vae_dir):
    """A tiny folder with every later UNet option on, its weights holding each option's modules."""
    torch.manual_seed(0)
    unet = VideoUNet(**unet_config_for("tiny", text_dim=384), **OPTIONS)
    preset = get_preset("tiny")
    meta = {"preset": "tiny", "num_frames": preset.num_frames, "size": preset.size, "latent_channels": 4,
            "schedule": SCHEDULE, "text_encoder": "minilm-words", "guidance_scale": 2.0, "condition": "zeros"}
    return save_model_folder(tmp_path_factory.mktemp("options") / "m", unet, load_vae(tiny_vae_dir), meta)


def _without(src, tmp_path, file, key):
    """A copy of the folder `src` with `key` ("a" or "a.b") deleted from its JSON `file`."""
    dst = tmp_path / "copy"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("checkpoints", "*.png", "eval.*"))
    data = json.loads((dst / file).read_text())
    *parents, last = key.split(".")
    inner = data
    for name in parents:
        inner = inner[name]
    del inner[last]
    (dst / file).write_text(json.dumps(data))
    return dst


def _refused(folder, file, key):
    with pytest.raises(ValueError, match=rf"{file}'.*{key}") as err:
        SeinePipeline.from_pretrained(folder)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("key", META_KEYS)
def test_each_meta_key_is_required(options_dir, tmp_path, key):
    _refused(_without(options_dir, tmp_path, "seine_lite.json", key), "seine_lite.json", key)


@pytest.mark.parametrize("field", sorted(SCHEDULE))
def test_a_partial_schedule_is_refused(options_dir, tmp_path, field):
    _refused(_without(options_dir, tmp_path, "seine_lite.json", f"schedule.{field}"),
             "seine_lite.json", f"schedule.{field}")


@pytest.mark.parametrize("key", UNET_KEYS)
def test_each_unet_shape_key_is_required(options_dir, tmp_path, key):
    _refused(_without(options_dir, tmp_path, "unet/config.json", key), "unet/config.json", key)


@pytest.mark.parametrize("key", sorted(set(UNET_OPTIONS) | {"text_word_scale", "relative_position_buckets"}))
def test_an_option_the_weights_use_is_required(options_dir, tmp_path, key):
    _refused(_without(options_dir, tmp_path, "unet/config.json", key), "unet/config.json", key)


@pytest.mark.parametrize("key", sorted(set(UNET_OPTIONS) - {"text_words"}))
def test_an_option_the_weights_lack_keeps_its_default(tiny_model_dir, tmp_path, key):
    """An older folder predates the option and was trained with it off: the weights prove it."""
    folder = _without(tiny_model_dir, tmp_path, "unet/config.json", key)
    check_model_keys(folder, read_meta(folder))


def test_condition_keeps_its_default(tiny_model_dir):
    assert "condition" not in json.loads((tiny_model_dir / "seine_lite.json").read_text())
    assert SeinePipeline.from_pretrained(tiny_model_dir).meta.get("condition", "zeros") == "zeros"


def test_the_folders_step_count_is_the_default_and_a_bad_one_is_refused(tiny_model_dir, tmp_path):
    folder = tmp_path / "steps"
    shutil.copytree(tiny_model_dir, folder)
    meta = json.loads((folder / "seine_lite.json").read_text())
    (folder / "seine_lite.json").write_text(json.dumps(dict(meta, num_inference_steps=3)))
    pipe = SeinePipeline.from_pretrained(folder)
    pipe.set_progress_bar_config(disable=True)
    image = torch.zeros(32, 32, 3, dtype=torch.uint8).numpy()
    seen = []

    def count(pipe_, step, t, tensors):
        seen.append(step)
        return tensors

    pipe.predict(image, callback_on_step_end=count)
    assert len(seen) == 3 == pipe.default_steps              # the folder's 3, not 25
    seen.clear()
    pipe.predict(image, num_inference_steps=2, callback_on_step_end=count)
    assert len(seen) == 2                                    # a call's own count wins
    for bad in (0, "3", 2.5, True):
        (folder / "seine_lite.json").write_text(json.dumps(dict(meta, num_inference_steps=bad)))
        with pytest.raises(ValueError, match="num_inference_steps"):
            SeinePipeline.from_pretrained(folder)


def test_text_encoder_must_fit_the_word_path(options_dir, tmp_path, tiny_model_dir):
    copy = _without(options_dir, tmp_path, "seine_lite.json", "preset")
    meta = json.loads((copy / "seine_lite.json").read_text())
    (copy / "seine_lite.json").write_text(json.dumps(dict(meta, text_encoder="minilm")))
    _refused(copy, "seine_lite.json", "text_encoder")
    check_model_keys(options_dir, read_meta(options_dir))


@pytest.mark.parametrize("file,key", [("seine_lite.json", "schedule"), ("seine_lite.json", "text_encoder"),
                                      ("unet/config.json", "frame_positions"), ("unet/config.json", "text_words")])
def test_the_bundled_folder_without_a_key_is_refused(tmp_path, file, key):
    _refused(_without(BUNDLED, tmp_path, file, key), file, key)


def test_the_bundled_and_a_freshly_trained_folder_load(tiny_vae_dir, tmp_path):
    assert SeinePipeline.from_pretrained().schedule.prediction_type == "sample"
    cfg = TrainConfig(preset="tiny", data=DataConfig(num_clips=8, seed=1), steps=2, batch_size=2,
                      checkpoint_every=2, warmup_steps=1, text_encoder="null", vae=str(tiny_vae_dir),
                      unet_options=UNetOptions(frame_positions=8))
    train(cfg, tmp_path / "run", progress=False)
    pipe = SeinePipeline.from_pretrained(tmp_path / "run")
    assert pipe.unet.config.frame_positions == 8 and pipe.meta["text_encoder"] == "null"


def test_upgrade_writes_the_defaulted_keys_once_and_the_video_stays_the_same(tiny_model_dir, tmp_path, capsys):
    from seine_lite.cli import main

    folder = _without(tiny_model_dir, tmp_path, "unet/config.json", "temporal_conv")   # older than the option
    before = SeinePipeline.from_pretrained(folder).generate([None] * 4, mask="all", num_inference_steps=2, seed=3)
    assert main(["convert", "--upgrade", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "seine_lite.json: condition = \"zeros\"" in out and "unet/config.json: temporal_conv = false" in out
    assert json.loads((folder / "seine_lite.json").read_text())["condition"] == "zeros"
    assert json.loads((folder / "unet" / "config.json").read_text())["temporal_conv"] is False
    after = SeinePipeline.from_pretrained(folder).generate([None] * 4, mask="all", num_inference_steps=2, seed=3)
    assert (before == after).all()
    assert main(["convert", "--upgrade", str(folder)]) == 0 and "up to date" in capsys.readouterr().out


def test_upgrade_refuses_a_key_no_default_can_stand_for(options_dir, tmp_path, capsys):
    from seine_lite.cli import main

    folder = _without(options_dir, tmp_path, "seine_lite.json", "schedule")
    meta_before = (folder / "seine_lite.json").read_bytes()
    assert main(["convert", "--upgrade", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert "'schedule'" in err and len(err.splitlines()) == 1
    assert (folder / "seine_lite.json").read_bytes() == meta_before            # nothing written
    assert main(["convert", "--upgrade", str(folder), "x.pt"]) == 2
