r"""Calibrated worlds: the built-in ``world-2025`` and users' own YAML files.

A world file gives the large economy, the types and their response tables,
priors, parameters, the default order and one entry per partner (rates,
concessions, history). Every number is a ``{value: ..., source: ...}`` pair;
a number without a source is refused. Concession costs are converted to
welfare points (percent of the partner's GDP) as

.. math:: c_p = 100\,\Big[\sigma \sum_k \frac{\text{usd\_bn}_k}{\text{years}_k}
          \frac{1}{\text{GDP}_p} + \sum_k \text{cost\_pct}_k / 100\Big],

with :math:`\sigma` the ``transfer_share`` (the part of a pledged flow that
is a net transfer). Defaults: ``retaliation`` = the threat (reciprocal),
``escalated`` = threat + ``escalation_step``, ``escalated_retaliation`` =
``retaliation``, ``prior`` = the common prior. A partner's
``exempt_share`` :math:`e_p` (e.g. USMCA-compliant goods) scales every US
rate on it by :math:`1 - e_p` (threat, deal, escalated): the tariff the
partner's exports pay on average.

The format is :class:`dealspace.world.spec.WorldSpec`; files are read and
validated with the scenario loader, every problem reported at once.

:func:`compare_with_history` sets a simulated result against what happened
(the ``history`` entries, from ``../shared/facts/tariffs-2025.md``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dealspace.economy.gravity import Economy, ModelParams
from dealspace.errors import DealspaceError, Problem, did_you_mean
from dealspace.scenario.load import load_model_file
from dealspace.world.payoffs import FloatArray, PayoffTable
from dealspace.world.scores import smoothed
from dealspace.world.spec import MOVES, OUTCOMES, Concession, Parameters, PartnerSpec, WorldSpec

__all__ = [
    "OUTCOMES",
    "Partner",
    "World",
    "build_world",
    "compare_with_history",
    "list_worlds",
    "load_world",
]

if TYPE_CHECKING:
    from dealspace.world.model import WorldResult

BN_PER_UNIT = {"million USD": 1e3, "thousand USD": 1e6, "USD": 1e9}


@dataclass(frozen=True)
class Partner:
    """One partner and its bilateral menu (rates as decimals, costs in welfare points)."""

    code: str
    name: str
    region: str
    threat: float
    deal: float
    escalated: float
    retaliation: float
    escalated_retaliation: float
    concession: float
    prior: tuple[float, ...]
    history: Mapping[str, Any] = field(default_factory=dict)
    exempt_share: float = 0.0


@dataclass(frozen=True, eq=False)
class World:
    """A calibrated world: the economy, the partners, the types and their responses.

    ``likelihood[a]`` is the (types × outcomes) table :math:`L_a(o\\mid\\theta)`
    for ``a`` in ``settle``, ``retaliate``, ``bloc``; ``truth`` the
    distribution the true type is drawn from in each run; ``order`` the
    default order of partner codes; ``terms_spillover`` and ``reputation``
    the parameters of :mod:`dealspace.world.terms` (0: off).
    """

    name: str
    economy: Economy
    large: str
    types: tuple[str, ...]
    partners: tuple[Partner, ...]
    likelihood: Mapping[str, FloatArray]
    truth: FloatArray
    order: tuple[str, ...]
    background: float = 0.10
    delay_share: float = 0.1
    max_waits: int = 2
    noise: float = 0.0
    min_bloc: int = 2
    spillover: float = 1.0
    tot_discount: float = 1.0
    terms_spillover: float = 0.0
    reputation: float = 0.0
    params: ModelParams = field(default_factory=ModelParams)

    @property
    def codes(self) -> tuple[str, ...]:
        """Partner codes in partner order."""
        return tuple(p.code for p in self.partners)

    def index(self, code: str) -> int:
        """Position of a partner given its code or name (case-insensitive); hint if unknown."""
        names = {p.code.lower(): k for k, p in enumerate(self.partners)} | {
            p.name.lower(): k for k, p in enumerate(self.partners)
        }
        key = str(code).strip().lower()
        if key not in names:
            raise DealspaceError.single(
                "partner", f"unknown partner {code!r}", did_you_mean(key, names), source=self.name
            )
        return names[key]

    def with_(self, **changes: Any) -> World:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)

    def fingerprint(self) -> str:
        """A digest of everything the GE payoffs depend on (to share caches across processes)."""
        menus = [
            (p.region, p.threat, p.deal, p.escalated, p.retaliation, p.escalated_retaliation)
            for p in self.partners
        ]
        eco = self.economy
        text = repr(
            (
                self.large,
                menus,
                self.background,
                self.params,
                eco.iso3,
                eco.flows.tobytes(),
                eco.tariffs.tobytes(),
                eco.local_share.tobytes(),
            )
        )
        return hashlib.sha1(text.encode()).hexdigest()

    def payoff_table(self) -> PayoffTable:
        """A fresh cache of GE payoffs for this world's menus."""
        us = [[p.threat, p.deal, p.threat, p.escalated] for p in self.partners]
        large = self.economy.index(self.large)
        base = [
            float(self.economy.tariffs[large, self.economy.index(p.region)]) for p in self.partners
        ]
        own = [
            [b, b, p.retaliation, p.escalated_retaliation]
            for p, b in zip(self.partners, base, strict=True)
        ]
        return PayoffTable(
            self.economy,
            self.large,
            [p.region for p in self.partners],
            us,
            own,
            self.background,
            self.params,
        )


