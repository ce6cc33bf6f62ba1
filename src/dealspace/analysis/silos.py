"""The value of linkage: domains negotiated in silos versus as one portfolio.

Model
-----
Let :math:`D` be the domains of a scenario, :math:`x^0` the status quo,
:math:`d` the parties' BATNAs (the disagreement point) and :math:`u_p(x)`
party :math:`p`'s utility of a package. For a set of domains
:math:`S \\subseteq D`, the *S-negotiation* may move only the issues of
:math:`S`; every other issue is held at its status quo:

.. math::

    X_S = \\{x \\text{ acceptable to every party} : x_i = x^0_i
           \\text{ for every issue } i \\notin S\\},

and its outcome is the Nash bargaining solution over :math:`X_S`,

.. math::

    x^N(S) = \\arg\\max_{x \\in X_S,\\ u(x) > d} \\prod_p \\bigl(u_p(x) - d_p\\bigr),

or *no deal* (payoff :math:`d`, domains left at :math:`x^0`) when no package
of :math:`X_S` gives every party a strictly positive gain — the S-negotiation
has no ZOPA. Hard constraints (must-haves, red lines) apply in every
negotiation whose issues they all read (``off_table="own"``, the default:
each silo on its own merits). With ``off_table="apply"`` every constraint
binds everywhere, evaluated with the off-table issues at the status quo: a
party's must-have on another domain blocks a silo that leaves that domain
untouched — linkage imposed by a party (:mod:`dealspace.analysis.threats`
separates the two). With ``off_table="ignore"`` a negotiation leaves out only
the constraints that read none of its issues.

*Silos* are the single-domain negotiations :math:`x^N(\\{k\\})`; each silo's
gain :math:`g_k = u(x^N(\\{k\\})) - d` is measured with the other domains at
the status quo. The silo outcomes combine into one package :math:`x^{silo}`
(each domain at its silo deal, or at the status quo where its silo failed).
When utilities are additive across domains (no cross-domain bonus) and the
BATNA is the status quo,

.. math::

    u(x^{silo}) - d = \\sum_k g_k ,

so the table reports both the sum and the directly evaluated combined
package; they differ only through cross-domain interactions (or when a BATNA
differs from the status quo, whose surplus :math:`u(x^0) - d` is then counted
once). The *portfolio* is :math:`x^N(D)`; the *value of linkage* is

.. math::

    L_p = \\bigl(u_p(x^N(D)) - d_p\\bigr) - \\bigl(u_p(x^{silo}) - d_p\\bigr),

per party and summed over parties (joint). A domain is *unlocked by linkage*
when its silo has no ZOPA but its issues move in the portfolio package.

References
----------
.. [1] Sebenius, J. K. (1983). Negotiation arithmetic: adding and subtracting
   issues and parties. *International Organization* 37(2), 281–316.
.. [2] Raiffa, H. (1982). *The Art and Science of Negotiation*. Harvard
   University Press, ch. 10–14.
.. [3] Nash, J. F. (1950). The bargaining problem. *Econometrica* 18(2),
   155–162.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from dealspace.analysis.bargaining import solve
from dealspace.analysis.zopa import zopa
from dealspace.errors import DealspaceError, did_you_mean
from dealspace.present.document import Chart
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import OptionRef, Scenario, condition_issues
from dealspace.space import DealSpace, Package, acceptable, compile
from dealspace.tolerances import GAIN_TOL

#: Most domains a linkage analysis compares. Domain values need one negotiation per
#: pair of domains, each over the other domains, so the time grows with the cube of
#: the count (about a minute for 50 one-issue domains on a laptop-class machine).
MAX_LINKAGE_DOMAINS = 30

#: Absolute tolerance (utility points) below which two gains are equal.
TOL = GAIN_TOL

#: How hard constraints that read issues off the table are treated in a
#: sub-negotiation: ``"apply"`` (they bind, with those issues at the status
#: quo), ``"ignore"`` (those that read *only* off-table issues are left out)
#: or ``"own"`` (only constraints whose issues are *all* on the table bind —
#: each negotiation judged on its own merits, :mod:`dealspace.analysis.threats`).
OffTable = Literal["apply", "ignore", "own"]
OFF_TABLE = ("apply", "ignore", "own")


# ---------------------------------------------------------------- shared core


@dataclass(frozen=True)
class Outcome:
    """The result of one (sub-)negotiation, solved with the Nash solution.

    ``package`` is the whole package (every issue; off-table issues at the
    status quo, or the whole status quo when there is no deal); ``gains`` are
    measured against the *original* BATNAs, whatever disagreement point the
    negotiation used.
    """

    agreement: bool
    package: Package
    utilities: tuple[float, ...]
    gains: tuple[float, ...]

    @property
    def zopa(self) -> bool:
        """Whether the negotiation has a ZOPA (the same as reaching a deal)."""
        return self.agreement

    @property
    def joint(self) -> float:
        """Sum of the parties' gains over their BATNAs."""
        return float(sum(self.gains))

    @property
    def nash_product(self) -> float:
        """Product of the gains, 0 when some gain is not positive."""
        return nash_product(self.gains)


