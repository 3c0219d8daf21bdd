"""The county register: one row per county-level unit, checked and typed.

Columns ``code, name_zh, name_en, city, city_en, category, is_district, joined``
(``joined`` is the first assessment year of the unit; ``name_en`` and
``city_en`` may be empty). Every problem is added to a :class:`ProblemList`
with its file, row and column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ProblemList
from ..framework import Framework
from .cells import _Cells, _first_row, _parse_int, _sheet_rows, _unusable_cells, quote
from .reading import Table

REGISTER_COLUMNS = ["code", "name_zh", "name_en", "city", "city_en", "category", "is_district", "joined"]
REGISTER_REQUIRED = ["code", "name_zh", "city", "category", "is_district", "joined"]
REGISTER_EXPECTED = ", ".join(REGISTER_COLUMNS)


def _years_text(framework: Framework) -> str:
    return f"the framework's assessment years {framework.years.first}-{framework.years.last}"


def _listed(items: Sequence[str], most: int = 8) -> str:
    """``a, b, c`` or ``a, b, ... (12 in all)``."""
    items = list(items)
    return ", ".join(items) if len(items) <= most else f"{', '.join(items[:most])}, ... ({len(items)} in all)"


def validate_register(table: Table, framework: Framework, problems: ProblemList) -> pd.DataFrame:
    """Check the register and return it typed; problems are added to ``problems``.

    Returns an empty table when the register cannot be used at all (required
    columns missing, or no units); the columns it has are still checked.
    """
    source, labels = table.source, table.labels
    problems.extend(list(table.problems))
    raw, bad = _unusable_cells(table.frame, source, problems, labels)
    has = set(raw.columns)
    missing_cols = [c for c in REGISTER_REQUIRED if c not in has]
    if missing_cols:
        problems.add(source, f"missing column(s) {', '.join(missing_cols)} (expected {', '.join(REGISTER_COLUMNS)})")
    elif raw.empty:
        problems.add(source, "no units (expected one row per county-level unit below the header)")
    df = raw.copy()
    for col in REGISTER_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    cells = _Cells(source, problems, bad, labels)
    rows = _sheet_rows(raw)
    seen: dict[str, int] = {}
    cats = framework.category_ids
    first, last = framework.years.first, framework.years.last
    joined = np.full(len(df), -1, dtype=int)
    is_district = np.zeros(len(df), dtype=bool)
    for k, rec in enumerate(df[REGISTER_COLUMNS].itertuples(index=False)):
        r = int(rows[k])
        code = rec.code
        if "code" in has:
            if not code:
                cells.add(r, "code", "empty unit code")
            elif (at := _first_row(seen, code, r)) is not None:
                cells.add(r, "code", f"duplicate unit code {quote(code)} (first at row {at})")
        if "name_zh" in has and not rec.name_zh:
            cells.add(r, "name_zh", "empty unit name")
        if "city" in has and not rec.city:
            cells.add(r, "city", "empty city")
        if "category" in has:
            if not rec.category:
                cells.add(r, "category", f"unit {quote(code)} has no category (expected one of {', '.join(cats)})")
            elif rec.category not in cats:
                cells.add(r, "category", f"unknown category {quote(rec.category)} (expected one of {', '.join(cats)})")
        if "is_district" in has:
            flag = rec.is_district.lower()
            if flag in ("1", "true", "yes", "是", "区"):
                is_district[k] = True
            elif flag not in ("0", "false", "no", "否", "县"):
                cells.add(r, "is_district", f"expected 1 (district) or 0 (county), found {quote(rec.is_district)}")
        if "joined" in has:
            year = _parse_int(rec.joined)
            if year is None:
                cells.add(r, "joined", f"expected the year the unit joined the assessment (e.g. 2021), found {quote(rec.joined)}")
            elif not first <= year <= last:
                cells.add(r, "joined", f"joining year {year} is outside {_years_text(framework)}")
            else:
                joined[k] = year
    if missing_cols or raw.empty:
        return pd.DataFrame(columns=REGISTER_COLUMNS)
    out = df[REGISTER_COLUMNS].reset_index(drop=True)
    out["is_district"] = is_district
    out["joined"] = joined
    return out
