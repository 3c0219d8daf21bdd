"""Zhenxing (振兴): scoring, gap analysis and ranking simulation for the county
rural revitalisation performance assessment (乡村振兴实绩考核).

The library is the single source of every number; notebooks and the command
line only call it. Main entry points::

    from zhenxing.framework import load_framework
    from zhenxing.data import load_dataset
    from zhenxing.scoring import score_year

    fw = load_framework("params/framework.yaml")
    ds = load_dataset(fw, "data/raw/demo_register_synthetic.csv", "data/raw/demo_values_synthetic.csv")
    result = score_year(ds, 2023)
    result.units.head()
"""

__version__ = "0.1.0"
