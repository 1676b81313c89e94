"""The course map and the repository it lives in: the README table, notebook 00, badges, `srlib course`.

``REPO`` is the one place that names the repository: badges, Colab install
cells and the README are generated from it (``tools/notebooks.py``) and checked
by tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = "srgan-course/gan-super-resolution"
REPO_URL = f"https://github.com/{REPO}"
BRANCH = "main"


@dataclass(frozen=True)
class Lesson:
    """One numbered notebook of the course: number, file stem, title and one-line summary."""

    number: str
    stem: str  # file name without extension
    title: str
    summary: str

    @property
    def exercise(self) -> str | None:
        """Stem of the exercise notebook that goes with this lesson (from ``srlib.course.exercises``), if any."""
        from srlib.course.exercises import for_lesson

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
    return Path(__file__).resolve().parents[2]


def colab_url(folder: str, stem: str) -> str:
    """The Colab address that opens ``folder/stem.ipynb`` from the repository's main branch."""
    return f"https://colab.research.google.com/github/{REPO}/blob/{BRANCH}/{folder}/{stem}.ipynb"


def colab_badge(folder: str, stem: str) -> str:
    """Markdown for the "Open in Colab" badge of ``folder/stem.ipynb``."""
    return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(folder, stem)})")


def colab_install_command() -> str:
    """The pip command a Colab set-up cell runs (Colab's own torch is kept)."""
    return f'pip install -q "srlib @ git+{REPO_URL}@{BRANCH}"'
