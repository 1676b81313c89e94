"""The grader's reading of a notebook: which cells run, and what is flagged for review (no process started)."""

from types import ModuleType

import pytest

from sandboxing import srlib_modules
from srlib.course.grading.reader import ALLOWED_SRLIB, review_reasons
from srlib.course.grading.source import cells_for, runnable, strip_magics

FORBIDDEN = ("pixel_shuffle", "PixelShuffle")
FLAGGED = {  # source: what the reason says
    # the course library beyond srlib.checks and srlib.course
    "from srlib.models import RRDB": "course library", "import srlib.models as m": "course library",
    "import srlib\nR = srlib.models.RRDB": "course library", "from srlib import models": "course library",
    "import srlib\nm = srlib.models\nm.RRDB": "course library", "import srlib.course.exercises.core": "course library",
    "from srlib.models import count_parameters": "course library",
    # dynamic code, under any name
    "exec('x = 1')": "exec", "run = exec": "exec", "x = compile": "compile", "g = getattr\ng(self, 'x')": "getattr",
    "import functools\nimport torch.nn.functional as F\nfunctools.reduce(getattr, ['pixel_' + 'shuffle'], F)":
        "getattr", "x = getattr(torch, 'o' + 'ps')": "computed attribute name",
    "getattr(self, name)": "computed attribute name", "getattr(self, '__cla' + 'ss__')": "computed attribute name",
    "getattr(self, f'__{x}')": "computed attribute name", "x = getattr(torch, 'sys')": "reads attribute sys",
    "def f(x: '__import__(\"os\")'): pass": "string annotation", "x: 'code' = 1": "string annotation",
    "def f() -> 'code': pass": "string annotation",
    "import torch\np = torch.serialization.pickle": ".pickle", "import numpy as np\nnp.zeros(2).dump('f')": ".dump",
    "import torch\ntorch.onnx.export(m, x, 'f')": "loads or runs", "import torchvision.io as tio": "loads or runs", "torch.compile(f)": ".compile",
    "open('/etc/passwd')": "open", "__builtins__": "__builtins__", "y = obj.__dict__": "__dict__",
    # reaching into the process: frames, threads, ctypes, private parts
    "import sys\nsys.settrace(None)": "imports sys", "import threading": "imports threading",
    "import asyncio": "imports asyncio", "import ctypes": "imports ctypes", "import gc": "imports gc",
    "import importlib": "imports importlib", "def g():\n    yield me.gi_frame.f_back": "f_back", "frame = gen.gi_frame": "gi_frame",
    "import torch as T\nT._C": "private part", "T = torch\nS = T.sys": ".sys", "(t := torch).os": ".os",
    "f = lambda m=torch: m.sys": ".sys", "match torch:\n    case object(sys=s): pass": ".sys",
    "import operator\noperator.attrgetter('__globals__')": "imports operator",
    # code loaders in allowed packages
    "import torch\ntorch.ops.aten.add": "loads or runs code", "from torch import ops": "loads or runs",
    "import torch\ntorch.load('w.pt')": ".load", "import torch.utils.benchmark as b": "loads or runs",
    "import numpy as np\nnp.ctypeslib": "loads or runs", "from PIL import ImageMath": "loads or runs", "from srlib.course import *": "imports *",
    "from . import x": "relative import", "import numpy as np\nnp.zeros(3).tofile('/x')": ".tofile",
    "from PIL import Image\nImage.open('/work/alice.ipynb')": ".open", "import matplotlib.pyplot as plt\nplt.savefig('x')":
        ".savefig", "from torch.utils.tensorboard import SummaryWriter": "loads or runs",
    # the task's forbidden built-in
    "import torch.nn.functional as F\nF.pixel_shuffle(x, 2)": "asks you to write yourself",
    "from torch.nn.functional import pixel_shuffle": "asks you to write yourself",
    "from torch import nn\nnn.PixelShuffle(2)": "asks you to write yourself",
    "x = 0" + " + 0" * 200_000: "too large",
    # red team, round 4: typing's evaluator, library objects under another name, a command runner, nested strings
    'import typing\nrun = typing.ForwardRef("exec")._evaluate({}, {}, frozenset())': "",
    'from typing import ForwardRef': "ForwardRef", "import typing\nf = typing.get_type_hints": "get_type_hints",
    "r = ref._evaluate({}, {}, frozenset())": "private part", "import torch\nT = torch\nk = T._C": "._C",
    "import torch\nT = torch\nL = T.library.Library": ".library", "import torch\nT = torch\nj = T.jit": ".jit",
    "import torch\nT = torch\nh = T.hub": ".hub", "x = self.body._modules": "private part",
    "class A:\n    def _f(self): pass\n_f = torch\n_f._f": "private part",
    "x = getattr(T, 'jit')": "reads attribute jit", "x = getattr(T, '_C')": "private part",
    "from torch.utils.collect_env import run\nrun('id')": "loads or runs", "x = m.__class__": "__class__",
    "x = c.__subclasses__()": "__subclasses__", "f.__globals__": "__globals__", "from torch.serialization import pickle":
        "pickle", "import typing\ndef f(x: typing.List['code']): pass": "string annotation",
    "import typing\nx: typing.Optional['code'] = None": "string annotation",
    "import typing\nX = typing.List['code']": "string inside a type", "X = list['code']": "string inside a type",
    ("import functools, typing\n@functools.singledispatch\ndef f(x):\n    return x\n@f.register\n"
     "def _(x: typing.List[\"__import__('os').getpid()\"]):\n    return x"): "string annotation",
}
FINE = ["from srlib.checks import check\nfrom srlib.course import setup", "import srlib",
        "from srlib.course import setup, show, get_profile", "import srlib.course\nprofile, device = srlib.course.setup()",
        "from srlib import checks, course\nchecks.check('rdb', RDB)\ncourse.show(RDB)",
        "import srlib.checks as c\nc.check('rdb', RDB)",
        "x = 'srlib.models.RRDB is the library'", "def f():\n    \"see srlib.models.RRDB\"",
        "import math\nmath.log2(4)", "x = getattr(m, 'weight')", "import torch.nn.functional as F\nF.l1_loss(a, b)",
        "class A:\n    def __init__(self):\n        self._x = 1", "def broken(:\n    pass",
        "for m in net.modules():\n    pass", "x = (channels\n     % (r * r))",
        "import functools\n@functools.cache\ndef f(x):\n    return x", "import numpy as np\nnp.random.default_rng(0)",
        "from torch import nn\nclass A(nn.Module):\n    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        return x", "def pixel_shuffle(x, r):\n    return x.reshape(1, -1)",
        # a module's own attributes by computed names: the dense block's usual idiom
        "setattr(self, f'conv{k + 1}', nn.Conv2d(3, 3, 3))", "y = getattr(self, f'conv{k}')(x)",
        "hasattr(self, 'conv' + str(k))", "getattr(self.body, f'rdb{k}')", "vgg = features.eval()",
        # the notebook's own private names on its own objects, strings that are plain indexing
        "class A:\n    def __init__(self):\n        self._x = 1\n    def f(self):\n        return self._x + self._g()\n"
        "    def _g(self):\n        return 2", "class B:\n    _n = 3\n    @classmethod\n    def f(cls):\n"
        "        return cls._n + B._n", "d = {'a': 1}\ny = d['a']", "import typing\ndef f(x: typing.List[int]) -> int:\n"
        "    return 0"]


