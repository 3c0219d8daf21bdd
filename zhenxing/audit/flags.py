"""One flag of the audit, as the checks produce it, and the words shared by their messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..framework import Indicator
from ..report.tables import format_number

#: check ids in the order the outputs list them
CHECKS = ("scale", "change", "copied", "outlier", "coverage")
CHECK_NAMES = {
    "scale": ("单位量级疑误", "unit-scale slip"),
    "change": ("较上年变化异常", "implausible change"),
    "copied": ("疑似照抄上年", "copied forward"),
    "outlier": ("类别内离群值", "category outlier"),
    "coverage": ("数据覆盖率不足", "low coverage"),
}
#: how sure a flag is: "error" (almost certainly wrong: a scale slip, copied figures) or "warning" (to be checked)
SEVERITIES = ("error", "warning")


def check_name(check: str, lang: str) -> str:
    zh, en = CHECK_NAMES[check]
    return en if lang == "en" else zh


@dataclass
class Flag:
    """One suspicious value (or unit, or indicator) found by a check.

    ``unit`` and ``indicator`` are positions in the register and in the framework's
    indicators (None for a flag about a whole indicator or unit); ``cells`` lists
    the indicator positions to highlight for a unit-level flag (copied forward), ``units`` the unit
    positions to highlight for an indicator-level one (a column copied forward).
    ``statistic`` is what was compared with ``threshold`` (a robust z, a ratio, a share).
    """

    year: int
    unit: int | None
    indicator: int | None
    check: str
    kind: str
    value: float
    reference: float
    reference_year: int | None
    statistic: float
    threshold: float
    severity: str
    message_zh: str
    message_en: str
    cells: list[int] = field(default_factory=list)
    units: list[int] = field(default_factory=list)  # for a flag about a whole indicator: the units' cells to highlight


def num(v: float) -> str:
    """A value in a message: thousands separators, decimals by magnitude (``21,691``, ``85.3``, ``0.85``)."""
    return format_number(v)


def with_unit(v: float, ind: Indicator, lang: str) -> str:
    """``85.3%``, ``21,691 元`` / ``21,691 yuan``; a ratio without a unit (``2.21``)."""
    unit = ind.unit_label(lang)
    if ind.unit.strip() == "ratio":
        return num(v)
    if unit in ("%", "％", "‰"):
        return f"{num(v)}{unit}"
    return f"{num(v)} {unit}".strip()
