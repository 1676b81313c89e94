"""Exercise 02's judges: the residual dense block (RDB) and RRDB of ESRGAN (Wang et al. 2018, Sec. 3.1).

The dense block's probe (``srlib.course.exercises.probes.ex02_rrdb``) loads weights
drawn from the seed into the student's five convolutions (in the order they
were created) and runs the block; the judge runs a reference with those
weights and names the mistake when they differ: LeakyReLU's default slope
0.01, a LeakyReLU after conv5 or twice in a row, a product instead of a sum,
a missing 0.2 (source document 004's slips). Taught in: notebook 02, sections 3-4.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from srlib.course.exercises.core import Exercise, Step, Task
from srlib.course.exercises.probes import ex02_rrdb as probe
from srlib.course.exercises.probes.ex02_rrdb import ESRGAN_SIZE, dense_channels


def reference_rdb(x, weights, slope=0.2, act_after_conv5=False, combine="sum", beta=0.2):
    """ESRGAN's dense block as a function of its weights, and the usual mistakes as options."""
    feats = [x]
    for k, (w, b) in enumerate(weights):
        out = F.conv2d(torch.cat(feats, 1), w, b, padding=1)
        if k < 4 or act_after_conv5:
            out = F.leaky_relu(out, slope)
        feats.append(out)
    if combine == "product":
        return x * beta * out
    return beta * out if combine == "no skip" else x + beta * out


def rrdb_parameters(c: int, g: int, blocks: int = 3) -> int:
    """Parameters of ``blocks`` distinct dense blocks of size (c, g): 3 x 3 weights and a bias per conv."""
    return blocks * sum(c_in * c_out * 9 + c_out for c_in, c_out in dense_channels(c, g))


# ------------------------------------------------------------- dense block
def _judge_shape(shape, i):
    if shape != [1, 64, 8, 8]:
        return f"expected shape (1, 64, 8, 8), got {tuple(shape)}"


def _judge_channels(channels, i):
    sizes = {f"{c},{g}" for c, g in (ESRGAN_SIZE, i.small)}
    if not isinstance(channels, dict) or set(channels) != sizes:
        raise ValueError("expected the channels of two blocks")
    for key, got in channels.items():
        want = [list(p) for p in dense_channels(*(int(v) for v in key.split(",")))]
        if got != want:
            return (f"for ResidualDenseBlock({key.replace(',', ', ')}) the convs' (in, out) channels should be "
                    f"{[tuple(p) for p in want]} (each conv sees the input and all earlier outputs), "
                    f"got {[tuple(p) for p in got]}")


MISTAKES = (
    ({"slope": 0.01}, "the LeakyReLU slope is 0.01 (nn.LeakyReLU()'s default); ESRGAN uses nn.LeakyReLU(0.2)"),
    ({"slope": 0.0}, "ReLU is used; ESRGAN's dense block uses LeakyReLU with slope 0.2"),
    ({"slope": 0.04}, "a LeakyReLU(0.2) is applied twice in a row (negative values scaled by 0.04); apply it once"),
    ({"act_after_conv5": True}, "a LeakyReLU is applied after conv5; conv5 has no activation before the "
                                "residual scaling"),
    ({"slope": 0.01, "act_after_conv5": True}, "the LeakyReLU slope is 0.01 and a LeakyReLU follows conv5"),
    ({"combine": "product"}, "the residual is multiplied with the input (x * x5); it must be added"),
    ({"beta": 1.0}, "the residual scaling is missing: the output is x + 0.2 * conv5(...), not x + conv5(...)"),
    ({"combine": "no skip"}, "the block input is not added back: the output is x + 0.2 * conv5(...)"),
)


