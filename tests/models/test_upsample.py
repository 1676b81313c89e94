"""Upsamplers: pixel shuffle, nearest + conv, transposed conv; stage counts; ICNR."""

import pytest
import torch

from srlib.models import (NearestConvUpsampler, PixelShuffleUpsampler, RRDBNet, SRResNet,
                          TransposedConvUpsampler, icnr_, upsample_stages)

SCALES = {"pixelshuffle": (2, 3, 4, 8), "nearest": (2, 3, 4, 8), "transposed": (2, 4, 8)}


@pytest.mark.parametrize("upsampler,scale", [(u, s) for u, ss in SCALES.items() for s in ss])
def test_generator_shapes_for_every_upsampler_and_scale(upsampler, scale):
    x = torch.rand(2, 3, 5, 7)
    for net in (SRResNet(num_feat=8, num_block=1, scale=scale, upsampler=upsampler),
                RRDBNet(num_feat=8, num_block=1, num_grow_ch=4, scale=scale, upsampler=upsampler)):
        assert net(x).shape == (2, 3, 5 * scale, 7 * scale)


def test_unsupported_scales_are_clear_errors():
    with pytest.raises(ValueError, match="scale=3 unsupported here; use 2, 4 or 8"):
        SRResNet(num_block=1, scale=3, upsampler="transposed")
    with pytest.raises(ValueError, match="scale=5"):
        RRDBNet(num_block=1, scale=5)
    with pytest.raises(ValueError, match="unknown upsampler"):
        SRResNet(num_block=1, upsampler="bilinear")


def test_stage_count_is_log2():
    assert [len(upsample_stages(s)) for s in (2, 4, 8)] == [1, 2, 3]
    assert upsample_stages(3) == [3]


def test_icnr_starts_as_nearest_upsampling():
    up = PixelShuffleUpsampler(8, 2, act="lrelu", icnr=True)
    out = up(torch.randn(1, 8, 5, 5))
    blocks = out.reshape(1, 8, 5, 2, 5, 2)
    assert torch.allclose(blocks, blocks[:, :, :, :1, :, :1].expand_as(blocks))
    w = torch.empty(16, 4, 3, 3)
    icnr_(w, 2)
    assert torch.equal(w[0], w[3]) and not torch.equal(w[0], w[4])


def test_upsampler_modules_compose_stages():
    assert len(NearestConvUpsampler(8, 8)) == 3 and len(PixelShuffleUpsampler(8, 4)) == 2
    assert len(TransposedConvUpsampler(8, 4)) == 4  # conv + activation per stage
