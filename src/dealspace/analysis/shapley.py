"""Shapley values of domains: each domain's share of the portfolio's surplus.

Model
-----
The domains :math:`D` are the players of a cooperative game whose worth of a
coalition :math:`S \\subseteq D` is the joint surplus of negotiating exactly
the domains in :math:`S` (all other domains held at the status quo):

.. math::

    v(S) = \\sum_p \\bigl(u_p(x^N(S)) - d_p\\bigr), \\qquad v(S) = 0
    \\text{ when the } S\\text{-negotiation has no ZOPA},

where :math:`x^N(S)` is the Nash bargaining package of the S-negotiation and
:math:`d` the BATNAs (see :mod:`dealspace.analysis.silos`); :math:`v(\\emptyset) = 0`.
The Shapley value of domain :math:`k` is its average marginal contribution
over all orders in which the domains could be added to the table,

.. math::

    \\phi_k = \\sum_{S \\subseteq D \\setminus \\{k\\}}
              \\frac{|S|!\\,(|D| - |S| - 1)!}{|D|!}
              \\bigl(v(S \\cup \\{k\\}) - v(S)\\bigr),

and the values are *efficient*: :math:`\\sum_k \\phi_k = v(D)`.

For :math:`|D| \\le 15` all :math:`2^{|D|}` coalitions are solved (each once);
above that, :math:`\\phi` is estimated by averaging marginal contributions
along uniformly random permutations of :math:`D` (Castro, Gómez & Tejada
2009), with standard errors :math:`s_k / \\sqrt{n}` from the sample standard
deviation :math:`s_k` of domain :math:`k`'s contributions over :math:`n`
permutations. Every sampled permutation's contributions telescope to
:math:`v(D)`, so the estimate is efficient too.

References
----------
.. [1] Shapley, L. S. (1953). A value for n-person games. In *Contributions
   to the Theory of Games II*, Annals of Mathematics Studies 28, 307–317.
.. [2] Castro, J., Gómez, D. & Tejada, J. (2009). Polynomial calculation of
   the Shapley value based on sampling. *Computers & Operations Research*
   36(5), 1726–1730.
.. [3] Sebenius, J. K. (1983). Negotiation arithmetic. *International
   Organization* 37(2), 281–316.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dealspace.analysis.silos import Negotiator, OffTable, check_domains, domain_issues
from dealspace.errors import DealspaceError
from dealspace.present.document import Chart
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace

#: Largest number of domains valued exactly (2^D coalitions).
MAX_EXACT = 15


#: Most domains whose characteristic function is diagnosed (3^n pairs of coalitions).
MAX_DIAGNOSED = 10


@dataclass(frozen=True)
class Diagnosis:
    """Properties of one characteristic function :math:`v` (``who``: ``joint`` or a party id).

    *Monotone*: :math:`v(S) \\le v(T)` whenever :math:`S \\subseteq T` (adding a
    domain never hurts); *superadditive*: :math:`v(S \\cup T) \\ge v(S) + v(T)`
    for disjoint :math:`S, T` (linking never destroys value). When either
    fails, Shapley shares are averages over orders in which adding a domain
    can destroy value — read them with the marginal values and interactions
    of :mod:`dealspace.analysis.worth`. ``*_witness`` is a counter-example in words.
    """

    who: str
    monotone: bool
    superadditive: bool
    monotone_witness: str = ""
    superadditive_witness: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "who": self.who,
            "monotone": self.monotone,
            "superadditive": self.superadditive,
            "monotone_witness": self.monotone_witness,
            "superadditive_witness": self.superadditive_witness,
        }


def diagnose(
    who: str, n: int, names: tuple[str, ...], v: Callable[[int], float], tol: float = 1e-9
) -> Diagnosis:
    """Check monotonicity and superadditivity of ``v`` over bit-mask coalitions of ``n`` players."""

    def words(mask: int) -> str:
        return "{" + ", ".join(names[k] for k in range(n) if mask >> k & 1) + "}"

    mono, mono_w = True, ""
    for mask in range(1 << n):
        for k in range(n):
            if not mask >> k & 1 and v(mask | 1 << k) < v(mask) - tol:
                mono, mono_w = (
                    False,
                    f"v{words(mask)} = {v(mask):.4g} > v{words(mask | 1 << k)} = {v(mask | 1 << k):.4g}",
                )
                break
        if not mono:
            break
    sup, sup_w = True, ""
    for a in range(1, 1 << n):
        rest = ((1 << n) - 1) & ~a
        b = rest
        while b:
            if b > a and v(a | b) < v(a) + v(b) - tol:
                sup = False
                sup_w = f"v{words(a | b)} = {v(a | b):.4g} < v{words(a)} + v{words(b)} = {v(a):.4g} + {v(b):.4g}"
                break
            b = (b - 1) & rest
        if not sup:
            break
    return Diagnosis(who, mono, sup, mono_w, sup_w)


@dataclass(frozen=True)
class DomainValues(Displayed):
    """Shapley values of the domains. Build with :func:`domain_values`.

    Attributes
    ----------
    domains
        Domain ids, in scenario order.
    values
        :math:`\\phi_k` per domain (utility points, summed over parties).
    std_errors
        Standard errors of sampled values (zeros when exact).
    grand
        :math:`v(D)`, the portfolio's joint surplus.
    singles
        :math:`v(\\{k\\})`, each domain's surplus alone.
    exact
        Whether every coalition was solved.
    samples
        Permutations drawn (0 when exact).
    coalitions
        Number of coalitions solved.
    parties, by_party
        Party ids and, per domain, each party's Shapley value of its own gain
        :math:`v_p(S) = u_p(x^N(S)) - d_p` (own points; these do not change
        when another party's points are rescaled, unlike ``values``).
    diagnosis
        Whether the characteristic function is monotone and superadditive,
        for the joint surplus and for each party (exact values only, at most
        :data:`MAX_DIAGNOSED` domains), with a counter-example when not.
    """

    scenario: str
    domains: tuple[str, ...]
    values: tuple[float, ...]
    std_errors: tuple[float, ...]
    grand: float
    singles: tuple[float, ...]
    exact: bool
    samples: int
    coalitions: int
    parties: tuple[str, ...] = ()
    by_party: tuple[tuple[float, ...], ...] = ()
    diagnosis: tuple[Diagnosis, ...] = ()

    @property
    def shares(self) -> tuple[float, ...]:
        """:math:`\\phi_k / v(D)` (NaN when the grand surplus is zero)."""
        if abs(self.grand) <= 0:
            return tuple(math.nan for _ in self.values)
        return tuple(v / self.grand for v in self.values)

    def value(self, domain: str) -> float:
        return self.values[self.domains.index(domain)]

    def to_frame(self) -> pd.DataFrame:
        """One row per domain: Shapley value, share, standard error, value alone."""
        return pd.DataFrame(
            {
                "shapley": self.values,
                "share": self.shares,
                "std_error": self.std_errors,
                "alone": self.singles,
            },
            index=pd.Index(self.domains, name="domain"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "parties": list(self.parties),
            "by_party": {
                d: dict(zip(self.parties, v, strict=True))
                for d, v in zip(self.domains, self.by_party, strict=True)
            },
            "diagnosis": [d.to_dict() for d in self.diagnosis],
            "scenario": self.scenario,
            "domains": list(self.domains),
            "values": dict(zip(self.domains, self.values, strict=True)),
            "std_errors": dict(zip(self.domains, self.std_errors, strict=True)),
            "alone": dict(zip(self.domains, self.singles, strict=True)),
            "grand": self.grand,
            "exact": self.exact,
            "samples": self.samples,
            "coalitions": self.coalitions,
        }

    def chart(self) -> Chart:
        """Each domain's value as bars."""
        from dealspace.analysis.specs import shapley_chart

        return shapley_chart(self)


def domain_values(
    scenario: Scenario | DealSpace,
    seed: int | np.random.Generator | None = 0,
    samples: int = 200,
    *,
    domains: Iterable[str] | None = None,
    exact: bool | None = None,
    off_table: OffTable = "own",
) -> DomainValues:
    """Shapley value of each domain to the portfolio's joint surplus.

    Parameters
    ----------
    scenario
        The negotiation portfolio.
    seed
        Seed (or generator) of the permutation sampler; unused when exact.
    samples
        Permutations to sample when the values are estimated.
    domains
        The players (default: every domain); the others stay at the status
        quo in every coalition.
    off_table
        Whether a coalition's negotiation applies the constraints that read
        none of its issues (see :func:`dealspace.analysis.silos.linkage`).
    exact
        Force exact enumeration (True) or sampling (False); default: exact
        when the scenario has at most :data:`MAX_EXACT` domains.

    Returns
    -------
    DomainValues

    Raises
    ------
    DealspaceError
        For an unknown domain, ``samples`` below 2 for a sampled estimate, or
        exact enumeration forced above :data:`MAX_EXACT` domains.

    Notes
    -----
    :math:`\\phi_k = \\sum_{S \\not\\ni k} \\frac{|S|!(|D|-|S|-1)!}{|D|!}
    (v(S \\cup \\{k\\}) - v(S))` with :math:`v(S)` the joint gain of the
    S-negotiation's Nash package (module docstring). Efficiency
    :math:`\\sum_k \\phi_k = v(D)` holds exactly for both methods.

    References
    ----------
    Shapley (1953); Castro, Gómez & Tejada (2009).

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> values = domain_values(load_scenario("tests/data/linkage/linkage.yaml"))
    >>> [round(v, 6) for v in values.values], values.grand
    ([2.0, 2.0, 3.0], 7.0)
    """
    neg = Negotiator(scenario, off_table)
    scenario = neg.scenario
    domains = check_domains(scenario, domains)
    n = len(domains)
    if exact is None:
        exact = n <= MAX_EXACT
    if exact and n > MAX_EXACT:
        raise DealspaceError.single(
            "exact",
            f"{n} domains means 2^{n} coalitions",
            f"use sampling (at most {MAX_EXACT} exact)",
        )
    if not exact and samples < 2:
        raise DealspaceError.single("samples", f"{samples} permutations", "sample at least 2")
    n_parties = len(scenario.party_ids)
    cache: dict[int, np.ndarray] = {0: np.zeros(n_parties)}

    def gains(mask: int) -> np.ndarray:
        if mask not in cache:
            chosen = [domains[k] for k in range(n) if mask >> k & 1]
            out = neg.negotiate(domain_issues(scenario, chosen))
            cache[mask] = (
                np.asarray(out.gains, dtype=float) if out.agreement else np.zeros(n_parties)
            )
        return cache[mask]

    def worth(mask: int) -> float:
        return float(gains(mask).sum())

    def party_worth(q: int) -> Callable[[int], float]:
        return lambda mask: float(gains(mask)[q])

    full = (1 << n) - 1
    per_party: list[np.ndarray] = []
    diagnosis: list[Diagnosis] = []
    if exact:
        values = _exact(n, worth)
        for q in range(n_parties):
            per_party.append(_exact(n, party_worth(q)))
        errors = np.zeros(n)
        drawn = 0
        if n <= MAX_DIAGNOSED:
            diagnosis.append(diagnose("joint", n, domains, worth))
            for q, p in enumerate(scenario.party_ids):
                diagnosis.append(diagnose(p, n, domains, party_worth(q)))
    else:
        values, errors = _sampled(n, worth, np.random.default_rng(seed), samples)
        for q in range(n_parties):
            est, _ = _sampled(n, party_worth(q), np.random.default_rng(seed), samples)
            per_party.append(est)
        drawn = samples
    return DomainValues(
        scenario=scenario.name,
        domains=domains,
        values=tuple(float(v) for v in values),
        std_errors=tuple(float(e) for e in errors),
        grand=worth(full),
        singles=tuple(worth(1 << k) for k in range(n)),
        exact=exact,
        samples=drawn,
        coalitions=len(cache),
        parties=scenario.party_ids,
        by_party=tuple(tuple(float(pp[k]) for pp in per_party) for k in range(n)),
        diagnosis=tuple(diagnosis),
    )


def _exact(n: int, worth: Callable[[int], float]) -> np.ndarray:
    """Shapley values by enumerating every coalition (bit masks)."""
    weight = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    values = np.zeros(n)
    for mask in range(1 << n):
        size = mask.bit_count()
        base = worth(mask)
        for k in range(n):
            if not mask >> k & 1:
                values[k] += weight[size] * (worth(mask | 1 << k) - base)
    return values


def _sampled(
    n: int, worth: Callable[[int], float], rng: np.random.Generator, samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of marginal contributions over random orders."""
    contrib = np.zeros((samples, n))
    for t in range(samples):
        mask, prev = 0, 0.0
        for k in rng.permutation(n):
            mask |= 1 << int(k)
            now = worth(mask)
            contrib[t, k] = now - prev
            prev = now
    return contrib.mean(axis=0), contrib.std(axis=0, ddof=1) / math.sqrt(samples)
