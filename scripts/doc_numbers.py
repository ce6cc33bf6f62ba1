"""Recompute the numbers the docs show for the built-in scenarios and write them in place.

A page marks what this script owns with HTML comments (invisible once rendered):

* a table (or any block) between ``<!-- numbers: NAME -->`` and ``<!-- /numbers -->``
  on their own lines;
* a number or phrase in prose between ``<!-- n: NAME -->`` and ``<!-- /n -->``.

``NAME`` is a key of :data:`TABLES` or :data:`VALUES` below; each is computed from
the current code through the public API (one compile per built-in, every
sub-negotiation a view of it). Run after changing a built-in scenario, the
pricing or an analysis:

    python scripts/doc_numbers.py            # rewrite the marked numbers in place
    python scripts/doc_numbers.py --check    # exit 1, listing the marks that differ
    python scripts/doc_numbers.py --check --quick   # leave out the minutes-long marks

tests/docs/test_doc_numbers.py runs the check.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

import dealspace
from dealspace.analysis import domain_values, kalai_smorodinsky, linkage, nash, pareto_frontier
from dealspace.analysis.deal import check_deal, load_deal
from dealspace.analysis.silos import Negotiator, domain_issues
from dealspace.analysis.worth import domain_worth
from dealspace.analysis.zopa import zopa
from dealspace.economy.scenario import economy_values

ROOT = Path(__file__).resolve().parents[1]
PAGES = (ROOT / "docs" / "scenarios" / "us-japan-2025.md", ROOT / "docs" / "linkage.md")
FULL, TRADE = "us-japan-2025", "us-japan-2025-trade-only"

BLOCK = re.compile(r"(<!-- numbers: ([\w.-]+) -->\n)(.*?)(<!-- /numbers -->)", re.S)
INLINE = re.compile(r"(<!-- n: ([\w.:+-]+) -->)(.*?)(<!-- /n -->)", re.S)

DOMAIN_NAMES = {
    "economic_security": "economic security",
    "intellectual_property": "intellectual property",
}


# ---------------------------------------------------------------- formatting


def signed(x: float, digits: int = 2) -> str:
    """``+1.59`` / ``−0.50`` (typographic minus), ``0`` for zero."""
    if round(x, digits) == 0:
        return "0"
    return f"{'+' if x > 0 else '−'}{abs(x):.{digits}f}"


def num(x: float, digits: int = 2) -> str:
    return f"{x:,.{digits}f}".replace("-", "−")


def pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def domain_ids(scenario: Any) -> list[str]:
    return [d.id for d in scenario.domains]


def domain_name(d: str) -> str:
    return DOMAIN_NAMES.get(d, d)


def table(header: Iterable[str], align: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- one scenario


class Built:
    """One built-in compiled once; every analysis below reuses the compiled space."""

    def __init__(self, name: str) -> None:
        self.scenario = dealspace.load_scenario(name)
        self.space = dealspace.compile(self.scenario)
        self.parties = self.space.parties

    @cached_property
    def pricing(self) -> Any:
        """The GE pricing of the tariff issues made by the compile (``TariffPricing``)."""
        assert self.space.compiled is not None and self.space.compiled.pricing is not None
        return self.space.compiled.pricing

    @cached_property
    def frontier(self) -> Any:
        return pareto_frontier(self.space)

    @cached_property
    def nash(self) -> Any:
        return nash(self.frontier)

    @cached_property
    def ks(self) -> Any:
        return kalai_smorodinsky(self.frontier)

    @cached_property
    def zopa(self) -> Any:
        return zopa(self.frontier)

    @cached_property
    def negotiator(self) -> Negotiator:
        return Negotiator(self.space, "apply")

    @cached_property
    def linkage(self) -> Any:
        return linkage(self.space)

    @cached_property
    def linkage_apply(self) -> Any:
        return linkage(self.space, off_table="apply")

    @cached_property
    def worth(self) -> Any:
        return domain_worth(self.space)

    def gains(self, package: dict[str, Any]) -> np.ndarray:
        return np.asarray(self.space.utility(package) - self.space.batna, dtype=float)

    def nash_gains(self) -> np.ndarray:
        return np.array([self.nash.gains[p] for p in self.parties])

    def moves(self, package: dict[str, Any]) -> dict[str, Any]:
        sq = self.scenario.status_quo()
        return {i: o for i, o in package.items() if o != sq[i]}

    def negotiate(self, issues: Iterable[str] | None = None, drop: Iterable[str] = ()) -> Any:
        return self.negotiator.negotiate(None if issues is None else list(issues), drop=list(drop))

    def domain_gains(self, package: dict[str, Any]) -> dict[str, np.ndarray]:
        """Each domain's change from the status quo (issue values only) and the bonuses."""
        sq = self.scenario.status_quo()
        base = self.space.utility(sq)
        out = {}
        no_bonus = 0.0
        for d in self.scenario.domains:
            ids = [i.id for i in d.issues]
            moved = {**sq, **{i: package[i] for i in ids}}
            out[d.id] = issue_points(self, moved) - issue_points(self, sq)
            no_bonus = no_bonus + out[d.id]
        total = self.space.utility(package) - base
        out["bonuses"] = total - no_bonus
        out["total"] = self.space.utility(package) - self.space.batna
        return out