def list_worlds() -> list[str]:
    """Names of the built-in worlds."""
    folder = resources.files("dealspace.world")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def load_world(
    source: str | Path = "world-2025",
    economy: Economy | None = None,
    params: ModelParams | None = None,
) -> World:
    """Load a world: a built-in name (:func:`list_worlds`) or a YAML / JSON file.

    The file is read and validated like a scenario
    (:func:`dealspace.scenario.load.load_model_file` with
    :class:`~dealspace.world.spec.WorldSpec`), then checked against the
    economy (:func:`build_world`).

    Parameters
    ----------
    source : str or Path
    economy : Economy, optional
        Default :func:`dealspace.economy.data.load_regions` (14 regions with Taiwan: the world model uses EU and TWN).
    params : ModelParams, optional
        GE parameters (default: the study's baseline).

    Raises
    ------
    DealspaceError
        Listing every problem at once: the file, the field path and the fix.
    """
    name = str(source)
    if name in list_worlds():
        with resources.as_file(resources.files("dealspace.world") / f"{name}.yaml") as path:
            spec = load_model_file(
                path, WorldSpec, "world", source=f"built-in world {name!r}", trusted=True
            )
        where = f"built-in world {name!r}"
    else:
        path = Path(source)
        if not path.is_file():
            hint = did_you_mean(name, list_worlds())
            raise DealspaceError.single(
                "world", f"{name!r} is neither a built-in world nor a file", hint
            )
        spec = load_model_file(path, WorldSpec, "world")
        where = str(path)
    if economy is None:
        from dealspace.economy.data import load_regions

        economy = load_regions()
    return build_world(spec, economy, params or ModelParams(), where)


