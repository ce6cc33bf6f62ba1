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
``retaliation``, ``prior`` = the common prior.

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
import yaml

from dealspace.economy.gravity import Economy, ModelParams
from dealspace.errors import DealspaceError, did_you_mean
from dealspace.world.payoffs import FloatArray, PayoffTable

if TYPE_CHECKING:
    from dealspace.world.model import WorldResult

#: The large economy's possible responses to each action, in likelihood-column order.
OUTCOMES = {"settle": ("good", "bad", "none"), "retaliate": ("backdown", "hold", "escalate"), "bloc": ("backdown", "hold", "escalate")}

MAX_FILE_BYTES = 1_000_000
PARAMETERS = {
    "background": (0.0, 10.0),
    "escalation_step": (0.0, 10.0),
    "transfer_share": (0.0, 1.0),
    "delay_share": (0.0, 10.0),
    "max_waits": (0, 20),
    "noise": (0.0, 100.0),
    "min_bloc": (2, 100),
    "spillover": (0.0, 1.0),
    "tot_discount": (0.0, 1.0),
}
PARTNER_KEYS = ("code", "name", "region", "threat", "deal", "escalated", "retaliation", "escalated_retaliation", "prior", "concessions", "history")
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


@dataclass(frozen=True, eq=False)
class World:
    """A calibrated world: the economy, the partners, the types and their responses.

    ``likelihood[a]`` is the (types × outcomes) table :math:`L_a(o\\mid\\theta)`
    for ``a`` in ``settle``, ``retaliate``, ``bloc``; ``truth`` the
    distribution the true type is drawn from in each run; ``order`` the
    default order of partner codes.
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
    params: ModelParams = field(default_factory=ModelParams)

    @property
    def codes(self) -> tuple[str, ...]:
        """Partner codes in partner order."""
        return tuple(p.code for p in self.partners)

    def index(self, code: str) -> int:
        """Position of a partner given its code or name (case-insensitive); hint if unknown."""
        names = {p.code.lower(): k for k, p in enumerate(self.partners)} | {p.name.lower(): k for k, p in enumerate(self.partners)}
        key = str(code).strip().lower()
        if key not in names:
            raise DealspaceError.single("partner", f"unknown partner {code!r}", did_you_mean(key, names), source=self.name)
        return names[key]

    def with_(self, **changes: Any) -> World:
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)

    def fingerprint(self) -> str:
        """A digest of everything the GE payoffs depend on (to share caches across processes)."""
        menus = [(p.region, p.threat, p.deal, p.escalated, p.retaliation, p.escalated_retaliation) for p in self.partners]
        eco = self.economy
        text = repr((self.large, menus, self.background, self.params, eco.iso3, eco.flows.tobytes(), eco.tariffs.tobytes(), eco.local_share.tobytes()))
        return hashlib.sha1(text.encode()).hexdigest()

    def payoff_table(self) -> PayoffTable:
        """A fresh cache of GE payoffs for this world's menus."""
        us = [[p.threat, p.deal, p.threat, p.escalated] for p in self.partners]
        large = self.economy.index(self.large)
        base = [float(self.economy.tariffs[large, self.economy.index(p.region)]) for p in self.partners]
        own = [[b, b, p.retaliation, p.escalated_retaliation] for p, b in zip(self.partners, base, strict=True)]
        return PayoffTable(self.economy, self.large, [p.region for p in self.partners], us, own, self.background, self.params)



def list_worlds() -> list[str]:
    """Names of the built-in worlds."""
    folder = resources.files("dealspace.world")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_world(source: str | Path = "world-2025", economy: Economy | None = None, params: ModelParams | None = None) -> World:
    """Load a world: a built-in name (:func:`list_worlds`) or a YAML file.

    Parameters
    ----------
    source : str or Path
    economy : Economy, optional
        Default :func:`dealspace.economy.data.load_regions` (14 regions, with Taiwan).
    params : ModelParams, optional
        GE parameters (default: the study's baseline).

    Raises
    ------
    DealspaceError
        Naming the file, the field path and the fix.
    """
    name = str(source)
    if name in list_worlds():
        text = (resources.files("dealspace.world") / f"{name}.yaml").read_text(encoding="utf-8")
        where = f"built-in world {name!r}"
    else:
        path = Path(source)
        if not path.is_file():
            hint = did_you_mean(name, list_worlds())
            raise DealspaceError.single("world", f"{name!r} is neither a built-in world nor a file", hint)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DealspaceError.single(str(path), "is larger than 1 MB", "a world file is a few kilobytes")
        text = path.read_text(encoding="utf-8")
        where = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise DealspaceError.single(where, f"is not valid YAML: {err}", "fix the syntax") from None
    if economy is None:
        from dealspace.economy.data import load_regions

        economy = load_regions()
    return _build(data, where, economy, params or ModelParams())


