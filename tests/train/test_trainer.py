"""Recipes, the trainer, checkpoints and resume, DDP on gloo, and ``srlib train``."""

import copy
import os
import subprocess
import sys

import helpers  # noqa: F401 (puts benchmarks/ on sys.path)
import pytest
import torch

from srlib.cli import main
from srlib.course import PROFILES
from srlib.data import sample_dataset
from srlib.models import GeneratorConfig
from srlib.models.generator_file import load_generator
from srlib.train import (EMA, IterationBatchSampler, Recipe, Trainer, get_recipe, recipe_from_yaml,
                         scaled)


def test_recipes_carry_the_papers_values():
    esrgan = get_recipe("esrgan")
    assert esrgan.adversarial == "ragan" and esrgan.adversarial_weight == 5e-3
    assert esrgan.pixel_weight == 1e-2 and esrgan.perceptual_layers == {"conv5_4": 1.0}
    assert esrgan.milestones == (50_000, 100_000, 200_000, 300_000) and esrgan.total_iters == 400_000
    srgan = get_recipe("srgan")
    assert srgan.perceptual_layers == {"relu5_4": 1.0} and srgan.adversarial_weight == 1e-3
    assert srgan.perceptual_scale == pytest.approx(1 / 12.75) and srgan.hr_patch == 96
    wgan = get_recipe("esrgan_wgangp")
    assert wgan.n_critic == 5 and wgan.discriminator_norm == "none" and wgan.betas == (0.0, 0.9)
    assert get_recipe("esrgan_psnr").pixel_criterion == "l1" and get_recipe("srresnet_psnr").pixel_criterion == "mse"


def test_recipes_scale_to_profiles():
    ci = scaled(get_recipe("esrgan"), PROFILES["ci"].recipe_size)
    assert ci.total_iters == PROFILES["ci"].train_iters and ci.vgg_weights == "random"
    assert scaled(get_recipe("esrgan"), PROFILES["gpu"].recipe_size) == get_recipe("esrgan")
    with pytest.raises(ValueError, match="valid recipes"):
        get_recipe("esrgan_plus")


def test_wgan_gp_with_batchnorm_is_refused():
    with pytest.raises(ValueError, match="must not use BatchNorm"):
        Recipe("x", adversarial="wgan-gp", discriminator_norm="batch")


def test_disc_blocks_sets_the_srgan_discriminators_depth_and_is_checked():
    """Issue #24: source document 004's "discriminator conv blocks" (4, 8, 16) as a recipe field."""
    from srlib.train.components import build_discriminator

    convs = lambda recipe: sum(isinstance(m, torch.nn.Conv2d) for m in build_discriminator(recipe).modules())  # noqa: E731
    gan = get_recipe("srgan")
    assert gan.disc_blocks == 8 and convs(gan) == 8  # the paper's eight convolutions
    assert convs(Recipe("x", adversarial="bce", hr_patch=48, disc_blocks=4, disc_feat=8)) == 4
    with pytest.raises(ValueError, match="must be divisible by 256"):
        Recipe("x", adversarial="bce", hr_patch=128, disc_blocks=16)
    with pytest.raises(ValueError, match="even integer"):
        Recipe("x", disc_blocks=5)
    with pytest.raises(ValueError, match="applies to discriminator='srgan' only"):
        Recipe("x", discriminator="esrgan", disc_blocks=4)


def test_recipe_from_yaml(tmp_path):
    (tmp_path / "r.yaml").write_text("name: esrgan\nadversarial_weight: 0.01\nmilestones: [10, 20]\n")
    r = recipe_from_yaml(tmp_path / "r.yaml")
    assert r.adversarial == "ragan" and r.adversarial_weight == 0.01 and r.milestones == (10, 20)
    (tmp_path / "g.yaml").write_text("name: esrgan\ngenerator: {num_block: 2}\n")
    assert recipe_from_yaml(tmp_path / "g.yaml").generator == GeneratorConfig(num_block=2)  # the rest: esrgan's
    (tmp_path / "old.yaml").write_text("name: esrgan\ngenerator: espcn\nnum_feat: 40\nnum_block: 4\n")
    assert recipe_from_yaml(tmp_path / "old.yaml").generator == GeneratorConfig("espcn", 40, 4)
    (tmp_path / "bad.yaml").write_text("name: x\nlearning_rate: 1\n")
    with pytest.raises(ValueError, match="unknown recipe fields"):
        recipe_from_yaml(tmp_path / "bad.yaml")


def test_sampler_is_a_function_of_the_iteration():
    full = list(IterationBatchSampler(10, 4, seed=1, start=0, stop=6))
    assert list(IterationBatchSampler(10, 4, seed=1, start=3, stop=6)) == full[3:]
    assert sorted(sum(full[:5], [])[:10]) == list(range(10))  # one epoch is a permutation
    ranks = [list(IterationBatchSampler(10, 2, seed=1, start=0, stop=3, rank=r, world_size=2)) for r in (0, 1)]
    merged = [a + b for a, b in zip(*ranks)]
    assert merged == list(IterationBatchSampler(10, 4, seed=1, start=0, stop=3))


