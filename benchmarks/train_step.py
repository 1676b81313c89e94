"""One ESRGAN GAN iteration: the course trainer versus a plain hand-written loop.

Same modules (RRDBNet generator, VGG-style discriminator, VGG19 conv5_4
perceptual loss with random weights: nothing is downloaded), same batch,
same optimisers, measured side by side in one run: iterations per second
and peak memory (CUDA max allocated on a GPU, else the growth of the
process's peak RSS). ``--trials`` rounds (at least 5), alternating which loop
goes first; each round gives one ratio, and the median ratio is printed last
(``trials.py``). Target: trainer / plain >= 0.95 (the trainer adds no
overhead).

    python benchmarks/train_step.py [--iters 5] [--trials 5] [--size small|paper] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import resource
import time
import warnings

import torch
import torch.nn.functional as F

from trials import describe, interleaved, ratio_line

from srlib.course import PROFILES
from srlib.losses import ragan_discriminator_loss, ragan_generator_loss
from srlib.train import Trainer, get_recipe, scaled


def peak_memory_mb(device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def plain_step(g, d, perceptual, opt_g, opt_d, img_lr, img_hr, r):
    """ESRGAN's iteration written out by hand (BasicSR order: G step, then D step)."""
    d.requires_grad_(False)
    img_sr = g(img_lr)
    real_out = d(img_hr).detach()
    loss_g = (r.pixel_weight * F.l1_loss(img_sr, img_hr) + r.perceptual_weight * perceptual(img_sr, img_hr)
              + r.adversarial_weight * ragan_generator_loss(real_out, d(img_sr)))
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    d.requires_grad_(True)
    loss_d = ragan_discriminator_loss(d(img_hr), d(img_sr.detach()))
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()


def timed(fn, iters, device) -> float:
    fn()  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return iters / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=5, help="iterations per measurement")
    parser.add_argument("--trials", type=int, default=5, help="interleaved rounds (at least 5)")
    parser.add_argument("--size", choices=["small", "paper"], default="small")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    recipe = get_recipe("esrgan")
    if args.size == "small":
        recipe = scaled(recipe, PROFILES["cpu"].recipe_size)
    recipe.vgg_weights = "random"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer = Trainer(recipe, train_set=None, device=device, amp="off")
    g, d, perceptual = trainer.generator, trainer.discriminator, trainer.perceptual
    torch.manual_seed(0)
    lr_side = recipe.hr_patch // recipe.scale
    img_lr = torch.rand(recipe.batch_size, 3, lr_side, lr_side, device=device)
    img_hr = torch.rand(recipe.batch_size, 3, recipe.hr_patch, recipe.hr_patch, device=device)
    print(f"ESRGAN iteration, {args.size} size: generator {recipe.generator.num_feat} features x "
          f"{recipe.generator.num_block} "
          f"RRDB, batch {recipe.batch_size}, HR patch {recipe.hr_patch}, device {device.type}")
    opt_g = torch.optim.Adam(g.parameters(), lr=1e-4)
    opt_d = torch.optim.Adam(d.parameters(), lr=1e-4)
    steps = {"plain": lambda: plain_step(g, d, perceptual, opt_g, opt_d, img_lr, img_hr, recipe),
             "trainer": lambda: trainer.train_step(img_lr, img_hr)}
    peaks = {}

    def measure(name):
        def run():
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats()
            rate = timed(steps[name], args.iters, device)
            peaks[name] = max(peaks.get(name, 0.0), peak_memory_mb(device))
            return rate
        return run

    plain, course = interleaved(measure("plain"), measure("trainer"), args.trials)
    kind = "CUDA max allocated" if device.type == "cuda" else "process peak RSS (cumulative on the CPU)"
    print(f"plain loop: {describe(plain, 'it/s')}, peak memory {peaks['plain']:7.0f} MB")
    print(f"trainer:    {describe(course, 'it/s')}, peak memory {peaks['trainer']:7.0f} MB  [{kind}]")
    print(ratio_line("trainer / plain", course, plain, target=0.95))


if __name__ == "__main__":
    main()
