"""Issue 26, problems 7 and 9: a damaged latent cache, Ctrl-C while sampling, and a cap on work per call."""
import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

from seine_lite import batching
from seine_lite.latent_cache import DataConfig, build_latent_cache
from seine_lite.samplers import get_scheduler
from seine_lite.text import CachedTextEncoder, load_text_encoder
from seine_lite.vae import load_vae


@pytest.fixture()
def cache(tiny_vae_dir, tmp_path):
    """A built cache: a function that loads it again, and the path of its safetensors file."""
    vae, cfg = load_vae(tiny_vae_dir), DataConfig(data="shapes", num_clips=2)
    text = CachedTextEncoder(load_text_encoder("null"))

    def load():
        return build_latent_cache(cfg, "tiny", vae, text, "null", cache_dir=tmp_path, progress=False)

    load()
    (path,) = tmp_path.glob("latents-*.safetensors")
    return load, path


def test_a_cut_cache_file_is_one_line_naming_it(cache):
    load, path = cache
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r"latents-.*\.safetensors.*delete the cache folder") as err:
        load()
    assert "\n" not in str(err.value)


def test_a_cache_with_bad_json_names_the_json_file(cache):
    load, path = cache
    path.with_suffix(".json").write_text('["", "a sq')
    with pytest.raises(ValueError, match=r"latents-\w+\.json.*delete"):
        load()
    path.with_suffix(".json").write_text('["only one caption", "two", "three", "four", "five"]')
    with pytest.raises(ValueError, match=r"latents-\w+\.json.*do not match"):
        load()


def test_nan_in_the_cache_is_found_when_it_is_loaded(cache):
    load, path = cache
    tensors = load_file(str(path))
    tensors["latents"][0, 0, 0, 0, 0] = float("nan")
    save_file(tensors, str(path))
    with pytest.raises(ValueError, match=r"latents-\w+\.safetensors.*holds NaN.*delete"):
        load()


@pytest.mark.parametrize("command", ["transition", "predict"])
def test_ctrl_c_while_sampling_is_one_line_exit_130_and_writes_nothing(command, tiny_model_dir, tmp_path,
                                                                       monkeypatch, capsys):
    from seine_lite import SeinePipeline
    from seine_lite.cli import main

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(SeinePipeline, command, interrupted)
    image = tmp_path / "a.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(image)
    out = tmp_path / "x.mp4"
    images = [str(image), str(image)] if command == "transition" else [str(image)]
    code = main([command, *images, "--out", str(out), "--model", str(tiny_model_dir), "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 130
    assert err.strip() == f"seine-lite {command}: interrupted; nothing written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def _call(pipe, **kwargs):
    frames = [np.full((32, 32, 3), 90, np.uint8)] + [None] * (pipe.num_frames - 1)
    return pipe(["a red square", "a blue circle"], frames, mask="first1", num_videos_per_prompt=2,
                num_inference_steps=2, **kwargs).frames


def test_max_batch_chunks_draw_the_same_noise_as_one_batch(tiny_pipe, one_thread, monkeypatch):
    one = _call(tiny_pipe, seed=3, max_batch=100)
    starts, prepare = [], tiny_pipe.prepare_latents

    def recording(shape, latents, *rest):
        starts.append(latents)
        return prepare(shape, latents, *rest)

    monkeypatch.setattr(tiny_pipe, "prepare_latents", recording)
    cut = _call(tiny_pipe, generator=torch.Generator().manual_seed(3), max_batch=3)
    assert [len(z) for z in starts] == [3, 1]
    expected = torch.randn((4, 4, tiny_pipe.num_frames, 8, 8), generator=torch.Generator().manual_seed(3))
    assert torch.equal(torch.cat(starts), expected)       # z_T: the very same draws
    # the videos agree to float rounding (kernels round differently at another batch size)
    assert cut.shape == one.shape and np.abs(cut.astype(int) - one).max() <= 2
    assert np.array_equal(_call(tiny_pipe, seed=3, max_batch=4), one)   # one chunk: the unchunked call
    z_one = _call(tiny_pipe, seed=3, max_batch=100, output_type="latent")
    assert torch.allclose(_call(tiny_pipe, seed=3, max_batch=1, output_type="latent"), z_one, atol=1e-4)
    with pytest.raises(ValueError, match="max_batch"):
        _call(tiny_pipe, max_batch=0)


def test_a_batch_is_cut_only_where_no_step_draws_noise(tiny_pipe):
    ddim, ddpm = tiny_pipe.scheduler, get_scheduler("ddpm", tiny_pipe.schedule)
    assert batching.chunks(5, 2, ddim, "concat", None) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert batching.chunks(5, 2, ddpm, "concat", None) == [slice(0, 5)]
    assert batching.chunks(5, 2, ddim, "replace", None) == [slice(0, 5)]
    assert batching.chunks(5, 2, ddim, "concat", lambda *a: None) == [slice(0, 5)]
    assert batching.chunks(3, 8, ddim, "concat", None) == [slice(0, 3)]
