"""environment.yml (conda) lists the same packages, with the same minimum versions, as pyproject.toml."""

from __future__ import annotations

import re
import tomllib

import yaml

from .conftest import ROOT

SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$")


def _parse(spec: str) -> tuple[str, str]:
    m = SPEC.match(spec)
    assert m, spec
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = dict(_parse(s) for s in project["dependencies"])
    wanted.update(_parse(s) for s in project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for spec in dep["pip"]:
                if not spec.startswith("-e"):
                    listed.update([_parse(spec)])
        else:
            name, ver = _parse(dep)
            if name not in ("python", "pip"):
                listed[name] = ver
    assert listed == wanted