def _value(node: Any, path: str, where: str) -> Any:
    if not isinstance(node, dict) or "value" not in node:
        raise DealspaceError.single(path, "must be {value: ..., source: ...}", "give the number with its source", source=where)
    if not str(node.get("source") or "").strip():
        raise DealspaceError.single(path, "has no source", "say where the number comes from (or 'assumption - why')", source=where)
    return node["value"]


def _number(node: Any, path: str, where: str, low: float = 0.0, high: float = 10.0) -> float:
    value = _value(node, path, where)
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) or not low <= value <= high:
        raise DealspaceError.single(path, f"is {value!r}", f"use a number in [{low}, {high}]", source=where)
    return float(value)


def _weights(node: Any, types: tuple[str, ...], path: str, where: str) -> tuple[float, ...]:
    value = _value(node, path, where)
    if not isinstance(value, dict) or set(value) != set(types):
        raise DealspaceError.single(path, f"must give a weight for each type {list(types)}", "write {dealmaker: 0.5, ...}", source=where)
    w = np.array([value[t] for t in types], dtype=float)
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise DealspaceError.single(path, f"has weights {w.tolist()}", "use non-negative weights, not all zero", source=where)
    return tuple(float(x) for x in w / w.sum())


def _build(data: Any, where: str, economy: Economy, params: ModelParams) -> World:
    if not isinstance(data, dict):
        raise DealspaceError.single("", "is not a mapping", "start from world-2025.yaml", source=where)
    for key in ("name", "large", "types", "likelihoods", "prior", "truth", "parameters", "order", "partners"):
        if key not in data:
            raise DealspaceError.single(key, "is missing", "see world-2025.yaml for the layout", source=where)
    types = tuple(str(t) for t in data["types"])
    if len(types) < 2:
        raise DealspaceError.single("types", "needs at least two types", "add types", source=where)
    likelihood = {}
    for action in ("settle", "retaliate", "bloc"):
        path = f"likelihoods.{action}"
        node = data["likelihoods"].get(action) if isinstance(data["likelihoods"], dict) else None
        table = _value(node, path, where)
        assert isinstance(node, dict)  # _value checked it
        expected = list(OUTCOMES[action])
        if node.get("outcomes") != expected:
            raise DealspaceError.single(f"{path}.outcomes", f"is {node.get('outcomes')!r}", f"use {expected}", source=where)
        if not isinstance(table, dict) or set(table) != set(types):
            raise DealspaceError.single(f"{path}.value", f"must have one row per type {list(types)}", "add the missing rows", source=where)
        try:
            rows = np.array([table[t] for t in types], dtype=float)
        except (TypeError, ValueError):
            rows = np.full((0, 0), np.nan)
        if rows.shape != (len(types), 3) or (rows < 0).any() or not np.allclose(rows.sum(axis=1), 1.0, atol=1e-9):
            raise DealspaceError.single(f"{path}.value", "rows must be 3 non-negative probabilities summing to 1", "fix the row sums", source=where)
        likelihood[action] = rows
    prior = _weights(data["prior"], types, "prior", where)
    truth = np.array(_weights(data["truth"], types, "truth", where))
    par = data["parameters"] if isinstance(data["parameters"], dict) else {}
    unknown = sorted(set(par) - set(PARAMETERS))
    if unknown:
        raise DealspaceError.single(f"parameters.{unknown[0]}", "is not a parameter", did_you_mean(unknown[0], PARAMETERS), source=where)
    values: dict[str, float] = {}
    for key, (low, high) in PARAMETERS.items():
        if key not in par:
            raise DealspaceError.single(f"parameters.{key}", "is missing", "give it with its source", source=where)
        values[key] = _number(par[key], f"parameters.{key}", where, low, high)
    for key in ("max_waits", "min_bloc"):
        if values[key] != int(values[key]):
            raise DealspaceError.single(f"parameters.{key}", f"is {values[key]}", "use a whole number", source=where)
    partners = tuple(_partner(entry, k, types, prior, values, economy, where) for k, entry in enumerate(data["partners"] or []))
    codes = [p.code for p in partners]
    if not partners or len(set(codes)) != len(codes):
        raise DealspaceError.single("partners", f"codes {codes} are empty or repeat", "give each partner once", source=where)
    order = tuple(str(c) for c in _value(data["order"], "order", where))
    if sorted(order) != sorted(codes):
        raise DealspaceError.single("order", f"{list(order)} does not list every partner once", f"list {codes}", source=where)
    economy.index(str(data["large"]))
    return World(
        name=str(data["name"]),
        economy=economy,
        large=str(data["large"]),
        types=types,
        partners=partners,
        likelihood=likelihood,
        truth=truth,
        order=order,
        background=values["background"],
        delay_share=values["delay_share"],
        max_waits=int(values["max_waits"]),
        noise=values["noise"],
        min_bloc=int(values["min_bloc"]),
        spillover=values["spillover"],
        tot_discount=values["tot_discount"],
        params=params,
    )


