"""Every CUDA path of the course, exercised in at most 5 minutes, printed as one table.

    python benchmarks/gpu_check.py [--iters 20]

1. an ESRGAN GAN step under fp16 autocast with the grad scaler;
2. the same under bf16, where the GPU supports it;
3. channels_last: weights and activations in that layout, same output as contiguous;
4. DDP over NCCL through ``torchrun``, one process on one GPU (``srlib train``);
5. a checkpoint written on the GPU and resumed on the CPU;
6. the out-of-memory message, provoked on purpose (a batch of 2048);
7. iterations per second and peak memory of RRDBNet-23 at batch 16, HR patch
   128: the PSNR step and the GAN step (random batches already on the GPU:
   data loading is not timed; VGG19 with random weights: nothing downloaded);
8. the non-finite guard: the GAN step reading the device every step (the
   trainer before issue 13: host check, foreach Adam), versus on the device
   with one read per 100 steps (fused Adam), versus the same trainer reading
   its logs every step (the cost of the synchronisation alone).

Without CUDA it says that CUDA is missing and exits 0. Taught in: notebook 07
(README: "GPU check").
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import torch

from srlib.course import PROFILES
from srlib.train import Trainer, get_recipe, scaled
from srlib.train.components import native_bf16
from srlib.train.run import RunOptions, train

def run_check(name: str, fn, rows: list) -> None:
    """Run one check; record (name, PASS/FAIL/SKIP, detail, seconds); a failure never stops the others."""
    start = time.perf_counter()
    try:
        status, detail = fn()
    except Exception as exc:  # a failing path is a result, not a crash
        status, detail = "FAIL", f"{exc.__class__.__name__}: {(str(exc).splitlines() or [''])[0][:150]}"
    rows.append((name, status, detail, time.perf_counter() - start))
    torch.cuda.empty_cache()


def paper(name: str, **changes):
    return replace(get_recipe(name), vgg_weights="random", **changes)  # offline: no VGG download


def batch(recipe, n=None):
    n = n or recipe.batch_size
    lr_side = recipe.hr_patch // recipe.scale
    torch.manual_seed(0)
    return (torch.rand(n, 3, lr_side, lr_side, device="cuda"),
            torch.rand(n, 3, recipe.hr_patch, recipe.hr_patch, device="cuda"))


def trainer_for(recipe, **kwargs) -> Trainer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the random-VGG warning
        return Trainer(recipe, train_set=None, device="cuda", **kwargs)


def rate(step, iters: int) -> tuple[float, float]:
    """(iterations per second, peak GiB) of ``step`` after 3 warm-up calls."""
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(iters):
        step()
    torch.cuda.synchronize()
    return iters / (time.perf_counter() - start), torch.cuda.max_memory_allocated() / 2**30


def amp_step(amp: str):
    recipe = paper("esrgan", batch_size=4)
    trainer = trainer_for(recipe, amp=amp)
    first = next(trainer.generator.parameters()).detach().clone()
    lr, hr = batch(recipe)
    logs = [trainer.train_step(lr, hr) for _ in range(5)]
    finite = all(v == v and abs(v) != float("inf") for row in logs for v in row.values())
    moved = not torch.equal(first, next(trainer.generator.parameters()).detach())
    scale = f", grad scale {trainer.scaler.get_scale():g}" if trainer.scaler.is_enabled() else ""
    ok = finite and moved and trainer.dtype == {"fp16": torch.float16, "bf16": torch.bfloat16}[amp]
    return ("PASS" if ok else "FAIL",
            f"5 steps, finite losses {finite}, weights updated {moved}{scale}, loss_g {logs[-1]['loss_g']:.4f}")


def check_bf16(gpu: str):
    if not native_bf16(torch.device("cuda")):
        return "SKIP", f"{gpu} has no native bf16 (compute capability below 8.0)"
    return amp_step("bf16")


def check_channels_last():
    recipe = paper("esrgan_psnr", batch_size=2)
    trainer = trainer_for(recipe, amp="off")
    weights = [p for p in trainer.generator.parameters() if p.dim() == 4]
    layout = all(p.is_contiguous(memory_format=torch.channels_last) for p in weights)
    lr, _ = batch(recipe)
    with torch.no_grad():
        out_cl = trainer.generator(lr.contiguous(memory_format=torch.channels_last))
        out = trainer.generator.to(memory_format=torch.contiguous_format)(lr.contiguous())
    diff = (out_cl - out).abs().max().item()
    ok = layout and out_cl.is_contiguous(memory_format=torch.channels_last) and diff < 1e-3
    return "PASS" if ok else "FAIL", f"{len(weights)} conv weights channels_last: {layout}; output max |diff| {diff:.1e}"


def check_ddp(tmp: Path):
    with socket.socket() as s:
        s.bind(("", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "1", "--master_port", str(port),
           "-m", "srlib", "train", "--recipe", "esrgan", "--profile", "ci", "--out", str(tmp / "ddp"),
           "--max-iters", "3", "--quiet"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=240, env=dict(os.environ, SRLIB_PROFILE="ci"))
    line = next((x for x in result.stdout.splitlines() if x.startswith("DDP:")), "no DDP line")
    ok = result.returncode == 0 and "backend nccl" in line and (tmp / "ddp" / "ckpt_000003.pt").exists()
    return "PASS" if ok else "FAIL", line if ok else f"exit {result.returncode}: {result.stderr[-300:]}"


def check_gpu_to_cpu(tmp: Path, gpu: str):
    recipe = scaled(get_recipe("esrgan"), PROFILES["ci"].recipe_size)
    out = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(out):
        warnings.simplefilter("ignore")
        ci = dict(out=tmp / "move", eval_images=PROFILES["ci"].eval_images, progress=False)
        train(recipe, RunOptions(max_iters=2, device="cuda", **ci))
        train(recipe, RunOptions(max_iters=3, resume=True, device="cpu", **ci))
    status = json.loads((tmp / "move" / "status.json").read_text())
    said = "resuming a checkpoint written on cuda" in out.getvalue()
    ok = status["iteration"] == 3 and status["device"] == "cpu" and said
    return "PASS" if ok else "FAIL", f"iterations 1-2 on {gpu}, 3 on the CPU; the resume says so: {said}"


def check_oom(tmp: Path):
    recipe = paper("esrgan_psnr", batch_size=2048, val_every=0)
    try:
        train(recipe, RunOptions(tmp / "oom", max_iters=1, device="cuda", progress=False))
    except RuntimeError as exc:
        ok = "CUDA ran out of memory with batch 2048" in str(exc)
        return "PASS" if ok else "FAIL", str(exc)[:150]
    return "FAIL", "a batch of 2048 did not run out of memory"


def check_speed(name: str, iters: int, speeds: dict):
    recipe = paper(name)
    trainer = trainer_for(recipe)
    lr, hr = batch(recipe)
    its, peak = rate(lambda: trainer.step(lr, hr), iters)
    speeds[name] = its
    dtype = str(trainer.dtype).replace("torch.", "") if trainer.dtype else "fp32"
    return "PASS", f"{its:.2f} it/s ({1 / its:.3f} s/it), peak {peak:.1f} GiB, {dtype}"


def rate_of_every_step_check(recipe, lr, hr, iters: int) -> float:
    """The trainer as it was: the loss read on the host at every step, foreach Adam."""
    old = trainer_for(recipe, check_every=1)
    return rate(lambda: old.train_step(lr, hr), iters)[0]


def check_guard(iters: int, speeds: dict):
    recipe = paper("esrgan")
    lr, hr = batch(recipe)
    old_its = rate_of_every_step_check(recipe, lr, hr, iters)
    new = trainer_for(recipe)  # check_every = log_every (100): fused Adam skips on the device
    new_its = speeds.get("esrgan") or rate(lambda: new.step(lr, hr), iters)[0]
    sync_its, _ = rate(lambda: new.train_step(lr, hr), iters)  # the same, reading every step's logs
    return "PASS", (f"read every step {old_its:.2f} it/s; on the device {new_its:.2f} it/s (ratio "
                    f"{new_its / old_its:.3f}); same trainer reading its logs every step {sync_its:.2f} it/s "
                    f"(ratio {new_its / sync_its:.3f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=20, help="timed iterations per measurement")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print(f"CUDA is missing: torch.cuda.is_available() is False (torch {torch.__version__}, built for "
              f"CUDA {torch.version.cuda or 'none'}). Nothing to check here; run this on a machine with an "
              "NVIDIA GPU (on Colab: Runtime > Change runtime type > GPU).")
        return 0
    torch.backends.cudnn.benchmark = True
    tmp = Path(tempfile.mkdtemp(prefix="gpu-check-"))
    gpu, speeds, rows = torch.cuda.get_device_name(), {}, []
    started = time.perf_counter()
    checks = [
        ("ESRGAN GAN step, fp16 autocast + grad scaler", lambda: amp_step("fp16")),
        ("ESRGAN GAN step, bf16 autocast", lambda: check_bf16(gpu)),
        ("channels_last", check_channels_last),
        ("DDP over NCCL, torchrun, 1 GPU", lambda: check_ddp(tmp)),
        ("checkpoint written on the GPU, resumed on the CPU", lambda: check_gpu_to_cpu(tmp, gpu)),
        ("out-of-memory message (provoked)", lambda: check_oom(tmp)),
        ("RRDBNet-23 PSNR step, batch 16, HR 128", lambda: check_speed("esrgan_psnr", args.iters, speeds)),
        ("RRDBNet-23 GAN step, batch 16, HR 128", lambda: check_speed("esrgan", args.iters, speeds)),
        ("non-finite guard: host-device syncs", lambda: check_guard(args.iters, speeds)),
    ]
    for name, fn in checks:
        run_check(name, fn, rows)
    print(f"GPU: {gpu}; torch {torch.__version__}, CUDA {torch.version.cuda}; "
          f"checks took {time.perf_counter() - started:.0f} s\n")
    width = max(len(r[0]) for r in rows)
    print(f"| {'check':<{width}} | result | seconds | detail |")
    print(f"| {'-' * width} | ------ | ------- | ------ |")
    for name, status, detail, seconds in rows:
        print(f"| {name:<{width}} | {status:<6} | {seconds:7.1f} | {detail} |")
    return 1 if any(r[1] == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
