"""Validating parsed YAML against a pydantic model, with every problem named by its YAML path."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ProblemList

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
