"""Chinese (default) and English labels for tables shown to people.

Internal tables use English snake_case columns and framework ids; these helpers
turn them into tables with headers and values in the reader's language.
"""

from __future__ import annotations

import pandas as pd

from .framework import Framework

LANGS = ("zh", "en")

COLUMNS: dict[str, tuple[str, str]] = {
    "code": ("代码", "Code"),
    "name": ("单位", "Unit"),
    "name_zh": ("单位", "Unit (zh)"),
    "name_en": ("单位(英文)", "Unit"),
    "city": ("所属市", "City"),
    "city_en": ("所属市(英文)", "City"),
    "category": ("类别", "Category"),
    "is_district": ("是否市辖区", "District"),
    "joined": ("纳入考核年份", "Joined"),
    "pillars": ("五大振兴小计", "Five pillars"),
    "base": ("基础得分", "Base score"),
    "bonus": ("加分", "Bonus"),
    "deduction": ("扣分", "Deductions"),
    "total": ("总分", "Total"),
    "veto": ("一票否决", "Veto"),
    "veto_items": ("否决事项", "Veto items"),
    "grade": ("等次", "Grade"),
    "rank_category": ("类别内排名", "Rank in category"),
    "n_category": ("类别单位数", "Units in category"),
    "rank_province": ("全省排名", "Rank in province"),
    "warning_talk": ("约谈", "Warning talk"),
    "n_missing": ("缺失指标数", "Missing values"),
    "margin_bottom": ("距约谈线(分)", "Margin to warning line"),
    "n_units": ("考核单位数", "Units"),
    "score": ("得分", "Score"),
    "rank": ("排名", "Rank"),
    "last": ("末位", "Last"),
    "dimension": ("维度", "Dimension"),
    "indicator": ("指标", "Indicator"),
    "unit": ("单位", "Unit"),
    "value": ("数值", "Value"),
    "target": ("目标值", "Target"),
    "goalpost": ("起评值", "Goalpost"),
    "attainment": ("达成度", "Attainment"),
    "points": ("得分", "Points"),
    "max_points": ("满分", "Full marks"),
    "points_lost": ("失分", "Points lost"),
    "missing": ("缺失", "Missing"),
    "year": ("年份", "Year"),
}

YES_NO = {"zh": ("是", ""), "en": ("yes", "")}


def column_label(col: str, fw: Framework, lang: str) -> str:
    """Header for an internal column name (dimension columns are ``dim_<id>``)."""
    if col.startswith("dim_"):
        dim_id = col[4:]
        for d in fw.dimensions:
            if d.id == dim_id:
                return fw.label(d, lang)
    pair = COLUMNS.get(col)
    if pair is None:
        return col
    return pair[1] if lang == "en" else pair[0]


def localise(df: pd.DataFrame, fw: Framework, lang: str = "zh") -> pd.DataFrame:
    """A copy of ``df`` with ids turned into names and headers in ``lang``.

    Categories, grades, dimensions and indicators become their names; boolean
    flags become 是/yes or empty; the internal column names become labels.
    """
    out = df.copy()
    cats = {c.id: fw.label(c, lang) for c in fw.categories}
    grades = {g.id: fw.label(g, lang) for g in fw.grades}
    dims = {d.id: fw.label(d, lang) for d in fw.dimensions}
    inds = {i.id: fw.label(i, lang) for i in fw.indicators}
    yes, no = YES_NO["en" if lang == "en" else "zh"]
    for col, mapping in (("category", cats), ("grade", grades), ("dimension", dims), ("indicator", inds)):
        if col in out.columns:
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v))
    for col in ("veto", "warning_talk", "last", "missing", "is_district"):
        if col in out.columns:
            out[col] = out[col].map(lambda v: yes if bool(v) else no)
    if lang == "en":
        for col, en in (("name_zh", "name_en"), ("city", "city_en")):
            if col in out.columns and en in out.columns:
                out[col] = out[en].where(out[en].astype(str).str.len() > 0, out[col])
                out = out.drop(columns=en)
    else:
        out = out.drop(columns=[c for c in ("name_en", "city_en") if c in out.columns])
    if "name_zh" in out.columns:
        out = out.rename(columns={"name_zh": "name"})
    out.columns = [column_label(c, fw, lang) for c in out.columns]
    return out
