"""The reports' words in Chinese or English, names and labels, number formatting.

``lang`` is ``"zh"`` (default) or ``"en"``; names of units, categories,
grades, dimensions and indicators come from the register and the framework
(:meth:`Framework.label`, :mod:`zhenxing.labels`).

* :func:`text` — a phrase of the figures and sentences by key (``_TEXT``);
  :data:`STATUS_LABELS` and :data:`SCHEDULE_LABELS` name the statuses;
  :data:`RUN_TEXT` holds the batch run's report titles and the index page's words.
* names: :func:`unit_name`, :func:`city_name`, :func:`unit_names`,
  :func:`row_labels`, :func:`city_en`, :func:`city_label`,
  :func:`category_label`, :func:`grade_label`, :func:`dimension_names`,
  :func:`indicator_names`, :func:`level_label`; :func:`wrap` breaks axis labels.
* numbers: :func:`num`, :func:`spread_pct`, :func:`band_text`, :func:`is_nan`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..framework import Framework


STATUS_LABELS: dict[str, tuple[str, str]] = {
    "met": ("达标", "met"),
    "partial": ("部分达标", "partial"),
    "zero": ("零分", "zero"),
    "missing": ("缺失", "missing"),
}

SCHEDULE_LABELS: dict[str, tuple[str, str]] = {
    "ahead": ("快于序时进度", "ahead of schedule"),
    "on_time": ("与序时进度持平", "on schedule"),
    "behind": ("慢于序时进度", "behind schedule"),
    "met": ("已达目标", "target met"),
    "unknown": ("无上年值", "no value last year"),
}

_TEXT: dict[str, tuple[str, str]] = {
    "this_unit": ("本单位", "This unit"),
    "category_mean": ("类别平均", "Category mean"),
    "category_leader": ("类别最高", "Category leader"),
    "full_marks": ("满分", "Full marks"),
    "points": ("得分", "Points"),
    "dimension_title": ("各维度得分与类别比较", "Dimension points compared with the category"),
    "waterfall_title": ("从满分到总分：各维度失分与加减分", "From full marks to the total: points lost by dimension, bonus and deductions"),
    "bonus": ("加分", "Bonus"),
    "deduction": ("扣分", "Deductions"),
    "aggregation": ("汇总方法调整", "Aggregation effect"),
    "floor": ("不低于0分", "Floor at 0"),
    "total": ("总分", "Total"),
    "table_title": ("全部指标明细", "Every indicator"),
    "status": ("状态", "Status"),
    "rank_in_category": ("类别内排名", "Rank in category"),
    "obstacle_title": ("主要障碍指标（障碍度）", "Main obstacles (obstacle degree)"),
    "obstacle": ("障碍度", "Obstacle degree"),
    "path_leave_bottom": ("走出约谈区的最省路径：需增加 {pts} 分", "Cheapest path out of the warning-talk zone: {pts} points needed"),
    "path_pass_next": ("超过前一名的最省路径：需增加 {pts} 分", "Cheapest path past the unit above: {pts} points needed"),
    "path_infeasible": ("（在指标可达范围内无法实现）", " (not reachable within the indicators' ranges)"),
    "path_none": ("无需追赶：本单位已列类别第一且不在约谈区", "Nothing to catch up: first in its category and clear of the warning talk"),
    "path_no_exit": ("本类别单位数不超过约谈名额：任何得分都无法走出约谈区", "The category has no more units than the warning-talk quota: no score leaves the zone"),
    "path_not_computed": ("未计算追赶路径（仅适用于目标达成度评分与加权求和）",
                          "No path computed (only for goalpost scoring with arithmetic aggregation)"),
    "share_of_gap": ("缩小与目标值差距的比例", "Share of the gap to target closed"),
    "last_year_title": ("各维度得分：{y0} 年与 {y1} 年", "Dimension points: {y0} and {y1}"),
    "no_last_year": ("{y0} 年无数据（该单位当年未参加考核）", "No data for {y0} (the unit was not assessed that year)"),
    "city_units_title": ("{city}各县（市、区）总分", "Units of {city}: totals"),
    "city_league_title": ("全省各市得分（市得分 = 所辖单位总分平均）", "City league (city score = mean of its units' totals)"),
    "category_leagues_title": ("分类排名（{city}所辖单位突出显示，红框 = 约谈）", "Category leagues ({city} highlighted; red outline = warning talk)"),
    "warning_talk": ("约谈", "warning talk"),
    "last_city": ("末位", "last"),
    "score": ("得分", "Score"),
    # the county report's first screen
    "margin_to_line": ("距约谈线（分）", "Margin to the line"),
    "risk_flagged": ("处于本类别末 {k} 位，将被约谈：需增加 {pts} 分以上才能走出约谈区。",
                     "In the bottom {k} of its category (warning talk): it needs more than {pts} points to leave the zone."),
    "risk_flagged_no_exit": ("处于本类别末 {k} 位，将被约谈；本类别单位数不超过约谈名额。",
                             "In the bottom {k} of its category (warning talk); the category has no more units than the quota."),
    "risk_close": ("高出约谈线 {pts} 分，本类别只有 {below} 个单位排在其后：稍有下滑即进入约谈区。",
                   "{pts} points above the warning line, with only {below} units of its category below it: a small slip enters the zone."),
    "risk_safe": ("高出约谈线 {pts} 分，本类别有 {below} 个单位排在其后。",
                  "{pts} points above the warning line, with {below} units of its category below it."),
    "dim_loss_item": ("{name}（{pts}/{full}，失 {lost} 分）", "{name} ({pts} of {full}, {lost} lost)"),
    "finding_dimensions": ("失分最多的维度：{items}。", "Most points are lost in {items}."),
    "finding_obstacles": ("障碍度最高的指标：{items}。", "The largest obstacles (share of all points lost): {items}."),
    "raise": ("提高到", "raise"),
    "lower": ("降低到", "lower"),
    "path_step": ("{name}从 {a}{unit} {verb} {b}{unit}", "{name}: {verb} from {a}{unit} to {b}{unit}"),
    "path_more": ("等 {n} 项", " and {n} more"),
    "finding_path_leave_bottom": ("走出约谈区的最省路径：{steps}（共增加 {pts} 分，总分由 {now} 升至 {new}）。",
                                  "Cheapest way out of the warning-talk zone: {steps} (+{pts} points, total {now} → {new})."),
    "finding_path_pass_next": ("超过前一名的最省路径：{steps}（共增加 {pts} 分，总分由 {now} 升至 {new}）。",
                               "Cheapest way past the unit above: {steps} (+{pts} points, total {now} → {new})."),
    "obstacle_missing": ("，缺报，按 0 分计", ", missing: scored 0"),
    "finding_path_infeasible": ("即使 {steps} 全部达到目标值，也只能增加 {pts} 分，不足以改变名次。",
                                "Even meeting every target ({steps}) adds only {pts} points: not enough to move."),
    "path_bar_label": ("{a}{unit} → {b}{unit}（+{pts} 分）", "{a}{unit} → {b}{unit} (+{pts} points)"),
    "change_in_points": ("得分变化", "Change in points"),
    "changes_title": ("与 {y0} 年相比得分变化最大的 {n} 个指标", "The {n} indicators whose points changed most since {y0}"),
    # the city overview
    "city_units_table_title": ("{city}各县（市、区）：按距约谈线由近到远排列", "Units of {city}, closest to the warning line first"),
    "home_city": ("本市", "home city"),
    "other_cities": ("其他市", "other cities"),
    "last_city_legend": ("末位市（约谈）", "last city (warning talk)"),
    "home_units": ("本市单位", "units of the home city"),
    "other_units": ("其他单位", "other units"),
    "in_zone": ("约谈区内", "in the warning-talk zone"),
    "warning_line": ("约谈线", "warning line"),
    "category_league_title": ("{category}排名（{n} 个单位）", "{category}: league of {n} units"),
    "city_rank": ("全省排名", "Rank in the province"),
    "margin_to_last": ("高出末位市（分）", "Above the last city"),
    "n_units": ("考核单位数", "Units assessed"),
    "city_last": ("本市为全省末位市，将被约谈。", "The city is last in the province and will be summoned for a warning talk."),
    "city_not_last": ("高出全省末位市 {pts} 分。", "{pts} points above the province's last city."),
    "city_unit_flagged": ("{name}：处于本类别约谈区（第 {r}/{n} 位），需增加 {pts} 分以上走出。",
                          "{name}: in its category's warning-talk zone (rank {r}/{n})."),
    "city_unit_close": ("{name}：接近约谈线（第 {r}/{n} 位，高出 {pts} 分）。", "{name}: close to the warning line (rank {r}/{n}, {pts} points above it)."),
    "city_no_unit_at_risk": ("本市没有单位处于或接近约谈区。", "No unit of the city is in or close to the warning-talk zone."),
    "city_risk_flagged": ("有单位将被约谈", "units summoned"),
    "city_risk_close": ("有单位接近约谈线", "units close to the line"),
    "city_risk_safe": ("无约谈风险", "no warning-talk risk"),
    # the report page
    "nav": ("[← 本市报告索引](index.html)　·　[如果权重变化？](whatif.html)",
            "[← The city's reports](index.html)　·　[What if the weights change?](whatif.html)"),
    "chart_needs_plotly": ("此处的图表未能显示：本报告离开了它所在的文件夹，缺少绘图所需的文件。请查看同名的 PDF 版，"
                           "或向报告提供者索取完整的报告文件夹。本页的文字和表格完整无缺。",
                           "This chart cannot be shown: the report was opened away from its folder, without the file that draws the charts. "
                           "Please see the PDF of the same name, or ask the sender for the whole report folder. The text and tables of this page are complete."),
}

# the ranking simulation (simulation, scenario_figures, sensitivity_figures)
_TEXT.update(
    {
        "sim_changes_title": ("{city}各单位在各方案下的类别内排名（颜色 = 较“{ref}”的名次变化）",
                              "Units of {city}: rank in category under each scenario (colour = change vs {ref})"),
        "sim_change": ("名次变化（正 = 上升）", "Change (+ = up)"),
        "sim_scenario": ("方案", "Scenario"),
        "sim_kendall_title": ("各方案全省排序的一致性（Kendall τ，1 = 完全相同）", "Agreement of the province-wide orders (Kendall's τ; 1 = identical)"),
        "sim_level_category": ("类别内排名", "rank in category"),
        "sim_level_province": ("全省排名", "rank in province"),
        "sim_rank_axis": ("{level}（1 = 第一）", "{level} (1 = first)"),
        "sim_fan_city_title": ("{city}各单位{level}的模拟分布（{draws} 次抽样）", "Units of {city}: simulated {level} ({draws} draws)"),
        "sim_fan_category_title": ("{category}：{level}的模拟分布（{city}所辖单位突出显示，{draws} 次抽样）",
                                   "{category}: simulated {level} ({city} highlighted; {draws} draws)"),
        "sim_fan_title": ("{level}的模拟分布（{draws} 次抽样）", "Simulated {level} ({draws} draws)"),
        "sim_band_outer": ("5–95% 区间", "5–95 % band"),
        "sim_band_inner": ("25–75% 区间", "25–75 % band"),
        "sim_median": ("中位数", "Median"),
        "sim_nominal": ("名义排名", "Nominal rank"),
        "sim_zone": ("约谈区（末 {k} 位）", "Warning-talk zone (bottom {k})"),
        "sim_p_bottom": ("进入末 {k} 位概率", "P(bottom {k})"),
        "sim_bottom_title": ("{city}各单位进入类别末 {k} 位（约谈）的概率（{draws} 次抽样）",
                             "Units of {city}: probability of a bottom-{k} finish in the category (warning talk; {draws} draws)"),
        "sim_city_last_title": ("各市成为全省末位市（约谈）的概率（{draws} 次抽样）", "Probability of being the province's last city (warning talk; {draws} draws)"),
        "sim_p_last": ("末位概率", "P(last)"),
        "sim_median_rank": ("排名中位数", "Median rank"),
        "sim_band_col": ("5–95% 排名区间", "5–95 % rank band"),
        "sim_mean_change": ("平均名次变化（正 = 下降）", "Mean rank change (+ = falls)"),
        "sim_sobol_title_score": ("总分对各维度权重的敏感性（Sobol 指数；各权重在 ±{pct}% 内独立均匀变动）",
                                  "Sensitivity of the total to the dimension weights (Sobol' indices; each weight uniform within ±{pct} %)"),
        "sim_sobol_title_rank": ("类别内排名对各维度权重的敏感性（Sobol 指数；各权重在 ±{pct}% 内独立均匀变动）",
                                 "Sensitivity of the rank in category to the dimension weights (Sobol' indices; each weight uniform within ±{pct} %)"),
        "sim_S1": ("一阶指数 S1", "First-order S1"),
        "sim_ST": ("总效应指数 ST", "Total-effect ST"),
        "sim_sobol_axis": ("Sobol 指数", "Sobol' index"),
        "sim_constant": ("（不变）", " (never changes)"),
        "sim_bounds_title": ("{city}各单位在权重 ±{pct}% 内可能达到的{level}：精确最好–最差与抽样区间",
                             "Units of {city}: {level} reachable with every weight within ±{pct} %: exact best–worst and the sampled band"),
        "sim_bounds_range": ("可能范围（精确最好–最差）", "Possible range (exact best–worst)"),
        "sim_sampled_band": ("抽样 5–95% 区间", "Sampled 5–95 % band"),
        "sim_best_worst_category": ("类别内最好–最差", "Best–worst in category"),
        "sim_best_worst_province": ("全省最好–最差", "Best–worst in province"),
        "sim_warning_possible": ("可能被约谈", "Warning talk possible"),
    }
)

# schedule progress (schedule)
_TEXT.update(
    {
        "sched_month": ("月份", "Month"),
        "sched_baseline": ("上年值", "Last year"),
        "sched_ytd": ("年内值", "Year to date"),
        "sched_expected": ("按序时应达", "Expected by now"),
        "sched_progress": ("完成进度", "Progress"),
        "sched_calendar": ("序时进度", "Calendar"),
        "sched_target_line": ("目标值", "Target"),
        "sched_table_title": ("序时进度明细", "Schedule progress by indicator"),
        "sched_bars_title": ("{when}：从上年值到目标值已完成的进度（短竖线 = 序时进度）",
                             "{when}: progress from last year's value to the target (tick = calendar)"),
        "sched_when_month": ("截至 {m} 月", "By month {m}"),
        "sched_when_latest": ("截至最新月份", "By the latest month reported"),
        "sched_axis": ("完成进度（%，100 = 达到目标值）", "Progress (%, 100 = target reached)"),
    }
)


def text(key: str, lang: str = "zh", **fmt: Any) -> str:
    """A report phrase in ``lang`` (``zh`` or ``en``), formatted with ``fmt``."""
    zh, en = _TEXT[key]
    return (en if lang == "en" else zh).format(**fmt)


def wrap(label: str, width: int = 16) -> str:
    """Break a long axis label into lines of about ``width`` columns joined by
    ``<br>``: at spaces, or between characters for text without spaces (a
    Chinese character counts two columns)."""
    if " " not in label:
        if not any("\u2e80" <= ch <= "\uffef" for ch in label):
            return label  # one word without CJK characters: not cut in the middle
        lines, cur, used = [], "", 0
        for ch in label:
            w = 2 if "\u2e80" <= ch <= "\uffef" else 1
            if cur and used + w > width:
                lines.append(cur)
                cur, used = "", 0
            cur, used = cur + ch, used + w
        return "<br>".join([*lines, cur]) if cur else "<br>".join(lines)
    lines = []
    for w in label.split(" "):
        if lines and len(lines[-1]) + 1 + len(w) <= width:
            lines[-1] += " " + w
        else:
            lines.append(w)
    return "<br>".join(lines)


def dimension_names(fw: Framework, lang: str) -> dict[str, str]:
    return {d.id: fw.label(d, lang) for d in fw.dimensions}


def axis_dimension_names(fw: Framework, lang: str, width: int = 16) -> dict[str, str]:
    return {k: wrap(v, width) for k, v in dimension_names(fw, lang).items()}


def indicator_names(fw: Framework, lang: str) -> dict[str, str]:
    return {i.id: fw.label(i, lang) for i in fw.indicators}


def unit_name(unit: Mapping[str, Any], lang: str = "zh") -> str:
    """The unit's name in ``lang`` (``name_en`` for English when present, else ``name_zh``)."""
    if lang == "en" and str(unit.get("name_en", "") or ""):
        return str(unit["name_en"])
    return str(unit.get("name_zh", unit.get("code", "")))


