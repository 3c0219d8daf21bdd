"""The county report's first screen and sentences: the headline record, card and text.

:func:`headline_record` is the unit's standing as a language-neutral JSON
record (displayed with the report, read by tests); :func:`headline_html`
renders the first screen (template ``headline.html.j2``): total, grade, ranks
with denominators, the margin to the warning line with the risk level, and one
sentence each on the dimensions that lose most points, the largest obstacles
and what the cheapest path asks. Every figure is copied from the library's
results; nothing is computed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..display import format_table
from ..framework import Framework
from ..labels import column_label, risk_label
from ..precision import format_published
from .county import GapLike
from .tables import format_pair, template
from .text import category_label, dimension_names, grade_label, indicator_names, text, unit_name, unit_text


def headline_record(gap: GapLike) -> dict[str, Any]:
    """The unit's headline numbers, language-neutral and JSON-ready.

    Keys: code, name_zh, name_en, city, category, year, total (points, full
    precision), grade (id), rank_category, n_category, rank_province,
    n_province, warning_talk, veto, points_to_pass_next,
    points_to_leave_bottom, margin_above_bottom (points; None where the
    library says infinite: no score leaves the bottom), missing_indicators
    (ids). Every value is copied from ``gap.unit`` / ``gap.standing``.
    """
    s = gap.standing
    u = gap.unit
    return {
        "code": str(gap.code),
        "name_zh": str(u.get("name_zh", "")),
        "name_en": str(u.get("name_en", "")),
        "city": str(u.get("city", "")),
        "category": str(u.get("category", "")),
        "year": int(gap.year),
        "total": float(s.total),
        "grade": str(s.grade),
        "rank_category": int(s.rank_category),
        "n_category": int(s.n_category),
        "rank_province": int(s.rank_province),
        "n_province": int(s.n_province),
        "warning_talk": bool(s.warning_talk),
        "veto": bool(s.veto),
        "points_to_pass_next": _finite(s.points_to_pass_next),
        "points_to_leave_bottom": _finite(s.points_to_leave_bottom),
        "margin_above_bottom": _finite(s.margin_above_bottom),
        "risk": str(u.get("risk", "flagged" if s.warning_talk else "safe")),
        "missing_indicators": [str(i) for i in gap.missing_indicators],
        "top_dimensions": [
            {"dimension": str(r.dimension), "points": float(r.points), "max_points": float(r.max_points), "points_lost": float(r.points_lost)}
            for r in gap.dimensions.sort_values(["points_lost", "dimension"], ascending=[False, True], kind="stable").head(2).itertuples()
            if r.points_lost > 0
        ],
        "top_obstacles": [
            {"indicator": str(r.indicator), "obstacle": float(r.obstacle)}
            for r in gap.indicators.sort_values(["obstacle", "indicator"], ascending=[False, True], kind="stable").head(3).itertuples()
            if r.obstacle > 0
        ],
        "path": None if gap.path is None else {
            "goal": str(gap.path.goal),
            "feasible": bool(gap.path.feasible),
            "goal_met": bool(gap.path.goal_met),
            "points_gained": float(gap.path.steps["points_gained"].sum()) if len(gap.path.steps) else 0.0,
            "rescored_total": float(gap.path.rescored_total),
            "steps": [{"indicator": str(r.indicator), "value": float(r.value), "new_value": float(r.new_value)}
                      for r in gap.path.steps.itertuples()],
        },
    }


def _finite(v: Any) -> float | None:
    """``float(v)``, or None when it is infinite or NaN (JSON has no infinity)."""
    f = float(v)
    return f if math.isfinite(f) else None


def headline_table(gap: GapLike, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """One-row table: code, name, total (2 decimals), grade, rank in category
    ("r/n"), rank in province ("r/n"), with headers in ``lang``."""
    r = headline_record(gap)
    df = pd.DataFrame(
        {
            "code": [r["code"]],
            "name": [unit_name(gap.unit, lang)],
            "total": [round(r["total"], 2)],
            "grade": [grade_label(fw, r["grade"], lang)],
            "rank_category": [f"{r['rank_category']}/{r['n_category']}"],
            "rank_province": [f"{r['rank_province']}/{r['n_province']}"],
        }
    )
    df.columns = [column_label(c, fw, lang) for c in df.columns]
    return df


def headline_text(gap: GapLike, fw: Framework, lang: str = "zh") -> str:
    """:func:`headline_table` as aligned plain text (deterministic)."""
    return format_table(headline_table(gap, fw, lang), decimals=2)


def standing_sentence(gap: GapLike, fw: Framework, lang: str = "zh") -> str:
    """A Markdown paragraph stating the unit's standing and what separates it
    from the unit above and from the warning-talk zone."""
    r = headline_record(gap)
    name = unit_name(gap.unit, lang)
    cat = category_label(fw, r["category"], lang)
    grade = grade_label(fw, r["grade"], lang)
    k = fw.warning_talk.per_category
    p = fw.publication.decimals

    def pub(x: float) -> str:  # rounded as published (half away from zero), like the card above it
        return format_published(x, p)

    if lang == "en":
        parts = [
            f"**{name}** scored **{pub(r['total'])}** points in {r['year']} (grade: {grade}), "
            f"rank **{r['rank_category']} of {r['n_category']}** in the {cat} category and "
            f"{r['rank_province']} of {r['n_province']} in the province."
        ]
        if r["rank_category"] > 1:
            parts.append(f"It needs more than {pub(r['points_to_pass_next'])} points to pass the unit above.")
        if r["warning_talk"] and r["points_to_leave_bottom"] is None:
            parts.append(f"**It is in the bottom {k} of its category (warning talk)**, which has no more than {k} units.")
        elif r["warning_talk"]:
            parts.append(f"**It is in the bottom {k} of its category (warning talk):** "
                         f"it needs more than {pub(r['points_to_leave_bottom'])} points to leave that zone.")
        else:
            parts.append(f"It can lose {pub(r['margin_above_bottom'])} points before entering the bottom {k}.")
        if r["veto"]:
            parts.append("**A veto item applies: the top grade is barred.**")
    else:
        parts = [
            f"**{name}** {r['year']} 年总分 **{pub(r['total'])}** 分，等次“{grade}”，"
            f"在{cat} {r['n_category']} 个单位中列第 **{r['rank_category']}** 位，全省 {r['n_province']} 个单位中列第 {r['rank_province']} 位。"
        ]
        if r["rank_category"] > 1:
            parts.append(f"与前一名相差 {pub(r['points_to_pass_next'])} 分。")
        if r["warning_talk"] and r["points_to_leave_bottom"] is None:
            parts.append(f"**处于本类别末 {k} 位（约谈）**，本类别单位数不超过 {k} 个。")
        elif r["warning_talk"]:
            parts.append(f"**处于本类别末 {k} 位（约谈）**，需增加 {pub(r['points_to_leave_bottom'])} 分以上方可走出约谈区。")
        else:
            parts.append(f"高出约谈线 {pub(r['margin_above_bottom'])} 分。")
        if r["veto"]:
            parts.append("**触发一票否决事项，不能评为最高等次。**")
    return "".join(parts) if lang != "en" else " ".join(parts)


def missing_note(gap: GapLike, fw: Framework, lang: str = "zh") -> str:
    """Markdown note listing the unit's missing indicator values ("" when none)."""
    if not gap.missing_indicators:
        return ""
    names = indicator_names(fw, lang)
    listed = ("、" if lang != "en" else ", ").join(names.get(i, i) for i in gap.missing_indicators)
    rule = {"zero": ("按 0 分计", "scored 0"), "category_mean": ("按本类别平均达成度计", "given the category's mean attainment")}
    how = rule.get(fw.missing_values, ("", ""))
    if lang == "en":
        return f"**Missing values ({len(gap.missing_indicators)}):** {listed} — {how[1]} under the framework's rule."
    return f"**缺失指标（{len(gap.missing_indicators)} 项）**：{listed}——依框架规定{how[0]}。"