def build_world(spec: WorldSpec, economy: Economy, params: ModelParams, where: str = "") -> World:
    """A :class:`World` from a validated file: cross-field checks, defaults, concession costs.

    Every problem (type names, partner codes, regions, the order) is
    collected and raised at once.
    """
    problems: list[Problem] = []
    types = tuple(spec.types)
    if len(types) < 2:
        problems.append(Problem("types", "needs at least two types", "add types"))
    likelihood: dict[str, FloatArray] = {}
    for action in ("settle", "retaliate", "bloc"):
        table = getattr(spec.likelihoods, action)
        expected = list(OUTCOMES[action])
        if table.outcomes != expected:
            problems.append(
                Problem(f"likelihoods.{action}.outcomes", f"is {table.outcomes}", f"use {expected}")
            )
        if set(table.value) != set(types):
            problems.append(
                Problem(
                    f"likelihoods.{action}.value",
                    f"has rows {sorted(table.value)}",
                    f"give one row per type {list(types)}",
                )
            )
        else:
            likelihood[action] = np.array([table.value[t] for t in types], dtype=float)
    for label, weights in (("prior", spec.prior), ("truth", spec.truth)):
        if set(weights.value) != set(types):
            problems.append(
                Problem(
                    f"{label}.value",
                    f"has weights for {sorted(weights.value)}",
                    f"give a weight for each type {list(types)}",
                )
            )
    par = spec.parameters
    if par.min_bloc.value < 2:
        problems.append(
            Problem(
                "parameters.min_bloc.value", f"is {par.min_bloc.value}", "use a whole number >= 2"
            )
        )
    if spec.large not in economy.iso3:
        problems.append(
            Problem(
                "large",
                f"{spec.large!r} is not a region of the economy",
                did_you_mean(spec.large, economy.iso3),
            )
        )
    codes = [p.code for p in spec.partners]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(
            Problem("partners", f"code {code!r} is used more than once", "give each partner once")
        )
    regions: list[str] = []
    for k, entry in enumerate(spec.partners):
        path = f"partners[{k}] ({entry.code})"
        region = entry.region or entry.code
        regions.append(region)
        if region not in economy.iso3:
            problems.append(
                Problem(
                    f"{path}.region",
                    f"{region!r} is not a region of the economy",
                    did_you_mean(region, economy.iso3),
                )
            )
        elif region == spec.large:
            problems.append(
                Problem(
                    f"{path}.region",
                    f"is the large economy {spec.large!r}",
                    "give the partner its own region",
                )
            )
        if entry.prior is not None and set(entry.prior.value) != set(types):
            problems.append(
                Problem(
                    f"{path}.prior.value",
                    f"has weights for {sorted(entry.prior.value)}",
                    f"give a weight for each type {list(types)}",
                )
            )
    for region in sorted({r for r in regions if regions.count(r) > 1}):
        problems.append(
            Problem(
                "partners",
                f"region {region!r} is used by more than one partner",
                "give each partner its own region",
            )
        )
    order = [str(c) for c in spec.order.value]
    if sorted(order) != sorted(codes):
        missing, extra = sorted(set(codes) - set(order)), sorted(set(order) - set(codes))
        what = (
            "does not list every partner once"
            + (f" (missing {missing})" if missing else "")
            + (f" (unknown {extra})" if extra else "")
        )
        problems.append(Problem("order.value", what, f"list each of {codes} once"))
    unit = BN_PER_UNIT.get(economy.unit)
    if unit is None:
        problems.append(
            Problem(
                "economy.unit",
                f"is {economy.unit!r}",
                f"use an economy in one of {list(BN_PER_UNIT)} with GDP",
            )
        )
    if problems:
        raise DealspaceError(problems, where)
    assert unit is not None
    prior = _normalise(spec.prior.value, types)
    partners = tuple(_partner(entry, types, prior, par, economy, unit) for entry in spec.partners)
    return World(
        name=spec.name,
        economy=economy,
        large=spec.large,
        types=types,
        partners=partners,
        likelihood=likelihood,
        truth=np.array(_normalise(spec.truth.value, types)),
        order=tuple(order),
        background=par.background.value,
        delay_share=par.delay_share.value,
        max_waits=int(par.max_waits.value),
        noise=par.noise.value,
        min_bloc=int(par.min_bloc.value),
        spillover=par.spillover.value,
        tot_discount=par.tot_discount.value,
        terms_spillover=par.terms_spillover.value if par.terms_spillover else 0.0,
        reputation=par.reputation.value if par.reputation else 0.0,
        params=params,
    )


def _normalise(weights: Mapping[str, float], types: tuple[str, ...]) -> tuple[float, ...]:
    w = np.array([weights[t] for t in types], dtype=float)
    return tuple(float(x) for x in w / w.sum())


