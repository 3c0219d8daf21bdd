"""Run defaults (``params/run.yaml``): which framework and data to use, the year,
the home city, the language and where outputs go. Command-line options override
them. Relative paths are taken from the current folder (the project root).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import ProblemList
from .yamlspec import read_yaml, validate_mapping

DEFAULT_RUN_FILE = Path("params/run.yaml")


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    framework: Path = Path("params/framework.yaml")
    # "register" is a BaseModel attribute name, hence the alias
    register_path: Path = Field(default=Path("data/raw/demo_register_synthetic.csv"), alias="register")
    values: Path = Path("data/raw/demo_values_synthetic.csv")
    ytd: Path | None = None  # year-to-date values for schedule progress (序时进度); None = none
    year: int | None = None
    home_city: str | None = None
    lang: Literal["zh", "en"] = "zh"
    processed_dir: Path = Path("data/processed")
    reports_dir: Path = Path("reports")
    seed: int = 20231


def load_run_config(path: str | Path | None = None) -> RunConfig:
    """Read run defaults; a missing default file means built-in defaults."""
    if path is None:
        if not DEFAULT_RUN_FILE.is_file():
            return RunConfig()
        path = DEFAULT_RUN_FILE
    data = read_yaml(path, "run", "params/run.yaml") or {}
    return validate_mapping(RunConfig, data, str(path), ProblemList(f"invalid run file {path}"))
