"""Notebook 03's shipped upsampler networks: complete metadata, reproducible scores, real gains, clear errors."""

import pytest
import torch

from srlib.pretrained import NAMES, held_out_scores, pretrained_path
from srlib.pretrained.upsamplers import (SEEDS, UPSAMPLERS_PATH, VARIANTS, UpsamplerRecipe, build_testbed,
                                         load_upsamplers, train_upsampler)


@pytest.fixture(scope="module")
def shipped():
    return load_upsamplers()


def test_the_file_records_how_each_network_was_made(shipped):
    nets, recipe, meta = shipped
    assert recipe == UpsamplerRecipe(iters=recipe.iters)  # what notebook 03 trains under TRAIN_HERE
    assert recipe.iters >= 1000
    assert meta["command"].startswith("python tools/pretrain.py") and "CPU" in meta["device"]
    assert set(nets) == set(VARIANTS) == set(meta["runs"])
    for variant in VARIANTS:
        assert len(nets[variant]) == len(SEEDS)
        assert [run["seed"] for run in meta["runs"][variant]] == list(SEEDS)
        assert all(run["training_seconds"] > 0 for run in meta["runs"][variant])
    total = UPSAMPLERS_PATH.stat().st_size + sum(pretrained_path(name).stat().st_size for name in NAMES)
    assert total <= 5 * 2**20  # every shipped model together


@pytest.mark.slow  # 12 networks x 3 photos, PSNR and SSIM: about a minute on one core
def test_held_out_scores_are_reproduced_and_every_network_beats_bicubic(shipped):
    nets, _, meta = shipped
    for variant in VARIANTS:
        for net, run in zip(nets[variant], meta["runs"][variant]):
            scores = held_out_scores(net, net.scale)
            for key in ("psnr_y", "bicubic_psnr_y"):
                assert scores[key] == pytest.approx(run["held_out"][key], abs=0.01), (variant, run["seed"], key)
            assert scores["ssim_y"] == pytest.approx(run["held_out"]["ssim_y"], abs=1e-4)
            assert scores["psnr_y"] >= scores["bicubic_psnr_y"] + 0.5, (variant, run["seed"])  # it learned


def test_training_is_reproducible_and_trains():
    """Through the one training loop (Trainer.fit): the same seed gives the same network, bit for bit."""
    small = UpsamplerRecipe(num_feat=4, num_block=1, hr_patch=32, batch_size=2, iters=3)
    a, b = (train_upsampler("transposed conv", 1, small) for _ in range(2))
    assert not a.training
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(p, q), name
    start = build_testbed("transposed conv", 1, small).state_dict()
    assert any(not torch.equal(start[k], v) for k, v in a.state_dict().items())


def test_missing_or_damaged_files_say_how_to_regenerate(tmp_path):
    with pytest.raises(FileNotFoundError, match="python tools/pretrain.py --only upsamplers"):
        load_upsamplers(tmp_path / "none.pt")
    broken = tmp_path / "upsamplers.pt"
    broken.write_bytes(UPSAMPLERS_PATH.read_bytes()[:1000])
    with pytest.raises(ValueError, match="upsamplers.pt is damaged.*python tools/pretrain.py --only upsamplers"):
        load_upsamplers(broken)
    payload = torch.load(UPSAMPLERS_PATH, weights_only=True)
    del payload["state_dicts"]["nearest + conv"]
    torch.save(payload, broken)
    with pytest.raises(ValueError, match="damaged \\(KeyError: 'nearest \\+ conv'\\)"):
        load_upsamplers(broken)
    torch.save({"format": "something else"}, broken)
    with pytest.raises(ValueError, match="not a srlib-upsamplers-1 file"):
        load_upsamplers(broken)


def test_srlib_pretrained_lists_the_upsampler_set(capsys):
    from srlib.cli import main

    assert main(["pretrained"]) == 0
    out = capsys.readouterr().out
    assert "notebook 03's upsampler comparison (upsamplers/upsamplers.pt)" in out
    assert all(f"\n{variant} " in out for variant in VARIANTS)
