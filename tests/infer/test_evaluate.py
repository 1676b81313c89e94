"""``srlib evaluate`` (srlib/infer/evaluate.py): the literature's protocol beside bicubic."""

import json

import pytest
import torch

from helpers import saved_generator
from srlib.cli import main
from srlib.infer import evaluation_set
from srlib.metrics import psnr
from srlib.models.generator_file import load_generator


def test_evaluate_matches_srlib_metrics(tmp_path, capsys):
    path = saved_generator(tmp_path, "g.pt", 0)
    assert main(["evaluate", "--weights", str(path), "--data", "samples", "--out", str(tmp_path / "ev")]) == 0
    result = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    data = evaluation_set("samples")
    model = load_generator(path)
    img_lr, img_hr = data[1]
    with torch.no_grad():
        want = psnr(model(img_lr[None]).clamp(0, 1), img_hr[None]).item()
    assert result["per_image"][1]["model_psnr"] == pytest.approx(want, abs=1e-6)
    assert (tmp_path / "ev" / "evaluation.csv").read_text().count("\n") == len(data) + 2
    assert "bicubic PSNR-Y" in capsys.readouterr().out


def test_lpips_is_optional_with_a_clear_message(tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_lpips(name, *args, **kwargs):
        if name == "lpips":
            raise ImportError("no lpips here")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_lpips)
    path = saved_generator(tmp_path, "g.pt", 0)
    assert main(["evaluate", "--weights", str(path), "--lpips", "--out", str(tmp_path / "ev")]) == 0
    assert "LPIPS skipped: the lpips package is not installed" in capsys.readouterr().out


def test_several_sets_offline_use_the_held_out_photos_and_say_so(tmp_path, capsys):
    """Issue #24: --data all (or a list) prints one row per method, bicubic first; offline, the bundled photos."""
    path = saved_generator(tmp_path, "g.pt", 0)
    assert main(["evaluate", "--weights", str(path), "--data", "all", "--root", str(tmp_path / "none"),
                 "--out", str(tmp_path / "ev")]) == 0
    out = capsys.readouterr().out
    assert "none of set5, set14, b100, urban100, div2k-valid found" in out and "held-out photos" in out
    lines = out.splitlines()
    bicubic = next(i for i, line in enumerate(lines) if line.startswith("bicubic"))
    assert lines[bicubic + 1].startswith("model") and "samples" in lines[bicubic - 1]
    rows = (tmp_path / "ev" / "evaluation_sets.csv").read_text().splitlines()
    assert rows[0] == "method,set,images,psnr_y,ssim_y" and rows[1].startswith("bicubic,samples,3,29.")


def _div2k_valid(root, monkeypatch, names=("0801", "0802")):
    """DIV2K's validation layout with small photo crops, made by the download code from local archives."""
    import io
    import zipfile

    from PIL import Image

    from srlib.data import div2k_folders, download_div2k, make_lr, sample_photos

    remote = root / "remote"
    remote.mkdir(parents=True)
    photos = list(sample_photos("val").values())
    with zipfile.ZipFile(remote / "DIV2K_valid_HR.zip", "w") as hr_zip, \
            zipfile.ZipFile(remote / "DIV2K_valid_LR_bicubic_X4.zip", "w") as lr_zip:
        for name, photo in zip(names, photos):
            for z, member, img in ((hr_zip, f"DIV2K_valid_HR/{name}.png", photo[:96, :128]),
                                   (lr_zip, f"DIV2K_valid_LR_bicubic/X4/{name}x4.png", make_lr(photo[:96, :128], 4))):
                buf = io.BytesIO()
                Image.fromarray(img).save(buf, format="PNG")
                z.writestr(member, buf.getvalue())
    monkeypatch.setattr("srlib.data.div2k.DIV2K_URL", remote.as_uri() + "/")
    download_div2k(root / "data", splits=("valid",), scale=4)
    return div2k_folders(root / "data", "valid", 4)


def test_div2k_valid_is_an_evaluation_set(tmp_path, capsys, monkeypatch):
    """Issue #24: DIV2K's validation images, downloaded (here from local archives) and evaluated with
    their own bicubic LR; in a list of sets, a missing set is skipped and named."""
    _div2k_valid(tmp_path, monkeypatch)
    data = evaluation_set("div2k-valid", 4, str(tmp_path / "data"))
    assert data.names == ["0801.png", "0802.png"] and data[0][1].shape == (3, 96, 128)
    path = saved_generator(tmp_path, "g.pt", 0)
    assert main(["evaluate", "--weights", str(path), "--data", "set5,div2k-valid", "--root", str(tmp_path / "data"),
                 "--out", str(tmp_path / "ev")]) == 0
    out = capsys.readouterr().out
    assert "skipped: set5" in out and "div2k-valid" in out and "held-out" not in out
    result = json.loads((tmp_path / "ev" / "evaluation_sets.json").read_text())
    assert list(result) == ["div2k-valid"] and result["div2k-valid"]["images"] == 2
    assert result["div2k-valid"]["bicubic_psnr"] > 20
