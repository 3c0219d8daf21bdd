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
    "n_province": ("全省单位数", "Units in province"),
    "rank_province": ("全省排名", "Rank in province"),
    "warning_talk": ("约谈", "Warning talk"),
    "n_missing": ("缺失指标数", "Missing values"),
    "margin_bottom": ("距约谈线(分)", "Margin to warning line"),
    "risk": ("约谈风险", "Warning-talk risk"),
    "n_units": ("考核单位数", "Units"),
    "score": ("平均得分", "Score (mean)"),
    "rank": ("排名", "Rank"),
    "last": ("末位", "Last"),
    "dimension": ("维度", "Dimension"),
    "indicator": ("指标", "Indicator"),
    "unit": ("计量单位", "Unit of measure"),
    "value": ("数值", "Value"),
    "target": ("目标值", "Target"),
    "goalpost": ("起评值", "Goalpost"),
    "attainment": ("达成度", "Attainment"),
    "points": ("得分", "Points"),
    "max_points": ("满分", "Full marks"),
    "points_lost": ("失分", "Points lost"),
    "missing": ("缺失", "Missing"),
    "year": ("年份", "Year"),
    # simulation
    "nominal_total": ("名义总分", "Nominal total"),
    "nominal_rank_category": ("名义类别排名", "Nominal rank in category"),
    "nominal_rank_province": ("名义全省排名", "Nominal rank in province"),
    "mean_total": ("模拟平均分", "Mean simulated total"),
    "median_rank_category": ("类别排名中位数", "Median rank in category"),
    "p05_rank_category": ("类别排名5%分位", "Rank in category, 5 %"),
    "p95_rank_category": ("类别排名95%分位", "Rank in category, 95 %"),
    "median_rank_province": ("全省排名中位数", "Median rank in province"),
    "p05_rank_province": ("全省排名5%分位", "Rank in province, 5 %"),
    "p95_rank_province": ("全省排名95%分位", "Rank in province, 95 %"),
    "p_bottom": ("落入后两名概率", "P(bottom two)"),
    "p_city_last": ("所属市末位概率", "P(city last)"),
    "p_last": ("末位概率", "P(last)"),
    "mean_rank_change": ("平均排名变化", "Mean rank change"),
    "nominal_score": ("名义得分", "Nominal score"),
    "nominal_rank": ("名义排名", "Nominal rank"),
    "best_rank_category": ("类别最好排名", "Best rank in category"),
    "worst_rank_category": ("类别最差排名", "Worst rank in category"),
    "best_rank_province": ("全省最好排名", "Best rank in province"),
    "worst_rank_province": ("全省最差排名", "Worst rank in province"),
    "n_always_beaten_by": ("必然领先者数", "Always ahead"),
    "n_never_beaten_by": ("不可能领先者数", "Never ahead"),
    "warning_possible": ("可能被约谈", "Warning talk possible"),
    "warning_certain": ("必然被约谈", "Warning talk certain"),
    "bounds_proven": ("界限已证明", "Bounds proven"),
}

YES_NO = {"zh": ("是", ""), "en": ("yes", "")}
#: Risk levels of :func:`zhenxing.scoring.risk_levels`.
RISK_NAMES = {"flagged": ("约谈区内", "in the zone"), "close": ("接近约谈线", "close to the line"), "safe": ("安全", "safe")}


def risk_label(level: str, lang: str = "zh") -> str:
    """The reader's name of a risk level (``flagged`` / ``close`` / ``safe``)."""
    pair = RISK_NAMES.get(level)
    return level if pair is None else pair[1 if lang == "en" else 0]


def column_label(col: str, fw: Framework, lang: str) -> str:
    """Header for an internal column name (dimension columns are ``dim_<id>``; ``<col>_exact`` is its unrounded value)."""
    if col.endswith("_exact"):
        return column_label(col.removesuffix("_exact"), fw, lang) + (" (unrounded)" if lang == "en" else "（未修约）")
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
    if "risk" in out.columns:
        out["risk"] = out["risk"].map(lambda v: risk_label(v, lang))
    for col in ("veto", "warning_talk", "last", "missing", "is_district", "warning_possible", "warning_certain", "bounds_proven"):
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
