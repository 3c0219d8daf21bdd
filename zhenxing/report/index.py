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
  (when printed);
* for a city, the full league of every category it has units in (collapsed),
  its units highlighted, and the city league;
* failed reports;
* the run's provenance (paths relative to the project root, input hash, seed,
  versions, kernel) in a collapsed section at the bottom.

That is a city run's ``index.html``. A province run (``--all``) has a province
page and one page per city instead (:mod:`.index_province`, built by
:func:`index_pages` from the same :class:`IndexContext`).

All words are in :data:`INDEX_TEXT` (Chinese by default, English); the
Chinese page has no English word outside file names, hashes and version
numbers.
"""

from __future__ import annotations

import functools
from collections import Counter
from pathlib import Path

import pandas as pd

from .. import __version__
from ..framework import Framework
from ..io import text_writer, write_files
from ..labels import risk_label
from ..precision import format_published
from .kernel import ReportResult, kernel_argv
from .index_text import INDEX_TEXT
from .planning import AUDIT_KEY, AUDIT_WORKBOOK, Plan, city_slug
from .tables import stylesheet


TEMPLATE = "index.html.j2"
CSS = "index.css"
CITY_PAGE_PREFIX = "index_"  # a province run's city pages: index_<city slug>.html
UNIT_COLUMNS = ["code", "name_zh", "name_en", "city", "city_en", "category", "rank_category", "n_category", "rank_province",
                "total", "grade", "margin_bottom", "risk"]  # what a units table shows
RISK_CLASS = {"flagged": "red", "close": "amber", "safe": "green"}  # never green for a unit in or close to the zone
__all__ = ["INDEX_TEXT", "IndexContext", "index_pages", "render_index"]


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


class IndexContext:
    """What every index page of a run needs: labels, number formats, the report links and the rows of its tables."""

    def __init__(self, plan: Plan, fw: Framework, lang: str, results: dict[str, ReportResult], run_dir: Path, manifest: dict) -> None:
        self.plan, self.fw, self.results, self.manifest = plan, fw, results, manifest
        self.lang = "en" if lang == "en" else "zh"
        self.t = INDEX_TEXT[self.lang]
        self.decimals = fw.publication.decimals
        self.pub = functools.partial(format_published, decimals=self.decimals)
        self.province = plan.province if plan.province is not None else plan.units
        self.all_cities = (plan.all_cities if plan.all_cities is not None else plan.cities).sort_values(["rank", "city"]).reset_index(drop=True)
        self.n_province, self.n_cities = len(self.province), len(self.all_cities)
        self.cats = {c.id: fw.label(c, lang) for c in fw.categories}
        self.grades = {g.id: fw.label(g, lang) for g in fw.grades}
        self.run_dir = Path(run_dir)
        self.job_keys = {j.key for j in plan.jobs}
        last = self.all_cities[self.all_cities["last"]]
        self._n_last = len(last)
        self._last_score = float(last["score"].iloc[0]) if len(last) else float(self.all_cities["score"].min())
        self._last_names = ("、" if self.lang == "zh" else ", ").join(_city(r, self.lang) for r in last.to_dict("records"))
        self._city_rows = {c["city"]: c for c in self.all_cities.to_dict("records")}
        self._common: dict | None = None

    def links(self, key: str) -> dict:
        """Links of one report: {"html", "pdf", "failed", "notebook"}."""
        r = self.results.get(key)
        if r is not None and r.status == "failed":
            return {"failed": True, "notebook": r.executed or "", "html": "", "pdf": ""}
        entry = self.manifest["reports"].get(key)
        out = {"failed": False, "notebook": "", "html": "", "pdf": ""}
        if entry and (self.run_dir / entry["html"]).is_file():
            out["html"] = entry["html"]
            if entry.get("pdf") and (self.run_dir / entry["pdf"]).is_file():
                out["pdf"] = entry["pdf"]
        return out

    def margin(self, value: float) -> str:
        return ("+" if value > 0 else "") + self.pub(value)

    @staticmethod
    def unit_records(units: pd.DataFrame) -> list[dict]:
        """The units as records (only the columns the tables show), most at risk first: by margin to the
        warning-talk line, then province rank from the bottom, then code."""
        units = units.sort_values(["margin_bottom", "rank_province", "code"], ascending=[True, False, True], kind="stable")
        return units[[c for c in UNIT_COLUMNS if c in units.columns]].to_dict("records")

    def unit_rows(self, units: pd.DataFrame | list[dict], city_pages: dict[str, str] | None = None) -> list[dict]:
        """Table rows of ``units`` (a frame, or :meth:`unit_records` kept in their order), most at risk first;
        ``city_pages`` (city -> file name) links each unit's city."""
        records = self.unit_records(units) if isinstance(units, pd.DataFrame) else units
        rows = []
        for u in records:
            rows.append({
                "code": u["code"], "name": _name(u, self.lang), "city": _city(u, self.lang),
                "city_page": (city_pages or {}).get(u["city"], ""), "category": self.cats.get(u["category"], u["category"]),
                "rank_category": f"{u['rank_category']}/{u['n_category']}", "rank_province": f"{u['rank_province']}/{self.n_province}",
                "total": self.pub(u["total"]), "grade": self.grades.get(u["grade"], u["grade"]), "margin": self.margin(u["margin_bottom"]),
                "risk": u["risk"], "risk_label": risk_label(u["risk"], self.lang), "badge": RISK_CLASS.get(u["risk"], "red"),
                "links": self.links(str(u["code"])),
            })
        return rows

    def city_summary(self, city: str) -> dict:
        """A city's rank, score, distance to the last city and the links of its overview and simulation reports."""
        t, row = self.t, self._city_rows[city]
        if bool(row["last"]):
            last_text = t["tied_last"] if self._n_last > 1 else t["is_last"].format(n=self.n_cities)
        else:
            last_text = t["above_last"].format(margin=self.pub(float(row["score"]) - self._last_score), last=self._last_names)
        slug_ = city_slug(city, str(row["city_en"]))
        return {"name": _city(row, self.lang), "rank": f"{row['rank']}/{self.n_cities}", "rank_text": t["city_rank"].format(rank=row["rank"], n=self.n_cities),
                "score": self.pub(row["score"]), "last": bool(row["last"]), "last_text": last_text,
                "overview": self.links(f"city_{slug_}") if f"city_{slug_}" in self.job_keys else None,
                "simulation": self.links(f"simulation_{slug_}") if f"simulation_{slug_}" in self.job_keys else None}

    def counts(self, units: pd.DataFrame | list[dict]) -> str:
        c = Counter(u["risk"] for u in units) if isinstance(units, list) else units["risk"].value_counts()
        return self.t["risk_counts"].format(flagged=int(c.get("flagged", 0)), close=int(c.get("close", 0)), safe=int(c.get("safe", 0)))

    def common(self, info: dict, scope_label: str, page: str = "index.html") -> dict:
        """Template variables every page of the run shares: styles, links to the other language, the what-if
        page and the data audit, the risk rule, the failed reports and the run's provenance (worked out once
        per run; only the scope and the link to the other language's ``page`` differ between pages)."""
        t, plan, run_dir = self.t, self.plan, self.run_dir
        other = "en" if self.lang != "en" else "zh"
        other_dir = run_dir.parent / (plan.run_name.removesuffix("_en") + ("_en" if other == "en" else ""))
        other_page = page if (other_dir / page).is_file() else "index.html"
        other_link = f"../{other_dir.name}/{other_page}" if (other_dir / other_page).is_file() else ""
        if self._common is None:
            self._common = self._shared(info)
        out = dict(self._common, other_link=other_link)
        out["provenance"] = [(t["scope"], scope_label, False) if label == t["scope"] else (label, value, code)
                             for label, value, code in out["provenance"]]
        return out

    def _shared(self, info: dict) -> dict:
        t, plan, fw, run_dir = self.t, self.plan, self.fw, self.run_dir
        root = project_root()
        rule = fw.warning_talk.close
        provenance = [  # (label, value, is a file name, hash or version: shown as code)
            (t["year"], str(plan.year), False),
            (t["scope"], "", False),
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
        failed = [{"key": r.key, "title": r.title, "notebook": r.executed or "", "error": r.error}
                  for r in self.results.values() if r.status == "failed"]
        return dict(
            t=t, lang="en" if self.lang == "en" else "zh-CN", css=_css(), failed=failed,
            rule_text=t["rule"].format(k=fw.warning_talk.per_category,
                                       points=format_published(rule.points, self.decimals) if rule.points % 1 else int(rule.points),
                                       ranks=rule.ranks),
            counts_text=t["counts"].format(ok=info["n_ok"], skipped=info["n_skipped"], failed=info["n_failed"], seconds=info["seconds"]),
            provenance=provenance, whatif_link="whatif.html" if (run_dir / "whatif.html").is_file() else "",
            audit=self.links(AUDIT_KEY) if AUDIT_KEY in self.job_keys else None,
            audit_workbook=AUDIT_WORKBOOK if (run_dir / AUDIT_WORKBOOK).is_file() else "",
        )


def _city_run_page(ctx: IndexContext, info: dict) -> str:
    """The index of a city run: the city's headline, its units, the category leagues they are in, the city league."""
    plan, fw, t, lang, pub = ctx.plan, ctx.fw, ctx.t, ctx.lang, ctx.pub
    headline = ctx.city_summary(plan.scope)
    title = t["title_city"].format(city=headline["name"], year=plan.year)
    groups = [{"summary": None, "counts": ctx.counts(plan.units), "rows": ctx.unit_rows(plan.units), "title": t["units_title"]}]

    # the category leagues of the city's units
    leagues = []
    mine = set(plan.units["code"])
    k = fw.warning_talk.per_category
    for cat in fw.categories:
        league = ctx.province[ctx.province["category"] == cat.id].sort_values(["rank_category", "code"], kind="stable")
        if not league["code"].isin(mine).any():
            continue
        rows = []
        for u in league.to_dict("records"):
            rows.append({"rank": f"{u['rank_category']}/{u['n_category']}", "name": _name(u, lang), "city": _city(u, lang),
                         "total": pub(u["total"]), "margin": ctx.margin(u["margin_bottom"]),
                         "mine": u["code"] in mine, "flagged": bool(u["warning_talk"]),
                         "risk_label": risk_label(u["risk"], lang), "badge": RISK_CLASS.get(u["risk"], "red"), "line": False})
        first_flagged = next((j for j, r in enumerate(rows) if r["flagged"]), None)
        if first_flagged is not None:
            rows[first_flagged]["line"] = True
        places = [t["place"].format(rank=u["rank_category"]) for u in league.to_dict("records") if u["code"] in mine]
        sep = "、" if lang == "zh" else ", "
        leagues.append({"title": t["league_summary"].format(category=fw.label(cat, lang), n=len(league), mine=sep.join(places)),
                        "rows": rows, "quota": k})

    city_league = [{"rank": f"{c['rank']}/{ctx.n_cities}", "name": _city(c, lang), "n_units": int(c["n_units"]), "score": pub(c["score"]),
                    "last": bool(c["last"]), "mine": plan.scope == c["city"]} for c in ctx.all_cities.to_dict("records")]
    return _environment().get_template(TEMPLATE).render(
        title=title, headline=headline, groups=groups, show_city=False, leagues=leagues, city_league=city_league,
        **ctx.common(info, headline["name"] if headline else plan.scope),
    )


def index_pages(
    plan: Plan,
    fw: Framework,
    lang: str,
    results: dict[str, ReportResult],
    run_dir: Path,
    manifest: dict,
    info: dict,
) -> dict[str, str]:
    """The run's index pages, file name -> HTML text.

    A city run: ``{"index.html": ...}``. A province run (``--all``): ``index.html``, the
    province page (the units in or close to the warning-talk zone, the city league with
    each city's units at risk and a link to its page), and one ``index_<city slug>.html``
    per city with units (:mod:`.index_province`).
    """
    ctx = IndexContext(plan, fw, lang, results, run_dir, manifest)
    if plan.scope == "all":
        from .index_province import province_pages

        return province_pages(ctx, info)
    return {"index.html": _city_run_page(ctx, info)}


def render_index(
    plan: Plan,
    fw: Framework,
    lang: str,
    results: dict[str, ReportResult],
    run_dir: Path,
    manifest: dict,
    info: dict,
) -> str:
    """The run's index page (HTML text) for the caller to write as ``index.html``.

    For a province run the city pages of :func:`index_pages` are written here, each
    atomically, into ``run_dir`` (and city pages of an earlier run that this run no
    longer has are removed), before the caller writes ``index.html``.
    """
    pages = index_pages(plan, fw, lang, results, run_dir, manifest, info)
    extra = [(Path(run_dir) / name, text_writer(text)) for name, text in pages.items() if name != "index.html"]
    if extra:
        write_files(extra)
    for old in Path(run_dir).glob(f"{CITY_PAGE_PREFIX}*.html"):
        if old.name not in pages:
            old.unlink()
    return pages["index.html"]
