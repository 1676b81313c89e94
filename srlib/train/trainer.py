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
capability 8.0 and newer; else fp16 with a grad scaler, as on a T4), channels_last on CUDA, DDP under ``torchrun``. A step whose loss is
not finite is skipped (``guard.py``: on CUDA without a host-device
synchronisation per step); several in a row stop training with a message.
``fit`` stops at an iteration or a time budget and measures the seconds per
iteration. ``srlib.train.run.train`` writes the whole training loop out
(validation, logging, checkpoints); ``fit`` is the short loop the notebooks
use. Taught in: notebook 06, section 2 and notebook 07, sections 4 and 7.
"""

from __future__ import annotations

import time
import warnings

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.utils.data import DataLoader

from srlib.losses import PerceptualLoss, adversarial_losses, gradient_penalty
from srlib.infer.evaluate import evaluate_generator
from srlib.models.discriminator import SRGANDiscriminator
from srlib.models.esrgan_discriminator import ESRGANDiscriminator
from srlib.models.generator_config import build_generator
from srlib.train.ema import EMA
from srlib.train.guard import NonFiniteGuard
from srlib.train.recipes import Recipe, generator_of, recipe_dict
from srlib.train.sampler import IterationBatchSampler


def native_bf16(device: torch.device) -> bool:
    """Whether the CUDA ``device`` computes bf16 in hardware: compute capability 8.0 (Ampere) and newer.

    Not ``torch.cuda.is_bf16_supported()``: since PyTorch 2.4 it counts emulation
    (``including_emulation=True``) and says True on a T4 (7.5, Colab's free GPU),
    where bf16 runs emulated and slowly; fp16 with a gradient scaler is the T4's path.
    """
    return device.type == "cuda" and torch.cuda.get_device_capability(device) >= (8, 0)


def amp_dtype(device: torch.device, amp: str):
    """None (fp32), torch.bfloat16 or torch.float16 for ``amp`` in auto/off/bf16/fp16.

    ``auto``: fp32 off CUDA; bf16 on GPUs with native bf16 (``native_bf16``), else fp16,
    which the trainer pairs with a gradient scaler. Taught in: notebook 07, section 4.
    """
    if amp == "off" or (amp == "auto" and device.type != "cuda"):
        return None
    if amp == "auto":
        return torch.bfloat16 if native_bf16(device) else torch.float16
    return {"bf16": torch.bfloat16, "fp16": torch.float16}[amp]


def build_discriminator(recipe: Recipe):
    """The recipe's discriminator: SRGAN's (paper, Fig. 4) or ESRGAN's (BasicSR's layout)."""
    if recipe.discriminator == "esrgan":
        return ESRGANDiscriminator(input_size=recipe.hr_patch, num_feat=recipe.disc_feat,
                                   norm=recipe.discriminator_norm)
    return SRGANDiscriminator(input_size=recipe.hr_patch, num_feat=recipe.disc_feat, depth=recipe.disc_blocks // 2,
                              norm=recipe.discriminator_norm)


class Trainer:
    """``check_every``: how often the non-finite guard reads the device (``guard.py``);
    default 1 on the CPU, the recipe's ``log_every`` on CUDA."""

    def __init__(self, recipe: Recipe, train_set, val_set=None, device="cpu", amp: str = "auto",
                 num_workers: int = 0, eval_images: int = 0, max_bad_steps: int = 5,
                 check_every: int | None = None):
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
        self.generator = build_generator(recipe.generator).to(self.device, memory_format=self.memory_format)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=recipe.learning_rate_g, betas=recipe.betas,
                                      fused=fused or None)
        self.sched_g = torch.optim.lr_scheduler.MultiStepLR(self.opt_g, list(recipe.milestones), recipe.gamma)
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
            self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=recipe.learning_rate_d,
                                          betas=recipe.betas, fused=fused or None)
            self.sched_d = torch.optim.lr_scheduler.MultiStepLR(self.opt_d, list(recipe.milestones), recipe.gamma)
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
        self.seconds = 0.0  # training time of earlier sessions (from the checkpoint)
        self.seconds_per_iteration: float | None = None  # measured by fit
        self._session_start: float | None = None

    # ------------------------------------------------------------ one iteration
    def _autocast(self):
        return torch.autocast(self.device.type, dtype=self.dtype or torch.float32, enabled=self.dtype is not None)

    def _step(self, optimizer, loss) -> None:
        """Backward and step, skipped if the loss is not finite (``guard.py``)."""
        self.guard.step(optimizer, loss, self.scaler, self.iteration)

    def train_step(self, img_lr, img_hr) -> dict:
        """One iteration; returns the logged values as floats (reading them waits for the device)."""
        logs = self.step(img_lr, img_hr)
        self.guard.check(self.iteration)
        return {k: float(v) for k, v in logs.items()}

    def step(self, img_lr, img_hr) -> dict:
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
    def eval_model(self):
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

    @property
    def trained_seconds(self) -> float:
        """Training time over all sessions, this one included."""
        running = time.perf_counter() - self._session_start if self._session_start is not None else 0.0
        return self.seconds + running

    def _out_of_time(self, start: float, max_seconds: float, at_check: bool) -> bool:
        over = time.perf_counter() - start > max_seconds
        if self.world_size == 1:
            return over
        if not at_check:  # DDP: the ranks decide together, at check iterations only
            return False
        flag = torch.tensor(float(over), device=self.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())

    def start_session(self) -> float:
        """Start the clock of a training session (``trained_seconds`` counts it); returns its start."""
        self._session_start = time.perf_counter()
        return self._session_start

    def end_session(self) -> None:
        """Add this session's time to ``seconds`` (saved in checkpoints)."""
        if self._session_start is not None:
            self.seconds += time.perf_counter() - self._session_start
            self._session_start = None

    def out_of_time(self, start: float, max_seconds: float, at_check: bool) -> bool:
        """True once ``max_seconds`` have passed since ``start`` (under DDP: decided by all ranks
        together, at check iterations only, so that they stop at the same iteration)."""
        return self._out_of_time(start, max_seconds, at_check)

    def progress_postfix(self, logs: dict) -> dict:
        """The progress bar's text: losses, s/it and what the recipe's full schedule takes at that speed."""
        total = self.recipe.total_iters
        postfix = {k: f"{float(v):.3g}" for k, v in logs.items() if k.startswith("loss")}
        if self.seconds_per_iteration:
            postfix["s/it"] = f"{self.seconds_per_iteration:.3g}"
            postfix[f"full {total:,}"] = f"{self.seconds_per_iteration * total / 3600:.3g} h"
        return postfix

    def fit(self, stop: int, max_seconds: float | None = None, callback=None, progress: bool = True) -> int:
        """Train until iteration ``stop``, or the first iteration boundary after ``max_seconds``.

        The short loop of the notebooks (``srlib.train.run.train`` is the full one, with
        validation, logs and checkpoints). ``callback(trainer, logs)`` runs after each step; ``logs``
        holds 0-d tensors (``float(v)`` reads one and waits for the device). Measures
        ``seconds_per_iteration`` (the first iteration, a warm-up, excluded). Returns the number
        of iterations done.
        """
        from tqdm.auto import tqdm

        from srlib.train.budget import SpeedMeter

        start, first = self.start_session(), self.iteration
        meter = SpeedMeter(first)
        bar = tqdm(total=stop - self.iteration, desc=self.recipe.name, disable=not progress or self.rank != 0)
        try:
            for img_lr, img_hr in self.loader(stop):
                logs = self.step(img_lr, img_hr)
                bar.update(1)
                at_check = self.iteration % self.guard.every == 0 or self.iteration == stop
                if at_check:
                    self.guard.check(self.iteration)  # reads the device: the timing below is honest
                    self.seconds_per_iteration = meter.tick(self.iteration) or self.seconds_per_iteration
                    bar.set_postfix(self.progress_postfix(logs))
                if callback is not None:
                    callback(self, logs)
                if max_seconds is not None and self._out_of_time(start, max_seconds, at_check):
                    break
            self.guard.check(self.iteration)  # a session may end between two checks
            self.seconds_per_iteration = meter.finish(self.iteration) or self.seconds_per_iteration
        finally:
            bar.close()
            self.end_session()
        return self.iteration - first

    # ------------------------------------------------------------ state
    def state_dict(self) -> dict:
        from srlib.train.checkpoint import device_name, rng_state

        state = {"iteration": self.iteration, "recipe": recipe_dict(self.recipe),
                 "generator": self.generator.state_dict(), "opt_g": self.opt_g.state_dict(),
                 "sched_g": self.sched_g.state_dict(), "scaler": self.scaler.state_dict(),
                 "rng": rng_state(), "seconds": self.trained_seconds, "device": device_name(self.device)}
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        if self.discriminator is not None:
            state.update(discriminator=self.discriminator.state_dict(), opt_d=self.opt_d.state_dict(),
                         sched_d=self.sched_d.state_dict())
        return state

    def load_state_dict(self, state: dict, source: str = "checkpoint") -> None:
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
        self.seconds = float(state.get("seconds", 0.0))
