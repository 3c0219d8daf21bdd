"""The batch run's index page: league tables with links, run parameters, failures."""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

from .. import __version__
from ..framework import Framework
from ..labels import localise
from .kernel import ReportResult, kernel_argv
from .planning import Plan, city_slug
from .text import RUN_TEXT


_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
margin:2em auto;max-width:72em;padding:0 1em;color:#1f2328;line-height:1.45}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left}th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.warn td{background:#fff1f0}.flag{color:#cf222e;font-weight:bold}
.failed{color:#cf222e}.muted{color:#57606a;font-size:.9em}code{font-size:.9em;word-break:break-all}
a{color:#0969da}
"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def _table(headers: list[str], rows: list[list[str]], row_classes: list[str] | None = None, numeric: Iterable[int] = ()) -> str:
    numeric = set(numeric)
    out = ["<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr></thead><tbody>"]
    for k, row in enumerate(rows):
        cls = f' class="{row_classes[k]}"' if row_classes and row_classes[k] else ""
        cells = "".join(f'<td class="num">{c}</td>' if j in numeric else f"<td>{c}</td>" for j, c in enumerate(row))
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def render_index(
    plan: Plan,
    fw: Framework,
    lang: str,
    results: dict[str, ReportResult],
    run_dir: Path,
    manifest: dict,
    info: dict,
) -> str:
    """The run's index page: league table with links, city overview(s), run parameters, failures."""
    t = RUN_TEXT[lang]
    scope_name = t["province"] if plan.scope == "all" else plan.scope
    if plan.scope != "all" and lang == "en" and len(plan.units):
        scope_name = plan.units["city_en"].iloc[0] or plan.scope
    title = t["index_title"].format(scope=scope_name, year=plan.year)

    def link_for(key: str) -> str:
        r = results.get(key)
        if r is not None and r.status == "failed":
            if r.executed:
                return f'<a class="failed" href="{_e(r.executed)}">{_e(t["failed"])}: {_e(t["notebook"])}</a>'
            return f'<span class="failed">{_e(t["failed"])}</span>'
        entry = manifest["reports"].get(key)
        if entry and (run_dir / entry["html"]).is_file():
            return f'<a href="{_e(entry["html"])}">{_e(t["open"])}</a>'
        return f'<span class="muted">{_e(t["not_run"])}</span>'

    parts = [f"<!DOCTYPE html>\n<html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\">\n<head>\n<meta charset=\"utf-8\">",
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>", f"<h1>{_e(title)}</h1>"]
    counts = t["counts"].format(ok=info["n_ok"], skipped=info["n_skipped"], failed=info["n_failed"], seconds=info["seconds"])
    parts.append(f'<p class="muted">{_e(counts)}</p>')

    # cities
    if len(plan.cities):
        cities = plan.cities.reset_index(drop=True)
        ccols = ["rank", "city", "city_en", "n_units", "score", "last"]
        loc = localise(cities[ccols], fw, lang)  # name columns merged: rank, city, n_units, score, last
        score_col = 3
        with_sim = any(j.kind == "simulation" for j in plan.jobs)
        headers = list(loc.columns) + [t["overview"]] + ([t["simulation"]] if with_sim else [])
        rows, classes = [], []
        for k, c in enumerate(cities.itertuples()):
            vals = [_e(v) for v in loc.iloc[k].tolist()]
            vals[score_col] = f"{c.score:.2f}"
            slug_ = city_slug(c.city, str(c.city_en))
            rows.append(vals + [link_for(f"city_{slug_}")] + ([link_for(f"simulation_{slug_}")] if with_sim else []))
            classes.append("warn" if c.last else "")
        parts += [f"<h2>{_e(t['cities'])}</h2>", _table(headers, rows, classes, numeric=[0, 2, score_col])]

    # units
    cols = ["rank_category", "code", "name_zh", "name_en", "city", "city_en", "category", "total", "grade", "warning_talk"]
    units = plan.units.reset_index(drop=True)
    loc = localise(units[cols], fw, lang)
    headers = list(loc.columns) + [t["report"]]
    shown = [c for c in cols if c not in ("name_en", "city_en")]  # localise merges the English names in
    total_col, flag_col = shown.index("total"), shown.index("warning_talk")
    rows, classes = [], []
    for k, u in enumerate(units.itertuples()):
        vals = [_e(v) for v in loc.iloc[k].tolist()]
        vals[total_col] = f"{u.total:.2f}"
        if u.warning_talk:
            vals[flag_col] = f'<span class="flag">{vals[flag_col]}</span>'
        rows.append(vals + [link_for(str(u.code))])
        classes.append("warn" if u.warning_talk else "")
    parts += [f"<h2>{_e(t['units'])}</h2>", _table(headers, rows, classes, numeric=[0, total_col])]

    # failures
    failed = [r for r in results.values() if r.status == "failed"]
    if failed:
        frows = []
        for r in failed:
            nb_link = f'<a href="{_e(r.executed)}">{_e(r.executed)}</a>' if r.executed else ""
            frows.append([_e(r.key), _e(r.title), nb_link, f"<code>{_e(r.error)}</code>"])
        parts += [f"<h2 class=\"failed\">{_e(t['failures'])} ({len(failed)})</h2>", f"<p class=\"muted\">{_e(t['failure_hint'])}</p>",
                  _table(["", t["report"], t["notebook"], t["error"]], frows)]

    # run parameters
    prow = [
        (t["year"], plan.year),
        (t["scope"], scope_name),
        (t["framework"], info["framework"]),
        (t["register"], info["register"]),
        (t["values"], info["values"]),
        (t["ytd"], info.get("ytd", "—")),
        (t["lang"], lang),
        (t["plotly"], t["plotly_embed"] if info["standalone"] else t["plotly_shared"]),
        (t["seed"], info["seed"]),
        (t["input_hash"], info["input_hash"]),
        (t["time"], info["time"]),
        (t["version"], __version__),
        (t["kernel"], kernel_argv()[0]),
    ]
    parts += [f"<h2>{_e(t['run'])}</h2>",
              _table([t["param"], t["value"]], [[_e(a), f"<code>{_e(b)}</code>"] for a, b in prow])]
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)
