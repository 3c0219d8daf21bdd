"""Memory budgets as the command line writes them (``--memory 512M``)."""

from __future__ import annotations

import re

from ..errors import InputError, Problem

#: Working memory of all workers together when ``memory`` is not given (the noise pool comes on top).
DEFAULT_MEMORY = 384 * 2**20

_MEMORY = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)(I?B)?\s*$", re.IGNORECASE)


def parse_memory(text: str | int, where: str = "--memory") -> int:
    """Bytes from ``"512M"``, ``"1G"``, ``"800MB"``, ``"1.5GiB"`` or plain bytes ``"536870912"``.

    Suffixes K, M, G, T (optionally followed by ``B`` or ``iB``, any case) are
    binary: ``1M = 2**20`` bytes, ``1G = 2**30``. Anything else, or less than one
    byte, raises an :class:`InputError` naming ``where``.
    """
    m = _MEMORY.match(str(text))
    value = 0.0
    if m and not (m.group(3) and m.group(3).upper() == "IB" and not m.group(2)):  # "512iB" is no size
        value = float(m.group(1)) * 1024 ** (" KMGT".index(m.group(2).upper() or " "))
    if value < 1:
        raise InputError([Problem(where, f"expected a memory size such as 512M, 1G, 800MB or a number of bytes, got {text!r}")],
                         "invalid options")
    return int(value)