def issue_points(b: Built, package: dict[str, Any]) -> np.ndarray:
    """Each party's utility from its value tables alone (no bonuses), joint tables included."""
    from dealspace.space import grid_rows, joint_groups

    s = b.scenario
    table = b.space.table
    out = np.zeros(len(b.parties))
    for k, party in enumerate(b.parties):
        for (p, key), values in table.items():
            if p != party:
                continue
            if "+" in key:
                continue
            out[k] += values[s.issue(key).option_index(package[key])]
    for party, group in joint_groups(table):
        k = b.parties.index(party)
        choice = {i: np.asarray(s.issue(i).option_index(package[i])) for i in group}
        out[k] += table[party, "+".join(group)][int(grid_rows(s, group, choice))]
    return out


class Numbers:
    """Every built-in the docs need, compiled on first use."""

    @cached_property
    def full(self) -> Built:
        return Built(FULL)

    @cached_property
    def trade(self) -> Built:
        return Built(TRADE)

    @cached_property
    def in_force(self) -> Built:
        return _in_force(self)


# ---------------------------------------------------------------- tables


def zopa_table(n: Numbers) -> str:
    cols = [n.trade, n.full]

    def best_min(b: Built) -> str:
        g = b.frontier.gains()
        i = int(np.argmax(g.min(axis=1)))
        return f"**{num(g[i].min())}** (US {signed(g[i][0])}, Japan {signed(g[i][1])})"

    def most(b: Built, p: int) -> str:
        g = b.frontier.gains()
        ok = g[:, 1 - p] > 0
        i = np.flatnonzero(ok)[int(np.argmax(g[ok, p]))]
        u = b.frontier.utilities[i, p]
        return f"{num(u)} (BATNA {num(b.space.batna[p])}, {signed(g[i, p])})"

    def gains(s: Any) -> str:
        return f"{signed(s.gains['us'])}, {signed(s.gains['japan'])}"

    rows = [
        ["acceptable packages", *(f"{c.space.n_outcomes:,}" for c in cols)],
        ["Pareto-optimal packages", *(f"{len(c.frontier):,}" for c in cols)],
        ["… of them in the ZOPA", *(f"**{c.zopa.n_packages:,}**" for c in cols)],
        [
            "best smallest gain (max over packages of min(US gain, Japan gain))",
            *(best_min(c) for c in cols),
        ],
        ["most the US can get while Japan gains", *(most(c, 0) for c in cols)],
        ["most Japan can get while the US gains", *(most(c, 1) for c in cols)],
        ["Nash gains (US, Japan)", *(gains(c.nash) for c in cols)],
        ["**Nash joint gain**", *(f"**{num(c.nash_gains().sum())}**" for c in cols)],
        ["Nash product", *(num(float(np.prod(c.nash_gains()))) for c in cols)],
        ["Kalai–Smorodinsky gains", *(gains(c.ks) for c in cols)],
    ]
    return table(
        ["", "trade only (`us-japan-2025-trade-only`)", "full portfolio (`us-japan-2025`)"],
        ["---", "---:", "---:"],
        rows,
    )


