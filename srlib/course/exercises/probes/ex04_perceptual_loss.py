"""Exercise 04's probes: the student's VGG layer indices, and their perceptual loss on a seeded VGG19.

The index task is asked for VGG19's layout, VGG16's and one drawn from the
seed. The loss is handed a seeded random VGG19 ``features`` (no download);
the judge rebuilds the same network from the seed. The judges are in
``srlib.course.exercises.ex04_perceptual_loss``. Taught in: notebook 04.
"""

from __future__ import annotations

import copy
import functools
from types import SimpleNamespace

import numpy as np
import torch
from torch import nn

from srlib.course.exercises.probing import Probe

_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M")
VGG19_BLOCKS = (2, 2, 4, 4, 4)  # convs per block; VGG16 has (2, 2, 3, 3, 3)


@functools.lru_cache(maxsize=2)
def random_vgg19_features(seed: int) -> nn.Sequential:
    """torchvision's VGG19 ``features`` layout (convs, in-place ReLUs, max-pools), seeded weights."""
    gen = torch.Generator().manual_seed(seed)
    layers, c_in = [], 3
    for v in _CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            continue
        conv = nn.Conv2d(c_in, v, kernel_size=3, padding=1)
        with torch.no_grad():
            conv.weight.normal_(0, (2 / (9 * v)) ** 0.5, generator=gen)  # torchvision: kaiming, fan_out
            conv.bias.zero_()
        layers += [conv, nn.ReLU(inplace=True)]
        c_in = v
    return nn.Sequential(*layers)


def layer_names(blocks) -> list[str]:
    """conv1_1, relu1_1, ... for a VGG with ``blocks[b]`` convs in block b + 1."""
    return [f"{kind}{b}_{k}" for b, n in enumerate(blocks, start=1)
            for k in range(1, n + 1) for kind in ("conv", "relu")]


LAYER_NAMES = layer_names(VGG19_BLOCKS)  # VGG19's conv and relu names, in order


def index_inputs(seed: int):
    rng = np.random.default_rng(seed)
    other = tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(3, 6))))  # a VGG of the judge's own
    return SimpleNamespace(layouts=[VGG19_BLOCKS, (2, 2, 3, 3, 3), other])


def indices(fn, i):
    def index(*args):  # a KeyError on a layout of the judge's own counts against that layout only
        try:
            return fn(*args)
        except (KeyError, IndexError, ValueError):
            return None
    first = [index(name) for name in LAYER_NAMES]  # the default layout is VGG19's
    return [first] + [[index(name, blocks) for name in layer_names(blocks)] for blocks in i.layouts]


def loss_inputs(seed: int):
    gen = torch.Generator().manual_seed(seed)
    # 16 x 16 images: conv5_4 still sees a 1 x 1 map, and a CPU judges in a fraction of a second
    return SimpleNamespace(seed=seed, img_sr=torch.rand(2, 3, 16, 16, generator=gen),
                           img_hr=torch.rand(2, 3, 16, 16, generator=gen))


def fresh_features(i):
    return copy.deepcopy(random_vgg19_features(i.seed))  # a fresh copy: students may edit it in place


def values(cls, i):
    sizes = []  # the (H, W) that reaches VGG's first conv
    found = {}
    with torch.no_grad():
        for k in (34, 8):
            features = fresh_features(i)
            features[0].register_forward_pre_hook(lambda module, args: sizes.append(list(args[0].shape[-2:])))
            found[str(k)] = float(cls(features, k)(i.img_sr.clone(), i.img_hr.clone()))
    return {**found, "vgg_input": sizes[:1]}


def frozen(cls, i):
    loss_fn = cls(fresh_features(i), 34)
    sr = i.img_sr.clone().requires_grad_(True)
    loss = loss_fn(sr, i.img_hr.clone())
    if isinstance(loss, torch.Tensor) and loss.requires_grad and loss.numel() == 1:
        try:
            loss.backward()
        except RuntimeError:  # the graph was cut (an in-place ReLU on a view, ...): no gradient reaches SR
            sr.grad = None
    return {"requires_grad": any(p.requires_grad for p in loss_fn.parameters()),
            "training": any(m.training for m in loss_fn.modules() if isinstance(m, nn.Conv2d)),
            "grad": sr.grad}


VGG_LAYER_INDEX = Probe("vgg_layer_index", "vgg_layer_index", index_inputs, (indices,))
PERCEPTUAL_LOSS = Probe("perceptual_loss", "VGGLoss", loss_inputs, (values, frozen))
PROBES = (VGG_LAYER_INDEX, PERCEPTUAL_LOSS)