@pytest.mark.parametrize("source,reason", FLAGGED.items(), ids=[s[:40] for s in FLAGGED])
def test_what_cannot_be_read_to_the_end_is_flagged(source, reason):
    reasons = review_reasons([source], FORBIDDEN)
    assert len(reasons) == 1 and reason in reasons[0], reasons
    assert reasons[0].startswith("code cell 1 (`")  # names the cell


@pytest.mark.parametrize("source", [
    "import skimage.color\ndef rgb_to_y(img):\n    return skimage.color.rgb2ycbcr(img)[..., 0] / 255",
    "from skimage.color import rgb2ycbcr\ndef rgb_to_y(img):\n    return rgb2ycbcr(img)[..., 0] / 255",
    "from skimage import color\nrgb_to_y = lambda img: color.rgb2yuv(img)[..., 0]",
    "import skimage\nrgb_to_y = lambda img: skimage.color.rgb2ycbcr(img)[..., 0] / 255",
    "from skimage.color.colorconv import rgb2ycbcr as f"])
def test_ex08_conversion_from_scikit_image_is_flagged(source):
    """Red team, round 4: ``rgb_to_y = lambda img: skimage.color.rgb2ycbcr(img)[..., 0] / 255`` scored 2/2."""
    from srlib.course.exercises.probes.ex08_evaluation_protocol import PSNR_Y, RGB_TO_Y

    for probe in (RGB_TO_Y, PSNR_Y):
        reasons = review_reasons([source], probe.forbidden)
        assert len(reasons) == 1 and "asks you to write yourself" in reasons[0], reasons


