"""SRGAN's discriminator (Sec. 2.1 and Fig. 4) and ESRGAN's (BasicSR's layout, names and shapes)."""

import pytest
import torch
import torch.nn.functional as F

import srlib.models
from srlib.models import ESRGANDiscriminator, SRGANDiscriminator
from srlib.train import get_recipe
from srlib.train.components import build_discriminator


@pytest.mark.parametrize("size", [96, 128])
def test_srgan_discriminator_one_logit_per_image(size):
    d = SRGANDiscriminator(input_size=size)
    assert d(torch.rand(3, 3, size, size)).shape == (3, 1)
    convs = [m for m in d.features if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 64, 128, 128, 256, 256, 512, 512]
    assert [c.stride[0] for c in convs] == [1, 2] * 4
    slopes = {m.negative_slope for m in d.modules() if isinstance(m, torch.nn.LeakyReLU)}
    assert slopes == {0.2}
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules()) == 7
    assert d.classifier[1].out_features == 1024  # the paper's Dense(1024)


def test_retired_name_says_which_class_to_use():
    """``VGGStyleDiscriminator`` named SRGAN's layout, while BasicSR's class of that name is ESRGAN's."""
    for get in (lambda: srlib.models.VGGStyleDiscriminator,
                lambda: exec("from srlib.models import VGGStyleDiscriminator", {})):
        with pytest.raises(ImportError, match="SRGANDiscriminator.*ESRGANDiscriminator"):
            get()
    assert "VGGStyleDiscriminator" not in srlib.models.__all__
    with pytest.raises(AttributeError):
        srlib.models.NoSuchName  # noqa: B018


def test_srgan_critic_variants_have_no_batchnorm_and_are_per_sample():
    for norm in ("none", "layer", "instance"):
        critic = SRGANDiscriminator(input_size=32, depth=3, num_feat=8, norm=norm).eval()
        assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in critic.modules())
        x = torch.rand(4, 3, 32, 32)
        torch.testing.assert_close(critic(x)[:1], critic(x[:1]))  # a score ignores the rest of the batch


def test_srgan_discriminator_bad_arguments():
    with pytest.raises(ValueError, match="divisible"):
        SRGANDiscriminator(input_size=100)
    with pytest.raises(ValueError, match="norm must be"):
        SRGANDiscriminator(norm="spectral")
    with pytest.raises(ValueError, match="input_size=64"):
        SRGANDiscriminator(input_size=96)(torch.rand(1, 3, 64, 64))


def basicsr_state_dict(num_feat=64, seed=0) -> dict:
    """A state dict with the names and shapes of BasicSR's VGGStyleDiscriminator at 128 px,
    written out from BasicSR's ``discriminator_arch.py`` (not from our class), random values."""
    g = torch.Generator().manual_seed(seed)
    c = [num_feat, num_feat * 2, num_feat * 4, num_feat * 8, num_feat * 8]
    shapes = {"conv0_0.weight": (c[0], 3, 3, 3), "conv0_0.bias": (c[0],), "conv0_1.weight": (c[0], c[0], 4, 4)}
    bns = {"bn0_1": c[0]}
    for i in range(1, 5):
        shapes[f"conv{i}_0.weight"] = (c[i], c[i - 1], 3, 3)
        shapes[f"conv{i}_1.weight"] = (c[i], c[i], 4, 4)
        bns[f"bn{i}_0"] = bns[f"bn{i}_1"] = c[i]
    shapes.update({"linear1.weight": (100, c[4] * 4 * 4), "linear1.bias": (100,),
                   "linear2.weight": (1, 100), "linear2.bias": (1,)})
    state = {k: 0.05 * torch.randn(s, generator=g) for k, s in shapes.items()}
    for name, ch in bns.items():
        state.update({f"{name}.weight": 1 + 0.1 * torch.randn(ch, generator=g),
                      f"{name}.bias": 0.1 * torch.randn(ch, generator=g),
                      f"{name}.running_mean": 0.1 * torch.randn(ch, generator=g),
                      f"{name}.running_var": 1 + 0.1 * torch.rand(ch, generator=g),
                      f"{name}.num_batches_tracked": torch.tensor(10)})
    return state


