"""Observations as plain data: what crosses from the student's process to the grader's.

Only numbers, strings, booleans, None, lists, string-keyed dicts and numpy
arrays of numbers or booleans cross, packed as an ``.npz`` file: arrays as
arrays, everything else as one JSON document. Nothing is pickled, so reading
an observation file cannot run code. Taught in: README (instructors' section).
"""

from __future__ import annotations

import io
import json
import math
import zipfile

import numpy as np
import torch

MAX_BYTES = 64 * 2**20  # an observation file larger than this is rejected unread
_NUMERIC_KINDS = "biufc"  # bool, int, unsigned, float, complex


def to_plain(value):
    """``value`` with tensors as numpy arrays, tuples as lists; rejects anything else."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:
            value = value.float()
        return value.numpy().copy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"an array of {value.dtype} cannot be recorded; return numbers")
        return value.copy()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    raise TypeError(f"a {type(value).__name__} cannot be recorded; return tensors, arrays or numbers")


def _split(value, arrays: dict):
    """JSON-able structure with each array replaced by {"__array__": key}."""
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"__array__": key}
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}  # JSON has no inf or nan
    if isinstance(value, list):
        return [_split(v, arrays) for v in value]
    if isinstance(value, dict):
        return {k: _split(v, arrays) for k, v in value.items()}
    return value


def _join(value, arrays):
    if isinstance(value, dict):
        if set(value) == {"__array__"}:
            return arrays[str(value["__array__"])]
        if set(value) == {"__float__"}:
            return float(str(value["__float__"]))
        return {k: _join(v, arrays) for k, v in value.items()}
    if isinstance(value, list):
        return [_join(v, arrays) for v in value]
    return value


def pack(record: dict) -> bytes:
    """``record`` (plain data, see ``to_plain``) as the bytes of an ``.npz`` file."""
    arrays: dict[str, np.ndarray] = {}
    document = json.dumps(_split(to_plain(record), arrays))
    buffer = io.BytesIO()
    np.savez(buffer, __json__=np.array(document), **arrays)
    return buffer.getvalue()


def unpack(data: bytes) -> dict:
    """The record packed by ``pack``; ``ValueError`` for anything else (never unpickles)."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"observation file of {len(data):,d} bytes is larger than {MAX_BYTES:,d}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # np.savez stores; a compressed entry could be a bomb
            infos = archive.infolist()
        if any(i.compress_type != zipfile.ZIP_STORED for i in infos) or sum(i.file_size for i in infos) > MAX_BYTES:
            raise ValueError("compressed or oversized entries")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        document = json.loads(str(arrays.pop("__json__")))
        if any(a.dtype.kind not in _NUMERIC_KINDS for a in arrays.values()):
            raise ValueError("it holds a non-numeric array")
        record = _join(document, arrays)
    except Exception as exc:
        raise ValueError(f"not an observation file ({exc.__class__.__name__}: {exc})") from exc
    if not isinstance(record, dict):
        raise ValueError("observation file does not hold a record")
    return record
