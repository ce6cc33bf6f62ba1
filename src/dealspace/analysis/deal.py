"""The deal file: a signed deal as a package of a scenario, with its evidence.

A deal file (YAML or JSON) names its ``scenario`` and lists ``terms``: for
each issue the deal changes, the ``option`` it sets and its ``kind`` —
``structural`` (a tariff or rule changed in law) or ``headline`` (an
announced purchase, pledge or intention) — with the legal ``basis`` and a
``source``, and the ``instrument`` that carries it (an id under
``instruments``: its kind — treaty, statute, executive order, MOU, joint
statement, announcement — date, legal authority and dated, sourced fate).
Issues not listed stay at the status quo. ``durability`` lists
dated, sourced evidence items (``category``: enforcement, snap_back,
legal_risk or implementation; ``effect``: supports or undermines; ``weight``
1 minor, 2 material, 3 decisive). An optional ``economy`` block names the
tariff world (a preset) in which the general-equilibrium model prices the
deal's tariff terms. The built-in deals live in
``dealspace/analysis/deals/*.yaml``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from dealspace.errors import DealspaceError, Problem, did_you_mean
from dealspace.scenario.model import Id, OptionRef, Scenario, Traced

Kind = Literal["structural", "headline"]
Category = Literal["enforcement", "snap_back", "legal_risk", "implementation"]
InstrumentKind = Literal[
    "treaty", "statute", "executive_order", "mou", "joint_statement", "announcement"
]
#: How binding each kind of instrument is (Issue 13: treaty or statute > executive
#: order > MOU > joint statement > announcement); 0 once its legal basis is void.
LADDER: dict[str, int] = {
    "treaty": 5,
    "statute": 5,
    "executive_order": 4,
    "mou": 3,
    "joint_statement": 2,
    "announcement": 1,
}
#: Fates that take an instrument's force away.
VOID = ("voided", "lapsed", "withdrawn")


# ------------------------------------------------------------------ deal file


class Term(Traced):
    """One term of a deal: the option it sets and whether it is law or pledge."""

    option: OptionRef
    kind: Kind
    basis: str | None = Field(
        None, description="The instrument: an executive order, an MOU, a statement."
    )
    instrument: Id | None = Field(
        None, description="Id of the deal's instrument that carries the term (ladder rung)."
    )


class Fate(Traced):
    """What became of an instrument: ``status`` on ``date`` (sourced)."""

    status: Literal["in_force", "voided", "lapsed", "withdrawn", "challenged"]
    date: str
    claim: str


class Instrument(Traced):
    """A legal instrument carrying deal terms: its kind (a rung of :data:`LADDER`),
    date, legal authority and fate."""

    kind: InstrumentKind
    title: str
    date: str
    authority: str | None = Field(
        None, description="The legal basis it rests on, e.g. IEEPA, Section 232."
    )
    fate: Fate | None = None


class Evidence(Traced):
    """A dated, sourced fact about whether the deal will last."""

    id: Id
    category: Category
    effect: Literal["supports", "undermines"]
    weight: Literal[1, 2, 3] = Field(description="1 minor, 2 material, 3 decisive.")
    claim: str
    date: str | None = None
    terms: list[Id] = Field(default_factory=list, description="Issues of the package it bears on.")


class EconomyLink(Traced):
    """The world the deal's tariff terms are priced in by the GE model.

    ``world``: the tariff preset of every pair the scenario does not set
    (see ``dealspace.economy.PRESETS``); the scenario's tariff issues, with
    their ``share`` of the bilateral flow, set the rest.
    """

    world: str = "liberation-day"


class Deal(Traced):
    """A signed deal as a package of a scenario, with evidence."""

    name: Id
    title: str | None = None
    scenario: str
    date: str | None = None
    terms: dict[Id, Term] = Field(min_length=1)
    durability: list[Evidence] = Field(default_factory=list)
    instruments: dict[Id, Instrument] = Field(default_factory=dict)
    economy: EconomyLink | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> Deal:
        ids = [e.id for e in self.durability]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise PydanticCustomError(
                "duplicate", "evidence id '{id}' appears twice: rename one", {"id": dup[0]}
            )
        for issue, term in self.terms.items():
            if term.instrument is not None and term.instrument not in self.instruments:
                raise PydanticCustomError(
                    "unknown_instrument",
                    "term '{issue}' names instrument '{name}', which is not under 'instruments'",
                    {"issue": issue, "name": term.instrument},
                )
        return self


def list_deals() -> list[str]:
    """Names of the built-in deals."""
    folder = resources.files("dealspace.analysis") / "deals"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_deal(source: str | Path) -> Deal:
    """Load a built-in deal by name, or a deal file (YAML/JSON).

    Raises
    ------
    DealspaceError
        Naming the file, the field path and the fix.
    """
    from dealspace.scenario.load import problems_from_validation, read_document

    path = Path(source)
    builtin = False
    if path.is_file():
        label = str(path)
    elif str(source) in list_deals():
        path = Path(str(resources.files("dealspace.analysis") / "deals" / f"{source}.yaml"))
        label = f"built-in deal '{source}'"
        builtin = True  # the package's own file: the fast reader (read_document)
    else:
        raise DealspaceError.single(
            "",
            f"'{source}' is neither a file nor a built-in deal",
            did_you_mean(str(source), list_deals()),
            source=str(source),
        )
    data = read_document(path, trusted=builtin)
    if not isinstance(data, dict):
        raise DealspaceError.single(
            "",
            "the top level is not a mapping",
            "start with 'name:', 'scenario:', 'terms:'",
            source=label,
        )
    try:
        return Deal.model_validate(data)
    except ValidationError as err:
        raise DealspaceError(problems_from_validation(err), label) from None


def check_deal(deal: Deal, scenario: Scenario, label: str = "") -> dict[str, OptionRef]:
    """The deal's full package (untouched issues at the status quo), checked.

    Raises
    ------
    DealspaceError
        For an unknown issue or option, evidence naming an unknown term, or
        an economy block the scenario cannot price.
    """
    problems: list[Problem] = []
    package = scenario.status_quo()
    for issue_id, term in deal.terms.items():
        if issue_id not in scenario.issue_ids:
            problems.append(
                Problem(
                    f"terms.{issue_id}", "unknown issue", did_you_mean(issue_id, scenario.issue_ids)
                )
            )
            continue
        issue = scenario.issue(issue_id)
        k = issue.option_index(term.option)
        if k is None:
            problems.append(
                Problem(
                    f"terms.{issue_id}.option",
                    f"'{term.option}' is not an option of '{issue_id}'",
                    did_you_mean(str(term.option), map(str, issue.option_ids)),
                )
            )
            continue
        package[issue_id] = issue.option_ids[k]
    for n, e in enumerate(deal.durability):
        for t in e.terms:
            if t not in scenario.issue_ids:
                problems.append(
                    Problem(
                        f"durability[{n}].terms",
                        f"unknown issue '{t}'",
                        did_you_mean(t, scenario.issue_ids),
                    )
                )
    if deal.economy is not None:
        problems += _check_world(deal.economy, scenario)
    if problems:
        raise DealspaceError(problems, label or f"deal '{deal.name}'")
    return package


def _check_world(link: EconomyLink, scenario: Scenario) -> list[Problem]:
    from dealspace.economy import PRESETS

    out = []
    if link.world not in PRESETS:
        out.append(
            Problem(
                "economy.world", f"unknown preset '{link.world}'", did_you_mean(link.world, PRESETS)
            )
        )
    if not any(i.tariff is not None for i in scenario.issues):
        out.append(
            Problem(
                "economy",
                f"scenario '{scenario.name}' has no tariff issues to price",
                "remove the block",
            )
        )
    return out
