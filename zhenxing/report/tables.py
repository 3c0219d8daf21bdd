"""Tables for readers: formatted cells, one header row, a caption, 是/否 in flag columns.

A report never shows a raw DataFrame. :func:`table_html` renders rows with
:class:`Column` specifications through the Jinja2 template
``templates/table.html.j2``: numbers with thousands separators and sensible
decimals, units in the header, ranks with their denominator (``23/25``), flags
as 是/否 (yes/no), missing values as a dash. A table is plain HTML, so it is
printed whole (its header repeats on every page) and read without JavaScript.

Cell formats (``Column.kind``):

* ``text`` — as given;
* ``number`` — :func:`format_number` (magnitude-aware decimals, ``13,147``);
* ``points`` — points at the publication precision (``decimals``);
* ``percent`` — a value already in per cent, 1 decimal (``85.3%``);
* ``share`` — a share 0..1 shown in per cent, 1 decimal;
* ``rank`` — an integer rank, with ``Column.of`` naming the column of its denominator;
* ``flag`` — a boolean as 是/否 (yes/no);
* ``int`` — a whole number with thousands separators;
* ``signed`` — points with a sign (``+1.25``, ``-0.40``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

DASH = "—"
FLAGS = {"zh": ("是", "否"), "en": ("yes", "no")}
NUMERIC_KINDS = {"number", "points", "percent", "share", "rank", "int", "signed"}


@dataclass(frozen=True)
class Column:
    """One column of a reader's table: the DataFrame key, its header and how cells are written."""

    key: str
    header: str
    kind: str = "text"
    decimals: int = 2
    unit: str = ""
    of: str | None = None  # for ``rank``: the column holding the denominator

    @property
    def css(self) -> str:
        return "num" if self.kind in NUMERIC_KINDS else ("flag" if self.kind == "flag" else "text")


def is_missing(v: Any) -> bool:
    try:
        return v is None or (isinstance(v, float) and math.isnan(v)) or bool(v != v)
    except (TypeError, ValueError):
        return False


def format_number(v: Any) -> str:
    """A measured value for a reader: thousands separators, decimals by magnitude, no trailing zeros.

    ``13147.0`` → ``13,147``; ``342.4`` → ``342.4``; ``1.925`` → ``1.93``
    (at least 1,000: whole numbers; at least 100: one decimal; else two).
    """
    if is_missing(v):
        return DASH
    x = float(v)
    decimals = 0 if abs(x) >= 1000 else 1 if abs(x) >= 100 else 2
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_pair(a: Any, b: Any) -> tuple[str, str]:
    """Two values of one quantity (from → to) with the same decimals: ``11.10`` → ``26.41``, not ``11.1`` → ``26.41``."""
    if is_missing(a) or is_missing(b):
        return format_number(a), format_number(b)
    texts = [format_number(a), format_number(b)]
    decimals = max(len(t.split(".")[1]) if "." in t else 0 for t in texts)
    return tuple(f"{float(v):,.{decimals}f}" for v in (a, b))  # type: ignore[return-value]


def format_cell(v: Any, column: Column, lang: str, denominator: Any = None) -> str:
    """The text of one cell (see the module docstring for the kinds)."""
    if column.kind == "flag":
        yes, no = FLAGS["en" if lang == "en" else "zh"]
        return yes if (not is_missing(v) and bool(v)) else no
    if is_missing(v):
        return DASH
    kind = column.kind
    if kind == "number":
        return format_number(v)
    if kind == "points":
        return f"{float(v):,.{column.decimals}f}"
    if kind == "signed":
        return f"{float(v):+,.{column.decimals}f}"
    if kind == "percent":
        return f"{float(v):.1f}%"
    if kind == "share":
        return f"{100 * float(v):.1f}%"
    if kind == "int":
        return f"{int(v):,}"
    if kind == "rank":
        return f"{int(v)}/{int(denominator)}" if denominator is not None and not is_missing(denominator) else f"{int(v)}"
    return str(v)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("zhenxing.report", "templates"), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )


def stylesheet(*names: str) -> str:
    """The CSS files ``static/<name>`` joined in order, for a page that inlines its styles."""
    folder = Path(__file__).with_name("static")
    return "\n".join((folder / n).read_text(encoding="utf-8") for n in names)


def template(name: str) -> jinja2.Template:
    """A report template from ``zhenxing/report/templates/`` (HTML-escaping on)."""
    return _environment().get_template(name)


def table_html(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    caption: str,
    lang: str = "zh",
    note: str = "",
    row_class: Callable[[Mapping[str, Any]], str] | None = None,
    cell_class: Callable[[Mapping[str, Any], Column], str] | None = None,
    wide: bool = False,
) -> str:
    """An HTML table of ``rows`` (mappings, e.g. ``df.to_dict("records")``) under ``columns``.

    A row with a ``_group`` key is a heading across the table (a dimension
    above its indicators). ``row_class`` / ``cell_class`` add CSS classes (a
    flagged unit, a status); ``note`` is a line below the table (a source, a
    definition).
    """
    heads = [{"header": c.header + (f"（{c.unit}）" if c.unit and lang != "en" else f" ({c.unit})" if c.unit else ""), "css": c.css}
             for c in columns]
    body = []
    for r in rows:
        if r.get("_group"):  # a group heading across the table (e.g. a dimension)
            body.append({"group": str(r["_group"]), "cells": [], "css": ""})
            continue
        cells = []
        for c in columns:
            extra = cell_class(r, c) if cell_class else ""
            cells.append({"text": format_cell(r.get(c.key), c, lang, r.get(c.of) if c.of else None),
                          "css": f"{c.css} {extra}".strip()})
        body.append({"cells": cells, "css": row_class(r) if row_class else ""})
    return template("table.html.j2").render(caption=caption, columns=heads, rows=body, note=note, wide=wide)
