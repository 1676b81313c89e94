"""Exercise 07's judges: one GAN training iteration, as ESRGAN and BasicSR run it.

One iteration, as BasicSR's ``ESRGANModel.optimize_parameters`` and srlib's ``Trainer.step`` run it:

1. **G step.** Freeze D (``requires_grad_(False)``), make ``img_sr = G(img_lr)``,
   compute G's loss (content + adversarial), ``opt_g.zero_grad()``,
   ``backward()``, ``opt_g.step()``. D's parameters get no gradient from it.
2. **D step.** Unfreeze D, score ``img_hr`` and ``img_sr.detach()`` (D's loss
   must not reach G), ``opt_d.zero_grad()``, ``backward()``, ``opt_d.step()``.

The probes (``srlib.course.exercises.probes.ex07_gan_training_step``) record, as plain
data, the gradients each optimizer saw when it stepped, which modules were
frozen at each D call and the order of the steps. The judge redoes the
iteration itself and names the mistake: not detaching the fake, not freezing
D, the wrong order or optimizer, a missing ``zero_grad``. Taught in: notebook 07.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from srlib.course.exercises.core import Exercise, Step, Task
from srlib.course.exercises.probes import ex07_gan_training_step as probe
from srlib.course.exercises.probes.ex07_gan_training_step import (d_loss, g_loss, inputs, make_discriminator,
                                                                  make_generator)


def explained(judge_step):
    """A judge that first turns autograd's errors into the mistake behind them."""
    def judge_or_explain(obs, i):
        error = str(obs["error"])
        if "a second time" in error:
            return ("D's loss was back-propagated into G's graph, which G's backward had already freed: "
                    "score img_sr.detach() in D's step")
        if "does not require grad" in error:
            return ("a loss has no gradient: is D still frozen in D's step (requires_grad_(True)), "
                    "or were its logits detached?")
        if error:
            return f"raised RuntimeError: {error}"
        return judge_step(obs, i)
    return judge_or_explain


@functools.lru_cache(maxsize=4)
def reference(seed: int) -> dict:
    """The iteration done right, from the same seed: each step's gradients and losses."""
    i = inputs(seed)
    generator, discriminator = make_generator(seed), make_discriminator(seed)
    discriminator.requires_grad_(False)
    img_sr = generator(i.img_lr)  # (4, 3, 8, 8)
    loss_g = g_loss(img_sr, i.img_hr, discriminator(i.img_hr), discriminator(img_sr))
    grads_g = torch.autograd.grad(loss_g, list(generator.parameters()))
    discriminator.requires_grad_(True)
    loss_d = d_loss(discriminator(i.img_hr), discriminator(img_sr.detach()))
    grads_d = torch.autograd.grad(loss_d, list(discriminator.parameters()))
    return {"G": grads_g, "D": grads_d, "loss_g": loss_g.item(), "loss_d": loss_d.item()}


def _as_tensors(grads) -> list:
    return [None if g is None else torch.from_numpy(np.asarray(g, dtype=np.float32)) for g in grads]


def _same(got, want) -> bool:
    """Whether two gradient lists agree; None counts as zero."""
    got, want = _as_tensors(got), _as_tensors(want)
    if len(got) != len(want) or any(w is None for w in want):
        return False
    got = [torch.zeros_like(w) if g is None else g for g, w in zip(got, want)]
    return all(g.shape == w.shape and torch.allclose(g, w, rtol=1e-4, atol=1e-6) for g, w in zip(got, want))


def _zero(grads) -> list:
    return [torch.zeros_like(g) for g in grads]


def _plus(a, b) -> list:  # fresh gradients added to stale ones: a missing zero_grad
    return [x + y for x, y in zip(a, b)]


def _steps(obs) -> list[dict]:
    return [e for e in obs["log"] if e["event"] in ("opt_g.step", "opt_d.step")]


def _d_calls(obs, after: str | None = None, before: str | None = None) -> list[dict]:
    """The D calls logged after the first ``after`` event and before the first ``before`` event."""
    log = obs["log"]
    where = {name: next((k for k, e in enumerate(log) if e["event"] == name), len(log)) for name in (after, before)}
    start = where[after] if after else -1
    stop = where[before] if before else len(log)
    return [e for e in log[start + 1:stop] if e["event"] == "D"]


def _loss(value, what: str) -> float:
    if value is None:
        raise ValueError(f"nothing was returned; return {what}")
    return float(np.asarray(value, dtype=np.float64).reshape(-1)[0])


def _judge_d_own_step(obs, i):
    ref, steps = reference(i.seed), _steps(obs)
    if [e["event"] for e in steps] != ["opt_d.step"]:
        return f"expected exactly one opt_d.step(), saw {[e['event'] for e in steps] or 'none'}"
    got = steps[0]["D"]
    if _same(got, _plus(ref["D"], i.stale_d)):
        return "D's gradients still hold the previous iteration's: call opt_d.zero_grad() before backward()"
    if not _same(got, ref["D"]):
        return "the gradients D stepped with are not those of d_loss_fn(D(img_hr), D(img_sr))"


