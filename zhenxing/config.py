"""Run defaults (``params/run.yaml``): which framework and data to use, the year,
the home city, the language, the texts that mean "no value" and where outputs
go. Command-line options override them. ``values`` may be one file, a folder
(every .xlsx/.csv in it) or a list of files and folders. Relative paths are taken from the
current folder (the project root).
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
    # one values file, a folder of them, or a list of files and folders (e.g. the departments' filled templates)
    values: Path | list[Path] = Path("data/raw/demo_values_synthetic.csv")
    ytd: Path | None = None  # year-to-date values for schedule progress (序时进度); None = none
    year: int | None = None
    home_city: str | None = None
    lang: Literal["zh", "en"] = "zh"
    processed_dir: Path = Path("data/processed")
    reports_dir: Path = Path("reports")
    seed: int = 20231
    # texts that mean "no value" in a number cell (N/A, —, 无 ...), counted as missing values; otherwise refused
    missing_markers: list[str] = Field(default_factory=list)


    def values_list(self) -> list[Path]:
        """The values paths as a list (one file, a folder, or several; folders are expanded by the intake)."""
        return list(self.values) if isinstance(self.values, list) else [self.values]


#: The run-file key of each setting (where it differs from the field name).
RUN_FILE_KEYS: dict[str, str] = {"register_path": "register"}


def run_file_path(path: str | Path | None = None) -> Path | None:
    """The run file read for ``path`` (None: ``params/run.yaml`` if there is one)."""
    if path is not None:
        return Path(path)
    return DEFAULT_RUN_FILE if DEFAULT_RUN_FILE.is_file() else None


def load_run_config(path: str | Path | None = None) -> RunConfig:
    """Read run defaults; a missing default file means built-in defaults.

    The settings the file gives are ``model_fields_set`` of the result.
    """
    path = run_file_path(path)
    if path is None:
        return RunConfig()
    data = read_yaml(path, "run", "params/run.yaml") or {}
    return validate_mapping(RunConfig, data, str(path), ProblemList(f"invalid run file {path}"))