def nash_product(gains: Iterable[float]) -> float:
    """:math:`\\prod_p \\max(g_p, 0)` — 0 unless every gain is positive."""
    out = 1.0
    for g in gains:
        out *= max(float(g), 0.0)
    return out


class Negotiator:
    """Solve sub-negotiations of one compiled deal space.

    The scenario is compiled once (or a :class:`DealSpace` is given); every
    sub-negotiation is a :meth:`DealSpace.restrict` view of it, and a solved
    negotiation is cached by its arguments. With ``off_table="ignore"``, a
    negotiation over some issues leaves out the hard constraints that read
    none of them.
    """

    def __init__(self, source: Scenario | DealSpace, off_table: OffTable = "apply") -> None:
        if off_table not in OFF_TABLE:
            raise DealspaceError.single(
                "off_table", f"unknown setting '{off_table}'", "use 'apply', 'ignore' or 'own'"
            )
        base = source if isinstance(source, DealSpace) else compile(source)
        if base.dropped or base.fixed or base.negotiated is not None:
            base = base.restrict(drop=(), fixed={}, issues=None)
        self.space = base
        self.scenario = base.scenario
        self.off_table = off_table
        self._reads = {
            c.key: frozenset(condition_issues(c.constraint.condition)) for c in base.constraints
        }
        self.table = base.table
        self.status_quo: Package = self.scenario.status_quo()
        self.batna = np.asarray(base.batna, dtype=float)
        self.status_quo_utility = np.asarray(base.status_quo_utility, dtype=float)
        self._cache: dict[Any, Outcome] = {}

    def compile(
        self,
        *,
        issues: Collection[str] | None = None,
        drop: Collection[str] = (),
        fixed: Mapping[str, OptionRef] | None = None,
    ) -> DealSpace:
        """The sub-negotiation as a view of the compiled space (no recompilation)."""
        return self.space.restrict(
            issues=issues if issues is not None else frozenset(self.scenario.issue_ids),
            drop=drop,
            fixed=fixed or {},
        )

    def utilities(self, package: Mapping[str, OptionRef]) -> np.ndarray:
        return self.space.utility(package)

    def negotiate(
        self,
        issues: Collection[str] | None = None,
        *,
        drop: Collection[str] = (),
        fixed: Mapping[str, OptionRef] | None = None,
        disagreement: np.ndarray | None = None,
    ) -> Outcome:
        """Nash outcome when only ``issues`` (default: all) may move.

        ``disagreement`` replaces the BATNAs as the disagreement point (used
        when an early harvest is already binding); without a deal the payoff
        is that point and the package is the status quo (``fixed`` issues at
        their fixed options). There is a ZOPA exactly when the Nash solution
        finds an agreement: both test for a package with every gain strictly
        positive (:mod:`dealspace.analysis.zopa`).
        """
        drops = self._drop(issues, drop)
        key = (
            None if issues is None else frozenset(issues),
            drops,
            None if fixed is None else frozenset((k, str(v)) for k, v in fixed.items()),
            None if disagreement is None else tuple(np.round(disagreement, 12)),
        )
        if key not in self._cache:
            space = self.compile(issues=issues, drop=drops, fixed=fixed)
            if disagreement is not None:
                space = space.restrict(batna=np.asarray(disagreement, dtype=float))
            self._cache[key] = self._solve(space, fixed)
        return self._cache[key]

    def with_off_table(self, off_table: OffTable) -> Negotiator:
        """The same negotiator (same space, shared cache) with another ``off_table`` rule."""
        other = Negotiator(self.space, off_table)
        other._cache = self._cache
        return other

    def explain(self, issues: Collection[str] | None = None) -> str:
        """Plain-words ZOPA check of a negotiation (what blocks a deal)."""
        space = self.compile(issues=issues, drop=self._drop(issues, ()))
        return zopa(space).explanation

    def _drop(self, issues: Collection[str] | None, drop: Collection[str]) -> frozenset[str]:
        """``drop`` plus, when ignoring them, the constraints off the table."""
        out = frozenset(drop)
        if issues is None:
            return out
        on = frozenset(issues)
        if self.off_table == "ignore":
            out |= {key for key, reads in self._reads.items() if not reads & on}
        elif self.off_table == "own":
            out |= {key for key, reads in self._reads.items() if not reads <= on}
        return out

    def off_table_constraints(self, issues: Collection[str]) -> tuple[str, ...]:
        """Keys of the constraints that read some issue outside ``issues``."""
        on = frozenset(issues)
        return tuple(key for key, reads in self._reads.items() if not reads <= on)

    def _solve(self, space: DealSpace, fixed: Mapping[str, OptionRef] | None) -> Outcome:
        solution = solve(space, "nash")
        if solution.agreement and solution.package is not None:
            package = dict(solution.package)
            u = self.utilities(package)
            return Outcome(
                agreement=True,
                package=package,
                utilities=_floats(u),
                gains=_floats(u - self.batna),
            )
        package = dict(self.status_quo)
        package.update(fixed or {})
        d = np.asarray(space.batna, dtype=float)
        return Outcome(
            agreement=False,
            package=package,
            utilities=_floats(d),
            gains=_floats(d - self.batna),
        )


