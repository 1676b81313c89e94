"""VGG19 feature extractor and the perceptual loss (random weights: offline)."""

import warnings

import pytest
import torch

from srlib.losses import PerceptualLoss, VGG19_LAYERS, VGGFeatureExtractor


def random_vgg(layers):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return VGGFeatureExtractor(layers, weights="random")


def test_layer_indices_match_torchvision():
    assert VGG19_LAYERS["conv1_1"] == 0 and VGG19_LAYERS["relu2_2"] == 8
    assert VGG19_LAYERS["conv5_4"] == 34 and VGG19_LAYERS["relu5_4"] == 35 and VGG19_LAYERS["pool5"] == 36
    from torchvision.models import vgg19

    features = vgg19(weights=None).features
    assert all(isinstance(features[i], torch.nn.Conv2d) for n, i in VGG19_LAYERS.items() if n.startswith("conv"))
    assert all(isinstance(features[i], torch.nn.ReLU) for n, i in VGG19_LAYERS.items() if n.startswith("relu"))


def test_random_weights_warn_visibly():
    with pytest.warns(UserWarning, match="RANDOM weights"):
        VGGFeatureExtractor(("relu1_1",), weights="random")


def test_imagenet_offline_is_a_clear_error(monkeypatch):
    import torchvision.models as tvm

    def offline(*args, **kwargs):
        raise OSError("no network")
    monkeypatch.setattr(tvm, "vgg19", offline)
    with pytest.raises(RuntimeError, match="weights='random' explicitly"):
        VGGFeatureExtractor(("conv5_4",), weights="imagenet")


def test_features_before_and_after_activation_from_one_pass():
    vgg = random_vgg(("conv2_2", "relu2_2", "conv5_4"))
    out = vgg(torch.rand(1, 3, 32, 32))
    assert set(out) == {"conv2_2", "relu2_2", "conv5_4"}
    assert (out["conv2_2"] < 0).any(), "pre-activation features keep their negative values"
    torch.testing.assert_close(out["relu2_2"], out["conv2_2"].clamp(min=0))
    assert out["conv5_4"].shape == (1, 512, 2, 2)
    assert len(vgg.features) == 35  # truncated after conv5_4


def test_vgg_is_frozen_and_stays_in_eval_mode():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = PerceptualLoss.esrgan(weights="random")
    loss.train()
    assert not loss.vgg.features.training
    assert all(not p.requires_grad for p in loss.parameters())
    sr = torch.rand(2, 3, 32, 32, requires_grad=True)
    value = loss(sr, torch.rand(2, 3, 32, 32))
    value.backward()
    assert sr.grad is not None and sr.grad.abs().sum() > 0
    assert all(p.grad is None for p in loss.parameters())


def test_presets_and_identical_images():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        srgan, esrgan = PerceptualLoss.srgan(weights="random"), PerceptualLoss.esrgan(weights="random")
    assert srgan.layer_weights == {"relu5_4": 1.0} and srgan.feature_scale == pytest.approx(1 / 12.75)
    assert esrgan.layer_weights == {"conv5_4": 1.0}
    x = torch.rand(1, 3, 32, 32)
    assert esrgan(x, x).item() == 0.0
    with pytest.raises(ValueError, match="unknown VGG19 layers"):
        VGGFeatureExtractor(("conv6_1",), weights="random")
