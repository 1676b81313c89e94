"""A class for ``srlib grade``: honest notebooks written differently from the solutions, and the time to grade.

    OMP_NUM_THREADS=1 python benchmarks/grading_class.py [--honest 30] [--unconfined]

builds ``--honest`` honest notebooks (the seven solutions and variants written
differently: ModuleList, ``setattr``/``getattr`` on ``self``, softplus,
``lerp``, ``einsum``, ...) plus the hostile class of
``benchmarks/hostile_class.py`` in a temporary folder, grades them with one
``srlib grade`` run and prints the time. The tests (``tests/course/grading``) build
the same notebooks with these functions. Taught in: README (instructors' section).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, EXERCISE_NBS = ROOT / "solutions", ROOT / "exercises"

# task object -> a correct definition written differently from the solution
VARIANTS = {
    "modulelist_rdb": ("ex02_rrdb", "ResidualDenseBlock", (
        "class ResidualDenseBlock(nn.Module):\n"
        "    def __init__(self, num_feat=64, num_grow_ch=32):\n"
        "        super().__init__()\n"
        "        self.convs = nn.ModuleList(nn.Conv2d(num_feat + k * num_grow_ch,\n"
        "                                             num_grow_ch if k < 4 else num_feat, 3, 1, 1) for k in range(5))\n"
        "    def forward(self, x):\n"
        "        feats = [x]\n"
        "        for conv in self.convs[:4]:\n"
        "            feats.append(torch.nn.functional.leaky_relu(conv(torch.cat(feats, 1)), 0.2))\n"
        "        return torch.add(x, self.convs[4](torch.cat(feats, 1)), alpha=0.2)\n")),
    "setattr_rdb": ("ex02_rrdb", "ResidualDenseBlock", (
        "class ResidualDenseBlock(nn.Module):\n"
        "    def __init__(self, num_feat=64, num_grow_ch=32):\n"
        "        super().__init__()\n"
        "        for k in range(5):\n"
        "            setattr(self, f\"conv{k + 1}\", nn.Conv2d(num_feat + k * num_grow_ch,\n"
        "                                                   num_grow_ch if k < 4 else num_feat, 3, padding=1))\n"
        "        self.lrelu = nn.LeakyReLU(0.2)\n"
        "    def forward(self, x):\n"
        "        feats = [x]\n"
        "        for k in range(1, 5):\n"
        "            feats.append(self.lrelu(getattr(self, f\"conv{k}\")(torch.cat(feats, 1))))\n"
        "        return x + 0.2 * self.conv5(torch.cat(feats, 1))\n")),
    "setattr_rrdb": ("ex02_rrdb", "RRDB", (
        "class RRDB(nn.Module):\n"
        "    \"\"\"Should match srlib.models.RRDB.\"\"\"\n"
        "    def __init__(self, num_feat=64, num_grow_ch=32):\n"
        "        super().__init__()\n"
        "        for k in range(3):\n"
        "            setattr(self, 'rdb' + str(k + 1), ResidualDenseBlock(num_feat, num_grow_ch))\n"
        "    def forward(self, x):\n"
        "        out = x\n"
        "        for k in range(3):\n"
        "            out = getattr(self, f\"rdb{k + 1}\")(out)\n"
        "        return torch.add(x, out, alpha=0.2)\n")),
    "einsum_shuffle": ("ex03_pixel_shuffle", "pixel_shuffle", (
        "def pixel_shuffle(x, r):\n"
        "    b, c, h, w = x.shape\n"
        "    return torch.einsum('bcijhw->bchiwj', x.view(b, c // (r * r), r, r, h, w)).reshape(b, -1, h * r, w * r)\n")),
    "bits_stages": ("ex03_pixel_shuffle", "num_upsample_stages", (
        "def num_upsample_stages(scale):\n    return scale.bit_length() - 1\n")),
    "lerp_penalty": ("ex05_gradient_penalty_ragan", "gradient_penalty", (
        "def gradient_penalty(critic, real, fake, weight=10.0):\n"
        "    eps = torch.rand(real.shape[0], *[1] * (real.dim() - 1))\n"
        "    x = torch.lerp(fake, real, eps).detach().requires_grad_(True)\n"
        "    (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)\n"
        "    return weight * (g.flatten(1).norm(dim=1).sub(1).pow(2)).mean()\n")),
    "softplus_ragan": ("ex05_gradient_penalty_ragan", "ragan_discriminator_loss", (
        "def ragan_discriminator_loss(real_logits, fake_logits):\n"
        "    sp = torch.nn.functional.softplus\n"
        "    return sp(-(real_logits - fake_logits.mean())).mean() + sp(fake_logits - real_logits.mean()).mean()\n")),
}


def with_cell(folder: Path, exercise: str, source: str, student: str, after: str | None = None,
              base: Path = EXERCISE_NBS, name: str | None = None) -> Path:
    """A copy of an exercise (or solution) notebook with one extra code cell; its path.

    The cell goes before the first task's definition, or right after the cell that defines ``after``.
    """
    from srlib.course.exercises import EXERCISES

    nb = nbformat.read(base / f"{exercise}.ipynb", as_version=4)
    objs = [t.obj for t in EXERCISES[exercise].tasks]
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    defining = [i for i in code if any(f"def {o}(" in nb.cells[i].source or f"class {o}(" in nb.cells[i].source
                                       for o in ([after] if after else objs))]
    at = defining[-1] + 1 if after else defining[0]
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    path = folder / student / f"{name or exercise}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def plant(folder: Path, exercise: str, old: str, new: str, student: str = "student01") -> Path:
    """A copy of the solution with one change (``old`` replaced by ``new`` once); its path."""
    nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and old in c.source)
    cell.source = cell.source.replace(old, new, 1)
    path = folder / student / f"{exercise}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def honest_class(folder: Path, count: int) -> dict[tuple[str, str], int]:
    """``count`` honest notebooks under ``folder`` (solutions, then the variants, in turn); {(student, exercise): max}."""
    from srlib.course.exercises import EXERCISES

    made = {}
    kinds = [("solution", name) for name in EXERCISES] + [("variant", name) for name in VARIANTS]
    for k in range(count):
        kind, name = kinds[k % len(kinds)]
        student = f"honest{k:02d}_{name}"
        if kind == "solution":
            exercise = name
            (folder / student).mkdir(parents=True)
            shutil.copy(SOLUTIONS / f"{name}.ipynb", folder / student)
        else:
            exercise, obj, source = VARIANTS[name]
            with_cell(folder, exercise, source, student, after=obj, base=SOLUTIONS)
        made[(student, exercise)] = sum(t.points for t in EXERCISES[exercise].tasks)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--honest", type=int, default=30)
    parser.add_argument("--unconfined", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    from hostile_class import hostile_class

    from srlib.course.grading import grade

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "class"
        honest = honest_class(folder, args.honest)
        hostile = hostile_class(folder)
        start = time.monotonic()
        rows = grade([str(folder)], Path(tmp) / "grades.csv", timeout=30, progress=False, unconfined=args.unconfined)
        elapsed = time.monotonic() - start
    scores = {(r["student"], r["exercise"]): r["total"] for r in rows}
    wrong = [k for k, top in honest.items() if scores.get(k) != top]
    cheated = [k for k in hostile if scores.get(k, 0) != 0]
    print(f"{len(honest)} honest notebooks, {len(hostile)} hostile ones, {len(rows)} rows: graded in {elapsed:.0f} s "
          f"({'unconfined' if args.unconfined else 'bwrap'}); honest not at full marks: {wrong or 'none'}; "
          f"hostile with points: {cheated or 'none'}")
    return 1 if wrong or cheated else 0


if __name__ == "__main__":
    sys.exit(main())