def domain_issues(scenario: Scenario, domains: Iterable[str]) -> tuple[str, ...]:
    """The issues of the given domains, in scenario order."""
    chosen = set(domains)
    return tuple(i.id for d in scenario.domains if d.id in chosen for i in d.issues)


def check_domains(scenario: Scenario, domains: Iterable[str] | None) -> tuple[str, ...]:
    """Validate domain ids (all domains when None); keep scenario order; at most
    :data:`MAX_LINKAGE_DOMAINS` of them."""
    known = [d.id for d in scenario.domains]
    if domains is None:
        check_linkage_size(scenario, len(known))
        return tuple(known)
    chosen = list(domains)
    for name in chosen:
        if name not in known:
            raise DealspaceError.single(
                f"domains.{name}",
                f"no domain '{name}' in scenario '{scenario.name}'",
                did_you_mean(name, known),
            )
    if not chosen:
        raise DealspaceError.single("domains", "no domain chosen", "name at least one domain")
    out = tuple(d for d in known if d in set(chosen))
    check_linkage_size(scenario, len(out))
    return out


def check_linkage_size(scenario: Scenario, n: int) -> None:
    """Refuse comparing more than :data:`MAX_LINKAGE_DOMAINS` domains (see there)."""
    if n > MAX_LINKAGE_DOMAINS:
        raise DealspaceError.single(
            "domains",
            f"{n:,} domains: comparing them (silos, marginal values, pairwise interactions) takes "
            f"{linkage_negotiations(n):,} negotiations; the limit is {MAX_LINKAGE_DOMAINS} domains",
            f"choose at most {MAX_LINKAGE_DOMAINS} domains (`dealspace linkage -d A -d B …`), "
            "or group the issues into fewer domains",
            source=scenario.origin,
        )


