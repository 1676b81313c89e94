"""``srlib train``: a training run in an output folder, resumable after a disconnect.

DIR/ holds ``ckpt_NNNNNN.pt`` (the last K), ``status.json``, ``best.pt``,
``metrics.csv``, ``tb/`` (TensorBoard), ``samples/`` (validation crops) and
``generator.pt``. ``minutes`` bounds a session: training stops at the first
iteration boundary after it, validates, and writes a checkpoint (also written
every ``save_minutes``, so a disconnect loses little); ``resume`` continues
with a new budget. Under ``torchrun`` each process trains on its slice of
every batch with DDP (NCCL on GPUs, gloo on CPUs); rank 0 writes the files.
``train`` is written as one loop, top to bottom (set-up, the loop, the
result), the way nanoGPT's ``train.py`` is. Taught in: notebook 06, section 5
and notebook 07, sections 4 and 7.
"""

from __future__ import annotations

import csv
import os
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist

from srlib.course import Profile, get_device, get_profile
from srlib.data import (SRDataset, div2k_folders, list_images, read_image_uint8, sample_dataset)
from srlib.models.generator_file import load_generator, save_generator
from srlib.infer.evaluate import bicubic_upscale
from srlib.train.budget import SpeedMeter, check_minutes, estimate, write_status
from srlib.train.checkpoint import (device_change_note, device_name, latest_checkpoint, load_checkpoint,
                                    save_checkpoint)
from srlib.train.recipes import Recipe
from srlib.train.trainer import Trainer