def _listing(items: list[str], lang: str) -> str:
    return ("、" if lang != "en" else "; ").join(items)


def risk_sentence(record: Mapping[str, Any], fw: Framework, lang: str = "zh") -> str:
    """What the risk level means for this unit, with the margin to the warning line (published points)."""
    p = fw.publication.decimals
    k = fw.warning_talk.per_category
    margin = record["margin_above_bottom"]
    leave = record["points_to_leave_bottom"]
    if record["warning_talk"]:
        if leave is None:
            return text("risk_flagged_no_exit", lang, k=k)
        return text("risk_flagged", lang, k=k, pts=format_published(leave, p))
    return text(f"risk_{record['risk']}", lang, k=k, pts=format_published(margin, p),
                below=record["n_category"] - record["rank_category"])


def findings(gap: GapLike, fw: Framework, lang: str = "zh") -> list[str]:
    """One sentence each: the dimensions that lose most points, the indicators with the highest
    obstacle degree, and what the cheapest path asks (indicator, from → to, in its unit)."""
    r = headline_record(gap)
    p = fw.publication.decimals
    dims = dimension_names(fw, lang)
    names = indicator_names(fw, lang)
    out = []
    if r["top_dimensions"]:
        parts = [text("dim_loss_item", lang, name=dims.get(d["dimension"], d["dimension"]), pts=format_published(d["points"], p),
                      full=f"{d['max_points']:g}", lost=format_published(d["points_lost"], p)) for d in r["top_dimensions"]]
        out.append(text("finding_dimensions", lang, items=_listing(parts, lang)))
    if r["top_obstacles"]:
        missing = set(r["missing_indicators"])
        parts = []
        for o in r["top_obstacles"]:
            name, share = names.get(o["indicator"], o["indicator"]), f"{o['obstacle'] * 100:.1f}"
            note = text("obstacle_missing", lang) if o["indicator"] in missing else ""
            parts.append(f"{name}（{share}%{note}）" if lang != "en" else f"{name} ({share}\u00a0%{note})")
        out.append(text("finding_obstacles", lang, items=_listing(parts, lang)))
    path = r["path"]
    if path is None:
        first = r["rank_category"] == 1 and not r["warning_talk"]
        out.append(text("path_none" if first else "path_not_computed", lang))
    elif not path["steps"]:
        out.append(text("path_no_exit", lang))
    else:
        ind = fw.indicator_by_id
        shown = path["steps"][:3]
        parts = []
        for st in shown:
            i = ind[st["indicator"]]
            verb = text("raise" if st["new_value"] >= st["value"] else "lower", lang)
            a, b = format_pair(st["value"], st["new_value"])
            parts.append(text("path_step", lang, name=names.get(i.id, i.id), verb=verb, a=a, b=b, unit=unit_text(i.unit_label(lang), lang)))
        more = text("path_more", lang, n=len(path["steps"]) - len(shown)) if len(path["steps"]) > len(shown) else ""
        key = f"finding_path_{path['goal']}" if path["feasible"] else "finding_path_infeasible"
        out.append(text(key, lang, steps=_listing(parts, lang) + more, pts=format_published(path["points_gained"], p),
                        now=format_published(r["total"], p), new=format_published(path["rescored_total"], p)))
    return out


