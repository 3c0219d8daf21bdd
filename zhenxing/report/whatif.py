"""``whatif.html``: the what-if page that needs no kernel, written beside the index of every report run.

The page carries the province's data (:func:`page_data`) as JSON in a
``<script type="application/json" id="whatif-data">`` block and re-scores in
the browser (``static/whatif.js``) at every input of its controls: one slider
per dimension weight (in points), a selector with every scenario preset, the
aggregation (weighted arithmetic or geometric) and a reset to the baseline.
It redraws the home city's units (total at the published precision, rank in
the category "r/n", change against the baseline rank, margin to the
warning-talk line, risk level), who enters and who leaves the bottom group of
each category against the baseline, every category league (plotly bars with
the warning line, updated with ``Plotly.react``) and the city league with the
last city.

What the page computes is the library's arithmetic on what the library
computed:

* the data are the dimension attainments ``A`` (0..1) of every unit as
  :func:`zhenxing.scoring.score_arrays` gives them under goalpost
  normalisation, once per aggregation (the geometric one aggregates within the
  dimensions too), with the bonus and deduction points;
* the slider weights (points) are renormalised to the framework's scale
  (``W · scale / ΣW``) as :class:`~zhenxing.scoring.ScoringOptions` requires
  (beside each slider the page shows the weight and, after an arrow, these
  effective points at one decimal, e.g. "30 → 22.2"),
  then ``base = scale · agg(A, W / ΣW)`` (:func:`~zhenxing.scoring.base_score`,
  :func:`~zhenxing.aggregate.weighted_arithmetic` or
  :func:`~zhenxing.aggregate.weighted_geometric` with its offset),
  ``total = max(0, base + bonus − deduction)``;
* publication, ranks, flags, margins, risk levels, city scores and the last
  city follow :mod:`zhenxing.precision` and :mod:`zhenxing.scoring` (integer
  steps, competition ranks, every unit tied at the line flagged).

A scenario that changes the normalisation, the indicator shares, the
missing-value policy or uses another aggregation cannot be re-scored from
dimension attainments: it is listed on the page as not available, with a
sentence saying why. ``tests/test_whatif_browser.py`` checks the page against
:func:`~zhenxing.scoring.score_year` in a real browser.

Files: with the shared assets (the default) the page loads ``plotly.min.js``
and ``whatif.js`` from its folder (:func:`ensure_whatif_js` copies the
script there); with ``--standalone`` both are inlined and the page is one
self-contained file.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from ..data import Dataset
from ..framework import Framework
from ..io import bytes_writer, text_writer, write_files
from ..precision import to_steps
from ..scoring import ScoringOptions, score_arrays
from .tables import stylesheet

TEMPLATE = "whatif.html.j2"
WHATIF_JS = "whatif.js"
WHATIF_CSS = "whatif.css"
PAGE = "whatif.html"
AGGREGATIONS = ("arithmetic", "geometric")
GEOMETRIC_OFFSET = 0.01  # zhenxing.aggregate.weighted_geometric's default, as score_arrays uses it
STATIC = Path(__file__).resolve().parent / "static"

#: The link to the page, on the index and in each county report.
LINK_TEXT = {"zh": "如果权重变化？", "en": "What if the weights change?"}

WHATIF_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "{city} {year} 年乡村振兴实绩考核 · 如果权重变化？",
        "title_all": "全省 {year} 年乡村振兴实绩考核 · 如果权重变化？",
        "intro": "移动各维度权重或选择一个预设方案，页面即时重新计算全省各单位的总分、类别内排名和约谈标记（无需联网，无需安装软件）。",
        "back": "返回报告目录",
        "controls": "调整权重",
        "preset": "预设方案",
        "custom": "自定义",
        "aggregation": "汇总方法",
        "arithmetic": "加权算术平均",
        "geometric": "加权几何平均",
        "reset": "恢复现行权重",
        "weights_sum": "权重合计 {sum} 分，按比例换算为 {scale} 分计算",
        "weights_rule": "计算时各权重按比例换算为合计 {scale} 分（与工具包的计算规则相同），因此只有各权重之间的比例起作用；箭头后为实际计入的分数（权重 × {scale} ÷ 权重合计，保留 1 位小数）。",
        "points_unit": "分",
        "zero_sum": "权重合计为 0，无法计算：请至少给一个维度正的权重。",
        "not_available": "无法在本页重算的方案：",
        "why_normalisation": "{name}：改变了指标标准化方法，需要各指标原始值重新计算，请查看排名模拟报告。",
        "why_indicator_weights": "{name}：改变了维度内各指标的权重，本页只能调整维度权重。",
        "why_missing": "{name}：改变了缺失值处理方式，本页无法重算。",
        "why_aggregation": "{name}：使用本页不支持的汇总方法。",
        "why_treatment": "{name}：先对指标原始值做缩尾处理，本页无法重算，请用 zhenxing simulate 比较。",
        "home_title": "{city}各单位（按距约谈线排序，风险最高者在前）",
        "unit": "单位",
        "category": "类别",
        "total": "总分",
        "rank": "类别内排名",
        "change": "排名变化",
        "margin": "距约谈线（分）",
        "risk": "约谈风险",
        "flagged": "约谈区内",
        "close": "接近约谈线",
        "safe": "安全",
        "up": "上升 {n}",
        "down": "下降 {n}",
        "same": "不变",
        "changes_title": "与现行权重相比：约谈区（各类别后 {k} 名）的变化",
        "enters": "进入约谈区",
        "leaves": "退出约谈区",
        "no_change": "约谈区与现行权重下相同。",
        "none": "无",
        "leagues_title": "分类排名（{city}所辖单位加粗，红色 = 约谈区，虚线 = 约谈线）",
        "warning_line": "约谈线",
        "cities_title": "各市排名（市得分 = 所辖单位总分平均，红色 = 末位）",
        "city_score": "市得分",
        "city_last": "末位市：{names}",
        "sep": "、",
        "colon": "：",
        "semicolon": "；",
        "rule": "约谈区 = 各类别后 {k} 名（同分者一并列入）；距约谈线不超过 {points} 分或与约谈区相差不超过 {ranks} 名为“接近约谈线”。总分、排名和约谈标记均按公布精度（{decimals} 位小数，四舍五入）判定。",
        "footer": "本页数据：{year} 年各单位各维度达成度（目标达成度标准化）及加减分，由振兴工具包 {version} 生成。",
        "rank_of": "{r}/{n}",
    },
    "en": {
        "title": "{city} {year}: what if the weights change?",
        "title_all": "Province {year}: what if the weights change?",
        "intro": "Move a dimension weight or pick a preset: the page re-scores, re-ranks and re-flags every unit of the province at once (offline, nothing to install).",
        "back": "Back to the reports",
        "controls": "Weights",
        "preset": "Preset",
        "custom": "custom",
        "aggregation": "Aggregation",
        "arithmetic": "weighted arithmetic mean",
        "geometric": "weighted geometric mean",
        "reset": "Reset to the current weights",
        "weights_sum": "Weights add up to {sum} points, rescaled to {scale} for scoring",
        "weights_rule": "For scoring the weights are rescaled to add up to {scale} points (as the toolkit does), so only their proportions matter; after the arrow: the points a dimension actually counts for (weight × {scale} / sum of the weights, one decimal).",
        "points_unit": "pts",
        "zero_sum": "The weights add up to 0: give at least one dimension a positive weight.",
        "not_available": "Scenarios this page cannot re-score:",
        "why_normalisation": "{name}: it changes how indicators are normalised, which needs the indicator values; see the ranking simulation or zhenxing simulate.",
        "why_indicator_weights": "{name}: it changes the indicator shares within the dimensions; this page moves dimension weights only.",
        "why_missing": "{name}: it changes the missing-value policy.",
        "why_aggregation": "{name}: it uses an aggregation this page does not offer.",
        "why_treatment": "{name}: it winsorises the indicator values first, which this page cannot redo; compare it with zhenxing simulate.",
        "home_title": "Units of {city}, most at risk first (by margin to the warning-talk line)",
        "unit": "Unit",
        "category": "Category",
        "total": "Total",
        "rank": "Rank in category",
        "change": "Change in rank",
        "margin": "Margin to the line (points)",
        "risk": "Risk",
        "flagged": "in the warning-talk zone",
        "close": "close to the line",
        "safe": "safe",
        "up": "up {n}",
        "down": "down {n}",
        "same": "unchanged",
        "changes_title": "Against the current weights: the warning-talk zone (bottom {k} of each category)",
        "enters": "enters the zone",
        "leaves": "leaves the zone",
        "no_change": "The zone is the same as under the current weights.",
        "none": "none",
        "leagues_title": "Category leagues ({city} in bold; red = warning-talk zone; dashed = the warning line)",
        "warning_line": "warning line",
        "cities_title": "City league (city score = mean of its units' totals; red = last)",
        "city_score": "City score",
        "city_last": "Last city: {names}",
        "sep": ", ",
        "colon": ": ",
        "semicolon": "; ",
        "rule": "The warning-talk zone is the bottom {k} of each category (ties included); a unit at most {points} points or {ranks} ranks above it is close to the line. Totals, ranks and flags are decided at the published precision ({decimals} decimals, rounded half up).",
        "footer": "Data: each unit's dimension attainments in {year} (goalpost normalisation) with bonus and deduction points, written by zhenxing {version}.",
        "rank_of": "{r}/{n}",
    },
}


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _name(zh, en, lang: str) -> str:
    return str(en) if lang == "en" and isinstance(en, str) and en.strip() else str(zh)


def _unavailable(scenario, fw: Framework) -> str:
    """Why ``scenario`` cannot be re-scored from dimension attainments ('' when it can): a key of WHATIF_TEXT."""
    o = scenario.options
    if getattr(o, "treatment", None) is not None:
        return "why_treatment"
    if o.normalisation != "goalpost":
        return "why_normalisation"
    if o.indicator_weights is not None and not np.allclose(np.asarray(o.indicator_weights, float), fw.indicator_weights, rtol=0, atol=1e-12):
        return "why_indicator_weights"
    if o.missing is not None and o.missing != fw.missing_values:
        return "why_missing"
    if o.aggregation not in AGGREGATIONS:
        return "why_aggregation"
    return ""


def page_data(dataset: Dataset, year: int, home_city: str | None = None, scenarios=(), lang: str = "zh") -> dict:
    """Everything the page needs, JSON-ready (names in the page's language only).

    ``scenarios``: :class:`~zhenxing.scenarios.Scenario` objects (the presets;
    the framework's own weights always come first as the baseline).
    ``home_city``: the Chinese city name of the run (None for the province).
    Units are in register order; ``units.A[agg]`` is the flat row-major
    ``(n_units, n_dimensions)`` matrix of dimension attainments under that
    aggregation.
    """
    lang = _lang(lang)
    fw = dataset.framework
    yd = dataset.year(year)
    units = yd.units.reset_index(drop=True)
    attainments = {agg: score_arrays(yd, fw, ScoringOptions(aggregation=agg))["dimension_attainment"] for agg in AGGREGATIONS}
    base = score_arrays(yd, fw)
    cities = list(dict.fromkeys(units["city"]))
    city_index = {c: k for k, c in enumerate(cities)}
    city_en = units.groupby("city", sort=False)["city_en"].first() if "city_en" in units else {}
    cat_index = {c.id: k for k, c in enumerate(fw.categories)}
    t = WHATIF_TEXT[lang]

    presets, not_available = [], []
    for s in scenarios:
        name = s.label(lang)
        why = _unavailable(s, fw)
        if why:
            not_available.append({"id": s.id, "name": name, "note": t[why].format(name=name)})
            continue
        presets.append({"id": s.id, "name": name, "weights": [float(w) for w in s.options.weights(fw)[0]], "aggregation": s.options.aggregation})

    rule = fw.warning_talk.close
    p = fw.publication.decimals
    return {
        "lang": lang,
        "year": int(year),
        "scale": float(fw.scale),
        "decimals": int(p),
        "quota": int(fw.warning_talk.per_category),
        "close": {"points_steps": int(to_steps(rule.points, p)), "ranks": int(rule.ranks), "points": float(rule.points)},
        "last_city": bool(fw.warning_talk.last_city),
        "geometric_offset": GEOMETRIC_OFFSET,
        "home_city": city_index.get(home_city, -1) if home_city is not None else -1,
        "slider_max": float(np.ceil(max([0.4 * fw.scale, *(max(s["weights"]) for s in presets)]))),
        "dimensions": [{"id": d.id, "name": fw.label(d, lang), "weight": float(d.weight)} for d in fw.dimensions],
        "categories": [{"id": c.id, "name": fw.label(c, lang)} for c in fw.categories],
        "cities": [_name(c, city_en.get(c) if hasattr(city_en, "get") else None, lang) for c in cities],
        "units": {
            "code": [str(c) for c in units["code"]],
            "name": [_name(zh, en, lang) for zh, en in zip(units["name_zh"], units.get("name_en", units["name_zh"]))],
            "city": [city_index[c] for c in units["city"]],
            "category": [cat_index[c] for c in units["category"]],
            "A": {agg: [float(x) for x in a.ravel()] for agg, a in attainments.items()},
            "bonus": [float(x) for x in base["bonus"]],
            "deduction": [float(x) for x in base["deduction"]],
        },
        "presets": presets,
        "not_available": not_available,
    }


@functools.lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    here = Path(__file__).resolve().parent
    return Environment(loader=FileSystemLoader(str(here / "templates")), autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _json_for_script(data: dict) -> str:
    """JSON safe inside a ``<script>`` element (no ``</``, no ``<!--``)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def whatif_js() -> str:
    return (STATIC / WHATIF_JS).read_text(encoding="utf-8")


def render_whatif(data: dict, *, standalone: bool = False, back_link: str = "index.html") -> str:
    """The page's HTML. ``standalone`` inlines plotly.js and whatif.js; otherwise the page loads
    ``plotly.min.js`` and ``whatif.js`` from its folder."""
    from .. import __version__

    lang = data["lang"]
    t = WHATIF_TEXT[lang]
    home = data["home_city"]
    city = data["cities"][home] if home >= 0 else ""
    title = t["title"].format(city=city, year=data["year"]) if home >= 0 else t["title_all"].format(year=data["year"])
    text = {**t, "rule": t["rule"].format(k=data["quota"], points=f"{data['close']['points']:g}", ranks=data["close"]["ranks"],
                                        decimals=data["decimals"]),
            "footer": t["footer"].format(year=data["year"], version=__version__),
            "weights_rule": t["weights_rule"].format(scale=f"{data['scale']:g}"),
            "weights_sum": t["weights_sum"].replace("{scale}", f"{data['scale']:g}"),
            "city": city}
    plotly_inline = js_inline = ""
    if standalone:
        from .export import _plotly_bundle

        plotly_inline, js_inline = _plotly_bundle(), whatif_js()
    return _environment().get_template(TEMPLATE).render(
        t=text, lang="en" if lang == "en" else "zh-CN", title=title, css=stylesheet("page.css", WHATIF_CSS),
        data_json=_json_for_script({**data, "text": text}), standalone=standalone, plotly_inline=plotly_inline,
        js_inline=js_inline, back_link=back_link, data=data,
    )


def ensure_whatif_js(run_dir: Path) -> None:
    """Copy ``whatif.js`` into the run folder unless the same file is there."""
    data = (STATIC / WHATIF_JS).read_bytes()
    target = Path(run_dir) / WHATIF_JS
    if not target.is_file() or target.read_bytes() != data:
        write_files([(target, bytes_writer(data))])


def write_whatif(run_dir: Path, dataset: Dataset, year: int, home_city: str | None, scenario_files, lang: str,
                 standalone: bool = False, force: bool = False) -> tuple[Path, bool]:
    """Write ``whatif.html`` (and, shared, ``whatif.js``) into ``run_dir``; (path, written) —
    not written when the same page is there already (unless ``force``)."""
    from ..scenarios import load_scenarios

    scenarios = load_scenarios(list(scenario_files), dataset.framework) if scenario_files else []
    html = render_whatif(page_data(dataset, year, home_city, scenarios, lang), standalone=standalone)
    if not standalone:
        ensure_whatif_js(run_dir)
    target = Path(run_dir) / PAGE
    if not force and target.is_file() and target.read_text(encoding="utf-8") == html:
        return target, False
    write_files([(target, text_writer(html))])
    return target, True
