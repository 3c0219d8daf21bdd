"""Who has not sent what: the submission status of each reporting department for one year.

For every department with inputs (framework order; inputs that name no
department under the pseudo department ``_unassigned``), from
:attr:`Dataset.submitted` — the values the files actually gave:

* ``files``: the files (and sheets) that gave any of its inputs for the year,
  or a template of the department for that year, even an empty one;
* ``inputs`` / ``inputs_received``: its inputs, and those given for at least
  one assessed unit;
* ``values_expected`` = assessed units × inputs; ``values_received``: given
  with a number; ``values_blank``: given as an empty cell (a missing value);
* ``inputs_not_sent``: inputs no file gives for any unit;
* ``units_not_covered``: assessed units lacking at least one input that was
  sent for other units (a deleted row, a partial file);
* ``status``: ``not_sent`` (no value at all), ``incomplete`` (inputs or units
  missing) or ``complete`` (every input for every unit; blanks are counted,
  not held against it).
"""

from __future__ import annotations

import pandas as pd

from .dataset import Dataset

STATUS_COLUMNS = ["department", "name", "status", "files", "inputs", "inputs_received", "values_expected",
                  "values_received", "values_blank", "inputs_not_sent", "units_not_covered"]
STATUS_NAMES = {"complete": ("已报送", "complete"), "incomplete": ("不完整", "incomplete"), "not_sent": ("未报送", "not sent")}


def submission_status(ds: Dataset, year: int, lang: str = "zh") -> pd.DataFrame:
    """One row per reporting department (columns :data:`STATUS_COLUMNS`; see the module docstring).

    ``name`` is the department's name in ``lang``; ``files`` a list of file
    names (``x.xlsx`` or ``x.xlsx [sheet]`` for a workbook of several
    departments); ``inputs_not_sent`` and ``units_not_covered`` lists of ids
    and unit codes.
    """
    from ..template.layout import department_inputs, department_name

    fw = ds.framework
    assessed = [str(c) for c in ds.register.loc[ds.register["joined"] <= year, "code"]]
    sub = ds.submitted[ds.submitted["year"] == year]
    given = sub.groupby("indicator")
    files_of = ds.files[(ds.files["kind"] == "template") & (ds.files["year"] == year)]
    multi_sheet = ds.files.groupby("file")["sheet"].transform("size") > 1
    shown = {(f, s): (f"{_name(f)} [{s}]" if many else _name(f)) for f, s, many in zip(ds.files["file"], ds.files["sheet"], multi_sheet)}
    rows = []
    for dept, inputs in department_inputs(fw).items():
        mine = sub[sub["indicator"].isin(inputs)]
        files = {shown.get((f, s), _name(f)) for f, s in zip(mine["file"], mine["sheet"])}
        files |= {shown[(f, s)] for f, s, d in zip(files_of["file"], files_of["sheet"], files_of["department"]) if d == dept}
        received = [i for i in inputs if i in given.groups]
        not_sent = [i for i in inputs if i not in given.groups]
        covered = {i: set(map(str, given.get_group(i)["code"])) for i in received}
        not_covered = [c for c in assessed if any(c not in covered[i] for i in received)]
        blank = int(ds.values.merge(mine[["code", "indicator", "year"]], on=["code", "indicator", "year"])["value"].isna().sum())
        n = len(mine)
        status = "not_sent" if mine.empty else ("incomplete" if not_sent or not_covered else "complete")
        rows.append({
            "department": dept, "name": department_name(fw, dept, lang), "status": status, "files": sorted(files),
            "inputs": len(inputs), "inputs_received": len(received), "values_expected": len(assessed) * len(inputs),
            "values_received": n - blank, "values_blank": blank, "inputs_not_sent": not_sent, "units_not_covered": not_covered,
        })
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def status_label(status: str, lang: str = "zh") -> str:
    """已报送 / 不完整 / 未报送 (complete / incomplete / not sent)."""
    pair = STATUS_NAMES.get(status, (status, status))
    return pair[1 if lang == "en" else 0]


def status_lines(table: pd.DataFrame, year: int, lang: str = "zh") -> list[str]:
    """The status table as lines for the terminal: a summary, then one line per department (not sent first)."""
    counts = table["status"].value_counts()
    head = (f"submissions for {year}: {len(table)} departments, {counts.get('complete', 0)} complete, "
            f"{counts.get('incomplete', 0)} incomplete, {counts.get('not_sent', 0)} not sent")
    lines = [head]
    order = {"not_sent": 0, "incomplete": 1, "complete": 2}
    for r in sorted(table.itertuples(index=False), key=lambda r: order.get(r.status, 3)):
        label = status_label(r.status, lang)
        if r.status == "not_sent":
            detail = f"nothing received; expected {r.inputs} input(s): {', '.join(r.inputs_not_sent)}"
        else:
            detail = (f"{', '.join(r.files)}: {r.inputs_received}/{r.inputs} inputs, {r.values_received} values"
                      f"{f', {r.values_blank} blank' if r.values_blank else ''}")
            if r.inputs_not_sent:
                detail += f"; not sent: {', '.join(r.inputs_not_sent)}"
            if r.units_not_covered:
                shown = ", ".join(r.units_not_covered[:8]) + (f", ... ({len(r.units_not_covered)} in all)" if len(r.units_not_covered) > 8 else "")
                detail += f"; units not covered: {shown}"
        lines.append(f"  {label} {r.name} ({r.department}): {detail}")
    return lines
