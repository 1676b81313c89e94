"""Time-bounded sessions (--minutes), the estimate, the sync-free non-finite guard, portable checkpoints."""

import warnings

import pytest
import torch

from srlib.cli import main
from srlib.course import PROFILES
from srlib.data import sample_dataset
from srlib.train import Trainer, estimate, get_recipe, run_status, scaled
from srlib.train.checkpoint import load_optimizer_state, load_scaler_state


def cli(*args):
    return main(["train", "--profile", "ci", "--quiet", *args])


def last_row(folder):
    return (folder / "metrics.csv").read_text().splitlines()[-1].split(",")


def test_minutes_stop_a_session_with_a_checkpoint_and_resume_continues(tmp_path):
    out = tmp_path / "run"
    assert cli("--recipe", "esrgan_psnr", "--out", str(out), "--minutes", "0.0005") == 0  # 30 ms
    status = run_status(out)
    first = status["iteration"]
    assert 1 <= first < 40, "stops at the first iteration boundary after the budget, not at the end"
    assert (out / f"ckpt_{first:06d}.pt").exists() and (out / "generator.pt").exists()
    assert status["trained_minutes"] > 0 and status["seconds_per_iteration"] > 0 and status["device"] == "cpu"
    assert last_row(out)[0] == str(first)
    assert list((out / "samples").glob(f"iter_{first:06d}.png")), "a bounded session still validates"
    assert cli("--recipe", "esrgan_psnr", "--out", str(out), "--minutes", "0.0005", "--resume") == 0
    second = run_status(out)
    assert first < second["iteration"] < 40 and second["trained_minutes"] > status["trained_minutes"]


@pytest.mark.parametrize("minutes", ["0", "-5", "nan"])
def test_non_positive_minutes_are_refused(tmp_path, capsys, minutes):
    assert cli("--recipe", "esrgan_psnr", "--out", str(tmp_path), "--minutes", minutes) == 2
    err = capsys.readouterr().err
    assert "--minutes must be a positive number" in err and "leave it out" in err
    assert not list(tmp_path.glob("ckpt_*.pt"))


def test_a_run_already_at_max_iters_says_what_to_do(tmp_path, capsys):
    assert cli("--recipe", "esrgan_psnr", "--out", str(tmp_path), "--max-iters", "2") == 0
    assert cli("--recipe", "esrgan_psnr", "--out", str(tmp_path), "--max-iters", "2", "--minutes", "5",
               "--resume") == 2
    err = capsys.readouterr().err
    assert "already at iteration 2, --max-iters 2: nothing to train" in err and "Raise --max-iters" in err
    assert cli("--recipe", "esrgan_psnr", "--out", str(tmp_path / "x"), "--max-iters", "0") == 2
    assert "--max-iters must be at least 1" in capsys.readouterr().err


def test_progress_reports_speed_and_the_full_schedule(tmp_path, capsys):
    assert main(["train", "--profile", "ci", "--recipe", "esrgan_psnr", "--out", str(tmp_path),
                 "--max-iters", "3"]) == 0
    out = capsys.readouterr().out
    assert "esrgan_psnr: stopped at iteration 3 of 40 (--max-iters)" in out
    assert "s/iteration: the full schedule of 40 iterations takes" in out


def test_estimate_hours_and_sessions():
    e = estimate(1.5, 400_000, done_iters=100_000, session_hours=12)
    assert e.full_hours == pytest.approx(1.5 * 400_000 / 3600)
    assert e.hours_left == pytest.approx(1.5 * 300_000 / 3600)
    assert e.sessions == 14  # 166.7 h / 12 h, rounded up
    with pytest.raises(ValueError, match="positive"):
        estimate(0, 10)


def test_resume_on_another_device_says_so(tmp_path, capsys):
    assert cli("--recipe", "esrgan_psnr", "--out", str(tmp_path), "--max-iters", "2") == 0
    path = tmp_path / "ckpt_000002.pt"
    state = torch.load(path, weights_only=True)
    state["device"] = "cuda (Tesla T4)"  # as written on a Colab T4
    torch.save(state, path)
    capsys.readouterr()
    assert cli("--recipe", "esrgan_psnr", "--out", str(tmp_path), "--max-iters", "3", "--resume") == 0
    assert "written on cuda (Tesla T4) on cpu: this works" in capsys.readouterr().out


def tiny(check_every, name="esrgan_psnr"):
    recipe = scaled(get_recipe(name), PROFILES["ci"].recipe_size)
    return Trainer(recipe, sample_dataset("val", 4, hr_patch=recipe.hr_patch, repeat=10), check_every=check_every)


