"""The scenario model: a negotiation portfolio as validated, immutable data.

A *scenario* has parties, domains (groups of issues), issues (discrete
options or a numeric grid, one of them the status quo) and, for each party,
valuations, hard constraints (must-haves, red lines) and soft ones
(nice-to-haves, interactions).

A party's utility of a package ``x`` (one option per issue) is

    u_p(x) = Σ_i w_pi · v̂_pi(x_i)  +  Σ_{s ∈ soft_p} b_s · [x satisfies s]

where ``w_pi`` is the issue weight (the points the party puts on the issue),
``v̂_pi`` the value of the option scaled so that the party's best option of the
issue is worth 1 (per-option values are divided by their maximum, as Genius
does; ``increasing`` / ``decreasing`` are linear from 0 to 1 over the range;
``points`` are interpolated then divided by their maximum), and ``b_s`` the
bonus (or penalty, if negative) of a nice-to-have or an interaction.

A package is acceptable to a party when it satisfies all of the party's
must-haves and none of its red lines.

Semantic checks (references, duplicates, contradictions) live in
:mod:`dealspace.scenario.checks` and run when a Scenario is built.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dealspace.errors import did_you_mean
from dealspace.scenario.bounds import (
    MAX_MAGNITUDE,
    MAX_POINTS,
    MAX_TARIFF_PCT,
    MIN_POINTS,
    MIN_RELATIVE_STEP,
    shown,
)
from dealspace.tolerances import GRID_TOL

#: Most options a numeric issue may expand to.
MAX_NUMERIC_OPTIONS = 2001

Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.\-]+$")]
#: A position on a numeric issue (an option, a range end, a condition bound): finite, within ±1e12.
Number = Annotated[float, Field(ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE, allow_inf_nan=False)]


def _not_tiny(x: float) -> float:
    """Refuse a non-zero number of points below :data:`MIN_POINTS` in magnitude."""
    if x != 0 and abs(x) < MIN_POINTS:
        raise PydanticCustomError(
            "too_small",
            "{v} is not 0 but below {min} in magnitude, where products of points underflow: "
            "write 0, or use larger units for every number (docs/scenario-format.md, 'Bounds')",
            {"v": f"{x:g}", "min": f"{MIN_POINTS:g}"},
        )
    return x


#: Utility points (a bonus, a BATNA, an uncertain weight or value): finite, 0 or 1e-100 … 1e9 in magnitude.
Points = Annotated[
    float, Field(ge=-MAX_POINTS, le=MAX_POINTS, allow_inf_nan=False), AfterValidator(_not_tiny)
]
#: Non-negative utility points (a weight, a delay cost): 0, or 1e-100 … 1e9.
NonNegative = Annotated[
    float, Field(ge=0, le=MAX_POINTS, allow_inf_nan=False), AfterValidator(_not_tiny)
]
#: A tariff rate in percent: 0 … 10,000.
Rate = Annotated[float, Field(ge=0, le=MAX_TARIFF_PCT, allow_inf_nan=False)]
OptionRef = str | float


class Base(BaseModel):
    """Common settings: immutable; unknown keys refused (the loader adds a
    'did you mean' from :func:`key_names`)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def key_names(cls: type[BaseModel]) -> list[str]:
    """The keys a user may write in an element of this model (aliases, not python names)."""
    return [info.alias or name for name, info in cls.model_fields.items()]


class Traced(Base):
    """Any element may say where its numbers come from."""

    source: str | None = Field(None, description="Where this comes from: citation, URL, date.")
    notes: str | None = Field(None, description="Free-text remarks.")


# ---------------------------------------------------------------- conditions


