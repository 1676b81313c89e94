"""In-notebook checks for the exercises: ``check("rrdb", RRDB)``.

Each check builds small inputs, calls the student's object and reports, in
the student's terms, what is right and what is wrong. They live here (not in
the notebooks) so editing a notebook cannot weaken them; the grader reuses
them. Taught in: exercises 01-03.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class Report:
    task: str
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        lines = [f"check {self.task!r}: {'all passed' if self.ok else 'some checks failed'}"]
        lines += [f"  [ok]   {m}" for m in self.passed] + [f"  [FAIL] {m}" for m in self.failed]
        return "\n".join(lines)


def _run(report: Report, description: str, fn) -> None:
    """Run one sub-check; an exception is a failure with its message."""
    try:
        problem = fn()
    except NotImplementedError:
        problem = "not implemented yet (the cell still raises NotImplementedError)"
    except Exception as exc:  # the student's code crashed: say where
        problem = f"raised {exc.__class__.__name__}: {exc}"
    (report.failed.append(f"{description}: {problem}") if problem
     else report.passed.append(description))


# ----------------------------------------------------------------- exercise 01
def _coordinate_pair(h: int, w: int, scale: int):
    """HR whose pixels store their own (row, col); LR pixel (i, j) stores HR corner (i*s, j*s)."""
    rows, cols = np.mgrid[0: h * scale, 0: w * scale]
    img_hr = np.stack([rows, cols, np.zeros_like(rows)], axis=-1)
    img_lr = img_hr[::scale, ::scale].copy()
    return img_lr, img_hr


def check_paired_crop(fn) -> Report:
    report = Report("paired_crop")
    img_lr, img_hr = _coordinate_pair(20, 30, 4)

    def shapes():
        lr, hr = fn(img_lr, img_hr, 8, 4, np.random.default_rng(0))
        if lr.shape != (8, 8, 3) or hr.shape != (32, 32, 3):
            return f"expected LR (8, 8, 3) and HR (32, 32, 3), got {lr.shape} and {hr.shape}"

    def aligned():
        for seed in range(20):
            lr, hr = fn(img_lr, img_hr, 8, 4, np.random.default_rng(seed))
            if not np.array_equal(hr[::4, ::4], lr):
                return ("the HR crop does not start at the LR corner times the scale "
                        f"(LR corner {tuple(lr[0, 0, :2] // 4)} -> HR corner {tuple(hr[0, 0, :2])})")

    def random_and_covering():
        corners = {tuple(fn(img_lr, img_hr, 8, 4, np.random.default_rng(s))[0][0, 0, :2] // 4)
                   for s in range(200)}
        if len(corners) < 20:
            return f"only {len(corners)} different crops in 200 draws: is the corner random?"
        if max(c[0] for c in corners) != 12 or max(c[1] for c in corners) != 22:
            return "crops never reach the bottom/right border: the corner range is one too short"

    for name, f in (("shapes of LR and HR crops", shapes), ("LR and HR crops aligned", aligned),
                    ("crops random over the whole image", random_and_covering)):
        _run(report, name, f)
    return report


def check_dihedral_pair(fn) -> Report:
    report = Report("augment_pair")
    img_lr, img_hr = _coordinate_pair(4, 5, 2)

    def eight_distinct():
        outs = set()
        for k in range(8):
            lr = fn(img_lr, img_hr, k)[0]
            outs.add(lr.tobytes() + bytes(lr.shape))
        if len(outs) != 8:
            return f"k = 0..7 should give 8 different transforms, got {len(outs)}"

    def same_on_both():
        for k in range(8):
            lr, hr = fn(img_lr, img_hr, k)
            if hr.shape[:2] != (lr.shape[0] * 2, lr.shape[1] * 2):
                return f"k={k}: HR shape {hr.shape} is not twice LR shape {lr.shape}"
            # the transformed pair must still be a valid pair: each LR pixel equals
            # some corner of its 2x2 HR block (which corner depends on the flip)
            blocks = hr.reshape(lr.shape[0], 2, lr.shape[1], 2, 3)
            match = (blocks == lr[:, None, :, None, :]).all(-1).any((1, 3))
            if not match.all():
                return f"k={k}: LR and HR were transformed differently"

    def identity_first():
        lr, hr = fn(img_lr, img_hr, 0)
        if not (np.array_equal(lr, img_lr) and np.array_equal(hr, img_hr)):
            return "k = 0 should be the identity"

    for name, f in (("k = 0 is the identity", identity_first),
                    ("8 distinct transforms", eight_distinct),
                    ("the same transform on LR and HR", same_on_both)):
        _run(report, name, f)
    return report


# ----------------------------------------------------------------- exercise 02
def _conv_channels(module: nn.Module) -> list[tuple[int, int]]:
    return [(m.in_channels, m.out_channels) for m in module.modules() if isinstance(m, nn.Conv2d)]


def check_rdb(cls) -> Report:
    report = Report("rdb")
    x = torch.randn(1, 64, 32, 32, generator=torch.Generator().manual_seed(0))

    def shape():
        out = cls(64, 32)(x)
        if tuple(out.shape) != (1, 64, 32, 32):
            return f"expected shape (1, 64, 32, 32), got {tuple(out.shape)}"

    def channels():
        got = _conv_channels(cls(64, 32))
        want = [(64, 32), (96, 32), (128, 32), (160, 32), (192, 64)]
        if got != want:
            return (f"conv (in, out) channels should be {want} (each conv sees the input and "
                    f"all earlier outputs), got {got}")

    def residual():
        block = cls(64, 32)
        convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
        with torch.no_grad():
            convs[-1].weight.zero_()
            convs[-1].bias.fill_(1.0)  # conv5 now outputs 1 everywhere
            out = block(x)
        if torch.allclose(out, x * 0.2):
            return "the residual is multiplied with the input (x * x5); it must be added"
        if not torch.allclose(out, x + 0.2, atol=1e-5):
            return "with conv5 = 1 the output should be x + 0.2 (residual scaling beta = 0.2)"

    for name, f in (("output shape", shape), ("dense channel arithmetic", channels),
                    ("residual x + 0.2 * conv5(...)", residual)):
        _run(report, name, f)
    return report


def check_rrdb(cls) -> Report:
    report = Report("rrdb")
    x = torch.randn(1, 64, 16, 16, generator=torch.Generator().manual_seed(0))

    def shape():
        out = cls(64, 32)(x)
        if tuple(out.shape) != (1, 64, 16, 16):
            return f"expected shape (1, 64, 16, 16), got {tuple(out.shape)}"

    def distinct():
        block = cls(64, 32)
        params = list(block.parameters())
        unique = {p.data_ptr() for p in params}
        n = sum(p.numel() for p in params)
        if n == 239_808 or len(unique) < 15:
            return "the three dense blocks share weights: build three separate blocks"
        if n != 719_424:
            return f"expected 719,424 parameters (three dense blocks), got {n:,}"

    def residual():
        block = cls(64, 32)
        with torch.no_grad():
            for m in block.modules():
                if isinstance(m, nn.Conv2d):
                    m.weight.zero_()
                    m.bias.zero_()  # every dense block is now the identity
            out = block(x)
        if torch.allclose(out, 0.2 * x * x, atol=1e-5) or torch.allclose(out, x * x, atol=1e-5):
            return "the outer residual is a product; it must be x + 0.2 * rdb3(rdb2(rdb1(x)))"
        if not torch.allclose(out, 1.2 * x, atol=1e-5):
            return "with identity dense blocks the output should be x + 0.2 * x = 1.2 x"

    for name, f in (("output shape", shape), ("three distinct dense blocks", distinct),
                    ("outer residual x + 0.2 * ...", residual)):
        _run(report, name, f)
    return report


# ----------------------------------------------------------------- exercise 03
def check_pixel_shuffle(fn) -> Report:
    report = Report("pixel_shuffle")
    g = torch.Generator().manual_seed(0)

    def equal_to_torch():
        for shape, r in (((1, 4, 3, 5), 2), ((2, 27, 4, 4), 3), ((3, 48, 2, 7), 4)):
            x = torch.randn(*shape, generator=g)
            out, want = fn(x, r), F.pixel_shuffle(x, r)
            if tuple(out.shape) != tuple(want.shape):
                return f"for input {shape} and r={r} expected shape {tuple(want.shape)}, got {tuple(out.shape)}"
            if not torch.equal(out, want):
                return f"values differ from nn.PixelShuffle for input {shape}, r={r}: check the permute order"

    _run(report, "equals nn.PixelShuffle on random tensors", equal_to_torch)
    return report


def check_num_upsample_stages(fn) -> Report:
    report = Report("num_upsample_stages")

    def counts():
        for scale, want in ((2, 1), (4, 2), (8, 3)):
            got = fn(scale)
            if got != want:
                hint = " (natural log? use log2)" if got == int(math.log(scale)) else ""
                return f"x{scale} needs {want} x2 stages, got {got}{hint}"

    _run(report, "x2 stages for x2, x4, x8", counts)
    return report


CHECKS = {
    "paired_crop": check_paired_crop,
    "augment_pair": check_dihedral_pair,
    "rdb": check_rdb,
    "rrdb": check_rrdb,
    "pixel_shuffle": check_pixel_shuffle,
    "num_upsample_stages": check_num_upsample_stages,
}


def run_check(task: str, obj) -> Report:
    """The ``Report`` of ``task`` on ``obj`` (used by ``check`` and the grader)."""
    if task not in CHECKS:
        raise ValueError(f"unknown check {task!r}; available: {', '.join(CHECKS)}")
    torch.manual_seed(0)
    return CHECKS[task](obj)


def check(task: str, obj) -> bool:
    """Run the checks of ``task`` on the student's ``obj`` and print what passed."""
    report = run_check(task, obj)
    print(report)
    return report.ok