def test_device_guard_skips_on_the_device_and_never_reads_it(monkeypatch):
    trainer = tiny(check_every=5)
    assert trainer.opt_g.param_groups[0]["fused"], "the device-side skip needs fused Adam"
    lr, hr = next(iter(trainer.loader(1)))
    trainer.step(lr, hr)  # one good step, so that Adam has moments to protect
    before = {k: v.clone() for k, v in trainer.generator.state_dict().items()}
    moments = {k: v.clone() for k, v in trainer.opt_g.state[next(trainer.generator.parameters())].items()}

    def host_read(*args):
        raise AssertionError("the step read a tensor on the host (a GPU synchronisation)")

    nan_lr = torch.full_like(lr, float("nan"))
    with monkeypatch.context() as m:
        for name in ("item", "tolist", "__bool__", "__float__", "__int__"):
            m.setattr(torch.Tensor, name, host_read)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no warning either: it comes at the check
            logs = trainer.step(nan_lr, hr)
    assert not torch.isfinite(logs["loss_g"])
    assert all(torch.equal(before[k], v) for k, v in trainer.generator.state_dict().items())
    after = trainer.opt_g.state[next(trainer.generator.parameters())]
    assert all(torch.equal(moments[k], after[k]) for k in moments), "moments and step count unchanged"
    with pytest.warns(UserWarning, match="1 non-finite loss"):
        trainer.guard.check(trainer.iteration)
    with pytest.raises(RuntimeError, match="6 non-finite losses in a row"):
        for _ in range(5):
            trainer.step(nan_lr, hr)
        trainer.guard.check(trainer.iteration)


def test_host_guard_reads_at_once():
    trainer = tiny(check_every=1)
    lr, hr = next(iter(trainer.loader(1)))
    with pytest.warns(UserWarning, match="iteration 0: non-finite loss"):
        trainer.step(torch.full_like(lr, float("nan")), hr)


@pytest.mark.parametrize("write, read", [(5, 1), (1, 5)], ids=["fused-to-foreach", "foreach-to-fused"])
def test_checkpoints_move_between_optimizer_implementations(write, read):
    """A GPU checkpoint (fused Adam) resumed on the CPU (foreach Adam), and the reverse."""
    a = tiny(write, "esrgan")
    batches = iter(a.loader(3))
    for _ in range(2):
        a.step(*next(batches))
    b = tiny(read, "esrgan")
    b.load_state_dict(a.state_dict())
    assert bool(b.opt_g.param_groups[0]["fused"]) == (read > 1) and b.iteration == 2
    logs = b.train_step(*next(batches))
    assert all(v == v for v in logs.values())


def test_an_empty_scaler_state_starts_a_fresh_scale():
    """A CPU or bf16 run saves a disabled scaler ({}); an fp16 resume must not fail on it."""
    enabled = torch.amp.GradScaler("cpu", enabled=True)
    load_scaler_state(enabled, {})
    assert enabled.get_scale() == 65536.0
    disabled = torch.amp.GradScaler("cpu", enabled=False)
    load_scaler_state(disabled, enabled.state_dict())
    assert not disabled.is_enabled()
    opt = torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], fused=True)
    load_optimizer_state(opt, torch.optim.Adam([torch.nn.Parameter(torch.ones(2))]).state_dict())
    assert opt.param_groups[0]["fused"] is True


def test_run_options_check_themselves_and_a_gpu_recipe_on_the_cpu_warns(tmp_path):
    from srlib.train.run import RunOptions, train

    with pytest.raises(ValueError, match="--max-iters must be at least 1"):
        RunOptions(tmp_path, max_iters=0)
    recipe = scaled(get_recipe("esrgan_psnr"), PROFILES["ci"].recipe_size)
    with pytest.warns(UserWarning, match="recipe on a CPU"):
        path = train(recipe, RunOptions(tmp_path, max_iters=1, device="cpu", progress=False, expect_cuda=True))
    assert path == tmp_path / "generator.pt" and path.exists()


def test_a_trainer_takes_a_network_of_the_recipes_scale_only():
    from srlib.models import UpsamplerTestbed

    recipe = scaled(get_recipe("esrgan_psnr"), PROFILES["ci"].recipe_size)
    net = UpsamplerTestbed(num_feat=4, num_block=1, scale=4)
    assert Trainer(recipe, None, generator=net).generator is net
    with pytest.raises(ValueError, match="upscales x2 but the recipe"):
        Trainer(recipe, None, generator=UpsamplerTestbed(num_feat=4, num_block=1, scale=2))