def _partner(entry: Any, k: int, types: tuple[str, ...], prior: tuple[float, ...], par: dict[str, float], economy: Economy, where: str) -> Partner:
    path = f"partners[{k}]"
    if not isinstance(entry, dict) or "code" not in entry:
        raise DealspaceError.single(path, "must be a mapping with a code", "see world-2025.yaml", source=where)
    path = f"partners[{k}] ({entry['code']})"
    for key in entry:
        if key not in PARTNER_KEYS:
            raise DealspaceError.single(f"{path}.{key}", "is not a partner field", did_you_mean(key, PARTNER_KEYS), source=where)
    region = str(entry.get("region", entry["code"]))
    if region not in economy.iso3:
        raise DealspaceError.single(f"{path}.region", f"{region!r} is not a region of the economy", did_you_mean(region, economy.iso3), source=where)
    if "threat" not in entry or "deal" not in entry:
        raise DealspaceError.single(path, "needs threat and deal", "give both rates with sources", source=where)
    threat = _number(entry["threat"], f"{path}.threat", where)
    retaliation = _number(entry["retaliation"], f"{path}.retaliation", where) if "retaliation" in entry else threat
    escalated = _number(entry["escalated"], f"{path}.escalated", where) if "escalated" in entry else threat + par["escalation_step"]
    if "escalated_retaliation" in entry:
        escalated_retaliation = _number(entry["escalated_retaliation"], f"{path}.escalated_retaliation", where)
    else:
        escalated_retaliation = retaliation
    gdp_bn = economy.gdp[economy.index(region)] / BN_PER_UNIT.get(economy.unit, np.nan)
    if not np.isfinite(gdp_bn) or gdp_bn <= 0:
        raise DealspaceError.single("economy.unit", f"is {economy.unit!r}", f"use an economy in one of {list(BN_PER_UNIT)} with GDP", source=where)
    cost = 0.0
    for i, item in enumerate(entry.get("concessions") or []):
        ipath = f"{path}.concessions[{i}]"
        if not isinstance(item, dict):
            raise DealspaceError.single(ipath, "must be a mapping", "give usd_bn and years, or cost_pct", source=where)
        if "cost_pct" in item:
            cost += _number(item["cost_pct"], f"{ipath}.cost_pct", where)
        elif "usd_bn" in item and "years" in item:
            flow = _number(item["usd_bn"], f"{ipath}.usd_bn", where, 0.0, 1e5) / _number(item["years"], f"{ipath}.years", where, 0.1, 100.0)
            cost += 100.0 * par["transfer_share"] * flow / gdp_bn
        else:
            raise DealspaceError.single(ipath, "has neither cost_pct nor usd_bn + years", "give one of them with sources", source=where)
    history = entry.get("history") or {}
    if history and (history.get("action") not in ("settle", "retaliate", "stay") or not str(history.get("source") or "").strip()):
        raise DealspaceError.single(f"{path}.history", "needs action (settle, retaliate or stay) and a source", "see world-2025.yaml", source=where)
    return Partner(
        code=str(entry["code"]),
        name=str(entry.get("name", entry["code"])),
        region=region,
        threat=threat,
        deal=_number(entry["deal"], f"{path}.deal", where),
        escalated=escalated,
        retaliation=retaliation,
        escalated_retaliation=escalated_retaliation,
        concession=cost,
        prior=_weights(entry["prior"], types, f"{path}.prior", where) if "prior" in entry else prior,
        history={k: str(v) for k, v in history.items()},
    )


def compare_with_history(result: WorldResult) -> pd.DataFrame:
    """The model's predictions next to what happened, partner by partner.

    Columns: ``history`` (settle / retaliate / stay) and its ``date``;
    ``model`` — the modal conclusion over the runs (a bloc counts as
    retaliation); ``p_history`` — the model's probability of what happened;
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
        probs = {"settle": (mine["action"] == "settle").mean(), "retaliate": mine["retaliated"].mean(), "stay": (mine["action"] == "stay").mean()}
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
    table.attrs["rank_correlation"] = float(both.corr(method="spearman").to_numpy()[0, 1]) if len(both) > 2 else float("nan")
    return table
