"""User-facing errors.

Every problem with the user's input (a YAML file, a data file, a command-line
argument) is reported as an :class:`InputError` carrying *all* the problems
found, each with its location, so that the user can fix everything in one go.
The command line prints them without a traceback and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem in the user's input.

    ``where`` names the place: a file with a row and column
    (``data/raw/values.csv, row 12, column 'grain_task'``) or a YAML path
    (``params/framework.yaml: dimensions[0].indicators[3].weight``).
    ``what`` says what is wrong and what was expected.
    """

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class InputError(Exception):
    """One or more problems in the user's input; ``str()`` lists them all."""

    problems: list[Problem] = field(default_factory=list)
    title: str = "invalid input"

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{self.title} ({n} problem{'s' if n != 1 else ''})"
        return "\n".join([head] + [f"  - {p}" for p in self.problems])


class ProblemList:
    """Collects problems while validating, then raises them all at once."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.problems: list[Problem] = []

    def add(self, where: str, what: str) -> None:
        self.problems.append(Problem(where, what))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(list(self.problems), self.title)
