"""Fetching files: resumable downloads and archive extraction.

Used by the data sets (``srlib.data.div2k``) and the public ESRGAN weights
(``srlib.models.weights``); nothing in the tests or in a notebook's offline
path calls it. Taught in: notebook 01, section 6 (DIV2K and the test sets on
Colab).
"""

from __future__ import annotations

import shutil
import urllib.request
import zipfile
from pathlib import Path


def download(url: str, dest: str | Path, chunk: int = 1 << 20, progress: bool = True) -> Path:
    """Download ``url`` to ``dest``, resuming a ``dest.part`` left by an interrupted try.

    Skips the download when ``dest`` exists. Only a finished download is
    renamed to ``dest``, so a half file is never mistaken for a whole one.
    """
    from tqdm.auto import tqdm

    dest = Path(dest)
    if dest.exists():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    start = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={start}-"} if start else {})
    try:
        response = urllib.request.urlopen(request, timeout=60)
    except OSError as exc:
        raise FileNotFoundError(
            f"could not download {url} ({exc}). Offline? Download it elsewhere and put it at "
            f"{dest}, then run again") from exc
    with response:
        status = getattr(response, "status", None)
        if start and status != 206:  # the server ignored the range: start over
            start = 0
        total = response.headers.get("Content-Length")
        total = int(total) + start if total else None
        with open(part, "ab" if start else "wb") as f, tqdm(
                total=total, initial=start, unit="B", unit_scale=True,
                desc=dest.name, disable=not progress) as bar:
            while block := response.read(chunk):
                f.write(block)
                bar.update(len(block))
    part.rename(dest)
    return dest


def extract(archive: str | Path, into: str | Path) -> None:
    """Extract a .zip or .tar archive into ``into``."""
    archive = Path(archive)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
    else:
        shutil.unpack_archive(str(archive), str(into))
