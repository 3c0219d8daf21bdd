"""Reading YAML files and validating them against a pydantic model, with every problem named by its YAML path."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, Problem, ProblemList

Model = TypeVar("Model", bound=BaseModel)

_UNION_TAGS = {"float", "dict[str,float]"}  # pydantic names the member of a union it tried


def yaml_path(loc: tuple[int | str, ...]) -> str:
    """``("dimensions", 2, "indicators", 0, "weight")`` → ``dimensions[2].indicators[0].weight``."""
    out = ""
    for part in loc:
        if part in _UNION_TAGS:
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def validate_mapping(model: type[Model], data: object, where: str, problems: ProblemList) -> Model:
    """``model.model_validate(data)``, or raise every structural problem at once.

    ``where`` (a file name) prefixes each YAML path; problems already in
    ``problems`` are raised together with these.
    """
    if not isinstance(data, dict):
        problems.add(where, f"expected a mapping at the top level, found {type(data).__name__}")
        problems.raise_if_any()
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            got = err.get("input")
            got_text = "" if isinstance(got, (dict, list)) or got is None else f" (found {got!r})"
            problems.add(f"{where}: {yaml_path(tuple(err['loc']))}", f"{err['msg']}{got_text}")
        problems.problems = list(dict.fromkeys(problems.problems))  # union members repeat a message
        problems.raise_if_any()
        raise  # unreachable: raise_if_any raised


def read_yaml(path: str | Path, what: str, example: str) -> object:
    """Parse a YAML file; every way it can be unreadable is an :class:`InputError` naming it.

    ``what`` names the file's role ("framework", "scenario", "run"), ``example`` a
    typical path for the message.
    """
    path = Path(path)
    if not path.is_file():
        found = "a folder" if path.is_dir() else "nothing"
        raise InputError([Problem(str(path), f"file not found, {found} there (expected a {what} YAML file, e.g. {example})")], f"{what} file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark is not None else str(path)
        raise InputError([Problem(where, f"not valid YAML: {getattr(exc, 'problem', None) or exc}")], f"{what} file unreadable") from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(str(path), f"not UTF-8 text (byte {exc.start}); save it as UTF-8")], f"{what} file unreadable") from None
    except OSError as exc:
        raise InputError([Problem(str(path), f"cannot be read: {exc.strerror or exc}")], f"{what} file unreadable") from None