class IssueIs(Base):
    """A condition on one issue: the option is in / not in a set, or a
    numeric option lies within [min, max] (inclusive)."""

    issue: Id
    in_: list[OptionRef] | None = Field(None, alias="in", min_length=1)
    not_in: list[OptionRef] | None = Field(None, min_length=1)
    min: Number | None = None
    max: Number | None = None

    @model_validator(mode="after")
    def _one_test(self) -> IssueIs:
        if self.in_ is None and self.not_in is None and self.min is None and self.max is None:
            raise PydanticCustomError(
                "empty_condition",
                "a condition on issue '{issue}' needs 'in', 'not_in', 'min' or 'max'",
                {"issue": self.issue},
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise PydanticCustomError(
                "bad_bounds",
                "min {lo} is above max {hi}: swap them",
                {"lo": self.min, "hi": self.max},
            )
        return self


class AllOf(Base):
    """Every condition holds."""

    all: list[Condition] = Field(min_length=1)


class AnyOf(Base):
    """At least one condition holds."""

    any: list[Condition] = Field(min_length=1)


class Not(Base):
    """The condition does not hold."""

    not_: Condition = Field(alias="not")


class IfThen(Base):
    """If the first condition holds, the second must hold too."""

    if_: Condition = Field(alias="if")
    then: Condition


_CONDITION_KEYS = {"issue": "issue", "all": "all", "any": "any", "not": "not", "if": "if"}


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return {IssueIs: "issue", AllOf: "all", AnyOf: "any", Not: "not", IfThen: "if"}.get(
            type(value)
        )
    if isinstance(value, dict):
        for key in ("issue", "all", "any", "not", "if"):
            if key in value:
                return key
    return None


Condition = Annotated[
    Annotated[IssueIs, Tag("issue")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")]
    | Annotated[IfThen, Tag("if")],
    Discriminator(
        _condition_tag,
        custom_error_type="bad_condition",
        custom_error_message=(
            "a condition is a mapping with one of the keys 'issue', 'all', 'any', 'not', 'if'"
        ),
    ),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()
IfThen.model_rebuild()


def condition_issues(cond: Condition) -> tuple[str, ...]:
    """The issues a condition reads, in first-mention order."""
    seen: dict[str, None] = {}

    def walk(c: Any) -> None:
        if isinstance(c, IssueIs):
            seen.setdefault(c.issue)
        elif isinstance(c, AllOf):
            for sub in c.all:
                walk(sub)
        elif isinstance(c, AnyOf):
            for sub in c.any:
                walk(sub)
        elif isinstance(c, Not):
            walk(c.not_)
        elif isinstance(c, IfThen):
            walk(c.if_)
            walk(c.then)

    walk(cond)
    return tuple(seen)


# ---------------------------------------------------------------- constraints


class Constraint(Traced):
    """A must-have or a red line of one party: a condition on one or more issues.

    A must-have must hold in every acceptable package; a red line must not.
    """

    id: Id | None = Field(None, description="Name used in reports; defaults to its position.")
    label: str | None = Field(None, description="Plain-words statement of the constraint.")
    condition: Condition


class Bonus(Traced):
    """A nice-to-have or an interaction: ``bonus`` points when the condition holds
    (a negative bonus is a penalty, e.g. two options that substitute)."""

    id: Id | None = None
    label: str | None = None
    condition: Condition
    bonus: Points


# ---------------------------------------------------------------- issues


class Option(Traced):
    """One option of a discrete issue."""

    id: Id
    label: str | None = None


def _number_id(v: Any) -> Any:
    """The option id a number written as an id stands for (``400`` → '400', ``2.5`` → '2.5')."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return v if isinstance(v, str) else str(v)
    if isinstance(v, int) and abs(v) > 10**15:
        return str(v)  # beyond a float's exact integers (and refused by the loader's bounds)
    return f"{v:g}"


class NumericRange(Base):
    """A numeric issue's grid: ``min, min+step, …, max``."""

    min: Number
    max: Number
    step: Number = Field(gt=0)

    @model_validator(mode="after")
    def _sane(self) -> NumericRange:
        if self.min > self.max:
            raise PydanticCustomError(
                "bad_range",
                "min {lo} is above max {hi}: swap them",
                {"lo": self.min, "hi": self.max},
            )
        # Compared without dividing, so no step can overflow the count.
        if self.max - self.min > self.step * (MAX_NUMERIC_OPTIONS - 1 + GRID_TOL):
            ratio = (self.max - self.min) / self.step
            count = (
                f"{math.floor(ratio + GRID_TOL) + 1:,}"
                if ratio < 1e15
                else (f"about {shown(ratio)}" if math.isfinite(ratio) else "over 1e308")
            )
            raise PydanticCustomError(
                "too_many_options",
                "the range {lo}..{hi} in steps of {step} has {n} options, more than {cap}: "
                "use a larger step",
                {
                    "lo": shown(self.min),
                    "hi": shown(self.max),
                    "step": shown(self.step),
                    "n": count,
                    "cap": MAX_NUMERIC_OPTIONS,
                },
            )
        scale = max(1.0, abs(self.min), abs(self.max))
        if self.step < MIN_RELATIVE_STEP * scale:
            raise PydanticCustomError(
                "tiny_step",
                "the step {step} is too fine for numbers of this size (below {rel} × {scale}): "
                "use a step of at least {least}",
                {
                    "step": shown(self.step),
                    "rel": shown(MIN_RELATIVE_STEP),
                    "scale": shown(scale),
                    "least": shown(MIN_RELATIVE_STEP * scale),
                },
            )
        return self

    def grid(self) -> tuple[float, ...]:
        count = math.floor((self.max - self.min) / self.step + GRID_TOL) + 1
        return tuple(round(self.min + k * self.step, 10) for k in range(count))


class TariffSpec(Traced):
    """What a tariff issue is: a tariff ``levied_by`` one economy ``on`` imports
    from another (ISO3 codes of the economy module's regions). Rates are the
    option values in percent for numeric issues with unit '%', else ``rates``
    gives the rate in percent for each option id."""

    levied_by: str
    on: str
    share: float = Field(
        1.0,
        gt=0,
        le=1,
        description="Share of the bilateral flow the tariff covers (e.g. autos ≈ 0.35 of "
        "Japan's exports to the US); the shares of one country pair add up to at most 1.",
    )
    rates: dict[str, Rate] | None = None

    @field_validator("rates", mode="before")
    @classmethod
    def _keys_as_ids(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {_number_id(k): v for k, v in value.items()}
        return value


class Issue(Traced):
    """One issue: discrete ``options`` or a numeric ``range``; ``status_quo`` is
    the option that holds with no agreement."""

    id: Id
    name: str | None = None
    options: list[Option | Id] | None = None
    range: NumericRange | None = None
    unit: str | None = None
    status_quo: OptionRef
    tariff: TariffSpec | None = None
    owners: list[Id] | None = Field(
        None,
        min_length=1,
        description="Parties whose consent moving this issue needs (coalitions: only a "
        "coalition holding every owner may move it). Default: the parties the issue is "
        "between — for a tariff issue the levying and the levied party (by 'country'), "
        "otherwise every party with a stake in it.",
    )

    @field_validator("options", mode="before")
    @classmethod
    def _numbers_as_ids(cls, value: Any) -> Any:
        """``options: [0, 400]`` means the option ids '0' and '400'."""
        if isinstance(value, list):
            return [
                _number_id(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                for v in value
            ]
        return value

    @field_validator("options")
    @classmethod
    def _non_empty(cls, value: list[Any] | None) -> list[Any] | None:
        if value is not None and not value:
            raise PydanticCustomError(
                "empty_options", "the option list is empty: give at least two options", {}
            )
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Issue:
        if (self.options is None) == (self.range is None):
            raise PydanticCustomError(
                "issue_kind",
                "issue '{id}' needs exactly one of 'options' (discrete) or 'range' (numeric)",
                {"id": self.id},
            )
        return self

    @property
    def numeric(self) -> bool:
        return self.range is not None

    @cached_property
    def option_ids(self) -> tuple[str | float, ...]:
        """The options: ids (discrete) or grid values (numeric)."""
        if self.range is not None:
            return self.range.grid()
        assert self.options is not None
        return tuple(o if isinstance(o, str) else o.id for o in self.options)

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {str(v): k for k, v in enumerate(self.option_ids)}

    def option_index(self, ref: OptionRef) -> int | None:
        """Position of an option given by id or value, or None."""
        if self.range is None:
            return self._positions.get(f"{ref:g}" if isinstance(ref, float) else str(ref))
        try:
            x = float(ref)
        except (TypeError, ValueError, OverflowError):
            return None
        if not math.isfinite(x):
            return None
        r = self.range
        k = round((x - r.min) / r.step)
        if 0 <= k < len(self.option_ids) and abs(float(self.option_ids[k]) - x) <= GRID_TOL * max(
            1.0, abs(x)
        ):
            return int(k)
        return None

    @property
    def status_quo_index(self) -> int:
        index = self.option_index(self.status_quo)
        assert index is not None, "checked at load"
        return index

    def label(self, option: OptionRef) -> str:
        """A readable label of an option (with the unit for numeric issues)."""
        if self.range is not None:
            x = float(option)
            text = f"{x:g}"
            return f"{text} {self.unit}".replace(" %", "%") if self.unit else text
        assert self.options is not None
        for o in self.options:
            if not isinstance(o, str) and o.id == option and o.label:
                return o.label
        return str(option)


class Domain(Traced):
    """A group of issues (trade, security, investment, …)."""

    id: Id
    name: str | None = None
    issues: list[Issue] = Field(min_length=1)


# ---------------------------------------------------------------- parties

Direction = Literal["increasing", "decreasing"]


class Range(Base):
    """An uncertain number: uniform on ``[low, high]``, or triangular with mode
    ``most_likely``. Its point value (used by every exact analysis) is
    ``most_likely`` when given, else the midpoint; ``dealspace robust`` draws it."""

    low: Points
    high: Points
    most_likely: Points | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        mid = self.low if self.most_likely is None else self.most_likely
        if not self.low <= mid <= self.high:
            raise PydanticCustomError(
                "bad_range",
                "a range needs low ≤ most_likely ≤ high, got {r}",
                {"r": self.model_dump(exclude_none=True)},
            )
        return self

    @property
    def point(self) -> float:
        return (self.low + self.high) / 2 if self.most_likely is None else self.most_likely


def _is_range(v: Any) -> bool:
    return isinstance(v, dict) and "low" in v and "high" in v


def _point(v: dict[str, Any]) -> Any:
    """The point value of a range given as data (validated later by :class:`Range`)."""
    ml = v.get("most_likely")
    if ml is not None:
        return ml
    low, high = v.get("low"), v.get("high")
    if isinstance(low, int | float) and isinstance(high, int | float) and not isinstance(low, bool):
        return (low + high) / 2
    return low


class Valuation(Traced):
    """How much a party cares about one issue and which options it prefers.

    ``value`` is one of: a mapping option → value (≥ 0); ``increasing`` or
    ``decreasing`` (linear over a numeric range); a list of ``[x, value]``
    points (piecewise linear over a numeric range); ``economy`` (the welfare
    change the economy module computes for the party's country).

    The weight and each value of a mapping may be a range ``{low, high}`` or
    ``{low, most_likely, high}``; it is kept in ``weight_range`` /
    ``value_ranges`` and replaced by its point value (:class:`Range`).
    """

    weight: NonNegative = 1.0
    value: dict[str, float] | Direction | list[tuple[float, float]] | Literal["economy"]
    weight_range: Range | None = None
    value_ranges: dict[str, Range] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _ranges(cls, data: Any) -> Any:
        """Move ranges out of ``weight`` and ``value`` into their own fields."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if _is_range(data.get("weight")):
            data["weight_range"] = data["weight"]
            data["weight"] = _point(data["weight"])
        value = data.get("value")
        if isinstance(value, dict) and any(_is_range(v) for v in value.values()):
            ranges = dict(data.get("value_ranges") or {})
            plain = {}
            for key, v in value.items():
                name = _number_id(key) if isinstance(key, float) else str(key)
                if _is_range(v):
                    ranges[name] = v
                    plain[key] = _point(v)
                else:
                    plain[key] = v
            data["value"], data["value_ranges"] = plain, ranges
        return data

    @model_validator(mode="after")
    def _ranges_non_negative(self) -> Valuation:
        for name, r in ([("weight", self.weight_range)] if self.weight_range else []) + [
            (f"the value of option '{k}'", v) for k, v in self.value_ranges.items()
        ]:
            if r.low < 0:
                raise PydanticCustomError(
                    "negative",
                    "{what}: a range must lie at or above 0, got low = {v}",
                    {"what": name, "v": r.low},
                )
        return self

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, value: Any) -> Any:
        """One clear message for each wrong form (instead of one per union branch)."""
        if isinstance(value, str):
            if value not in ("increasing", "decreasing", "economy"):
                raise PydanticCustomError(
                    "bad_value",
                    "'{v}' is not a value function — {hint}",
                    {
                        "v": value,
                        "hint": did_you_mean(value, ["increasing", "decreasing", "economy"]),
                    },
                )
            return value
        if isinstance(value, dict):
            out = {}
            for key, v in value.items():
                name = _number_id(key) if isinstance(key, float) else str(key)
                out[name] = _non_negative(v, f"the value of option '{name}'")
            return out
        if isinstance(value, list):
            points = []
            for point in value:
                if not (isinstance(point, list | tuple) and len(point) == 2):
                    raise PydanticCustomError(
                        "bad_points",
                        "each point is a pair [x, value], got {p}",
                        {"p": repr(point)[:80]},
                    )
                x = _finite(point[0], "a point's x")
                points.append((x, _non_negative(point[1], f"the value at x = {x:g}")))
            if len(points) < 2:
                raise PydanticCustomError(
                    "few_points",
                    "a piecewise-linear value needs at least two [x, value] points",
                    {},
                )
            if any(b[0] <= a[0] for a, b in zip(points, points[1:], strict=False)):
                raise PydanticCustomError(
                    "unsorted_points", "the points' x values must be strictly increasing", {}
                )
            return points
        raise PydanticCustomError(
            "bad_value",
            "a value is a mapping option → value, 'increasing', 'decreasing', a list of "
            "[x, value] points, or 'economy'; got {t}",
            {"t": type(value).__name__},
        )


def _finite(v: Any, what: str, limit: float = MAX_MAGNITUDE) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise PydanticCustomError(
            "not_number", "{what} must be a number, got {v}", {"what": what, "v": repr(v)[:80]}
        )
    if isinstance(v, float) and not math.isfinite(v):
        raise PydanticCustomError(
            "not_finite", "{what} is {v}: use a finite number", {"what": what, "v": v}
        )
    if abs(v) > limit:
        raise PydanticCustomError(
            "too_large",
            "{what} is {v}, beyond ±{limit}: use smaller units (docs/scenario-format.md, 'Bounds')",
            {"what": what, "v": shown(v), "limit": shown(float(limit))},
        )
    return float(v)


def _non_negative(v: Any, what: str) -> float:
    x = _finite(v, what, MAX_POINTS)
    if x < 0:
        raise PydanticCustomError(
            "negative",
            "{what} is {v}: values must be ≥ 0 (use a lower weight instead)",
            {"what": what, "v": x},
        )
    return x


class Party(Traced):
    """A negotiating party with its private valuation and constraints."""

    id: Id
    name: str | None = None
    country: str | None = Field(None, description="ISO3 code in the economy module, if any.")
    batna: Points | Literal["status_quo"] = Field(
        "status_quo",
        description="Utility of walking away, in the party's points; 'status_quo' = "
        "the utility of the status-quo package.",
    )
    batna_range: Range | None = Field(
        None, description="The BATNA as an uncertain number (set from batna: {low, high})."
    )
    valuations: dict[Id, Valuation] = Field(default_factory=dict)
    must_haves: list[Constraint] = Field(default_factory=list)
    red_lines: list[Constraint] = Field(default_factory=list)
    nice_to_haves: list[Bonus] = Field(default_factory=list)
    interactions: list[Bonus] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _batna_range(cls, data: Any) -> Any:
        """``batna: {low, high}`` (or with ``most_likely``) is kept in ``batna_range``."""
        if isinstance(data, dict) and _is_range(data.get("batna")):
            data = dict(data)
            data["batna_range"] = data["batna"]
            data["batna"] = _point(data["batna"])
        return data

    @property
    def label(self) -> str:
        return self.name or self.id


# ---------------------------------------------------------------- economy


class EconomySettings(Traced):
    """How tariff issues are priced by the general-equilibrium model."""

    data: str = Field(
        "default",
        description="'default' (the embedded 194 countries, 2023), 'regions' (their 14-region aggregate with Taiwan) or a path.",
    )
    base: str = Field(
        "in-force",
        description="The tariff world the tariff issues are priced in: 'in-force' (the US rates in force at the "
        "scenario's date), 'none' (no tariffs) or a preset such as 'liberation-day' (docs/economy.md).",
    )
    points_per_welfare_pct: NonNegative | None = Field(
        None,
        description="Utility points per percentage point of welfare; if omitted, "
        "'value: economy' issues are scaled from worst (0) to best (1) option.",
    )
    revenue: Literal["income-tax", "lump-sum"] = "lump-sum"


# ---------------------------------------------------------------- dated events


class ScenarioEvent(Traced):
    """A dated event that changes the cost of delay from its date on (a tariff
    deadline, an election, a court ruling): each named party's political cost
    of delay rises by ``delay_cost[party]`` points a week and its breakdown
    hazard by ``hazard[party]`` a week. Used by the process simulation
    (docs/process.md); the deal space ignores it."""

    date: str = Field(description="ISO date YYYY-MM-DD from which the change applies.")
    label: str | None = None
    delay_cost: dict[Id, NonNegative] = Field(default_factory=dict)
    hazard: dict[Id, Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]] = Field(
        default_factory=dict
    )

    @field_validator("date")
    @classmethod
    def _iso(cls, value: str) -> str:
        import datetime as _dt

        try:
            _dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            raise PydanticCustomError(
                "bad_date", "'{v}' is not a date: write YYYY-MM-DD", {"v": value}
            ) from None
        return str(value)[:10]


# ---------------------------------------------------------------- scenario


class Scenario(Traced):
    """A negotiation portfolio: parties, domains of issues, and each party's
    valuations and constraints. Build with :func:`dealspace.load_scenario`."""

    name: Id
    title: str | None = None
    description: str | None = None
    date: str | None = None
    parties: list[Party] = Field(min_length=2)
    domains: list[Domain] = Field(min_length=1)
    economy: EconomySettings | None = None
    events: list[ScenarioEvent] = Field(
        default_factory=list, description="Dated events (process simulation)."
    )

    @model_validator(mode="after")
    def _semantics(self) -> Scenario:
        from dealspace.scenario.checks import raise_problems

        raise_problems(self)
        return self

    # -- where it was read from -----------------------------------------------
    def from_file(self, source: str) -> Scenario:
        """This scenario, remembering the file (or built-in) it was read from (:attr:`origin`)."""
        self.__dict__["_origin"] = source  # not a field: equality and dumps ignore it
        return self

    @property
    def origin(self) -> str:
        """The file the scenario was read from, for messages (else ``scenario 'name'``)."""
        return str(self.__dict__.get("_origin") or f"scenario '{self.name}'")

    # -- look-ups (derived, cheap) -------------------------------------------
    @cached_property
    def issues(self) -> tuple[Issue, ...]:
        """Every issue, in domain order."""
        return tuple(issue for domain in self.domains for issue in domain.issues)

    @cached_property
    def issue_ids(self) -> tuple[str, ...]:
        return tuple(issue.id for issue in self.issues)

    def issue(self, issue_id: str) -> Issue:
        for issue in self.issues:
            if issue.id == issue_id:
                return issue
        raise KeyError(issue_id)

    def party(self, party_id: str) -> Party:
        for party in self.parties:
            if party.id == party_id:
                return party
        raise KeyError(party_id)

    @property
    def party_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.parties)

    def domain_of(self, issue_id: str) -> str:
        for domain in self.domains:
            if any(i.id == issue_id for i in domain.issues):
                return domain.id
        raise KeyError(issue_id)

    def status_quo(self) -> dict[str, str | float]:
        """The package that holds with no agreement."""
        return {issue.id: issue.option_ids[issue.status_quo_index] for issue in self.issues}
