"""The public ESRGAN weight files: three namings, strict loading, the download helper."""

import pytest
import torch

from srlib.models import RRDBNet, load_esrgan_weights


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
