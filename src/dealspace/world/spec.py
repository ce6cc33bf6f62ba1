"""The world file format: what a world YAML may contain, as pydantic models.

A world file is read with the scenario loader
(:func:`dealspace.scenario.load.load_model_file`: size limit, safe YAML,
every problem reported at once with the file, the field path and the fix)
into a :class:`WorldSpec`. Every number is a ``{value: ..., source: ...}``
pair; a number without a source is refused. Checks that need more than one
field (type names, partner codes in ``order``, regions of the economy) are
made by :func:`dealspace.world.calibration.build_world`, again all at once.
The format is documented in ``docs/world.md`` ("The world file").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dealspace.scenario.model import Base

#: The large economy's possible responses to each action, in likelihood-column order.
OUTCOMES = {
    "settle": ("good", "bad", "none"),
    "retaliate": ("backdown", "hold", "escalate"),
    "bloc": ("backdown", "hold", "escalate"),
}
#: A partner's concluding moves as the 2025 record codes them (a bloc counts as retaliate).
MOVES = ("settle", "retaliate", "stay")

Source = Annotated[
    str,
    Field(
        min_length=1,
        pattern=r"\S",
        description="Where the number comes from (citation, URL, date) or 'assumption - why'.",
    ),
]


class Sourced(Base):
    """A number with its source."""

    value: Annotated[float, Field(allow_inf_nan=False)]
    source: Source


class Rate(Sourced):
    """A tariff rate as a decimal (0.25 = 25 %)."""

    value: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)]


class Share(Sourced):
    """A share in [0, 1]."""

    value: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class Amount(Sourced):
    """A dollar amount in billions."""

    value: Annotated[float, Field(ge=0.0, le=1e5, allow_inf_nan=False)]


class Years(Sourced):
    """A period in years."""

    value: Annotated[float, Field(ge=0.1, le=100.0, allow_inf_nan=False)]


class Cost(Sourced):
    """A cost in percent of the partner's GDP (welfare points)."""

    value: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)]


class Points(Sourced):
    """A logit scale or delay share (welfare points, or a multiple of a gain)."""

    value: Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]


class Count(Sourced):
    """A whole number."""

    value: Annotated[int, Field(ge=0, le=10**6)]


class Waits(Sourced):
    """How often a partner may postpone (a whole number, at most 20)."""

    value: Annotated[int, Field(ge=0, le=20)]


class Weights(Base):
    """Non-negative weights per type (normalised on loading)."""

    value: dict[str, Annotated[float, Field(ge=0.0, allow_inf_nan=False)]]
    source: Source

    @field_validator("value")
    @classmethod
    def _not_all_zero(cls, v: dict[str, float]) -> dict[str, float]:
        if not v or sum(v.values()) <= 0:
            raise PydanticCustomError(
                "world_weights",
                "the weights are all zero: give a positive weight to at least one type",
            )
        return v


