"""Google Colab sessions: Drive with a local fallback, and DIV2K sub-images kept across sessions.

A Colab session ends (a disconnect, the free tier's time limit) and takes its
disk with it; Google Drive stays. So runs live on Drive, and the DIV2K
sub-images are made once and kept there as *one* archive: Drive copies one
large file quickly, but thousands of small files slowly, one request each.

- ``mount_drive`` mounts Drive and returns the course's folder on it; when
  Drive cannot be mounted (access refused, a timeout, not on Colab) it says
  so and returns a local folder, which the session's end deletes.
- ``div2k_subimages`` restores the sub-images from that archive, or makes
  them (download, cut with ``step = crop``: no overlap, a quarter of
  BasicSR's files, fast PNG compression, all CPU cores) and archives them.

``SRLIB_DRIVE_MOUNT`` moves the mount point (default ``/content/drive``);
the Colab test uses it. Taught in: notebook 07.
"""

from __future__ import annotations

import os
import sys
import tarfile
import time
from pathlib import Path

from srlib.files import atomic_path

DRIVE_ENV = "SRLIB_DRIVE_MOUNT"
COURSE_FOLDER = "srgan-course"


def on_colab() -> bool:
    return "google.colab" in sys.modules


def mount_drive(local: str | Path = "srgan-course-local") -> tuple[Path, bool]:
    """(folder for runs and data archives, whether it is on Google Drive)."""
    mountpoint = Path(os.environ.get(DRIVE_ENV, "/content/drive"))
    try:
        from google.colab import drive

        drive.mount(str(mountpoint))
        my_drive = mountpoint / "MyDrive"
        if not my_drive.is_dir():
            raise OSError(f"{my_drive} is missing after mounting")
        folder = my_drive / COURSE_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        return folder, True
    except Exception as exc:  # any failure to mount means: fall back, and say so
        local = Path(local).resolve()
        local.mkdir(parents=True, exist_ok=True)
        print(f"Google Drive is not mounted ({exc.__class__.__name__}: {exc}). Runs and data go to "
              f"{local} instead, which is deleted when this Colab session ends: a disconnect loses "
              "them. To keep them, run this cell again and allow access to Google Drive (or mount "
              "it from the Files panel).")
        return local, False


def _sub_folders(root: Path, scale: int) -> list[Path]:
    base = root / "DIV2K"
    return [base / "DIV2K_train_HR_sub", base / f"DIV2K_train_LR_bicubic_X{scale}_sub",
            base / "DIV2K_valid_HR", base / "DIV2K_valid_LR_bicubic" / f"X{scale}"]


def div2k_subimages(root: str | Path = "data", cache: str | Path | None = None, scale: int = 4,
                    workers: int | None = None) -> str:
    """Make sure ``root/DIV2K`` holds the train sub-images and the valid set; says how it got them.

    Restored from ``cache/DIV2K_sub_X{scale}.tar`` when it exists; else made
    (``download_div2k`` then ``extract_subimages``) and, with a ``cache``,
    archived there for the next session.
    """
    from srlib.data.div2k import div2k_folders, download_div2k, extract_subimages

    root = Path(root)
    done = root / "DIV2K" / f".sub_X{scale}_complete"
    if done.exists():
        return f"DIV2K sub-images already in {root}"
    start = time.perf_counter()
    archive = Path(cache) / f"DIV2K_sub_X{scale}.tar" if cache is not None else None
    if archive is not None and archive.exists():
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # Python >= 3.11.4
        with tarfile.open(archive) as tar:
            tar.extractall(root, **safe)
        done.touch()
        return f"DIV2K sub-images restored from {archive} in {time.perf_counter() - start:.0f} s"
    download_div2k(root, splits=("train", "valid"), scale=scale)
    hr_dir, lr_dir = div2k_folders(root, "train", scale)
    hr_sub, lr_sub = _sub_folders(root, scale)[:2]
    workers = workers or os.cpu_count() or 1
    extract_subimages(hr_dir, hr_sub, crop=480, step=480, compress_level=1, workers=workers)
    extract_subimages(lr_dir, lr_sub, crop=480, step=480, scale=scale, compress_level=1, workers=workers)
    made = time.perf_counter() - start
    note = f"DIV2K downloaded and cut into sub-images in {made:.0f} s"
    if archive is not None:
        archive.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(archive) as tmp, tarfile.open(tmp, "w") as tar:  # uncompressed: PNGs are compressed
            for folder in _sub_folders(root, scale):
                tar.add(folder, arcname=str(folder.relative_to(root)))
        size = archive.stat().st_size / 2**30
        note += f"; archived to {archive} ({size:.1f} GB) in {time.perf_counter() - start - made:.0f} s"
    done.touch()
    return note