def concession_cost(items: list[Concession], gdp_bn: float, transfer_share: float) -> float:
    """:math:`c_p` in welfare points (module docstring)."""
    cost = 0.0
    for item in items:
        if item.cost_pct is not None:
            cost += item.cost_pct.value
        elif item.usd_bn is not None and item.years is not None:
            cost += 100.0 * transfer_share * (item.usd_bn.value / item.years.value) / gdp_bn
    return cost


def _partner(
    entry: PartnerSpec,
    types: tuple[str, ...],
    prior: tuple[float, ...],
    par: Parameters,
    economy: Economy,
    unit: float,
) -> Partner:
    region = entry.region or entry.code
    keep = 1.0 - (entry.exempt_share.value if entry.exempt_share else 0.0)
    threat = entry.threat.value
    retaliation = entry.retaliation.value if entry.retaliation else threat
    escalated = entry.escalated.value if entry.escalated else threat + par.escalation_step.value
    gdp_bn = float(economy.gdp[economy.index(region)]) / unit
    history: dict[str, Any] = {}
    if entry.history is not None:
        h = entry.history
        history = {
            "action": h.action,
            "outcome": h.outcome,
            "date": h.date.isoformat(),
            "note": h.note or "",
            "source": h.source,
        }
        history["moves"] = tuple(
            {"date": m.date.isoformat(), "what": m.what, "source": m.source} for m in h.moves
        )
    return Partner(
        code=entry.code,
        name=entry.name or entry.code,
        region=region,
        threat=keep * threat,
        deal=keep * entry.deal.value,
        escalated=keep * escalated,
        retaliation=retaliation,
        escalated_retaliation=entry.escalated_retaliation.value
        if entry.escalated_retaliation
        else retaliation,
        concession=concession_cost(entry.concessions, gdp_bn, par.transfer_share.value),
        prior=_normalise(entry.prior.value, types) if entry.prior else prior,
        history=history,
        exempt_share=1.0 - keep,
    )


def compare_with_history(result: WorldResult) -> pd.DataFrame:
    """The model's predictions next to what happened, partner by partner.

    Columns: ``history`` (settle / retaliate / stay) and its ``date``;
    ``model`` — the modal conclusion over the runs (a bloc counts as
    retaliation); ``p_history`` — the model's probability of what happened
    (add-½ smoothed, :func:`dealspace.world.scores.smoothed`: never 0);
    ``p_settle``, ``p_retaliate``, ``p_stay``; ``hit`` — modal = history;
    ``settle_rank_model`` / ``settle_rank_history`` — among partners that
    settled in history, the rank of the model's mean turn of settlement and
    of the historical date. ``attrs`` carries ``hit_rate`` and
    ``rank_correlation`` (Spearman, settlement order).
    """
    world = result.world
    runs = result.partners
    rows = []
    for p in world.partners:
        if not p.history:
            continue
        mine = runs[runs["partner"] == p.code]
        move = np.where(mine["retaliated"], "retaliate", mine["action"])
        counts = [float((move == m).sum()) for m in MOVES]
        probs = dict(zip(MOVES, smoothed(counts).tolist(), strict=True))
        model = max(probs, key=lambda a: probs[a])
        df = mine[mine["action"] == "settle"]
        rows.append(
            {
                "partner": p.code,
                "history": p.history["action"],
                "date": p.history.get("date", ""),
                "model": model,
                "p_history": probs[p.history["action"]],
                "p_settle": probs["settle"],
                "p_retaliate": probs["retaliate"],
                "p_stay": probs["stay"],
                "hit": model == p.history["action"],
                "settle_turn": df["turn"].mean() if len(df) else np.nan,
            }
        )
    table = pd.DataFrame(rows).set_index("partner")
    settled = table[table["history"] == "settle"]
    table["settle_rank_history"] = settled["date"].rank(method="min")
    table["settle_rank_model"] = settled["settle_turn"].rank(method="min")
    table.attrs["hit_rate"] = float(table["hit"].mean())
    both = table[["settle_rank_history", "settle_rank_model"]].dropna()
    table.attrs["rank_correlation"] = (
        float(both.corr(method="spearman").to_numpy()[0, 1]) if len(both) > 2 else float("nan")
    )
    return table
