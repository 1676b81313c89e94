"""Generators, upsamplers and the public weight formats."""

import math

import pytest
import torch
from torch import nn

from srlib.models import (RRDB, MSRResNet, NearestConvUpsampler, PixelShuffleUpsampler,
                          ResidualBlock, ResidualBlockNoBN, ResidualDenseBlock, RRDBNet, SRResNet,
                          TransposedConvUpsampler, count_parameters, icnr_, load_esrgan_weights,
                          upsample_stages)

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
    assert int(math.log(4)) == 1  # the source document's bug, for the record


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


# ---------------------------------------------------------------- public weights
def small_rrdbnet(seed=0):
    torch.manual_seed(seed)
    return RRDBNet(num_feat=8, num_block=2, num_grow_ch=4).eval()


def to_original(state):
    out = {}
    for key, value in state.items():
        for a, b in (("conv_body", "trunk_conv"), ("body.", "RRDB_trunk."), (".rdb", ".RDB"),
                     ("conv_up", "upconv"), ("conv_hr", "HRconv")):
            key = key.replace(a, b)
        out[key] = value
    return out


def to_oldest(state, num_block=2):
    out = {}
    for key, value in state.items():
        head, _, tail = key.rpartition(".")
        if key.startswith("body."):
            _, n, rdb, conv, _ = key.split(".")
            out[f"model.1.sub.{n}.RDB{rdb[-1]}.{conv}.0.{tail}"] = value
            continue
        new = {"conv_first": "model.0", "conv_body": f"model.1.sub.{num_block}", "conv_up1": "model.3",
               "conv_up2": "model.6", "conv_hr": "model.8", "conv_last": "model.10"}[head]
        out[f"{new}.{tail}"] = value
    return out


def test_three_public_namings_load_to_identical_outputs(tmp_path):
    reference = small_rrdbnet(0)
    state = reference.state_dict()
    x = torch.rand(1, 3, 6, 6)
    files = {"basicsr.pth": {"params": state, "params_ema": state},
             "original.pth": to_original(state), "oldest.pth": to_oldest(state)}
    for name, content in files.items():
        torch.save(content, tmp_path / name)
        loaded = load_esrgan_weights(small_rrdbnet(1), tmp_path / name)
        assert torch.equal(loaded(x), reference(x)), name


def test_params_ema_preferred(tmp_path):
    a, b = small_rrdbnet(0).state_dict(), small_rrdbnet(1).state_dict()
    torch.save({"params": a, "params_ema": b}, tmp_path / "w.pth")
    loaded = load_esrgan_weights(small_rrdbnet(2), tmp_path / "w.pth")
    assert torch.equal(loaded.conv_first.weight, b["conv_first.weight"])


def test_wrong_architecture_lists_keys(tmp_path):
    torch.save(small_rrdbnet().state_dict(), tmp_path / "w.pth")
    with pytest.raises(ValueError, match="missing keys: body.2"):
        load_esrgan_weights(RRDBNet(num_feat=8, num_block=3, num_grow_ch=4), tmp_path / "w.pth")
    with pytest.raises(ValueError, match="mis-shaped: conv_first.weight"):
        load_esrgan_weights(RRDBNet(num_feat=16, num_block=2, num_grow_ch=4), tmp_path / "w.pth")
    state = small_rrdbnet().state_dict()
    state["extra.weight"] = torch.zeros(1)
    torch.save(state, tmp_path / "x.pth")
    with pytest.raises(ValueError, match="unexpected keys: extra.weight"):
        load_esrgan_weights(small_rrdbnet(), tmp_path / "x.pth")


def test_unreadable_and_missing_files(tmp_path):
    (tmp_path / "junk.pth").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not a readable PyTorch weights file"):
        load_esrgan_weights(small_rrdbnet(), tmp_path / "junk.pth")
    with pytest.raises(FileNotFoundError, match="download_esrgan_weights"):
        load_esrgan_weights(small_rrdbnet(), tmp_path / "none.pth")


def test_download_helper_saves_weights_and_rejects_web_pages(tmp_path, monkeypatch):
    from srlib.models import weights

    remote = tmp_path / "remote"
    remote.mkdir()
    torch.save(small_rrdbnet().state_dict(), remote / weights.PUBLIC_WEIGHTS["RRDB_PSNR_x4.pth"])
    (remote / weights.PUBLIC_WEIGHTS["RRDB_ESRGAN_x4.pth"]).write_text("<!DOCTYPE html><html>quota</html>")
    monkeypatch.setattr(weights, "DRIVE_URL", remote.as_uri() + "/{}")
    [path] = weights.download_esrgan_weights(tmp_path / "w", names=("RRDB_PSNR_x4.pth",))
    load_esrgan_weights(small_rrdbnet(), path)
    with pytest.raises(FileNotFoundError, match="web page instead of RRDB_ESRGAN_x4.pth"):
        weights.download_esrgan_weights(tmp_path / "w", names=("RRDB_ESRGAN_x4.pth",))
    assert not (tmp_path / "w" / "RRDB_ESRGAN_x4.pth").exists()


def test_residual_espcn_starts_at_bicubic():
    import torch.nn.functional as F

    from srlib.models import ResidualESPCN

    net = ResidualESPCN()
    assert 130_000 < count_parameters(net) < 140_000
    x = torch.rand(1, 3, 7, 9)
    torch.testing.assert_close(net(x), F.interpolate(x, scale_factor=4, mode="bicubic", align_corners=False))
    assert ResidualESPCN(num_feat=8, num_block=1, scale=3)(x).shape == (1, 3, 21, 27)
    with pytest.raises(ValueError, match="scale=5"):
        ResidualESPCN(scale=5)


def test_generator_file_round_trip(tmp_path):
    from srlib.models.generator_file import build_generator, load_generator, save_generator

    for config in ({"generator": "rrdbnet", "num_feat": 8, "num_block": 1, "num_grow_ch": 4, "scale": 4},
                   {"generator": "srresnet", "num_feat": 8, "num_block": 1, "scale": 2},
                   {"generator": "msrresnet", "num_feat": 8, "num_block": 1, "scale": 4},
                   {"generator": "espcn", "num_feat": 8, "num_block": 1, "scale": 4}):
        model = build_generator(config).eval()
        path = save_generator(tmp_path / f"{config['generator']}.pt", model, config, "test")
        x = torch.rand(1, 3, 6, 6)
        assert torch.equal(load_generator(path)(x), model(x))
    torch.save(small_rrdbnet().state_dict(), tmp_path / "public.pth")  # public weights: paper-size RRDBNet
    with pytest.raises(ValueError, match="do not fit RRDBNet"):
        load_generator(tmp_path / "public.pth")
    with pytest.raises(ValueError, match="unknown generator"):
        build_generator({"generator": "edsr", "num_feat": 8, "num_block": 1, "scale": 4})
