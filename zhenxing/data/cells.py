"""Cell text: numbers, years, missing-value markers, quoting, and problems named by row and column.

Every cell reaches these helpers as the text a CSV export would hold (see
:mod:`zhenxing.data.reading`). Only an empty cell is a missing value. Text
that people type to mean "no value" (``N/A``, ``—``, ``无``, ``暂无`` ...) is
refused unless the run declares it (``missing_markers:`` in the run file,
``--missing-marker`` on the command line): :class:`MissingMarkers` then turns
it into a missing value and counts it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import Problem, ProblemList
from ..framework import Framework

#: The index of a table from :func:`zhenxing.data.reading.read_input`: spreadsheet row numbers.
ROW_INDEX = "row"
#: A message quotes at most this many characters of a cell or header.
QUOTE_MAX = 60
#: Excel's error values, as an .xlsx cell holds them and as a CSV saved from Excel shows them.
_EXCEL_ERROR = re.compile(r"#(?:N/A|GETTING_DATA|[A-Z][A-Z0-9/_]*[!?])")
#: A number with thousands separators: 1,234 or -12,345.6 (but not 1,5).
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?%?")
#: Texts commonly typed for "no value" (compared after :func:`fold`); refused unless declared.
KNOWN_MARKERS = frozenset(
    {
        "na", "n/a", "n.a.", "n.a", "nan", "null", "none", "nil", "missing", "blank", "empty",
        "-", "--", "---", "—", "——", "–", "―", "/", "\\", "…", "...", "?", "？",
        "无", "暂无", "空", "缺", "缺失", "缺项", "无数据", "暂无数据", "不适用", "未填报", "未报送", "未统计", "待定", "待补",
    }
)


def fold(text: str) -> str:
    """Text compared loosely: Unicode NFKC (full-width to half-width), stripped, case-folded."""
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def quote(text: str, most: int = QUOTE_MAX) -> str:
    """``'text'`` for a message: control characters escaped, at most ``most`` characters shown.

    A longer text is cut with ``…`` and its full length stated:
    ``'aaaa…' (1,048,576 characters)``.
    """
    text = str(text)
    shown = text if len(text) <= most else text[:most]
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)
    return f"'{shown}'" if len(text) <= most else f"'{shown}…' ({len(text):,} characters)"


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_markers(markers: Iterable[str], where: str) -> list[Problem]:
    """Problems with declared missing markers (``where`` names the setting): empty, or a number."""
    out = []
    for k, marker in enumerate(markers):
        at = f"{where}[{k}]" if not where.startswith("--") else where
        text = str(marker).strip()
        if not text:
            out.append(Problem(at, "an empty marker (an empty cell is always a missing value; declare only text such as 'N/A' or '—')"))
        elif _parse_number(text) is not None:
            out.append(Problem(at, f"{quote(text)} is a number: it cannot mark a missing value"))
        elif _EXCEL_ERROR.fullmatch(text):
            out.append(Problem(at, f"{quote(text)} is an Excel error value: it is always reported, never a missing value"))
    return out


class MissingMarkers:
    """Texts declared to mean "no value" in a number cell, and how many cells held each.

    Matching is loose (:func:`fold`: case, full-width characters and
    surrounding spaces do not matter); the counts are kept under the marker
    as declared, in the order declared.
    """

    def __init__(self, declared: Iterable[str] = ()) -> None:
        self._by_fold: dict[str, str] = {}
        for marker in declared:
            self._by_fold.setdefault(fold(marker), str(marker).strip())
        self.counts: dict[str, int] = dict.fromkeys(self._by_fold.values(), 0)

    def match(self, text: str) -> str | None:
        """The declared marker ``text`` is, or None."""
        return self._by_fold.get(fold(text)) if self._by_fold else None

    def take(self, text: str) -> bool:
        """Whether ``text`` is a declared marker; if it is, count it."""
        marker = self.match(text)
        if marker is None:
            return False
        self.counts[marker] += 1
        return True


def means_no_value(text: str, markers: MissingMarkers | None = None) -> bool:
    """Whether a cell says "no value": empty, a known marker (``N/A``, ``—`` ...) or one of ``markers``."""
    return not text.strip() or fold(text) in KNOWN_MARKERS or (markers is not None and markers.match(text) is not None)


def describe_markers(counts: Mapping[str, int]) -> str:
    """``'N/A' 12 cells, '—' 3 cells`` (declared markers and the cells found with each)."""
    return ", ".join(f"{quote(m)} {n} cell{'s' if n != 1 else ''}" for m, n in counts.items())


def _parse_number(text: str) -> float | None:
    """Parse a cell; NaN for an empty cell, None when it is not a (finite) number.

    Accepts thousands separators (``1,234``, not ``1,5``) and a trailing ``%``
    (``85%`` is 85). Markers such as ``N/A`` are not numbers (see :class:`_Cells`).
    """
    t = unicodedata.normalize("NFKC", text).strip()  # full-width digits, point and per cent: ７５．５％ is 75.5
    if not t:
        return math.nan
    if "," in t:
        if not _THOUSANDS.fullmatch(t):
            return None
        t = t.replace(",", "")
    try:
        v = float(t.removesuffix("%"))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


#: How :mod:`zhenxing.data.reading` marks an .xlsx formula cell saved without its result (files written by scripts).
FORMULA_PREFIX = "\x00formula:"

MARKER_HINT = "leave the cell empty, or declare the marker under missing_markers: in the run file (or --missing-marker)"


def _not_a_number(text: str) -> str:
    """What to say about a cell :func:`_parse_number` refused (a no-value marker is named as one)."""
    if fold(text) in KNOWN_MARKERS:
        return f"found {quote(text.strip())}, text for 'no value', where a number is expected ({MARKER_HINT})"
    if text.startswith(FORMULA_PREFIX):
        formula = text.removeprefix(FORMULA_PREFIX)
        return (f"a formula without a stored result ({quote(formula)}): open the file in Excel and save it, "
                "so that the value is stored, or type the value")
    try:
        v = float(text.strip().removesuffix("%"))
    except ValueError:
        return f"expected a number, found text {quote(text)}"
    return f"expected a finite number, found {quote(text)}" if not math.isfinite(v) else f"expected a number, found text {quote(text)}"


def _parse_int(text: str) -> int | None:
    """A whole number such as a year or a month; None when the cell is not one."""
    try:
        return int(text)
    except ValueError:
        return None


def _value_problem(framework: Framework, ind: str, v: float) -> str | None:
    """Why ``v`` is impossible for indicator or adjustment input ``ind`` (its valid range; counts are whole and >= 0), or None."""
    indicators = framework.indicator_by_id
    if ind in indicators:
        lo, hi = indicators[ind].valid_range
        if not lo <= v <= hi:
            return f"{v:g} {indicators[ind].unit} for '{ind}' is impossible (expected a value in [{lo:g}, {hi:g}])"
        return None
    if v < 0 or v != int(v):
        return f"'{ind}' counts cases or titles: expected a whole number >= 0, found {v:g}"
    return None


def _first_row(seen: dict, key, row: int) -> int | None:
    """Remember where ``key`` was first seen; the row of that first sighting if ``row`` repeats it, else None."""
    first = seen.setdefault(key, row)
    return None if first == row else first


def _rows_text(rows: list[int], most: int = 8) -> str:
    """``row 7`` / ``rows 7, 9, 12-20, ...``: sorted row numbers (each once) with runs joined."""
    rows = sorted(set(rows))
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs[:most]]
    more = ", ..." if len(runs) > most else ""
    return f"row{'s' if len(rows) > 1 else ''} {', '.join(parts)}{more}"


def _unknown_codes(codes, rows, known: set[str], bad: set[tuple[int, str]]) -> dict[str, tuple[int, str]]:
    """Each code not in ``known``: its first row and the message for it (naming the other rows)."""
    where: dict[str, set[int]] = {}
    for code, r in zip(codes, rows):
        if code not in known and (int(r), "code") not in bad:
            where.setdefault(code, set()).add(int(r))
    out = {}
    for code, rs in where.items():
        first, *rest = sorted(rs)
        also = f"; also in {_rows_text(rest)}" if rest else ""
        what = f"unknown unit code {quote(code)} (not in the register{also})" if code else f"empty unit code (expected a code from the register{also})"
        out[code] = (first, what)
    return out


def _sheet_rows(raw: pd.DataFrame) -> np.ndarray:
    """Spreadsheet row numbers of the rows of ``raw`` (the header is row 1 unless the index says otherwise)."""
    if raw.index.name == ROW_INDEX:
        return raw.index.to_numpy(dtype=int)
    return np.arange(len(raw)) + 2


def column_text(column: str, labels: Mapping[str, str]) -> str:
    """How a message names a column: its header as written, with the standard name when that differs.

    ``labels`` maps standard names to headers as written (``value`` -> ``数值``):
    ``'数值' (value)``; a column without a header is named by its letter.
    """
    raw = labels.get(column, column)
    if raw == column:
        return quote(column)
    if not raw:
        return f"{column} (no header)"
    return f"{quote(raw)} ({column})"


def _unusable_cells(
    raw: pd.DataFrame, source: str, problems: ProblemList, labels: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, set[tuple[int, str]]]:
    """Report every Excel error cell; return the table with them blanked and their ``(row, column)``.

    The validators leave these cells alone, so each is reported once.
    """
    bad: set[tuple[int, str]] = set()
    if raw.empty:
        return raw, bad
    hits = np.column_stack([raw[c].astype(str).str.fullmatch(_EXCEL_ERROR.pattern).to_numpy(dtype=bool) for c in raw.columns])
    if not hits.any():
        return raw, bad
    rows = _sheet_rows(raw)
    clean = raw.copy()
    for k, j in zip(*np.nonzero(hits)):  # row by row
        column = str(raw.columns[j])
        problems.add(f"{source}, row {rows[k]}, column {column_text(column, labels or {})}", f"Excel error {raw.iat[k, j]} (expected a value)")
        bad.add((int(rows[k]), column))
        clean.iat[k, j] = ""
    return clean, bad


class _Cells:
    """Adds problems with a file's cells: once each, and none for a cell already reported as unusable.

    Columns are named as the file writes them (``labels``: standard name ->
    header as written). :meth:`number` reads a number cell under the run's
    declared ``markers``.
    """

    def __init__(
        self,
        source: str,
        problems: ProblemList,
        bad: set[tuple[int, str]],
        labels: Mapping[str, str] | None = None,
        markers: MissingMarkers | None = None,
    ) -> None:
        self.source, self.problems, self.bad = source, problems, bad
        self.labels = labels or {}
        self.markers = markers or MissingMarkers()
        self._seen: set[tuple[int, str, str]] = set()

    def add(self, row: int, column: str, what: str) -> None:
        if (row, column) in self.bad or (row, column, what) in self._seen:
            return
        self._seen.add((row, column, what))
        self.problems.add(f"{self.source}, row {row}, column {column_text(column, self.labels)}", what)

    def add_row(self, row: int, what: str) -> None:
        self.problems.add(f"{self.source}, row {row}", what)

    def number(self, row: int, column: str, text: str) -> float | None:
        """The cell as a number: NaN when empty or a declared marker (counted); None when refused (and reported)."""
        if (row, column) in self.bad:
            return None
        if self.markers.take(text):
            return math.nan
        v = _parse_number(text)
        if v is None:
            self.add(row, column, _not_a_number(text))
        return v
