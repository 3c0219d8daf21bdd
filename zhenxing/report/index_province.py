"""The index of a province run (``zhenxing reports --all``): a province page and one page per city.

At national size (2,800 units in 448 cities) one page with every unit would be
1.5 MB and slow to read; instead the run has

* ``index.html``, the province page: the headline (units, cities, how many are
  in the warning-talk zone, close to the line and safe; the last city), the
  units in or close to the zone across the province (most at risk first, each
  with its city, linked to the city's page, and its reports), and the city
  league: rank, city (a link to its page), units, city score, units in the zone
  and close to the line, last city, and the city overview's links; then failed
  reports and the run's provenance;
* ``index_<city slug>.html`` for each city, in league order with links to the
  previous and next city and back to the province page: the city's headline as
  on a city run's index (rank, score, margin to the last city, its overview)
  and its units table with the same risk badges and report links.

Plain static pages that open from disk and print on A4 (``static/index.css``
and ``static/index_province.css``, inlined); no script. The words are in
:data:`.index.INDEX_TEXT`.
"""

from __future__ import annotations

from collections import Counter

from .index import CITY_PAGE_PREFIX, IndexContext, _city, _environment
from .planning import city_slug

PROVINCE_TEMPLATE = "index_province.html.j2"
CITY_TEMPLATE = "index_city.html.j2"
CSS = "index_province.css"


def city_page_names(ctx: IndexContext) -> dict[str, str]:
    """City (Chinese name) -> ``index_<slug>.html``, unique: a slug two cities share gets ``-2``, ``-3``, ..."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for c in ctx.all_cities.to_dict("records"):
        base = city_slug(c["city"], str(c.get("city_en") or ""))
        name, k = base, 1
        while name in used:
            k += 1
            name = f"{base}-{k}"
        used.add(name)
        names[c["city"]] = f"{CITY_PAGE_PREFIX}{name}.html"
    return names


def province_pages(ctx: IndexContext, info: dict) -> dict[str, str]:
    """``{"index.html": province page, "index_<slug>.html": city page, ...}`` (HTML text) for a province run."""
    from .tables import stylesheet

    plan, t, lang = ctx.plan, ctx.t, ctx.lang
    css = stylesheet("page.css", "index.css", CSS)
    units = plan.units
    pages_of = city_page_names(ctx)
    records = ctx.unit_records(units)  # most at risk first; each city's share keeps that order
    by_city: dict[str, list[dict]] = {}
    for u in records:
        by_city.setdefault(u["city"], []).append(u)
    in_run = [c for c in ctx.all_cities.to_dict("records") if c["city"] in by_city]

    # the province page
    sep = "、" if lang == "zh" else ", "
    last = ctx.all_cities[ctx.all_cities["last"]]
    cards = {
        "n_units": len(units), "n_cities": len(in_run), "counts": ctx.counts(units),
        "last": t["last_cities"].format(names=sep.join(_city(r, lang) for r in last.to_dict("records"))) if len(last) else "",
    }
    at_risk = ctx.unit_rows([u for u in records if u["risk"] != "safe"], pages_of)
    city_rows = []
    for c in in_run:
        mine = Counter(u["risk"] for u in by_city[c["city"]])
        summary = ctx.city_summary(c["city"])
        city_rows.append({"rank": f"{c['rank']}/{ctx.n_cities}", "name": summary["name"], "page": pages_of[c["city"]],
                          "n_units": int(c["n_units"]), "score": summary["score"], "last": bool(c["last"]),
                          "flagged": int(mine.get("flagged", 0)), "close": int(mine.get("close", 0)), "overview": summary["overview"]})
    title = t["title_all"].format(year=plan.year)
    common = ctx.common(info, t["province"])
    common["css"] = css
    env = _environment()
    pages = {"index.html": env.get_template(PROVINCE_TEMPLATE).render(
        title=title, cards=cards, at_risk=at_risk, at_risk_title=t["at_risk_title"].format(n=len(at_risk)), cities=city_rows, **common)}

    # the city pages, in league order
    city_template = env.get_template(CITY_TEMPLATE)
    for k, c in enumerate(in_run):
        page = pages_of[c["city"]]
        summary = ctx.city_summary(c["city"])
        mine = by_city[c["city"]]
        codes = {u["code"] for u in mine}
        prev_ = in_run[k - 1] if k > 0 else None
        next_ = in_run[k + 1] if k + 1 < len(in_run) else None
        nav = {"prev": {"href": pages_of[prev_["city"]], "text": t["prev_city"].format(name=_city(prev_, lang))} if prev_ else None,
               "next": {"href": pages_of[next_["city"]], "text": t["next_city"].format(name=_city(next_, lang))} if next_ else None}
        common = ctx.common(info, summary["name"], page)
        common["css"] = css
        common["failed"] = [f for f in common["failed"] if f["key"] in codes]
        pages[page] = city_template.render(
            title=t["title_city"].format(city=summary["name"], year=plan.year), headline=summary, nav=nav,
            counts=ctx.counts(mine), rows=ctx.unit_rows(mine), **common)
    return pages
