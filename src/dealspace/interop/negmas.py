r"""NegMAS both ways: outcome spaces and utility functions, negotiators as strategies.

NegMAS (Mohammad & Nakadai et al., https://github.com/yasserfarouk/negmas) is
the Python library of the automated-negotiation community. This module is
optional: install it with ``pip install 'dealspace[negmas]'``.

* :func:`to_negmas` turns a scenario into a ``negmas.inout.Scenario``: one
  NegMAS issue per dealspace issue (option ids, or grid values for numeric
  issues) and one utility function per party that equals dealspace's
  utility ``u_p(x)`` of every package ``x``:

  - an additive scenario (no must-haves, red lines, nice-to-haves or
    interactions) gets a ``LinearAdditiveUtilityFunction`` whose table for
    issue ``i`` is ``w_pi · v̂_pi``;
  - otherwise a :class:`DealspaceUtility` wrapper: ``u_p(x)`` (bonuses
    included) when ``x`` meets every party's must-haves and red lines — the
    packages dealspace's deal space holds — and the party's reservation value
    for any other package (an unsignable package is worth no deal).

  The reservation value is the BATNA in points (the status-quo utility when
  the BATNA is ``status_quo``).
* :func:`from_negmas` brings a NegMAS scenario with linear-additive utility
  functions in: discrete issues with one option per value, each party's
  table ``t_i = w_i·f_i`` as the option values; a table with negative
  entries is shifted up by its minimum ``m_i`` and the constant ``Σ m_i``
  (with NegMAS's bias) is taken off the BATNA, so every comparison with the
  reservation value is kept and utilities differ by that constant only
  (recorded in the party's notes).
* :class:`NegmasStrategy` seats any NegMAS SAO negotiator in a dealspace
  protocol (:func:`dealspace.process.simulate.simulate` accepts strategy
  instances): on each track the negotiator sees one NegMAS issue ``package``
  whose values are the track's candidates, its own utility of each, its
  reservation value and the clock ``t / (T − 1)``.
* :func:`run_sao` runs NegMAS's SAO mechanism on a scenario.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from dealspace.errors import DealspaceError
from dealspace.process.agent import State, Strategy
from dealspace.scenario.genius.text import unique_ids
from dealspace.scenario.load import scenario_from_data
from dealspace.scenario.model import Scenario
from dealspace.space import acceptable, utilities, value_tables

if TYPE_CHECKING:
    import negmas.inout

    import negmas

INSTALL_HINT = "install NegMAS: pip install 'dealspace[negmas]'"


def require_negmas() -> Any:
    """The ``negmas`` module, or one clear error saying how to install it."""
    try:
        import negmas
    except ImportError:
        raise DealspaceError.single("", "NegMAS is not installed", INSTALL_HINT) from None
    return negmas


# ------------------------------------------------------------------ dealspace → NegMAS


def outcome_values(scenario: Scenario) -> list[list[Any]]:
    """The NegMAS values of each issue: option ids, or grid values (floats)."""
    return [
        [float(x) for x in issue.option_ids]
        if issue.numeric
        else [str(x) for x in issue.option_ids]
        for issue in scenario.issues
    ]


def package_of(scenario: Scenario, outcome: Sequence[Any]) -> dict[str, Any]:
    """The dealspace package of a NegMAS outcome (values in issue order)."""
    return dict(zip(scenario.issue_ids, outcome, strict=True))


def batnas(scenario: Scenario, tables: Mapping[tuple[str, str], np.ndarray]) -> list[float]:
    """Each party's BATNA in points (the status-quo utility for ``status_quo``)."""
    status_quo = None
    out = []
    for p, party in enumerate(scenario.parties):
        if party.batna == "status_quo":
            if status_quo is None:
                status_quo = utilities(scenario, scenario.status_quo(), tables)
            out.append(float(status_quo[p]))
        else:
            out.append(float(party.batna))
    return out


def is_additive(scenario: Scenario) -> bool:
    """No must-haves, red lines, nice-to-haves or interactions."""
    return not any(
        p.must_haves or p.red_lines or p.nice_to_haves or p.interactions for p in scenario.parties
    )


