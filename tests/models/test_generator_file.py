"""GeneratorConfig, build_generator and generator.pt (read_generator, load_generator, save_generator)."""

import pytest
import torch

from srlib.models import GeneratorConfig, RRDBNet, build_generator, read_generator
from srlib.models.generator_file import load_generator, read_metadata, save_generator
from srlib.train import get_recipe, recipe_dict
from srlib.train.recipes import generator_of

TINY = [GeneratorConfig("rrdbnet", num_feat=8, num_block=1, num_grow_ch=4, scale=4),
        GeneratorConfig("srresnet", num_feat=8, num_block=1, scale=2),
        GeneratorConfig("msrresnet", num_feat=8, num_block=1, scale=4),
        GeneratorConfig("espcn", num_feat=8, num_block=1, scale=3)]


@pytest.mark.parametrize("config", TINY, ids=lambda c: c.architecture)
def test_generator_file_round_trip(tmp_path, config):
    model = build_generator(config).eval()
    path = save_generator(tmp_path / "g.pt", model, config, "test")
    read_config, state = read_generator(path)
    assert read_config == config
    x = torch.rand(1, 3, 6, 6)
    assert torch.equal(load_generator(path)(x), model(x))
    assert load_generator(path)(x).shape[-1] == 6 * config.scale


def test_config_is_checked_on_creation_and_says_what_is_valid():
    with pytest.raises(ValueError, match="scale=5 unsupported; use one of 2, 3, 4, 8"):
        GeneratorConfig(scale=5)
    with pytest.raises(ValueError, match="unknown generator architecture 'edsr'; use one of rrdbnet"):
        GeneratorConfig("edsr")
    with pytest.raises(ValueError, match="num_feat must be a positive integer"):
        GeneratorConfig(num_feat=0)
    with pytest.raises(ValueError, match=r"unknown generator settings \['depth'\]"):
        GeneratorConfig.from_dict({"architecture": "espcn", "depth": 3})
    with pytest.raises(ValueError, match="unknown generator architecture"):
        build_generator({"generator": "edsr", "num_feat": 8, "num_block": 1, "scale": 4})


def test_recipes_nest_their_generator_config():
    assert get_recipe("esrgan").generator == GeneratorConfig()  # RRDBNet 64 / 23 / 32, x4: the paper's
    assert get_recipe("srgan").generator == GeneratorConfig("srresnet", num_block=16)
    assert get_recipe("demo").generator.architecture == "espcn"
    assert get_recipe("esrgan").scale == 4
    demo = get_recipe("demo")
    assert (demo.num_feat, demo.num_block) == (40, 4)  # read-only spellings kept for old code


def test_checkpoints_written_before_the_config_name_their_generator():
    old_recipe = {"name": "esrgan", "generator": "rrdbnet", "num_feat": 16, "num_block": 2, "num_grow_ch": 8,
                  "scale": 4, "adversarial": "ragan"}  # recipe_dict of a checkpoint before GeneratorConfig
    assert generator_of(old_recipe) == GeneratorConfig("rrdbnet", 16, 2, 8, 4)
    assert generator_of(recipe_dict(get_recipe("demo"))) == get_recipe("demo").generator


def test_old_format_files_are_read_as_they_are(tmp_path):
    """srlib-generator-1 (the shipped course models' format) keyed the architecture as 'generator'."""
    model = build_generator(TINY[0]).eval()
    old = {"format": "srlib-generator-1", "recipe": "old", "metadata": {"note": "kept"},
           "config": {"generator": "rrdbnet", "num_feat": 8, "num_block": 1, "num_grow_ch": 4, "scale": 4},
           "state_dict": model.state_dict()}
    torch.save(old, tmp_path / "old.pt")
    config, state = read_generator(tmp_path / "old.pt")
    assert config == TINY[0] and state.keys() == model.state_dict().keys()
    assert read_metadata(tmp_path / "old.pt")["metadata"] == {"note": "kept"}
    config, _ = read_generator("psnr")  # a shipped model, by name
    assert config.architecture == "espcn"


def test_public_weights_are_the_papers_rrdbnet(tmp_path):
    torch.save(RRDBNet(num_feat=8, num_block=2, num_grow_ch=4).state_dict(), tmp_path / "public.pth")
    config, state = read_generator(tmp_path / "public.pth")
    assert config == GeneratorConfig("rrdbnet", 64, 23, 32, 4)
    with pytest.raises(ValueError, match="do not fit RRDBNet"):
        load_generator(tmp_path / "public.pth")


def test_half_precision_files_are_half_the_size_and_read_back_as_float32(tmp_path):
    """The shipped models are stored in float16 to stay within their 5 MB (issue #22)."""
    config = GeneratorConfig("rrdbnet", num_feat=16, num_block=1, num_grow_ch=8, bicubic_skip=True)
    model = build_generator(config)
    full = save_generator(tmp_path / "full" / "generator.pt", model, config)
    half = save_generator(tmp_path / "half" / "generator.pt", model, config, weights_dtype=torch.float16)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    read_config, state = read_generator(half)
    assert read_config == config and all(v.dtype == torch.float32 for v in state.values())
    for key, value in model.state_dict().items():
        torch.testing.assert_close(state[key], value.half().float())