def basicsr_forward(state: dict, x: torch.Tensor) -> torch.Tensor:
    """BasicSR's forward, written out with functional ops, in eval mode (running BN statistics)."""
    def bn(feat, name):
        return F.batch_norm(feat, state[f"{name}.running_mean"], state[f"{name}.running_var"],
                            state[f"{name}.weight"], state[f"{name}.bias"], training=False, eps=1e-5)

    lrelu = lambda t: F.leaky_relu(t, 0.2)  # noqa: E731
    feat = lrelu(F.conv2d(x, state["conv0_0.weight"], state["conv0_0.bias"], padding=1))
    feat = lrelu(bn(F.conv2d(feat, state["conv0_1.weight"], stride=2, padding=1), "bn0_1"))
    for i in range(1, 5):
        feat = lrelu(bn(F.conv2d(feat, state[f"conv{i}_0.weight"], padding=1), f"bn{i}_0"))
        feat = lrelu(bn(F.conv2d(feat, state[f"conv{i}_1.weight"], stride=2, padding=1), f"bn{i}_1"))
    feat = lrelu(F.linear(feat.reshape(feat.shape[0], -1), state["linear1.weight"], state["linear1.bias"]))
    return F.linear(feat, state["linear2.weight"], state["linear2.bias"])


def test_esrgan_discriminator_loads_basicsr_names_strictly_and_counts_14_499_401():
    state = basicsr_state_dict()
    d = ESRGANDiscriminator(input_size=128)
    d.load_state_dict(state, strict=True)  # same names, same shapes
    assert sum(p.numel() for p in d.parameters()) == 14_499_401  # BasicSR's count at 128 px
    assert sum(v.numel() for k, v in state.items() if "running" not in k and "num_batches" not in k) == 14_499_401


def test_esrgan_discriminator_outputs_match_basicsr_forward_with_the_same_weights():
    state = basicsr_state_dict(num_feat=8, seed=1)
    d = ESRGANDiscriminator(input_size=128, num_feat=8).eval()
    d.load_state_dict(state, strict=True)
    x = torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(d(x), basicsr_forward(state, x))


@pytest.mark.parametrize("size,side", [(48, 1), (64, 2), (128, 4)])
def test_esrgan_discriminator_small_patches(size, side):
    d = ESRGANDiscriminator(input_size=size, num_feat=8)
    assert d.linear1.in_features == 64 * side * side
    assert d(torch.rand(2, 3, size, size)).shape == (2, 1)


def test_esrgan_discriminator_256_has_basicsr_extra_stage():
    d = ESRGANDiscriminator(input_size=256, num_feat=4)
    names = set(d.state_dict())
    assert {"conv5_0.weight", "bn5_0.weight", "conv5_1.weight", "bn5_1.weight"} <= names
    assert d.linear1.in_features == 32 * 4 * 4


def test_esrgan_critic_is_per_sample_and_convs_get_their_bias_back():
    critic = ESRGANDiscriminator(input_size=48, num_feat=8, norm="none").eval()
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in critic.modules())
    assert critic.conv1_0.bias is not None and critic.conv0_1.bias is not None
    x = torch.rand(3, 3, 48, 48)
    torch.testing.assert_close(critic(x)[:1], critic(x[:1]))


def test_esrgan_discriminator_bad_arguments():
    with pytest.raises(ValueError, match="too small"):
        ESRGANDiscriminator(input_size=16)
    with pytest.raises(ValueError, match="norm must be"):
        ESRGANDiscriminator(norm="spectral")
    with pytest.raises(ValueError, match="input_size=64"):
        ESRGANDiscriminator(input_size=128, num_feat=4)(torch.rand(1, 3, 64, 64))


def test_recipes_pick_the_papers_discriminators():
    for name, cls in (("srgan", SRGANDiscriminator), ("esrgan", ESRGANDiscriminator),
                      ("esrgan_wgangp", ESRGANDiscriminator)):
        recipe = get_recipe(name)
        assert type(build_discriminator(recipe)) is cls, name
    critic = build_discriminator(get_recipe("esrgan_wgangp"))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in critic.modules())
