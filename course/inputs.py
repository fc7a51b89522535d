"""Reading what people send, strictly: ids and numbers in ASCII digits of bounded length, text
without control characters.

Python's `str.isdigit()` accepts "²" and "١٢", `int()` accepts them too (and refuses more than
4,300 digits with a ValueError), SQLite cannot bind an integer of 2**63 or more, and PostgreSQL
refuses NUL in text: each was a 500. These are the checks every app uses instead; the lowest app
holds them so that every other may import them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# An id is at most 18 ASCII digits: below 2**63, the largest a bigint (PostgreSQL) or an integer
# (SQLite) holds.
MAX_ID_DIGITS = 18
ID_PATTERN = rf"[0-9]{{1,{MAX_ID_DIGITS}}}"
_SIGNED = re.compile(rf"-?[0-9]{{1,{MAX_ID_DIGITS}}}")
# C0 controls and DEL, but tab, line feed and carriage return, which text areas send.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# More digits in a row than any number a form may carry; int() refuses 4,301 and more.
LONGEST_NUMBER = 4000
_LONG_NUMBER = re.compile(rf"[0-9]{{{LONGEST_NUMBER + 1}}}")


def strict_int(value: object, *, low: int | None = None, high: int | None = None) -> int | None:
    """`value` as an int when it is ASCII digits (an optional leading minus) of at most
    MAX_ID_DIGITS, within [low, high] when given; else None. Never raises."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _SIGNED.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def strict_id(value: object) -> int | None:
    """A row id sent by a client: a positive int below 2**63, or None."""
    return strict_int(value, low=1, high=2**63 - 1)


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


_HUGE_NUMBER = re.compile(rf"\s*[-+]?[0-9]{{{MAX_ID_DIGITS + 1},}}\s*")


def refused_text(values: Iterable[str]) -> bool:
    """Whether any of these texts carries a control character, more than LONGEST_NUMBER digits in a
    row, or is a number of more than MAX_ID_DIGITS digits, larger than any id or count a field
    holds (SQLite cannot bind it: an OverflowError)."""
    return any(
        _CONTROL.search(value) or _LONG_NUMBER.search(value) or _HUGE_NUMBER.fullmatch(value)
        for value in values
    )


class IdConverter:
    """The `<id:pk>` path converter: at most MAX_ID_DIGITS ASCII digits, so a longer id is a 404
    from the URL resolver instead of an overflow in the database."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)