class Likelihood(Base):
    """:math:`L_a(o \\mid \\theta)`: one row of outcome probabilities per type."""

    outcomes: list[str]
    value: dict[
        str,
        Annotated[
            list[Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]],
            Field(min_length=3, max_length=3),
        ],
    ]
    source: Source

    @field_validator("value")
    @classmethod
    def _rows_sum_to_one(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        bad = [t for t, row in v.items() if abs(sum(row) - 1.0) > 1e-9]
        if bad:
            raise PydanticCustomError(
                "world_rows",
                "the rows of {bad} do not sum to 1: make each row 3 probabilities summing to 1",
                {"bad": ", ".join(bad)},
            )
        return v


class Likelihoods(Base):
    """The large economy's response tables, one per action."""

    settle: Likelihood
    retaliate: Likelihood
    bloc: Likelihood


class Parameters(Base):
    """Game parameters (every one with its source)."""

    background: Rate = Field(description="US tariff on regions outside the game.")
    escalation_step: Rate = Field(
        description="Default escalation of the US rate after retaliation (threat + step)."
    )
    transfer_share: Share = Field(description="Part of a pledged flow counted as a net transfer.")
    delay_share: Points = Field(
        description="Cost of one wait as a multiple of the partner's gain from a deal."
    )
    max_waits: Waits = Field(description="How often a partner may go to the back of the queue.")
    noise: Points = Field(description="Logit scale of choices, welfare points (0: best reply).")
    min_bloc: Count = Field(description="Members a joint retaliation needs.")
    spillover: Share = Field(
        description="Information spillover s: how much one partner's outcome says about the US type facing the others."
    )
    tot_discount: Share = Field(
        description="Share of the terms-of-trade gain of its own tariff a partner does not count."
    )
    terms_spillover: Share | None = Field(
        None,
        description="Deal-terms spillover tau: pull of earlier deals' concessions on later demands (0: off).",
    )
    reputation: Share | None = Field(
        None,
        description="Strategic US rho: punishment of early settlers and its mark-up on later demands (0: off).",
    )


class Concession(Base):
    """One item a partner concedes: a pledged flow (usd_bn over years) or a cost in % of GDP."""

    item: str | None = Field(None, description="What is conceded.")
    usd_bn: Amount | None = None
    years: Years | None = None
    cost_pct: Cost | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Concession:
        flow = self.usd_bn is not None and self.years is not None
        if (self.cost_pct is None) == (not flow) or (self.usd_bn is None) != (self.years is None):
            raise PydanticCustomError(
                "world_concession",
                "a concession is a cost or a pledged flow: give cost_pct, or usd_bn together with years",
            )
        return self


class Move(Base):
    """One dated step of the record (e.g. a tariff raised, a truce)."""

    date: dt.date
    what: str = Field(min_length=1)
    source: Source


class History(Base):
    """What the partner did in 2025: its first concluding move, with date and source, and later steps."""

    action: Literal["settle", "retaliate", "stay"] = Field(
        description="The partner's concluding 2025 move (what the fit is scored on)."
    )
    outcome: Literal["good", "bad", "none", "backdown", "hold", "escalate", "stay"] = Field(
        description="The US answer."
    )
    date: dt.date
    note: str | None = None
    source: Source
    moves: list[Move] = Field(
        default_factory=list, description="Later dated steps (a truce, a second tariff)."
    )

    @model_validator(mode="after")
    def _outcome_fits(self) -> History:
        allowed = ("stay",) if self.action == "stay" else OUTCOMES[self.action]
        if self.outcome not in allowed:
            raise PydanticCustomError(
                "world_history",
                "outcome '{outcome}' does not answer '{action}': use one of {allowed}",
                {"outcome": self.outcome, "action": self.action, "allowed": ", ".join(allowed)},
            )
        return self


class Order(Base):
    """The default order of moves: partner codes."""

    value: Annotated[list[str], Field(min_length=1)]
    source: Source


class PartnerSpec(Base):
    """One partner and its bilateral menu."""

    code: Annotated[str, Field(min_length=1, max_length=12, pattern=r"^[A-Za-z0-9_\-]+$")]
    name: str | None = None
    region: str | None = Field(None, description="Region of the economy (default: the code).")
    threat: Rate = Field(description="US tariff threatened (the 2 April 2025 rate).")
    deal: Rate = Field(description="US tariff after a deal.")
    escalated: Rate | None = Field(
        None, description="US tariff after escalation (default threat + escalation_step)."
    )
    retaliation: Rate | None = Field(
        None, description="Partner's tariff on US goods when it retaliates (default: the threat)."
    )
    escalated_retaliation: Rate | None = Field(
        None, description="Partner's tariff after escalation (default: retaliation)."
    )
    exempt_share: Share | None = Field(
        None,
        description="Share of the partner's exports exempt from the US tariffs (e.g. USMCA-compliant goods); every US rate is scaled by 1 - share.",
    )
    prior: Weights | None = Field(
        None, description="The partner's own prior (default: the common prior)."
    )
    concessions: list[Concession] = Field(default_factory=list)
    history: History | None = None


class WorldSpec(Base):
    """A world file."""

    name: Annotated[str, Field(min_length=1)]
    description: str | None = None
    large: str = Field(description="Region code of the large economy.")
    types: dict[str, str] = Field(description="The large economy's types and what each does.")
    likelihoods: Likelihoods
    prior: Weights
    truth: Weights
    parameters: Parameters
    order: Order
    partners: Annotated[list[PartnerSpec], Field(min_length=1)]
