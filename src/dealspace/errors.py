"""The one exception type dealspace raises for bad input.

Every message names where the problem is (file, field path), what is wrong
and how to fix it; the CLI prints it and exits with code 2, no traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One problem in an input: where, what, and how to fix it."""

    where: str
    what: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else self.what
        if not self.fix:
            return text
        return f"{text}. {self.fix[0].upper()}{self.fix[1:]}"


@dataclass
class DealspaceError(Exception):
    """Bad input: a file, a field or an argument dealspace cannot use.

    ``problems`` lists every problem found; ``source`` names the file (or the
    built-in scenario, or the argument) they were found in.
    """

    problems: list[Problem]
    source: str = ""
    hint: str = field(default="")

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        if len(self.problems) == 1:
            return head + str(self.problems[0])
        lines = [f"{head}{len(self.problems)} problems"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    @classmethod
    def single(cls, where: str, what: str, fix: str = "", source: str = "") -> DealspaceError:
        return cls([Problem(where, what, fix)], source)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A 'did you mean ...?' hint for an unknown name, or the list of valid names."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(str(name), choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    shown = ", ".join(f"'{c}'" for c in choices[:12])
    more = ", …" if len(choices) > 12 else ""
    return f"choose one of: {shown}{more}" if choices else "none are defined"


#: Longest echo of the user's own text in a message (longer text is cut with '…').
ECHO_LIMIT = 80


def shorten(text: object, limit: int = ECHO_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis (for echoing input)."""
    flat = " ".join(str(text).split()) if "\n" in str(text) else str(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
