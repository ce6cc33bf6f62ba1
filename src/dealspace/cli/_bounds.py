"""Every numeric command-line option and its bounds, in one table.

Each command declares a numeric option as ``typer.Option("--runs", **bound("simulate",
"--runs"), ...)``; a value outside the bounds (``--runs 1e12``, ``--seed -1``,
``--noise 1e308``, ``nan``, ``inf``) is refused before the command runs, with
the option's name and the bound, exit code 2. ``docs/cli.md`` lists this table
and a test checks that every numeric option of every command is in it, and
that the documentation agrees.

The bounds keep a run finite and meaningful: counts stop where a run would
take hours or memory would run out on a laptop; seeds are those numpy takes
as 32-bit; probabilities and factors are in [0, 1]; costs, levels and
tolerances are finite. Tighter checks (a discount of exactly 0, a hazard of
exactly 1) stay with the models, which say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Largest seed: numpy's legacy seeding and most tools take 32-bit seeds.
SEED_MAX = 2**32 - 1
#: Largest magnitude of a utility level, tolerance or cost in points: far
#: above any scenario's utilities (bounded by validation), far below overflow.
POINTS_MAX = 1e12


@dataclass(frozen=True)
class Bound:
    """Inclusive bounds of one option and why they are there."""

    low: float
    high: float
    why: str


#: (command, option) → its bounds.
BOUNDS: dict[tuple[str, str], Bound] = {
    ("analyze", "--runs"): Bound(1, 100_000, "Monte Carlo runs per protocol and strategy pair"),
    ("analyze", "--seed"): Bound(0, SEED_MAX, "a 32-bit seed"),
    ("analyze", "--world-runs"): Bound(0, 10_000, "runs of the bellwether model (0 skips it)"),
    ("analyze", "--jobs"): Bound(1, 2, "processes (2: a worker for the world model and charts)"),
    ("frontier", "--limit"): Bound(1, 1_000_000, "rows shown"),
    ("robust", "--draws"): Bound(1, 1_000_000, "independent draws"),
    ("robust", "--seed"): Bound(0, SEED_MAX, "a 32-bit seed"),
    ("linkage", "--seed"): Bound(0, SEED_MAX, "a 32-bit seed"),
    ("linkage", "--samples"): Bound(1, 100_000, "Shapley permutations sampled"),
    ("offers", "--k"): Bound(1, 100, "offers in the menu"),
    ("offers", "--level"): Bound(
        -POINTS_MAX, POINTS_MAX, "utility points (and at most the party's best package)"
    ),
    ("offers", "--tolerance"): Bound(0, POINTS_MAX, "utility points"),
    ("score", "--draws"): Bound(1, 100_000, "draws of the scenario's ranges"),
    ("score", "--seed"): Bound(0, SEED_MAX, "a 32-bit seed"),
    ("tariffs", "--top"): Bound(0, 100_000, "rows printed (0 = all)"),
    ("world", "--runs"): Bound(1, 100_000, "Monte Carlo runs per experiment"),
    ("world", "--seed"): Bound(0, SEED_MAX, "a 32-bit seed"),
    ("world", "--terms-spillover"): Bound(0, 1, "a share"),
    ("world", "--reputation"): Bound(0, 1, "a share"),
    ("world", "--first-mover-runs"): Bound(0, 100_000, "runs per partner and position"),
    ("world", "--workers"): Bound(1, 256, "worker processes"),
    ("simulate", "--runs"): Bound(1, 1_000_000, "Monte Carlo runs"),
    ("simulate", "--seed"): Bound(0, SEED_MAX, "a 32-bit seed"),
    ("simulate", "--weeks"): Bound(0, 1_040, "weeks (at most 20 years)"),
    ("simulate", "--every"): Bound(0, 3_650, "weeks or days between rounds"),
    ("simulate", "--discount"): Bound(0, 1, "a factor per year in (0, 1]"),
    ("simulate", "--noise"): Bound(0, 100, "σ in utility points"),
    ("compare-protocols", "--runs"): Bound(1, 100_000, "runs per protocol and strategy pair"),
    ("compare-protocols", "--seed"): Bound(0, SEED_MAX, "a 32-bit seed"),
    ("compare-protocols", "--weeks"): Bound(0, 1_040, "weeks (at most 20 years)"),
    ("compare-protocols", "--every"): Bound(0, 3_650, "weeks or days between rounds"),
    ("compare-protocols", "--points-per-welfare-pct"): Bound(0, POINTS_MAX, "points"),
    ("compare-protocols", "--valuation-years"): Bound(0, 100, "years"),
    ("compare-protocols", "--discount"): Bound(0, 1, "a factor per year in (0, 1]"),
    ("compare-protocols", "--noise"): Bound(0, 100, "σ in utility points"),
    ("compare-protocols", "--sensitivity-runs"): Bound(1, 100_000, "runs per cell"),
    ("sweep", "--workers"): Bound(1, 256, "worker processes"),
    ("serve", "--port"): Bound(1, 65_535, "a TCP port"),
    ("serve", "--workers"): Bound(1, 64, "server processes"),
}


def bound(command: str, option: str) -> dict[str, Any]:
    """``min=`` and ``max=`` for ``typer.Option`` from :data:`BOUNDS`."""
    b = BOUNDS[command, option]
    return {"min": b.low, "max": b.high}


def markdown_table() -> str:
    """:data:`BOUNDS` as the Markdown table of ``docs/cli.md``."""
    lines = ["| command | option | lowest | highest | what it counts |", "|---|---|---|---|---|"]
    for (command, option), b in BOUNDS.items():
        lines.append(f"| {command} | `{option}` | {_num(b.low)} | {_num(b.high)} | {b.why} |")
    return "\n".join(lines)


def _num(x: float) -> str:
    if x == SEED_MAX:
        return "2³² − 1"
    if abs(x) >= 1e9:
        return f"{'−' if x < 0 else ''}10^{len(str(int(abs(x)))) - 1}"
    return f"{x:,}".replace(",", " ") if float(x).is_integer() else f"{x:g}"
