"""Exercise 04: VGG layer indices and the perceptual loss of ESRGAN (Sec. 3.3).

The index task is asked for any layout of blocks (VGG19's, VGG16's, one drawn
from the seed), so the course's own ``VGG19_LAYERS`` table does not answer it.

The loss is L1 between VGG19 features of SR and HR taken at conv5_4 *before*
its ReLU (index 34), on ImageNet-normalised inputs, with VGG frozen. The
probes hand the student's class a seeded random VGG19 ``features`` (no
download); the judge rebuilds the same network from the seed. Taught in: notebook 04.
"""

from __future__ import annotations

import copy
import functools
import math
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from srlib.course.exercises.core import Exercise, Step, Task, expect_count

# The probes never import srlib.losses: the grader keeps the task's library out of the student's process.

_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M")


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


# ------------------------------------------------------------- layer names
VGG19_BLOCKS = (2, 2, 4, 4, 4)  # convs per block; VGG16 has (2, 2, 3, 3, 3)


def layer_names(blocks) -> list[str]:
    """conv1_1, relu1_1, ... for a VGG with ``blocks[b]`` convs in block b + 1."""
    return [f"{kind}{b}_{k}" for b, n in enumerate(blocks, start=1)
            for k in range(1, n + 1) for kind in ("conv", "relu")]


LAYER_NAMES = layer_names(VGG19_BLOCKS)  # VGG19's conv and relu names, in order


def features_layout(blocks) -> list[str]:
    """The names of ``features``' modules in order, pools included: what torchvision builds."""
    names = []
    for b, n in enumerate(blocks, start=1):
        names += [f"{kind}{b}_{k}" for k in range(1, n + 1) for kind in ("conv", "relu")] + [f"pool{b}"]
    return names


def index_inputs(seed: int):
    rng = np.random.default_rng(seed)
    other = tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(3, 6))))  # a VGG of the judge's own
    return SimpleNamespace(layouts=[VGG19_BLOCKS, (2, 2, 3, 3, 3), other])


def _indices(fn, i):
    def index(*args):  # a KeyError on a layout of the judge's own counts against that layout only
        try:
            return fn(*args)
        except (KeyError, IndexError, ValueError):
            return None
    first = [index(name) for name in LAYER_NAMES]  # the default layout is VGG19's
    return [first] + [[index(name, blocks) for name in layer_names(blocks)] for blocks in i.layouts]


def _judge_indices(got, i):
    from srlib.losses.perceptual import VGG19_LAYERS

    expect_count(got, len(i.layouts) + 1, "lists of indices")
    expect_count(got[0], len(LAYER_NAMES), "indices")
    for name, index in zip(LAYER_NAMES, got[0]):
        want = VGG19_LAYERS[name]
        if index != want:
            hint = " (off by one: conv before its ReLU, relu right after)" if abs(index - want) == 1 else ""
            return f"{name} is features[{want}] in torchvision's VGG19, got {index}{hint}"


def _judge_other_layouts(got, i):
    expect_count(got, len(i.layouts) + 1, "lists of indices")
    for blocks, indices in zip(i.layouts, got[1:]):
        layout, names = features_layout(blocks), layer_names(blocks)
        expect_count(indices, len(names), "indices")
        for name, index in zip(names, indices):
            if index != layout.index(name):
                return (f"with convs_per_block={blocks}, {name} is features[{layout.index(name)}], got {index}: "
                        "count the convs, ReLUs and pools of the layout you are given, not VGG19's")


# --------------------------------------------------------------- the loss
def loss_inputs(seed: int):
    gen = torch.Generator().manual_seed(seed)
    # 16 x 16 images: conv5_4 still sees a 1 x 1 map, and a CPU judges in a fraction of a second
    return SimpleNamespace(seed=seed, img_sr=torch.rand(2, 3, 16, 16, generator=gen),
                           img_hr=torch.rand(2, 3, 16, 16, generator=gen))


def _features(i):
    return copy.deepcopy(random_vgg19_features(i.seed))  # a fresh copy: students may edit it in place


