"""Plain-text tables for the terminal that line up with Chinese characters.

pandas pads by character count, but a Chinese character takes two terminal
columns; these helpers pad by display width instead.
"""

from __future__ import annotations

import unicodedata

import pandas as pd


def display_width(text: str) -> int:
    """Terminal columns taken by ``text`` (wide and full-width characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _cell(v: object, decimals: int) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:.{decimals}f}"
    return "" if v is None else str(v)


def format_table(df: pd.DataFrame, decimals: int = 2, title: str | None = None) -> str:
    """Render ``df`` as an aligned text table (numbers right, text left)."""
    headers = [str(c) for c in df.columns]
    rows = [[_cell(v, decimals) for v in rec] for rec in df.itertuples(index=False)]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]
    widths = [max([display_width(h)] + [display_width(r[k]) for r in rows]) for k, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        out = []
        for k, c in enumerate(cells):
            pad = " " * (widths[k] - display_width(c))
            out.append(pad + c if numeric[k] else c + pad)
        return "  ".join(out).rstrip()

    parts = [title] if title else []
    parts += [line(headers), "  ".join("-" * w for w in widths)]
    parts += [line(r) for r in rows]
    return "\n".join(parts)
