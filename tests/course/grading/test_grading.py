"""The grader on the real exercise notebooks: full marks, zero, planted mistakes, a hostile class."""

import csv
import re
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from helpers import ROOT
from srlib.cli import main
from srlib.course.grading import EXERCISES, Limits, grade
from srlib.course.grading.source import cells_for, policy_problems, strip_magics

pytestmark = pytest.mark.slow  # grading runs notebooks in confined worker processes

SOLUTIONS, EXERCISE_NBS = ROOT / "solutions", ROOT / "exercises"


def plant(tmp_path, exercise, old, new, student="student01", count=1):
    """A copy of the solution with one mistake planted (``old`` replaced by ``new``)."""
    nb = nbformat.read(SOLUTIONS / f"{exercise}.ipynb", as_version=4)
    assert any(old in c.source for c in nb.cells if c.cell_type == "code"), f"{old!r} not in {exercise}"
    for cell in nb.cells:
        if cell.cell_type == "code" and old in cell.source:
            cell.source = cell.source.replace(old, new, count)
            break
    folder = tmp_path / student
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{exercise}.ipynb"
    nbformat.write(nb, path)
    return path


def with_cell(folder, exercise, source, student, after=None, base=EXERCISE_NBS):
    """A copy of an (untouched) exercise notebook with one extra code cell.

    The cell goes before the first task's definition, or right after the cell that defines ``after``.
    """
    nb = nbformat.read(base / f"{exercise}.ipynb", as_version=4)
    objs = [t.obj for t in EXERCISES[exercise].tasks]
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    defining = [i for i in code if any(f"def {o}(" in nb.cells[i].source or f"class {o}(" in nb.cells[i].source
                                       for o in ([after] if after else objs))]
    at = defining[-1] + 1 if after else defining[0]
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    (folder / student).mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / student / f"{exercise}.ipynb")


def task_points(rows):
    return {name: res["points"] for name, res in rows[0]["tasks"].items()}


def test_points_match_the_notebook_tables():
    for name, exercise in EXERCISES.items():
        text = (SOLUTIONS / f"{name}.py").read_text()
        assert sorted(re.findall(r"\| (\d+) \|", text), key=int) == sorted(str(t.points) for t in exercise.tasks), name


def test_solutions_score_full_marks_and_exercises_zero(tmp_path):
    notebooks = [str(SOLUTIONS / f"{e}.ipynb") for e in EXERCISES] + [str(EXERCISE_NBS / f"{e}.ipynb") for e in EXERCISES]
    rows = grade(notebooks, tmp_path / "grades.csv", timeout=120, progress=False)
    solutions, exercises = rows[:len(EXERCISES)], rows[len(EXERCISES):]
    assert len(EXERCISES) == 7
    assert all(r["total"] == r["max"] > 0 for r in solutions), [(r["exercise"], r["total"], r["tasks"]) for r in solutions]
    assert all(r["total"] == 0 and r["max"] > 0 for r in exercises)
    assert all("not implemented yet" in str(r["tasks"]) for r in exercises)