_WRAPPERS: dict[bool, type] = {}


def _wrapper(hard: bool) -> type:
    """The :class:`DealspaceUtility` class, built on first use (NegMAS is optional).

    With ``hard`` (packages off the deal space at the reservation value) it is a
    plain NegMAS utility function, so NegMAS's inverters evaluate it outcome by
    outcome; without, it is a linear-additive function (the weighted value
    tables) whose ``eval`` adds the bonuses, so NegMAS's inverters can use the
    additive structure on spaces too large to enumerate.
    """
    if hard not in _WRAPPERS:
        from negmas.preferences import LinearAdditiveUtilityFunction, UtilityFunction

        base = UtilityFunction if hard else LinearAdditiveUtilityFunction

        class DealspaceUtility(base):  # type: ignore[misc,valid-type]
            """A party's dealspace utility (bonuses included); with ``hard``, the
            reservation value for packages that break a must-have or red line."""

            def __init__(
                self,
                scenario: Scenario,
                party: int,
                tables: Mapping[tuple[str, str], np.ndarray],
                **kwargs: Any,
            ) -> None:
                if hard:
                    kwargs.pop("values", None)
                super().__init__(**kwargs)
                self.scenario = scenario
                self.party = party
                self.tables = tables
                self._cache: dict[tuple[Any, ...], float] = {}

            def eval(self, offer: Any) -> float:
                if offer is None:
                    return float(self.reserved_value)
                key = tuple(offer)
                if key not in self._cache:
                    package = package_of(self.scenario, key)
                    if not hard or acceptable(self.scenario, package):
                        self._cache[key] = float(
                            utilities(self.scenario, package, self.tables)[self.party]
                        )
                    else:
                        self._cache[key] = float(self.reserved_value)
                return self._cache[key]

        _WRAPPERS[hard] = DealspaceUtility
    return _WRAPPERS[hard]


def to_negmas(scenario: Scenario, hard: str = "reservation") -> negmas.inout.Scenario:
    """A NegMAS scenario with dealspace's utilities (see the module docstring).

    ``hard`` says what a package breaking a must-have or red line is worth:
    ``"reservation"`` (exact: the reservation value) or ``"ignore"`` (its
    additive utility and bonuses, as if the constraints were not there). Use
    ``"ignore"`` when the deal space is a small part of a space too large to
    enumerate (us-japan-2025: 1.4·10¹⁰ packages): NegMAS's negotiators sample
    it, find only the flat reservation value and agree at once; then check
    the agreement with :func:`dealspace.space.acceptable`.

    Raises
    ------
    DealspaceError
        If NegMAS is not installed.
    """
    negmas = require_negmas()
    if hard not in ("reservation", "ignore"):
        raise DealspaceError.single("hard", f"unknown '{hard}'", "use 'reservation' or 'ignore'")
    from negmas.inout import Scenario as NegmasScenario
    from negmas.preferences import LinearAdditiveUtilityFunction, TableFun

    values = outcome_values(scenario)
    issues = [
        negmas.make_issue(vals, name=issue.id)
        for issue, vals in zip(scenario.issues, values, strict=True)
    ]
    space = negmas.make_os(issues, name=scenario.name)
    tables = value_tables(scenario)
    reserve = batnas(scenario, tables)
    ufuns = []
    for p, party in enumerate(scenario.parties):
        funs = {}
        for issue, vals in zip(scenario.issues, values, strict=True):
            table = tables.get((party.id, issue.id))
            column = np.zeros(len(vals)) if table is None else np.asarray(table, dtype=float)
            funs[issue.id] = TableFun(dict(zip(vals, (float(x) for x in column), strict=True)))
        common = {"outcome_space": space, "reserved_value": reserve[p], "name": party.id}
        if is_additive(scenario):
            ufuns.append(LinearAdditiveUtilityFunction(values=funs, **common))
        else:
            ufuns.append(
                _wrapper(hard == "reservation")(scenario, p, tables, values=funs, **common)
            )
    return NegmasScenario(outcome_space=space, ufuns=tuple(ufuns), name=scenario.name)


# ------------------------------------------------------------------ NegMAS → dealspace


