"""The county report's coupling coordination section (耦合协调度 of the five pillars).

Every number is copied from :func:`zhenxing.coupling.coupling_table`; nothing
is computed here but means and ranks of its columns for the comparison.
:func:`coupling_record` is language-neutral (JSON-ready, read by tests);
:func:`coupling_sentence` says where the unit stands and which pillar holds
its coordination back; :func:`coupling_table_html` is one small table: each
pillar's attainment U (per cent), C, T, D and the grade, for the unit and for
the means of its category and of its city.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..coupling import coordination_grade
from ..framework import Framework
from .tables import Column, table_html
from .text import category_label, dimension_names

WORDS = {
    "zh": {
        "caption": "五大振兴耦合协调度",
        "measure": "维度达成度 U 与协调度",
        "value": "本单位",
        "C": "耦合度 C",
        "T": "综合发展指数 T",
        "D": "耦合协调度 D",
        "grade": "协调等级",
        "category_mean": "{category}平均",
        "city_mean": "{city}平均",
        "note": "U = 维度得分 ÷ 维度满分；C = n·(ΠU)^(1/n) ÷ ΣU；T = 按维度权重加权的 U；D = √(C·T)；"
                "等级按 D 每 0.1 一档（下限含），平均列的等级按平均 D 评定。",
        "sentence": ("五大振兴是否齐头并进：耦合度 C 看各维度达成度是否均衡，综合发展指数 T 看总体水平，耦合协调度 D 兼顾两者。"
                     "本单位五大振兴的耦合协调度 D 为 **{D}**（{grade}），耦合度 C 为 {C}，综合发展指数 T 为 {T}；"
                     "在{category} {n} 个单位中排第 {rank} 位（类别平均 {cat_mean}）。"
                     "达成度最低的是**{weakest}**（{u_weak}），比最高的{strongest}（{u_strong}）低 {gap} 个百分点，是协调发展的主要短板。"),
        "sentence_even": ("五大振兴是否齐头并进：耦合度 C 看各维度达成度是否均衡，综合发展指数 T 看总体水平，耦合协调度 D 兼顾两者。"
                          "本单位五大振兴的耦合协调度 D 为 **{D}**（{grade}），耦合度 C 为 {C}，综合发展指数 T 为 {T}；"
                          "在{category} {n} 个单位中排第 {rank} 位（类别平均 {cat_mean}）。五大振兴达成度相同，没有短板。"),
    },
    "en": {
        "caption": "Coupling coordination of the five pillars",
        "measure": "Pillar attainment U and coordination",
        "value": "This unit",
        "C": "Coupling C",
        "T": "Development index T",
        "D": "Coupling coordination D",
        "grade": "Coordination grade",
        "category_mean": "{category} mean",
        "city_mean": "{city} mean",
        "note": "U = dimension points / full marks; C = n·(ΠU)^(1/n) / ΣU; T = U weighted by the dimension "
                "weights; D = √(C·T); grades in steps of 0.1 of D (lower bound included), of the mean D in the mean columns.",
        "sentence": ("Do the five pillars advance together? Coupling C measures how even their attainments are, the development "
                     "index T how high, and the coupling coordination degree D both. The unit's coupling coordination of the five pillars is D = **{D}** ({grade}), with coupling C = {C} and "
                     "development index T = {T}; it ranks {rank} of {n} in the {category} (category mean {cat_mean}). "
                     "Its weakest pillar is **{weakest}** ({u_weak}), {gap} percentage points below its strongest, {strongest} "
                     "({u_strong}): the pillar holding its coordination back."),
        "sentence_even": ("Do the five pillars advance together? Coupling C measures how even their attainments are, the development "
                          "index T how high, and the coupling coordination degree D both. The unit's coupling coordination of the five pillars is D = **{D}** ({grade}), with coupling C = {C} and "
                          "development index T = {T}; it ranks {rank} of {n} in the {category} (category mean {cat_mean}). "
                          "Its pillars are equally attained: none holds it back."),
    },
}


def _w(lang: str) -> dict[str, str]:
    return WORDS["en" if lang == "en" else "zh"]


def coupling_record(table: pd.DataFrame, code: str) -> dict[str, Any]:
    """The unit's coupling figures, language-neutral: code, U (dimension → attainment), C (None if undefined),
    T, D, level, grade, rank_D_category, n_category, category_mean_D, city_mean_D, weakest, strongest."""
    row = table.set_index("code").loc[str(code)]
    u = {c[2:]: float(row[c]) for c in table.columns if c.startswith("U_")}
    same_cat = table[table["category"] == row["category"]]
    same_city = table[table["city"] == row["city"]]
    weakest = min(u, key=lambda k: (u[k], k))
    strongest = max(u, key=lambda k: (u[k], k))
    c = float(row["C"])
    return {
        "code": str(code),
        "U": u,
        "C": None if c != c else c,
        "T": float(row["T"]),
        "D": float(row["D"]),
        "level": int(row["level"]),
        "grade": str(row["grade"]),
        "rank_D_category": int(row["rank_D_category"]),
        "n_category": int(row["n_category"]),
        "category_mean_D": float(same_cat["D"].mean()),
        "city_mean_D": float(same_city["D"].mean()),
        "weakest": weakest,
        "strongest": strongest,
    }


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def coupling_sentence(table: pd.DataFrame, code: str, fw: Framework, lang: str = "zh") -> str:
    """One paragraph (Markdown): D with its grade, C and T, the rank of D in the category, and the weakest pillar."""
    rec = coupling_record(table, code)
    w = _w(lang)
    names = dimension_names(fw, lang)
    category = str(table.set_index("code").loc[str(code), "category"])
    u_weak, u_strong = rec["U"][rec["weakest"]], rec["U"][rec["strongest"]]
    key = "sentence_even" if u_strong - u_weak < 1e-12 else "sentence"
    return w[key].format(
        D=_num(rec["D"]), grade=coordination_grade(rec["D"]).label(lang), C=_num(rec["C"]), T=_num(rec["T"]),
        category=category_label(fw, category, lang), n=rec["n_category"], rank=rec["rank_D_category"],
        cat_mean=_num(rec["category_mean_D"]), weakest=names[rec["weakest"]], strongest=names[rec["strongest"]],
        u_weak=f"{100 * u_weak:.1f}%", u_strong=f"{100 * u_strong:.1f}%", gap=f"{100 * (u_strong - u_weak):.1f}",
    )


def coupling_table_html(table: pd.DataFrame, code: str, fw: Framework, lang: str = "zh") -> str:
    """One small table: a row for each pillar's attainment U (per cent), then C, T, D and the grade of D;
    columns for the unit, its category's mean and its city's mean (the grade of a mean row is that of the mean D)."""
    w = _w(lang)
    names = dimension_names(fw, lang)
    row = table.set_index("code").loc[str(code)]
    dims = [c[2:] for c in table.columns if c.startswith("U_")]
    category = category_label(fw, str(row["category"]), lang)
    city = str(row.get("city_en") if lang == "en" and row.get("city_en") else row["city"])
    parts = {"unit": table[table["code"] == str(code)], "category": table[table["category"] == row["category"]],
             "city": table[table["city"] == row["city"]]}
    rows: list[dict[str, Any]] = [{"m": names[k], **{p: f"{100 * float(part[f'U_{k}'].mean()):.1f}%" for p, part in parts.items()}}
                                  for k in dims]
    for key in ("C", "T", "D"):
        rows.append({"m": w[key], **{p: _num(float(part[key].mean())) for p, part in parts.items()}})
    rows.append({"m": w["grade"], **{p: coordination_grade(float(part["D"].mean())).label(lang) for p, part in parts.items()}})
    mean_of_category = w["category_mean"].format(category=category)
    columns = [Column("m", w["measure"]), Column("unit", w["value"]), Column("category", mean_of_category[:1].upper() + mean_of_category[1:]),
               Column("city", w["city_mean"].format(city=city))]
    return table_html(rows, columns, w["caption"], lang, note=w["note"])


def city_units_coupling_html(table: pd.DataFrame, city: str, fw: Framework, lang: str = "zh") -> str:
    """The city overview's table of its units' coupling coordination: unit, category, D, grade, rank of D in
    the category, and the weakest pillar with its attainment; least coordinated first."""
    en = lang == "en"
    names = dimension_names(fw, lang)
    mine = table[table["city"] == city].sort_values(["D", "code"], kind="stable")
    rows = []
    for r in mine.to_dict("records"):
        rec = coupling_record(table, r["code"])
        rows.append({"name": (r.get("name_en") or r["name_zh"]) if en else r["name_zh"],
                     "category": category_label(fw, str(r["category"]), lang), "D": rec["D"],
                     "grade": coordination_grade(rec["D"]).label(lang), "rank": rec["rank_D_category"], "n": rec["n_category"],
                     "weakest": f"{names[rec['weakest']]} {100 * rec['U'][rec['weakest']]:.1f}%"})
    columns = [Column("name", "Unit" if en else "单位"), Column("category", "Category" if en else "类别"),
               Column("D", "D", "points", decimals=3), Column("grade", _w(lang)["grade"]),
               Column("rank", "Rank of D in the category" if en else "类别内 D 排名", "rank", of="n"),
               Column("weakest", "Weakest pillar (attainment)" if en else "达成度最低的维度")]
    caption = (f"{city if not en or mine.empty else (mine['city_en'].iloc[0] or city)}: coupling coordination of the five pillars"
               if en else f"{city}各单位五大振兴耦合协调度")
    note = ("U = dimension points / full marks; C = n·(ΠU)^(1/n) / ΣU; T = U weighted by the dimension weights; D = √(C·T); "
            "grades in steps of 0.1 of D (lower bound included)." if en else
            "U = 维度得分 ÷ 维度满分；C = n·(ΠU)^(1/n) ÷ ΣU；T = 按维度权重加权的 U；D = √(C·T)；等级按 D 每 0.1 一档（下限含）。")
    return table_html(rows, columns, caption, lang, note=note)
