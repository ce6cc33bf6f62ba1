r"""Score a signed deal against its scenario: computations and evidence, not opinion.

A *deal file* (YAML) states a deal as a package of a scenario — one option per
issue it changes, each tagged ``kind: structural`` (a tariff or rule changed
in law) or ``kind: headline`` (an announced purchase, pledge or intention) —
plus dated, sourced evidence on its durability. :func:`score` computes six
criteria; each carries its formula with the numbers filled in and the evidence
it rests on.

Notation
--------
Parties :math:`p`, issues :math:`i`, deal :math:`x`, status quo :math:`x^0`,
BATNA :math:`d_p`. The *term contribution* :math:`\Delta_{pi}` is the change
of :math:`p`'s utility on issue :math:`i` (its weighted value of the deal's
option minus that of the status quo); a bonus whose condition changes truth
value is split equally over the issues it reads, so
:math:`\sum_i \Delta_{pi} = u_p(x) - u_p(x^0)` exactly. :math:`R_p` is
:math:`p`'s utility range over acceptable packages and
:math:`\delta_{pi} = \Delta_{pi}/R_p`; :math:`a_p` the ideal gain (largest
gain over :math:`d_p` among packages every party prefers to its BATNA).

Criteria
--------
structural vs headline
    :math:`\sigma = \sum_{p}\sum_{i \in S}|\delta_{pi}| / \sum_p\sum_i|\delta_{pi}|`,
    the share of the value the deal moves that sits in terms changed in law
    (:math:`S` = structural terms); per party the signed sums over structural
    and headline terms.
practical vs symbolic
    :math:`\rho = (M / M_{\max}) / (k / n)` with :math:`M = \sum_{i}
    \bar\delta_i`, :math:`\bar\delta_i = \frac1P\sum_p|\delta_{pi}|` the
    value moved, :math:`M_{\max} = \sum_i \bar s_i` the stakes of all issues
    (:math:`\bar s_i` the mean over parties of issue :math:`i`'s range over
    :math:`R_p`), :math:`k` of :math:`n` issues touched. :math:`\rho \ge 1`:
    the deal moves at least as much value per issue touched as an average
    issue holds (practical); below 1 it touches more than it moves.
mutual benefit
    :math:`\min_p g_p / a_p` with :math:`g_p = u_p(x) - d_p`; positive when
    every side gains over its BATNA. Also whether the deal is acceptable
    (meets every must-have and red line) and Pareto-optimal.
fairness
    :math:`1 - \tfrac12(D_N + D_{KS})` (clipped to [0, 1]) with
    :math:`D_s = \lVert z(x) - z(x^s)\rVert_2 / \sqrt P`,
    :math:`z_p = g_p / a_p`: the normalised distance to the Nash and
    Kalai–Smorodinsky packages.
durability
    :math:`\sum_{e^+} w_e / \sum_e w_e`: the weight share of evidence items
    that support the deal lasting (weights 1 minor, 2 material, 3 decisive;
    each item states its category, effect and source). Value at legal risk:
    the share of :math:`\sum_p\sum_i|\delta_{pi}|` in terms named by
    undermining legal-risk items.
regional architecture
    Third countries' welfare under the deal's tariffs relative to the status
    quo's, :math:`100(\hat W^{deal}_c / \hat W^{sq}_c - 1)`, from the
    general-equilibrium model (:mod:`dealspace.economy`), and its
    expenditure-weighted mean over third countries.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.analysis.deal import LADDER, VOID, Deal, check_deal, list_deals, load_deal
from dealspace.analysis.regional import bellwether, package_tariffs, tariff_change
from dealspace.errors import DealspaceError, did_you_mean
from dealspace.present.notebook import Displayed
from dealspace.scenario.model import OptionRef, Scenario, condition_issues
from dealspace.space import DealSpace, hard_constraints

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.analysis.pareto import Frontier

# ------------------------------------------------------------------ results

#: One side's share of its reachable gain at least this many times the other's: lopsided.
LOPSIDED = 2.0
#: The larger share at most this many times the smaller: evenly split.
EVEN = 1.25


@dataclass(frozen=True)
class Criterion:
    """One criterion of a scorecard: its score, verdict, computation and evidence."""

    name: str
    score: float
    verdict: str
    computation: tuple[str, ...]
    evidence: tuple[dict[str, Any], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "criterion": self.name,
            "score": None if math.isnan(self.score) else self.score,
            "verdict": self.verdict,
            "computation": list(self.computation),
            "evidence": list(self.evidence),
            **self.details,
        }


@dataclass(frozen=True, eq=False)
class Scorecard(Displayed):
    """A deal scored against its scenario. Build with :func:`score`."""

    deal: Deal
    scenario: str
    package: dict[str, OptionRef]
    criteria: tuple[Criterion, ...]

    in_sample: bool = False
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """One overall line that cannot hide a broken must-have or a lopsided split.

        Reads the mutual-benefit criterion: each side's gain as a share of its
        reachable (ideal) gain, :math:`z_p = g_p / a_p`. Broken constraints come
        first; then a side that does not gain; then a split where one side's
        share is at least :data:`LOPSIDED` times the other's; a split within
        :data:`EVEN` is even, anything between is uneven. Then the share of
        the value resting on a voided instrument, and the stability under the
        scenario's ranges, when there are any.
        """
        m = self.criterion("mutual benefit")
        shares = m.details.get("shares", {})
        words = ", ".join(f"{self.labels.get(p, p)} {z:.2f}" for p, z in shares.items())
        broken = m.details.get("broken", [])
        if broken:
            out = f"Not acceptable as it stands: it breaks {', '.join(broken)} (shares of reachable gain: {words})."
        elif any(z <= 0 for z in shares.values()):
            losers = [self.labels.get(p, p) for p, z in shares.items() if z <= 0]
            out = f"One-sided: {', '.join(losers)} gain nothing over their BATNA (shares of reachable gain: {words})."
        elif shares and max(shares.values()) >= LOPSIDED * min(shares.values()):
            out = f"Mutual gain but lopsided: each side's share of its reachable gain — {words}."
        else:
            hi, lo = max(shares.values(), default=0.0), min(shares.values(), default=0.0)
            split = (
                "evenly split"
                if hi <= EVEN * lo
                else f"unevenly but not lopsided (under {LOPSIDED:g}x)"
            )
            out = f"Mutual gain, {split}: each side's share of its reachable gain — {words}."
        legal_ = next((c for c in self.criteria if c.name == "legal instruments"), None)
        if legal_ is not None and legal_.details.get("voided_share", 0) > 0:
            out += (
                f" {legal_.details['voided_share']:.0%} of the value it moves rests on an "
                f"instrument since voided ({'; '.join(legal_.details['voided'])})."
            )
        stable = next((c for c in self.criteria if c.name == "stability under ranges"), None)
        if stable is not None and stable.details.get("draws"):
            out += (
                f" Under the scenario's ranges it stays in the ZOPA in {stable.details['p_zopa']:.0%} "
                f"of draws and is the recommended package in {stable.details['p_nash']:.0%}."
            )
        if self.in_sample:
            out += (
                " The comparison with the bargaining solutions is in-sample: the scenario's options "
                "were written knowing the deal."
            )
        return out

    def criterion(self, name: str) -> Criterion:
        for c in self.criteria:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion: score and verdict."""
        import pandas as pd

        return pd.DataFrame(
            {
                "score": [c.score for c in self.criteria],
                "verdict": [c.verdict for c in self.criteria],
            },
            index=pd.Index([c.name for c in self.criteria], name="criterion"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "deal": self.deal.name,
            "title": self.deal.title or self.deal.name,
            "scenario": self.scenario,
            "package": dict(self.package),
            "verdict": self.verdict,
            "in_sample": self.in_sample,
            "criteria": [c.to_dict() for c in self.criteria],
        }


# ------------------------------------------------------------------ computations


def contributions(
    scenario: Scenario,
    table: Mapping[tuple[str, str], np.ndarray],
    package: Mapping[str, OptionRef],
) -> dict[str, np.ndarray]:
    """Term contributions :math:`\\Delta_{pi}`: issue → each party's utility change.

    Each issue's weighted value change from the status quo, plus an equal
    share of every bonus (nice-to-have, interaction) whose condition changes
    truth value between the status quo and ``package``. A group of tariff
    issues priced jointly contributes, per issue, the change of moving that
    issue alone, plus an equal share of the rest (the non-additive part) among
    the issues that move. The contributions sum to :math:`u(x) - u(x^0)`.
    """
    from dealspace.scenario.conditions import holds
    from dealspace.space import grid_rows, joint_groups, joint_key

    by_issue = {i.id: i for i in scenario.issues}
    index = {}
    for i, issue in by_issue.items():
        k = issue.option_index(package[i])
        if k is None:
            raise DealspaceError.single(
                f"package.{i}",
                f"'{package[i]}' is not an option",
                did_you_mean(str(package[i]), map(str, issue.option_ids)),
            )
        index[i] = k
    now = {i: np.array([k]) for i, k in index.items()}
    before = {i: np.array([by_issue[i].status_quo_index]) for i in index}
    out = {i: np.zeros(len(scenario.parties)) for i in scenario.issue_ids}
    for p, party in enumerate(scenario.parties):
        for issue_id in party.valuations:
            values = table[party.id, issue_id]
            out[issue_id][p] += (
                values[index[issue_id]] - values[by_issue[issue_id].status_quo_index]
            )
        for owner, group in joint_groups(table):
            if owner != party.id:
                continue
            joint = table[owner, joint_key(group)]

            def value(
                choice: Mapping[str, np.ndarray],
                group: tuple[str, ...] = group,
                joint: np.ndarray = joint,
            ) -> float:
                return float(joint[grid_rows(scenario, group, choice)][0])

            start = value(before)
            moving = [i for i in group if index[i] != by_issue[i].status_quo_index]
            singles = {i: value({**before, i: now[i]}) - start for i in moving}
            rest = value(now) - start - sum(singles.values())
            for i in moving:
                out[i][p] += singles[i] + rest / len(moving)
        for bonus in [*party.nice_to_haves, *party.interactions]:
            change = float(holds(bonus.condition, by_issue, now)[0]) - float(
                holds(bonus.condition, by_issue, before)[0]
            )
            if change:
                read = condition_issues(bonus.condition)
                for i in read:
                    out[i][p] += bonus.bonus * change / len(read)
    return out


def broken_constraints(scenario: Scenario, package: Mapping[str, OptionRef]) -> list[str]:
    """Keys ``party:id`` of the must-haves and red lines a package breaks."""
    from dealspace.scenario.conditions import holds

    by_issue = {i.id: i for i in scenario.issues}
    choice = {i: np.array([by_issue[i].option_index(package[i])]) for i in by_issue}
    out = []
    for c in hard_constraints(scenario):
        if bool(holds(c.constraint.condition, by_issue, choice)[0]) != (c.kind == "must_have"):
            out.append(c.key)
    return out


def _pct(x: float) -> str:
    return "—" if math.isnan(x) else f"{100 * x:.0f}%"


@dataclass(frozen=True, eq=False)
class _Context:
    """What every criterion reads: the deal, its package and the scenario's numbers."""

    deal: Deal
    scenario: Scenario
    package: Mapping[str, OptionRef]
    table: Mapping[tuple[str, str], np.ndarray]
    space: DealSpace
    frontier: Frontier
    delta: dict[str, np.ndarray]
    span: np.ndarray
    touched: list[str]
    world: Any = None

    @property
    def labels(self) -> list[str]:
        return [p.label for p in self.scenario.parties]

    def moved(self, issue: str) -> np.ndarray:
        """:math:`|\\delta_{pi}|`, per party."""
        return np.abs(self.delta[issue]) / self.span

    def total_moved(self, issues: list[str] | None = None) -> float:
        return float(
            sum(
                self.moved(i).sum() for i in (self.scenario.issue_ids if issues is None else issues)
            )
        )

    def kind(self, issue: str) -> str:
        term = self.deal.terms.get(issue)
        return term.kind if term is not None else "untagged"


def _context(
    deal: Deal, scenario: Scenario, package: Mapping[str, OptionRef], space: DealSpace | None
) -> _Context:
    from dealspace.analysis.pareto import pareto_frontier
    from dealspace.space import compile

    space = compile(scenario) if space is None else space
    table = space.table  # the space's own value tables: no second GE pricing
    n = space.n_parties
    if space.empty:
        span = np.ones(n)
    else:
        best = np.array([sum(b.utility[:, p].max() for b in space.blocks) for p in range(n)])
        worst = np.array([sum(b.utility[:, p].min() for b in space.blocks) for p in range(n)])
        span = np.where(best - worst > 0, best - worst, 1.0)
    sq = scenario.status_quo()
    return _Context(
        deal=deal,
        scenario=scenario,
        package=package,
        table=table,
        space=space,
        frontier=pareto_frontier(space),
        delta=contributions(scenario, table, package),
        span=span,
        touched=[i for i in scenario.issue_ids if str(package[i]) != str(sq[i])],
    )


def structural(c: _Context) -> Criterion:
    """Share of the value moved that sits in terms changed in law."""
    law = [i for i in c.touched if c.kind(i) == "structural"]
    total, in_law = c.total_moved(), c.total_moved(law)
    sigma = in_law / total if total > 0 else math.nan
    lines = [
        f"σ = Σ_p Σ_(i structural) |Δ_pi|/R_p ÷ Σ_p Σ_i |Δ_pi|/R_p = {in_law:.3f} / {total:.3f} = {sigma:.3f}"
    ]
    for p, label in enumerate(c.labels):
        s = sum(float(c.delta[i][p]) for i in c.touched if c.kind(i) == "structural")
        h = sum(float(c.delta[i][p]) for i in c.touched if c.kind(i) == "headline")
        lines.append(f"{label}: {s:+.2f} points from terms in law, {h:+.2f} from pledges")
    parties = c.scenario.party_ids
    terms = [
        {
            "issue": i,
            "kind": c.kind(i),
            "delta": dict(zip(parties, map(float, c.delta[i]), strict=True)),
        }
        for i in c.touched
    ]
    evidence = tuple(
        {"claim": f"{i} ({c.kind(i)}): {t.basis or ''}".rstrip(": "), "source": t.source or ""}
        for i, t in c.deal.terms.items()
        if i in c.touched
    )
    verdict = (
        f"{_pct(sigma)} of the value moved is in law" if total > 0 else "the deal moves no value"
    )
    return Criterion(
        "structural vs headline", sigma, verdict, tuple(lines), evidence, {"terms": terms}
    )


def practical(c: _Context) -> Criterion:
    """Value moved relative to issues touched."""
    stakes = {}
    for i in c.scenario.issue_ids:
        rng = np.array(
            [
                float(np.ptp(c.table[party.id, i])) if i in party.valuations else 0.0
                for party in c.scenario.parties
            ]
        )
        stakes[i] = float((rng / c.span).mean())
    moved = {i: float(c.moved(i).mean()) for i in c.scenario.issue_ids}
    m, m_max = sum(moved[i] for i in c.touched), sum(stakes.values())
    k, n = len(c.touched), len(c.scenario.issue_ids)
    rho = (m / m_max) / (k / n) if k and m_max > 0 else math.nan
    light = [i for i in c.touched if moved[i] < 0.25 * stakes[i]]
    verdict = (
        f"{'practical' if rho >= 1 else 'touches more than it moves'}: {k} of {n} issues touched, "
        f"{_pct(m / m_max)} of all stakes moved"
    )
    lines = (
        f"ρ = (M / M_max) / (k / n) = ({m:.3f} / {m_max:.3f}) / ({k} / {n}) = {rho:.2f}",
        "light-touch terms (moved < 25% of their own stake): " + (", ".join(light) or "none"),
    )
    terms = [{"issue": i, "moved": moved[i], "stake": stakes[i]} for i in c.touched]
    return Criterion("practical vs symbolic", rho, verdict, lines, (), {"terms": terms})


def _ideal(c: _Context) -> np.ndarray:
    gains = c.frontier.gains()
    ir = (gains > 0).all(axis=1)
    return gains[ir].max(axis=0) if ir.any() else np.ones(c.space.n_parties)


def mutual(c: _Context) -> Criterion:
    """Each side's gain over its BATNA, as a share of its ideal gain."""
    from dealspace.analysis.pareto import is_pareto_optimal, party_tolerance

    u = c.space.utility(c.package)
    gains = u - c.space.batna
    ideal = _ideal(c)
    z = gains / ideal
    broken = broken_constraints(c.scenario, c.package)
    tol = party_tolerance(c.space)
    f = c.frontier.utilities
    better = f[(f >= u - tol).all(axis=1) & (f > u + tol).any(axis=1)]
    left = float(((better - u) / ideal).min(axis=1).max()) if len(better) else 0.0
    optimal = not broken and is_pareto_optimal(c.frontier, c.package)
    lines = [
        f"{label}: g = {u[p]:.2f} − {c.space.batna[p]:.2f} = {gains[p]:+.2f}; ideal gain a = {ideal[p]:.2f}; g/a = {z[p]:.2f}"
        for p, label in enumerate(c.labels)
    ]
    lines.append(f"min_p g_p/a_p = {z.min():.2f}")
    lines.append(
        f"acceptable to every party: {'no, breaks ' + ', '.join(broken) if broken else 'yes'}; "
        f"Pareto-optimal: {'yes' if optimal else 'no'}"
        + (
            f" — {len(better)} frontier packages dominate it; the best gives every side at least "
            f"{_pct(left)} more of its ideal gain"
            if len(better)
            else ""
        )
    )
    verdict = (
        "every side gains over its BATNA"
        if (gains > 0).all()
        else "some side does not gain over its BATNA"
    )
    if len(better):
        verdict += f"; {_pct(left)} of each side's ideal gain left on the table"
    details = {
        "shares": {p: float(z[k]) for k, p in enumerate(c.scenario.party_ids)},
        "broken": list(broken),
        "pareto_optimal": bool(optimal),
    }
    return Criterion("mutual benefit", float(z.min()), verdict, tuple(lines), (), details)


def fairness(c: _Context) -> Criterion:
    """Normalised distance to the Nash and Kalai–Smorodinsky packages."""
    from dealspace.analysis.bargaining import kalai_smorodinsky, nash

    ideal = _ideal(c)
    parties = c.scenario.party_ids
    z = (c.space.utility(c.package) - c.space.batna) / ideal
    lines = [
        "z_p = g_p / a_p: " + ", ".join(f"{label} {z[p]:.2f}" for p, label in enumerate(c.labels))
    ]
    dists = []
    for name, solution in (
        ("Nash", nash(c.frontier)),
        ("Kalai–Smorodinsky", kalai_smorodinsky(c.frontier)),
    ):
        zs = np.array([solution.gains[p] for p in parties]) / ideal
        d = float(np.linalg.norm(z - zs) / math.sqrt(len(parties)))
        dists.append(d)
        lines.append(
            f"{name}: z = ({', '.join(f'{v:.2f}' for v in zs)}), D = ‖z − z_s‖/√P = {d:.3f}"
        )
    fair = float(min(1.0, max(0.0, 1 - sum(dists) / 2)))
    lines.append(f"fairness = 1 − (D_N + D_KS)/2 = {fair:.3f}")
    return Criterion(
        "fairness", fair, f"{fair:.2f} on a scale where 1 is a bargaining solution", tuple(lines)
    )


def durability(c: _Context) -> Criterion:
    """Weight share of the evidence that supports the deal lasting; value at legal risk."""
    items = c.deal.durability
    w_all = sum(e.weight for e in items)
    w_pos = sum(e.weight for e in items if e.effect == "supports")
    score_ = w_pos / w_all if w_all else math.nan
    at_risk = sorted(
        {
            t
            for e in items
            if e.category == "legal_risk" and e.effect == "undermines"
            for t in e.terms
        }
    )
    total = c.total_moved()
    risk = c.total_moved([i for i in at_risk if i in c.touched]) / total if total > 0 else 0.0
    by_cat = []
    for cat in ("enforcement", "snap_back", "legal_risk", "implementation"):
        sub = [e for e in items if e.category == cat]
        if sub:
            plus = sum(e.weight for e in sub if e.effect == "supports")
            minus = sum(e.weight for e in sub if e.effect == "undermines")
            by_cat.append(f"{cat} +{plus} / −{minus}")
    lines = (
        f"durability = Σ supporting weights / Σ weights = {w_pos} / {w_all} = {score_:.2f}"
        if w_all
        else "no evidence items",
        "by category (supports / undermines): " + ("; ".join(by_cat) or "none"),
        f"value at legal risk (terms {', '.join(at_risk) or 'none'}) = {risk:.3f} of Σ_p Σ_i |Δ_pi|/R_p",
    )
    evidence = tuple(
        {
            "id": e.id,
            "category": e.category,
            "effect": e.effect,
            "weight": e.weight,
            "claim": e.claim,
            "date": e.date,
            "terms": list(e.terms),
            "source": e.source or "",
        }
        for e in items
    )
    verdict = (
        f"{_pct(score_)} of the evidence weight supports the deal lasting; {_pct(risk)} of the value moved is at legal risk"
        if w_all
        else "no evidence given"
    )
    return Criterion("durability", score_, verdict, lines, evidence, {"value_at_legal_risk": risk})


def legal(c: _Context) -> Criterion | None:
    """How binding the instruments carrying the deal's terms are, and their fate.

    :math:`\\lambda = \\sum_{i} m_i r_i / (5 \\sum_i m_i)` over the touched terms
    with an instrument, :math:`m_i = \\sum_p |\\delta_{pi}|` the value the term
    moves and :math:`r_i` its instrument's rung on :data:`~dealspace.analysis.deal.LADDER`
    (treaty or statute 5, executive order 4, MOU 3, joint statement 2,
    announcement 1), 0 once the instrument's fate voids it. Also the share of
    the value moved that rests on a voided instrument.
    """
    if not c.deal.instruments:
        return None
    terms: list[dict[str, Any]] = []
    lines: list[str] = []
    total = weighted = voided = 0.0
    fates = {}
    for i in c.touched:
        term = c.deal.terms.get(i)
        inst_id = term.instrument if term is not None else None
        inst = c.deal.instruments.get(inst_id) if inst_id else None
        moved = float(c.moved(i).sum())
        if inst is None:
            terms.append({"issue": i, "instrument": None, "rung": None, "moved": moved})
            continue
        void = inst.fate is not None and inst.fate.status in VOID
        rung = 0 if void else LADDER[inst.kind]
        total += moved
        weighted += moved * rung
        voided += moved if void else 0.0
        terms.append(
            {
                "issue": i,
                "instrument": inst_id,
                "kind": inst.kind,
                "rung": LADDER[inst.kind],
                "effective_rung": rung,
                "moved": moved,
            }
        )
        if inst.fate is not None:
            fates[inst_id] = inst
    score_ = weighted / (5 * total) if total > 0 else math.nan
    share_void = voided / total if total > 0 else 0.0
    names = {
        "executive_order": "executive order",
        "mou": "MOU",
        "joint_statement": "joint statement",
    }
    for t in terms:
        if t["instrument"] is None:
            lines.append(f"{t['issue']}: no instrument given (not scored)")
            continue
        inst = c.deal.instruments[t["instrument"]]
        fate = ""
        if inst.fate is not None:
            when = "since" if inst.fate.status in VOID else "as of"
            fate = f", {inst.fate.status.replace('_', ' ')} {when} {inst.fate.date}"
        lines.append(
            f"{t['issue']}: {names.get(inst.kind, inst.kind)} (rung {t['rung']}"
            + (f" → {t['effective_rung']}" if t["effective_rung"] != t["rung"] else "")
            + f"{fate}), moves {t['moved']:.3f}"
        )
    lines.append(
        f"λ = Σ_i m_i r_i / (5 Σ_i m_i) = {weighted:.3f} / (5 × {total:.3f}) = {score_:.3f}"
    )
    lines.append(
        f"value resting on a voided instrument: {voided:.3f} / {total:.3f} = {share_void:.3f}"
    )
    evidence = []
    for key, inst in c.deal.instruments.items():
        if not any(t["instrument"] == key for t in terms):
            continue
        evidence.append(
            {
                "claim": f"{inst.title} — {names.get(inst.kind, inst.kind)}"
                + (f", under {inst.authority}" if inst.authority else ""),
                "date": inst.date,
                "source": inst.source or "",
            }
        )
        if inst.fate is not None:
            evidence.append(
                {
                    "claim": f"Fate ({inst.fate.status.replace('_', ' ')}): {inst.fate.claim}",
                    "date": inst.fate.date,
                    "source": inst.fate.source or "",
                }
            )
    by_kind: dict[str, float] = {}
    for t in terms:
        if t["instrument"] is not None:
            by_kind[t["kind"]] = by_kind.get(t["kind"], 0.0) + t["moved"]
    shares = {k: v / total for k, v in by_kind.items()} if total > 0 else {}
    verdict = f"bindingness {score_:.2f} (1 = every term in a treaty or statute); " + ", ".join(
        f"{_pct(v)} {names.get(k, k)}"
        for k, v in sorted(shares.items(), key=lambda kv: -LADDER[kv[0]])
    )
    void_text = [
        f"{names.get(inst.kind, inst.kind)} under {inst.authority or 'its basis'} "
        f"{inst.fate.status} on {inst.fate.date}"
        for inst in fates.values()
        if inst.fate is not None and inst.fate.status in VOID
    ]
    if share_void > 0:
        verdict += f"; {_pct(share_void)} of the value rests on an instrument since voided ({'; '.join(void_text)})"
    return Criterion(
        "legal instruments",
        score_,
        verdict,
        tuple(lines),
        tuple(evidence),
        {"terms": terms, "voided_share": share_void, "voided": void_text, "value_by_kind": shares},
    )


def stability(c: _Context, draws: int, seed: int | None) -> Criterion:
    """Whether the deal stays in the ZOPA, Pareto-optimal and the Nash package across
    the ranges the scenario declares (seeded draws, :mod:`dealspace.analysis.robust`)."""
    from dealspace.analysis.robust import Reweigher, uncertain_numbers
    from dealspace.tolerances import GAIN_TOL

    params = uncertain_numbers(c.scenario)
    if not params:
        return Criterion(
            "stability under ranges",
            math.nan,
            "not computed: the scenario declares no ranges",
            (
                "write an uncertain weight, option value or BATNA as {low: a, high: b} "
                "(or with most_likely) to test the verdict against it",
            ),
            (),
            {"draws": 0},
        )
    rw = Reweigher(c.space)
    theta = rw.draw(draws, np.random.default_rng(seed))
    nash_keys, dominated, util, batna = rw.probe(theta, c.package)
    key = tuple(str(c.package[i]) for i in c.scenario.issue_ids)
    feasible = c.space.rows_of(c.package) is not None
    in_zopa = feasible & (util - batna > GAIN_TOL).all(axis=1)
    pareto = feasible & ~dominated
    is_nash = np.array([k == key for k in nash_keys], dtype=bool)
    p = {
        "zopa": float(in_zopa.mean()),
        "pareto": float(pareto.mean()),
        "nash": float(is_nash.mean()),
        "all": float((in_zopa & pareto).mean()),
    }
    accept = (util - batna > GAIN_TOL).mean(axis=0)
    lines = (
        f"{len(params)} uncertain numbers drawn {draws:,} times (seed {seed})",
        f"P(every party gains over its BATNA: in the ZOPA) = {p['zopa']:.3f}",
        "P(each party gains) = "
        + ", ".join(f"{label} {a:.3f}" for label, a in zip(c.labels, accept, strict=True)),
        f"P(Pareto-optimal) = {p['pareto']:.3f}",
        f"P(the Nash package: the recommended one) = {p['nash']:.3f}",
    )
    verdict = (
        f"in the ZOPA in {_pct(p['zopa'])} of {draws:,} draws, Pareto-optimal in "
        f"{_pct(p['pareto'])}, the recommended (Nash) package in {_pct(p['nash'])}"
    )
    return Criterion(
        "stability under ranges",
        p["zopa"],
        verdict,
        lines,
        (),
        {
            "draws": draws,
            "seed": seed,
            "p_zopa": p["zopa"],
            "p_pareto": p["pareto"],
            "p_nash": p["nash"],
            "p_zopa_and_pareto": p["all"],
            "p_accept": {q: float(a) for q, a in zip(c.scenario.party_ids, accept, strict=True)},
        },
    )


def _extremes(
    names: Sequence[str], change: np.ndarray, third: list[int], n: int = 5
) -> tuple[str, ...]:
    """The parties to the deal, then the ``n`` third countries that lose most and gain most
    (every country is in ``details['regions']`` and the JSON)."""
    inside = [k for k in range(len(names)) if k not in set(third)]
    order = sorted(third, key=lambda k: float(change[k]))
    shown = order if len(order) <= 2 * n else [*order[:n], *order[-n:]]
    lines = [f"{names[k]}: {change[k]:+.4f}%" for k in inside]
    lines += [f"{names[k]}: {change[k]:+.4f}% (third country)" for k in shown]
    if len(shown) < len(order):
        lines.append(
            f"… {len(order) - len(shown)} more third countries between; all {len(names)} in the JSON (details.regions)"
        )
    return tuple(lines)


def regional(c: _Context) -> Criterion | None:
    """Third countries' welfare under the deal's tariffs relative to the status quo (GE model)."""
    link = c.deal.economy
    if link is None:
        return None
    economy, change, rates = tariff_change(c.scenario, c.package, link.world)
    inside = {code for pair in rates for code in pair}
    third = [k for k, code in enumerate(economy.iso3) if code not in inside]
    weights = economy.expenditure[third]
    mean = float(np.sum(change[third] * weights) / weights.sum())
    losers = sum(1 for k in third if change[k] < 0)
    lines = (
        "rates (the scenario's tariff terms weighted by their share of the flow): "
        + "; ".join(
            f"{by} on {on}: {100 * a:.2f}% → {100 * b:.2f}%" for (by, on), (a, b) in rates.items()
        ),
        f"every other pair at preset '{link.world}'; change = 100 (Ŵ_deal / Ŵ_status-quo − 1)",
        f"third countries (expenditure-weighted mean): {mean:+.4f}%",
        *_extremes(economy.names, change, third),
    )
    evidence = (
        *(
            {
                "claim": f"{i.id}: {100 * i.tariff.share:.1f}% of {i.tariff.on}'s exports to {i.tariff.levied_by}",
                "source": i.tariff.source or "",
            }
            for i in c.scenario.issues
            if i.tariff is not None
        ),
        {"claim": "trade data", "source": economy.source},
        {
            "claim": "model",
            "source": "Ignatenko, Lashkaripour, Macedoni & Simonovska (2025), JIE 157:104138",
        },
    )
    verdict = f"third countries {mean:+.4f}% welfare on average; {losers} of {len(third)} lose"
    details: dict[str, Any] = {
        "regions": {code: float(change[k]) for k, code in enumerate(economy.iso3)}
    }
    world_lines, world = bellwether(c.scenario, brief=c.world)
    if world:
        details["world"] = world
        verdict += f"; others retaliate {world['mean']['good']:.0%} after this deal vs {world['mean']['none']:.0%} after none"
    return Criterion(
        "regional architecture", mean, verdict, (*lines, *world_lines), evidence, details
    )


def deal_for(scenario: Scenario, choice: str | None) -> Deal | None:
    """The deal the main job scores: ``None`` → none; ``"auto"`` → the built-in deal
    written for this scenario (by its ``scenario`` field), if any; else a deal name or file,
    which must be a package of this scenario."""
    if choice is None:
        return None
    if choice == "auto":
        for name in list_deals():
            deal = load_deal(name)
            if deal.scenario == scenario.name:
                return deal
        return None
    deal = load_deal(choice)
    if deal.scenario != scenario.name:
        raise DealspaceError.single(
            "scenario",
            f"the deal {choice} is a package of scenario '{deal.scenario}', not '{scenario.name}'",
            f"analyse '{deal.scenario}', or score the deal with `dealspace score {choice} --scenario FILE`",
            source=str(choice),
        )
    return deal


def score(
    deal: Deal,
    scenario: Scenario,
    label: str = "",
    *,
    draws: int = 1000,
    seed: int | None = 0,
    space: DealSpace | None = None,
    world: Any = None,
) -> Scorecard:
    """Score a deal against its scenario on the six criteria (module docstring).

    Parameters
    ----------
    deal
        A loaded deal (:func:`load_deal`).
    scenario
        The scenario it is a package of (usually ``load_scenario(deal.scenario)``).
    label
        Names the deal file in error messages.
    draws, seed
        Draws of the scenario's ranges for the stability criterion.
    space
        The scenario compiled once already (the pipeline's); compiled here when None.
    world
        The main job's bellwether brief (:class:`~dealspace.world.run.BellwetherBrief`),
        read by the regional criterion instead of a world-model run of its own.

    Returns
    -------
    Scorecard

    Raises
    ------
    DealspaceError
        When the deal does not fit the scenario (unknown issue, option, term,
        preset, or import shares that do not sum to one).

    Examples
    --------
    >>> from dealspace import load_scenario
    >>> card = score(load_deal("us-japan-2025-07"), load_scenario("us-japan-2025"))
    >>> [c.name for c in card.criteria][:3]
    ['structural vs headline', 'practical vs symbolic', 'mutual benefit']
    """
    package = check_deal(deal, scenario, label)
    c = dataclasses.replace(_context(deal, scenario, package, space), world=world)
    if draws < 1:
        raise DealspaceError.single("draws", f"{draws} draws", "draw at least 1")
    found = [
        structural(c),
        practical(c),
        mutual(c),
        fairness(c),
        legal(c),
        durability(c),
        stability(c, draws, seed),
        regional(c),
    ]
    return Scorecard(
        deal=deal,
        scenario=scenario.name,
        package={i: package[i] for i in scenario.issue_ids},
        criteria=tuple(x for x in found if x is not None),
        in_sample=bool(deal.date and scenario.date and str(scenario.date) >= str(deal.date)),
        labels={p.id: p.label for p in scenario.parties},
    )


__all__ = [
    "Criterion",
    "Deal",
    "Scorecard",
    "deal_for",
    "broken_constraints",
    "contributions",
    "list_deals",
    "load_deal",
    "package_tariffs",
    "score",
    "tariff_change",
]