def from_negmas(source: Any, name: str | None = None) -> Scenario:
    """A dealspace scenario from a NegMAS scenario (or a sequence of its utility functions).

    Every issue must be discrete (finite values) and every utility function
    linear-additive (``LinearAdditiveUtilityFunction``), as Genius domains
    loaded by NegMAS are.

    Raises
    ------
    DealspaceError
        For a continuous issue, a non-additive utility function or fewer than
        two utility functions (one message each).
    """
    require_negmas()
    from negmas.preferences import LinearAdditiveUtilityFunction

    ufuns = list(getattr(source, "ufuns", source))
    if len(ufuns) < 2:
        raise DealspaceError.single(
            "ufuns",
            f"{len(ufuns)} utility function(s): a negotiation needs two",
            "give two or more",
        )
    space = getattr(source, "outcome_space", None) or ufuns[0].outcome_space
    issues = list(space.issues)
    problems = []
    for issue in issues:
        if not issue.is_discrete():
            problems.append(f"issue '{issue.name}' is continuous (discretise it first)")
    for k, u in enumerate(ufuns):
        if not isinstance(u, LinearAdditiveUtilityFunction):
            problems.append(f"utility function {k} ({type(u).__name__}) is not linear-additive")
    if problems:
        raise DealspaceError.single(
            "ufuns", "; ".join(problems), "use discrete issues and LinearAdditiveUtilityFunction"
        )
    issue_ids = unique_ids(
        [str(i.name) for i in issues], [f"issue{k + 1}" for k in range(len(issues))]
    )
    option_values = [list(issue.all) for issue in issues]
    option_ids = [
        unique_ids([str(v) for v in vals], [f"v{j + 1}" for j in range(len(vals))])
        for vals in option_values
    ]
    party_ids = unique_ids(
        [str(u.name or f"party{k + 1}") for k, u in enumerate(ufuns)],
        [f"party{k + 1}" for k in range(len(ufuns))],
    )
    parties = []
    for party_id, u in zip(party_ids, ufuns, strict=True):
        valuations: dict[str, Any] = {}
        shift = float(getattr(u, "_bias", 0.0) or 0.0)
        for i, issue_id in enumerate(issue_ids):
            table = [float(u.weights[i]) * float(u.values[i](v)) for v in option_values[i]]
            low = min(table)
            if low < 0:
                table = [t - low for t in table]
                shift += low
            top = max(table)
            if top <= 0:
                continue
            valuations[issue_id] = {
                "weight": top,
                "value": dict(zip(option_ids[i], table, strict=True)),
            }
        reserved = float(u.reserved_value)
        party: dict[str, Any] = {
            "id": party_id,
            "valuations": valuations,
            "batna": reserved - shift if math.isfinite(reserved) else 0.0,
        }
        if shift != 0:
            party["notes"] = f"utilities are NegMAS's minus {shift:g} (tables shifted to be ≥ 0)"
        if not math.isfinite(reserved):
            party["notes"] = (
                party.get("notes", "") + "; no reservation value in NegMAS: 0"
            ).lstrip("; ")
        parties.append(party)
    data = {
        "name": unique_ids([name or str(getattr(source, "name", None) or "negmas")], ["negmas"])[0],
        "title": f"From NegMAS: {name or getattr(source, 'name', None) or 'scenario'}",
        "notes": "Imported from NegMAS. The status quo is each issue's first value (an arbitrary "
        "convention); each party's BATNA is its reservation value.",
        "parties": parties,
        "domains": [
            {
                "id": "negmas",
                "issues": [
                    {
                        "id": issue_id,
                        "name": str(issue.name),
                        "options": [
                            {"id": o, "label": str(v)} for o, v in zip(ids, vals, strict=True)
                        ],
                        "status_quo": ids[0],
                    }
                    for issue_id, issue, ids, vals in zip(
                        issue_ids, issues, option_ids, option_values, strict=True
                    )
                ],
            }
        ],
    }
    return scenario_from_data(data, "NegMAS scenario")


# ------------------------------------------------------------------ NegMAS negotiators as strategies


