"""Reading the reports' HTML tables back in tests (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Row:
    css: str
    cells: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    header: bool = False


@dataclass
class Table:
    caption: str = ""
    rows: list[Row] = field(default_factory=list)

    @property
    def head(self) -> list[str]:
        return next(r.cells for r in self.rows if r.header and "zx-group" not in r.css)

    @property
    def body(self) -> list[Row]:
        """Data rows (no header, no group heading)."""
        return [r for r in self.rows if not r.header and "zx-group" not in r.css]

    @property
    def groups(self) -> list[str]:
        return [r.cells[0] for r in self.rows if "zx-group" in r.css]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[Table] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append(Table(caption=getattr(self, "_caption", "")))
            self._caption = ""
        elif tag == "figcaption":
            self._in_caption, self._caption = True, ""
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append(Row(a.get("class") or ""))
        elif tag in ("td", "th") and self.tables:
            row = self.tables[-1].rows[-1]
            row.header = row.header or (tag == "th" and "zx-group" not in row.css)
            row.classes.append(a.get("class") or "")
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1].rows[-1].cells.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "figcaption":
            self._in_caption = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self._caption += data


def read_tables(html: str) -> list[Table]:
    """Every <table> of ``html`` with its <figcaption>: rows of cell texts and classes."""
    p = _Parser()
    p.feed(html)
    return p.tables
