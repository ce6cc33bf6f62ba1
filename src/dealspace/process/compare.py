"""Single undertaking or early harvests? Every protocol against a panel of strategy pairs.

:func:`compare_protocols` runs the Monte Carlo panel of :mod:`dealspace.process.montecarlo`
on one compiled deal space and aggregates it per protocol; the CLI, the report
and the JSON output all render the one :class:`ProtocolComparison` it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.present.document import Chart
from dealspace.present.notebook import Displayed

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.process.montecarlo import MonteCarloResult
    from dealspace.space import DealSpace

#: Protocols compared by default.
COMPARED = ("alternating", "snt", "sequential", "sequential-negotiated", "silos")
#: Strategy pairs averaged over by default.
PANEL = (
    "boulware,boulware",
    "linear,linear",
    "conceder,boulware",
    "tit-for-tat,tit-for-tat",
    "frequency,linear",
    "nash,nash",
)
#: What each protocol name means.
LABELS = {
    "alternating": "single undertaking (alternating offers)",
    "snt": "single negotiating text (mediator)",
    "sequential": "early harvests, domain by domain",
    "sequential-negotiated": "early harvests, negotiated agenda",
    "sequential-blocks": "early harvests, issue by issue",
    "silos": "parallel silos (one track per domain)",
}
#: What each column of the comparison means.
COLUMNS = {
    "agreement_rate": "share of runs that end with every issue agreed",
    "deal_rate": "share of runs with at least one binding part (complete or partial)",
    "breakdown_rate": "share of runs ended by a breakdown (partial deals already bound stay)",
    "last_binding_mean": "mean round of the last part bound",
    "gain:<party>_mean": "realised value over BATNA, mean over runs (discounted, net of costs)",
    "gain:<party>_p10": "the same, 10th percentile",
    "joint_gain_mean": "sum of the parties' mean gains (adds points across parties)",
    "dist_nash_mean": "distance to the Nash package in utilities normalised to each party's range",
}


@dataclass(frozen=True)
class ProcessSettings:
    """Every knob of the protocol comparison (documented defaults).

    Attributes
    ----------
    protocols, strategies
        Protocols compared and the panel of strategy pairs averaged over.
    runs
        Monte Carlo runs per protocol × strategy pair.
    seed
        Master seed (the same seed gives the same numbers).
    deadline
        Rounds available.
    discount
        Per-round discount factor δ of realised value.
    hazard
        Per-round probability that talks break down.
    noise
        σ of each side's estimate of the other's valuation.
    """

    protocols: tuple[str, ...] = COMPARED
    strategies: tuple[str, ...] = PANEL
    runs: int = 100
    seed: int = 0
    deadline: int = 100
    discount: float = 0.99
    hazard: float = 0.01
    noise: float = 0.1

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass(frozen=True, eq=False)
class ProtocolComparison(Displayed):
    """Per protocol: rates, time to the last binding part, realised gains, and a verdict.

    ``rows`` hold one mapping per protocol with the keys of :data:`COLUMNS`
    (``<party>`` replaced by each party id); ``detail`` keeps every run.
    """

    parties: tuple[str, ...]
    settings: ProcessSettings
    rows: tuple[dict[str, Any], ...]
    verdict: str
    detail: MonteCarloResult = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.rows)).set_index("protocol")

    def to_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings.to_dict(),
            "parties": list(self.parties),
            "protocols": [{k: _finite(v) for k, v in row.items()} for row in self.rows],
            "labels": {r["protocol"]: LABELS.get(r["protocol"], r["protocol"]) for r in self.rows},
            "columns": COLUMNS,
            "verdict": self.verdict,
        }

    def chart(self) -> Chart:
        """Mean realised gain of each party, by protocol."""
        return Chart(
            "columns",
            "protocols",
            "Mean realised gain over BATNA, by protocol",
            {
                "labels": [r["protocol"] for r in self.rows],
                "series": {p: [r[f"gain:{p}_mean"] for r in self.rows] for p in self.parties},
                "ylabel": "gain over BATNA (each party's points)",
                "value_format": "{:.1f}",
            },
        )


def compare_protocols(
    space: DealSpace,
    settings: ProcessSettings | None = None,
    progress: Callable[[int], None] | None = None,
) -> ProtocolComparison:
    """Every protocol of ``settings`` against its panel of strategy pairs, aggregated per protocol."""
    from dealspace.process.montecarlo import monte_carlo

    s = settings or ProcessSettings()
    result = monte_carlo(
        space,
        list(s.protocols),
        list(s.strategies),
        runs=s.runs,
        seed=s.seed,
        deadline=s.deadline,
        discount=s.discount,
        hazard=s.hazard,
        noise=s.noise,
        progress=progress,
    )
    rows = aggregate(result)
    return ProtocolComparison(result.parties, s, rows, verdict(rows), result)


def total_runs(settings: ProcessSettings) -> int:
    """Runs a comparison makes (for a progress bar)."""
    return settings.runs * len(settings.protocols) * len(settings.strategies)


def aggregate(result: MonteCarloResult) -> tuple[dict[str, Any], ...]:
    """Per protocol: rates, time to last binding, realised value per party (mean, p10), joint gain."""
    rows = []
    for proto, g in result.runs.groupby("protocol", sort=False):
        row: dict[str, Any] = {
            "protocol": str(proto),
            "agreement_rate": float(g["agreement"].mean()),
            "deal_rate": float((g["agreement"] | g["partial"]).mean()),
            "breakdown_rate": float(g["breakdown"].mean()),
            "last_binding_mean": float(g["last_binding"].mean()),
        }
        for p in result.parties:
            row[f"gain:{p}_mean"] = float(g[f"gain:{p}"].mean())
            row[f"gain:{p}_p10"] = float(g[f"gain:{p}"].quantile(0.1))
        row["joint_gain_mean"] = float(g["joint_gain"].mean())
        row["dist_nash_mean"] = float(g["dist_nash"].mean())
        rows.append(row)
    return tuple(rows)


def verdict(rows: tuple[dict[str, Any], ...], tol: float = 1e-9) -> str:
    """One sentence: single undertaking or early harvests?

    Scale-free: designs are compared party by party (each in its own points),
    never by a sum of points across parties. A design is better when every
    party's mean gain is at least as high and one is higher (Pareto dominance
    of the mean gains); otherwise the sentence says who gains under which.
    """
    by = {r["protocol"]: r for r in rows}
    su = by.get("alternating")
    harvest = [r for p, r in by.items() if p.startswith("sequential") or p == "silos"]
    if su is None or not harvest:
        return ""
    parties = [k[len("gain:") : -len("_mean")] for k in su if k.startswith("gain:") and k.endswith("_mean")]

    def gains(r: dict[str, Any]) -> str:
        return ", ".join(f"{p} {r[f'gain:{p}_mean']:.2f}" for p in parties)

    def dominates(a: dict[str, Any], b: dict[str, Any]) -> bool:
        diff = [a[f"gain:{p}_mean"] - b[f"gain:{p}_mean"] for p in parties]
        return all(d >= -tol for d in diff) and any(d > tol for d in diff)

    better = [r for r in harvest if dominates(r, su)]
    if better:
        best = next((r for r in better if not any(dominates(o, r) for o in better)), better[0])
        return (
            f"Early harvests: {best['protocol']} gives every party a mean gain at least as high as the "
            f"single undertaking ({gains(best)} against {gains(su)}, each in its own points)."
        )
    if all(dominates(su, r) or all(abs(su[f"gain:{p}_mean"] - r[f"gain:{p}_mean"]) <= tol for p in parties)
           for r in harvest):
        return (
            f"Single undertaking: every party's mean gain ({gains(su)}, each in its own points) is at least "
            f"as high as under any early-harvest design."
        )
    mixed = [r for r in harvest if not dominates(su, r)]
    return (
        f"No design is better for every party: the single undertaking gives {gains(su)}; "
        + "; ".join(f"{r['protocol']} gives {gains(r)}" for r in mixed)
        + " (each party's mean gain in its own points)."
    )


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
