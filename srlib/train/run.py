"""``srlib train``: a training run in an output folder, resumable after a disconnect.

DIR/ holds ``ckpt_NNNNNN.pt`` (the last K), ``status.json``, ``best.pt``,
``metrics.csv``, ``tb/`` (TensorBoard), ``samples/`` (validation crops) and
``generator.pt``. ``RunOptions.minutes`` bounds a session: training stops at the first
iteration boundary after it, validates, and writes a checkpoint (also written
every ``run_folder.SAVE_MINUTES``, so a disconnect loses little); ``resume`` continues
with a new budget. Under ``torchrun`` each process trains on its slice of
every batch with DDP (NCCL on GPUs, gloo on CPUs); rank 0 writes the files.
``train`` reads top to bottom: set-up, the training loop (``Trainer.fit``, the
one loop of the course, with ``RunRecorder`` logging, validating and writing
checkpoints after each step), the result. Taught in: notebook 06, section 5
and notebook 07, sections 4 and 7.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist

from srlib.data import SRDataset, div2k_folders, list_images, read_image_uint8, sample_dataset
from srlib.models.generator_file import load_generator, save_generator
from srlib.train.budget import check_minutes, estimate
from srlib.train.checkpoint import device_change_note, device_name, latest_checkpoint, load_checkpoint
from srlib.train.recipes import Recipe
from srlib.train.run_folder import RunLogger, RunRecorder, prepare_out_dir
from srlib.train.trainer import Trainer


@dataclass
class RunOptions:
    """Where and how long ``train`` runs a recipe: everything but the recipe.

    Args:
        out: the run's folder (checkpoints, logs, ``generator.pt``).
        data: 'samples' (the bundled photos), 'div2k' (under ``data/``) or a folder of HR images.
        max_iters: stop at this iteration (resumable); None: the recipe's ``total_iters``.
        minutes: stop at the first iteration after this many minutes, with a checkpoint.
        resume: continue from the latest checkpoint in ``out``.
        overwrite: replace a run already in ``out``.
        init: a generator file (or shipped name) the generator starts from.
        device: 'cpu', 'cuda', 'cuda:1', ...; None: CUDA when present, else the CPU.
        amp: mixed precision, 'auto' (bf16/fp16 on CUDA, off on the CPU), 'off', 'bf16' or 'fp16'.
        num_workers: data-loader worker processes.
        eval_images: validation images evaluated (their first ones; 0 = all).
        progress: show a progress bar and the closing estimate.
        session_hours: the session length the closing estimate counts in (Colab's 12 h).
        expect_cuda: the recipe is sized for a GPU: on a CPU, warn, and estimate the hours
            after 3 iterations (``srlib train --profile gpu`` on a CPU).
    """

    out: str | Path
    data: str = "samples"
    max_iters: int | None = None
    minutes: float | None = None
    resume: bool = False
    overwrite: bool = False
    init: str | None = None
    device: str | torch.device | None = None
    amp: str = "auto"
    num_workers: int = 0
    eval_images: int = 0
    progress: bool = True
    session_hours: float = 12.0
    expect_cuda: bool = False

    def __post_init__(self) -> None:
        check_minutes(self.minutes)
        if self.max_iters is not None and self.max_iters < 1:
            raise ValueError(f"--max-iters must be at least 1, got {self.max_iters}")
        self.out = Path(self.out)


def datasets(data: str, recipe: Recipe, root: str = "data") -> tuple[SRDataset, SRDataset]:
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


def oom_message(recipe: Recipe) -> str:
    """What to do when CUDA runs out of memory with this recipe's batch and patch."""
    return (f"CUDA ran out of memory with batch {recipe.batch_size} and HR patch {recipe.hr_patch}: lower "
            "the batch size or the patch size (a YAML recipe, or --profile cpu for smaller ones), or use "
            "--amp bf16 / fp16; then resume with --resume")


def start_generator(trainer: Trainer, out: Path, ckpt: Path | None, init: str | None, stop: int,
                    max_iters: int | None, say: Callable[[str], None]) -> None:
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


def train(recipe: Recipe, options: RunOptions) -> Path:
    """Run (or resume) training of ``recipe`` as ``options`` say; returns the path of ``generator.pt``.

    Set-up (the device, the data, the trainer, a checkpoint to resume), then ``Trainer.fit`` with a
    ``RunRecorder``, then the generator (EMA weights when the recipe keeps them) and an estimate of
    what the recipe's full schedule costs at the measured speed.
    """
    # ---------------------------------------------------------------- set-up
    out = Path(options.out)
    ddp_device = setup_distributed()
    rank = dist.get_rank() if dist.is_initialized() else 0
    say = print if rank == 0 else (lambda *a, **k: None)
    if ddp_device is not None:
        dev = ddp_device
        say(f"DDP: backend {dist.get_backend()}, {dist.get_world_size()} process(es), device {device_name(dev)}")
    else:
        dev = torch.device(options.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    cpu_estimate = options.expect_cuda and dev.type != "cuda"
    if cpu_estimate:
        warnings.warn("the gpu profile's recipe on a CPU: this runs, but expect days, not hours "
                      "(an estimate is printed after the first iterations)", stacklevel=2)
    resume, overwrite = options.resume, options.overwrite
    ckpt = prepare_out_dir(out, resume, overwrite) if rank == 0 else (latest_checkpoint(out) if resume else None)
    out.mkdir(parents=True, exist_ok=True)
    train_set, val_set = datasets(options.data, recipe)
    trainer = Trainer(recipe, train_set, val_set, device=dev, amp=options.amp, num_workers=options.num_workers,
                      eval_images=options.eval_images)
    max_iters = options.max_iters
    stop = min(max_iters, recipe.total_iters) if max_iters else recipe.total_iters
    start_generator(trainer, out, ckpt, options.init, stop, max_iters, say)
    recorder = RunRecorder(out, stop, RunLogger(out, trainer.iteration), cpu_estimate) if rank == 0 else None

    # ---------------------------------------------------------------- the training loop
    started = time.perf_counter()
    minutes = options.minutes
    try:
        trainer.fit(stop, max_seconds=None if minutes is None else 60 * minutes, callback=recorder,
                    progress=options.progress)
    except torch.cuda.OutOfMemoryError as exc:
        raise RuntimeError(oom_message(recipe)) from exc

    # ---------------------------------------------------------------- the result
    path = out / "generator.pt"
    if rank == 0:
        save_generator(path, trainer.eval_model, recipe.generator, recipe.name)
        if options.progress and trainer.seconds_per_iteration:
            it = trainer.iteration
            why = ("end of the recipe" if it >= recipe.total_iters else "--max-iters" if it >= stop
                   else "time budget")
            say(f"{recipe.name}: stopped at iteration {it:,} of {recipe.total_iters:,} ({why}) after "
                f"{(time.perf_counter() - started) / 60:.1f} min on {device_name(dev)}; "
                + str(estimate(trainer.seconds_per_iteration, recipe.total_iters, it, options.session_hours)))
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
    return path