def test_ema_update():
    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    ema = EMA(model, decay=0.9)
    torch.nn.init.ones_(model.weight)
    ema.update(model)
    assert ema.model.weight.item() == pytest.approx(0.1)


def tiny_trainer(name="esrgan_psnr", **kwargs):
    recipe = scaled(get_recipe(name), PROFILES["ci"].recipe_size)
    return Trainer(recipe, sample_dataset("val", 4, hr_patch=recipe.hr_patch, repeat=10),
                   sample_dataset("val", 4), **kwargs)


def test_non_finite_losses_are_skipped_then_stop():
    trainer = tiny_trainer()
    before = [p.clone() for p in trainer.generator.parameters()]
    img_lr = torch.full((2, 3, 12, 12), float("nan"))
    img_hr = torch.zeros(2, 3, 48, 48)
    with pytest.warns(UserWarning, match="non-finite loss"):
        trainer.train_step(img_lr, img_hr)
    assert all(torch.equal(a, b) for a, b in zip(before, trainer.generator.parameters()))
    with pytest.raises(RuntimeError, match="non-finite losses in a row"):
        with pytest.warns(UserWarning):
            for _ in range(5):
                trainer.train_step(img_lr, img_hr)


def test_autocast_path_runs_on_cpu_in_bf16():
    trainer = tiny_trainer("esrgan", amp="bf16")
    lr, hr = next(iter(trainer.loader(1)))
    logs = trainer.train_step(lr, hr)
    assert trainer.dtype == torch.bfloat16 and all(torch.isfinite(torch.tensor(v)) for v in logs.values())


def test_each_critic_step_draws_a_fresh_batch():
    """WGAN-GP (Gulrajani et al. 2017, Algorithm 1): n_critic critic steps, each on its own real batch."""
    trainer = tiny_trainer("esrgan_wgangp")
    n, batch = trainer.recipe.n_critic, trainer.recipe.batch_size
    img_lr, img_hr = next(iter(trainer.loader(1)))
    assert img_hr.shape[0] == n * batch  # the loader yields the iteration's n_critic batches
    seen = []
    trainer.discriminator.register_forward_hook(lambda m, args, out: seen.append(args[0].detach().clone()))
    trainer.train_step(img_lr, img_hr)
    # G step: D(real), D(fake); then per critic step: D(real_k), D(fake_k), D(interpolates) for the penalty
    reals = [seen[2 + 3 * k] for k in range(n)]
    for k, real in enumerate(reals):
        torch.testing.assert_close(real, img_hr[k * batch:(k + 1) * batch], msg=f"critic step {k}")
    assert not torch.equal(reals[0], reals[1])
    with pytest.raises(ValueError, match="n_critic=5 batches"):
        trainer.train_step(img_lr[:batch + 1], img_hr[:batch + 1])


def test_trainer_step_equals_the_benchmarks_hand_written_step():
    """Reference: benchmarks/train_step.py's plain ESRGAN iteration, on copies of the same modules."""
    from train_step import plain_step  # benchmarks/ (on sys.path via helpers)

    trainer = tiny_trainer("esrgan")
    trainer.ema = None
    r = trainer.recipe
    g, d = copy.deepcopy(trainer.generator), copy.deepcopy(trainer.discriminator)
    opt_g = torch.optim.Adam(g.parameters(), lr=r.learning_rate_g, betas=r.betas)
    opt_d = torch.optim.Adam(d.parameters(), lr=r.learning_rate_d, betas=r.betas)
    img_lr, img_hr = next(iter(trainer.loader(1)))
    plain_step(g, d, trainer.perceptual, opt_g, opt_d, img_lr, img_hr, r)
    trainer.train_step(img_lr, img_hr)
    for (name, a), b in zip(trainer.generator.named_parameters(), g.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)
    for (name, a), b in zip(trainer.discriminator.state_dict().items(), d.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)


def test_every_recipe_takes_a_step():
    for name in ("srresnet_psnr", "srgan", "esrgan", "esrgan_wgangp"):
        trainer = tiny_trainer(name)
        lr, hr = next(iter(trainer.loader(1)))
        logs = trainer.train_step(lr, hr)
        assert logs["loss_g"] == logs["loss_g"], name  # not NaN
        if name != "srresnet_psnr":
            assert "loss_d" in logs


def cli(*args):
    return main(["train", "--profile", "ci", "--quiet", *args])


def generator_state(folder):
    return torch.load(folder / "generator.pt", weights_only=True)["state_dict"]


