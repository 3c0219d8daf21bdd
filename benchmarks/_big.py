"""A province of any multiple of the demo's size, for scale benchmarks and tests.

``replicate_demo(copies)`` repeats the committed demo province (100 units,
16 cities) ``copies`` times: copy ``k`` gets codes ``<demo code><k:02d>``,
its cities renamed ``<city>·k`` (so ``k`` copies of 16 cities give 16 k
cities, in proportion), and every indicator value of copies ``k >= 1``
multiplied by ``1 + 0.005 ε`` (ε standard normal, seeded per copy), clipped
to the indicator's valid range, so that the copies do not tie artificially.
Copy 0 is the demo itself; adjustment inputs (titles, cases) are copied
unchanged (they are counts). Categories keep the demo's shares (25/50/25 %).

    from benchmarks._big import big_dataset
    ds = big_dataset(2800)          # 28 copies, a Dataset loaded by the library
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REGISTER = ROOT / "data/raw/demo_register_synthetic.csv"
VALUES = ROOT / "data/raw/demo_values_synthetic.csv"
#: Relative size of the perturbation of the copies' indicator values.
PERTURBATION = 0.005
DEMO_UNITS = 100


def replicate_demo(copies: int, seed: int = 2800) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Register and long values (``code,indicator,year,value``) of ``copies`` demo provinces."""
    from zhenxing.framework import load_framework

    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    fw = load_framework(ROOT / "params/framework.yaml")
    lo = {i.id: i.valid_range[0] for i in fw.indicators}
    hi = {i.id: i.valid_range[1] for i in fw.indicators}
    reg0 = pd.read_csv(REGISTER, dtype={"code": str})
    val0 = pd.read_csv(VALUES, dtype={"code": str})
    is_indicator = val0["indicator"].isin(fw.indicator_ids).to_numpy()
    v_lo = val0["indicator"].map(lo).to_numpy(float)
    v_hi = val0["indicator"].map(hi).to_numpy(float)
    regs, vals = [], []
    for k in range(copies):
        reg = reg0.copy()
        reg["code"] = reg0["code"] + f"{k:02d}"
        if k:
            reg["city"] = reg0["city"] + f"·{k}"
            reg["city_en"] = reg0["city_en"] + f" {k}"
            reg["name_zh"] = reg0["name_zh"] + f"·{k}"
            reg["name_en"] = reg0["name_en"] + f" {k}"
        val = val0.copy()
        val["code"] = val0["code"] + f"{k:02d}"
        if k:
            rng = np.random.default_rng([seed, k])
            x = val0["value"].to_numpy(float)
            noisy = np.clip(x * (1 + PERTURBATION * rng.standard_normal(len(x))), v_lo, v_hi)
            val["value"] = np.where(is_indicator & np.isfinite(x), noisy, x)
        regs.append(reg)
        vals.append(val)
    return pd.concat(regs, ignore_index=True), pd.concat(vals, ignore_index=True)


def big_dataset(n_units: int, seed: int = 2800):
    """The library's :class:`~zhenxing.data.Dataset` for ``n_units`` (a multiple of 100) units."""
    from zhenxing.data import load_dataset
    from zhenxing.framework import load_framework

    if n_units % DEMO_UNITS:
        raise ValueError(f"n_units must be a multiple of {DEMO_UNITS}, got {n_units}")
    reg, val = replicate_demo(n_units // DEMO_UNITS, seed)
    fw = load_framework(ROOT / "params/framework.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        r, v = Path(tmp) / "register.csv", Path(tmp) / "values.csv"
        reg.to_csv(r, index=False)
        val.to_csv(v, index=False)
        return load_dataset(fw, r, v)
