"""UpsamplerTestbed: only the upsampler differs, and it starts close to MATLAB bicubic."""

import pytest
import torch

from srlib.data import imresize
from srlib.models import UpsamplerTestbed
from srlib.pretrained.upsamplers import VARIANTS, build_testbed


@pytest.mark.parametrize("kind", ["pixelshuffle", "nearest", "transposed"])
def test_shape_and_a_start_close_to_matlab_bicubic(kind):
    torch.manual_seed(0)
    x = torch.rand(2, 3, 9, 11)
    net = UpsamplerTestbed(kind, num_feat=8, num_block=1)
    with torch.no_grad():
        out = net(x)
    assert out.shape == (2, 3, 36, 44)
    gap = (out - imresize(x, 4)).abs()
    assert 0 < gap.mean() < 0.05  # small, not zero: every layer gets a gradient at once


def test_the_variants_of_one_seed_share_their_trunk_and_differ_in_the_upsampler():
    nets = {name: build_testbed(name, seed=1) for name in VARIANTS}
    first = nets["pixel shuffle"]
    for name, net in nets.items():
        for part in ("conv_first", "body"):
            for a, b in zip(getattr(first, part).parameters(), getattr(net, part).parameters()):
                assert torch.equal(a, b), (name, part)
    assert type(nets["nearest + conv"].upsample).__name__ == "NearestConvUpsampler"
    assert type(nets["transposed conv"].upsample).__name__ == "TransposedConvUpsampler"
    icnr = nets["pixel shuffle + ICNR"].upsample[0][0].weight  # (4C, C, 3, 3): four equal sub-kernels
    assert torch.equal(icnr[0::4], icnr[1::4]) and not torch.equal(first.upsample[0][0].weight[0::4],
                                                                    first.upsample[0][0].weight[1::4])
    assert not torch.equal(build_testbed("pixel shuffle", seed=2).conv_first.weight, first.conv_first.weight)


def test_an_unknown_variant_lists_the_known_ones():
    with pytest.raises(ValueError, match="choose from pixel shuffle, pixel shuffle \\+ ICNR, nearest"):
        build_testbed("bilinear", seed=0)
