"""The batch run's index page: the city's risk dashboard, from a Jinja2 template.

``templates/index.html.j2`` with ``static/index.css`` (inlined, so the page is
one file that works from disk). What it shows, most urgent first:

* the scope's headline: for a city its rank among the cities ("8/16"), its
  published score and its margin to the last city (points above the last
  city's published score; a city that is last says so); the number of units
  in the warning-talk zone, close to it and safe; links to the city overview
  and the ranking simulation (HTML and PDF);
* a link to ``whatif.html`` (what if the weights change?, :mod:`.whatif`);
* the units sorted by their margin to the warning-talk line (most at risk
  first) with their risk level as a red / amber / green badge (green only for
  ``safe``), category, rank with denominators ("23/25" in the category,
  "94/100" in the province), published total and grade, the margin at the
  framework's published precision, and links to the report's HTML and PDF
  (when printed); with ``--all`` one such table per city, cities in league
  order;
* for a city, the full league of every category it has units in (collapsed),
  its units highlighted, and the city league;
* failed reports;
* the run's provenance (paths relative to the project root, input hash, seed,
  versions, kernel) in a collapsed section at the bottom.

All words are in :data:`INDEX_TEXT` (Chinese by default, English); the
Chinese page has no English word outside file names, hashes and version
numbers.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd

from .. import __version__
from ..framework import Framework
from ..labels import risk_label
from ..precision import format_published
from .kernel import ReportResult, kernel_argv
from .planning import AUDIT_KEY, AUDIT_WORKBOOK, Plan, city_slug
from .tables import stylesheet


TEMPLATE = "index.html.j2"
CSS = "index.css"
RISK_CLASS = {"flagged": "red", "close": "amber", "safe": "green"}  # never green for a unit in or close to the zone

INDEX_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title_city": "{city} {year} 年乡村振兴实绩考核 · 约谈风险一览",
        "title_all": "全省 {year} 年乡村振兴实绩考核 · 约谈风险一览",
        "city_rank": "全省 {n} 个市中的排名",
        "colon": "：",
        "city_score": "市得分 {score}",
        "above_last": "高于末位市（{last}）{margin} 分",
        "is_last": "本市列全省末位",
        "tied_last": "与末位市同分，并列末位",
        "risk_counts": "约谈区内 {flagged} 个 · 接近约谈线 {close} 个 · 安全 {safe} 个",
        "rule": "风险等级：约谈区 = 各类别后 {k} 名；距约谈线不超过 {points} 分或与约谈区相差不超过 {ranks} 名为“接近约谈线”。",
        "units_title": "各县（市、区）：按距约谈线排序，风险最高者在前",
        "city_units_title": "{city}：全省第 {rank}/{n} 名，市得分 {score}，{last}",
        "risk": "约谈风险",
        "unit": "单位",
        "city": "所属市",
        "category": "类别",
        "rank_category": "类别内排名",
        "rank_province": "全省排名",
        "total": "总分",
        "grade": "等次",
        "margin": "距约谈线（分）",
        "reports": "报告",
        "html": "网页版",
        "pdf": "打印版",
        "overview": "市级概览",
        "simulation": "排名模拟",
        "audit": "数据审核与统计检验",
        "audit_workbook": "核查工作簿（电子表格，可发各报送部门核实）",
        "not_run": "未生成",
        "failed": "生成失败",
        "failed_notebook": "生成失败（查看已执行的笔记本）",
        "leagues_title": "分类排名（本市单位加粗，红线以下为约谈区）",
        "league_summary": "{category}：{n} 个单位，本市 {mine}",
        "place": "第 {rank} 名",
        "cities_title": "各市排名（市得分 = 所辖单位总分平均）",
        "score": "市得分",
        "rank": "排名",
        "n_units": "考核单位数",
        "last": "末位",
        "yes": "是",
        "no": "否",
        "failures": "生成失败的报告（{n} 份）",
        "failure_hint": "已执行的笔记本保存在 notebooks/ 文件夹中，可打开查看出错之处。",
        "error": "错误",
        "provenance": "数据来源与运行记录",
        "counts": "本次生成 {ok} 份，未变更跳过 {skipped} 份，失败 {failed} 份，用时 {seconds:.1f} 秒",
        "param": "项目",
        "value": "内容",
        "year": "考核年份",
        "scope": "范围",
        "province": "全省",
        "framework": "指标体系文件",
        "register": "单位名册",
        "values": "指标数据",
        "ytd": "年内数据（序时进度）",
        "none": "无",
        "lang": "语言",
        "lang_name": "中文",
        "charts": "图表脚本",
        "charts_shared": "与报告同一文件夹中的共享文件",
        "charts_embed": "嵌入每份报告",
        "seed": "随机种子",
        "input_hash": "输入数据哈希值",
        "time": "生成时间",
        "version": "振兴工具包版本",
        "kernel": "计算内核",
        "other_lang": "英文版",
        "whatif": "如果权重变化？",
    },
    "en": {
        "title_city": "{city} {year}: rural revitalisation assessment, warning-talk risk",
        "title_all": "Province {year}: rural revitalisation assessment, warning-talk risk",
        "city_rank": "rank among the {n} cities",
        "colon": ": ",
        "city_score": "city score {score}",
        "above_last": "{margin} points above the last city ({last})",
        "is_last": "last of the {n} cities",
        "tied_last": "level with the last city (tied last)",
        "risk_counts": "{flagged} in the warning-talk zone · {close} close to the line · {safe} safe",
        "rule": "Risk level: the zone is the bottom {k} of each category; a unit at most {points} points or {ranks} ranks above it is close to the line.",
        "units_title": "Units by margin to the warning-talk line, most at risk first",
        "city_units_title": "{city}: rank {rank}/{n} among the cities, score {score}, {last}",
        "risk": "Risk",
        "unit": "Unit",
        "city": "City",
        "category": "Category",
        "rank_category": "Rank in category",
        "rank_province": "Rank in province",
        "total": "Total",
        "grade": "Grade",
        "margin": "Margin to the line (points)",
        "reports": "Reports",
        "html": "web page",
        "pdf": "PDF",
        "overview": "City overview",
        "simulation": "Ranking simulation",
        "audit": "Data audit and statistical checks",
        "audit_workbook": "audit workbook (Excel, to send to the departments)",
        "not_run": "not generated",
        "failed": "failed",
        "failed_notebook": "failed (see the executed notebook)",
        "leagues_title": "Category leagues (this city's units in bold; below the red line: warning talk)",
        "league_summary": "{category}: {n} units; this city {mine}",
        "place": "{rank}",
        "cities_title": "City league (city score = mean of its units' totals)",
        "score": "City score",
        "rank": "Rank",
        "n_units": "Units",
        "last": "Last",
        "yes": "yes",
        "no": "no",
        "failures": "Failed reports ({n})",
        "failure_hint": "The executed notebooks are kept in the notebooks/ folder; open them to see what failed.",
        "error": "Error",
        "provenance": "Data sources and run record",
        "counts": "{ok} generated, {skipped} unchanged (skipped), {failed} failed, in {seconds:.1f} s",
        "param": "Item",
        "value": "Value",
        "year": "Assessment year",
        "scope": "Scope",
        "province": "Province",
        "framework": "Framework file",
        "register": "Register",
        "values": "Indicator values",
        "ytd": "Year-to-date values (schedule progress)",
        "none": "none",
        "lang": "Language",
        "lang_name": "English",
        "charts": "Chart library (plotly.js)",
        "charts_shared": "shared file plotly.min.js in the report folder",
        "charts_embed": "embedded in each report",
        "seed": "Random seed",
        "input_hash": "Input data hash (SHA-256)",
        "time": "Generated",
        "version": "zhenxing version",
        "kernel": "Notebook kernel (Python)",
        "other_lang": "中文版",
        "whatif": "What if the weights change?",
    },
}


@functools.lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    here = Path(__file__).resolve().parent
    return Environment(loader=FileSystemLoader(str(here / "templates")), autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _css() -> str:
    return stylesheet("page.css", CSS)


def project_root() -> Path:
    """The project folder: the nearest folder (from the current one up) with ``params/`` or ``pyproject.toml``,
    else the source tree holding the package."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() or (folder / "params" / "run.yaml").is_file():
            return folder
    return Path(__file__).resolve().parents[2]