def datasets(data: str, recipe: Recipe, root: str = "data"):
    """(train, validation) datasets for 'samples', 'div2k' or a folder of HR images."""
    kw = dict(scale=recipe.scale, hr_patch=recipe.hr_patch, repeat=1000, seed=recipe.seed)
    if data == "samples":
        return sample_dataset("train", **kw), sample_dataset("val", scale=recipe.scale)
    if data == "div2k":
        from srlib.data import PairedFolderDataset

        sub_hr = Path(root) / "DIV2K" / "DIV2K_train_HR_sub"
        sub_lr = Path(root) / "DIV2K" / f"DIV2K_train_LR_bicubic_X{recipe.scale}_sub"
        if sub_hr.is_dir() and sub_lr.is_dir():  # the full-size images may be gone (srlib.course.colab)
            hr_dir, lr_dir = sub_hr, sub_lr
        else:
            hr_dir, lr_dir = div2k_folders(root, "train", recipe.scale)
        val_hr, val_lr = div2k_folders(root, "valid", recipe.scale)
        return (PairedFolderDataset(hr_dir, lr_dir, scale=recipe.scale, hr_patch=recipe.hr_patch,
                                    repeat=10, seed=recipe.seed),
                PairedFolderDataset(val_hr, val_lr, scale=recipe.scale))
    files = list_images(data)  # raises for a missing or empty folder
    if len(files) < 2:
        raise ValueError(f"{data}: need at least 2 images (one is held out for validation)")
    n_val = max(1, len(files) // 10)
    images = [read_image_uint8(p) for p in files]
    names = [p.name for p in files]
    return (SRDataset(images[:-n_val], names=names[:-n_val], **kw),
            SRDataset(images[-n_val:], names=names[-n_val:], scale=recipe.scale))


def prepare_out_dir(out: Path, resume: bool, overwrite: bool) -> Path | None:
    """The checkpoint to resume from (or None); refuses to mix runs in one folder."""
    ckpt = latest_checkpoint(out) if out.is_dir() else None
    if resume:
        if ckpt is None:
            raise FileNotFoundError(f"--resume: no checkpoint (ckpt_*.pt) in {out}; drop --resume "
                                    "to start a new run there")
        return ckpt
    holds_run = out.is_dir() and (ckpt is not None or (out / "generator.pt").exists())
    if holds_run and not overwrite:
        raise FileExistsError(f"{out} holds another run; pass --resume to continue it, --overwrite "
                              "to replace it, or choose another --out")
    if holds_run:
        for p in list(out.glob("ckpt_*.pt")) + [out / "best.pt", out / "generator.pt", out / "metrics.csv"]:
            p.unlink(missing_ok=True)
    return None


def setup_distributed() -> torch.device | None:
    """Initialise DDP when launched by torchrun (even with one process); this process's device, else None."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 and "TORCHELASTIC_RUN_ID" not in os.environ:
        return None
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        dist.init_process_group("nccl")
        return torch.device("cuda", local_rank)
    dist.init_process_group("gloo")
    return torch.device("cpu")


class RunLogger:
    """metrics.csv (appended across resumes) and TensorBoard, on rank 0."""

    def __init__(self, out: Path, start_iteration: int):
        self.path = out / "metrics.csv"
        rows = []
        if self.path.exists():  # drop rows past the checkpoint we resume from
            with open(self.path) as f:
                rows = [r for r in csv.DictReader(f) if int(r["iteration"]) <= start_iteration]
        self.rows = rows
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.tb = SummaryWriter(str(out / "tb"), purge_step=start_iteration + 1)
        except ImportError:  # tensorboard is optional at run time
            self.tb = None

    def log(self, iteration: int, values: dict) -> None:
        row = {k: f"{v:.6g}" for k, v in values.items()}
        if self.rows and int(self.rows[-1]["iteration"]) == iteration:  # more values for the same row
            self.rows[-1].update(row)
        else:
            self.rows.append({"iteration": iteration, **row})
        if self.tb is not None:
            for k, v in values.items():
                self.tb.add_scalar(k, v, iteration)
        keys = ["iteration"] + sorted({k for r in self.rows for k in r} - {"iteration"})
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            writer.writerows(self.rows)
        os.replace(tmp, self.path)


def save_samples(trainer: Trainer, out: Path) -> None:
    """bicubic | SR | HR crops of the first validation image, as ``samples/iter_NNNNNN.png``."""
    from srlib.data import save_image

    img_lr, img_hr = trainer.val_set[0]
    with torch.no_grad():
        img_sr = trainer.eval_model(img_lr[None].to(trainer.device)).float().clamp(0, 1)[0].cpu()
    size = min(128, img_hr.shape[-1], img_hr.shape[-2])
    crop = lambda t: t[:, :size, :size].permute(1, 2, 0).numpy()  # noqa: E731
    bicubic = bicubic_upscale(img_lr[None], trainer.recipe.scale)[0]  # (3, H, W)
    row = np.concatenate([crop(bicubic), crop(img_sr), crop(img_hr)], axis=1)  # (size, 3 * size, 3)
    save_image(row, out / "samples" / f"iter_{trainer.iteration:06d}.png")


def save_run_checkpoint(out: Path, trainer: Trainer, stop: int, is_best: bool = False) -> None:
    """``ckpt_NNNNNN.pt`` (and ``best.pt``), then ``status.json`` beside it."""
    recipe = trainer.recipe
    save_checkpoint(out, trainer.iteration, trainer.state_dict(), recipe.keep_last, is_best=is_best)
    write_status(out, {"recipe": recipe.name, "iteration": trainer.iteration, "total_iters": recipe.total_iters,
                       "stop": stop, "trained_minutes": trainer.trained_seconds / 60,
                       "seconds_per_iteration": trainer.seconds_per_iteration,
                       "device": device_name(trainer.device)})


def oom_message(recipe: Recipe) -> str:
    return (f"CUDA ran out of memory with batch {recipe.batch_size} and HR patch {recipe.hr_patch}: lower "
            "the batch size or the patch size (a YAML recipe, or --profile cpu for smaller ones), or use "
            "--amp bf16 / fp16; then resume with --resume")


def start_generator(trainer: Trainer, out: Path, ckpt: Path | None, init: str | None, stop: int,
                    max_iters: int | None, say) -> None:
    """Resume from ``ckpt``, or start the generator from ``init``, or warn that a GAN starts from scratch."""
    recipe = trainer.recipe
    if ckpt is not None:
        state = load_checkpoint(ckpt)
        if state["iteration"] >= stop:
            limit = f"--max-iters {max_iters}" if max_iters and max_iters < recipe.total_iters else \
                f"the end of the recipe ({recipe.total_iters:,} iterations)"
            raise ValueError(f"{out} is already at iteration {state['iteration']:,}, {limit}: nothing to "
                             f"train. Raise --max-iters to continue it (the recipe runs to "
                             f"{recipe.total_iters:,}); its generator is {out / 'generator.pt'}")
        trainer.load_state_dict(state, source=str(ckpt))
        note = device_change_note(state, trainer.device)
        if note:
            say(note)
    elif init:
        trainer.generator.load_state_dict(load_generator(init).state_dict())
        if trainer.ema is not None:
            trainer.ema.model.load_state_dict(trainer.generator.state_dict())
    elif recipe.is_gan:
        warnings.warn(f"{recipe.name} starts from scratch: GAN recipes should start from a PSNR-oriented "
                      "generator (--init DIR/generator.pt from srlib train --recipe *_psnr)", stacklevel=3)


def train(recipe: Recipe, data: str, out: str | Path, max_iters: int | None = None, resume: bool = False,
          init: str | None = None, overwrite: bool = False, device: str | None = None, amp: str = "auto",
          num_workers: int = 0, profile_name: str | None = None, progress: bool = True,
          minutes: float | None = None, save_minutes: float = 10.0, eval_images: int | None = None,
          session_hours: float = 12.0, profile: Profile | None = None) -> Path:
    """Run (or resume) training, for at most ``minutes`` if given; returns the path of ``generator.pt``.

    ``profile`` (or its name, ``profile_name``; default: by hardware) sets the device and the
    number of validation images; it is resolved once, here. The loop below is the whole of
    training: one step, then logging, validation and checkpoints, then the time budget.
    """
    # ---------------------------------------------------------------- set-up
    check_minutes(minutes)
    if max_iters is not None and max_iters < 1:
        raise ValueError(f"--max-iters must be at least 1, got {max_iters}")
    profile = profile if profile is not None else get_profile(profile_name)
    out = Path(out)
    ddp_device = setup_distributed()
    rank = dist.get_rank() if dist.is_initialized() else 0
    say = print if rank == 0 else (lambda *a, **k: None)
    if ddp_device is not None:
        dev = ddp_device
        say(f"DDP: backend {dist.get_backend()}, {dist.get_world_size()} process(es), device {device_name(dev)}")
    else:
        dev = torch.device(device) if device else get_device(profile)
    if profile.name == "gpu" and dev.type != "cuda":
        warnings.warn("the gpu profile's recipe on a CPU: this runs, but expect days, not hours "
                      "(an estimate is printed after the first iterations)", stacklevel=2)
    ckpt = prepare_out_dir(out, resume, overwrite) if rank == 0 else (latest_checkpoint(out) if resume else None)
    out.mkdir(parents=True, exist_ok=True)
    train_set, val_set = datasets(data, recipe)
    trainer = Trainer(recipe, train_set, val_set, device=dev, amp=amp, num_workers=num_workers,
                      eval_images=profile.eval_images if eval_images is None else eval_images)
    stop = min(max_iters, recipe.total_iters) if max_iters else recipe.total_iters
    start_generator(trainer, out, ckpt, init, stop, max_iters, say)
    logger = RunLogger(out, trainer.iteration) if rank == 0 else None
    best = max((float(r["psnr"]) for r in (logger.rows if logger else []) if r.get("psnr")), default=-1.0)

    # ---------------------------------------------------------------- the training loop
    from tqdm.auto import tqdm

    first = trainer.iteration
    started = last_save = trainer.start_session()
    meter = SpeedMeter(first)
    bar = tqdm(total=stop - first, desc=recipe.name, disable=not progress or rank != 0)
    try:
        for img_lr, img_hr in trainer.loader(stop):
            logs = trainer.step(img_lr, img_hr)  # 0-d tensors, still on the device
            it = trainer.iteration
            bar.update(1)
            at_check = it % trainer.guard.every == 0 or it == stop
            out_of_time = minutes is not None and trainer.out_of_time(started, 60 * minutes, at_check)
            last = it == stop or out_of_time
            if at_check or last:
                trainer.guard.check(it)  # reads the device (non-finite losses): the timing is honest
                trainer.seconds_per_iteration = meter.tick(it) or trainer.seconds_per_iteration
                if last:  # a session too short to exclude a warm-up is timed whole
                    trainer.seconds_per_iteration = meter.finish(it) or trainer.seconds_per_iteration
                bar.set_postfix(trainer.progress_postfix(logs))
            if it == first + 3 and dev.type == "cpu" and profile.name == "gpu":
                per_it = (time.perf_counter() - started) / 3
                warnings.warn(f"about {per_it * (stop - it) / 3600:.1f} hours to go on this CPU", stacklevel=2)
            if rank == 0:
                # log (and validate): every log_every / val_every iterations, and at the last one
                validate = bool(recipe.val_every) and (it % recipe.val_every == 0 or last)
                is_best = False
                if it % recipe.log_every == 0 or validate or last:
                    row = {k: float(v) for k, v in logs.items()}  # the one read of this step's values
                    row["learning_rate_g"] = trainer.opt_g.param_groups[0]["lr"]
                    if validate:
                        row.update(trainer.validate())  # psnr, ssim
                        save_samples(trainer, out)
                        is_best, best = row["psnr"] > best, max(best, row["psnr"])
                    logger.log(it, row)
                # checkpoint: every save_every iterations, every save_minutes, and at the last one
                if ((recipe.save_every and it % recipe.save_every == 0) or last
                        or time.perf_counter() - last_save > 60 * save_minutes):
                    save_run_checkpoint(out, trainer, stop, is_best)
                    last_save = time.perf_counter()
            if out_of_time:
                break
    except torch.cuda.OutOfMemoryError as exc:
        raise RuntimeError(oom_message(recipe)) from exc
    finally:
        bar.close()
        trainer.end_session()

    # ---------------------------------------------------------------- the result
    path = out / "generator.pt"
    if rank == 0:
        save_generator(path, trainer.eval_model, recipe.generator, recipe.name)
        if progress and trainer.seconds_per_iteration:
            it = trainer.iteration
            why = ("end of the recipe" if it >= recipe.total_iters else "--max-iters" if it >= stop
                   else "time budget")
            say(f"{recipe.name}: stopped at iteration {it:,} of {recipe.total_iters:,} ({why}) after "
                f"{(time.perf_counter() - started) / 60:.1f} min on {device_name(dev)}; "
                + str(estimate(trainer.seconds_per_iteration, recipe.total_iters, it, session_hours)))
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
    return path