@pytest.mark.parametrize("exercise,old,new,task,message", [
    ("ex02_rrdb", "self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)\n        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)",
     "self.rdb2 = self.rdb1\n        self.rdb3 = self.rdb1", "rrdb", "share weights"),
    ("ex02_rrdb", "self.lrelu = nn.LeakyReLU(0.2)", "self.lrelu = nn.LeakyReLU()", "rdb", "slope is 0.01"),
    ("ex03_pixel_shuffle", "int(math.log2(scale))", "int(math.log(scale))", "num_upsample_stages", "natural log"),
    ("ex02_rrdb", "return x + 0.2 * self.rdb3(self.rdb2(self.rdb1(x)))",
     "return x * 0.2 * self.rdb3(self.rdb2(self.rdb1(x)))", "rrdb", "product"),
    ("ex05_gradient_penalty_ragan", "+ F.binary_cross_entropy_with_logits(fake_rel, torch.zeros_like(fake_rel)))",
     "- (1 - F.logsigmoid(fake_rel)).mean())", "ragan_discriminator_loss", "1 - log"),
    ("ex05_gradient_penalty_ragan", "norms = grads.flatten(1).norm(2, dim=1)", "norms = grads.norm(2)",
     "gradient_penalty", "over the batch, not per sample"),
    ("ex05_gradient_penalty_ragan", "create_graph=True", "retain_graph=True", "gradient_penalty", "create_graph=True"),
    ("ex07_gan_training_step", "discriminator.requires_grad_(False)  #", "discriminator.requires_grad_(True)  #",
     "gan_training_step", "requires_grad_(False)"),
    ("ex08_evaluation_protocol", "img_hr.astype(np.float64) / 255.0", "img_hr.astype(np.float64)", "psnr_y",
     "divide it by 255"),
])
def test_planted_mistakes_cost_exactly_their_task(tmp_path, exercise, old, new, task, message):
    path = plant(tmp_path, exercise, old, new)
    rows = grade([str(path)], tmp_path / "grades.csv", timeout=120, progress=False)
    points = task_points(rows)
    full = {t.name: t.points for t in EXERCISES[exercise].tasks}
    assert points == {**full, task: 0}, rows[0]["tasks"]
    assert message in " ".join(rows[0]["tasks"][task]["messages"])


def test_endless_loop_is_stopped_and_the_rest_graded(tmp_path):
    path = plant(tmp_path, "ex03_pixel_shuffle", "    return int(math.log2(scale))", "    while True:\n        pass")
    rows = grade([str(path)], tmp_path / "grades.csv", timeout=15, progress=False)
    assert task_points(rows) == {"pixel_shuffle": 3, "num_upsample_stages": 0}


def test_printed_scores_and_files_in_the_output_folder_earn_nothing(tmp_path):
    out = tmp_path / "out"
    hostile = (f"    import os\n"
               f"    print('score: 100')\n"
               f"    os.makedirs({str(out)!r}, exist_ok=True)\n"
               f"    open({str(out / 'grades.csv')!r}, 'w').write('student01,ex03_pixel_shuffle,x,3,1,4,4,')\n"
               f"    return int(math.log(scale))")
    path = plant(tmp_path, "ex03_pixel_shuffle", "    return int(math.log2(scale))", hostile)
    assert main(["grade", str(path.parent), "--out", str(out / "grades.csv"), "--timeout", "60"]) == 0
    with open(out / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]["num_upsample_stages"] == "0" and rows[0]["total"] == "3"


