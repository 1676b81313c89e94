"""Where a sweep's Optuna study lives: SQLite in its folder, a database URL, or a journal file.

- ``sqlite:///DIR/sweep.db`` (the default): one machine, any number of
  processes. Every transaction starts with ``BEGIN IMMEDIATE``: pysqlite
  otherwise begins a transaction only at the first write, and two processes
  can both read "trial 7 is waiting" and both take it (measured here: 4
  workers on 200 enqueued trials took some twice; none with the recipe).
- ``--storage URL``: a database server Optuna supports (PostgreSQL, MySQL),
  reachable from every machine: the robust way to share a grid.
- ``--journal PATH``: Optuna's ``JournalStorage`` with a ``JournalFileBackend``,
  an append-only log file that Optuna documents for several machines on a
  shared file system such as NFS. Whether a mounted Google Drive gives the file
  locking it relies on is not documented by Optuna and untested here.

A storage that cannot be opened raises an error naming it, before anything is
written. Taught in: notebook 09.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import optuna

STUDY_FILE = "sweep.db"


def open_storage(folder: str | Path, storage: str | None = None,
                 journal: str | None = None) -> optuna.storages.BaseStorage:
    """The sweep's Optuna storage: SQLite in ``folder`` (default), a database URL, or a journal file.

    Args:
        folder: the sweep's folder (holds ``sweep.db`` by default).
        storage: an RDB URL, e.g. ``postgresql://user:pw@host/db`` (several machines).
        journal: a journal file on a shared folder, e.g. ``/content/drive/MyDrive/sweeps/a.log``.
    Raises ValueError / FileNotFoundError, naming the storage, when it cannot be opened; nothing
    is written then. Taught in: notebook 09.
    """
    if storage and journal:
        raise ValueError("give --storage or --journal, not both")
    if journal:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        if not Path(journal).parent.is_dir():
            raise FileNotFoundError(f"--journal {journal}: the folder {Path(journal).parent} does not exist "
                                    "(is the shared drive mounted?); nothing was written")
        try:
            return JournalStorage(JournalFileBackend(str(journal)))
        except Exception as exc:  # a journal that is not Optuna's, a file we may not write ...
            raise ValueError(f"cannot use {journal} as an Optuna journal ({_first_line(exc)}); "
                             "nothing was written") from None
    url = storage or f"sqlite:///{(Path(folder) / STUDY_FILE).resolve()}"
    sqlite = url.startswith("sqlite")
    for attempt in range(5):
        try:
            rdb = optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}} if sqlite else {})
            break
        except Exception as exc:  # no server, no driver, a file that is not a database ...
            # two workers creating one SQLite file's tables at once: the loser finds them made; try again
            if sqlite and attempt < 4 and Path(url.split(":///", 1)[-1]).exists():
                time.sleep(0.5 + random.random())
                continue
            raise ValueError(f"cannot reach the storage {url!r} ({_first_line(exc)}); check the URL, that the "
                             "server runs and that its driver is installed (PostgreSQL: pip install "
                             "psycopg2-binary); nothing was written") from None
    if sqlite:
        _serialize_sqlite(rdb.engine)
    return rdb


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0]}" if text else exc.__class__.__name__


def _serialize_sqlite(engine) -> None:
    """Make every SQLite transaction ``BEGIN IMMEDIATE`` (one writer at a time, decided at BEGIN).

    pysqlite otherwise starts a transaction only at the first write, so two workers can both
    read "trial 7 is waiting" and both move it to running. SQLAlchemy documents this recipe.
    """
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    engine.dispose()  # connections opened before the listeners are dropped