def test_interrupted_and_resumed_run_is_bit_identical(tmp_path):
    """--max-iters 2 then --max-iters 4 --resume equals one --max-iters 4 run (the GP and the critic's
    fresh batches draw random numbers)."""
    with pytest.warns(UserWarning):
        assert cli("--recipe", "esrgan_wgangp", "--out", str(tmp_path / "one"), "--max-iters", "4") == 0
        assert cli("--recipe", "esrgan_wgangp", "--out", str(tmp_path / "two"), "--max-iters", "2") == 0
        assert cli("--recipe", "esrgan_wgangp", "--out", str(tmp_path / "two"), "--max-iters", "4", "--resume") == 0
    a, b = generator_state(tmp_path / "one"), generator_state(tmp_path / "two")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    disc_a = torch.load(tmp_path / "one" / "ckpt_000004.pt", weights_only=True)["discriminator"]
    disc_b = torch.load(tmp_path / "two" / "ckpt_000004.pt", weights_only=True)["discriminator"]
    assert all(torch.equal(disc_a[k], disc_b[k]) for k in disc_a)
    rows = (tmp_path / "two" / "metrics.csv").read_text().splitlines()
    assert rows[-1].startswith("4,")


def test_output_folder_rules(tmp_path, capsys):
    out = str(tmp_path / "run")
    assert cli("--recipe", "esrgan_psnr", "--out", out, "--max-iters", "2") == 0
    assert main(["train", "--profile", "ci", "--recipe", "esrgan_psnr", "--out", out, "--max-iters", "2"]) == 2
    assert "holds another run" in capsys.readouterr().err
    assert cli("--recipe", "esrgan_psnr", "--out", out, "--max-iters", "2", "--overwrite") == 0
    assert cli("--recipe", "srresnet_psnr", "--out", out, "--max-iters", "4", "--resume") == 2
    assert "another recipe" in capsys.readouterr().err
    assert cli("--recipe", "esrgan_psnr", "--out", str(tmp_path / "empty"), "--resume") == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_gan_recipe_starts_from_init_or_warns(tmp_path):
    assert cli("--recipe", "esrgan_psnr", "--out", str(tmp_path / "psnr"), "--max-iters", "2") == 0
    init = str(tmp_path / "psnr" / "generator.pt")
    assert cli("--recipe", "esrgan", "--out", str(tmp_path / "gan"), "--max-iters", "1", "--init", init) == 0
    with pytest.warns(UserWarning, match="starts from scratch"):
        cli("--recipe", "esrgan", "--out", str(tmp_path / "gan2"), "--max-iters", "1")


def test_keep_last_checkpoints_and_best(tmp_path):
    assert cli("--recipe", "esrgan_psnr", "--out", str(tmp_path), "--max-iters", "40") == 0
    names = sorted(p.name for p in tmp_path.glob("*.pt"))
    assert names == ["best.pt", "ckpt_000020.pt", "ckpt_000030.pt", "ckpt_000040.pt", "generator.pt"]
    assert not list(tmp_path.glob("*.tmp"))
    model = load_generator(tmp_path / "generator.pt")
    assert model(torch.rand(1, 3, 8, 8)).shape == (1, 3, 32, 32)


def test_folder_data_and_missing_data(tmp_path, capsys):
    from srlib.data import write_sample_photos

    write_sample_photos(tmp_path / "photos", "val")
    assert cli("--recipe", "esrgan_psnr", "--data", str(tmp_path / "photos"), "--out",
               str(tmp_path / "run"), "--max-iters", "1") == 0
    (tmp_path / "none").mkdir()
    assert cli("--recipe", "esrgan_psnr", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "r2")) == 2
    assert "holds no images" in capsys.readouterr().err


@pytest.mark.slow
def test_ddp_with_gloo_and_two_processes(tmp_path):
    env = dict(os.environ, SRLIB_PROFILE="ci", OMP_NUM_THREADS="1")
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                             "--master_port", "29533", "-m", "srlib", "train", "--recipe", "esrgan_psnr",
                             "--out", str(tmp_path), "--max-iters", "2", "--quiet"],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "generator.pt").exists() and (tmp_path / "ckpt_000002.pt").exists()


@pytest.mark.parametrize("capability, expected", [((7, 5), torch.float16), ((7, 0), torch.float16),
                                                  ((8, 0), torch.bfloat16), ((9, 0), torch.bfloat16)])
def test_auto_precision_uses_bf16_only_where_the_gpu_computes_it(monkeypatch, capability, expected):
    """Issue #22: a T4 (7.5) trains in fp16 with a gradient scaler, even though
    torch.cuda.is_bf16_supported() says True there (it counts emulation)."""
    from srlib.train.components import amp_dtype

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    assert amp_dtype(torch.device("cuda", 0), "auto") == expected
    assert amp_dtype(torch.device("cpu"), "auto") is None
    assert amp_dtype(torch.device("cuda", 0), "fp16") == torch.float16