def test_ordinary_code_is_not_flagged():
    wrong = {src: review_reasons([src], FORBIDDEN) for src in FINE if review_reasons([src], FORBIDDEN)}
    assert not wrong, wrong


def test_aliases_reach_across_cells_and_only_runnable_code_is_read():
    assert "course library" in review_reasons(["import srlib as s", "x = 1", "s.models.RRDB"])[0]
    assert review_reasons(["import srlib as s", "x = 1", "s.models.RRDB"])[0].startswith("code cell 3")
    cells = runnable(["x = 1", "check('rrdb', RRDB)\nexec('boom')", "%time y = 2"])
    assert cells == ["x = 1", "", ""]
    assert not review_reasons(cells)


def test_cells_a_task_needs():
    assert cells_for(["x = 1", "def f(): pass", "f()"], "f") == ["x = 1", "def f(): pass"]
    assert cells_for(["def f(): pass", "g, f = 1, 2", "f()"], "f") == ["def f(): pass", "g, f = 1, 2"]
    assert cells_for(["x = 1"], "f") is None
    assert strip_magics("x = (a\n    % b)") == "x = (a\n    % b)" and strip_magics("%time x = 1\ny = 2") == "\ny = 2"


NOTEBOOK_MODULES = ("srlib", "srlib.checks", "srlib.course")  # the srlib modules a graded notebook may import


@pytest.mark.parametrize("module", [m for m in srlib_modules() if m not in NOTEBOOK_MODULES])
def test_every_other_srlib_module_is_flagged_however_it_is_named(module):
    """srlib.course is a package: its machinery (exercises, probes, grading, colab, diagrams, checks, profiles, ...)
    and the whole library are flagged, imported or reached as an attribute of what a notebook may import."""
    parent, _, last = module.rpartition(".")
    parent_alias = "srlib.course as c" if parent.startswith("srlib.course") else "srlib as c"
    reach = "c" + module[len("srlib.course" if parent.startswith("srlib.course") else "srlib"):]
    for source in (f"import {module}", f"import {module} as m", f"from {parent} import {last}",
                   f"from {module} import x", f"import {parent_alias}\ny = {reach}.x"):
        reasons = review_reasons([source])
        assert len(reasons) == 1, (source, reasons)
        assert "course library" in reasons[0] or "__main__" in reasons[0], (source, reasons)


def test_what_a_notebook_may_use_of_srlib_is_no_module():
    """The names the reader lets through are the course's set-up and check(), never a way to a submodule."""
    from srlib import checks, course

    assert ALLOWED_SRLIB == {"checks": ("check",), "course": tuple(course.__all__)}
    for package, names in ((checks, ALLOWED_SRLIB["checks"]), (course, ALLOWED_SRLIB["course"])):
        modules = [n for n in names if isinstance(getattr(package, n), ModuleType)]
        assert not modules, modules
    assert "setup" in ALLOWED_SRLIB["course"] and "run_check" not in ALLOWED_SRLIB["checks"]
    assert review_reasons(["from srlib.checks import run_check"])  # the stub the student process has lacks it
