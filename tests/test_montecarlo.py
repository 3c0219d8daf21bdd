"""Monte Carlo: analytic cases, agreement with the plain pandas path, and reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from zhenxing.data import load_dataset
from zhenxing.framework import load_framework
from zhenxing.montecarlo import reference_simulate, simulate
from zhenxing.scenarios import load_scenarios, scenario_from_dict

from .conftest import ROOT

REGISTER = """code,name_zh,name_en,city,city_en,category,is_district,joined
A1,甲一县,A1,X市,X,a,0,2020
A2,甲二县,A2,X市,X,a,0,2020
A3,甲三县,A3,Y市,Y,a,0,2020
A4,甲四县,A4,Y市,Y,a,0,2020
B1,乙一县,B1,Z市,Z,b,0,2020
B2,乙二县,B2,Z市,Z,b,0,2020
"""
# A1 and A2 are identical; A3 dominates category a on every indicator (far past every target),
# A4 is dominated by A1 and A2
VALUES = """code,year,i1,i2,i3,title,cases
A1,2023,70,2.6,14000,0,0
A2,2023,70,2.6,14000,0,0
A3,2023,100,1.0,40000,0,0
A4,2023,55,2.8,11000,0,0
B1,2023,60,2.5,15000,0,0
B2,2023,70,2.4,13000,0,0
"""


@pytest.fixture
def small(tiny_files):
    tiny_files["register"].write_text(REGISTER, encoding="utf-8")
    tiny_files["values"].write_text(VALUES, encoding="utf-8")
    fw = load_framework(tiny_files["framework"])
    return fw, load_dataset(fw, tiny_files["register"], tiny_files["values"])


@pytest.fixture(scope="module")
def demo():
    fw = load_framework(ROOT / "params/framework.yaml")
    ds = load_dataset(fw, ROOT / "data/raw/demo_register_synthetic.csv", ROOT / "data/raw/demo_values_synthetic.csv")
    return fw, ds, load_scenarios(None, fw, ROOT / "params/scenarios")


def scenario(fw, **uncertainty):
    return scenario_from_dict({"name_zh": "测试", "name_en": "test", "uncertainty": uncertainty}, fw)


def test_identical_units_split_the_rank_and_a_dominant_unit_always_wins(small):
    fw, ds = small
    sc = scenario(fw, dimension_weights={"kind": "dirichlet", "concentration": 5}, noise={"relative": 0.0})
    n = 20000
    res = simulate(ds, 2023, sc, n_draws=n, seed=7)
    u = res.units.set_index("code")
    i1, i2, i3 = (list(res.units["code"]).index(c) for c in ("A1", "A2", "A3"))
    # A3 is first in category a in every draw
    assert res.rank_counts_category[i3, 0] == n
    # A1 and A2 always tie: as in the nominal ranking they share rank 2 in every draw (competition ranks)
    assert res.rank_counts_category[i1, 1] == res.rank_counts_category[i2, 1] == n
    assert res.rank_counts_category[[i1, i2], 2].sum() == 0
    # bottom-k probabilities in a category add up to k (1 in the tiny framework); p(city last) to 1
    assert u.loc[["A1", "A2", "A3", "A4"], "p_bottom"].sum() == pytest.approx(fw.warning_talk.per_category)
    assert u.loc["A4", "p_bottom"] == 1.0
    assert res.cities["p_last"].sum() == pytest.approx(1.0)


def test_no_uncertainty_reproduces_the_nominal_ranks(demo):
    fw, ds, _ = demo
    sc = scenario(fw)
    res = simulate(ds, 2023, sc, n_draws=500, seed=1)
    u = res.units
    assert (res.rank_counts_category[np.arange(len(u)), u["nominal_rank_category"] - 1] == 500).all()
    assert (res.rank_counts_province[np.arange(len(u)), u["nominal_rank_province"] - 1] == 500).all()
    np.testing.assert_allclose(u["mean_total"], u["nominal_total"], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(u["p_bottom"] > 0, u.set_index("code").loc[u["code"], "nominal_rank_category"].to_numpy() > u.groupby("category")["code"].transform("size").to_numpy() - 2)


def test_fast_path_equals_the_pandas_path_draw_for_draw(demo):
    fw, ds, scs = demo
    base = scs[0]  # Dirichlet weights and measurement noise
    counts, bottom = reference_simulate(ds, 2023, base, n_draws=30, seed=11, noise_pool=64)
    res = simulate(ds, 2023, base, n_draws=30, seed=11, noise_pool=64)
    np.testing.assert_array_equal(res.rank_counts_category, counts)
    np.testing.assert_array_equal(np.round(res.units["p_bottom"] * 30).astype(int), bottom)


def test_mixed_methods_and_indicator_weights_equal_the_pandas_path(demo):
    fw, ds, _ = demo
    sc = scenario(
        fw,
        dimension_weights={"kind": "box", "spread": 0.3},
        indicator_weights={"kind": "dirichlet", "concentration": 50},
        normalisation=["goalpost", "min_max"],
        aggregation=["arithmetic", "geometric", "topsis"],
    )
    counts, _ = reference_simulate(ds, 2023, sc, n_draws=24, seed=5, noise_pool=8)
    res = simulate(ds, 2023, sc, n_draws=24, seed=5, noise_pool=8)
    np.testing.assert_array_equal(res.rank_counts_category, counts)


def test_same_seed_same_result_whatever_the_chunks_and_workers(demo):
    fw, ds, scs = demo
    runs = [
        simulate(ds, 2023, scs[0], n_draws=9000, seed=42, chunk_size=9000, workers=1),
        simulate(ds, 2023, scs[0], n_draws=9000, seed=42, chunk_size=1000, workers=2),
        simulate(ds, 2023, scs[0], n_draws=9000, seed=42, chunk_size=4097, workers=2),
    ]
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0].rank_counts_category, other.rank_counts_category)
        np.testing.assert_array_equal(runs[0].rank_counts_province, other.rank_counts_province)
        assert runs[0].units.equals(other.units)
        assert runs[0].cities.equals(other.cities)
    different = simulate(ds, 2023, scs[0], n_draws=9000, seed=43)
    assert not np.array_equal(runs[0].rank_counts_province, different.rank_counts_province)


def test_rank_band_and_probabilities_are_consistent(demo):
    fw, ds, scs = demo
    res = simulate(ds, 2023, scs[0], n_draws=4000, seed=3)
    u = res.units
    assert (u["p05_rank_category"] <= u["median_rank_category"]).all()
    assert (u["median_rank_category"] <= u["p95_rank_category"]).all()
    assert (res.rank_counts_category.sum(axis=1) == 4000).all()
    for _, grp in u.groupby("category"):
        # two flagged per draw, more in the few draws with a tie at the line as published
        assert 2.0 <= grp["p_bottom"].sum() < 2.02
    # a unit far above the warning line never falls into it; the nominal bottom two mostly do
    nominal_bottom = u["nominal_rank_category"] > u.groupby("category")["code"].transform("size") - 2
    assert (u.loc[nominal_bottom, "p_bottom"] > 0.5).all()
    assert (u.loc[u["nominal_rank_category"] <= 5, "p_bottom"] == 0).all()


def test_sampled_ranks_stay_within_the_exact_bounds_of_the_same_box(demo):
    from zhenxing.robustness import rank_bounds_table

    fw, ds, _ = demo
    sc = scenario(fw, dimension_weights={"kind": "box", "spread": 0.3})
    res = simulate(ds, 2023, sc, n_draws=20000, seed=9)
    bounds = rank_bounds_table(ds, 2023, 0.3).set_index("code").loc[res.units["code"]]
    seen = res.rank_counts_category > 0
    lowest = seen.argmax(axis=1) + 1
    highest = seen.shape[1] - seen[:, ::-1].argmax(axis=1)
    assert (lowest >= bounds["best_rank_category"].to_numpy()).all()
    assert (highest <= bounds["worst_rank_category"].to_numpy()).all()
    # and the box is wide enough that sampling moves many units off their nominal rank
    assert (highest > lowest).sum() > 50


def test_draws_follow_the_declared_distributions(demo):
    """Weights and noise as the scenario declares them (the pandas reference reuses the same draws,
    so this is checked against the distributions themselves)."""
    from zhenxing.montecarlo import BLOCK, block, build_model, noisy_members

    fw, ds, scs = demo
    base = scs[0]  # Dirichlet concentration 300; noise 2 %, rural income 1 %
    model = build_model(ds, 2023, base)
    w = np.concatenate([block(model, 5, b, 1).dim_w for b in range(4)])  # 4 * 4096 draws
    share = base.dimension_weights / 100
    kappa = base.uncertainty.dimension_weights.concentration
    sd = np.sqrt(share * (1 - share) / (kappa + 1))  # Dirichlet marginal
    np.testing.assert_allclose(w.sum(axis=1), 100)
    assert (np.abs(w.mean(axis=0) / 100 - share) < 4 * sd / np.sqrt(len(w))).all()
    np.testing.assert_allclose((w / 100).std(axis=0), sd, rtol=0.05)

    noisy = noisy_members(model, 5, 0, 3000)
    x = model.values
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = noisy / x - 1
    lo = np.array([i.valid_range[0] for i in fw.indicators])
    hi = np.array([i.valid_range[1] for i in fw.indicators])
    with np.errstate(invalid="ignore"):
        inside = np.all(noisy > lo, axis=0) & np.all(noisy < hi, axis=0) & (np.abs(x) > 1)  # never clipped, not missing
    j_income = fw.indicator_ids.index("rural_income")
    np.testing.assert_allclose(rel[:, inside[:, j_income], j_income].std(), 0.01, rtol=0.05)
    others = inside.copy()
    others[:, j_income] = False
    np.testing.assert_allclose(rel[:, others].std(), 0.02, rtol=0.05)
    # a member is the same whatever pool it is built in
    np.testing.assert_array_equal(noisy_members(model, 5, 700, 703), noisy[700:703])

    box = scenario(fw, dimension_weights={"kind": "box", "spread": 0.3})
    wb = block(build_model(ds, 2023, box), 5, 0, 1).dim_w
    np.testing.assert_allclose(wb.sum(axis=1), 100)
    ratio = wb / box.dimension_weights
    # renormalised uniform ±30 %: every weight ratio within [0.7, 1.3] times the renormalising factor
    assert ratio.min() > 0.7 / 1.3 and ratio.max() < 1.3 / 0.7
    assert len(wb) == BLOCK


def test_the_noise_pool_grows_with_the_draws(demo):
    from zhenxing.montecarlo import POOL_BYTES, build_model, pool_size

    fw, ds, scs = demo
    model = build_model(ds, 2023, scs[0])
    assert pool_size(model, 5000, None) == 5000  # one member per draw
    big = pool_size(model, 10**7, None)
    assert 1000 < big < 10**7 and big * 100 * 8 * 8 <= POOL_BYTES  # capped by memory
    assert pool_size(model, 10**7, 64) == 64
    assert pool_size(build_model(ds, 2023, scenario(fw)), 10**6, None) == 1  # no noise, no pool


# ---------------------------------------------------------------------------
# bounded memory: chunk size from a budget, results identical whatever the budget
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def province_400():
    import sys

    sys.path.insert(0, str(ROOT))
    from benchmarks._big import big_dataset

    ds = big_dataset(400)
    return ds, load_scenarios(None, ds.framework, ROOT / "params/scenarios")


def test_identical_results_for_two_memory_budgets_and_chunk_sizes_at_400_units(province_400):
    from zhenxing.montecarlo import chunk_draws

    ds, scs = province_400
    fw = ds.framework
    # 40 MiB for two workers is under 2,000 draws per chunk at 400 units; 1 GiB is the chunk_size cap
    small, large = 40 * 2**20, 2**30
    assert chunk_draws(400, 200, 8, 37, False, small, 2) < 2000 < chunk_draws(400, 200, 8, 37, False, large, 2) == 16384
    runs = [
        simulate(ds, 2023, scs[0], n_draws=5000, seed=17, workers=2, memory=small),
        simulate(ds, 2023, scs[0], n_draws=5000, seed=17, workers=1, memory=large),
        simulate(ds, 2023, scs[0], n_draws=5000, seed=17, workers=2, chunk_size=777),
        simulate(ds, 2023, scs[0], n_draws=5000, seed=17, workers=3, chunk_size=40),
    ]
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0].rank_counts_category, other.rank_counts_category)
        np.testing.assert_array_equal(runs[0].rank_counts_province, other.rank_counts_province)
        assert runs[0].units.equals(other.units) and runs[0].cities.equals(other.cities)
    # the counts are whole: every draw ranks every unit once in its category and the province
    assert (runs[0].rank_counts_province.sum(axis=1) == 5000).all()
    assert runs[0].rank_counts_province.dtype == np.int64
    assert runs[0].units["p_bottom"].groupby(runs[0].units["category"]).sum().between(2, 2.05).all()
    assert len(fw.categories) == 3


def test_draws_are_cut_into_pieces_inside_blocks():
    from zhenxing.montecarlo import BLOCK
    from zhenxing.montecarlo.draws import pieces

    got = pieces(2 * BLOCK + 100, 3000)
    # each block in ceil(size / 3000) equal pieces, the last block's 100 draws in one
    assert got == [(0, 2048), (2048, 4096), (4096, 6144), (6144, 8192), (8192, 8292)]
    assert pieces(10, 3) == [(0, 2), (2, 5), (5, 7), (7, 10)]
    assert all(a // BLOCK == (b - 1) // BLOCK for a, b in pieces(5 * BLOCK + 7, 1000))


def test_chunk_size_formula():
    from zhenxing.montecarlo import BLOCK, SUB_ARRAYS, SUB_BYTES, chunk_bytes, chunk_draws, sub_batch_draws
    from zhenxing.montecarlo.kernel import HIST_BINS_PER_UNIT

    n, g, D, m = 2800, 1400, 8, 37
    fixed = 4 * n * n + 4 * n * g + max(SUB_BYTES, 8 * n * (SUB_ARRAYS + D)) + BLOCK * 8 * (D + m + 4) + 8 * n * (HIST_BINS_PER_UNIT + 4)
    per_draw = 4 * n  # two int16 ranks per unit
    assert chunk_bytes(n, g, D, m, False) == (fixed, per_draw)
    # by hand: 31,360,000 (int32 province counts) + 15,680,000 (category counts) + 16,777,216 (sub-batch)
    # + 1,605,632 (a block's inputs) + 448,000 (the kernel's scratch)
    assert (fixed, per_draw) == (65_870_848, 11_200)
    memory = 384 * 2**20  # 201,326,592 bytes per worker: (201,326,592 - 65,870,848) // 11,200 = 12,094 draws fit,
    # but the buffers stop at BUFFER_BYTES: 33,554,432 // 11,200 = 2,995
    assert chunk_draws(n, g, D, m, False, memory, 2) == 2995
    assert chunk_draws(n, g, D, m, False, 80 * 2**20, 1) == (80 * 2**20 - 65_870_848) // 11_200 == 1608  # the budget binds
    # a sub-batch draw: 8 n (8 + D) = 358,400 bytes, with indicator weights per draw 8 n (8 + D + 2 m) = 2,016,000
    assert sub_batch_draws(n, D, m, False) == 16 * 2**20 // 358_400 == 46
    assert sub_batch_draws(n, D, m, True) == 16 * 2**20 // 2_016_000 == 8
    assert chunk_bytes(n, g, D, m, True)[0] == fixed  # both within SUB_BYTES
    assert chunk_draws(100, 50, D, m, False, memory, 2) == 16384  # capped by chunk_size
    assert chunk_draws(100, 50, D, m, False, memory, 2, upper=1000) == 1000
    assert chunk_draws(n, g, D, m, False, fixed + per_draw - 1, 1) == 0  # not even one draw
    assert chunk_draws(n, g, D, m, False, fixed + per_draw, 1) == 1
    assert chunk_bytes(40_000, 20_000, D, m, False)[1] == 8 * 40_000  # int32 ranks beyond 32,767 units


def test_a_budget_too_small_for_one_draw_is_refused_naming_memory(demo):
    from zhenxing.errors import InputError

    fw, ds, scs = demo
    with pytest.raises(InputError) as err:
        simulate(ds, 2023, scs[0], n_draws=100, workers=2, memory=2**20)
    assert err.value.problems[0].where == "--memory" and "expected at least" in err.value.problems[0].what
    assert "or fewer --workers" in err.value.problems[0].what
    with pytest.raises(InputError) as err:  # no --workers given: one worker, and no advice to give fewer
        simulate(ds, 2023, scs[0], n_draws=100, memory=2**20)
    assert "fewer --workers" not in err.value.problems[0].what
    for bad in ({"workers": 0}, {"n_draws": 2**31}):
        with pytest.raises(InputError):
            simulate(ds, 2023, scs[0], **{"n_draws": 100, **bad})


@pytest.mark.parametrize("text, expected", [
    ("512M", 512 * 2**20), ("1G", 2**30), ("800MB", 800 * 2**20), ("1.5GiB", 3 * 2**29),
    ("536870912", 536870912), ("64k", 65536), (" 2 g ", 2 * 2**30), ("100B", 100),
])
def test_memory_sizes_are_parsed(text, expected):
    from zhenxing.montecarlo import parse_memory

    assert parse_memory(text) == expected


@pytest.mark.parametrize("text", ["", "0", "-1", "abc", "512X", "1e9", "0.1", "M", "5iB", "1 000M"])
def test_other_memory_sizes_are_refused_naming_memory(text):
    from zhenxing.errors import InputError
    from zhenxing.montecarlo import parse_memory

    with pytest.raises(InputError) as err:
        parse_memory(text)
    assert err.value.problems[0].where == "--memory"


def test_simulate_command_refuses_a_bad_memory_with_exit_2(tmp_path, monkeypatch, capsys):
    from zhenxing import cli

    monkeypatch.chdir(ROOT)
    code = cli.main(["simulate", "--draws", "10", "--quiet", "--memory", "lots", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "--memory" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def _reference_ranks(steps, groups):
    """Independent reference: ranks and bottom counts by direct comparison of every pair (O(n²) per draw)."""
    above = steps[:, None, :] > steps[:, :, None]  # [r, i, k]: k above i
    below = steps[:, None, :] < steps[:, :, None]
    same = groups[None, :] == groups[:, None]
    return (1 + above.sum(axis=2), 1 + (above & same).sum(axis=2), (below & same).sum(axis=2))


@pytest.mark.parametrize("n, span", [
    (60, 5), (60, 10**6),  # every set compared pairwise
    (150, 3), (150, 40), (150, 5000),  # groups pairwise; the province by histogram (heavy ties, few steps) or by sorting
    (900, 7), (900, 2000), (900, 10**7),  # every set by histogram, or by sorting
])
def test_compiled_ranks_equal_pairwise_comparison(n, span):
    from zhenxing.montecarlo import competition_ranks

    rng = np.random.default_rng(span + n)
    groups = rng.integers(0, 3, n)
    steps = rng.integers(9000, 9000 + span, (20, n)).astype(np.int64)
    for got, expected in zip(competition_ranks(steps, groups), _reference_ranks(steps, groups)):
        np.testing.assert_array_equal(got, expected)


def test_city_last_equals_the_published_city_means():
    from zhenxing.montecarlo.kernel import _city_last_row
    from zhenxing.precision import mean_steps

    rng = np.random.default_rng(3)
    city = rng.permutation(np.repeat(np.arange(7), [1, 2, 3, 5, 8, 13, 2]))
    steps = rng.integers(-50, 60, (400, len(city))).astype(np.int64)  # small range: many tied last places
    means = mean_steps(steps, city, 7)
    got, sums, size = np.zeros(7, np.int64), np.empty(7, np.int64), np.bincount(city).astype(np.int64)
    for row in steps:
        _city_last_row(row, city.astype(np.int64), size, sums, got)
    np.testing.assert_array_equal(got, (means == means.min(axis=1, keepdims=True)).sum(axis=0))


def test_compiled_totals_equal_the_numpy_path_bit_for_bit(demo):
    """The compiled weighted arithmetic mean and rounding give the same steps as aggregate() and to_steps()."""
    from zhenxing.aggregate import aggregate
    from zhenxing.montecarlo import block, build_model, build_pool, pool_size
    from zhenxing.montecarlo.tally import published_totals
    from zhenxing.precision import to_steps

    fw, ds, scs = demo
    model = build_model(ds, 2023, scs[0])
    K = pool_size(model, 3000, None)
    pool = build_pool(model, 5, K)
    b = block(model, 5, 0, K)
    wn = b.dim_w / b.dim_w.sum(axis=1, keepdims=True)
    got = published_totals(model, pool, wn, b.pool, b.norm, b.agg, None)
    totals = fw.scale * aggregate("arithmetic", pool[0, 0, b.pool], wn) + model.offset
    np.testing.assert_array_equal(got, to_steps(np.maximum(totals, 0.0), fw.publication.decimals))
    # a total exactly on a half step rounds up, as published
    half = np.array([[[[0.62745]]]])
    out = np.empty((1, 1), np.int64)
    from zhenxing.montecarlo.kernel import arithmetic_steps
    arithmetic_steps(half, np.zeros(1, np.int64), np.zeros(1, np.int64), np.ones((1, 1)), 100.0, np.zeros(1), 100.0, out)
    assert out[0, 0] == to_steps(62.745, 2) == 6275


def test_noise_pool_is_the_same_whatever_the_piece_size(demo):
    from zhenxing.montecarlo import build_model, build_pool, noisy_members

    fw, ds, scs = demo
    model = build_model(ds, 2023, scs[0])
    np.testing.assert_array_equal(noisy_members(model, 5, 500, 530, piece=7), noisy_members(model, 5, 500, 530))
    whole = build_pool(model, 5, 600, workers=1)
    np.testing.assert_array_equal(build_pool(model, 5, 600, workers=2, piece=13), whole)


def test_default_workers_fit_the_memory_budget(demo, monkeypatch):
    """Without --workers, a machine with many CPUs runs as many workers as the budget holds, instead of refusing."""
    from zhenxing.montecarlo import build_model, chunk_bytes
    from zhenxing.montecarlo import run as mc_run

    fw, ds, scs = demo
    model = build_model(ds, 2023, scs[0])
    fixed, per_draw = chunk_bytes(model.n_units, model.max_group, len(fw.dimensions), len(fw.indicators), False)
    monkeypatch.setattr(mc_run.os, "cpu_count", lambda: 64)
    budget = 3 * (fixed + mc_run.MIN_BUFFER_DRAWS * per_draw) + 1
    assert mc_run.default_workers(model, budget) == 3
    assert mc_run.default_workers(model, 2**40) == 64 and mc_run.default_workers(model, 1) == 1
    # the run itself: 3 workers for the budget, the same result as one worker
    three = simulate(ds, 2023, scs[0], n_draws=3000, seed=4, memory=budget)
    one = simulate(ds, 2023, scs[0], n_draws=3000, seed=4, workers=1)
    np.testing.assert_array_equal(three.rank_counts_province, one.rank_counts_province)
