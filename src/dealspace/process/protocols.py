r"""Negotiation protocols: how the package is split into tracks and bargained.

The model
---------
A protocol splits the deal space's blocks into units, each negotiated on a
*track* over its table of candidate packages
(:mod:`dealspace.process.candidates`), and plays a bargaining procedure on
each track, round by round (:mod:`dealspace.process.engine`). Agreements
*bind* (enter into force) at the round they are made.

Protocols
~~~~~~~~~
:class:`AlternatingOffers` — the *single undertaking*: one track, the whole
    package; the parties alternate offers (Rubinstein 1982; the stacked
    alternating offers protocol of Aydoğan et al. 2017 for two parties).
    Nothing is agreed until everything is agreed: no value is realised before
    the final agreement.
:class:`SequentialBinding` — *provisional binding / early harvests*: units
    (domains, or blocks) are negotiated one at a time, in a given order or an
    order the parties negotiate; each unit's agreement binds at once and is
    never reopened, so its gains accrue from the round agreed. By default a
    stage lasts until its unit is agreed or the calendar ends (``stage_rounds``
    caps it); strategies concede on the calendar of the whole talks, so no
    stage has a shorter clock. Only *bindable* units — with a zone of
    agreement of their own — are put on the agenda (``bindable=False``: all);
    the others stay at the status quo.
:class:`ParallelSilos` — one track per domain, all running at once over the
    full deadline, each agreement binding when reached; no cross-domain
    trades are possible.
:class:`SingleNegotiatingText` — a mediator drafts one text, the parties accept
    it or object (naming the part that must change); the mediator amends
    (Fisher 1978; Raiffa 1982, ch. 14).

Reachable outcomes
~~~~~~~~~~~~~~~~~~
``protocol.reachable(space)`` is the set (its Pareto frontier) of complete
agreements the protocol can reach when parties accept nothing worse than
what they keep without agreement: for a single undertaking (and the single
text) the feasible packages with ``u ≥ d`` (``d`` the BATNAs); for early
harvests and silos, sums over units of unit agreements each of which no party
finds worse than the unit's status quo — a subset of the packages, so the
single undertaking's best reachable outcome is never worse.

References
----------
.. [1] A. Rubinstein, "Perfect equilibrium in a bargaining model",
   Econometrica 50(1), 97–109, 1982.
.. [2] R. Aydoğan, D. Festen, K. Hindriks, C. Jonker, "Alternating offers
   protocols for multilateral negotiation", in Modern Approaches to Agent-based
   Complex Automated Negotiation, Springer, 2017.
.. [3] R. Fisher, "Playing the wrong game?", in Dynamics of Third Party
   Intervention, Praeger, 1981; H. Raiffa, *The Art and Science of
   Negotiation*, Harvard University Press, 1982 (single negotiating text,
   Camp David 1978).
.. [4] C. Fershtman, "The importance of the agenda in bargaining", Games and
   Economic Behavior 2(3), 224–238, 1990 (negotiated agendas).
.. [5] WTO, Ministerial Declaration, Punta del Este, 1986 (the single
   undertaking: "nothing is agreed until everything is agreed").
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from dealspace.analysis.pareto import pareto_frontier
from dealspace.errors import DealspaceError, did_you_mean
from dealspace.process.candidates import (
    TOL,
    Prepared,
    Table,
    Unit,
    block_units,
    domain_units,
    subspace,
    whole,
)
from dealspace.process.engine import Course, Engine
from dealspace.space import DealSpace

# ------------------------------------------------------------------ protocols


class Protocol:
    """Base class of the protocols: split into units, run, say what is reachable."""

    name: ClassVar[str] = "protocol"
    description: ClassVar[str] = ""
    #: True when parts agreed early bind at once (early harvests).
    harvests: ClassVar[bool] = False

    def units(self, space: DealSpace) -> list[Unit]:
        return [whole(space)]

    def tables(self, prepared: Prepared) -> list[Table]:
        whole_package = len(self.units(prepared.space)) == 1 and not self.harvests
        return [prepared.table(u, whole_package) for u in self.units(prepared.space)]

    def run(self, engine: Engine, deadline: int) -> Course:
        raise NotImplementedError

    @property
    def params(self) -> dict[str, Any]:
        return {}

    @property
    def label(self) -> str:
        """The name, with non-default parameters in brackets."""
        return self.name + _extras(self.params, self.defaults)

    #: Parameter defaults left out of the label.
    defaults: ClassVar[dict[str, Any]] = {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    def reachable(self, space: DealSpace) -> np.ndarray:
        """``(F, P)`` Pareto frontier of the complete agreements the protocol can reach."""
        frontier = pareto_frontier(space).utilities
        return np.asarray(frontier[(frontier >= space.batna - TOL).all(axis=1)])


def _single(
    engine: Engine, table: Table, rounds: np.ndarray, pick: np.ndarray, deadline: int, unit: Unit
) -> Course:
    end = np.where(rounds >= 0, rounds, deadline - 1)
    if table.size == 0:
        end = np.full(engine.runs, -1, dtype=np.int64)
    if engine.record:
        if rounds[0] >= 0:
            engine._event(int(rounds[0]), table, "bind", None, int(pick[0]), "single undertaking")
        elif table.size:
            engine._event(deadline - 1, table, "deadline", None, None, "no agreement")
    return Course(
        [table], [unit], rounds[None, :], pick[None, :], rounds.copy(), end, engine.events
    )


class AlternatingOffers(Protocol):
    """Single undertaking: alternating offers on the whole package.

    Parameters
    ----------
    first
        The party that makes the first offer (0 or 1).

    References
    ----------
    Rubinstein (1982); WTO Punta del Este declaration (1986).
    """

    name = "alternating"
    description = "single undertaking: alternating offers on the whole package"
    defaults = {"first": 0}

    def __init__(self, first: int = 0) -> None:
        self.first = _first(first)

    @property
    def params(self) -> dict[str, Any]:
        return {"first": self.first}

    def run(self, engine: Engine, deadline: int) -> Course:
        (table,) = self.tables(engine.prepared)
        rounds, pick = engine.bargain(table, deadline, self.first)
        return _single(engine, table, rounds, pick, deadline, self.units(engine.prepared.space)[0])


class SingleNegotiatingText(Protocol):
    """Single negotiating text: a mediator drafts, parties accept or object.

    The mediator starts from the Nash neighbourhood of its candidate table
    (the package that maximises the product of gains over what each party
    keeps without agreement) and, when a party objects — naming the part of
    the text that must change (recorded in the trace) — amends the text by
    moving it one step along the Pareto frontier toward the objector (see
    :func:`mediator_texts`). Both parties must accept the same text. The
    mediator is informed (parties confide their valuations to it); the parties
    answer with their own strategies' acceptance rules.

    Parameters
    ----------
    step
        How far an objection moves the text (weight ratio ``1 + step``).

    References
    ----------
    Fisher (1981); Raiffa (1982), ch. 14 (Camp David, 1978).
    """

    name = "snt"
    description = "single negotiating text: a mediator drafts and amends, parties accept or object"
    defaults = {"step": 0.25}

    def __init__(self, step: float = 0.25) -> None:
        if not (math.isfinite(step) and step > 0):
            raise DealspaceError.single(
                "step", f"the mediator's step is {step}", "use a number > 0"
            )
        self.step = float(step)

    @property
    def params(self) -> dict[str, Any]:
        return {"step": self.step}

    def run(self, engine: Engine, deadline: int) -> Course:
        (table,) = self.tables(engine.prepared)
        rounds, pick = engine.mediate(table, deadline, self.step)
        return _single(engine, table, rounds, pick, deadline, self.units(engine.prepared.space)[0])


class SequentialBinding(Protocol):
    """Early harvests: units agreed one at a time, binding at once, never reopened.

    Parameters
    ----------
    order
        ``"given"`` (the scenario's domain order, or block order), ``"negotiated"``
        (the parties pick units in turn, the first proposer first, each the
        unit in which it can gain most — an agenda negotiated as in Fershtman
        1990), or a list of unit names.
    units
        ``"domain"`` or ``"block"``.
    stage_rounds
        Most rounds per unit (default: until agreed or the calendar ends).
    first
        The party that opens each stage.
    bindable
        Negotiate only the units with a zone of agreement of their own (the
        bindable harvests); the others stay at the status quo.

    References
    ----------
    Fershtman (1990); the "early harvest" clauses of WTO-era talks (e.g. the
    2013 Bali package).
    """

    name = "sequential"
    description = "early harvests: one unit at a time, each binding when agreed"
    harvests = True

    def __init__(
        self,
        order: str | Sequence[str] = "given",
        units: str = "domain",
        stage_rounds: int | None = None,
        first: int = 0,
        bindable: bool = True,
    ) -> None:
        if units not in ("domain", "block"):
            raise DealspaceError.single(
                "units", f"unknown unit kind '{units}'", did_you_mean(units, ["domain", "block"])
            )
        if isinstance(order, str) and order not in ("given", "negotiated"):
            raise DealspaceError.single(
                "order",
                f"unknown order '{order}'",
                f"{did_you_mean(order, ['given', 'negotiated'])} (or give a list of unit names)",
            )
        if stage_rounds is not None and stage_rounds < 1:
            raise DealspaceError.single(
                "stage_rounds", f"stage_rounds is {stage_rounds}", "use an integer ≥ 1"
            )
        self.order = order if isinstance(order, str) else tuple(order)
        self.unit_kind = units
        self.stage_rounds = stage_rounds
        self.first = _first(first)
        self.bindable = bool(bindable)

    @property
    def params(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "units": self.unit_kind,
            "stage_rounds": self.stage_rounds,
            "first": self.first,
            "bindable": self.bindable,
        }

    @property
    def label(self) -> str:
        params = dict(self.params)
        base = self.name
        if self.order == "negotiated":
            base, params["order"] = f"{base}-negotiated", "given"
        elif self.unit_kind == "block" and self.order == "given":
            base, params["units"] = f"{base}-blocks", "domain"
        if isinstance(params["order"], tuple):
            params["order"] = ">".join(params["order"])
        return base + _extras(
            params,
            {
                "order": "given",
                "units": "domain",
                "stage_rounds": None,
                "first": 0,
                "bindable": True,
            },
        )

    def units(self, space: DealSpace) -> list[Unit]:
        return domain_units(space) if self.unit_kind == "domain" else block_units(space)

    def agenda(self, prepared: Prepared) -> list[Unit]:
        """The units in the order they are negotiated."""
        units = self.units(prepared.space)
        if self.order == "given":
            return units
        if self.order == "negotiated":
            left = list(units)
            out = []
            party = self.first
            while left:
                value = []
                for u in left:
                    table = prepared.table(u)
                    gain = (
                        table.utility[:, party] - table.status_quo[party]
                        if table.size
                        else np.zeros(1)
                    )
                    value.append(float(gain.max()))
                out.append(left.pop(int(np.argmax(value))))
                party = 1 - party
            return out
        by_name = {u.name: u for u in units}
        seen = []
        for name in self.order:
            if name not in by_name:
                raise DealspaceError.single(
                    "order", f"no unit '{name}'", did_you_mean(name, list(by_name))
                )
            seen.append(by_name[name])
        missing = [u for u in units if u not in seen]
        return seen + missing

    def run(self, engine: Engine, deadline: int) -> Course:
        prepared = engine.prepared
        agenda = self.agenda(prepared)
        runs = engine.runs
        start = np.zeros(runs, dtype=np.int64)
        bound = np.full((len(agenda), runs), -1, dtype=np.int64)
        picks = np.full((len(agenda), runs), -1, dtype=np.int64)
        tables = []
        talked = np.zeros(runs, dtype=bool)
        for u, unit in enumerate(agenda):
            table = prepared.table(unit)
            tables.append(table)
            if (
                int(start.min()) >= deadline
                or table.size == 0
                or (self.bindable and not prepared.bindable(unit))
            ):
                continue
            # a stage lasts until agreed, its cap, or the calendar's end; the
            # agents' clock is the calendar's (offset = the round the stage opens)
            rounds = self.stage_rounds or deadline - int(start.min())
            rel, pick = engine.bargain(table, rounds, self.first, offset=start)
            at = start + rel
            ok = (rel >= 0) & (at < deadline)
            bound[u] = np.where(ok, at, -1)
            picks[u] = np.where(ok, pick, -1)
            if engine.record and start[0] < deadline:
                if ok[0]:
                    engine._event(int(at[0]), table, "bind", None, int(pick[0]), "early harvest")
                else:
                    last = min(int(start[0]) + rounds, deadline) - 1
                    engine._event(last, table, "deadline", None, None, "stays at status quo")
            used = np.where(rel >= 0, rel + 1, rounds)
            talked |= start < deadline
            start = np.minimum(start + used, deadline)
        complete = np.where((bound >= 0).all(axis=0), bound.max(axis=0), -1)
        end = np.where(talked, start - 1, -1)
        events = [e for e in engine.events if e.round < deadline]
        return Course(tables, agenda, bound, picks, complete, end, events)

    def reachable(self, space: DealSpace) -> np.ndarray:
        prepared = Prepared(space)
        total = np.zeros((1, space.n_parties))
        for unit in self.units(space):
            sub = pareto_frontier(subspace(space, unit.blocks)).utilities
            sq = prepared.block_sq[list(unit.blocks)].sum(axis=0)
            sub = sub[(sub >= sq - TOL).all(axis=1)]
            if len(sub) == 0:
                return np.zeros((0, space.n_parties))
            total = nondominated((total[:, None, :] + sub[None, :, :]).reshape(-1, space.n_parties))
        return total


class ParallelSilos(SequentialBinding):
    """Parallel silos: one track per domain, all at once, no cross-domain trades.

    Each track runs alternating offers over the full deadline; its agreement
    binds when reached (separate agreements enter into force when signed).

    Parameters
    ----------
    first
        The party that opens each track.

    References
    ----------
    The issue-by-issue negotiation of Fatima, Wooldridge & Jennings, "Multi-issue
    negotiation with deadlines", JAIR 27, 381–417, 2006.
    """

    name = "silos"
    description = "parallel silos: one track per domain, no cross-domain trades"
    harvests = True

    def __init__(self, first: int = 0) -> None:
        super().__init__(order="given", units="domain", first=first)

    @property
    def params(self) -> dict[str, Any]:
        return {"first": self.first}

    @property
    def label(self) -> str:
        return self.name + _extras(self.params, {"first": 0})

    def run(self, engine: Engine, deadline: int) -> Course:
        prepared = engine.prepared
        units = self.units(prepared.space)
        runs = engine.runs
        bound = np.full((len(units), runs), -1, dtype=np.int64)
        picks = np.full((len(units), runs), -1, dtype=np.int64)
        end = np.full(runs, -1, dtype=np.int64)
        tables = []
        for u, unit in enumerate(units):
            table = prepared.table(unit)
            tables.append(table)
            rel, pick = engine.bargain(table, deadline, self.first)
            bound[u], picks[u] = rel, pick
            if table.size:
                end = np.maximum(end, np.where(rel >= 0, rel, deadline - 1))
            if engine.record and table.size:
                if rel[0] >= 0:
                    engine._event(int(rel[0]), table, "bind", None, int(pick[0]), "silo agreement")
                else:
                    engine._event(
                        deadline - 1, table, "deadline", None, None, "stays at status quo"
                    )
        complete = np.where((bound >= 0).all(axis=0), bound.max(axis=0), -1)
        engine.events.sort(key=lambda e: e.round)
        return Course(tables, units, bound, picks, complete, end, engine.events)


class HarvestThenPackage(SequentialBinding):
    """Early harvest, then the package: the *valid* harvests are agreed one at a
    time and bind at once, then everything else is negotiated as one package.

    A unit is a valid harvest when binding it first (at the portfolio's Nash
    options) lowers no party's reach in the rest — the test of ``dealspace
    harvest`` (:func:`~dealspace.process.candidates.assess_units`) — and it has a
    zone of agreement of its own. The rest keeps its cross-issue trades: it is
    a single undertaking over what was not harvested. This is the design of
    the Doha declaration's para. 47 (agreements reached at an early stage may
    be implemented provisionally; the rest is one undertaking).

    Parameters
    ----------
    stage_rounds
        Most rounds per harvest stage (default: until agreed or the calendar ends).
    first
        The party that opens each stage.

    References
    ----------
    WTO, Doha Ministerial Declaration, para. 47 (2001); Sebenius (1983) on
    linkage; In and Serrano (2004) on agenda restrictions.
    """

    name = "harvest-package"
    description = "valid early harvests first, then the rest as one package"
    harvests = True

    def __init__(self, stage_rounds: int | None = None, first: int = 0) -> None:
        super().__init__(
            order="given", units="domain", stage_rounds=stage_rounds, first=first, bindable=True
        )

    @property
    def params(self) -> dict[str, Any]:
        return {"stage_rounds": self.stage_rounds, "first": self.first}

    @property
    def label(self) -> str:
        return self.name + _extras(self.params, {"stage_rounds": None, "first": 0})

    def agenda(self, prepared: Prepared) -> list[Unit]:
        """The valid harvests in domain order, then the rest as one unit."""
        space = prepared.space
        early = [a.unit for a in prepared.assessments() if a.valid and a.bindable]
        taken = {b for u in early for b in u.blocks}
        rest = tuple(b for b in range(len(space.blocks)) if b not in taken)
        if rest:
            issues = tuple(i for b in rest for i in space.blocks[b].issues)
            early.append(Unit("rest", rest, None, issues))
        return early

    def units(self, space: DealSpace) -> list[Unit]:
        return self.agenda(Prepared(space))

    def tables(self, prepared: Prepared) -> list[Table]:
        return [prepared.table(u) for u in self.agenda(prepared)]


def nondominated(points: np.ndarray) -> np.ndarray:
    """The distinct non-dominated rows of ``points`` (small sets). Rows equal
    to 9 decimals count as one; the first of them is kept, unrounded."""
    _, first = np.unique(np.round(points, 9), axis=0, return_index=True)
    pts = points[np.sort(first)]
    if len(pts) <= 1:
        return pts
    keep = np.ones(len(pts), dtype=bool)
    for lo in range(0, len(pts), 512):
        c = pts[lo : lo + 512]
        ge = (pts[:, None, :] >= c[None, :, :] - TOL).all(axis=2)
        gt = (pts[:, None, :] > c[None, :, :] + TOL).any(axis=2)
        keep[lo : lo + 512] = ~(ge & gt).any(axis=0)
    return np.asarray(pts[keep])


def _extras(params: dict[str, Any], defaults: dict[str, Any]) -> str:
    """``[k=v,…]`` for parameters that differ from their defaults ('' if none)."""
    diff = [f"{k}={v}" for k, v in params.items() if k not in defaults or defaults[k] != v]
    return f"[{','.join(diff)}]" if diff else ""


def _first(first: int) -> int:
    if first not in (0, 1):
        raise DealspaceError.single("first", f"first is {first}", "use 0 (the first party) or 1")
    return int(first)


# ------------------------------------------------------------------ registry

#: Protocol names: the class and the parameters the name stands for.
PROTOCOLS: dict[str, tuple[type[Protocol], dict[str, Any]]] = {
    "alternating": (AlternatingOffers, {}),
    "sequential": (SequentialBinding, {}),
    "sequential-negotiated": (SequentialBinding, {"order": "negotiated"}),
    "sequential-blocks": (SequentialBinding, {"units": "block"}),
    "harvest-package": (HarvestThenPackage, {}),
    "silos": (ParallelSilos, {}),
    "snt": (SingleNegotiatingText, {}),
}
ALIASES = {
    "single-undertaking": "alternating",
    "su": "alternating",
    "alternating-offers": "alternating",
    "early-harvest": "sequential",
    "early-harvests": "sequential",
    "provisional": "sequential",
    "negotiated": "sequential-negotiated",
    "harvest-then-package": "harvest-package",
    "early-harvest-package": "harvest-package",
    "parallel": "silos",
    "parallel-silos": "silos",
    "single-text": "snt",
    "single-negotiating-text": "snt",
    "mediated": "snt",
}


def get_protocol(spec: str | Protocol | dict[str, Any], where: str = "protocol") -> Protocol:
    """A protocol from a name, an instance, or a mapping ``{name: ..., <params>}``.

    Raises
    ------
    DealspaceError
        For an unknown name or parameter, with a did-you-mean hint.
    """
    if isinstance(spec, Protocol):
        return spec
    params: dict[str, Any] = {}
    if isinstance(spec, dict):
        if "name" not in spec:
            raise DealspaceError.single(
                where, "a protocol mapping needs a 'name'", f"choose one of {', '.join(PROTOCOLS)}"
            )
        params = {str(k): v for k, v in spec.items() if k != "name"}
        spec = str(spec["name"])
    key = str(spec).strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    if key not in PROTOCOLS:
        raise DealspaceError.single(
            where, f"unknown protocol '{spec}'", did_you_mean(str(spec), [*PROTOCOLS, *ALIASES])
        )
    cls, defaults = PROTOCOLS[key]
    allowed = [n for n in inspect.signature(cls).parameters if n not in defaults]
    for name in params:
        if name not in allowed:
            raise DealspaceError.single(
                f"{where}.{name}",
                f"protocol '{key}' has no parameter '{name}'",
                did_you_mean(name, allowed),
            )
    return cls(**defaults, **params)


def protocol_names() -> list[str]:
    """The registered protocol names."""
    return list(PROTOCOLS)