def city_name(row: Mapping[str, Any], lang: str = "zh") -> str:
    """The city's name in ``lang`` (``city_en`` for English when present, else ``city``)."""
    if lang == "en" and str(row.get("city_en", "") or ""):
        return str(row["city_en"])
    return str(row.get("city", ""))


def unit_names(df: pd.DataFrame, lang: str) -> list[str]:
    if lang == "en" and "name_en" in df.columns:
        return [en if isinstance(en, str) and en else zh for zh, en in zip(df["name_zh"], df["name_en"])]
    return [str(v) for v in df["name_zh"]]


def city_en(units: pd.DataFrame, city: str) -> str:
    rows = units[units["city"] == city]
    if len(rows) and "city_en" in rows.columns and str(rows["city_en"].iloc[0]):
        return str(rows["city_en"].iloc[0])
    return city


def city_label(frame: pd.DataFrame, city: str, lang: str) -> str:
    return city_en(frame, city) if lang == "en" else city


def level_label(level: str, lang: str) -> str:
    if level not in ("category", "province"):
        raise ValueError(f"level={level!r}: expected 'category' or 'province'")
    return text(f"sim_level_{level}", lang)


def row_labels(df: pd.DataFrame, lang: str) -> list[str]:
    """Unit names in ``lang`` for axis rows; a name used twice gets its code appended."""
    names = unit_names(df, lang) if "name_zh" in df.columns else [str(c) for c in df["code"]]
    dup = {n for n in names if names.count(n) > 1}
    return [f"{n} ({c})" if n in dup else n for n, c in zip(names, df["code"])]


