"""The city overview: the home city's record and headline, its units, the city
league and the category leagues.

The builders read the tables of a :class:`~zhenxing.scoring.ScoreResult`
(``cities`` and ``units``) and compute no score of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from ..display import format_table
from ..framework import Framework
from ..labels import column_label, risk_label
from ..precision import format_published
from .style import HIGHLIGHT, MUTED, WARNING, category_colours, style_figure
from .tables import Column, table_html, template
from .text import category_label, city_name, grade_label, text, unit_names


def city_record(cities: pd.DataFrame, units: pd.DataFrame, city: str) -> dict[str, Any]:
    """The home city's headline, language-neutral and JSON-ready: city,
    city_en, score (points, full precision), rank, n_cities, last, n_units,
    units_warning_talk (codes of its units in a category's bottom group).
    Every value is copied from the score tables."""
    row = cities[cities["city"] == city]
    if len(row) != 1:
        raise ValueError(f"unknown city {city!r} (cities in the result: {', '.join(map(str, cities['city']))})")
    r = row.iloc[0]
    mine = units[units["city"] == city]
    return {
        "city": str(r["city"]),
        "city_en": str(r["city_en"]),
        "score": float(r["score"]),
        "rank": int(r["rank"]),
        "n_cities": int(len(cities)),
        "last": bool(r["last"]),
        "n_units": int(r["n_units"]),
        "units_warning_talk": sorted(str(c) for c in mine.loc[mine["warning_talk"].astype(bool), "code"]),
        "margin_to_last": float(r["score"]) - float(cities["score"].min()),
        "units_at_risk": [
            {"code": str(u.code), "name_zh": str(u.name_zh), "name_en": str(u.name_en), "risk": str(u.risk),
             "margin": float(u.margin_bottom), "rank_category": int(u.rank_category), "n_category": int(u.n_category)}
            for u in mine.sort_values(["margin_bottom", "code"], kind="stable").itertuples()
            if "risk" in mine.columns and u.risk in ("flagged", "close")
        ],
    }


def city_units_table(units: pd.DataFrame, city: str, fw: Framework, lang: str = "zh") -> str:
    """The city's units, most at risk first (smallest margin to the warning line), as a reader's table:
    name, category, total, grade, rank in category and province with denominators, margin, risk level, warning talk."""
    mine = units[units["city"] == city].sort_values(["margin_bottom", "code"], kind="stable")
    p = fw.publication.decimals
    n = len(units)
    rows = [
        {"name": name, "category": category_label(fw, u.category, lang), "total": u.total, "grade": grade_label(fw, u.grade, lang),
         "rank_category": int(u.rank_category), "n_category": int(u.n_category), "rank_province": int(u.rank_province), "n": n,
         "margin": u.margin_bottom, "risk": risk_label(u.risk, lang), "_risk": u.risk, "warning_talk": bool(u.warning_talk)}
        for name, u in zip(unit_names(mine, lang), mine.itertuples())
    ]
    columns = [
        Column("name", column_label("name", fw, lang)), Column("category", column_label("category", fw, lang)),
        Column("total", column_label("total", fw, lang), "points", decimals=p), Column("grade", column_label("grade", fw, lang)),
        Column("rank_category", column_label("rank_category", fw, lang), "rank", of="n_category"),
        Column("rank_province", column_label("rank_province", fw, lang), "rank", of="n"),
        Column("margin", column_label("margin_bottom", fw, lang), "signed", decimals=p),
        Column("risk", column_label("risk", fw, lang)), Column("warning_talk", column_label("warning_talk", fw, lang), "flag"),
    ]
    name = city if lang != "en" or mine.empty else city_name(mine.iloc[0], lang)
    return table_html(rows, columns, text("city_units_table_title", lang, city=name), lang,
                      row_class=lambda r: {"flagged": "zx-flagged", "close": "zx-close"}.get(r["_risk"], ""))


def city_units(units: pd.DataFrame, city: str, fw: Framework, lang: str = "zh") -> go.Figure:
    """Bars of the totals of ``city``'s units (points), one colour per
    category, units in the warning-talk zone outlined in red; sorted by total."""
    mine = units[units["city"] == city].sort_values(["total", "code"], ascending=[False, True], kind="stable")
    colours = category_colours(fw)
    fig = go.Figure()
    for c in fw.categories:
        sub = mine[mine["category"] == c.id]
        if sub.empty:
            continue
        flagged = [bool(w) for w in sub["warning_talk"]]
        fig.add_bar(
            name=fw.label(c, lang),
            x=unit_names(sub, lang),
            y=[float(v) for v in sub["total"]],
            customdata=list(sub["code"]),
            marker={"color": colours[c.id], "line": {"color": [WARNING if f else colours[c.id] for f in flagged], "width": [3 if f else 0 for f in flagged]}},
            text=[f"{t:.{fw.publication.decimals}f}" for t in sub["total"]],
            textposition="outside",
        )
    order = unit_names(mine, lang)
    fig.update_xaxes(categoryorder="array", categoryarray=order)
    fig.update_layout(yaxis_title=column_label("total", fw, lang), yaxis_range=[0.0, float(fw.scale) * 1.1])
    name = city if lang != "en" or mine.empty else city_name(mine.iloc[0], lang)
    return style_figure(fig, text("city_units_title", lang, city=name), height=420)


def city_league(cities: pd.DataFrame, city: str, lang: str = "zh", decimals: int = 2) -> go.Figure:
    """Horizontal bars of every city's score (points, from 0), best at the top, with the value;
    the home city highlighted, the last city (warning talk) in red, each colour in the legend."""
    names = [city_name(r, lang) for _, r in cities.iterrows()]
    kind = ["last" if bool(lst) else "home" if c == city else "other" for c, lst in zip(cities["city"], cities["last"])]
    colours = {"home": HIGHLIGHT, "other": MUTED, "last": WARNING}
    labels = {"home": text("home_city", lang), "other": text("other_cities", lang), "last": text("last_city_legend", lang)}
    fig = go.Figure()
    for key in ("home", "other", "last"):
        idx = [k for k, v in enumerate(kind) if v == key]
        if not idx:
            continue
        fig.add_bar(
            name=labels[key], orientation="h", y=[names[k] for k in idx], x=[float(cities["score"].iloc[k]) for k in idx],
            customdata=[str(cities["city"].iloc[k]) for k in idx],
            marker_color=colours[key], text=[f"{float(cities['score'].iloc[k]):.{decimals}f}" for k in idx], textposition="outside",
            cliponaxis=False,
        )
    fig.update_yaxes(categoryorder="array", categoryarray=names, autorange="reversed", automargin=True)
    fig.update_layout(xaxis_title=text("score", lang), xaxis_range=[0.0, float(cities["score"].max()) * 1.12], barmode="overlay")
    return style_figure(fig, text("city_league_title", lang), height=140 + 24 * len(cities))


def category_league(units: pd.DataFrame, category: str, city: str, fw: Framework, lang: str = "zh") -> go.Figure:
    """One category's league as horizontal bars (points, from 0), best at the top, each with its value:
    ``city``'s units highlighted (names in bold), the others muted, units in the warning-talk zone in red,
    and the warning line drawn between the last safe unit and the zone."""
    sub = units[units["category"] == category].sort_values(["total", "code"], ascending=[False, True], kind="stable")
    p = fw.publication.decimals
    names = unit_names(sub, lang)
    ticks = [f"<b>{nm}</b>" if c == city else nm for nm, c in zip(names, sub["city"])]
    kind = ["zone" if bool(w) else "home" if c == city else "other" for w, c in zip(sub["warning_talk"], sub["city"])]
    colours = {"home": HIGHLIGHT, "other": MUTED, "zone": WARNING}
    labels = {"home": text("home_units", lang), "other": text("other_units", lang), "zone": text("in_zone", lang)}
    fig = go.Figure()
    for key in ("home", "other", "zone"):
        idx = [k for k, v in enumerate(kind) if v == key]
        if idx:
            fig.add_bar(name=labels[key], orientation="h", y=[ticks[k] for k in idx], x=[float(sub["total"].iloc[k]) for k in idx],
                        customdata=[str(sub["code"].iloc[k]) for k in idx],
                        marker_color=colours[key], text=[f"{float(sub['total'].iloc[k]):.{p}f}" for k in idx],
                        textposition="outside", cliponaxis=False, textfont={"size": 10})
    safe = sum(not bool(w) for w in sub["warning_talk"])
    if 0 < safe < len(sub):  # the warning line, between the last safe unit and the first one in the zone
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=safe - 0.5, y1=safe - 0.5,
                      line={"color": WARNING, "width": 1.5, "dash": "dash"})
        fig.add_annotation(xref="paper", x=1, yref="y", y=safe - 0.5, text=text("warning_line", lang), showarrow=False,
                           xanchor="right", yanchor="bottom", font={"color": WARNING, "size": 11})
    fig.update_yaxes(categoryorder="array", categoryarray=ticks, autorange="reversed", automargin=True, tickfont={"size": 11})
    fig.update_layout(xaxis_title=column_label("total", fw, lang), xaxis_range=[0.0, float(fw.scale) * 1.1], barmode="overlay", bargap=0.25)
    cat = next(c for c in fw.categories if c.id == category)
    title = text("category_league_title", lang, category=fw.label(cat, lang), n=len(sub))
    # at most one A4 page high (about 1,000 px printable), so that the league is never split across pages
    return style_figure(fig, title, height=min(980, 150 + 16 * len(sub)))


def category_leagues(units: pd.DataFrame, city: str, fw: Framework, lang: str = "zh") -> list[go.Figure]:
    """:func:`category_league` for every category that has units, in framework order."""
    return [category_league(units, c.id, city, fw, lang) for c in fw.categories if (units["category"] == c.id).any()]


def city_headline_text(record: Mapping[str, Any], lang: str = "zh") -> str:
    """The city's headline as aligned plain text (score to 2 decimals)."""
    df = pd.DataFrame(
        {
            "city": [record["city_en"] if lang == "en" and record["city_en"] else record["city"]],
            "score": [round(record["score"], 2)],
            "rank": [f"{record['rank']}/{record['n_cities']}"],
            "last": [("yes" if lang == "en" else "是") if record["last"] else ""],
            "n_units": [record["n_units"]],
        }
    )
    labels = {"city": ("市", "City"), "score": ("得分", "Score"), "rank": ("全省排名", "Rank"), "last": ("末位", "Last"), "n_units": ("考核单位数", "Units")}
    df.columns = [labels[c][1] if lang == "en" else labels[c][0] for c in df.columns]
    return format_table(df, decimals=2)


def city_headline_html(record: Mapping[str, Any], lang: str = "zh", decimals: int = 2) -> str:
    """The city's first screen: score, rank "8/16", margin to the last city, and its units in or
    close to the warning-talk zone (template ``headline.html.j2``)."""
    name = record["city_en"] if lang == "en" and record["city_en"] else record["city"]
    last = record["last"]
    at_risk = record.get("units_at_risk", [])
    risk = "flagged" if last or any(u["risk"] == "flagged" for u in at_risk) else "close" if at_risk else "safe"
    margin = record.get("margin_to_last", 0.0)
    figures = [
        {"label": text("score", lang), "value": format_published(record["score"], decimals)},
        {"label": text("city_rank", lang), "value": f"{record['rank']}/{record['n_cities']}"},
        {"label": text("margin_to_last", lang), "value": ("+" if margin > 0 else "") + format_published(margin, decimals)},
        {"label": text("n_units", lang), "value": str(record["n_units"])},
    ]
    sentence = text("city_last", lang) if last else text("city_not_last", lang, pts=format_published(margin, decimals))
    findings = []
    for u in at_risk:
        unit = u["name_en"] if lang == "en" and u["name_en"] else u["name_zh"]
        margin_text = format_published(-u["margin"] if u["risk"] == "flagged" else u["margin"], decimals)  # flagged: points to leave
        findings.append(text(f"city_unit_{u['risk']}", lang, name=unit, r=u["rank_category"], n=u["n_category"], pts=margin_text))
    if not at_risk:
        findings.append(text("city_no_unit_at_risk", lang))
    risk_names = {"flagged": text("city_risk_flagged", lang), "close": text("city_risk_close", lang), "safe": text("city_risk_safe", lang)}
    return template("headline.html.j2").render(where=str(name), figures=figures, risk=risk, risk_label=risk_names[risk],
                                               risk_sentence=sentence, findings=findings)


def audit_section_html(audit: Any, city: str, year: int, fw: Framework, lang: str = "zh") -> str:
    """The audit section at the top of the city overview (template ``audit.html.j2``): a one-line
    province count for ``year``, then the home city's flags of ``year`` and of the year before (whose
    values the reports compare with: unit, year, indicator, department, value, reason) as a reader's
    table, likely errors first; a short sentence when the city has none.

    ``audit``: a :class:`zhenxing.audit.AuditResult` of the data up to ``year``; nothing is computed here."""
    from ..audit.flags import check_name, with_unit

    en = lang == "en"
    years = [y for y in audit.years if y <= year][-2:]
    flags = audit.flags[audit.flags["year"] == year]
    counts = flags["check"].value_counts()
    parts = [f"{check_name(c, lang)} {int(counts[c])}" for c in ("scale", "change", "copied", "outlier", "coverage") if c in counts]
    shown = audit.flags[audit.flags["year"].isin(years)]
    mine = shown[(shown["city"] == city) | ((shown["code"] == "") & (shown["indicator"] != ""))]  # a whole column concerns every city
    mine = mine.assign(_s=(mine["severity"] != "error").astype(int), _y=-mine["year"]).sort_values(["_s", "_y", "code"], kind="stable")
    reg = audit.panel.register
    city_en = reg.loc[reg["city"] == city, "city_en"]
    name = (str(city_en.iloc[0]) if len(city_en) and str(city_en.iloc[0]) else city) if en else city
    span = "、".join(map(str, years)) if not en else " and ".join(map(str, years))
    if en:
        province = (f"Data audit {year}: {len(flags)} flag{'s' if len(flags) != 1 else ''} in the province"
                    + (f" ({', '.join(parts)})" if parts else "") + f"; {len(mine)} concern {name}'s units in {span}.")
    else:
        province = (f"{year} 年数据核查：全省共 {len(flags)} 条标记" + (f"（{'，'.join(parts)}）" if parts else "")
                    + f"；{span} 年涉及本市单位 {len(mine)} 条。")
    whole_unit, whole_column = ("(whole unit)", "every unit") if en else ("（整体）", "全省各单位")
    rows = [{"name": ((r.name_en or r.name_zh) if en else r.name_zh) if r.code else whole_column, "year": int(r.year),
             "indicator": ((r.indicator_en if en else r.indicator_zh) or whole_unit),
             "department": (r.department_en if en else r.department_zh) or "—",
             "value": with_unit(r.value, fw.indicator_by_id[r.indicator], lang) if (r.indicator and r.code) else "—",
             "reason": r.message_en if en else r.message_zh, "_severity": r.severity}
            for r in mine.itertuples()]
    columns = [
        Column("name", column_label("name", fw, lang)), Column("year", "Year" if en else "年份"),
        Column("indicator", column_label("indicator", fw, lang)),
        Column("department", "Department" if en else "报送部门"), Column("value", column_label("value", fw, lang)),
        Column("reason", "Reason" if en else "核查说明"),
    ]
    caption = f"{name}: values to check with the departments" if en else f"{city}需向报送部门核实的数据"
    note = ("Likely errors (unit-scale slips, copied figures) first; every flag of the province, with the rules and "
            "their thresholds, is in the data audit report linked from the index page." if en else
            "疑似错误（单位量级、照抄上年）在前；全省全部标记及核查规则、阈值见报告索引页中的《数据审核与统计检验》。")
    table = table_html(rows, columns, caption, lang, note=note,
                       row_class=lambda r: "zx-flagged" if r["_severity"] == "error" else "zx-close",
                       cell_class=lambda r, c: "zx-nowrap" if c.key in ("name", "year") and not en else "") if rows else ""
    empty = (f"No value of {name}'s units is flagged for {span}." if en else f"本市各单位 {span} 年数据未发现需核实的异常值。")
    return template("audit.html.j2").render(province=province, table=table, empty=empty)