def domain_gains_table(n: Numbers) -> str:
    b = n.full
    g = b.domain_gains(b.nash.package)
    rows = [[domain_name(d), signed(g[d][0]), signed(g[d][1])] for d in domain_ids(b.scenario)]
    rows.append(
        ["bonuses (interactions, nice-to-have)", signed(g["bonuses"][0]), signed(g["bonuses"][1])]
    )
    rows.append(["**total**", f"**{signed(g['total'][0])}**", f"**{signed(g['total'][1])}**"])
    return table(
        ["domain", "US gain in the Nash package", "Japan gain"], ["---", "---:", "---:"], rows
    )


def _linkage_rows(n: Numbers, with_silos: bool) -> str:
    t, f = n.trade.nash_gains(), n.full.nash_gains()
    silo = n.full.linkage_apply
    rows = [
        [
            "trade only (`us-japan-2025-trade-only`)",
            signed(t[0]),
            signed(t[1]),
            num(t.sum()),
            num(float(np.prod(t))),
        ]
    ]
    if with_silos:
        g = np.array(silo.silo_gains)
        rows.append(
            [
                "each of the 8 domains of `us-japan-2025` alone, every constraint binding",
                signed(g[0]),
                signed(g[1]),
                num(g.sum()),
                num(float(np.prod(np.maximum(g, 0)))),
            ]
        )
    rows.append(
        [
            "portfolio (`us-japan-2025`)",
            signed(f[0]),
            signed(f[1]),
            num(f.sum()),
            num(float(np.prod(f)), 1),
        ]
    )
    d = f - t
    rows.append(
        [
            "widening the table adds" + (" (portfolio − trade only)" if with_silos else ""),
            signed(d[0]),
            signed(d[1]),
            signed(d.sum()),
            "",
        ]
    )
    return table(
        ["negotiation", "US gain", "Japan gain", "joint", "Nash product"],
        ["---", "---:", "---:", "---:", "---:"],
        rows,
    )


def shapley_table(n: Numbers) -> str:
    b = n.full
    apply = domain_values(b.space, off_table="apply")
    ignore = domain_values(b.space, off_table="ignore")
    a, i = apply.to_frame(), ignore.to_frame()
    order = a.sort_values("shapley", ascending=False, kind="stable").index
    rows = [
        [
            domain_name(d),
            f"{num(a.shapley[d])} ({pct(a.share[d])})",
            f"{num(i.shapley[d])} ({pct(i.share[d])})",
            num(i.alone[d]) if i.alone[d] else "0",
        ]
        for d in order
    ]
    return table(
        [
            "domain",
            "Shapley (constraints apply)",
            "Shapley (off-table constraints ignored)",
            "alone (ignored)",
        ],
        ["---", "---:", "---:", "---:"],
        rows,
    )


def _option_text(b: Built, issue_id: str, option: Any, status_quo: bool) -> str:
    issue = b.scenario.issue(issue_id)
    if issue.options is None:
        text = f"{option:g} %"
    else:
        k = issue.option_index(option)
        text = (issue.options[k].label if k is not None else None) or str(option)
    if status_quo and "status quo" not in text:
        text += " (status quo)"
    return text


def nash_vs_deal_table(n: Numbers) -> str:
    b = n.full
    deal = check_deal(load_deal("us-japan-2025-07"), b.scenario)
    sq = b.scenario.status_quo()
    rows = []
    for issue in b.scenario.issues:
        x, y = b.nash.package[issue.id], deal[issue.id]
        rows.append(
            [
                f"`{issue.id}`",
                _option_text(b, issue.id, x, x == sq[issue.id]),
                _option_text(b, issue.id, y, y == sq[issue.id]),
            ]
        )
    return table(
        ["issue", "Nash (full portfolio)", "the deal as coded (`us-japan-2025-07`)"],
        ["---", "---", "---"],
        rows,
    )