def num(v: Any, decimals: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return str(v)
    return f"{float(v):,.{decimals}f}"


def is_nan(v: Any) -> bool:
    try:
        return v is None or math.isnan(float(v))
    except (TypeError, ValueError):
        return False


def spread_pct(spread: float) -> str:
    """A relative spread as a per-cent figure without trailing zeros (0.2 -> "20")."""
    return f"{float(spread) * 100:g}"


def band_text(a: Any, b: Any) -> str:
    return f"{int(a)}" if int(a) == int(b) else f"{int(a)}–{int(b)}"


def category_label(fw: Framework, category: str, lang: str) -> str:
    for c in fw.categories:
        if c.id == category:
            return fw.label(c, lang)
    return category


def grade_label(fw: Framework, grade: str, lang: str) -> str:
    for g in fw.grades:
        if g.id == grade:
            return fw.label(g, lang)
    return grade


# the batch run, by language: the reports' titles (planning) and the index page (index)
RUN_TEXT = {
    "zh": {
        "unit_title": "{name}（{city}）{year} 年乡村振兴实绩考核报告",
        "city_title": "{city} {year} 年乡村振兴实绩考核概览",
        "index_title": "{scope} {year} 年乡村振兴实绩考核报告",
        "province": "全省",
        "report": "报告",
        "overview": "概览",
        "simulation": "排名模拟",
        "sim_title": "{city} {year} 年排名模拟与情景分析",
        "audit_title": "{scope} {year} 年考核数据审核与统计检验",
        "open": "查看",
        "failed": "失败",
        "not_run": "未生成",
        "cities": "市级排名",
        "units": "县（市、区）排名",
        "run": "本次运行",
        "failures": "失败的报告",
        "failure_hint": "已执行的笔记本保存在 notebooks/ 中，可在 JupyterLab 中查看出错的单元。",
        "param": "参数",
        "value": "值",
        "year": "考核年份",
        "scope": "范围",
        "framework": "指标体系文件",
        "register": "单位名册",
        "values": "指标数据",
        "ytd": "年内数据（序时进度）",
        "lang": "语言",
        "seed": "随机种子",
        "input_hash": "输入数据哈希 (SHA-256)",
        "time": "生成时间",
        "version": "zhenxing 版本",
        "kernel": "笔记本内核（Python）",
        "counts": "生成 {ok} 份，未变更跳过 {skipped} 份，失败 {failed} 份，用时 {seconds:.1f} 秒",
        "plotly": "plotly.js",
        "plotly_shared": "共享文件 plotly.min.js（与报告同一文件夹）",
        "plotly_embed": "嵌入每份报告",
        "notebook": "已执行的笔记本",
        "error": "错误",
    },
    "en": {
        "unit_title": "{name} ({city}): rural revitalisation assessment {year}",
        "city_title": "{city}: rural revitalisation assessment overview {year}",
        "index_title": "{scope}: rural revitalisation assessment reports {year}",
        "province": "Province",
        "report": "Report",
        "overview": "Overview",
        "simulation": "Ranking simulation",
        "sim_title": "{city}: ranking simulation and what-if scenarios {year}",
        "audit_title": "{scope}: data audit and statistical checks of the assessment data {year}",
        "open": "open",
        "failed": "failed",
        "not_run": "not generated",
        "cities": "City league",
        "units": "County league",
        "run": "This run",
        "failures": "Failed reports",
        "failure_hint": "The executed notebooks are kept in notebooks/; open them in JupyterLab to see the failing cell.",
        "param": "Parameter",
        "value": "Value",
        "year": "Assessment year",
        "scope": "Scope",
        "framework": "Framework file",
        "register": "Register",
        "values": "Indicator values",
        "ytd": "Year-to-date values (schedule progress)",
        "lang": "Language",
        "seed": "Random seed",
        "input_hash": "Input data hash (SHA-256)",
        "time": "Generated",
        "version": "zhenxing version",
        "kernel": "Notebook kernel (Python)",
        "counts": "{ok} generated, {skipped} unchanged (skipped), {failed} failed, in {seconds:.1f} s",
        "plotly": "plotly.js",
        "plotly_shared": "shared file plotly.min.js (in this folder)",
        "plotly_embed": "embedded in each report",
        "notebook": "executed notebook",
        "error": "Error",
    },
}


def unit_text(unit: str, lang: str) -> str:
    """A unit of measure after a number: ``85 %``, ``13,147 元``; nothing for a unitless ratio."""
    if unit in ("", "比值", "ratio"):
        return ""
    return unit if unit in ("%",) else (f" {unit}" if lang == "en" else unit)
