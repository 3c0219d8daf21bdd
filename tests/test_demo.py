"""The synthetic demo province and the default framework."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zhenxing.demo import (
    DEFAULT_SEED,
    HOME_CITY,
    REGISTER_COLUMNS,
    REGISTER_FILE,
    VALUES_COLUMNS,
    VALUES_FILE,
    YTD_COLUMNS,
    YTD_FILE,
    YTD_INDICATORS,
    generate_demo,
    generate_demo_ytd,
    planted_outliers,
    write_demo,
)
from zhenxing.framework import Framework, framework_from_dict, load_framework

from .conftest import tiny_framework_dict

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORK = ROOT / "params" / "framework.yaml"
RAW = ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def fw() -> Framework:
    return load_framework(FRAMEWORK)


@pytest.fixture(scope="module")
def demo(fw: Framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_demo(fw, DEFAULT_SEED)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_demo(tmp_path_factory.mktemp("demo"), FRAMEWORK, DEFAULT_SEED)


# ---- framework ---------------------------------------------------------------


def test_framework_loads_with_expected_shape(fw: Framework) -> None:
    assert 30 <= len(fw.indicators) <= 40
    assert fw.dimension_ids == ["industry", "ecology", "civility", "governance", "prosperity", "poverty", "reform", "priorities"]
    assert fw.dimension_weights.sum() == 100.0
    assert sum(d.weight for d in fw.dimensions if d.pillar) == 65.0
    assert [d.id for d in fw.dimensions if d.pillar] == ["industry", "ecology", "civility", "governance", "prosperity"]
    for dim in fw.dimensions:
        assert 3 <= len(dim.indicators) <= 6
        assert sum(i.weight for i in dim.indicators) == 1.0  # exactly, in floating point
    assert fw.category_ids == ["pilot", "normal", "key"]
    assert sorted(g.min_score for g in fw.grades) == [0, 82, 90]
    assert fw.warning_talk.per_category == 2 and fw.warning_talk.last_city
    assert fw.adjustments.bonus.cap == 5


def test_framework_targets_follow_national_figures(fw: Framework) -> None:
    normal = fw.category_ids.index("normal")
    t = dict(zip(fw.indicator_ids, fw.targets[normal]))
    assert t["rural_income"] == 21691  # national statistics communique 2023
    assert t["income_ratio"] == 2.39
    assert t["tap_water"] == 90
    assert t["manure_use"] == 78
    assert t["processing_ratio"] == 2.5
    assert {i.id for i in fw.indicators if i.direction == "lower"} >= {"engel_coefficient", "income_ratio", "fertiliser_intensity"}
    for ind in fw.indicators:
        assert ind.source.strip(), ind.id


def test_framework_pilot_at_least_as_strict_as_normal_and_normal_as_key(fw: Framework) -> None:
    p, n, k = (fw.category_ids.index(c) for c in ("pilot", "normal", "key"))
    sign = np.where(fw.higher_is_better, 1.0, -1.0)
    t = fw.targets * sign
    assert (t[p] >= t[n]).all() and (t[n] >= t[k]).all()


# ---- determinism and committed files ------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path, written: list[Path]) -> None:
    again = write_demo(tmp_path, FRAMEWORK, DEFAULT_SEED)
    assert [p.name for p in again] == [REGISTER_FILE, VALUES_FILE, YTD_FILE]
    for a, b in zip(written, again):
        assert a.read_bytes() == b.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporary file left


def test_other_seed_gives_other_values(fw: Framework, demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, other = generate_demo(fw, DEFAULT_SEED + 1)
    assert not demo[1]["value"].equals(other["value"])


def test_committed_files_are_the_generator_output(written: list[Path]) -> None:
    for path in written:
        committed = RAW / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale: regenerate with write_demo('data/raw')"


def test_csv_format(written: list[Path]) -> None:
    reg_bytes, val_bytes, ytd_bytes = (p.read_bytes() for p in written)
    for data in (reg_bytes, val_bytes, ytd_bytes):
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and data.endswith(b"\n")
    assert reg_bytes.decode("utf-8").split("\n", 1)[0] == ",".join(REGISTER_COLUMNS)
    assert val_bytes.decode("utf-8").split("\n", 1)[0] == ",".join(VALUES_COLUMNS)
    assert ytd_bytes.decode("utf-8").split("\n", 1)[0] == ",".join(YTD_COLUMNS)


def test_written_values_match_generated(written: list[Path], demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reg, vals = demo
    back = pd.read_csv(io.BytesIO(written[1].read_bytes()), dtype={"code": str})
    assert len(back) == len(vals)
    assert np.allclose(back["value"].to_numpy(float), vals["value"].to_numpy(float), equal_nan=True)
    back_reg = pd.read_csv(io.BytesIO(written[0].read_bytes()), dtype={"code": str})
    assert back_reg["code"].tolist() == reg["code"].tolist()


# ---- register ------------------------------------------------------------------


def test_register_shape(demo: tuple[pd.DataFrame, pd.DataFrame], fw: Framework) -> None:
    reg, _ = demo
    assert list(reg.columns) == REGISTER_COLUMNS
    assert 95 <= len(reg) <= 105
    assert reg["city"].nunique() == 16
    assert reg["code"].is_unique and reg["name_zh"].is_unique and reg["name_en"].is_unique
    assert reg["code"].str.fullmatch(r"99\d{4}").all()
    assert reg["code"].tolist() == sorted(reg["code"])
    assert reg["name_zh"].str[-1].isin(["区", "县", "市"]).all()
    assert ((reg["name_zh"].str[-1] == "区") == (reg["is_district"] == 1)).all()
    assert set(reg["category"]) == set(fw.category_ids)
    assert set(reg["is_district"]) == {0, 1}
    assert (reg["joined"] <= 2021).mean() > 0.9


def test_home_city(demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reg, _ = demo
    home = reg[reg["city"] == HOME_CITY]
    assert HOME_CITY == "青岚市"
    assert reg["city"].iloc[0] == HOME_CITY  # listed first
    assert len(home) == 7
    assert set(home["category"]) == {"pilot", "normal", "key"}


def test_categories_follow_development(demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reg, _ = demo
    counts = reg["category"].value_counts()
    assert 20 <= counts["pilot"] <= 30 and 20 <= counts["key"] <= 30 and 40 <= counts["normal"] <= 60


# ---- values --------------------------------------------------------------------


def test_values_layout(demo: tuple[pd.DataFrame, pd.DataFrame], fw: Framework) -> None:
    reg, vals = demo
    assert list(vals.columns) == VALUES_COLUMNS
    ids = fw.indicator_ids + fw.adjustment_input_ids
    assert set(vals["year"]) == {2022, 2023}
    per_unit_year = vals.groupby(["code", "year"], sort=False)["indicator"].apply(list)
    assert all(v == ids for v in per_unit_year)  # every id once, in framework order
    key = list(zip(vals["code"], vals["year"]))
    assert key == sorted(key)
    joined = reg.set_index("code")["joined"]
    assert (joined.loc[vals["code"]].to_numpy() <= vals["year"].to_numpy()).all()
    n_rows = sum(len(ids) * sum(1 for y in (2022, 2023) if j <= y) for j in reg["joined"])
    assert len(vals) == n_rows


def test_some_units_join_in_2023(demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reg, vals = demo
    late = reg.loc[reg["joined"] == 2023, "code"]
    assert 2 <= len(late) <= 6
    assert (reg.loc[reg["joined"] == 2023, "is_district"] == 1).all()
    assert not vals[(vals["year"] == 2022) & vals["code"].isin(late)].size
    assert vals[(vals["year"] == 2023) & vals["code"].isin(late)].size


def test_every_value_within_valid_range(demo: tuple[pd.DataFrame, pd.DataFrame], fw: Framework) -> None:
    _, vals = demo
    for ind in fw.indicators:
        v = vals.loc[vals["indicator"] == ind.id, "value"].dropna()
        lo, hi = ind.valid_range
        assert ((v >= lo) & (v <= hi)).all(), ind.id
    adj = vals[vals["indicator"].isin(fw.adjustment_input_ids)]
    assert adj["value"].notna().all()
    assert (adj["value"] >= 0).all() and (adj["value"] == adj["value"].round()).all()


def test_rounding(demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, vals = demo
    income = vals.loc[vals["indicator"] == "rural_income", "value"].dropna()
    assert (income == income.round()).all()
    pct = vals.loc[vals["indicator"] == "sewage_treatment", "value"].dropna()
    assert np.allclose(pct, pct.round(1))


def test_missing_share(demo: tuple[pd.DataFrame, pd.DataFrame], fw: Framework) -> None:
    _, vals = demo
    ind = vals[vals["indicator"].isin(fw.indicator_ids)]
    share = ind["value"].isna().mean()
    assert 0.001 <= share <= 0.02


def _median(vals: pd.DataFrame, reg: pd.DataFrame, indicator: str, year: int, category: str | None = None) -> float:
    v = vals[(vals["indicator"] == indicator) & (vals["year"] == year)]
    if category is not None:
        v = v[v["code"].isin(reg.loc[reg["category"] == category, "code"])]
    return float(v["value"].median())


def test_pilot_ahead_of_normal_ahead_of_key(demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reg, vals = demo
    for indicator, sign in (("rural_income", 1), ("sewage_treatment", 1), ("income_ratio", -1), ("engel_coefficient", -1)):
        p, n, k = (sign * _median(vals, reg, indicator, 2023, c) for c in ("pilot", "normal", "key"))
        assert p > n > k, indicator


def test_normal_zone_near_national_level(demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reg, vals = demo
    assert 19000 <= _median(vals, reg, "rural_income", 2023, "normal") <= 24500  # national 2023: 21,691 yuan
    assert 82 <= _median(vals, reg, "tap_water", 2023, "normal") <= 95  # national 2023: 90 %


def test_progress_from_2022_to_2023(demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reg, vals = demo
    r22, r23 = _median(vals, reg, "rural_income", 2022), _median(vals, reg, "rural_income", 2023)
    assert r22 < r23 < r22 * 1.15
    assert _median(vals, reg, "sewage_treatment", 2022) < _median(vals, reg, "sewage_treatment", 2023)
    assert _median(vals, reg, "fertiliser_intensity", 2022) > _median(vals, reg, "fertiliser_intensity", 2023)


def test_indicators_correlate_through_the_latent_level(demo: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, vals = demo
    wide = vals[vals["year"] == 2023].pivot(index="code", columns="indicator", values="value")
    assert wide["rural_income"].corr(wide["sanitary_toilets"]) > 0.3
    assert wide["rural_income"].corr(wide["income_ratio"]) < -0.3


def test_adjustment_inputs(demo: tuple[pd.DataFrame, pd.DataFrame], fw: Framework) -> None:
    reg, vals = demo
    adj = vals[vals["indicator"].isin(fw.adjustment_input_ids)]
    assert (adj["value"] == 0).mean() > 0.8
    bonus_ids = [b.id for b in fw.adjustments.bonus.items]
    assert (adj[adj["indicator"].isin(bonus_ids)]["value"] > 0).sum() >= 5
    returns = adj[adj["indicator"] == "return_to_poverty"]
    assert ((returns["value"] > 0) & (returns["value"] < 10)).sum() >= 5
    vetoed = set()
    for veto in fw.adjustments.vetoes:
        hit = adj[(adj["indicator"] == veto.input) & (adj["value"] >= veto.threshold)]
        vetoed |= set(zip(hit["code"], hit["year"]))
    assert len(vetoed) == 1
    (code, year), = vetoed
    assert year == 2023
    assert reg.set_index("code").loc[code, "city"] != HOME_CITY


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_invariants_hold_for_other_seeds(fw: Framework, seed: int) -> None:
    reg, vals = generate_demo(fw, seed)
    assert len(reg[reg["city"] == HOME_CITY]) == 7 and reg["name_zh"].is_unique
    for ind in fw.indicators:
        v = vals.loc[vals["indicator"] == ind.id, "value"].dropna()
        lo, hi = ind.valid_range
        assert ((v >= lo) & (v <= hi)).all(), ind.id
    assert not math.isnan(_median(vals, reg, "rural_income", 2023))


def test_works_for_any_framework() -> None:
    """Indicators and categories the generator does not know get sensible values."""
    tiny = framework_from_dict(tiny_framework_dict())
    reg, vals = generate_demo(tiny, 5)
    assert set(reg["category"]) == set(tiny.category_ids)
    assert set(vals["indicator"]) == set(tiny.indicator_ids + tiny.adjustment_input_ids)
    for ind in tiny.indicators:
        v = vals.loc[vals["indicator"] == ind.id, "value"].dropna()
        lo, hi = ind.valid_range
        assert len(v) and ((v >= lo) & (v <= hi)).all(), ind.id


# ---- year-to-date values (schedule progress) -------------------------------------


@pytest.fixture(scope="module")
def ytd(fw: Framework, demo: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return generate_demo_ytd(fw, *demo, seed=DEFAULT_SEED)


def test_ytd_file_is_the_generator_output_and_committed(tmp_path: Path, written: list[Path], ytd: pd.DataFrame) -> None:
    path = written[2]
    assert path.name == YTD_FILE
    again = write_demo(tmp_path, FRAMEWORK, DEFAULT_SEED)[2]
    assert again.read_bytes() == path.read_bytes()  # byte-identical on regeneration
    assert (RAW / YTD_FILE).read_bytes() == path.read_bytes(), f"{RAW / YTD_FILE} is stale: regenerate with write_demo('data/raw')"
    back = pd.read_csv(io.BytesIO(path.read_bytes()), dtype={"code": str})
    assert list(back.columns) == YTD_COLUMNS
    assert back[["code", "indicator", "year", "month"]].equals(ytd[["code", "indicator", "year", "month"]])
    np.testing.assert_array_equal(back["value"].to_numpy(float), ytd["value"].to_numpy(float))
    income = path.read_text(encoding="utf-8").splitlines()
    assert any(",rural_income,2023,9," in line and "." not in line.rsplit(",", 1)[1] for line in income)  # 元, no decimals


def test_ytd_has_its_own_random_stream(fw: Framework, demo: tuple[pd.DataFrame, pd.DataFrame], ytd: pd.DataFrame) -> None:
    reg, vals = demo
    again_reg, again_vals = generate_demo(fw, DEFAULT_SEED)  # generating the YTD values changed nothing
    assert again_reg.equals(reg) and again_vals.equals(vals)
    other = generate_demo_ytd(fw, reg, vals, seed=DEFAULT_SEED + 1)
    assert other[["code", "indicator"]].equals(ytd[["code", "indicator"]]) and not other["value"].equals(ytd["value"])


def test_ytd_rows_and_ranges(fw: Framework, demo: tuple[pd.DataFrame, pd.DataFrame], ytd: pd.DataFrame) -> None:
    reg, vals = demo
    home = reg[(reg["city"] == HOME_CITY) & (reg["joined"] <= 2023)]
    assert sorted(set(ytd["code"])) == sorted(home["code"])
    assert set(ytd["indicator"]) == set(YTD_INDICATORS) and 6 <= len(YTD_INDICATORS) <= 10
    assert set(ytd["year"]) == {2023} and set(ytd["month"]) == {9}
    assert not ytd.duplicated(["code", "indicator"]).any() and ytd["value"].notna().all()
    key = list(zip(ytd["code"], ytd["indicator"].map(fw.indicator_ids.index)))
    assert key == sorted(key)
    wide = vals[vals["indicator"].isin(YTD_INDICATORS)].pivot(index=["code", "indicator"], columns="year", values="value")
    for rec in ytd.itertuples():
        lo, hi = fw.indicator_by_id[rec.indicator].valid_range
        assert lo <= rec.value <= hi, rec
        x0, x1 = wide.loc[(rec.code, rec.indicator)].get(2022, np.nan), wide.loc[(rec.code, rec.indicator), 2023]
        assert not np.isnan(x1)
        if not np.isnan(x0):  # between last year's value and the final value (up to rounding)
            tol = 0.5 * 10.0 ** -1 if rec.indicator != "rural_income" else 0.5
            assert min(x0, x1) - tol <= rec.value <= max(x0, x1) + tol, rec


def test_ytd_gives_units_ahead_of_and_behind_the_calendar(fw: Framework) -> None:
    from zhenxing.data import load_dataset
    from zhenxing.gap import county_gap, load_ytd, schedule_table
    from zhenxing.scoring import score_year

    ds = load_dataset(fw, RAW / REGISTER_FILE, RAW / VALUES_FILE)
    table = load_ytd(RAW / YTD_FILE, ds)
    result = score_year(ds, 2023)
    status = pd.concat(
        [schedule_table(county_gap(ds, c, 2023, result=result), ds, table) for c in sorted(set(table["code"]))]
    )["status"].value_counts()
    assert status.get("ahead", 0) >= 1 and status.get("behind", 0) >= 1, status.to_dict()
    assert status.get("met", 0) >= 1 and status.get("unknown", 0) >= 1  # 青湖区 has no 2022 values


@pytest.mark.parametrize("seed", [1, 2])
def test_ytd_invariants_hold_for_other_seeds_and_any_framework(fw: Framework, seed: int) -> None:
    reg, vals = generate_demo(fw, seed)
    y = generate_demo_ytd(fw, reg, vals, seed=seed, month=6)
    assert set(y["month"]) == {6} and len(y) > 0
    for rec in y.itertuples():
        lo, hi = fw.indicator_by_id[rec.indicator].valid_range
        assert lo <= rec.value <= hi
    tiny = framework_from_dict(tiny_framework_dict())
    treg, tvals = generate_demo(tiny, seed)
    ty = generate_demo_ytd(tiny, treg, tvals, seed=seed)
    assert len(ty) and set(ty["indicator"]) <= set(tiny.indicator_ids)
    with pytest.raises(ValueError):
        generate_demo_ytd(fw, reg, vals, month=13)


# ---- more years ----------------------------------------------------------------

PANEL = range(2019, 2024)


@pytest.fixture(scope="module")
def panel(fw: Framework) -> tuple[pd.DataFrame, pd.DataFrame]:
    return generate_demo(fw, DEFAULT_SEED, years=PANEL)


def test_more_years_leave_2022_and_2023_unchanged(panel, demo) -> None:
    reg, vals = panel
    pd.testing.assert_frame_equal(reg, demo[0])
    core = vals[vals["year"] >= 2022].reset_index(drop=True)
    pd.testing.assert_frame_equal(core, demo[1].reset_index(drop=True))
    assert sorted(vals["year"].unique()) == list(PANEL)
    # units joining in 2021 or 2023 have no rows before, the others one row per input and year
    joined = reg.set_index("code")["joined"]
    rows = vals.groupby(["code", "year"]).size()
    for (code, year), count in rows.items():
        assert joined[code] <= year
        assert count == len(vals["indicator"].unique())
    assert len(rows) == sum(sum(1 for y in PANEL if j <= y) for j in joined)


def test_more_years_progress_backwards_and_stay_in_range(fw: Framework, panel) -> None:
    _, vals = panel
    med = vals.groupby(["indicator", "year"])["value"].median().unstack()
    # a slow-moving indicator improves year by year on the median; income grows
    assert (med.loc["sewage_treatment"].diff().dropna() > 0).all()
    assert (med.loc["rural_income"].diff().dropna() > 0).all()
    for ind in fw.indicators:
        lo, hi = ind.valid_range
        v = vals.loc[vals["indicator"] == ind.id, "value"].dropna()
        assert ((v >= lo) & (v <= hi)).all(), ind.id
    assert 0.002 < vals["value"].isna().mean() < 0.008


def test_planted_outliers_are_listed_with_their_clean_value(fw: Framework, panel) -> None:
    _, vals = panel
    planted = planted_outliers(fw, DEFAULT_SEED, years=PANEL)
    assert set(planted["year"]) == set(PANEL)
    assert 0.002 < len(planted) / vals["value"].notna().sum() < 0.004
    written = vals.set_index(["code", "indicator", "year"])["value"]
    for r in planted.itertuples():
        assert written[(r.code, r.indicator, r.year)] == r.value
        assert r.value != r.clean_value
    # the default demo's outliers are the same cells whatever range is asked for
    core = planted_outliers(fw, DEFAULT_SEED)
    pd.testing.assert_frame_equal(planted[planted["year"] >= 2022].reset_index(drop=True), core)


def test_a_five_year_panel_scores_and_gap_analyses_every_year(fw: Framework, tmp_path: Path) -> None:
    from zhenxing.data import load_dataset
    from zhenxing.gap import county_gap
    from zhenxing.scoring import score_year

    paths = write_demo(tmp_path, FRAMEWORK, DEFAULT_SEED, years=PANEL)
    ds = load_dataset(fw, paths[0], paths[1])
    assert ds.years == list(PANEL)
    means = []
    for year in PANEL:
        r = score_year(ds, year)
        assert r.units["warning_talk"].sum() >= 2 * len(fw.categories)
        means.append(r.units["total"].mean())
        g = county_gap(ds, "990123", year, result=r)
        assert g.year == year and len(g.indicators) == len(fw.indicators)
    assert means == sorted(means)  # the province improves every year
    ytd = pd.read_csv(paths[2])
    assert set(ytd["year"]) == {2023}


def test_demo_command_writes_more_years_and_refuses_bad_ranges(tmp_path: Path) -> None:
    from zhenxing.cli import main

    assert main(["demo", "--years", "2020-2023", "--out", str(tmp_path)]) == 0
    vals = pd.read_csv(tmp_path / VALUES_FILE)
    assert sorted(vals["year"].unique()) == [2020, 2021, 2022, 2023]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for bad in ("2019-2021", "2015-2023", "2023-2019", "twenty"):
        assert main(["demo", "--years", bad, "--out", str(tmp_path)]) == 2
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# ---- any size ------------------------------------------------------------------

from zhenxing.demo import MAX_UNITS, MIN_UNITS, n_cities  # noqa: E402


@pytest.fixture(scope="module", params=[400, 2800])
def sized(request, fw: Framework) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    reg, vals = generate_demo(fw, DEFAULT_SEED, units=request.param)
    return request.param, reg, vals


def test_cities_in_proportion() -> None:
    # 16 per 100 units, rounded: worked by hand
    assert [n_cities(n) for n in (30, 100, 400, 1600, 2800, 3000)] == [5, 16, 64, 256, 448, 480]
    for n in range(MIN_UNITS, MAX_UNITS + 1):  # every size: the other cities average 5-8 units
        assert 5 <= (n - 7) / (n_cities(n) - 1) <= 8, n


def test_the_default_size_is_the_committed_demo(fw: Framework, demo) -> None:
    reg, vals = generate_demo(fw, DEFAULT_SEED, units=100)
    pd.testing.assert_frame_equal(reg, demo[0])
    pd.testing.assert_frame_equal(vals, demo[1])


def test_a_province_of_any_size(sized, fw: Framework) -> None:
    n, reg, vals = sized
    assert len(reg) == n and list(reg.columns) == REGISTER_COLUMNS
    assert reg["city"].nunique() == n_cities(n) == round(n / 6.25)
    assert reg["code"].is_unique and reg["name_zh"].is_unique and reg["name_en"].is_unique
    assert reg["name_en"].str.lower().is_unique and reg.drop_duplicates("city")["city"].is_unique
    pattern = r"99\d{4}" if n_cities(n) <= 99 else r"9\d{5}"
    assert reg["code"].str.fullmatch(pattern).all() and reg["code"].tolist() == sorted(reg["code"])
    sizes = reg[reg["city"] != HOME_CITY].groupby("city").size()
    assert sizes.between(5, 8).all()
    home = reg[reg["city"] == HOME_CITY]
    assert len(home) == 7 and set(home["name_zh"]) == {"岚城区", "青湖区", "柘桥县", "枫岭县", "芦源县", "檀口县", "澄汀市"}
    # the city's units share its code prefix (99CC or 9CCC), and no two cities share one
    prefix = reg["code"].str[:4]
    assert (reg.groupby(prefix)["city"].nunique() == 1).all() and prefix.nunique() == n_cities(n)
    shares = reg["category"].value_counts() / n
    assert shares["pilot"] == pytest.approx(0.25, abs=0.01) and shares["normal"] == pytest.approx(0.5, abs=0.01)
    late = reg[(reg["joined"] == 2023) & (reg["city"] != HOME_CITY)]  # (and the home city's 青湖区)
    assert len(late) == round(3 * (n - 7) / 93) and (late["is_district"] == 1).all()
    assert 0.04 < (reg["joined"] == 2021).mean() < 0.12
    ind = vals[vals["indicator"].isin(fw.indicator_ids)]
    assert 0.003 < ind["value"].isna().mean() < 0.007
    for j in fw.indicators:
        v = vals.loc[vals["indicator"] == j.id, "value"].dropna()
        lo, hi = j.valid_range
        assert ((v >= lo) & (v <= hi)).all(), j.id
    veto = fw.adjustments.vetoes[0]
    hit = vals[(vals["indicator"] == veto.input) & (vals["value"] >= veto.threshold)]
    assert len(hit) == round(n / 100) and set(hit["year"]) == {2023}
    assert not reg.set_index("code").loc[hit["code"], "city"].eq(HOME_CITY).any()


def test_large_provinces_use_the_larger_syllable_table_and_avoid_real_places(sized) -> None:
    from zhenxing.demo import _MORE_SYLLABLES, _REAL_PLACE_PINYIN, _REAL_PLACE_PINYIN_MORE, _SYLLABLES

    n, reg, _ = sized
    large = n + n_cities(n) > 1000  # names needed: more than the first table gives quickly
    stems = pd.concat([reg["name_en"].str.split().str[0], reg["city_en"]]).str.lower()
    assert not set(stems) & (_REAL_PLACE_PINYIN | (_REAL_PLACE_PINYIN_MORE if large else frozenset()))
    extra = {zh for zh, _ in _MORE_SYLLABLES}
    uses_extra = reg["name_zh"].str[:2].map(lambda s: bool(set(s) & extra))
    assert uses_extra.any() == large and (not large or uses_extra.mean() > 0.5)
    every = {zh for zh, _ in _SYLLABLES + _MORE_SYLLABLES}
    assert reg["name_zh"].str[:2].map(lambda s: set(s) <= every).sum() >= n - 7  # two table syllables and a suffix


def test_a_size_is_reproducible_from_the_seed(fw: Framework, tmp_path: Path) -> None:
    a = write_demo(tmp_path / "a", FRAMEWORK, DEFAULT_SEED, units=400)
    b = write_demo(tmp_path / "b", FRAMEWORK, DEFAULT_SEED, units=400)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    other = generate_demo(fw, DEFAULT_SEED + 1, units=400)[0]
    assert not other["name_zh"].equals(pd.read_csv(a[0], dtype={"code": str})["name_zh"])
    planted = planted_outliers(fw, DEFAULT_SEED, units=400)
    cells = 37 * sum(sum(1 for y in (2022, 2023) if j <= y) for j in pd.read_csv(a[0])["joined"])
    assert 0.002 < len(planted) / cells < 0.004


def test_a_large_province_loads_and_scores(sized, fw: Framework, tmp_path: Path) -> None:
    from zhenxing.data import load_dataset
    from zhenxing.scoring import score_year

    n, reg, vals = sized
    paths = write_demo(tmp_path, FRAMEWORK, DEFAULT_SEED, units=n)
    ds = load_dataset(fw, paths[0], paths[1])
    assert ds.years == [2022, 2023]
    r = score_year(ds, 2023)
    assert len(r.units) == n and len(r.cities) == n_cities(n)
    assert r.units["warning_talk"].sum() >= 2 * len(fw.categories)
    assert int(r.units["veto"].sum()) == round(n / 100)
    assert r.units.loc[r.units["category"] == "pilot", "total_exact"].median() > r.units.loc[r.units["category"] == "key", "total_exact"].median()


def test_bad_sizes_are_refused(fw: Framework, tmp_path: Path, capsys) -> None:
    from zhenxing.cli import main

    for bad in (MIN_UNITS - 1, MAX_UNITS + 1, 2.5, True, "100"):
        with pytest.raises(ValueError):
            generate_demo(fw, DEFAULT_SEED, units=bad)
    assert main(["demo", "--units", "400", "--out", str(tmp_path)]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert len(pd.read_csv(tmp_path / REGISTER_FILE)) == 400
    capsys.readouterr()
    for bad in ("29", "3001", "many", "2.5", "-100", ""):
        assert main(["demo", "--units", bad, "--out", str(tmp_path)]) == 2, bad
        err = capsys.readouterr().err
        assert "--units" in err and "30 to 3000" in err and "Traceback" not in err, err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert main(["demo", "--units", "29", "--out", str(tmp_path / "new")]) == 2
    assert not (tmp_path / "new").exists()
