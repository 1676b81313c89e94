"""One trainer for PSNR pre-training and GAN training (SRGAN, ESRGAN, WGAN-GP).

Per iteration (BasicSR's order):

1. generator step: L_G = w_pix L_pix + w_per L_percep + w_adv L_adv, with the
   discriminator frozen;
2. ``n_critic`` discriminator steps (plus the gradient penalty for WGAN-GP),
   each on a fresh batch as in Gulrajani et al. 2017, Algorithm 1: an
   iteration draws ``n_critic`` batches (``loader``); the generator step and
   the first critic step use the first, critic step k the k-th, whose fakes
   the generator makes without gradients. The batches are a function of the
   iteration (``sampler.py``), so a resumed run stays bit-identical.
3. EMA update, learning-rate schedulers.

Mixed precision on CUDA (bf16 on GPUs that compute it natively, compute
capability 8.0 and newer; else fp16 with a grad scaler, as on a T4),
channels_last on CUDA, DDP under ``torchrun``. A step whose loss is not finite is skipped (``guard.py``: on CUDA without a host-device
synchronisation per step); several in a row stop training with a message.
``fit`` is the course's one training loop: it stops at an iteration or a time
budget, measures the seconds per iteration and calls a callback after each
step (``srlib train``'s validation, logging and checkpoints are one,
``srlib.train.run_folder.RunRecorder``). Taught in: notebook 06, section 2 and
notebook 07, sections 4 and 7.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from srlib.infer.evaluate import evaluate_generator
from srlib.losses import PerceptualLoss, adversarial_losses, gradient_penalty
from srlib.models.generator_config import build_generator
from srlib.train.budget import SessionClock, SpeedMeter, budget_spent, progress_postfix
from srlib.train.components import amp_dtype, build_discriminator, optimizer_and_schedule
from srlib.train.ema import EMA
from srlib.train.guard import NonFiniteGuard
from srlib.train.recipes import Recipe, generator_of, recipe_dict
from srlib.train.sampler import IterationBatchSampler


class Trainer:
    """Trains the generator (and discriminator) of a ``Recipe``: one ``step``, and ``fit``, the loop.

    Args:
        recipe: what to optimise (losses, optimisers, schedule, sizes).
        train_set: (img_lr, img_hr) pairs, (3, h, w) and (3, h*s, w*s) in [0, 1]; None for a
            trainer that only steps on batches it is handed.
        val_set: whole images for ``validate``, or None.
        device: where to train; amp: 'auto', 'off', 'bf16' or 'fp16' (``amp_dtype``).
        num_workers: data-loader worker processes.
        eval_images: how many of ``val_set``'s images ``validate`` evaluates (0 = all).
        max_bad_steps: non-finite losses in a row that stop training (``guard.py``).
        check_every: how often the non-finite guard reads the device; default 1 on the CPU,
            the recipe's ``log_every`` on CUDA.
        generator: a network to train instead of the one ``recipe.generator`` describes
            (notebook 03's ``UpsamplerTestbed``, which no ``GeneratorConfig`` names); its
            ``scale`` must be the recipe's.
    """

    def __init__(self, recipe: Recipe, train_set: Dataset | None, val_set: Dataset | None = None,
                 device: str | torch.device = "cpu", amp: str = "auto", num_workers: int = 0,
                 eval_images: int = 0, max_bad_steps: int = 5, check_every: int | None = None,
                 generator: nn.Module | None = None):
        self.recipe, self.train_set, self.val_set = recipe, train_set, val_set
        self.device = torch.device(device)
        self.rank = dist.get_rank() if dist.is_initialized() else 0
        self.world_size = dist.get_world_size() if dist.is_initialized() else 1
        self.num_workers, self.eval_images, self.max_bad_steps = num_workers, eval_images, max_bad_steps
        self.dtype = amp_dtype(self.device, amp)
        self.memory_format = torch.channels_last if self.device.type == "cuda" else torch.contiguous_format
        if check_every is None:
            check_every = max(1, recipe.log_every) if self.device.type == "cuda" else 1
        self.guard = NonFiniteGuard(check_every, max_bad_steps, self.device)
        fused = self.guard.on_device  # fused Adam can skip a step on the device (found_inf)
        torch.manual_seed(recipe.seed)
        if generator is not None and getattr(generator, "scale", recipe.scale) != recipe.scale:
            raise ValueError(f"the generator upscales x{generator.scale} but the recipe {recipe.name!r} is "
                             f"x{recipe.scale}; build both for the same scale")
        generator = build_generator(recipe.generator) if generator is None else generator
        self.generator = generator.to(self.device, memory_format=self.memory_format)
        self.opt_g, self.sched_g = optimizer_and_schedule(self.generator, recipe.learning_rate_g, recipe, fused)
        self.ema = EMA(self.generator, recipe.ema_decay) if recipe.ema_decay > 0 else None
        self.perceptual = None
        if recipe.perceptual_weight > 0:
            with warnings.catch_warnings():
                if self.rank:  # one random-VGG warning per run, from rank 0
                    warnings.simplefilter("ignore")
                self.perceptual = PerceptualLoss(recipe.perceptual_layers, recipe.perceptual_criterion,
                                                 recipe.perceptual_scale, recipe.vgg_weights).to(self.device)
        self.discriminator = None
        if recipe.is_gan:
            self.discriminator = build_discriminator(recipe)
            self.discriminator.to(self.device, memory_format=self.memory_format)
            self.opt_d, self.sched_d = optimizer_and_schedule(self.discriminator, recipe.learning_rate_d, recipe, fused)
            self.d_loss_fn, self.g_loss_fn = adversarial_losses(recipe.adversarial)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.dtype == torch.float16)
        self.g_step_model, self.d_step_model = self.generator, self.discriminator
        if dist.is_initialized():  # torchrun, even with one process
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.g_step_model = DDP(self.generator, device_ids=ids)
            if self.discriminator is not None:
                self.d_step_model = DDP(self.discriminator, device_ids=ids)
        self.iteration = 0
        self.clock = SessionClock()  # training time over sessions (earlier ones from the checkpoint)
        self.seconds_per_iteration: float | None = None  # measured by fit
        self.last_of_session = False  # set by fit at a session's last iteration, for its callback

    # ------------------------------------------------------------ one iteration
    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.dtype or torch.float32, enabled=self.dtype is not None)

    def _step(self, optimizer, loss) -> None:
        """Backward and step, skipped if the loss is not finite (``guard.py``)."""
        self.guard.step(optimizer, loss, self.scaler, self.iteration)

    def train_step(self, img_lr: torch.Tensor, img_hr: torch.Tensor) -> dict:
        """One iteration; returns the logged values as floats (reading them waits for the device)."""
        logs = self.step(img_lr, img_hr)
        self.guard.check(self.iteration)
        return {k: float(v) for k, v in logs.items()}

    def step(self, img_lr: torch.Tensor, img_hr: torch.Tensor) -> dict:
        """One iteration; returns the logged values as 0-d tensors, without a host-device sync.

        ``img_lr``, ``img_hr``: (n_critic * B, 3, h, w) and (n_critic * B, 3, H, W) in [0, 1]: the
        ``n_critic`` batches of this iteration, one after the other (what ``loader`` yields).
        """
        r = self.recipe
        if img_lr.shape[0] % r.n_critic or img_lr.shape[0] != img_hr.shape[0]:
            raise ValueError(f"a {r.name} iteration takes n_critic={r.n_critic} batches of equal size, stacked "
                             f"(Trainer.loader yields them); got {img_lr.shape[0]} LR and {img_hr.shape[0]} HR images")
        img_lr = img_lr.to(self.device, non_blocking=True, memory_format=self.memory_format)
        img_hr = img_hr.to(self.device, non_blocking=True, memory_format=self.memory_format)
        batches = list(zip(img_lr.chunk(r.n_critic), img_hr.chunk(r.n_critic)))  # n_critic x ((B,3,h,w), (B,3,H,W))
        img_lr, img_hr = batches[0]
        logs = {}
        if self.discriminator is not None:
            self.discriminator.requires_grad_(False)
        with self._autocast():
            img_sr = self.g_step_model(img_lr)  # (B, 3, H, W)
            loss_g = torch.zeros((), device=self.device)
            if r.pixel_weight > 0:
                crit = F.l1_loss if r.pixel_criterion == "l1" else F.mse_loss
                logs["pixel"] = crit(img_sr.float(), img_hr)
                loss_g = loss_g + r.pixel_weight * logs["pixel"]
            if self.perceptual is not None:
                logs["perceptual"] = self.perceptual(img_sr.float(), img_hr)
                loss_g = loss_g + r.perceptual_weight * logs["perceptual"]
            if self.discriminator is not None:
                real_out = self.discriminator(img_hr).detach().float()  # no D update in the G step
                fake_out = self.discriminator(img_sr).float()
                logs["adversarial"] = self.g_loss_fn(real_out, fake_out)
                loss_g = loss_g + r.adversarial_weight * logs["adversarial"]
        logs["loss_g"] = loss_g
        self._step(self.opt_g, loss_g)
        if self.discriminator is not None:
            self.discriminator.requires_grad_(True)
            img_sr = img_sr.detach()
            for k, (critic_lr, critic_hr) in enumerate(batches):
                if k > 0:  # a fresh batch (Gulrajani et al., Algorithm 1): its fakes, without gradients
                    with torch.no_grad(), self._autocast():
                        img_sr = self.generator(critic_lr)  # (B, 3, H, W)
                with self._autocast():
                    real_out = self.d_step_model(critic_hr).float()
                    fake_out = self.d_step_model(img_sr).float()
                    loss_d = self.d_loss_fn(real_out, fake_out)
                if r.adversarial == "wgan-gp":
                    logs["gp"] = gradient_penalty(self.d_step_model, critic_hr.float(), img_sr.float(),
                                                  weight=r.gp_weight)
                    loss_d = loss_d + logs["gp"]
                self._step(self.opt_d, loss_d)
            logs["loss_d"], logs["d_real"], logs["d_fake"] = loss_d, real_out.mean(), fake_out.mean()
            self.sched_d.step()
        if self.ema is not None:
            self.ema.update(self.generator)
        self.sched_g.step()
        self.iteration += 1
        return {k: v.detach() for k, v in logs.items()}

    # ------------------------------------------------------------ loops
    def loader(self, stop: int) -> DataLoader:
        """This rank's batches from the current iteration to ``stop``: ``n_critic`` batches per iteration."""
        r = self.recipe
        sampler = IterationBatchSampler(len(self.train_set), r.batch_size * r.n_critic, r.seed, self.iteration,
                                        stop, self.rank, self.world_size)
        # a private generator: creating a DataLoader iterator would otherwise draw from the global
        # RNG, which the gradient penalty also uses, and a resumed run would drift
        return DataLoader(self.train_set, batch_sampler=sampler, num_workers=self.num_workers,
                          pin_memory=self.device.type == "cuda", persistent_workers=False,
                          generator=torch.Generator().manual_seed(r.seed + self.iteration))

    @property
    def eval_model(self) -> nn.Module:
        """The generator to evaluate and save: the EMA weights when the recipe keeps them."""
        return self.ema.model if self.ema is not None else self.generator

    def validate(self) -> dict:
        """Mean PSNR-Y / SSIM-Y (border = scale) of the EMA (or plain) generator on ``val_set``
        (its first ``eval_images``), by ``srlib.infer.evaluate_generator``."""
        model = self.eval_model
        was_training = model.training
        result = evaluate_generator(model, self.val_set, self.recipe.scale, self.device,
                                    max_images=self.eval_images or None, with_bicubic=False)
        model.train(was_training)
        return {"psnr": result["mean"]["model_psnr"], "ssim": result["mean"]["model_ssim"]}

    def fit(self, stop: int, max_seconds: float | None = None,
            callback: Callable[[Trainer, dict], None] | None = None, progress: bool = True) -> int:
        """Train until iteration ``stop``, or the first iteration boundary after ``max_seconds``.

        The course's one training loop: ``srlib train`` (whose logging, validation and
        checkpoints are a callback, ``srlib.train.run_folder.RunRecorder``), ``srlib demo``,
        the notebooks, the shipped models and notebook 03's upsampler set all train through it.
        ``callback(trainer, logs)`` runs after each step; ``logs`` holds 0-d tensors (``float(v)``
        reads one and waits for the device) and ``trainer.last_of_session`` is True at the
        session's last iteration. Measures ``seconds_per_iteration`` (the first iteration, a
        warm-up, excluded). Returns the number of iterations done.
        """
        from tqdm.auto import tqdm

        start, first = self.clock.start(), self.iteration
        meter = SpeedMeter(first)
        bar = tqdm(total=stop - first, desc=self.recipe.name, disable=not progress or self.rank != 0)
        try:
            for img_lr, img_hr in self.loader(stop):
                logs = self.step(img_lr, img_hr)  # 0-d tensors, still on the device
                bar.update(1)
                at_check = self.iteration % self.guard.every == 0 or self.iteration == stop
                timed_out = max_seconds is not None and budget_spent(start, max_seconds, at_check, self.device)
                self.last_of_session = self.iteration == stop or timed_out
                if at_check or self.last_of_session:
                    self.guard.check(self.iteration)  # reads the device: the timing below is honest
                    self.seconds_per_iteration = meter.tick(self.iteration) or self.seconds_per_iteration
                    if self.last_of_session:  # a session too short to exclude a warm-up is timed whole
                        self.seconds_per_iteration = meter.finish(self.iteration) or self.seconds_per_iteration
                    bar.set_postfix(progress_postfix(logs, self.seconds_per_iteration, self.recipe.total_iters))
                if callback is not None:
                    callback(self, logs)
                if timed_out:
                    break
        finally:
            bar.close()
            self.clock.stop()
            self.last_of_session = False
        return self.iteration - first

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """Everything a bit-identical resume needs: models, optimisers, schedules, scaler, EMA, RNGs."""
        from srlib.train.checkpoint import device_name, rng_state

        state = {"iteration": self.iteration, "recipe": recipe_dict(self.recipe),
                 "generator": self.generator.state_dict(), "opt_g": self.opt_g.state_dict(),
                 "sched_g": self.sched_g.state_dict(), "scaler": self.scaler.state_dict(),
                 "rng": rng_state(), "seconds": self.clock.seconds, "device": device_name(self.device)}
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        if self.discriminator is not None:
            state.update(discriminator=self.discriminator.state_dict(), opt_d=self.opt_d.state_dict(),
                         sched_d=self.sched_d.state_dict())
        return state

    def load_state_dict(self, state: dict, source: str = "checkpoint") -> None:
        """Continue from ``state``; a checkpoint of another recipe or architecture is refused."""
        from srlib.train.checkpoint import load_optimizer_state, load_scaler_state, set_rng_state

        theirs = state.get("recipe", {})
        differ = [f"{k}: {theirs.get(k)!r} vs {getattr(self.recipe, k)!r}" for k in ("name", "adversarial")
                  if theirs.get(k) != getattr(self.recipe, k)]
        if generator_of(theirs) != self.recipe.generator:
            differ.append(f"generator: {generator_of(theirs)} vs {self.recipe.generator}")
        if theirs.get("discriminator", "srgan") != self.recipe.discriminator:
            differ.append(f"discriminator: {theirs.get('discriminator', 'srgan')!r} vs {self.recipe.discriminator!r}")
        if differ:
            raise ValueError(f"{source} was written by another recipe or architecture ({'; '.join(differ)}); "
                             "resume with the same --recipe and --profile, or start a new --out folder")
        self.generator.load_state_dict(state["generator"])
        load_optimizer_state(self.opt_g, state["opt_g"])
        self.sched_g.load_state_dict(state["sched_g"])
        load_scaler_state(self.scaler, state["scaler"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        if self.discriminator is not None:
            self.discriminator.load_state_dict(state["discriminator"])
            load_optimizer_state(self.opt_d, state["opt_d"])
            self.sched_d.load_state_dict(state["sched_d"])
        set_rng_state(state["rng"])
        self.iteration = state["iteration"]
        self.clock = SessionClock(float(state.get("seconds", 0.0)))