def first_screen(gap: GapLike, fw: Framework, lang: str = "zh") -> dict[str, Any]:
    """Everything the headline card shows, as text in ``lang`` (see :func:`headline_html`)."""
    r = headline_record(gap)
    p = fw.publication.decimals
    margin = r["margin_above_bottom"] if not r["warning_talk"] else -(r["points_to_leave_bottom"] or 0.0)
    figures = [
        (column_label("total", fw, lang), format_published(r["total"], p)),
        (column_label("grade", fw, lang), grade_label(fw, r["grade"], lang)),
        (column_label("rank_category", fw, lang), f"{r['rank_category']}/{r['n_category']}"),
        (column_label("rank_province", fw, lang), f"{r['rank_province']}/{r['n_province']}"),
        (text("margin_to_line", lang), ("+" if margin > 0 else "") + format_published(margin, p)),
    ]
    return {
        "where": f"{unit_name(gap.unit, lang)} · {category_label(fw, r['category'], lang)} · {r['year']}",
        "figures": [{"label": k, "value": v} for k, v in figures],
        "risk": r["risk"],
        "risk_label": risk_label(r["risk"], lang),
        "risk_sentence": risk_sentence(r, fw, lang),
        "findings": findings(gap, fw, lang),
    }


def headline_html(gap: GapLike, fw: Framework, lang: str = "zh") -> str:
    """The report's first screen: unit, category, year; total, grade, ranks with denominators, the
    margin to the warning line with the risk level; the findings (template ``headline.html.j2``)."""
    return template("headline.html.j2").render(**first_screen(gap, fw, lang))