class NegmasStrategy(Strategy):
    """A NegMAS SAO negotiator seated as a dealspace strategy.

    Parameters
    ----------
    negotiator
        A NegMAS negotiator class (e.g. ``negmas.sao.BoulwareTBNegotiator``)
        or a function returning a fresh negotiator; one is made per track and
        per parallel run.

    The negotiator negotiates over one NegMAS issue ``package`` whose values
    are the track's candidate indices, with utility ``u_p(c)`` and reservation
    value ``r_p``; time is ``t / (T − 1)`` at round ``t`` of ``T``. An offer of
    ``None`` (NegMAS for "no offer") is replaced by the agent's best candidate.
    """

    name: ClassVar[str] = "negmas"
    classifier: ClassVar[dict[str, Any]] = {
        "time_dependent": True,
        "stochastic": False,
        "learns": False,
        "opponent_model": False,
    }

    def __init__(self, negotiator: Callable[[], Any]) -> None:
        require_negmas()
        self.negotiator = negotiator
        self._seats: dict[tuple[int, int], Any] = {}

    @property
    def params(self) -> dict[str, Any]:
        return {"negotiator": getattr(self.negotiator, "__name__", repr(self.negotiator))}

    def reset(self) -> None:
        self._seats = {}

    def _seat(self, state: State, run: int) -> Any:
        key = (id(state.table), run)
        if key not in self._seats:
            from negmas.preferences import MappingUtilityFunction

            import negmas

            space = negmas.make_os([negmas.make_issue(state.table.size, name="package")])
            own = state.own

            def utility(outcome: Any) -> float:
                return -math.inf if outcome is None else float(own[int(outcome[0])])

            mechanism = negmas.SAOMechanism(outcome_space=space, n_steps=state.deadline)
            agent = self.negotiator()
            mechanism.add(
                agent,
                preferences=MappingUtilityFunction(
                    utility, outcome_space=space, reserved_value=float(state.reservation)
                ),
            )
            self._seats[key] = (agent, mechanism)
        return self._seats[key][0]

    def _sao_state(self, state: State, offer: int | None) -> Any:
        from negmas.sao import SAOState

        return SAOState(
            running=True,
            started=True,
            step=state.t,
            relative_time=state.time_fraction(),
            current_offer=None if offer is None else (int(offer),),
        )

    def propose(self, state: State) -> np.ndarray:
        out = np.empty(state.runs, dtype=np.int64)
        for r in range(state.runs):
            last = int(state.received[-1][r]) if state.received else None
            bid = self._seat(state, r).propose(self._sao_state(state, last))
            out[r] = int(state.order[0]) if bid is None else int(bid[0])
        return out

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        from negmas.gb.common import ResponseType

        out = np.zeros(state.runs, dtype=bool)
        for r in range(state.runs):
            answer = self._seat(state, r).respond(
                self._sao_state(state, int(offer[r])), source="opponent"
            )
            out[r] = answer == ResponseType.ACCEPT_OFFER
        return out


# ------------------------------------------------------------------ running NegMAS's mechanism


def run_sao(
    scenario: Scenario,
    negotiators: Sequence[Callable[[], Any]],
    n_steps: int = 100,
    converted: negmas.inout.Scenario | None = None,
) -> tuple[dict[str, Any] | None, np.ndarray]:
    """Run NegMAS's SAO mechanism on a scenario; (agreement package or None, utilities).

    ``negotiators`` gives one NegMAS negotiator factory per party (in party
    order); the utilities are dealspace's, at the agreement, or each party's
    BATNA without one. Pass ``converted`` (from :func:`to_negmas`) to reuse it.
    """
    negmas = require_negmas()
    converted = converted or to_negmas(scenario)
    mechanism = negmas.SAOMechanism(outcome_space=converted.outcome_space, n_steps=n_steps)
    for make, ufun in zip(negotiators, converted.ufuns, strict=True):
        mechanism.add(make(), preferences=ufun)
    state = mechanism.run()
    if state.agreement is None:
        return None, np.array([float(u.reserved_value) for u in converted.ufuns])
    package = package_of(scenario, state.agreement)
    return package, np.array([float(u(state.agreement)) for u in converted.ufuns])
