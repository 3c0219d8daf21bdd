"""Saving the explorer's settings as a scenario file (validated like every scenario, written atomically)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import InputError, Problem
from ..framework import Framework
from ..io import text_writer, write_files
from ..scenarios import DEFAULT_SCENARIO_DIR, Scenario, load_scenarios, scenario_from_dict
from .state import SIMULATION_UNCERTAINTY, Settings

FILE_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def scenario_mapping(settings: Settings, fw: Framework, name_zh: str, name_en: str) -> dict:
    """The scenario file's content for ``settings``: every weight at full precision, so it rescored exactly."""
    data: dict = {
        "name_zh": name_zh,
        "name_en": name_en,
        "description": "Saved from the what-if explorer (zhenxing.explore). Uncertainty: the explorer's quick Monte Carlo.",
        "normalisation": settings.normalisation,
        "aggregation": settings.aggregation,
    }
    if settings.missing is not None:
        data["missing"] = settings.missing
    data["dimension_weights"] = {d.id: float(w) for d, w in zip(fw.dimensions, settings.dimension_weights)}
    shares: dict[str, dict[str, float]] = {}
    for j, ind in enumerate(fw.indicators):
        shares.setdefault(fw.dimensions[fw.dimension_of_indicator[j]].id, {})[ind.id] = float(settings.indicator_weights[j])
    data["indicator_weights"] = shares
    data["uncertainty"] = SIMULATION_UNCERTAINTY
    return data


def save_scenario(settings: Settings, fw: Framework, name: str, name_zh: str, name_en: str,
                  folder: str | Path = DEFAULT_SCENARIO_DIR, overwrite: bool = False) -> tuple[Path, Scenario]:
    """Write ``<folder>/<name>.yaml`` for ``settings``; returns the path and the scenario as it reloads.

    The content is validated by :func:`zhenxing.scenarios.scenario_from_dict` before anything is written, and
    the folder's scenarios must still load together (unique ids). An existing file is replaced only with
    ``overwrite``: otherwise :class:`FileExistsError`.
    """
    name = name.strip().removesuffix(".yaml")
    if not FILE_ID.match(name):
        raise InputError([Problem("file name", f"'{name}': use lower-case letters, digits and _ (starting with a letter); it is the scenario id")],
                         "invalid scenario name")
    path = Path(folder) / f"{name}.yaml"
    if path.exists() and not overwrite:
        raise FileExistsError(str(path))
    data = scenario_mapping(settings, fw, name_zh.strip(), name_en.strip())
    scenario = scenario_from_dict(data, fw, where=str(path), default_id=name)
    others = [p for p in sorted(Path(folder).glob("*.yaml")) if p.resolve() != path.resolve()]
    if others:
        ids = {s.id: p for s, p in zip(load_scenarios(others, fw, folder), others)}
        if name in ids:
            raise InputError([Problem(str(path), f"scenario id '{name}' is already used by {ids[name]}")], "invalid scenario name")
    text = "# What-if weights saved from the explorer (zhenxing.explore); every weight at full precision.\n"
    text += yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    write_files([(path, text_writer(text))])
    return path, scenario