def ge_welfare_table(n: Numbers) -> str:
    s = n.full.scenario
    frame = n.full.pricing.to_frame(s)
    names = {
        "reciprocal_tariff": "reciprocal tariff",
        "auto_tariff": "cars and parts",
        "steel_aluminium": "steel and aluminium",
    }
    sq = s.status_quo()
    rows = []
    for issue_id, name in names.items():
        part = frame[(frame.issue == issue_id) & frame.iso3.isin(["USA", "JPN"])]
        pivot = part.pivot_table(index="rate_pct", columns="iso3", values="welfare_pct")
        issue = s.issue(issue_id)
        first = True
        for rate, row in pivot.sort_index().iterrows():
            opt = [o for o in issue.option_ids if _rate_of(issue, o) == rate]
            tag = " (status quo)" if opt and opt[0] == sq[issue_id] else ""
            rows.append(
                [
                    name if first else "",
                    f"{rate:g} %{tag}",
                    signed(row["USA"], 3),
                    signed(row["JPN"], 3),
                ]
            )
            first = False
    return table(["issue", "rate", "US", "Japan"], ["---", "---:", "---:", "---:"], rows)


def _rate_of(issue: Any, option: Any) -> float:
    from dealspace.economy.scenario import option_rates

    return float(option_rates(issue)[issue.option_index(option)])


def domain_worth_table(n: Numbers) -> str:
    w = n.full.worth.to_dict()
    rows = []
    for d in domain_ids(n.full.scenario):
        a, m = w["alone"][d], w["marginal"][d]
        rows.append(
            [
                domain_name(d),
                signed(a["us"]),
                signed(a["japan"]),
                signed(m["us"]),
                signed(m["japan"]),
            ]
        )
    return table(
        ["domain", "alone US", "alone Japan", "marginal US", "marginal Japan"],
        ["---", "---:", "---:", "---:", "---:"],
        rows,
    )


#: Factor ranges and draws of the robustness table.
ROBUST_RANGES = ((0.8, 1.25), (0.67, 1.5))
ROBUST_DRAWS = 300


def _ranged(name: str, lo: float, hi: float) -> Any:
    """The built-in with every weight ``w`` as a uniform range ``[lo·w, hi·w]``."""
    from dealspace.scenario.load import builtin_path, read_document, scenario_from_data

    data = read_document(builtin_path(name))
    for party in data["parties"]:
        for v in party["valuations"].values():
            w = float(v["weight"])
            v["weight"] = {"low": round(w * lo, 6), "high": round(w * hi, 6)}
    return scenario_from_data(data, name)


def robustness_table(n: Numbers) -> str:
    """`dealspace robust` on copies of both built-ins with every weight a range (seed 0)."""
    from dealspace.analysis.robust import robust

    rows = []
    for lo, hi in ROBUST_RANGES:
        cells = []
        for name in (TRADE, FULL):
            r = robust(_ranged(name, lo, hi), draws=ROBUST_DRAWS, seed=0, tornado=False)
            point = next(c for c in r.candidates if c.is_point_nash)
            cells.append((r.p_zopa, point.p_nash, point.p_all_accept))
        rows.append(
            [
                f"{lo:g}–{hi:g}",
                pct(cells[0][0]),
                pct(cells[1][0]),
                f"{pct(cells[0][1])} / {pct(cells[1][1])}",
                f"{pct(cells[0][2])} / {pct(cells[1][2])}",
            ]
        )
    return table(
        [
            "weight factor range",
            "ZOPA, trade only",
            "ZOPA, full",
            "point Nash package still Nash (trade / full)",
            "both sides gain from it (trade / full)",
        ],
        ["---", "---:", "---:", "---:", "---:"],
        rows,
    )


#: Marks too slow for the test suite (minutes): ``--check`` still covers them.
EXPENSIVE = frozenset({"robustness"})