def linkage_negotiations(n: int) -> int:
    """Negotiations of a linkage analysis over ``n`` domains: the portfolio, each silo,
    each domain left out and each pair left out (1 + 2n + n(n−1)/2)."""
    return 1 + 2 * n + n * (n - 1) // 2


def check_party(scenario: Scenario, party: str) -> int:
    """Index of a party id, or a DealspaceError with a did-you-mean hint."""
    ids = list(scenario.party_ids)
    if party not in ids:
        raise DealspaceError.single(
            "party", f"no party '{party}' in scenario '{scenario.name}'", did_you_mean(party, ids)
        )
    return ids.index(party)


def moved(
    package: Mapping[str, OptionRef], status_quo: Mapping[str, OptionRef], issues: Iterable[str]
) -> bool:
    """Whether any of ``issues`` differs from the status quo in ``package``."""
    return any(str(package[i]) != str(status_quo[i]) for i in issues)


def _floats(values: Iterable[Any]) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _jsonable_package(package: Mapping[str, OptionRef] | None) -> dict[str, Any] | None:
    return None if package is None else {k: v for k, v in package.items()}


# ---------------------------------------------------------------- linkage


@dataclass(frozen=True)
class Silo:
    """One domain negotiated alone (other domains at the status quo).

    ``gains`` are over the BATNAs with the other domains at the status quo;
    ``change`` is the utility change over the status quo package,
    :math:`u(x^N(\\{k\\})) - u(x^0)` (zero without a deal).
    """

    domain: str
    issues: tuple[str, ...]
    zopa: bool
    agreement: bool
    deal: dict[str, OptionRef] | None
    gains: tuple[float, ...]
    change: tuple[float, ...]
    nash_product: float
    moves_in_portfolio: bool
    explanation: str

    @property
    def joint(self) -> float:
        return float(sum(self.gains))


