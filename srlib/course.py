"""Course-wide settings: run profiles, device, the course map and ``show``.

One place decides how big every notebook's work is. A *profile* is a small
dataclass of sizes; notebooks read sizes from it instead of hard-coding them:

- ``ci``  tiny, CPU only, every notebook executes in well under 90 s on
  2 cores; the stored notebook outputs are produced under this profile, so
  ``pytest --nbval`` can compare them.
- ``cpu`` a student's laptop: minutes per notebook, visibly learning.
- ``gpu`` Colab T4 and up: the papers' recipes.

The profile is chosen automatically (CUDA present -> ``gpu``, else ``cpu``)
and forced with the environment variable ``SRLIB_PROFILE``; CI sets
``SRLIB_PROFILE=ci``.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

# The one place that names the repository: badges, Colab install cells and the
# README are generated from it (tools/notebooks.py) and checked by tests.
REPO = "srgan-course/gan-super-resolution"
REPO_URL = f"https://github.com/{REPO}"
BRANCH = "main"
PROFILE_ENV = "SRLIB_PROFILE"


@dataclass(frozen=True)
class Profile:
    """How much work a notebook does. Every size a notebook uses lives here."""

    name: str
    description: str
    train_iters: int  # optimisation steps of a small in-notebook experiment
    batch_size: int  # patches per step
    hr_patch: int  # HR crop side in pixels (LR side = hr_patch // scale)
    num_feat: int  # generator width for in-notebook experiments
    num_block: int  # generator depth for in-notebook experiments
    toy_steps: int  # steps of the 2-D toy GAN experiments
    eval_images: int  # held-out photos evaluated (0 = all)
    device_kind: str  # "cpu" forces the CPU; "auto" takes CUDA when present


PROFILES: dict[str, Profile] = {
    "ci": Profile("ci", "tiny, CPU, reproducible stored outputs (CI)",
                  train_iters=40, batch_size=8, hr_patch=48, num_feat=16, num_block=2,
                  toy_steps=1200, eval_images=2, device_kind="cpu"),
    "cpu": Profile("cpu", "a laptop CPU: minutes per notebook",
                   train_iters=600, batch_size=16, hr_patch=64, num_feat=32, num_block=4,
                   toy_steps=2000, eval_images=0, device_kind="auto"),
    "gpu": Profile("gpu", "a CUDA GPU (Colab T4 and up): the papers' recipes",
                   train_iters=5000, batch_size=16, hr_patch=128, num_feat=64, num_block=16,
                   toy_steps=5000, eval_images=0, device_kind="auto"),
}


def get_profile(name: str | None = None) -> Profile:
    """The active profile: ``name``, else ``$SRLIB_PROFILE``, else by hardware."""
    name = name or os.environ.get(PROFILE_ENV) or ("gpu" if torch.cuda.is_available() else "cpu")
    key = name.strip().lower()
    if key not in PROFILES:
        valid = ", ".join(PROFILES)
        raise ValueError(f"unknown profile {name!r} (from {PROFILE_ENV} or --profile); "
                         f"valid profiles: {valid}")
    return PROFILES[key]


def get_device(profile: Profile | None = None) -> torch.device:
    """CUDA when present and the profile allows it, else the CPU."""
    profile = profile or get_profile()
    if profile.device_kind == "auto" and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


FINAL_LINE_FORMAT = "{l_bar}{bar}| {n_fmt}/{total_fmt}"  # no time, rate or postfix: the same on every machine


def final_line_progress_bars() -> None:
    """Make ``tqdm.auto.tqdm`` a text bar that prints only its final state.

    A notebook's stored outputs (the ``ci`` profile) are what a reader sees on
    GitHub. A live widget bar is stored as its first frame ("0%| 0/40"), so a
    finished loop looks failed; this bar writes one line when it closes
    ("100%|██████████| 40/40"), without the elapsed time, the rate or the
    postfix: they differ from machine to machine, and tqdm pads the rate to a
    width that depends on its value, so no sanitiser can make them match.
    Code that imports ``tqdm.auto`` after this call gets it; interactive
    profiles keep the live bars.
    """
    import tqdm.auto
    import tqdm.std

    class FinalLineBar(tqdm.std.tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["leave"] = True  # a closed bar keeps its line
            kwargs["bar_format"] = FINAL_LINE_FORMAT
            super().__init__(*args, **kwargs)

        def display(self, msg=None, pos=None):
            if not self.disable:  # still running: skip; close() sets disable, then displays
                return True
            return super().display(msg, pos)

    tqdm.auto.tqdm = FinalLineBar


def setup(seed: int = 0, profile: str | None = None) -> tuple[Profile, torch.device]:
    """A notebook's first call: seed, fix threads, print profile and device.

    Under ``ci`` the thread count is fixed to 2 so that stored outputs are
    reproduced bit for bit on CI's 2 cores as well as on bigger machines, and
    progress bars print only their final line (``final_line_progress_bars``).
    """
    prof = get_profile(profile)
    if prof.name == "ci":
        torch.set_num_threads(2)
        final_line_progress_bars()
    seed_everything(seed)
    device = get_device(prof)
    print(f"srlib profile: {prof.name} ({prof.description})")
    print(f"device: {device.type}")
    return prof, device


def show(obj) -> None:
    """Display the tested ``srlib`` source of ``obj`` (never a retyped copy)."""
    import inspect

    from IPython.display import Code, display

    display(Code(inspect.getsource(obj), language="python"))


@dataclass(frozen=True)
class Lesson:
    number: str
    stem: str  # file name without extension
    title: str
    summary: str

    @property
    def exercise(self) -> str | None:
        """Stem of the exercise notebook that goes with this lesson (from ``srlib.exercises``), if any."""
        from srlib.exercises import for_lesson

        found = for_lesson(self.number)
        return found.name if found else None


# The course map: the README table, notebook 00 and `srlib course` read it.
LESSONS: list[Lesson] = [
    Lesson("00", "00_welcome", "Welcome and set-up",
           "course map, environment check, a first look at 4x super-resolution"),
    Lesson("01", "01_data_preparation", "Data preparation",
           "MATLAB bicubic degradation, DIV2K, patches, augmentation, the evaluation protocol"),
    Lesson("02", "02_residual_and_rrdb_blocks", "Residual and RRDB blocks",
           "residual learning, removing BatchNorm, dense blocks, residual scaling"),
    Lesson("03", "03_pixel_shuffle_vs_upsampling", "Pixel shuffle versus upsampling",
           "sub-pixel convolution, nearest+conv, transposed conv, checkerboard artefacts"),
    Lesson("04", "04_vgg_perceptual_loss", "The VGG perceptual loss",
           "why MSE blurs, VGG19 features before and after activation"),
    Lesson("05", "05_bce_wgangp_ragan", "BCE versus WGAN-GP versus RaGAN",
           "three adversarial losses compared on a toy, the gradient penalty, no BN in a critic"),
    Lesson("06", "06_psnr_pretraining", "PSNR-oriented pre-training",
           "L1 versus MSE, training curves, beating bicubic"),
    Lesson("07", "07_full_gpu_training", "Full GPU training of SRGAN and ESRGAN",
           "DIV2K, AMP, checkpoints that survive disconnects, torchrun"),
    Lesson("08", "08_evaluation_and_interpolation", "Evaluation and network interpolation",
           "the protocol in practice, the perception-distortion dial"),
    Lesson("09", "09_reading_a_study", "Reading a hyper-parameter study",
           "sweeps with seeds, the bicubic row, paired differences against the noise, diverged runs"),
]


def repo_root() -> Path:
    """The course checkout this package was installed from (editable install)."""
    return Path(__file__).resolve().parents[1]


def colab_url(folder: str, stem: str) -> str:
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{folder}/{stem}.ipynb"


def colab_badge(folder: str, stem: str) -> str:
    """Markdown for the "Open in Colab" badge of ``folder/stem.ipynb``."""
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(folder, stem)})")


def colab_install_command() -> str:
    """The pip command a Colab set-up cell runs (Colab's own torch is kept)."""
    return f'pip install -q "srlib @ git+{REPO_URL}@{BRANCH}"'
