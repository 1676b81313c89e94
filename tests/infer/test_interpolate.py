"""ESRGAN network interpolation and image interpolation (srlib/infer/interpolate.py), and the CLI's errors."""

from dataclasses import replace

import pytest
import torch

from helpers import TINY_GENERATOR, saved_generator
from srlib.cli import main
from srlib.infer import (ImageInterpolation, evaluate_generator, evaluation_set, interpolate_files, interpolate_images,
                         interpolate_state_dicts)
from srlib.models import RRDBNet
from srlib.models.generator_file import load_generator


def test_interpolation_endpoints_are_exact(tmp_path):
    a, b = saved_generator(tmp_path, "a.pt", 0), saved_generator(tmp_path, "b.pt", 1)
    sa, sb = load_generator(a).state_dict(), load_generator(b).state_dict()
    for alpha, want in ((0.0, sa), (1.0, sb)):
        out = load_generator(interpolate_files(a, b, alpha, tmp_path / f"i{alpha}.pt")).state_dict()
        assert all(torch.equal(out[k], want[k]) for k in want)
    half = interpolate_state_dicts(sa, sb, 0.5)
    torch.testing.assert_close(half["conv_head.weight"], (sa["conv_head.weight"] + sb["conv_head.weight"]) / 2)


def test_interpolation_refuses_other_architectures_naming_the_key():
    a = RRDBNet(num_feat=8, num_block=1, num_grow_ch=4).state_dict()
    b = RRDBNet(num_feat=8, num_block=2, num_grow_ch=4).state_dict()
    with pytest.raises(ValueError, match="key 'body.1.rdb1.conv1.weight' is missing from the PSNR weights"):
        interpolate_state_dicts(a, b, 0.5)
    c = RRDBNet(num_feat=16, num_block=1, num_grow_ch=4).state_dict()
    with pytest.raises(ValueError, match="key 'conv_first.weight' has shape"):
        interpolate_state_dicts(a, c, 0.5)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        interpolate_state_dicts(a, a, 1.5)


def test_cli_errors(tmp_path, capsys):
    assert main(["evaluate", "--weights", str(tmp_path / "none.pt")]) == 2
    assert "no such weights file (a generator.pt" in capsys.readouterr().err
    (tmp_path / "x.png").write_bytes(b"not a model")
    assert main(["evaluate", "--weights", str(tmp_path / "x.png")]) == 2
    assert "not a readable" in capsys.readouterr().err
    a = saved_generator(tmp_path, "a.pt", 0)
    b = saved_generator(tmp_path, "b.pt", 0, replace(TINY_GENERATOR, num_feat=16))
    assert main(["interpolate", "--psnr", str(a), "--gan", str(b), "--alpha", "0.5", "--out", str(tmp_path / "c.pt")]) == 2
    assert "different architectures" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError):
        evaluation_set("set5", root=str(tmp_path))
    assert evaluate_generator(load_generator(a), evaluation_set("samples"))["mean"]["bicubic_psnr"] > 25


def test_image_interpolation_is_the_pixelwise_blend():
    torch.manual_seed(0)
    img_psnr, img_gan = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)  # (B, 3, H, W) in [0, 1]
    assert torch.equal(interpolate_images(img_psnr, img_gan, 0.0), img_psnr)
    assert torch.equal(interpolate_images(img_psnr, img_gan, 1.0), img_gan)
    torch.testing.assert_close(interpolate_images(img_psnr, img_gan, 0.25), 0.75 * img_psnr + 0.25 * img_gan)
    with pytest.raises(ValueError, match="differ in shape"):
        interpolate_images(img_psnr, img_gan[..., :4], 0.5)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        interpolate_images(img_psnr, img_gan, -0.1)


def test_image_interpolation_module_blends_the_outputs_and_keeps_the_ends():
    psnr_model = torch.nn.Upsample(scale_factor=2, mode="nearest")  # (B, 3, h, w) -> (B, 3, 2h, 2w)
    gan_model = lambda x: psnr_model(x) * 2 - 0.5  # noqa: E731  leaves [0, 1]: blended as returned
    img_lr = torch.rand(1, 3, 4, 4)
    out = ImageInterpolation(psnr_model, gan_model, 0.5)(img_lr)
    assert out.shape == (1, 3, 8, 8)
    torch.testing.assert_close(out, (psnr_model(img_lr) + gan_model(img_lr)) / 2)
    assert torch.equal(ImageInterpolation(psnr_model, gan_model, 1.0)(img_lr), gan_model(img_lr))
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        ImageInterpolation(psnr_model, gan_model, 2.0)