@dataclass(frozen=True)
class LinkageResult(Displayed):
    """Silos versus the portfolio. Build with :func:`linkage`.

    Attributes
    ----------
    parties, domains
        Party ids; the domains analysed (the portfolio is their union).
    batna
        The disagreement point :math:`d`.
    silos
        One :class:`Silo` per domain.
    silo_package
        The silo deals combined (status quo where a silo failed).
    silo_package_acceptable
        Whether the combined package meets every hard constraint (a
        cross-domain constraint may be broken by silo deals made separately).
    silo_sum
        :math:`(u(x^0) - d) + \\sum_k \\Delta_k` with :math:`\\Delta_k` each
        silo's change over the status quo: the sum of silo gains.
    silo_gains
        :math:`u(x^{silo}) - d`, evaluated directly.
    portfolio
        The portfolio negotiation's :class:`Outcome`.
    linkage_value
        ``portfolio.gains − silo_gains`` per party.
    unlocked
        Domains with no ZOPA alone whose issues move in the portfolio package.
    off_table
        Whether constraints off a negotiation's table were applied or ignored
        (``"own"``: each negotiation bound only by its own constraints).
    threats
        The :class:`~dealspace.analysis.threats.LinkageDecomposition` this
        result heads (integrative vs threat-based linkage), when built by
        :func:`~dealspace.analysis.threats.decompose_linkage`.
    worth
        Each domain's marginal value and pairwise interactions per party
        (:class:`~dealspace.analysis.worth.DomainWorth`), when attached.
    """

    scenario: str
    parties: tuple[str, ...]
    domains: tuple[str, ...]
    batna: tuple[float, ...]
    silos: tuple[Silo, ...]
    silo_package: dict[str, OptionRef]
    silo_package_acceptable: bool
    silo_sum: tuple[float, ...]
    silo_gains: tuple[float, ...]
    portfolio: Outcome
    linkage_value: tuple[float, ...]
    unlocked: tuple[str, ...]
    off_table: str = "apply"
    threats: Any = field(default=None, compare=False, repr=False)
    worth: Any = field(default=None, compare=False, repr=False)

    @property
    def additive(self) -> bool:
        """Whether the sum of silo gains equals the combined package's gains."""
        return bool(np.allclose(self.silo_sum, self.silo_gains, atol=TOL))

    @property
    def silo_joint(self) -> float:
        return float(sum(self.silo_gains))

    @property
    def portfolio_joint(self) -> float:
        return self.portfolio.joint

    @property
    def joint_linkage_value(self) -> float:
        return float(sum(self.linkage_value))

    @property
    def silo_nash_product(self) -> float:
        return nash_product(self.silo_gains)

    @property
    def nash_product_difference(self) -> float:
        """Portfolio Nash product minus the combined silos' Nash product."""
        return self.portfolio.nash_product - self.silo_nash_product

    def to_frame(self) -> pd.DataFrame:
        """One row per silo, then the silo sum, combined silos, portfolio and
        linkage value; columns: ZOPA, gain per party, joint gain, Nash product."""
        rows: list[dict[str, Any]] = []

        def row(
            name: str, kind: str, zopa: bool | None, gains: Iterable[float], np_: float
        ) -> None:
            g = list(gains)
            out: dict[str, Any] = {"negotiation": name, "kind": kind, "zopa": zopa}
            out.update({f"gain:{p}": v for p, v in zip(self.parties, g, strict=True)})
            out["joint"] = float(sum(g))
            out["nash_product"] = np_
            rows.append(out)

        for s in self.silos:
            row(s.domain, "silo", s.zopa, s.gains, s.nash_product)
        row("silos (sum)", "silos", None, self.silo_sum, nash_product(self.silo_sum))
        row("silos (combined)", "silos", None, self.silo_gains, self.silo_nash_product)
        row(
            "portfolio",
            "portfolio",
            self.portfolio.zopa,
            self.portfolio.gains,
            self.portfolio.nash_product,
        )
        row("linkage value", "difference", None, self.linkage_value, self.nash_product_difference)
        return pd.DataFrame(rows).set_index("negotiation")

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {
            "scenario": self.scenario,
            "parties": list(self.parties),
            "domains": list(self.domains),
            "batna": list(self.batna),
            "silos": [
                {
                    "domain": s.domain,
                    "issues": list(s.issues),
                    "zopa": s.zopa,
                    "agreement": s.agreement,
                    "deal": _jsonable_package(s.deal),
                    "gains": dict(zip(self.parties, s.gains, strict=True)),
                    "joint": s.joint,
                    "nash_product": s.nash_product,
                    "moves_in_portfolio": s.moves_in_portfolio,
                    "explanation": s.explanation,
                }
                for s in self.silos
            ],
            "silos_combined": {
                "package": _jsonable_package(self.silo_package),
                "acceptable": self.silo_package_acceptable,
                "gains_sum": dict(zip(self.parties, self.silo_sum, strict=True)),
                "gains": dict(zip(self.parties, self.silo_gains, strict=True)),
                "joint": self.silo_joint,
                "nash_product": self.silo_nash_product,
                "additive": self.additive,
            },
            "portfolio": {
                "zopa": self.portfolio.zopa,
                "agreement": self.portfolio.agreement,
                "package": _jsonable_package(self.portfolio.package),
                "gains": dict(zip(self.parties, self.portfolio.gains, strict=True)),
                "joint": self.portfolio.joint,
                "nash_product": self.portfolio.nash_product,
            },
            "linkage_value": dict(zip(self.parties, self.linkage_value, strict=True)),
            "joint_linkage_value": self.joint_linkage_value,
            "nash_product_difference": self.nash_product_difference,
            "unlocked": list(self.unlocked),
            "off_table": self.off_table,
            "threats": None if self.threats is None else self.threats.to_dict(),
            "worth": None if self.worth is None else self.worth.to_dict(),
        }

    def chart(self) -> Chart:
        """The waterfall from each domain alone to one portfolio (joint gains)."""
        from dealspace.analysis.specs import linkage_chart

        return linkage_chart(self)