TABLES: dict[str, Callable[[Numbers], str]] = {
    "robustness": robustness_table,
    "zopa-table": zopa_table,
    "domain-gains": domain_gains_table,
    "linkage-rows": lambda n: _linkage_rows(n, True),
    "linkage-headline": lambda n: _linkage_rows(n, False),
    "shapley": shapley_table,
    "nash-vs-deal": nash_vs_deal_table,
    "ge-welfare": ge_welfare_table,
    "domain-worth": domain_worth_table,
}


# ---------------------------------------------------------------- values in prose


def _economy_value(n: Numbers, issue_id: str, option: Any) -> str:
    s = n.full.scenario
    values = economy_values(s, [("japan", issue_id)], n.full.pricing)[("japan", issue_id)]
    return f"{values[s.issue(issue_id).option_index(option)]:.2f}"


def _checks(n: Numbers, drop: str) -> Any:
    """The trade-only Nash solution and ZOPA with one constraint or bonus left out."""
    from dealspace.scenario.load import builtin_path, read_document, scenario_from_data

    data = read_document(builtin_path(TRADE))
    for party in data["parties"]:
        for key in ("nice_to_haves", "must_haves"):
            party[key] = [c for c in party.get(key, []) if c.get("id") != drop]
    s = scenario_from_data(data, TRADE)
    f = pareto_frontier(dealspace.compile(s))
    return f, nash(f), zopa(f)


def _deal_package(n: Numbers) -> dict[str, Any]:
    return check_deal(load_deal("us-japan-2025-07"), n.full.scenario)


def _deal_gains(n: Numbers) -> np.ndarray:
    return n.full.gains(_deal_package(n))


def _sub(n: Numbers, domains: list[str]) -> Any:
    return n.full.negotiate(domain_issues(n.full.scenario, domains))


def _in_force(n: Numbers) -> Built:
    """The full built-in priced against the tariffs in force on its date (``base: in-force``)."""
    from dealspace.scenario.load import builtin_path, read_document, scenario_from_data

    data = read_document(builtin_path(FULL))
    data["economy"]["base"] = "in-force"
    b = Built.__new__(Built)
    b.scenario = scenario_from_data(data, FULL)
    b.space = dealspace.compile(b.scenario)
    b.parties = b.space.parties
    return b


def _cut_welfare(b: Built) -> str:
    """Japan's welfare gain (pp) from cutting both tariffs to the deal's 15 %."""
    from dealspace.economy.scenario import package_welfare

    s = b.scenario
    sq = s.status_quo()
    cut = {**sq, "reciprocal_tariff": 15.0, "auto_tariff": 15.0}
    jp = s.party("japan").country
    return f"{package_welfare(s, cut)[jp] - package_welfare(s, sq)[jp]:.3f}"


