"""Run defaults (``params/run.yaml``): which framework and data to use, the year,
the home city, the language and where outputs go. Command-line options override
them. Relative paths are taken from the current folder (the project root).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError, Problem

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
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), "file not found (expected run defaults such as params/run.yaml)")], "run file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError([Problem(str(path), f"not valid YAML: {exc}")], "run file unreadable") from None
    if not isinstance(data, dict):
        raise InputError([Problem(str(path), "expected a mapping of settings")], "invalid run file")
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(f"{path}: {'.'.join(map(str, e['loc']))}", e["msg"]) for e in exc.errors()]
        raise InputError(problems, f"invalid run file {path}") from None