def _values(cls, i):
    sizes = []  # the (H, W) that reaches VGG's first conv
    values = {}
    with torch.no_grad():
        for k in (34, 8):
            features = _features(i)
            features[0].register_forward_pre_hook(lambda module, args: sizes.append(list(args[0].shape[-2:])))
            values[str(k)] = float(cls(features, k)(i.img_sr.clone(), i.img_hr.clone()))
    return {**values, "vgg_input": sizes[:1]}


def _frozen(cls, i):
    loss_fn = cls(_features(i), 34)
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


def reference(i, index: int, normalize: bool = True, grad: bool = False):
    """The loss (or its gradient w.r.t. the SR image) as the task defines it, on the same VGG."""
    return _reference(i.seed, index, normalize, grad)


@functools.lru_cache(maxsize=8)
def _reference(seed: int, index: int, normalize: bool, grad: bool):
    from srlib.losses.perceptual import IMAGENET_MEAN, IMAGENET_STD

    i = loss_inputs(seed)
    feats = _features(i)[: index + 1].eval().requires_grad_(False)
    for k, m in enumerate(feats):
        if isinstance(m, nn.ReLU):
            feats[k] = nn.ReLU()
    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    prep = (lambda x: (x - mean) / std) if normalize else (lambda x: x)  # noqa: E731
    sr = i.img_sr.clone().requires_grad_(grad)
    loss = F.l1_loss(feats(prep(sr)), feats(prep(i.img_hr)))
    if grad:
        loss.backward()
        return sr.grad
    return loss.item()


def _judge_layer(values, i):
    got = float(values["34"])
    if values["vgg_input"] and list(values["vgg_input"][0]) != list(i.img_sr.shape[-2:]):
        return (f"the images reach VGG at {tuple(values['vgg_input'][0])}, not at their own size "
                f"{tuple(i.img_sr.shape[-2:])}: resizing (to 224 x 224, as one of the course's source documents "
                "does) destroys the detail the loss should compare; VGG's convolutions take any size")
    if math.isclose(got, reference(i, 34), rel_tol=1e-4):
        return None
    if math.isclose(got, reference(i, 35), rel_tol=1e-4):
        return "features were taken after the ReLU (index 35); conv5_4 is index 34, before it"
    if math.isclose(got, reference(i, 34, normalize=False), rel_tol=1e-4):
        return "inputs were not normalised with the ImageNet mean and std"
    return f"expected L1 of conv5_4 features {reference(i, 34):.5f}, got {got:.5f}"


def _judge_other_layer(values, i):
    got, want = float(values["8"]), reference(i, 8)
    if not math.isclose(got, want, rel_tol=1e-4):
        return f"for layer index 8 (relu2_2) expected {want:.5f}, got {got:.5f}"


def _judge_frozen(seen, i):
    if seen["requires_grad"]:
        return "VGG parameters still require gradients: freeze them with requires_grad_(False)"
    if seen["training"]:
        return "the VGG network is in training mode: call .eval() on it"
    if seen["grad"] is None or not np.abs(np.asarray(seen["grad"])).sum() > 0:
        return "no gradient reaches the SR image"
    grad = torch.from_numpy(np.asarray(seen["grad"], dtype=np.float32))
    if not torch.allclose(grad, reference(i, 34, grad=True), rtol=1e-3, atol=1e-7):
        return "the gradient that reaches the SR image is not the gradient of the conv5_4 L1 loss"


EXERCISE = Exercise("ex04_perceptual_loss", "04", "The VGG perceptual loss", (
    Task("vgg_layer_index", "vgg_layer_index", 2, index_inputs, (
        Step("conv/relu names -> torchvision indices", _indices, _judge_indices),
        Step("any layout of blocks (VGG16, others)", _indices, _judge_other_layouts),
    ), library=("srlib.losses.perceptual",)),
    Task("perceptual_loss", "VGGLoss", 4, loss_inputs, (
        Step("conv5_4 before activation, ImageNet-normalised", _values, _judge_layer),
        Step("the layer index is honoured", _values, _judge_other_layer),
        Step("VGG frozen, gradients reach the SR image", _frozen, _judge_frozen),
    ), library=("srlib.losses.perceptual",)),
))