VALUES: dict[str, Callable[[Numbers], str]] = {
    "cut-welfare": lambda n: _cut_welfare(n.full),
    "cut-welfare-in-force": lambda n: _cut_welfare(n.in_force),
    "deal-japan-in-force": lambda n: signed(n.in_force.gains(_deal_package(n))[1]),
    "size-full": lambda n: f"{n.full.space.n_outcomes:,}",
    "size-trade": lambda n: f"{n.trade.space.n_outcomes:,}",
    "ge-recip-15": lambda n: _economy_value(n, "reciprocal_tariff", 15.0),
    "ge-recip-20": lambda n: _economy_value(n, "reciprocal_tariff", 20.0),
    "ge-auto-20": lambda n: _economy_value(n, "auto_tariff", 20.0),
    "zopa-trade": lambda n: f"{n.trade.zopa.n_packages:,}",
    "zopa-full": lambda n: f"{n.full.zopa.n_packages:,}",
    "trade-nash-us": lambda n: signed(n.trade.nash_gains()[0]),
    "trade-nash-japan": lambda n: signed(n.trade.nash_gains()[1]),
    "trade-nash-joint": lambda n: num(n.trade.nash_gains().sum()),
    "full-nash-us": lambda n: signed(n.full.nash_gains()[0]),
    "full-nash-japan": lambda n: signed(n.full.nash_gains()[1]),
    "full-nash-joint": lambda n: num(n.full.nash_gains().sum()),
    "full-best-min": lambda n: num(n.full.frontier.gains().min(axis=1).max()),
    "best-min-ratio": lambda n: (
        f"{n.full.frontier.gains().min(axis=1).max() / n.trade.frontier.gains().min(axis=1).max():.0f}"
    ),
    "no-headline": lambda n: _check_text(*_checks(n, "headline_purchases")),
    "no-auto-cut": lambda n: _check_text(*_checks(n, "auto_cut")),
    "trade-investment": lambda n: _sub_text(_sub(n, ["trade", "investment"])),
    "no-stylised": lambda n: _sub_text(
        _sub(
            n,
            [
                d
                for d in domain_ids(n.full.scenario)
                if d not in ("currency", "people", "intellectual_property")
            ],
        )
    ),
    "stylised-adds": lambda n: num(
        n.full.nash_gains().sum()
        - float(
            np.sum(
                _sub(
                    n,
                    [
                        d
                        for d in domain_ids(n.full.scenario)
                        if d not in ("currency", "people", "intellectual_property")
                    ],
                ).gains
            )
        )
    ),
    "deal-us": lambda n: signed(_deal_gains(n)[0]),
    "deal-japan": lambda n: signed(_deal_gains(n)[1]),
    "deal-joint": lambda n: num(_deal_gains(n).sum()),
    "deal-gap": lambda n: num(n.full.nash_gains().sum() - _deal_gains(n).sum()),
    "own-linkage-us": lambda n: signed(n.full.linkage.linkage_value[0]),
    "own-linkage-japan": lambda n: signed(n.full.linkage.linkage_value[1]),
    "own-silos-us": lambda n: signed(n.full.linkage.silo_gains[0]),
    "own-silos-japan": lambda n: signed(n.full.linkage.silo_gains[1]),
}


def _party(b: Built, p: str) -> int:
    return b.parties.index(p)


def _harvest(b: Built, name: str) -> Any:
    from dealspace.analysis import early_harvest

    if "harvest" not in b.__dict__:
        b.__dict__["harvest"] = early_harvest(b.space)
    return next(c for c in b.__dict__["harvest"].candidates if c.name == name)


def _redline(b: Built, key: str, p: str) -> float:
    from dealspace.analysis import redline_prices

    if "redlines" not in b.__dict__:
        b.__dict__["redlines"] = redline_prices(b.space).to_frame()
    return float(b.__dict__["redlines"].loc[key, f"delta:{p}"])


def _move(b: Built, issues: str, p: str) -> float:
    """Party p's change when the issues (``a+b``) move alone to the Nash package (logrolls)."""
    sq = b.scenario.status_quo()
    moved = {**sq, **{i: b.nash.package[i] for i in issues.split("+")}}
    k = _party(b, p)
    return float(b.space.utility(moved)[k] - b.space.utility(sq)[k])


def _scenario_of(n: Numbers, which: str) -> Built:
    return {"full": n.full, "trade": n.trade}[which]


#: Families of marks with arguments, ``family.scenario.args…`` (scenario: full | trade):
#: ``silo.S.DOMAIN.PARTY`` gain of the silo on its own merits; ``marginal.S.DOMAIN.PARTY``
#: what the party loses if the domain leaves the table (unsigned); ``redline.S.KEY.PARTY``
#: gain change if the constraint is dropped; ``harvest.S.NAME.early`` value realised early
#: (joint), ``harvest.S.NAME.PARTY`` final gain with NAME bound first; ``move.S.ISSUES.PARTY``
#: change when ISSUES (``a+b``) move alone to the Nash package.
FAMILIES: dict[str, Callable[[Numbers, Built, list[str]], str]] = {
    "silo": lambda n, b, a: signed(
        next(s for s in b.linkage.silos if s.domain == a[0]).gains[_party(b, a[1])]
    ),
    "marginal": lambda n, b, a: num(b.worth.to_dict()["marginal"][a[0]][a[1]]),
    "redline": lambda n, b, a: signed(_redline(b, a[0], a[1])),
    "harvest": lambda n, b, a: (
        signed(_harvest(b, a[0]).value)
        if a[1] == "early"
        else signed(_harvest(b, a[0]).remainder.gains[_party(b, a[1])])
    ),
    "move": lambda n, b, a: signed(_move(b, a[0], a[1])),
}


