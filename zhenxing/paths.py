"""Finding project files from wherever a notebook or command runs.

Notebooks run with their own folder (``notebooks/``) as the working directory,
papermill and nbval may use another; parameters such as
``params/framework.yaml`` are therefore looked up in the current folder first
and then in each parent folder.
"""

from __future__ import annotations

from pathlib import Path


def resolve(path: str | Path, start: str | Path | None = None) -> Path:
    """The first existing ``<folder>/path`` for the current folder and its parents.

    Absolute paths are returned unchanged; a relative path found nowhere is
    returned as given, so that the caller reports it as missing in the user's terms.
    """
    p = Path(path)
    if p.is_absolute():
        return p
    here = Path(start) if start is not None else Path.cwd()
    for folder in (here, *here.resolve().parents):
        candidate = folder / p
        if candidate.exists():
            return candidate
    return p


def resolve_each(paths: str | Path | list | tuple, start: str | Path | None = None) -> Path | list[Path]:
    """:func:`resolve` for one path, or for each of a list of paths (a values setting may name several files)."""
    if isinstance(paths, (list, tuple)):
        return [resolve(p, start) for p in paths]
    return resolve(paths, start)
