"""The ranking simulation report's machine-readable record and its key findings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..framework import Framework
from .simulation_figures import ComparisonLike, SensitivityLike, SimulationLike, pct_text, rank_fan_data, stext
from .tables import Column, table_html
from .text import category_label, spread_pct


def _home_codes(city: str, *tables: pd.DataFrame | None) -> list[str]:
    for t in tables:
        if t is not None and "city" in t.columns:
            return [str(c) for c in t.loc[t["city"] == city, "code"]]
    return []


def simulation_record(
    city: str,
    fw: Framework,
    *,
    comparison: ComparisonLike | None = None,
    simulation: SimulationLike | None = None,
    sensitivity: SensitivityLike | None = None,
    bounds: pd.DataFrame | None = None,
    box: SimulationLike | None = None,
    spread: float | None = None,
) -> dict[str, Any]:
    """The simulation report's numbers for ``city``'s units, language-neutral and JSON-ready.

    Every value is copied from the library's results (probabilities as shares, ranks as
    integers, Sobol' indices as floats, full precision). Keys, each present when its
    input is given:

    * ``city``, ``city_en``, ``k`` (warning-talk places per category), ``units``
      (code → name_zh, name_en, category, n_category: units in its category; the
      city's units in the comparison's / simulation's order);
    * ``scenarios`` (ids, reference first), ``kendall`` (matrix, scenario order),
      ``scenario_ranks`` (code → id → rank in category), ``scenario_changes``
      (code → id → change vs the reference), ``scenario_warning_talk`` (code → ids);
    * ``simulation``: scenario, year, n_draws, seed, ``p_city_last`` (the city),
      ``cities_p_last`` (city → p), ``units`` (code → nominal, median, p05, p95 ranks
      in category and province, p_bottom, mean_rank_change, mean_total);
    * ``sensitivity``: spread, n_base, seed, ``units`` (code → score/rank → S1/ST →
      dimension → value);
    * ``bounds`` (code → best/worst rank in category and province, warning_possible,
      warning_certain) and ``spread``;
    * ``box``: n_draws, seed, ``units`` (code → p05, p95, best_seen, worst_seen in
      category) and ``inside_bounds`` (every rank drawn lies within the exact bounds).
    """
    sim_units = simulation.units if simulation is not None else (box.units if box is not None else None)
    codes = _home_codes(city, comparison.table if comparison is not None else None, sim_units, bounds)
    if not codes:
        raise ValueError(f"no units of city {city!r} in the results")
    rec: dict[str, Any] = {"city": city, "city_en": "", "k": int(fw.warning_talk.per_category), "units": {}}
    for t in (comparison.table if comparison is not None else None, sim_units, bounds):
        if t is None:
            continue
        n_cat = t.drop_duplicates("code").groupby("category")["code"].size()
        rows = t[t["city"] == city].drop_duplicates("code").set_index("code")
        if not rec["city_en"] and "city_en" in rows.columns and len(rows):
            rec["city_en"] = str(rows["city_en"].iloc[0])
        for c in codes:
            if c in rows.index and c not in rec["units"]:
                r = rows.loc[c]
                rec["units"][c] = {"name_zh": str(r["name_zh"]), "name_en": str(r.get("name_en", "") or ""), "category": str(r["category"]),
                                   "n_category": int(n_cat[r["category"]])}
    if comparison is not None:
        ids = [s.id for s in comparison.scenarios]
        t = comparison.table.set_index("code")
        rec["scenarios"] = ids
        rec["kendall"] = [[float(v) for v in row] for row in comparison.kendall.loc[ids, ids].to_numpy()]
        rec["scenario_ranks"] = {c: {s: int(t.loc[c, f"rank_category_{s}"]) for s in ids} for c in codes}
        rec["scenario_changes"] = {c: {s: (0 if s == ids[0] else int(t.loc[c, f"change_{s}"])) for s in ids} for c in codes}
        rec["scenario_warning_talk"] = {c: [s for s in ids if bool(t.loc[c, f"warning_talk_{s}"])] for c in codes}
    if simulation is not None:
        u = simulation.units.set_index("code")
        cols = ("nominal_rank_category", "median_rank_category", "p05_rank_category", "p95_rank_category",
                "nominal_rank_province", "median_rank_province", "p05_rank_province", "p95_rank_province")
        cities = simulation.cities.set_index("city")
        rec["simulation"] = {
            "scenario": str(simulation.scenario),
            "year": int(simulation.year),
            "n_draws": int(simulation.n_draws),
            "seed": int(simulation.seed),
            "p_city_last": float(cities.loc[city, "p_last"]),
            "cities_p_last": {str(c): float(p) for c, p in cities["p_last"].items()},
            "units": {
                c: {**{k: int(u.loc[c, k]) for k in cols}, "p_bottom": float(u.loc[c, "p_bottom"]),
                    "mean_rank_change": float(u.loc[c, "mean_rank_change"]), "mean_total": float(u.loc[c, "mean_total"])}
                for c in codes
            },
        }  # fmt: skip
    if sensitivity is not None:
        rec["sensitivity"] = {
            "spread": float(sensitivity.spread),
            "n_base": int(sensitivity.n_base),
            "seed": None if sensitivity.seed is None else int(sensitivity.seed),
            "units": {
                c: {out: {key: {str(d): float(v) for d, v in getattr(getattr(sensitivity, out), key).loc[c].items()} for key in ("S1", "ST")}
                    for out in ("score", "rank")}
                for c in codes
            },
        }  # fmt: skip
    if bounds is not None:
        b = bounds.set_index("code")
        keys = ("best_rank_category", "worst_rank_category", "best_rank_province", "worst_rank_province")
        rec["spread"] = None if spread is None else float(spread)
        rec["bounds"] = {
            c: {**{k: int(b.loc[c, k]) for k in keys}, "warning_possible": bool(b.loc[c, "warning_possible"]),
                "warning_certain": bool(b.loc[c, "warning_certain"])}
            for c in codes
        }  # fmt: skip
    if box is not None:
        band = rank_fan_data(box, fw, codes=codes)
        units = {
            str(r.code): {"p05_rank_category": int(r.p05), "p95_rank_category": int(r.p95),
                          "best_seen_category": int(r.best_seen), "worst_seen_category": int(r.worst_seen)}
            for r in band.itertuples()
        }  # fmt: skip
        rec["box"] = {"n_draws": int(box.n_draws), "seed": int(box.seed), "units": units}
        if bounds is not None:
            rec["box"]["inside_bounds"] = all(
                units[c]["best_seen_category"] >= rec["bounds"][c]["best_rank_category"]
                and units[c]["worst_seen_category"] <= rec["bounds"][c]["worst_rank_category"]
                for c in codes
            )
    return rec


def _record_name(rec: Mapping[str, Any], code: str, lang: str) -> str:
    u = rec["units"].get(code, {})
    return str(u.get("name_en") or u.get("name_zh", code)) if lang == "en" else str(u.get("name_zh", code))


def simulation_summary(record: Mapping[str, Any], lang: str = "zh", scenario_labels: Mapping[str, str] | None = None) -> str:
    """The report's key findings as Markdown bullets, read from :func:`simulation_record`:
    the largest rank change across scenarios, the city's probability of coming last and
    its unit most at risk of the warning talk, and the units that can reach the warning
    talk inside the weight box (with whether every sampled rank stayed inside the bounds)."""
    en = lang == "en"
    city = (record.get("city_en") or record["city"]) if en else record["city"]
    labels = dict(scenario_labels or {})
    k = record["k"]
    out: list[str] = []
    if "scenario_changes" in record and len(record["scenarios"]) > 1:
        ref = record["scenarios"][0]
        best = max(
            ((abs(ch), code, s) for code, by in record["scenario_changes"].items() for s, ch in by.items()),
            key=lambda t: t[0],
        )
        if best[0] == 0:
            out.append(f"Across {len(record['scenarios'])} scenarios no unit of {city} changes its rank in category."
                       if en else f"{len(record['scenarios'])} 个方案下，{city}各单位的类别内名次均不变。")
        else:
            _, code, s = best
            r0, r1 = record["scenario_ranks"][code][ref], record["scenario_ranks"][code][s]
            name, lab, lab0 = _record_name(record, code, lang), labels.get(s, s), labels.get(ref, ref)
            out.append(f"Across {len(record['scenarios'])} scenarios the largest move among {city}'s units is {name}: "
                       f"rank {r0} under “{lab0}”, {r1} under “{lab}”."
                       if en else f"{len(record['scenarios'])} 个方案中，{city}所辖单位名次变化最大的是{name}：“{lab0}”下第 {r0} 位，“{lab}”下第 {r1} 位。")
    if "simulation" in record:
        sim = record["simulation"]
        worst = max(sim["units"].items(), key=lambda kv: (kv[1]["p_bottom"], kv[1]["nominal_rank_category"]))
        name, p = _record_name(record, worst[0], lang), worst[1]["p_bottom"]
        p_last = sim["p_city_last"]
        if en:
            last = (f"{city} was never the province's last city" if p_last <= 0
                    else f"{city} is the province's last city with probability {pct_text(p_last, lang)}")
            unit = (f"no unit of {city} finished in the bottom {k} of its category in any draw" if p <= 0
                    else f"its unit most at risk of a bottom-{k} finish is {name} ({pct_text(p, lang)})")
            out.append(f"Monte Carlo ({sim['n_draws']:,} draws, seed {sim['seed']}): {last}; {unit}.")
        else:
            last = f"{city}从未成为全省末位市" if p_last <= 0 else f"{city}成为全省末位市的概率为 {pct_text(p_last, lang)}"
            unit = (f"所辖单位在全部抽样中均未进入类别末 {k} 位" if p <= 0
                    else f"所辖单位中进入类别末 {k} 位概率最高的是{name}（{pct_text(p, lang)}）")
            out.append(f"蒙特卡洛模拟（{sim['n_draws']:,} 次，种子 {sim['seed']}）：{last}；{unit}。")
    if "bounds" in record:
        pct = spread_pct(record["spread"]) if record.get("spread") is not None else "?"
        at_risk = [_record_name(record, c, lang) for c, b in record["bounds"].items() if b["warning_possible"]]
        sep = ", " if en else "、"
        if en:
            s = (f"With every weight within ±{pct} %, the warning talk is possible for {sep.join(at_risk)}."
                 if at_risk else f"With every weight within ±{pct} %, no unit of {city} can fall into the bottom {k} of its category.")
        else:
            s = (f"各维度权重在 ±{pct}% 内变动时，可能被约谈的单位：{sep.join(at_risk)}。"
                 if at_risk else f"各维度权重在 ±{pct}% 内变动时，{city}没有单位可能进入类别末 {k} 位。")
        inside = record.get("box", {}).get("inside_bounds")
        if inside is not None:
            s += (" Every rank drawn by sampling the same box lies within these exact bounds." if inside
                  else " **Some sampled rank lies outside the exact bounds: please report this.**") if en else (
                  "在同一权重范围内抽样得到的排名全部落在精确范围之内。" if inside else "**有抽样排名超出精确范围，请报告此问题。**")
        out.append(s)
    return "\n".join(f"- {s}" for s in out)


def risk_rows(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per unit of the record's city, most at risk first: code, name_zh, name_en,
    category, n (units in its category), nominal rank in category, the simulated 5–95 %
    band, p_bottom, and (when the record has bounds) the exact best–worst rank within the
    weight box with warning_possible / warning_certain. Order: warning talk certain, then
    possible, then p_bottom, then the fewest places between the exact worst rank (else
    the nominal rank) and the warning-talk zone, then code. Needs ``simulation``."""
    sim = record["simulation"]["units"]
    bounds = record.get("bounds", {})
    rows = []
    for code, u in record["units"].items():
        s, b = sim[code], bounds.get(code)
        worst = b["worst_rank_category"] if b else s["nominal_rank_category"]
        rows.append({
            "code": code, "name_zh": u["name_zh"], "name_en": u["name_en"], "category": u["category"], "n": u["n_category"],
            "nominal": s["nominal_rank_category"], "band": _band(s["p05_rank_category"], s["p95_rank_category"]),
            "p_bottom": s["p_bottom"],
            "bounds": _band(b["best_rank_category"], b["worst_rank_category"]) if b else None,
            "warning_possible": b["warning_possible"] if b else None, "warning_certain": b["warning_certain"] if b else None,
            "_key": (not (b and b["warning_certain"]), not (b and b["warning_possible"]), -s["p_bottom"], u["n_category"] - worst, code),
        })  # fmt: skip
    rows.sort(key=lambda r: r["_key"])
    return [{k: v for k, v in r.items() if k != "_key"} for r in rows]


def _band(a: int, b: int) -> str:
    return f"{a}" if a == b else f"{a}–{b}"


def risk_table_html(record: Mapping[str, Any], fw: Framework, lang: str = "zh") -> str:
    """The home city's warning-talk risk as a reader's table (:func:`risk_rows`): unit,
    category, nominal rank "23/25", simulated 5–95 % band, P(bottom k) in per cent, and,
    with bounds, the exact best–worst rank within ±spread and whether the warning talk is
    possible / certain (是/否); a note defines them."""
    k, en = record["k"], lang == "en"
    sim = record["simulation"]
    has_bounds = "bounds" in record
    pct = spread_pct(record["spread"]) if record.get("spread") is not None else "?"
    rows = [{**r, "name": (r["name_en"] or r["name_zh"]) if en else r["name_zh"], "category": category_label(fw, r["category"], lang)}
            for r in risk_rows(record)]
    columns = [
        Column("name", stext("risk_unit", lang)),
        Column("category", stext("risk_category", lang)),
        Column("nominal", stext("risk_nominal", lang), "rank", of="n"),
        Column("band", stext("risk_band", lang)),
        Column("p_bottom", stext("risk_p_bottom", lang, k=k), "share"),
    ]
    if has_bounds:
        columns += [
            Column("bounds", stext("risk_bounds", lang, pct=pct)),
            Column("warning_possible", stext("risk_possible", lang), "flag"),
            Column("warning_certain", stext("risk_certain", lang), "flag"),
        ]
    city = (record.get("city_en") or record["city"]) if en else record["city"]
    caption = stext("risk_caption" if has_bounds else "risk_caption_sampled", lang, city=city, draws=f"{sim['n_draws']:,}", pct=pct)
    note = stext("risk_note", lang, k=k, pct=pct) if has_bounds else ""
    return table_html(rows, columns, caption, lang, note=note,
                      row_class=lambda r: "zx-flagged" if r.get("warning_certain") else ("zx-close" if r.get("warning_possible") else ""))