def value(name: str, n: Numbers) -> str:
    """The text of the inline mark ``name``: a key of VALUES or a FAMILIES mark."""
    if name in VALUES:
        return VALUES[name](n)
    family, _, rest = name.partition(".")
    if family in FAMILIES:
        which, *args = rest.split(".")
        return FAMILIES[family](n, _scenario_of(n, which), args)
    raise SystemExit(f"unknown value mark '{name}'")


def cheap_marks(pages: Iterable[Path] = PAGES) -> set[str]:
    """Every mark on the pages but the EXPENSIVE ones."""
    out: set[str] = set()
    for page in pages:
        out |= set(marks(page.read_text(encoding="utf-8")))
    return out - EXPENSIVE


def known(name: str) -> bool:
    return name in TABLES or name in VALUES or name.partition(".")[0] in FAMILIES


def _check_text(f: Any, sol: Any, z: Any) -> str:
    g = f.gains().min(axis=1).max()
    return (
        f"{z.n_packages} ZOPA packages, best smallest gain {num(g)}, "
        f"Nash joint gain {num(sum(sol.gains.values()))}"
    )


def _sub_text(out: Any) -> str:
    g = np.array(out.gains)
    return f"{num(g.sum())} (US {signed(g[0])}, Japan {signed(g[1])})"


# ---------------------------------------------------------------- rewrite


def marks(text: str) -> list[str]:
    return [m.group(2) for m in BLOCK.finditer(text)] + [m.group(2) for m in INLINE.finditer(text)]


def render(text: str, n: Numbers, only: set[str] | None = None) -> str:
    """The page with every marked table and value recomputed (``only``: just those names)."""

    def block(m: re.Match[str]) -> str:
        name = m.group(2)
        if only is not None and name not in only:
            return m.group(0)
        if name not in TABLES:
            raise SystemExit(f"unknown table mark '{name}'")
        return m.group(1) + TABLES[name](n) + "\n" + m.group(4)

    def inline(m: re.Match[str]) -> str:
        name = m.group(2)
        if only is not None and name not in only:
            return m.group(0)
        return m.group(1) + value(name, n) + m.group(4)

    return INLINE.sub(inline, BLOCK.sub(block, text))


def differences(
    pages: Iterable[Path] = PAGES, only: set[str] | None = None, n: Numbers | None = None
) -> list[str]:
    """``page: name`` of every mark whose text differs from what the code computes now."""
    n = n or Numbers()
    out = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        fresh = render(text, n, only)
        old = {m.group(2): m.group(0) for m in (*BLOCK.finditer(text), *INLINE.finditer(text))}
        new = {m.group(2): m.group(0) for m in (*BLOCK.finditer(fresh), *INLINE.finditer(fresh))}
        out += [f"{page.relative_to(ROOT)}: {k}" for k in old if old[k] != new.get(k)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report stale marks, write nothing")
    parser.add_argument("--only", nargs="*", help="only these marks")
    parser.add_argument("--quick", action="store_true", help="leave out the EXPENSIVE marks")
    args = parser.parse_args(argv)
    only = set(args.only) if args.only else None
    if args.quick:
        only = (only or cheap_marks()) - EXPENSIVE
    n = Numbers()
    if args.check:
        stale = differences(PAGES, only, n)
        for line in stale:
            print(f"stale: {line}")
        return 1 if stale else 0
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        fresh = render(text, n, only)
        if fresh != text:
            page.write_text(fresh, encoding="utf-8")
            print(f"rewrote {page.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
