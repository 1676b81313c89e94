"""Generators and their blocks: RRDBNet (rrdb.py), SRResNet and MSRResNet (srresnet.py),
residual blocks (blocks.py), ResidualESPCN (espcn.py)."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from srlib.models import (RRDB, MSRResNet, ResidualBlock, ResidualBlockNoBN, ResidualDenseBlock, ResidualESPCN,
                          RRDBNet, SRResNet, count_parameters)

def test_parameter_counts_match_the_papers():
    assert count_parameters(RRDBNet()) == 16_697_987
    assert count_parameters(RRDB(64, 32)) == 719_424
    assert count_parameters(ResidualDenseBlock(64, 32)) == 239_808
    assert count_parameters(MSRResNet()) == 1_517_571
    assert 1_540_000 < count_parameters(SRResNet()) < 1_560_000


def test_rrdbnet_state_dict_keys_are_basicsr_names():
    keys = set(RRDBNet().state_dict())
    for key in ("conv_first.weight", "body.22.rdb3.conv5.bias", "conv_body.weight",
                "conv_up1.weight", "conv_up2.weight", "conv_hr.weight", "conv_last.bias"):
        assert key in keys
    assert len(keys) == 2 * (1 + 23 * 15 + 1 + 2 + 1 + 1)


def test_rrdb_blocks_are_distinct_and_init_scaled():
    block = RRDB(16, 8)
    assert block.rdb1 is not block.rdb2 and block.rdb1.conv1.weight.data_ptr() != block.rdb2.conv1.weight.data_ptr()
    std = block.rdb1.conv1.weight.std().item()
    assert std == pytest.approx(0.1 * math.sqrt(2 / (16 * 9)), rel=0.2)  # Kaiming x 0.1


def test_residual_blocks_add_their_input():
    torch.manual_seed(0)
    for block in (ResidualBlock(8, batch_norm=False), ResidualBlockNoBN(8)):
        for p in block.parameters():
            nn.init.zeros_(p)
        if isinstance(block, ResidualBlock):
            nn.init.ones_(block.act.weight)
        x = torch.randn(1, 8, 4, 4)
        assert torch.equal(block(x), x)


@pytest.mark.parametrize("net", [SRResNet(num_feat=8, num_block=2), RRDBNet(num_feat=8, num_block=2, num_grow_ch=4),
                                 MSRResNet(num_feat=8, num_block=2)])
def test_gradients_reach_the_first_layer(net):
    net(torch.rand(1, 3, 6, 6)).mean().backward()
    first = next(net.parameters())
    assert first.grad is not None and first.grad.abs().sum() > 0


def test_eval_outputs_are_deterministic():
    net = SRResNet(num_feat=8, num_block=2).eval()
    x = torch.rand(1, 3, 6, 6)
    assert torch.equal(net(x), net(x))


def test_residual_espcn_starts_at_bicubic():
    net = ResidualESPCN()
    assert 130_000 < count_parameters(net) < 140_000
    x = torch.rand(1, 3, 7, 9)
    torch.testing.assert_close(net(x), F.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False))
    assert ResidualESPCN(num_feat=8, num_block=1, scale=3)(x).shape == (1, 3, 21, 27)
    with pytest.raises(ValueError, match="scale=5"):
        ResidualESPCN(scale=5)


def test_msrresnet_initialisation_is_basicsrs_kaiming_times_0_1():
    torch.manual_seed(0)
    net = MSRResNet(num_feat=64, num_block=1)
    for conv in (net.conv_first, net.upconv1, net.conv_hr, net.body[0].conv1):
        fan_in = conv.weight[0].numel()
        assert conv.weight.std().item() == pytest.approx(0.1 * math.sqrt(2 / fan_in), rel=0.2)
        assert not conv.bias.any()


def test_rrdbnet_bicubic_skip_starts_near_matlab_bicubic_and_keeps_the_state_dict():
    """The course's small models learn the residual over MATLAB bicubic (issue #22); the paper's net does not."""
    from srlib.data import imresize
    from srlib.models import GeneratorConfig, build_generator

    torch.manual_seed(0)
    skip = RRDBNet(num_feat=16, num_block=1, num_grow_ch=8, bicubic_skip=True)
    plain = RRDBNet(num_feat=16, num_block=1, num_grow_ch=8)
    assert skip.state_dict().keys() == plain.state_dict().keys()
    x = torch.rand(1, 3, 12, 12)
    with torch.no_grad():
        out, bicubic = skip(x), imresize(x, 4)
        assert out.shape == (1, 3, 48, 48)
        torch.testing.assert_close(out - skip.body_and_upsampler(x), bicubic)
        assert (out - bicubic).abs().mean() < 0.1 * bicubic.abs().mean()  # starts close to bicubic
    config = GeneratorConfig("rrdbnet", num_feat=16, num_block=1, num_grow_ch=8, bicubic_skip=True)
    assert build_generator(config).bicubic_skip
    assert GeneratorConfig.from_dict({"architecture": "rrdbnet"}).bicubic_skip is False  # older files
    with pytest.raises(ValueError, match="RRDBNet option"):
        GeneratorConfig("srresnet", bicubic_skip=True)