def relative(path, root: Path | None = None) -> str:
    """``path`` relative to the project root when it lies inside it, else as given."""
    if path in (None, "", "—"):
        return ""
    root = root or project_root()
    p = Path(str(path))
    for candidate in (p.absolute(), p.resolve()):  # a venv's python is a symlink: try it as named first
        try:
            return candidate.relative_to(root).as_posix()
        except (ValueError, OSError):
            continue
    return str(path)


def _name(row, lang: str) -> str:
    return (row.get("name_en") or row["name_zh"]) if lang == "en" else row["name_zh"]


def _city(row, lang: str) -> str:
    return (row.get("city_en") or row["city"]) if lang == "en" else row["city"]


def render_index(
    plan: Plan,
    fw: Framework,
    lang: str,
    results: dict[str, ReportResult],
    run_dir: Path,
    manifest: dict,
    info: dict,
) -> str:
    """The run's index page (HTML text)."""
    t = INDEX_TEXT["en" if lang == "en" else "zh"]
    p = fw.publication.decimals
    pub = functools.partial(format_published, decimals=p)
    province = plan.province if plan.province is not None else plan.units
    all_cities = (plan.all_cities if plan.all_cities is not None else plan.cities).sort_values(["rank", "city"]).reset_index(drop=True)
    n_province, n_cities = len(province), len(all_cities)
    cats = {c.id: fw.label(c, lang) for c in fw.categories}
    grades = {g.id: fw.label(g, lang) for g in fw.grades}
    run_dir = Path(run_dir)

    def links(key: str) -> dict:
        """Links of one report: {"html", "pdf", "failed", "notebook", "missing"}."""
        r = results.get(key)
        if r is not None and r.status == "failed":
            return {"failed": True, "notebook": r.executed or "", "html": "", "pdf": ""}
        entry = manifest["reports"].get(key)
        out = {"failed": False, "notebook": "", "html": "", "pdf": ""}
        if entry and (run_dir / entry["html"]).is_file():
            out["html"] = entry["html"]
            if entry.get("pdf") and (run_dir / entry["pdf"]).is_file():
                out["pdf"] = entry["pdf"]
        return out

    def unit_rows(units: pd.DataFrame) -> list[dict]:
        units = units.sort_values(["margin_bottom", "rank_province", "code"], ascending=[True, False, True], kind="stable")
        rows = []
        for u in units.to_dict("records"):
            rows.append({
                "code": u["code"], "name": _name(u, lang), "city": _city(u, lang), "category": cats.get(u["category"], u["category"]),
                "rank_category": f"{u['rank_category']}/{u['n_category']}", "rank_province": f"{u['rank_province']}/{n_province}",
                "total": pub(u["total"]), "grade": grades.get(u["grade"], u["grade"]),
                "margin": ("+" if u["margin_bottom"] > 0 else "") + pub(u["margin_bottom"]),
                "risk": u["risk"], "risk_label": risk_label(u["risk"], lang), "badge": RISK_CLASS.get(u["risk"], "red"),
                "links": links(str(u["code"])),
            })
        return rows

    def city_summary(city: str) -> dict:
        row = all_cities[all_cities["city"] == city].iloc[0]
        last = all_cities[all_cities["last"]]
        last_score = float(last["score"].iloc[0]) if len(last) else float(all_cities["score"].min())
        margin = float(row["score"]) - last_score
        if bool(row["last"]):
            last_text = t["tied_last"] if len(last) > 1 else t["is_last"].format(n=n_cities)
        else:
            last_names = "、".join(_city(r, lang) for r in last.to_dict("records")) if lang == "zh" else \
                ", ".join(_city(r, lang) for r in last.to_dict("records"))
            last_text = t["above_last"].format(margin=pub(margin), last=last_names)
        slug_ = city_slug(city, str(row["city_en"]))
        return {"name": _city(row, lang), "rank": f"{row['rank']}/{n_cities}", "rank_text": t["city_rank"].format(rank=row["rank"], n=n_cities),
                "score": pub(row["score"]), "last": bool(row["last"]), "last_text": last_text,
                "overview": links(f"city_{slug_}") if f"city_{slug_}" in {j.key for j in plan.jobs} else None,
                "simulation": links(f"simulation_{slug_}") if f"simulation_{slug_}" in {j.key for j in plan.jobs} else None}

    def counts(units: pd.DataFrame) -> str:
        c = units["risk"].value_counts()
        return t["risk_counts"].format(flagged=int(c.get("flagged", 0)), close=int(c.get("close", 0)), safe=int(c.get("safe", 0)))

    groups = []
    if plan.scope == "all":
        title = t["title_all"].format(year=plan.year)
        for c in all_cities.to_dict("records"):
            units = plan.units[plan.units["city"] == c["city"]]
            if units.empty:
                continue
            summary = city_summary(c["city"])
            groups.append({"summary": summary, "counts": counts(units), "rows": unit_rows(units),
                           "title": t["city_units_title"].format(city=summary["name"], rank=c["rank"], n=n_cities,
                                                                 score=summary["score"], last=summary["last_text"])})
        headline = None
    else:
        headline = city_summary(plan.scope)
        title = t["title_city"].format(city=headline["name"], year=plan.year)
        groups.append({"summary": None, "counts": counts(plan.units), "rows": unit_rows(plan.units), "title": t["units_title"]})

    # the category leagues of the city's units (a city run only)
    leagues = []
    if plan.scope != "all":
        mine = set(plan.units["code"])
        k = fw.warning_talk.per_category
        for cat in fw.categories:
            league = province[province["category"] == cat.id].sort_values(["rank_category", "code"], kind="stable")
            if not league["code"].isin(mine).any():
                continue
            rows = []
            for u in league.to_dict("records"):
                rows.append({"rank": f"{u['rank_category']}/{u['n_category']}", "name": _name(u, lang), "city": _city(u, lang),
                             "total": pub(u["total"]), "margin": ("+" if u["margin_bottom"] > 0 else "") + pub(u["margin_bottom"]),
                             "mine": u["code"] in mine, "flagged": bool(u["warning_talk"]),
                             "risk_label": risk_label(u["risk"], lang), "badge": RISK_CLASS.get(u["risk"], "red"), "line": False})
            first_flagged = next((j for j, r in enumerate(rows) if r["flagged"]), None)
            if first_flagged is not None:
                rows[first_flagged]["line"] = True
            places = [t["place"].format(rank=u["rank_category"]) for u in league.to_dict("records") if u["code"] in mine]
            sep = "、" if lang == "zh" else ", "
            leagues.append({"title": t["league_summary"].format(category=fw.label(cat, lang), n=len(league), mine=sep.join(places)),
                            "rows": rows, "quota": k})

    city_league = [{"rank": f"{c['rank']}/{n_cities}", "name": _city(c, lang), "n_units": int(c["n_units"]), "score": pub(c["score"]),
                    "last": bool(c["last"]), "mine": plan.scope == c["city"]} for c in all_cities.to_dict("records")]

    failed = [{"key": r.key, "title": r.title, "notebook": r.executed or "", "error": r.error}
              for r in results.values() if r.status == "failed"]

    root = project_root()
    rule = fw.warning_talk.close
    provenance = [  # (label, value, is a file name, hash or version: shown as code)
        (t["year"], str(plan.year), False),
        (t["scope"], t["province"] if plan.scope == "all" else (headline["name"] if headline else plan.scope), False),
        (t["framework"], relative(info["framework"], root), True),
        (t["register"], relative(info["register"], root), True),
        (t["values"], relative(info["values"], root), True),
        (t["ytd"], relative(info.get("ytd"), root) or t["none"], bool(relative(info.get("ytd"), root))),
        (t["lang"], t["lang_name"], False),
        (t["charts"], t["charts_embed"] if info["standalone"] else t["charts_shared"], False),
        (t["seed"], str(info["seed"]), True),
        (t["input_hash"], str(info["input_hash"]), True),
        (t["time"], str(info["time"]), True),
        (t["version"], __version__, True),
        (t["kernel"], relative(kernel_argv()[0], root), True),
    ]
    other = "en" if lang != "en" else "zh"
    other_dir = run_dir.parent / (plan.run_name.removesuffix("_en") + ("_en" if other == "en" else ""))
    other_link = f"../{other_dir.name}/index.html" if (other_dir / "index.html").is_file() else ""

    return _environment().get_template(TEMPLATE).render(
        t=t, lang="en" if lang == "en" else "zh-CN", title=title, css=_css(), headline=headline, groups=groups,
        show_city=plan.scope == "all", leagues=leagues, city_league=city_league, failed=failed,
        rule_text=t["rule"].format(k=fw.warning_talk.per_category, points=format_published(rule.points, p) if rule.points % 1 else int(rule.points),
                                   ranks=rule.ranks),
        counts_text=t["counts"].format(ok=info["n_ok"], skipped=info["n_skipped"], failed=info["n_failed"], seconds=info["seconds"]),
        provenance=provenance, other_link=other_link, whatif_link="whatif.html" if (run_dir / "whatif.html").is_file() else "",
        audit=links(AUDIT_KEY) if AUDIT_KEY in {j.key for j in plan.jobs} else None,
        audit_workbook=AUDIT_WORKBOOK if (run_dir / AUDIT_WORKBOOK).is_file() else "",
    )