def test_a_crash_costs_one_student_and_the_batch_goes_on(tmp_path):
    shutil.copytree(SOLUTIONS, tmp_path / "class" / "alice", ignore=shutil.ignore_patterns("*.py", "ex0[124578]*"))
    shutil.copytree(SOLUTIONS, tmp_path / "class" / "carol", ignore=shutil.ignore_patterns("*.py", "ex0[124578]*"))
    plant(tmp_path / "class", "ex03_pixel_shuffle", "profile, device = setup(seed=0)",
          "while True:\n    pass", student="bob")  # killed at its CPU-time limit, before the wall-clock one
    assert main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "grades.csv"),
                 "--feedback", str(tmp_path / "fb"), "--timeout", "60", "--cpu-seconds", "3"]) == 0
    with open(tmp_path / "grades.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert set(rows) == {"alice", "bob", "carol"}
    assert rows["alice"]["total"] == rows["carol"]["total"] == "4" and rows["bob"]["total"] == "0"
    assert "stopped by signal" in rows["bob"]["messages"]
    assert "to fix" in (tmp_path / "fb" / "bob.md").read_text()


def test_bad_inputs_get_a_row_each(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / "broken_ex02_rrdb.ipynb").write_text("{not json")
    wrong = tmp_path / "dave"
    wrong.mkdir()
    nb = nbformat.read(SOLUTIONS / "ex03_pixel_shuffle.ipynb", as_version=4)
    nbformat.write(nb, wrong / "ex02_rrdb.ipynb")  # ex03's notebook under ex02's name
    rows = grade([str(tmp_path / "empty"), str(tmp_path / "notes.txt"), str(tmp_path / "broken_ex02_rrdb.ipynb"),
                  str(wrong)], tmp_path / "grades.csv", progress=False)
    messages = [r["messages"] for r in rows]
    assert "holds no notebooks" in messages[0] and "not a notebook" in messages[1]
    assert "not a readable notebook" in messages[2] and "file name says ex02_rrdb" in messages[3]
    assert all(r["total"] == 0 for r in rows)
    assert main(["grade", str(wrong), "--exercise", "ex09"]) == 2
    assert main(["grade", str(wrong), "--memory", "10"]) == 2  # too little to run PyTorch: a clear error


def test_syntax_error_and_missing_object_each_get_a_message(tmp_path):
    path = plant(tmp_path, "ex03_pixel_shuffle", "def num_upsample_stages(scale):", "def stages(scale) oops:")
    rows = grade([str(path)], tmp_path / "grades.csv", progress=False)
    assert task_points(rows) == {"pixel_shuffle": 3, "num_upsample_stages": 0}
    assert "not defined anywhere" in str(rows[0]["tasks"]["num_upsample_stages"]["messages"])


# ------------------------------------------------------------------ the grader's own reading
def test_the_policy_refuses_what_an_exercise_never_needs_and_nothing_else():
    forbidden = ("pixel_shuffle", "PixelShuffle")
    flagged = ["from srlib.models import RRDB", "import srlib.models as m", "import srlib\nR = srlib.models.RRDB",
               "from srlib import models", "import srlib\nm = srlib.models\nm.RRDB", "import importlib",
               "from srlib.models import count_parameters", "import sys\nsys.settrace(None)", "exec('x = 1')",
               "open('/etc/passwd')", "y = obj.__dict__", "import torch as T\nT._C", "import torch\ntorch.ops.aten.add",
               "x = getattr(torch, 'o' + 'ps')", "x = getattr(torch, 'sys')", "T = torch\nS = T.sys",
               "(t := torch).os", "f = lambda m=torch: m.sys", "match torch:\n    case object(sys=s): pass",
               "import operator\noperator.attrgetter('__globals__')", "def g():\n    yield me.gi_frame.f_back",
               "from srlib.course import *", "import srlib.course.exercises.core",
               "from srlib.course import diagrams", "import srlib.course.colab", "from srlib.course.grading import grade",
               "import torch.nn.functional as F\nF.pixel_shuffle(x, 2)", "import torch\ntorch.load('w.pt')",
               "__builtins__", "from torch import ops", "import gc", "x = 0" + " + 0" * 200_000]
    fine = ["from srlib.checks import check\nfrom srlib.course import setup", "import srlib",
            "x = 'srlib.models.RRDB is the library'", "def f():\n    \"see srlib.models.RRDB\"",
            "import math\nmath.log2(4)", "x = getattr(m, 'weight')", "import torch.nn.functional as F\nF.l1_loss(a, b)",
            "class A:\n    def __init__(self):\n        self._x = 1", "def broken(:\n    pass",
            "for m in net.modules():\n    pass", "x = (channels\n     % (r * r))", "import functools\n@functools.cache\ndef f(x):\n    return x"]
    missed = [src for src in flagged if not policy_problems([src], forbidden)]
    wrong = [src for src in fine if policy_problems([src], forbidden)]
    assert not missed and not wrong, (missed, wrong)
    assert cells_for(["x = 1", "def f(): pass", "f()"], "f") == ["x = 1", "def f(): pass"]
    assert cells_for(["def f(): pass", "g, f = 1, 2", "f()"], "f") == ["def f(): pass", "g, f = 1, 2"]
    assert strip_magics("x = (a\n    % b)") == "x = (a\n    % b)" and strip_magics("%time x = 1\ny = 2") == "\ny = 2"


def test_the_student_process_cannot_reach_the_library_proc_or_the_graders_files(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    script = ("import os, torch\n"
              "import srlib.checks, srlib.course\n"
              "from srlib.course.grading.limits import Limits, apply\n"
              f"apply(Limits(), scratch={str(scratch)!r})\n"
              "print('conv', torch.nn.functional.conv2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 3, 3)).sum().item())\n"
              "for name, attempt in [('import srlib.models', lambda: __import__('srlib.models')),\n"
              "                      ('read the library', lambda: open(srlib.checks.__file__.replace('checks.py', 'models/rrdb.py')).read()),\n"
              f"                      ('write outside scratch', lambda: open({str(tmp_path / 'planted.py')!r}, 'w')),\n"
              "                      ('grader memory', lambda: open(f'/proc/{os.getppid()}/mem', 'rb'))]:\n"
              "    try:\n        attempt(); print('reached:', name)\n"
              "    except (OSError, ImportError) as exc:\n        print('refused:', name)\n"
              f"open({str(scratch / 'notes.txt')!r}, 'w').write('ok'); print('scratch ok')\n")
    out = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path).stdout
    assert "conv 36.0" in out and "scratch ok" in out and "reached" not in out, out
    assert out.count("refused:") == 4 and not (tmp_path / "planted.py").exists()


def test_limits_forbid_processes_but_not_threads():
    script = ("import os, subprocess, threading, torch\n"
              "from srlib.course.grading.limits import Limits, apply\n"
              "apply(Limits(memory_mb=512))\n"
              "t = threading.Thread(target=print, args=('thread ran',)); t.start(); t.join()\n"
              "print((torch.ones(64, 64) @ torch.ones(64, 64)).sum().item())\n"
              "for start in (os.fork, lambda: subprocess.run(['true'])):\n"
              "    try:\n        start(); print('started a process')\n"
              "    except OSError as exc:\n        print('refused:', exc.errno)\n"
              "try:\n    b = bytearray(2 * 2**30)\nexcept MemoryError:\n    print('memory refused')\n"
              "import signal\nsignal.signal(signal.SIGUSR1, lambda *a: print('own signal'))\n"
              "os.kill(os.getpid(), signal.SIGUSR1)\n"
              "try:\n    os.kill(os.getppid(), 0)\nexcept OSError as exc:\n    print('signal refused:', exc.errno)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120).stdout
    assert "thread ran" in out and "262144.0" in out and "own signal" in out and "signal refused: 1" in out
    assert out.count("refused: 1") == 3 and "started a process" not in out and "memory refused" in out


# ------------------------------------------------------------------ a hostile class
CHEATS = {  # student: (exercise, extra cell, cell goes after this object's definition)
    "patch_checks": ("ex03_pixel_shuffle", (
        "import srlib.checks as checks, srlib.course.exercises as E, srlib.course.exercises.core as core\n"
        "for ex in E.EXERCISES.values():\n"
        "    for t in ex.tasks:\n"
        "        object.__setattr__(t, 'steps', ())\n"
        "core.judge = lambda task, obs, seed: core.Report(task.name)\n"
        "core.probes = lambda task: [lambda obj, inputs: [] for _ in {s.observe for s in task.steps}]"), None),
    "report_ok": ("ex03_pixel_shuffle", (
        "from srlib.course.exercises.core import Report\n"
        "Report.ok = property(lambda self: True)\nReport.failed = property(lambda self: [])"), None),
    "gc_result_file": ("ex03_pixel_shuffle", (
        "import gc, io, json, os\n"
        "from srlib.course.exercises.observations import pack\n"
        "job = next(o for o in gc.get_objects() if isinstance(o, dict) and 'nonce' in o and 'out' in o)\n"
        "open(job['out'], 'wb').write(pack({'exercise': 'ex03_pixel_shuffle', 'task': job['task'],\n"
        "    'nonce': job['nonce'], 'points': 198, 'observations': {'identity': {'modules': [], 'name': 'x'},\n"
        "    'values': [[]], 'errors': [''], 'srlib_files': [], 'builtins': []}}))\n"
        "os._exit(0)"), None),
    "library_classes": ("ex02_rrdb", (
        "import srlib.models\nResidualDenseBlock = srlib.models.ResidualDenseBlock\nRRDB = srlib.models.RRDB"),
        "RRDB"),
    "hidden_library": ("ex02_rrdb", (
        "m = __import__('srl' + 'ib.mod' + 'els', fromlist=['x'])\n"
        "class ResidualDenseBlock(m.ResidualDenseBlock):\n    pass\n"
        "class RRDB(m.RRDB):\n    pass"), "RRDB"),
    "judge_reference": ("ex02_rrdb", (
        "import torch\nfrom torch import nn\n"
        "from srlib.course.exercises.ex02_rrdb import reference_rdb, _dense_channels\n"
        "class ResidualDenseBlock(nn.Module):\n"
        "    def __init__(self, c=64, g=32):\n"
        "        super().__init__()\n"
        "        self.convs = nn.ModuleList(nn.Conv2d(i, o, 3, 1, 1) for i, o in _dense_channels(c, g))\n"
        "    def forward(self, x):\n"
        "        return reference_rdb(x, [(m.weight, m.bias) for m in self.convs])"), "ResidualDenseBlock"),
    "library_from_disk": ("ex05_gradient_penalty_ragan", (
        "import os, srlib.checks as c\n"
        "ns = {}\n"
        "exec(open(os.path.join(os.path.dirname(c.__file__), 'losses', 'adversarial.py')).read(), ns)\n"
        "gradient_penalty = ns['gradient_penalty']\n"
        "ragan_discriminator_loss = ns['ragan_discriminator_loss']\n"
        "ragan_generator_loss = ns['ragan_generator_loss']"), "ragan_generator_loss"),
    "aten_op": ("ex03_pixel_shuffle", (
        "import torch\nop = torch.ops.aten.pixel_shuffle.default\n"
        "def pixel_shuffle(x, r):\n    return op(x, r)"), "pixel_shuffle"),
    "frame_walk": ("ex02_rrdb", (
        "import sys\n"
        "f = sys._getframe()\n"
        "while f is not None:\n"
        "    if isinstance(f.f_locals.get('job'), dict):\n"
        "        f.f_locals['job']['seed'] = 0\n"
        "    f = f.f_back"), None),
    "patched_comparisons": ("ex02_rrdb", (
        "import numpy as np, torch\n"
        "torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\nnp.allclose = lambda *a, **k: True\n"
        "class ResidualDenseBlock(torch.nn.Module):\n"
        "    def __init__(self, *a):\n        super().__init__()\n"
        "    def forward(self, x):\n        return x\n"
        "RRDB = ResidualDenseBlock"), "RRDB"),
    "patched_builtins": ("ex05_gradient_penalty_ragan", (
        "import builtins\n"
        "builtins.float = lambda *a: 2.5\n"
        "def gradient_penalty(*a, **k):\n    return 2.5\n"
        "def ragan_discriminator_loss(*a):\n    return 0.0\n"
        "def ragan_generator_loss(*a):\n    return 0.0"), "ragan_generator_loss"),
    "constant_answers": ("ex03_pixel_shuffle", (
        "def pixel_shuffle(x, r):\n    return x\n"
        "def num_upsample_stages(scale):\n    raise SystemExit(0)"), "num_upsample_stages"),
    "alias_to_sys": ("ex02_rrdb", (
        "T = torch\nS = T.sys\nlib = S.modules['srlib.models.rrdb']\n"
        "ResidualDenseBlock, RRDB = lib.ResidualDenseBlock, lib.RRDB"), "RRDB"),
    "generator_frames": ("ex05_gradient_penalty_ragan", (
        "def walk():\n    yield me.gi_frame.f_back\n"
        "me = walk()\nworker = next(me).f_back.f_back\njob = worker.f_locals.get('job')"), None),
    "match_pattern": ("ex02_rrdb", (
        "match torch:\n    case object(sys=S):\n        pass\n"
        "RRDB = ResidualDenseBlock = S.modules['srlib.models.rrdb'].RRDB"), "RRDB"),
    "star_import": ("ex05_gradient_penalty_ragan", (
        "from srlib.course import *\n"
        "def gradient_penalty(*a, **k):\n    return os.sys.modules['srlib.losses'].gradient_penalty(*a, **k)"),
        "gradient_penalty"),
    "library_metrics": ("ex08_evaluation_protocol", (
        "from srlib.metrics import psnr, rgb_to_y\n"
        "def psnr_y(img_sr, img_hr, scale):\n    return psnr(img_sr, img_hr, crop_border=scale)"), "psnr_y"),
    "hidden_metrics": ("ex08_evaluation_protocol", (
        "m = __import__('srlib.met' + 'rics', fromlist=['x'])\n"
        "rgb_to_y = m.rgb_to_y\n"
        "def psnr_y(img_sr, img_hr, scale):\n    return m.psnr(img_sr, img_hr, crop_border=scale)"), "psnr_y"),
    "judge_reference_psnr": ("ex08_evaluation_protocol", (
        "from srlib.course.exercises.ex08_evaluation_protocol import _reference_y, reference_psnr\n"
        "rgb_to_y, psnr_y = _reference_y, reference_psnr"), "psnr_y"),
    "library_trainer": ("ex07_gan_training_step", (
        "from srlib.train.trainer import Trainer\n"
        "def gan_training_step(*args):\n    return Trainer.step(*args)\n"
        "def discriminator_step(*args):\n    return Trainer.step(*args)"), "gan_training_step"),
    "judge_reference_step": ("ex07_gan_training_step", (
        "import torch\n"
        "import srlib.course.exercises.ex07_gan_training_step as ex\n"
        "def gan_training_step(generator, discriminator, opt_g, opt_d, img_lr, img_hr, g_loss_fn, d_loss_fn):\n"
        "    ref = ex.reference(0)\n"
        "    return ref['loss_g'], ref['loss_d']"), "gan_training_step"),
    "exit_in_cell": ("ex03_pixel_shuffle", "import sys\nsys.exit(0)", None),
    "kill_the_grader": ("ex03_pixel_shuffle", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", None),
    "memory_bomb": ("ex03_pixel_shuffle", "hoard = []\nwhile True:\n    hoard.append(bytearray(2**26))", None),
    "fork_bomb": ("ex03_pixel_shuffle", "import os\nwhile True:\n    os.fork()", None),
    "ignore_the_alarm": ("ex03_pixel_shuffle", (
        "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass"), None),
}


def honest_ex02(folder):
    """A correct ex02 written differently from the solution (ModuleList, a loop, F.leaky_relu)."""
    rdb = ("class ResidualDenseBlock(nn.Module):\n"
           "    def __init__(self, num_feat=64, num_grow_ch=32):\n"
           "        super().__init__()\n"
           "        self.convs = nn.ModuleList(nn.Conv2d(num_feat + k * num_grow_ch,\n"
           "                                             num_grow_ch if k < 4 else num_feat, 3, 1, 1) for k in range(5))\n"
           "    def forward(self, x):\n"
           "        feats = [x]\n"
           "        for conv in self.convs[:4]:\n"
           "            feats.append(torch.nn.functional.leaky_relu(conv(torch.cat(feats, 1)), 0.2))\n"
           "        return x + 0.2 * self.convs[4](torch.cat(feats, 1))\n")
    rrdb = ("class RRDB(nn.Module):\n"
            "    \"\"\"Should match srlib.models.RRDB.\"\"\"\n"
            "    def __init__(self, num_feat=64, num_grow_ch=32):\n"
            "        super().__init__()\n"
            "        self.body = nn.Sequential(*[ResidualDenseBlock(num_feat, num_grow_ch) for _ in range(3)])\n"
            "    def forward(self, x):\n"
            "        return self.body(x) * 0.2 + x\n")
    nb = nbformat.read(EXERCISE_NBS / "ex02_rrdb.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "class ResidualDenseBlock(" in cell.source:
            cell.source = rdb
    nb.cells = [c for c in nb.cells if "class RRDB(" not in c.source]
    nb.cells.append(nbformat.v4.new_code_cell(rrdb))  # after the course's comparison with the library
    (folder / "bob").mkdir(parents=True)
    nbformat.write(nb, folder / "bob" / "ex02_rrdb.ipynb")


def broken_submissions(folder):
    """Notebooks that must cost their own row and nothing else."""
    import json
    import os

    (folder / "meta").mkdir(parents=True)
    nb = nbformat.read(SOLUTIONS / "ex03_pixel_shuffle.ipynb", as_version=4)
    nb.metadata["srlib"] = {"exercise": []}
    nbformat.write(nb, folder / "meta" / "ex03_pixel_shuffle.ipynb")
    raw = json.loads((SOLUTIONS / "ex03_pixel_shuffle.ipynb").read_text())
    raw["cells"].insert(3, {"cell_type": "code", "source": 12345, "metadata": {}, "outputs": [],
                            "execution_count": None, "id": "abc"})
    (folder / "number_cell").mkdir()
    (folder / "number_cell" / "ex03_pixel_shuffle.ipynb").write_text(json.dumps(raw))
    with_cell(folder, "ex03_pixel_shuffle", "x = 0" + " + 0" * 200_000, "deep_cell")
    (folder / "linked").mkdir()
    os.symlink(SOLUTIONS / "ex03_pixel_shuffle.ipynb", folder / "linked" / "ex03_pixel_shuffle.ipynb")


def test_a_hostile_class_scores_zero_and_honest_students_keep_full_marks(tmp_path):
    import sys as _sys

    folder = tmp_path / "class"
    for student, (exercise, source, after) in CHEATS.items():
        with_cell(folder, exercise, source, student, after=after)
    (folder / "alice").mkdir(parents=True)
    for name in ("ex02_rrdb", "ex05_gradient_penalty_ragan", "ex07_gan_training_step", "ex08_evaluation_protocol"):
        shutil.copy(SOLUTIONS / f"{name}.ipynb", folder / "alice")
    honest_ex02(folder)
    broken_submissions(folder)
    (folder / "mallory" / "carol").mkdir(parents=True)  # a nested folder still counts as mallory's
    shutil.copy(SOLUTIONS / "ex03_pixel_shuffle.ipynb", folder / "mallory" / "carol")
    start = time.monotonic()
    rows = grade([str(folder)], tmp_path / "grades.csv", timeout=20, progress=False,
                 limits=Limits(memory_mb=1024, cpu_seconds=60))
    elapsed = time.monotonic() - start
    scores = {(r["student"], r["exercise"]): (r["total"], r["max"]) for r in rows}
    cheaters = {s: scores[(s, ex)] for s, (ex, _, _) in CHEATS.items()}
    assert all(total == 0 and top > 0 for total, top in cheaters.values()), cheaters
    assert scores[("alice", "ex02_rrdb")] == (6, 6) and scores[("alice", "ex05_gradient_penalty_ragan")] == (7, 7)
    assert scores[("alice", "ex07_gan_training_step")] == (6, 6)
    assert scores[("alice", "ex08_evaluation_protocol")] == (6, 6)
    assert scores[("bob", "ex02_rrdb")] == (6, 6), [r["tasks"] for r in rows if r["student"] == "bob"]
    assert scores[("mallory", "ex03_pixel_shuffle")] == (4, 4) and ("carol", "ex03_pixel_shuffle") not in scores
    by_student = {r["student"]: r["messages"] + " ".join(str(t["messages"]) for t in r["tasks"].values())
                  for r in rows}
    assert "keeps the course library out of reach" in by_student["library_classes"]
    assert "ran out of memory" in by_student["memory_bomb"]
    assert "imports os" in by_student["fork_bomb"] and "imports srlib.course.exercises" in by_student["judge_reference"]
    assert "keeps the course library out of reach" in by_student["library_metrics"]
    assert "keeps the course library out of reach" in by_student["library_trainer"]
    assert "imports srlib.course.exercises" in by_student["judge_reference_psnr"]
    assert "within the time limit" in by_student["ignore_the_alarm"]
    assert "not a readable notebook" in by_student["number_cell"] and "symbolic link" in by_student["linked"]
    assert "too large or too deeply nested" in by_student["deep_cell"]
    assert "cannot tell which exercise" not in by_student["meta"] and scores[("meta", "ex03_pixel_shuffle")] == (4, 4)
    assert "srlib.__main__" not in _sys.modules
    # 39 notebooks, 84 tasks, 4 at a time: each task is bounded by its 20 s limit plus start-up
    assert elapsed < 84 * (20 + 90) / 4, elapsed
