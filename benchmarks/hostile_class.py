"""The hostile class: notebooks by students who read srlib's open source and want points, or to hurt others.

Each entry of ``CHEATS`` is one student's extra cell in an exercise notebook
whose tasks are otherwise not done (``raise NotImplementedError``): every
point it could earn would come from the trick. ``flagged`` says whether the
grader's reader flags it for review (then it must not run unless accepted);
the rest run and must score 0 anyway. The issue that asked for each is in
its comment (#21: the grader's red-team rounds). ``hostile_class`` writes
them and the malformed submissions, for ``tests/course/grading`` and
``benchmarks/grading_class.py``. Taught in: README (instructors' section).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat

from grading_class import SOLUTIONS, with_cell

FORGE = (  # the worker's own objects, reached through frames, and a forged report of the built-in's output
    "import sys, os\nimport torch.nn.functional as F\n"
    "f = sys._getframe()\n"
    "while f is not None and 'report' not in f.f_locals:\n    f = f.f_back\n"
    "main = f.f_locals\n"
    "from srlib.course.exercises.probing import observe\nfrom srlib.course.exercises.observations import pack\n"
    "obs = observe(main['probe'], F.pixel_shuffle, main['job']['seed'], guard=main['guard'])\n"
    "obs['builtins'], obs['identity'] = [], {'modules': [], 'name': 'pixel_shuffle'}\n"
    "data = pack({'task': 'pixel_shuffle', 'nonce': main['job']['nonce'], 'messages': [], 'observations': obs})\n"
    "main['report'].write(b'result %d\\n' % len(data) + data)\nmain['report'].flush()\nos._exit(0)")

# student: (exercise, cell, after this object's definition (None: before all), the task it aims at, flagged)
# A cell reaches a task only if it comes before that task's (last) definition.
CHEATS = {
    # the table
    "run_exec_judge": ("ex02_rrdb", (
        "run = exec\n"
        "run(\"import sys\\nref = sys.modules.get('srlib.course.exercises.ex02_rrdb') or "
        "__import__('srlib.course.exercises.ex02_rrdb', fromlist=['x'])\")\n"
        "class ResidualDenseBlock(nn.Module):\n"
        "    def __init__(self, c=64, g=32):\n"
        "        super().__init__()\n"
        "        self.convs = nn.ModuleList(nn.Conv2d(i, o, 3, 1, 1) for i, o in ref.dense_channels(c, g))\n"
        "    def forward(self, x):\n"
        "        return ref.reference_rdb(x, [(m.weight, m.bias) for m in self.convs])"),
        "ResidualDenseBlock", "rdb", True),
    "forged_report": ("ex03_pixel_shuffle", FORGE, None, "pixel_shuffle", True),
    "thread_builtin": ("ex03_pixel_shuffle", (
        "import asyncio, functools\nimport torch.nn.functional as F\n"
        "def pixel_shuffle(x, r):\n"
        "    op = functools.reduce(getattr, ['pixel_' + 'shuffle'], F)\n"
        "    return asyncio.run(asyncio.to_thread(op, x, r))"), "pixel_shuffle", "pixel_shuffle", True),
    "lookup_table": ("ex03_pixel_shuffle", "def num_upsample_stages(scale):\n    return {2: 1, 4: 2, 8: 3}[scale]",
                     "num_upsample_stages", "num_upsample_stages", False),
    "disk_fill": ("ex03_pixel_shuffle", (
        "import os\nfor i in range(1500):\n    os.mkdir('d')\n    os.chdir('d')\n"
        "k = 0\nwhile True:\n    with open(f'f{k}', 'wb') as f:\n        f.write(bytes(2**26))\n    k += 1"),
        None, "pixel_shuffle", True),
    # earlier rounds: the library, the judges, the grader's process
    "patch_checks": ("ex03_pixel_shuffle", (
        "import srlib.checks as checks, srlib.course.exercises as E, srlib.course.exercises.core as core\n"
        "core.judge = lambda task, obs, seed: core.Report(task.name)"), None, "pixel_shuffle", True),
    "report_ok": ("ex03_pixel_shuffle", (
        "from srlib.course.exercises.core import Report\nReport.ok = property(lambda self: True)"),
        None, "num_upsample_stages", True),
    "library_classes": ("ex02_rrdb", (
        "import srlib.models\nResidualDenseBlock = srlib.models.ResidualDenseBlock\nRRDB = srlib.models.RRDB"),
        "RRDB", "rrdb", True),
    "hidden_library": ("ex02_rrdb", (
        "m = __import__('srl' + 'ib.mod' + 'els', fromlist=['x'])\n"
        "class RRDB(m.RRDB):\n    pass"), "RRDB", "rrdb", True),
    "library_from_disk": ("ex05_gradient_penalty_ragan", (
        "import os, srlib.course as c\nns = {}\n"
        "root = os.path.dirname(os.path.dirname(c.__file__))\n"
        "exec(open(os.path.join(root, 'losses', 'adversarial.py')).read(), ns)\n"
        "gradient_penalty = ns['gradient_penalty']"), "gradient_penalty", "gradient_penalty", True),
    "aten_op": ("ex03_pixel_shuffle", (
        "import torch\nop = torch.ops.aten.pixel_shuffle.default\n"
        "def pixel_shuffle(x, r):\n    return op(x, r)"), "pixel_shuffle", "pixel_shuffle", True),
    "frame_walk": ("ex02_rrdb", (
        "import sys\nf = sys._getframe()\n"
        "while f is not None:\n"
        "    if isinstance(f.f_locals.get('job'), dict):\n        f.f_locals['job']['seed'] = 0\n"
        "    f = f.f_back"), None, "rdb", True),
    "patched_comparisons": ("ex02_rrdb", (
        "import numpy as np, torch\n"
        "torch.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
        "class ResidualDenseBlock(torch.nn.Module):\n"
        "    def __init__(self, *a):\n        super().__init__()\n"
        "    def forward(self, x):\n        return x\n"
        "RRDB = ResidualDenseBlock"), "RRDB", "rrdb", False),
    "constant_answers": ("ex03_pixel_shuffle", (
        "def pixel_shuffle(x, r):\n    return x\n"
        "def num_upsample_stages(scale):\n    raise SystemExit(0)"), "num_upsample_stages", "pixel_shuffle", False),
    "alias_to_sys": ("ex02_rrdb", (
        "T = torch\nS = T.sys\nlib = S.modules['srlib.models.rrdb']\nRRDB = lib.RRDB"), "RRDB", "rrdb", True),
    "judge_reference_psnr": ("ex08_evaluation_protocol", (
        "from srlib.course.exercises.ex08_evaluation_protocol import _reference_y, reference_psnr\n"
        "rgb_to_y, psnr_y = _reference_y, reference_psnr"), "psnr_y", "psnr_y", True),
    "library_trainer": ("ex07_gan_training_step", (
        "from srlib.train.trainer import Trainer\n"
        "def gan_training_step(*args):\n    return Trainer.step(*args)"), "gan_training_step",
        "gan_training_step", True),
    "exit_in_cell": ("ex03_pixel_shuffle", "import sys\nsys.exit(0)", None, "pixel_shuffle", True),
    "kill_the_grader": ("ex03_pixel_shuffle", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
                        "os.kill(1, signal.SIGKILL)", None, "pixel_shuffle", True),
    "memory_bomb": ("ex03_pixel_shuffle", "hoard = []\nwhile True:\n    hoard.append(bytearray(2**26))",
                    "pixel_shuffle", "num_upsample_stages", False),
    "fork_bomb": ("ex03_pixel_shuffle", "import os\nwhile True:\n    os.fork()", None, "pixel_shuffle", True),
    "ignore_the_alarm": ("ex03_pixel_shuffle", (
        "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass"),
        "pixel_shuffle", "num_upsample_stages", False),
    # this round (#21): the report channel, other notebooks, code in a string annotation
    "report_flood": ("ex03_pixel_shuffle", (
        "import sys\nf = sys._getframe()\n"
        "while 'report' not in f.f_locals:\n    f = f.f_back\n"
        "f.f_locals['report'].write(bytes(80 * 2**20))"), None, "pixel_shuffle", True),
    "read_classmates": ("ex03_pixel_shuffle", "{READ_CLASSMATE}", None, "pixel_shuffle", True),
    "annotation_code": ("ex03_pixel_shuffle", (
        "import functools\n@functools.singledispatch\ndef pixel_shuffle(x, r):\n    return x\n"
        "@pixel_shuffle.register\n"
        "def _(x: \"__import__('srlib.course.exercises.ex03_pixel_shuffle')"
        ".course.exercises.ex03_pixel_shuffle.F\", r):\n"
        "    return x"), "pixel_shuffle", "pixel_shuffle", True),
    # the merge of #21 with #26's layout: the course's machinery reached below the package srlib.course
    "course_machinery": ("ex03_pixel_shuffle", (
        "import srlib.course.grading.worker\nfrom srlib.course import exercises\n"
        "judges = exercises.EXERCISES['ex03_pixel_shuffle']"), None, "pixel_shuffle", True),
}


def hostile_class(folder: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """Write the hostile class under ``folder``; {(student, exercise): (the task it aims at, flagged)}.

    Besides ``CHEATS``: three copies of one exercise (one row), a notebook and a
    folder named as a spreadsheet formula, a 3 GB notebook, a notebook whose
    cell is not text, a symbolic link to someone else's notebook, and a folder
    name with terminal escape codes.
    """
    made = {}
    classmate = folder / "alice_for_hostile" / "ex03_pixel_shuffle.ipynb"
    for student, (exercise, source, after, task, flagged) in CHEATS.items():
        source = source.replace("{READ_CLASSMATE}", f"text = open({str(classmate)!r}).read()\nexec(text[:0])")
        with_cell(folder, exercise, source, student, after=after)
        made[(student, exercise)] = (task, flagged)
    (folder / "alice_for_hostile").mkdir(parents=True)
    __import__("shutil").copy(SOLUTIONS / "ex03_pixel_shuffle.ipynb", classmate)
    for name in ("ex03_pixel_shuffle", "homework"):  # three ex03 notebooks of one student: one row
        with_cell(folder, "ex03_pixel_shuffle", "x = 1", "triplicate", name=name, base=SOLUTIONS)
    with_cell(folder / "triplicate", "ex03_pixel_shuffle", "x = 2", "sub", base=SOLUTIONS)
    formula = '=HYPERLINK("http:evil","x")'
    with_cell(folder, "ex03_pixel_shuffle", "x = 1", formula, name=f"{formula} ex03_pixel_shuffle", base=SOLUTIONS)
    giant = folder / "giant" / "ex03_pixel_shuffle.ipynb"
    giant.parent.mkdir(parents=True)
    with open(giant, "wb") as f:
        f.truncate(3000 * 2**20)  # 3 GB on paper, no disk used
    raw = json.loads((SOLUTIONS / "ex03_pixel_shuffle.ipynb").read_text())
    raw["cells"].insert(3, {"cell_type": "code", "source": 12345, "metadata": {}, "outputs": [],
                            "execution_count": None, "id": "abc"})
    (folder / "number_cell").mkdir()
    (folder / "number_cell" / "ex03_pixel_shuffle.ipynb").write_text(json.dumps(raw))
    (folder / "linked").mkdir()
    os.symlink(classmate, folder / "linked" / "ex03_pixel_shuffle.ipynb")
    escape = folder / "esc\x1b[2Jape"
    escape.mkdir()
    nbformat.write(nbformat.read(SOLUTIONS / "ex03_pixel_shuffle.ipynb", as_version=4), escape / "ex03.ipynb")
    return made