def _judge_detached(obs, i):
    calls = _d_calls(obs)
    if any(c["input_requires_grad"] and not c["d_frozen"] for c in calls) or not _same(obs["G_after"], i.stale_g):
        return "D's loss reaches the generator: score img_sr.detach() in D's step"


def _judge_returned_d(obs, i):
    want = reference(i.seed)["loss_d"]
    got = _loss(obs["returned"], "D's loss")
    if not np.isclose(got, want, rtol=1e-4):
        return f"return D's loss ({want:.5f} here), got {got:.5f}"


def _judge_order(obs, i):
    order = [e["event"] for e in _steps(obs)]
    if order == ["opt_d.step", "opt_g.step"]:
        return "D was updated before G: this step updates G first (D frozen), then D on the detached fakes"
    if order != ["opt_g.step", "opt_d.step"]:
        return f"expected opt_g.step() then opt_d.step(), once each, saw {order or 'no step'}"


def _in_order(obs) -> str | None:
    if [e["event"] for e in _steps(obs)] != ["opt_g.step", "opt_d.step"]:
        return "cannot be checked until G and D step once each, in that order (see above)"
    return None


def _judge_frozen(obs, i):
    ref, steps = reference(i.seed), _steps(obs)
    if _in_order(obs):
        return _in_order(obs)
    g_step = steps[0]
    d_grads = g_step["D"]
    if any(not c["d_frozen"] for c in _d_calls(obs, before="opt_g.step")) or not (
            _same(d_grads, i.stale_d) or _same(d_grads, _zero(ref["D"]))):
        return ("D's parameters require gradients during G's step: call discriminator.requires_grad_(False) "
                "before it (and requires_grad_(True) before D's step)")
    if not obs["D_trainable_after"]:
        return "D is still frozen after the step: call discriminator.requires_grad_(True) before D's step"


def _judge_g_gradients(obs, i):
    ref, steps = reference(i.seed), _steps(obs)
    if _in_order(obs):
        return _in_order(obs)
    g_step = steps[0]
    if _same(g_step["G"], _plus(ref["G"], i.stale_g)):
        return "G's gradients still hold the previous iteration's: call opt_g.zero_grad() before backward()"
    if not _same(g_step["G"], ref["G"]):
        return "the gradients G stepped with are not those of g_loss_fn(img_sr, img_hr, D(img_hr), D(img_sr))"


def _judge_d_in_full_step(obs, i):
    ref, steps = reference(i.seed), _steps(obs)
    if _in_order(obs):
        return _in_order(obs)
    g_step, d_step = steps
    if _same(d_step["D"], _plus(ref["D"], i.stale_d)):
        return "D's gradients still hold the previous iteration's: call opt_d.zero_grad() before backward()"
    if not _same(d_step["D"], ref["D"]):
        return ("the gradients D stepped with are not those of d_loss_fn(D(img_hr), D(img_sr.detach())), "
                "with img_sr the one G's step made")
    calls = _d_calls(obs, after="opt_g.step")
    if any(c["input_requires_grad"] for c in calls) or not (
            _same(obs["G_after"], g_step["G"]) or _same(obs["G_after"], _zero(ref["G"]))):
        return "D's loss reaches the generator: score img_sr.detach() in D's step"


def _judge_returned_both(obs, i):
    ref, returned = reference(i.seed), obs["returned"]
    if not isinstance(returned, list) or len(returned) != 2:
        raise ValueError("expected (loss_g, loss_d)")
    got = [_loss(v, "(loss_g, loss_d)") for v in returned]
    if not np.allclose(got, [ref["loss_g"], ref["loss_d"]], rtol=1e-4):
        return (f"return (loss_g, loss_d) = ({ref['loss_g']:.5f}, {ref['loss_d']:.5f}) here, "
                f"got ({got[0]:.5f}, {got[1]:.5f})")


LIBRARY = ("srlib.train.trainer", "srlib.train.guard", "srlib.losses.adversarial")
EXERCISE = Exercise("ex07_gan_training_step", "07", "The GAN training step", (
    Task(probe.DISCRIMINATOR_STEP, 2, (
        Step("D's own optimizer, fresh gradients of D's loss", probe.run_d_step, explained(_judge_d_own_step)),
        Step("the fake is detached: nothing reaches G", probe.run_d_step, explained(_judge_detached)),
        Step("returns D's loss", probe.run_d_step, explained(_judge_returned_d)),
    ), LIBRARY),
    Task(probe.GAN_TRAINING_STEP, 4, (
        Step("G first, then D", probe.run_gan_step, explained(_judge_order)),
        Step("D frozen during G's step, trainable after", probe.run_gan_step, explained(_judge_frozen)),
        Step("G steps with the gradients of G's loss", probe.run_gan_step, explained(_judge_g_gradients)),
        Step("D steps on the detached fake with D's own gradients", probe.run_gan_step, explained(_judge_d_in_full_step)),
        Step("returns (loss_g, loss_d)", probe.run_gan_step, explained(_judge_returned_both)),
    ), LIBRARY),
))
