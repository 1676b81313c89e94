"""The course's shipped models: complete metadata, reproducible held-out scores, names everywhere."""

import shutil

import pytest
import torch

from srlib.cli import main
from srlib.models import load_generator
from srlib.models.generator_file import read_metadata
from srlib.pretrained import NAMES, PRETRAINED_DIR, held_out_scores, list_pretrained, pretrained_path

META_KEYS = {"name", "recipe", "init", "iterations", "seed", "training_seconds", "device", "data", "vgg_weights",
             "command", "torch", "held_out"}


def test_every_shipped_model_records_how_it_was_made_within_5_mb():
    total = 0
    for name in NAMES:
        path = pretrained_path(name)
        total += path.stat().st_size
        meta = read_metadata(path)["metadata"]
        assert META_KEYS <= set(meta), (name, META_KEYS - set(meta))
        assert meta["command"].startswith("python tools/pretrain.py") and meta["iterations"] > 0
        assert (meta["init"] == "psnr") == (name != "psnr")
        assert (meta["vgg_weights"] in ("random", "imagenet")) == (name != "psnr")
        assert meta["recipe"]["adversarial"] == (None if name == "psnr" else name)
    assert total <= 5 * 2**20


@pytest.mark.parametrize("name", NAMES)
def test_held_out_scores_are_reproduced(name):
    """The one evaluation loop (``held_out_scores``, what tools/pretrain.py records) measures what each file says."""
    held = read_metadata(pretrained_path(name))["metadata"]["held_out"]
    scores = held_out_scores(load_generator(name), 4, with_gradient_energy=True)
    for key in ("psnr_y", "bicubic_psnr_y"):
        assert scores[key] == pytest.approx(held[key], abs=0.01), key
    assert scores["ssim_y"] == pytest.approx(held["ssim_y"], abs=1e-4)
    for key in ("gradient_energy", "bicubic_gradient_energy"):
        assert scores[key] == pytest.approx(held[key], abs=1e-3), key


def test_the_models_show_the_trade_off_they_are_shipped_for():
    rows = {row["name"]: row for row in list_pretrained()}
    psnr = rows["psnr"]
    assert psnr["psnr_y"] >= psnr["bicubic_psnr_y"] + 1.0  # the PSNR model clearly beats bicubic
    for name in ("bce", "wgan-gp", "ragan"):
        gan = rows[name]
        assert gan["gradient_energy"] > psnr["gradient_energy"] * 1.2, name  # visibly sharper
        assert gan["psnr_y"] >= gan["bicubic_psnr_y"] - 0.5, name  # and not collapsed


def test_names_work_wherever_a_weights_file_does(tmp_path, capsys):
    assert main(["pretrained"]) == 0
    out = capsys.readouterr().out
    assert all(f"\n{name} " in out for name in NAMES) and out.count(" espcn ") == len(NAMES)
    assert main(["evaluate", "--weights", "psnr", "--data", "samples", "--out", str(tmp_path / "ev")]) == 0
    assert main(["interpolate", "--psnr", "psnr", "--gan", "ragan", "--alpha", "0.5",
                 "--out", str(tmp_path / "half.pt")]) == 0
    half, psnr, ragan = (load_generator(p).state_dict() for p in (tmp_path / "half.pt", "psnr", "ragan"))
    key = next(iter(half))
    torch.testing.assert_close(half[key], (psnr[key] + ragan[key]) / 2)
    from srlib.data import load_photo, save_image

    save_image(load_photo("coffee")[:40, :48], tmp_path / "in.png")
    assert main(["upscale", "--weights", "ragan", str(tmp_path / "in.png"), str(tmp_path / "out.png")]) == 0


def test_unknown_or_damaged_names_say_what_to_do(tmp_path, monkeypatch, capsys):
    with pytest.raises(ValueError, match="the course ships: psnr, bce, wgan-gp, ragan"):
        load_generator("esrgan")
    assert main(["upscale", "--weights", "nope", "in.png", "out.png"]) == 2
    assert "the course ships" in capsys.readouterr().err
    fake = tmp_path / "pretrained"
    shutil.copytree(PRETRAINED_DIR, fake, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (fake / "ragan" / "generator.pt").write_bytes(b"not a model")
    monkeypatch.setattr("srlib.models.shipped.PRETRAINED_DIR", fake)
    with pytest.raises(ValueError, match="ragan/generator.pt is damaged.*python tools/pretrain.py --only ragan"):
        list_pretrained()
    with pytest.raises(ValueError, match="ragan/generator.pt is damaged.*python tools/pretrain.py --only ragan"):
        load_generator("ragan")


@pytest.mark.parametrize("name", NAMES)
def test_shipped_files_were_made_by_the_course_recipes(name):
    """What notebooks 05 and 08 train under TRAIN_HERE is what the shipped files record."""
    from srlib.pretrained.recipes import course_recipe
    from dataclasses import MISSING, fields

    from srlib.train.recipes import FLAT_GENERATOR_KEYS, Recipe, generator_of, recipe_dict

    meta = read_metadata(pretrained_path(name))["metadata"]
    expected = recipe_dict(course_recipe(name, meta["iterations"], meta["vgg_weights"] or "random"))
    recorded = dict(meta["recipe"])
    generator = generator_of(recorded).to_dict()  # files made before GeneratorConfig record flat keys
    recorded = {k: v for k, v in recorded.items() if k not in FLAT_GENERATOR_KEYS} | {"generator": generator}
    later = {f.name: f.default for f in fields(Recipe) if f.name not in recorded and f.default is not MISSING}
    recorded |= later  # fields added to Recipe after the files were made: their defaults are what ran
    for key in set(expected) | set(recorded):
        assert expected.get(key) == recorded.get(key), (name, key, expected.get(key), recorded.get(key))


def test_course_recipes_differ_only_in_the_adversarial_part():
    from dataclasses import asdict

    from srlib.pretrained.recipes import course_recipe

    gans = {name: asdict(course_recipe(name)) for name in ("bce", "wgan-gp", "ragan")}
    differing = {k for k in gans["bce"] if len({repr(g[k]) for g in gans.values()}) > 1}
    assert differing == {"name", "adversarial", "discriminator_norm", "n_critic", "betas"}
    assert gans["wgan-gp"]["discriminator_norm"] == "none" and gans["wgan-gp"]["n_critic"] == 5
    with pytest.raises(ValueError, match="psnr, bce, wgan-gp and ragan"):
        course_recipe("srgan")


def test_training_a_course_gan_needs_its_psnr_start():
    from srlib.pretrained.recipes import train_course_model

    with pytest.raises(ValueError, match="init="):
        train_course_model("ragan", iters=1)


def test_train_course_model_is_deterministic(tmp_path):
    from srlib.pretrained.recipes import train_course_model

    runs = [train_course_model("ragan", iters=2, init=load_generator("psnr"), progress=False).eval_model
            for _ in range(2)]
    first, second = (r.state_dict() for r in runs)
    assert all(torch.equal(first[k], second[k]) for k in first)
    start = load_generator("psnr").state_dict()
    assert any(not torch.equal(first[k], start[k]) for k in first)  # it trained
