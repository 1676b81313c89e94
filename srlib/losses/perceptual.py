"""VGG19 features and the perceptual loss (SRGAN Sec. 2.2.1; ESRGAN Sec. 3.3).

Layers are named as in the papers and mapped to ``torchvision``'s
``vgg19().features`` indices: ``conv5_4`` = 34, ``relu5_4`` = 35, ...
A ``convX_Y`` layer is taken *before* its ReLU (ESRGAN: denser features, no
brightness drift), ``reluX_Y`` after it (SRGAN's "VGG54" = relu5_4).
The network is frozen (eval mode, no gradients into it) and inputs in [0, 1]
are normalised with the ImageNet mean and std.

``weights="imagenet"`` loads torchvision's pretrained weights (downloaded on
Colab, then cached); offline it raises an error that says so. Only an
explicit ``weights="random"`` gives random weights, with a visible warning:
a loss on random features is only illustrative. Taught in: notebook 04.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_BLOCKS = (2, 2, 4, 4, 4)  # convs per block in VGG19


def vgg19_layer_indices() -> dict[str, int]:
    """{'conv1_1': 0, 'relu1_1': 1, ..., 'conv5_4': 34, 'relu5_4': 35, 'pool5': 36}."""
    names, i = {}, 0
    for block, n_convs in enumerate(_BLOCKS, start=1):
        for k in range(1, n_convs + 1):
            names[f"conv{block}_{k}"], names[f"relu{block}_{k}"] = i, i + 1
            i += 2
        names[f"pool{block}"] = i
        i += 1
    return names


VGG19_LAYERS = vgg19_layer_indices()


def vgg19_weights_cached() -> bool:
    """True when torchvision's ImageNet VGG19 weights are already cached, so no download is needed.

    Notebooks use it to pick ``weights='imagenet'`` offline only where that works
    (the ``cpu`` profile on a machine that was online once), else an explicit
    ``'random'``.
    """
    from torchvision.models import VGG19_Weights

    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(VGG19_Weights.IMAGENET1K_V1.url).name
    return cached.exists()


def vgg_weights_for(profile_name: str) -> str:
    """The VGG19 weights a notebook uses: 'random' under ``ci``, else 'imagenet' where they load.

    Under ``cpu`` and ``gpu`` this downloads the ImageNet weights once (about
    550 MB, then cached); offline it says so and returns 'random', so that a
    laptop without a network still runs the notebook, with a loud note.
    """
    if profile_name == "ci":
        return "random"
    if vgg19_weights_cached():
        return "imagenet"
    try:
        _load_vgg19("imagenet")
    except RuntimeError as exc:
        print(f"NOTE: {exc}\nUsing RANDOM VGG19 weights instead: perceptual numbers are illustrative only.")
        return "random"
    return "imagenet"


def _load_vgg19(weights: str) -> nn.Sequential:
    from torchvision.models import VGG19_Weights, vgg19

    if weights == "random":
        warnings.warn("VGG19 with RANDOM weights: the perceptual loss is only illustrative; "
                      "use weights='imagenet' (online, e.g. Colab) for real training", stacklevel=3)
        return vgg19(weights=None).features
    if weights != "imagenet":
        raise ValueError(f"weights must be 'imagenet' or 'random', got {weights!r}")
    try:
        return vgg19(weights=VGG19_Weights.IMAGENET1K_V1).features
    except Exception as exc:  # URLError, socket errors, ...
        raise RuntimeError(
            "could not load torchvision's ImageNet VGG19 weights (offline?). Run once online "
            "(they are cached under ~/.cache/torch/hub/checkpoints), or pass weights='random' "
            f"explicitly for an illustrative loss. Cause: {exc.__class__.__name__}: {exc}") from exc


class VGGFeatureExtractor(nn.Module):
    """Frozen VGG19 returning named layers from one forward pass.

    Input (N, 3, H, W) in [0, 1]; output {layer name: (N, C_l, H_l, W_l)}.
    """

    def __init__(self, layers: tuple[str, ...] = ("conv5_4",), weights: str = "imagenet", normalize: bool = True):
        super().__init__()
        unknown = [name for name in layers if name not in VGG19_LAYERS]
        if unknown:
            raise ValueError(f"unknown VGG19 layers {unknown}; valid names look like conv5_4, relu2_2")
        self.layers = {VGG19_LAYERS[name]: name for name in layers}
        features = _load_vgg19(weights)[: max(self.layers) + 1]  # drop what is never used
        for i, module in enumerate(features):
            if isinstance(module, nn.ReLU):
                features[i] = nn.ReLU(inplace=False)  # in-place would overwrite conv outputs we return
        self.features = features.eval().requires_grad_(False)
        self.normalize = normalize
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def train(self, mode: bool = True) -> VGGFeatureExtractor:
        """Set the mode like any module; the VGG layers stay in eval mode (frozen)."""
        super().train(mode)
        self.features.eval()  # frozen: always eval mode
        return self

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        """The chosen layers' feature maps phi_l(x), from one pass; x in [0, 1] (ImageNet-normalised here)."""
        if self.normalize:
            x = (x - self.mean) / self.std
        out = {}
        for i, module in enumerate(self.features):
            x = module(x)
            if i in self.layers:
                out[self.layers[i]] = x
        return out


class PerceptualLoss(nn.Module):
    """sum_l w_l * criterion(s * phi_l(SR), s * phi_l(HR)) over chosen VGG19 layers.

    Args:
        layer_weights: {layer name: weight}, e.g. {'conv5_4': 1.0}.
        criterion: 'l1' (ESRGAN) or 'mse' (SRGAN).
        feature_scale: s; SRGAN rescales VGG features by 1/12.75.
        weights: 'imagenet' or, explicitly, 'random'.
    """

    def __init__(self, layer_weights: dict[str, float] | None = None, criterion: str = "l1", feature_scale: float = 1.0,
                 weights: str = "imagenet"):
        super().__init__()
        self.layer_weights = dict(layer_weights or {"conv5_4": 1.0})
        if criterion not in ("l1", "mse"):
            raise ValueError(f"criterion must be 'l1' or 'mse', got {criterion!r}")
        self.criterion = F.l1_loss if criterion == "l1" else F.mse_loss
        self.feature_scale = feature_scale
        self.vgg = VGGFeatureExtractor(tuple(self.layer_weights), weights=weights)

    @classmethod
    def srgan(cls, weights: str = "imagenet") -> "PerceptualLoss":
        """SRGAN's VGG54: MSE on relu5_4 features rescaled by 1/12.75."""
        return cls({"relu5_4": 1.0}, criterion="mse", feature_scale=1 / 12.75, weights=weights)

    @classmethod
    def esrgan(cls, weights: str = "imagenet") -> "PerceptualLoss":
        """ESRGAN: L1 on conv5_4 features, before the activation."""
        return cls({"conv5_4": 1.0}, criterion="l1", weights=weights)

    def forward(self, img_sr: Tensor, img_hr: Tensor) -> Tensor:
        """The loss of SR against HR, both (N, 3, H, W) in [0, 1]; HR's features carry no gradient."""
        feats_sr = self.vgg(img_sr)
        with torch.no_grad():
            feats_hr = self.vgg(img_hr)
        s = self.feature_scale
        return sum(w * self.criterion(s * feats_sr[name], s * feats_hr[name])
                   for name, w in self.layer_weights.items())
