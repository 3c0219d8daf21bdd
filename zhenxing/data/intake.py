"""Loading the inputs: the register and one or several values files (plain files and filled templates), combined.

``values_path`` may be one path, a folder (every ``.xlsx``, ``.xlsm`` and
``.csv`` in it, not recursive, hidden files and Excel lock files ``~$…``
left out) or a sequence of paths and folders; a file named twice is read
once. Each file is read and checked as a single file is (messages name the
file, and the sheet of a workbook), then the values of all files are
combined:

* **One origin per value.** The same (unit, indicator, year) in two files is
  refused, one message per pair of files naming both files and the rows —
  also when the two values agree, because each value must have one origin
  (:attr:`Dataset.submitted` names one file per value) and two copies usually
  mean an old and a new version of a return side by side.
* **Joining years and completeness** are checked on all files together:
  plain files must together give every indicator of every assessed unit.
* **Template years.** For a year collected with templates (any filled
  template among the files), an indicator value that no file gives — the
  department has not sent its workbook, or a row was deleted — is a missing
  value (scored by the framework's missing-value rule and listed by
  :func:`zhenxing.data.submission_status` and the audit), not a refusal; an
  absent adjustment input counts 0 as always.

For one plain file the result is what it always was (same ``values``, same
:meth:`Dataset.input_hash`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..errors import InputError, Problem, ProblemList
from ..framework import Framework
from ..io import Writer, csv_writer, write_files
from .cells import MissingMarkers, check_markers, column_text, quote
from .dataset import FILES_COLUMNS, SUBMITTED_COLUMNS, Dataset
from .reading import Table, read_input
from .register import REGISTER_EXPECTED, validate_register
from .values import (
    TIDY_COLUMNS,
    VALUES_EXPECTED,
    VALUES_PREFER,
    Key,
    ValuesPart,
    check_complete,
    check_joined,
    check_values_file,
    indicator_aliases,
    sort_tidy,
)

#: File types read from a folder of values files.
VALUE_SUFFIXES = (".xlsx", ".xlsm", ".csv")
#: A message about two files giving the same values shows at most this many of them.
SHOWN_DUPLICATES = 5

ValuesPath = str | Path | Sequence[str | Path]


def values_files(values_path: ValuesPath) -> tuple[list[Path], list[Problem]]:
    """The values files named by ``values_path`` (see the module docstring), each once, in the order given.

    A folder without values files is a problem; a missing file is left for
    the reader to report.
    """
    items = [values_path] if isinstance(values_path, (str, Path)) else list(values_path)
    problems: list[Problem] = []
    if not items:
        problems.append(Problem("values", "no values file given (expected one or more .csv or .xlsx files, or a folder of them)"))
    found: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            inside = sorted(f for f in p.iterdir()
                            if f.is_file() and f.suffix.lower() in VALUE_SUFFIXES and not f.name.startswith((".", "~$")))
            if not inside:
                problems.append(Problem(str(p), "a folder without values files (expected .xlsx or .csv files in it)"))
            found += inside
        else:
            found.append(p)
    seen: set[Path] = set()
    out = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out, problems


def _read_values(paths: list[Path], framework: Framework, problems: ProblemList) -> list[tuple[Table, str, int]]:
    """Every values table of ``paths``: (table, department id, template year) — ("", 0) for a plain file."""
    from ..template.reader import is_template, read_template

    aliases = indicator_aliases(framework)
    tables: list[tuple[Table, str, int]] = []
    for path in paths:
        try:
            if is_template(path):
                _, sheets = read_template(path, framework)
                tables += [(s.table, s.department, s.year) for s in sheets]
            else:
                tables.append((read_input(path, "values", aliases, VALUES_EXPECTED, prefer=VALUES_PREFER), "", 0))
        except InputError as exc:
            problems.extend(exc.problems)
    return tables


def _duplicates(parts: list[ValuesPart], problems: ProblemList) -> None:
    """The same (code, year, indicator) in two files: one message per pair of files, naming both and their rows."""
    first: dict[Key, int] = {}
    pairs: dict[tuple[int, int], list[Key]] = {}
    for b, part in enumerate(parts):
        for key in part.present:
            a = first.setdefault(key, b)
            if a != b:
                pairs.setdefault((a, b), []).append(key)
    if not pairs:
        return
    values = [dict(zip(zip(p.tidy["code"], p.tidy["year"], p.tidy["indicator"]), p.tidy["value"])) for p in parts]
    for (a, b), keys in pairs.items():
        pa, pb = parts[a], parts[b]
        same = sum(1 for k in keys if k in values[a] and k in values[b] and
                   (values[a][k] == values[b][k] or (pd.isna(values[a][k]) and pd.isna(values[b][k]))))

        def at(part: ValuesPart, key: Key, v: dict) -> str:
            row, column = part.present[key]
            shown = "" if key not in v else ("empty" if pd.isna(v[key]) else f"{v[key]:g}")
            return f"row {row}, column {column_text(column, part.table.labels)}{' (' + shown + ')' if shown else ''}"

        examples = "; ".join(f"unit {quote(k[0])}, {k[1]}, {quote(k[2])}: {at(pb, k, values[b])} and {at(pa, k, values[a])}"
                             for k in keys[:SHOWN_DUPLICATES])
        more = f"; ... ({len(keys)} in all)" if len(keys) > SHOWN_DUPLICATES else ""
        agree = ("all with the same value" if same == len(keys) else
                 f"{len(keys) - same} with different values" if same == 0 else f"{len(keys) - same} with different values, {same} the same")
        problems.add(
            f"{pb.source} and {pa.source}",
            f"{len(keys)} value{'s' if len(keys) > 1 else ''} given by both files ({agree}): {examples}{more} "
            "(each value must come from one file: remove the repeated values from one of them, or leave out the older file)",
        )


def _template_gaps(framework: Framework, register: pd.DataFrame, template_years: set[int], parts: list[ValuesPart]) -> pd.DataFrame:
    """The indicator values no file gives in a template year, as missing values (``code, year, indicator, value``)."""
    present = {k for p in parts for k in p.present}
    unsure = {u for p in parts for u in p.unsure}
    rows = []
    for year in sorted(template_years):
        for code in register.loc[register["joined"] <= year, "code"]:
            for ind in framework.indicator_ids:
                if (code, year, ind) not in present and (code, ind) not in unsure:
                    rows.append((code, year, ind))
    gaps = pd.DataFrame(rows, columns=["code", "year", "indicator"])
    gaps["year"] = gaps["year"].astype(int)
    gaps["value"] = float("nan")
    return gaps


def load_dataset(
    framework: Framework, register_path: str | Path, values_path: ValuesPath, missing_markers: Sequence[str] = ()
) -> Dataset:
    """Read and validate the register and the values (one file, several, or a folder); every problem is reported at once.

    ``missing_markers``: texts that mean "no value" in the values (``N/A``,
    ``—`` ...); a cell holding one is a missing value, counted in
    :attr:`Dataset.missing_markers`. Without them only an empty cell is missing.
    See the module docstring for several files and templates.
    """
    problems = ProblemList("invalid input data")
    problems.extend(check_markers(missing_markers, "missing_markers"))
    reg_table = None
    try:
        reg_table = read_input(register_path, "register", None, REGISTER_EXPECTED)
    except InputError as exc:
        problems.extend(exc.problems)
    paths, path_problems = values_files(values_path)
    problems.extend(path_problems)
    tables = _read_values(paths, framework, problems)
    problems.raise_if_any()
    assert reg_table is not None
    register = validate_register(reg_table, framework, problems)
    # a register without its columns or units would make every value row an "unknown unit":
    # then the values are checked only for their own problems
    usable = len(register) > 0
    markers = MissingMarkers(missing_markers)
    parts = [check_values_file(t, framework, register if usable else None, problems, markers) for t, _, _ in tables]
    template_years = {year for _, dept, year in tables if dept}
    gaps = pd.DataFrame(columns=TIDY_COLUMNS)
    if usable and any(p.present for p in parts):
        _duplicates(parts, problems)
        last_year = max(y for p in parts for (_, y, _) in p.present)
        check_joined(framework, register, reg_table, parts, last_year, problems)
        gaps = _template_gaps(framework, register, template_years, parts)
        present: dict[Key, object] = {k: v for p in parts for k, v in p.present.items()}
        present.update({k: None for k in zip(gaps["code"], gaps["year"], gaps["indicator"])})
        unsure = {u for p in parts for u in p.unsure}
        source = parts[0].source if len(parts) == 1 else ", ".join(dict.fromkeys(str(t.path) for t, _, _ in tables))
        check_complete(framework, register, source, present, unsure, problems)
    problems.raise_if_any()

    tidy = [p.tidy[TIDY_COLUMNS] for p in parts] + ([gaps] if len(gaps) else [])
    values = sort_tidy(tidy[0] if len(tidy) == 1 else pd.concat(tidy, ignore_index=True), framework)
    submitted = sort_tidy(pd.concat(
        [p.tidy.assign(file=str(p.table.path), sheet=p.table.sheet or "") for p in parts], ignore_index=True
    ), framework)[SUBMITTED_COLUMNS]
    files = pd.DataFrame(
        [(str(t.path), t.sheet or "", "template" if dept else "values", dept, year, t.describe()) for t, dept, year in tables],
        columns=FILES_COLUMNS,
    )
    one = len(paths) == 1
    return Dataset(
        framework,
        register,
        values,
        {"register": str(register_path), "values": str(paths[0]) if one else "; ".join(map(str, paths))},
        markers.counts,
        {"register": reg_table.describe(), "values": "; ".join(t.describe() for t, _, _ in tables)},
        submitted,
        files,
    )


def processed_files(dataset: Dataset, out_dir: str | Path) -> list[tuple[Path, Writer]]:
    """The validated tidy tables as jobs for :func:`zhenxing.io.write_files` (UTF-8 CSV)."""
    out = Path(out_dir)
    return [
        (out / "register.csv", csv_writer(dataset.register, encoding="utf-8")),
        (out / "values_tidy.csv", csv_writer(dataset.values, encoding="utf-8")),
    ]


def write_processed(dataset: Dataset, out_dir: str | Path) -> list[Path]:
    """Write the validated tidy tables to ``out_dir`` atomically."""
    return write_files(processed_files(dataset, out_dir))
