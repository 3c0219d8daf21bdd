"""Atomic file output.

Every file Zhenxing writes is first written to a temporary file in the same
folder and then renamed over the target, so a crash, a full disk or an input
error never leaves a half-written file, and an earlier good file survives until
the new one is complete. :func:`write_files` writes a *set* of files this way:
all temporary files are finished before the first rename, so a failure while
writing any of them leaves every old file untouched.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

Writer = Callable[[Path], None]

#: CSV for people: UTF-8 with a byte-order mark so that Excel shows Chinese correctly.
CSV_ENCODING = "utf-8-sig"


def _temp_path(target: Path) -> Path:
    """A new empty file beside ``target``, with the permissions an ordinary
    ``open()`` would give (mkstemp's 0o600 would make outputs private)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:  # pragma: no cover - a name clash is astronomically unlikely
            continue


def write_files(jobs: Iterable[tuple[Path, Writer]]) -> list[Path]:
    """Write several files atomically: all temporaries first, then all renames.

    ``jobs`` pairs each target path with a function that writes the content to
    the path it is given. Returns the target paths in order.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, writer in jobs:
            target = Path(target)
            tmp = _temp_path(target)
            staged.append((tmp, target))
            writer(tmp)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return [target for _, target in staged]


def csv_writer(df: pd.DataFrame, encoding: str = CSV_ENCODING) -> Writer:
    """A writer for :func:`write_files` that saves ``df`` as CSV (no index)."""

    def write(path: Path) -> None:
        df.to_csv(path, index=False, encoding=encoding, lineterminator="\n")

    return write


def excel_writer(sheets: dict[str, pd.DataFrame]) -> Writer:
    """A writer for :func:`write_files` that saves several sheets into one .xlsx."""

    def write(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            for name, df in sheets.items():
                df.to_excel(xl, sheet_name=name[:31], index=False)

    return write


def text_writer(text: str) -> Writer:
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return write


def bytes_writer(data: bytes) -> Writer:
    def write(path: Path) -> None:
        with open(path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    return write