def linkage(
    scenario: Scenario | DealSpace,
    domains: Iterable[str] | None = None,
    *,
    off_table: OffTable = "own",
) -> LinkageResult:
    """Compare each domain negotiated alone with the domains negotiated as one.

    Parameters
    ----------
    scenario
        The negotiation portfolio.
    domains
        The domains to analyse (default: all). Domains outside the choice
        stay at the status quo in every negotiation, the portfolio included.
    off_table
        ``"own"`` (default): a negotiation is bound only by the must-haves
        and red lines whose issues are all on its table — each silo judged on
        its own merits, so the value of linkage is the *integrative* value of
        combining issues (the headline; :mod:`dealspace.analysis.threats`
        names the constraints that would close a silo).
        ``"apply"``: every must-have and red line binds in every negotiation,
        evaluated with off-table issues at the status quo — a party's demand
        on another domain blocks a silo that leaves it alone (linkage imposed
        by a threat). ``"ignore"``: leave out only the constraints that read
        none of the negotiation's issues.

    Returns
    -------
    LinkageResult
        Silo outcomes, their combination, the portfolio outcome, and the value
        of linkage per party and jointly.

    Raises
    ------
    DealspaceError
        For an unknown domain or ``off_table`` setting.

    Notes
    -----
    Silo :math:`k` solves :math:`\\max \\prod_p (u_p(x) - d_p)` over the
    acceptable packages that move only the issues of domain :math:`k`; the
    portfolio solves it over packages that move any chosen domain's issues.
    The value of linkage of party :math:`p` is
    :math:`L_p = g_p(x^N(D)) - g_p(x^{silo})` (see the module docstring).
    With ``off_table="apply"`` the silo feasible sets are faces of the
    portfolio's, so the portfolio Nash product is at least every silo's; with
    ``"own"`` a silo may reach a package the portfolio's cross-domain
    constraints forbid. A negative :math:`L_p` means the
    portfolio shifts surplus away from :math:`p` while raising the product.

    References
    ----------
    Sebenius (1983), "Negotiation arithmetic"; Raiffa (1982), ch. 10–14.

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> result = linkage(load_scenario("tests/data/linkage/linkage.yaml"))
    >>> [s.zopa for s in result.silos]
    [False, False, True]
    >>> result.silo_joint, result.portfolio_joint, result.unlocked
    (3.0, 7.0, ('trade', 'security'))
    """
    return linkage_of(Negotiator(scenario, off_table), domains)


def linkage_of(neg: Negotiator, domains: Iterable[str] | None = None) -> LinkageResult:
    """:func:`linkage` with a given :class:`Negotiator` (its ``off_table`` rule and cache)."""
    scenario = neg.scenario
    off_table = neg.off_table
    chosen = check_domains(scenario, domains)
    sq = neg.status_quo
    portfolio = neg.negotiate(domain_issues(scenario, chosen))
    silos = []
    combined = dict(sq)
    change_sum = neg.status_quo_utility - neg.batna
    for domain in chosen:
        issues = domain_issues(scenario, [domain])
        out = neg.negotiate(issues)
        deal = {i: out.package[i] for i in issues} if out.agreement else None
        change = (
            np.asarray(out.utilities) - neg.status_quo_utility
            if out.agreement
            else np.zeros(len(neg.batna))
        )
        change_sum = change_sum + change
        if deal:
            combined.update(deal)
        silos.append(
            Silo(
                domain=domain,
                issues=issues,
                zopa=out.zopa,
                agreement=out.agreement,
                deal=deal,
                gains=out.gains,
                change=_floats(change),
                nash_product=out.nash_product,
                moves_in_portfolio=portfolio.agreement and moved(portfolio.package, sq, issues),
                explanation="" if out.agreement else neg.explain(issues),
            )
        )
    silo_gains = neg.utilities(combined) - neg.batna
    return LinkageResult(
        scenario=scenario.name,
        parties=scenario.party_ids,
        domains=chosen,
        batna=_floats(neg.batna),
        silos=tuple(silos),
        silo_package=combined,
        silo_package_acceptable=acceptable(scenario, combined),
        silo_sum=_floats(change_sum),
        silo_gains=_floats(silo_gains),
        portfolio=portfolio,
        linkage_value=_floats(np.asarray(portfolio.gains) - silo_gains),
        unlocked=tuple(s.domain for s in silos if not s.zopa and s.moves_in_portfolio),
        off_table=off_table,
    )