def _judge_output(observed, i):
    if observed["out"] is None:
        return "cannot run the block with chosen weights: fix the channel arithmetic (and keep the biases) first"
    got = torch.from_numpy(np.asarray(observed["out"], dtype=np.float32))
    want = reference_rdb(i.x_small, i.weights)
    if got.shape != want.shape:
        return f"expected output shape {tuple(want.shape)}, got {tuple(got.shape)}"
    if torch.allclose(got, want, atol=1e-4, rtol=1e-4):
        return None
    for options, message in MISTAKES:
        if torch.allclose(got, reference_rdb(i.x_small, i.weights, **options), atol=1e-4, rtol=1e-4):
            return message
    return (f"with the same weights your block's output differs from x + 0.2 * conv5(...) "
            f"(largest difference {float((got - want).abs().max()):.3g})")


# ------------------------------------------------------------------- RRDB
def _judge_rrdb_shape(s, i):
    return _judge_shape(s["shape"], i)


def _judge_distinct(s, i):
    if s["parameters"] == rrdb_parameters(*ESRGAN_SIZE, blocks=1) or s["tensors"] < 15:
        return "the three dense blocks share weights: build three separate blocks"
    if s["parameters"] != rrdb_parameters(*ESRGAN_SIZE):
        return f"expected {rrdb_parameters(*ESRGAN_SIZE):,} parameters (three dense blocks), got {s['parameters']:,}"


def _judge_outer_residual(out, i):
    got = torch.from_numpy(np.asarray(out, dtype=np.float32))
    if got.shape != i.x.shape:
        return f"expected shape {tuple(i.x.shape)}, got {tuple(got.shape)}"
    x = i.x
    if torch.allclose(got, 0.2 * x * x, atol=1e-5) or torch.allclose(got, x * x, atol=1e-5):
        return "the outer residual is a product; it must be x + 0.2 * rdb3(rdb2(rdb1(x)))"
    if not torch.allclose(got, 1.2 * x, atol=1e-5):
        return "with identity dense blocks the output should be x + 0.2 * x = 1.2 x"


def reference_rrdb(x, chain, beta=0.2):
    """ESRGAN's RRDB as a function of its 15 convs' weights: x + beta * rdb3(rdb2(rdb1(x)))."""
    out = x
    for k in range(3):
        out = reference_rdb(out, chain[5 * k: 5 * k + 5])
    return x + beta * out


def _judge_rrdb_output(observed, i):
    if observed["out"] is None:
        return ("cannot run the RRDB with chosen weights: it should hold three dense blocks of five convolutions "
                "(with biases), created in order")
    got = torch.from_numpy(np.asarray(observed["out"], dtype=np.float32))
    want = reference_rrdb(i.x_small, i.chain)
    if got.shape != want.shape:
        return f"expected output shape {tuple(want.shape)}, got {tuple(got.shape)}"
    if torch.allclose(got, want, atol=1e-4, rtol=1e-4):
        return None
    if torch.allclose(got, reference_rrdb(i.x_small, i.chain, beta=1.0), atol=1e-4, rtol=1e-4):
        return "the outer residual scaling is missing: the output is x + 0.2 * rdb3(rdb2(rdb1(x)))"
    return (f"with chosen weights your RRDB's output differs from x + 0.2 * rdb3(rdb2(rdb1(x))) "
            f"(largest difference {float((got - want).abs().max()):.3g}): are the three blocks run in a chain?")


LIBRARY = ("srlib.models.rrdb",)
EXERCISE = Exercise("ex02_rrdb", "02", "The residual dense block and RRDB", (
    Task(probe.RDB, 3, (
        Step("output shape", probe.rdb_shape, _judge_shape),
        Step("dense channel arithmetic", probe.rdb_channels, _judge_channels),
        Step("x + 0.2 * conv5(...), LeakyReLU(0.2) after convs 1-4 only", probe.rdb_output, _judge_output),
    ), LIBRARY),
    Task(probe.RRDB, 3, (
        Step("output shape", probe.rrdb_structure, _judge_rrdb_shape),
        Step("three distinct dense blocks", probe.rrdb_structure, _judge_distinct),
        Step("outer residual x + 0.2 * ...", probe.rrdb_identity_blocks, _judge_outer_residual),
        Step("three dense blocks in a chain, with chosen weights", probe.rrdb_output, _judge_rrdb_output),
    ), LIBRARY),
))
