"""Scores decided as published: rounding half away from zero, and decisions that floating-point noise cannot move.

Units are built to score *exactly* a grade threshold, or exactly the same total,
from many different indicator combinations (exact decimal arithmetic with
``fractions.Fraction`` proves the target is hit); the library must grade, rank
and flag them on the published total, whatever noise the float sum carries.
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from zhenxing.data import Dataset
from zhenxing.framework import framework_from_dict
from zhenxing.gap import county_gap
from zhenxing.montecarlo import simulate
from zhenxing.precision import format_published, mean_steps, published, to_steps
from zhenxing.scenarios import scenario_from_dict
from zhenxing.scoring import score_year

from .conftest import TINY_FRAMEWORK

# ---------------------------------------------------------------------------
# the rounding rule
# ---------------------------------------------------------------------------


def test_rounding_by_hand():
    # half away from zero on the decimal, not banker's rounding and not the binary value
    assert to_steps(62.745, 2) == 6275  # the float is 62.74499999999999744...
    assert to_steps(2.675, 2) == 268  # Python's round(2.675, 2) gives 2.67
    assert round(2.675, 2) == 2.67
    assert to_steps(0.125, 2) == 13 and round(0.125, 2) == 0.12  # banker's rounding would give 12
    assert to_steps(-0.005, 2) == -1
    assert to_steps(89.99999999999999, 2) == 9000
    assert to_steps(62.74999999999999, 2) == to_steps(62.75000000000001, 2) == 6275
    assert to_steps(79.994, 2) == 7999 and to_steps(79.995, 2) == 8000
    assert format_published(90 - 1e-14, 2) == "90.00"
    assert format_published(7.5, 0) == "8"
    assert published(np.array([1.005, 1.015, 1.025]), 2).tolist() == [1.01, 1.02, 1.03]


@given(st.integers(-10**9, 10**9), st.integers(0, 6), st.integers(0, 4))
def test_rounding_equals_decimal_half_up(units, given_decimals, decimals):
    # any decimal number with up to 6 places, as the float that parsing it gives
    text = str(Decimal(units).scaleb(-given_decimals))
    expected = int(Decimal(text).scaleb(decimals).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert to_steps(float(text), decimals) == expected


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_city_mean_is_the_published_mean_of_published_totals(steps):
    mean = mean_steps(np.array(steps), np.zeros(len(steps), dtype=int), 1)[0]
    exact = (Fraction(sum(steps), len(steps)) + Fraction(1, 2)).__floor__()
    assert mean == exact


# ---------------------------------------------------------------------------
# a framework whose points are exact decimals
# ---------------------------------------------------------------------------

# full points 10, 10, 20 | 30, 18, 12: indicator j earns P_j · x_j / 100 points for x_j in [0, 100] %
FULL = [Fraction(10), Fraction(10), Fraction(20), Fraction(30), Fraction(18), Fraction(12)]


def _framework(decimals: int = 2, k: int = 1):
    fw = copy.deepcopy(TINY_FRAMEWORK)
    ind = lambda i, w: {"id": f"i{i}", "name_zh": f"指标{i}", "name_en": f"Indicator {i}", "unit": "%", "direction": "higher",  # noqa: E731
                        "weight": w, "target": 100, "goalpost": 0, "source": "test"}
    fw["dimensions"] = [
        {"id": "d1", "name_zh": "维度一", "name_en": "One", "weight": 40, "indicators": [ind(1, 0.25), ind(2, 0.25), ind(3, 0.5)]},
        {"id": "d2", "name_zh": "维度二", "name_en": "Two", "weight": 60, "indicators": [ind(4, 0.5), ind(5, 0.3), ind(6, 0.2)]},
    ]
    fw["grades"] = [
        {"id": "good", "name_zh": "好", "name_en": "Good", "min_score": 90},
        {"id": "fair", "name_zh": "较好", "name_en": "Fairly good", "min_score": 82},
        {"id": "average", "name_zh": "一般", "name_en": "Average", "min_score": 0},
    ]
    fw["warning_talk"] = {"per_category": k, "last_city": True}
    fw["publication"] = {"decimals": decimals}
    return framework_from_dict(fw, "test framework")


def _dataset(fw, rows: list[tuple[str, str, str, list[str]]]) -> Dataset:
    """Units (code, city, category, values as decimal text for i1..i6) scored in 2023."""
    register = pd.DataFrame(
        {
            "code": [r[0] for r in rows], "name_zh": [r[0] for r in rows], "name_en": [r[0] for r in rows],
            "city": [r[1] for r in rows], "city_en": [r[1] for r in rows], "category": [r[2] for r in rows],
            "is_district": False, "joined": 2020,
        }
    )
    long = [(code, 2023, f"i{j + 1}", float(v)) for code, _, _, vals in rows for j, v in enumerate(vals)]
    long += [(code, 2023, adj, 0.0) for code, *_ in rows for adj in fw.adjustment_input_ids]
    values = pd.DataFrame(long, columns=["code", "year", "indicator", "value"])
    return Dataset(fw, register, values)


def _exact_total(vals: list[str]) -> Fraction:
    return sum(p * Fraction(v) / 100 for p, v in zip(FULL, vals))


def free_values(total: Fraction) -> st.SearchStrategy[list[int]]:
    """Five values (hundredths of a per cent) for i2..i6 that leave i1 (10 points) a value in [0, 100] %.

    They lose L points on their 90 full points; i1 must then lose ``loss - L``, at most 10:
    each value lies between ``1 - loss / 90`` and ``1 - (loss - 10) / 90`` of full marks.
    """
    loss = 100 - total
    lo = max(0, int(np.ceil(10_000 * float(1 - loss / 90))))
    hi = min(10_000, int(np.floor(10_000 * float(1 - (loss - 10) / 90))))
    return st.lists(st.integers(lo, hi), min_size=5, max_size=5)


def _hitting(total: Fraction, hundredths: list[int]) -> list[str] | None:
    """Values whose points add up to exactly ``total``, or None when i1 would leave [0, 100]."""
    rest = [str(Decimal(h).scaleb(-2)) for h in hundredths]
    need = total - sum(p * Fraction(v) / 100 for p, v in zip(FULL[1:], rest))
    x1 = need * 10  # i1 earns x1 / 10 points
    if not 0 <= x1 <= 100:
        return None
    vals = [str(Decimal(x1.numerator) / Decimal(x1.denominator))] + rest
    assert _exact_total(vals) == total  # exact decimal arithmetic
    return vals


FW2 = _framework()
CHECKS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@CHECKS
@given(st.sampled_from([Fraction(90), Fraction(82)]), st.data())
def test_a_unit_scoring_exactly_a_grade_threshold_gets_that_grade(threshold, data):
    vals = _hitting(threshold, data.draw(free_values(threshold)))
    assert vals is not None
    ds = _dataset(FW2, [("U", "X市", "a", vals), ("V", "Y市", "a", ["50"] * 6)])
    u = score_year(ds, 2023).units.set_index("code").loc["U"]
    assert u["total"] == float(threshold)
    assert u["grade"] == ("good" if threshold == 90 else "fair")
    assert u["total_exact"] == pytest.approx(float(threshold), abs=1e-9)


def test_the_threshold_examples_do_carry_noise():
    # the property above is not vacuous: many exact-90 combinations sum to a float just below 90
    rng = np.random.default_rng(5)
    below = tried = 0
    while tried < 200:
        vals = _hitting(Fraction(90), [int(h) for h in rng.integers(7000, 10_001, 5)])
        if vals is None:
            continue
        tried += 1
        ds = _dataset(FW2, [("U", "X市", "a", vals)])
        res = score_year(ds, 2023).units.iloc[0]
        below += res["total_exact"] < 90
        assert res["grade"] == "good"
    assert below >= 10


@CHECKS
@given(st.integers(5000, 9500), st.data())
def test_equal_totals_through_different_indicators_share_rank_and_flag(total_hundredths, data):
    # two units losing exactly the same points through different indicators tie at the warning line:
    # with one unit per category summoned, both are flagged; the unit above them is not
    total = Fraction(total_hundredths, 100)
    va, vb = _hitting(total, data.draw(free_values(total))), _hitting(total, data.draw(free_values(total)))
    assume(va != vb)
    ds = _dataset(FW2, [("A", "X市", "a", va), ("B", "Y市", "a", vb), ("H", "Z市", "a", ["100"] * 6)])
    units = score_year(ds, 2023).units.set_index("code")
    assert units.loc["A", "total"] == units.loc["B", "total"] == float(total)
    assert units.loc["A", "rank_category"] == units.loc["B", "rank_category"] == 2
    assert units.loc["A", "warning_talk"] and units.loc["B", "warning_talk"]
    assert not units.loc["H", "warning_talk"]
    assert units.loc["A", "margin_bottom"] == units.loc["B", "margin_bottom"] == 0.0


def _tied_league():
    """Category a: H 100; A and B exactly 62.75 through different indicators; L 40. Two summoned per category.

    Cities: X (H, L: mean 70.00), Y (A, plus C 77.25: mean 70.00), Z (B, plus D 100: 81.375 → 81.38).
    """
    va = _hitting(Fraction(6275, 100), [9000, 6000, 4000, 8000, 5000])
    vb = _hitting(Fraction(6275, 100), [2000, 7000, 7000, 5500, 6500])
    vc = _hitting(Fraction(7725, 100), [9000, 9000, 8000, 9000, 7000])
    assert None not in (va, vb, vc) and va != vb
    fw = _framework(k=2)
    rows = [("H", "X市", "a", ["100"] * 6), ("L", "X市", "a", ["40"] * 6), ("A", "Y市", "a", va), ("B", "Z市", "a", vb),
            ("C", "Y市", "b", vc), ("D", "Z市", "b", ["100"] * 6)]
    return _dataset(fw, rows)


def test_tie_at_the_warning_line_flags_every_tied_unit_and_two_cities_tie_for_last():
    ds = _tied_league()
    res = score_year(ds, 2023)
    u = res.units.set_index("code")
    # L is last; A and B share the second-lowest place, so fewer than 2 units score below each: all three summoned
    assert u.loc[["A", "B"], "total"].tolist() == [62.75, 62.75]
    assert u.loc[["H", "A", "B", "L"], "rank_category"].tolist() == [1, 2, 2, 4]
    assert u.loc[["A", "B", "L"], "warning_talk"].all() and not u.loc["H", "warning_talk"]
    c = res.cities.set_index("city")
    assert c.loc["X市", "score"] == c.loc["Y市", "score"] == 70.0
    assert c.loc["Z市", "score"] == 81.38  # 81.375 rounded half away from zero
    assert c.loc[["X市", "Y市"], "last"].all() and not c.loc["Z市", "last"]
    assert c.loc["X市", "rank"] == c.loc["Y市", "rank"] == 2


def test_gap_and_simulation_decide_ties_as_the_nominal_score_does():
    ds = _tied_league()
    res = score_year(ds, 2023)
    g = county_gap(ds, "A", 2023, result=res)
    # A is in the bottom two, tied with B at 62.75: it must be published above 62.75, i.e. gain more than 0
    assert g.standing.warning_talk and g.standing.points_to_leave_bottom == 0.0
    assert g.path.goal_met and g.path.rescored_total == 62.76
    # a simulation without uncertainty reproduces the nominal ranks, flags and the two last cities in every draw
    sc = scenario_from_dict({"name_zh": "无", "name_en": "none", "uncertainty": {}}, ds.framework)
    sim = simulate(ds, 2023, sc, n_draws=50, seed=1)
    s = sim.units.set_index("code")
    assert s.loc[["A", "B", "L"], "p_bottom"].tolist() == [1.0, 1.0, 1.0] and s.loc["H", "p_bottom"] == 0.0
    assert s.loc[["A", "B"], "median_rank_category"].tolist() == [2, 2]
    assert sim.cities.set_index("city").loc[["X市", "Y市", "Z市"], "p_last"].tolist() == [1.0, 1.0, 0.0]


def test_risk_levels_by_hand():
    # category a: H 100, A and B 62.75 (tied at the line), L 40: three flagged, H safe unless the rule reaches it
    ds = _tied_league()
    u = score_year(ds, 2023).units.set_index("code")
    assert u.loc[["A", "B", "L"], "risk"].tolist() == ["flagged"] * 3
    # H: 3 units below it, quota 2 + ranks 2 = 4 -> close by ranks although 37.25 points above the line
    assert u.loc["H", "risk"] == "close"
    import dataclasses

    fw = ds.framework
    strict = fw.model_copy(update={"warning_talk": fw.warning_talk.model_copy(update={"close": fw.warning_talk.close.model_copy(update={"ranks": 0, "points": 37.25})})})
    u2 = score_year(dataclasses.replace(ds, framework=strict), 2023).units.set_index("code")
    assert u2.loc["H", "risk"] == "close"  # exactly 37.25 above the line as published: at most `points`
    stricter = strict.model_copy(update={"warning_talk": strict.warning_talk.model_copy(update={"close": strict.warning_talk.close.model_copy(update={"points": 37.24})})})
    u3 = score_year(dataclasses.replace(ds, framework=stricter), 2023).units.set_index("code")
    assert u3.loc["H", "risk"] == "safe"


def test_cheapest_path_makes_up_deductions_below_the_floor():
    # A earns nothing and loses 2 points to deductions: total max(0, -2) = 0. To be published above the
    # rival's 1.00 it must gain 2 + 1.005 (+ the margin) exact points, not 1.005
    fw = _framework()
    ds = _dataset(fw, [("A", "X市", "a", ["0"] * 6), ("V", "Y市", "a", ["10", "0", "0", "0", "0", "0"])])
    values = ds.values.copy()
    values.loc[(values["code"] == "A") & (values["indicator"] == "cases"), "value"] = 4.0  # 4 cases at 0.5 points
    ds = Dataset(fw, ds.register, values)
    res = score_year(ds, 2023)
    assert res.units.set_index("code").loc[["A", "V"], "total"].tolist() == [0.0, 1.0]
    path = county_gap(ds, "A", 2023, result=res).path
    assert path.goal == "leave_bottom" and path.feasible and path.goal_met
    assert path.steps["points_gained"].sum() == pytest.approx(3.005 + 1e-4, abs=1e-6)
    assert path.rescored_total == 1.01


def test_rank_bounds_flag_ties_at_the_line_as_the_warning_talk_rule_does():
    # A and B are tied at 62.75 in the bottom two of category a for every weight vector near the nominal one
    from zhenxing.robustness import rank_bounds_table

    ds = _tied_league()
    nominal = score_year(ds, 2023).units.set_index("code")
    table = rank_bounds_table(ds, 2023, 0.0001).set_index("code")
    for code in ("A", "B", "L"):
        assert nominal.loc[code, "warning_talk"]
        assert table.loc[code, "warning_possible"] and table.loc[code, "warning_certain"], code
    assert not table.loc["H", "warning_possible"]
