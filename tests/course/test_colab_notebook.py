"""SIMULATED COLAB (slow, ~1-2 minutes on 2 cores): notebook 07's Colab branch, end to end, offline.

What is real: the notebook's own set-up cell runs its own ``pip install "srlib @
git+https://github.com/..."`` in a fresh virtual environment, whose kernel then
executes notebook 07 at the ``ci`` sizes with ``google.colab`` imported, as on
Colab. What is simulated, and how:

- ``google.colab``: a stand-in package imported at kernel start; its
  ``drive.mount`` creates ``MyDrive`` in a temporary folder (``SRLIB_DRIVE_MOUNT``);
- GitHub: git's ``url.<local>.insteadOf`` points the install URL at a local
  clone of this working tree (tracked and new files);
- PyPI and a multi-GB torch: the fresh environment sees the test
  environment's site-packages through a ``.pth`` line (so srlib's editable
  install there stays invisible), and pip runs with ``--no-deps
  --no-build-isolation --no-index`` (``PIP_*`` variables).

A second session (a new kernel after a "disconnect") then finds every stage
done on the simulated Drive instead of training it again. Sections 7-9 of the
notebook (nothing Colab-specific) are left to nbval, to keep this test short.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from helpers import ROOT

pytestmark = [pytest.mark.colab, pytest.mark.slow]
REPO_URL = "https://github.com/srgan-course/gan-super-resolution"
FAKE_DRIVE = '''"""Stand-in for google.colab.drive: mounting creates MyDrive in a local folder."""
from pathlib import Path


def mount(mountpoint, force_remount=False, **kwargs):
    Path(mountpoint, "MyDrive").mkdir(parents=True, exist_ok=True)
    print(f"Mounted at {mountpoint}")
'''


def local_clone(dst: Path) -> Path:
    """A git repository on branch main holding this working tree's tracked and new files."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dst / name)
    git = ["git", "-c", "user.name=colab-test", "-c", "user.email=colab-test@localhost"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=dst, check=True)
    subprocess.run(git + ["add", "-A"], cwd=dst, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "snapshot"], cwd=dst, check=True)
    return dst


def fresh_venv(path: Path) -> Path:
    """A venv without srlib that sees the test environment's packages (torch, pip, ipykernel)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = path / "bin" / "pip"
    pip.write_text(f"#!{python}\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n")
    pip.chmod(0o755)
    return Path(purelib)


def kernel(tmp: Path, venv: Path, clone: Path) -> dict:
    """A kernelspec running the fresh venv's Python with google.colab imported at start."""
    fake = tmp / "fake_colab" / "google" / "colab"  # google/ stays a namespace package (protobuf's)
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("from . import drive  # noqa: F401\n")
    (fake / "drive.py").write_text(FAKE_DRIVE)
    startup = tmp / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # noqa: F401  (Colab imports it at start)\n")
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(tmp / "fake_colab"),
           "IPYTHONDIR": str(tmp / "ipython"), "SRLIB_PROFILE": "ci", "SRLIB_DRIVE_MOUNT": str(tmp / "drive"),
           "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{clone}.insteadOf", "GIT_CONFIG_VALUE_0": REPO_URL,
           "PIP_NO_DEPS": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_NO_INDEX": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONHASHSEED": "0"}
    spec = tmp / "jupyter" / "kernels" / "fakecolab"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "simulated Colab", "language": "python", "env": env}))
    return env


def run_session(nb, cwd: Path):
    from nbclient import NotebookClient

    NotebookClient(nb, kernel_name="fakecolab", timeout=300, resources={"metadata": {"path": str(cwd)}}).execute()
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_notebook_07_on_simulated_colab(tmp_path, monkeypatch):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    clone = local_clone(tmp_path / "clone")
    site = fresh_venv(tmp_path / "venv")
    kernel(tmp_path, tmp_path / "venv", clone)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    work = tmp_path / "content"
    work.mkdir()
    source = nbformat.read(clone / "notebooks" / "07_full_gpu_training.ipynb", as_version=4)
    where = nbformat.v4.new_code_cell("import srlib; print('srlib imported from', srlib.__file__)")

    # session 1: install, mount Drive, data, every stage onto Drive, the estimates and the crops
    # (sections 7-9 - the resume check, TensorBoard, the collapse demo - do not depend on Colab:
    # nbval runs them)
    nb = nbformat.from_dict(source)
    crops = next(i for i, c in enumerate(nb.cells) if "latest crops" in c.source)
    nb.cells = nb.cells[: crops + 1] + [where]
    out = run_session(nb, work)
    assert "latest crops: esrgan_psnr" in out
    assert (site / "srlib" / "__init__.py").exists(), "the set-up cell did not install srlib"
    assert f"srlib imported from {site / 'srlib'}" in out
    assert "Mounted at" in out and "runs live on Google Drive" in out
    runs = tmp_path / "drive" / "MyDrive" / "srgan-course" / "runs"
    for stage in ("esrgan_psnr", "esrgan", "srresnet_psnr", "srgan"):
        assert (runs / stage / "generator.pt").exists() and (runs / stage / "status.json").exists(), stage

    # session 2, after a "disconnect": a new kernel and the cells up to the last stage
    nb = nbformat.from_dict(source)
    last = max(i for i, c in enumerate(nb.cells) if 'run_stage("srgan"' in c.source)
    nb.cells = nb.cells[: last + 1]
    out = run_session(nb, work)
    for stage in ("esrgan_psnr", "esrgan", "srresnet_psnr", "srgan"):
        assert f"{stage}: done in an earlier session" in out, out[-2000:]
