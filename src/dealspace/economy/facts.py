r"""The numbers behind claims about tariffs, read from facts files anyone can extend.

A *facts file* (YAML; format in ``docs/economy.md``, "Facts files") holds
sourced **inputs** — a number with its unit as people write it (``700 %``,
``341 JPY/kg``), its date and its source — and **claims**, each computed from
inputs by one of the named computations of :data:`COMPUTATIONS`. The
built-in file ``dealspace/economy/data/claims-japan-2025.yaml`` checks the
claims about Japan of 2025; users add Korea, the UK, the EU … in their own
files. :func:`load_facts` reads and validates one (every problem at once),
:func:`evaluate` computes its claims.

Computations
    ``ave``: a specific duty as a rate, :math:`100\,d/p` (%), with the duty
    :math:`d` and the import price :math:`p` per unit; ``implied_price``:
    the price at which a duty equals a rate :math:`a` (%),
    :math:`p = d / (a/100)`; ``deficit_ratio``: :math:`100 (M-X)/M` with
    imports :math:`M` and exports :math:`X`; ``reciprocal_formula``: the
    2 April 2025 rate :math:`\max(\tfrac12 \cdot 100 (M-X)/M,\ 10)` (%);
    ``share``: :math:`100\, a/b` (%); ``difference``: :math:`a-b`;
    ``value``: an input as is. From the trade data (``--data``):
    ``us_rate_average`` (the announced US rates floored at 10 %, simple or
    US-import-weighted :math:`\sum_k m_k t_k / \sum_k m_k`) and
    ``goods_balance`` (exports minus imports of ``home`` with ``partner``,
    bn USD).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from dealspace.economy.gravity import Economy
from dealspace.errors import DealspaceError, Problem, did_you_mean

BUILTIN = "claims-japan-2025.yaml"
FLOOR = 10.0  # %: the universal US tariff of 5 April 2025
MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class Fact:
    """A sourced input number, in the unit people write it in."""

    value: float
    unit: str
    date: str
    source: str
    url: str = ""
    id: str = ""

    @property
    def written(self) -> str:
        """The value as people write it: ``700 %``, ``341 JPY/kg``, ``770,000 t/year``."""
        return f"{_number(self.value)} {self.unit}".strip()

    @property
    def citation(self) -> str:
        """Source, date and address, as a reference."""
        return f"{self.source} ({self.date})" + (f", {self.url}" if self.url else "")


@dataclass(frozen=True)
class Finding:
    """A computed number, the claim it checks and the inputs it uses."""

    topic: str
    claim: str
    value: float
    unit: str
    explanation: str
    inputs: tuple[Fact, ...]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, inputs with their written form and citation."""
        out = asdict(self)
        out["value"] = float(self.value) if np.isfinite(self.value) else None
        out["written"] = (
            f"{_number(self.value)} {self.unit}".strip() if np.isfinite(self.value) else None
        )
        out["inputs"] = [
            {**asdict(f), "written": f.written, "citation": f.citation} for f in self.inputs
        ]
        return out


@dataclass(frozen=True)
class Claim:
    """One claim of a facts file: what is computed from which inputs."""

    topic: str
    claim: str
    compute: str
    args: Mapping[str, Any]
    meaning: str
    also: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class FactsFile:
    """A validated facts file: its inputs by id and its claims, in order."""

    title: str
    inputs: Mapping[str, Fact]
    claims: tuple[Claim, ...]
    where: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- computations on inputs


def ad_valorem_equivalent(duty_per_unit: float, price_per_unit: float) -> float:
    """A specific duty as a rate in %: ``100 · duty / price``."""
    if price_per_unit <= 0 or duty_per_unit < 0:
        raise DealspaceError.single(
            "ave",
            f"price {price_per_unit}, duty {duty_per_unit}",
            "use a price > 0 and a duty >= 0",
        )
    return 100 * duty_per_unit / price_per_unit


def implied_price(duty_per_unit: float, rate_pct: float) -> float:
    """Import price at which a specific duty equals ``rate_pct`` %: ``duty / (rate/100)``."""
    if rate_pct <= 0:
        raise DealspaceError.single("implied_price", f"rate {rate_pct} %", "use a rate > 0")
    return duty_per_unit / (rate_pct / 100)


def reciprocal_rate(
    us_imports: float, us_exports: float, floor_pct: float = FLOOR
) -> tuple[float, float]:
    """The 2 April 2025 formula, in %: ``(deficit ratio 100 (M-X)/M, max(ratio/2, floor))``."""
    if us_imports <= 0:
        raise DealspaceError.single("reciprocal_rate", f"imports {us_imports}", "use imports > 0")
    ratio = 100 * (us_imports - us_exports) / us_imports
    return ratio, max(ratio / 2, floor_pct)


def tariff_averages(
    rates: Mapping[str, float], imports: Mapping[str, float]
) -> tuple[float, float]:
    """Simple and import-weighted averages of ``rates`` over the partners in ``rates``."""
    codes = list(rates)
    missing = [c for c in codes if c not in imports]
    if missing:
        raise DealspaceError.single(
            "tariff_averages",
            f"no import value for {missing[:8]}",
            "give imports for every partner",
        )
    t = np.array([rates[c] for c in codes], dtype=float)
    m = np.array([imports[c] for c in codes], dtype=float)
    if m.sum() <= 0:
        raise DealspaceError.single(
            "tariff_averages", "all import weights are zero", "give positive imports"
        )
    return float(t.mean()), float(np.sum(t * m) / m.sum())


def _share(part: float, whole: float) -> float:
    if whole == 0:
        raise DealspaceError.single("share", "the whole is 0", "give a non-zero whole")
    return 100 * part / whole


#: Computations on inputs: name → (argument names, function, unit of the result; "" = the first input's unit).
COMPUTATIONS: dict[str, tuple[tuple[str, ...], Callable[..., float], str]] = {
    "ave": (("duty", "price"), ad_valorem_equivalent, "%"),
    "implied_price": (("duty", "rate"), implied_price, ""),
    "deficit_ratio": (
        ("imports", "exports"),
        lambda imports, exports: reciprocal_rate(imports, exports)[0],
        "%",
    ),
    "reciprocal_formula": (
        ("imports", "exports"),
        lambda imports, exports: reciprocal_rate(imports, exports)[1],
        "%",
    ),
    "share": (("part", "whole"), _share, "%"),
    "difference": (("a", "b"), lambda a, b: a - b, ""),
    "value": (("x",), lambda x: x, ""),
}
#: Computations on the trade data: name → {option: allowed values (empty: any country code)}.
DATA_COMPUTATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "us_rate_average": {"weighting": ("simple", "imports")},
    "goods_balance": {"home": (), "partner": ()},
}


# --------------------------------------------------------------------------- files


def builtin_facts() -> FactsFile:
    """The built-in facts file (the 2025 claims about Japan)."""
    text = (resources.files("dealspace.economy") / "data" / BUILTIN).read_text(encoding="utf-8")
    return parse_facts(text, f"built-in facts file {BUILTIN}")


def load_facts(path: str | Path) -> FactsFile:
    """Read and validate a facts file; every problem is reported at once."""
    path = Path(path)
    if not path.is_file():
        raise DealspaceError.single(
            str(path), "does not exist", "give the path of a facts file (YAML; docs/economy.md)"
        )
    if path.stat().st_size > MAX_FILE_BYTES:
        raise DealspaceError.single(
            str(path), "is larger than 1 MB", "a facts file is a few kilobytes"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DealspaceError.single(
            str(path), "is not UTF-8 text", "save it as UTF-8 YAML"
        ) from None
    return parse_facts(text, str(path))


def parse_facts(text: str, where: str) -> FactsFile:
    """Validate the YAML text of a facts file (see the module docstring)."""
    from dealspace.scenario.load import check_shape, parse_yaml

    # the one hardened YAML reader: safe tags only, nesting depth, alias bombs
    data = parse_yaml(text, where)
    check_shape(data, where)
    if not isinstance(data, dict):
        raise DealspaceError.single(
            where, "is not a mapping", "give 'title', 'inputs' and 'claims'"
        )
    problems: list[Problem] = []
    unknown = sorted(set(data) - {"title", "inputs", "claims"})
    for key in unknown:
        problems.append(
            Problem(
                key,
                "is not a field of a facts file",
                did_you_mean(key, ["title", "inputs", "claims"]) or "use title, inputs, claims",
            )
        )
    inputs: dict[str, Fact] = {}
    raw_inputs = data.get("inputs") or {}
    if not isinstance(raw_inputs, dict):
        problems.append(
            Problem(
                "inputs",
                "is not a mapping",
                "give each input under its id: {value, unit, date, source}",
            )
        )
        raw_inputs = {}
    for key, node in raw_inputs.items():
        fact = _fact(str(key), node, problems)
        if fact is not None:
            inputs[str(key)] = fact
    claims = []
    raw_claims = data.get("claims") or []
    if not isinstance(raw_claims, list) or not raw_claims:
        problems.append(
            Problem(
                "claims",
                "is not a non-empty list",
                "list the claims, each with topic, claim, compute, args, meaning",
            )
        )
        raw_claims = []
    for k, node in enumerate(raw_claims):
        claim = _claim(f"claims[{k}]", node, raw_inputs, problems)
        if claim is not None:
            claims.append(claim)
    if problems:
        raise DealspaceError(problems, where)
    return FactsFile(
        title=str(data.get("title") or ""), inputs=inputs, claims=tuple(claims), where=where
    )


def _fact(key: str, node: Any, problems: list[Problem]) -> Fact | None:
    where = f"inputs.{key}"
    if not isinstance(node, dict):
        problems.append(Problem(where, "is not a mapping", "give {value, unit, date, source}"))
        return None
    extra = sorted(set(node) - {"value", "unit", "date", "source", "url"})
    for name in extra:
        problems.append(
            Problem(
                f"{where}.{name}",
                "is not a field of an input",
                did_you_mean(name, ["value", "unit", "date", "source", "url"])
                or "use value, unit, date, source, url",
            )
        )
    value = node.get("value")
    ok = True
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        problems.append(
            Problem(
                f"{where}.value",
                f"is {value!r}, not a number",
                "write the number as people write it, without its unit: 700 with unit '%'",
            )
        )
        ok = False
    for name in ("unit", "date", "source"):
        if not str(node.get(name) or "").strip():
            problems.append(
                Problem(
                    f"{where}.{name}",
                    "is missing",
                    {
                        "unit": "e.g. '%', 'JPY/kg', 'bn USD'",
                        "date": "when the number holds or was said (YYYY-MM-DD, YYYY-MM or YYYY)",
                        "source": "who said or published it, and where",
                    }[name],
                )
            )
            ok = False
    if not ok:
        return None
    assert isinstance(value, int | float)
    return Fact(
        float(value),
        str(node["unit"]),
        str(node["date"]),
        str(node["source"]).strip(),
        str(node.get("url") or ""),
        key,
    )


def _claim(
    where: str, node: Any, inputs: Mapping[str, Any], problems: list[Problem]
) -> Claim | None:
    if not isinstance(node, dict):
        problems.append(
            Problem(where, "is not a mapping", "give topic, claim, compute, args, meaning")
        )
        return None
    fields = {"topic", "claim", "compute", "args", "meaning", "also", "note"}
    for name in sorted(set(node) - fields):
        problems.append(
            Problem(
                f"{where}.{name}",
                "is not a field of a claim",
                did_you_mean(name, fields) or f"use {', '.join(sorted(fields))}",
            )
        )
    before = len(problems)
    for name in ("topic", "claim", "compute", "meaning"):
        if not str(node.get(name) or "").strip():
            problems.append(Problem(f"{where}.{name}", "is missing", "say it in a few words"))
    compute = str(node.get("compute") or "")
    args = node.get("args") or {}
    if not isinstance(args, dict):
        problems.append(
            Problem(
                f"{where}.args",
                "is not a mapping",
                "give the arguments by name, e.g. {duty: rice_duty, price: rice_price}",
            )
        )
        args = {}
    if compute in COMPUTATIONS:
        names = COMPUTATIONS[compute][0]
        for name in names:
            if name not in args:
                problems.append(
                    Problem(
                        f"{where}.args.{name}",
                        "is missing",
                        f"'{compute}' takes {', '.join(names)} (input ids)",
                    )
                )
            elif str(args[name]) not in inputs:
                problems.append(
                    Problem(
                        f"{where}.args.{name}",
                        f"'{args[name]}' is not an input of the file",
                        did_you_mean(str(args[name]), map(str, inputs)) or "add it under 'inputs'",
                    )
                )
        for name in sorted(set(args) - set(names)):
            problems.append(
                Problem(
                    f"{where}.args.{name}",
                    f"is not an argument of '{compute}'",
                    f"'{compute}' takes {', '.join(names)}",
                )
            )
    elif compute in DATA_COMPUTATIONS:
        options = DATA_COMPUTATIONS[compute]
        for name in sorted(set(options) - set(args)):
            problems.append(
                Problem(
                    f"{where}.args.{name}", "is missing", f"'{compute}' takes {', '.join(options)}"
                )
            )
        for name, value in args.items():
            if name not in options:
                problems.append(
                    Problem(
                        f"{where}.args.{name}",
                        f"is not an argument of '{compute}'",
                        f"'{compute}' takes {', '.join(options)}",
                    )
                )
            elif options[name] and value not in options[name]:
                problems.append(
                    Problem(
                        f"{where}.args.{name}",
                        f"is {value!r}",
                        did_you_mean(str(value), options[name])
                        or f"use one of {', '.join(options[name])}",
                    )
                )
    elif compute:
        known = [*COMPUTATIONS, *DATA_COMPUTATIONS]
        problems.append(
            Problem(
                f"{where}.compute",
                f"unknown computation {compute!r}",
                did_you_mean(compute, known) or f"use one of {', '.join(known)}",
            )
        )
    also = node.get("also") or []
    if not isinstance(also, list) or any(str(a) not in inputs for a in also):
        missing = [
            str(a) for a in (also if isinstance(also, list) else [also]) if str(a) not in inputs
        ]
        problems.append(
            Problem(
                f"{where}.also", f"names inputs the file does not have: {missing}", "list input ids"
            )
        )
    if len(problems) > before:
        return None
    return Claim(
        str(node["topic"]),
        str(node["claim"]),
        compute,
        dict(args),
        str(node["meaning"]),
        tuple(str(a) for a in also),
        str(node.get("note") or ""),
    )


# --------------------------------------------------------------------------- evaluation


def evaluate(facts: FactsFile, economy: Economy | None = None) -> list[Finding]:
    """Compute every claim of a facts file, in order (``economy`` for the claims on trade data)."""
    out = []
    for claim in facts.claims:
        if claim.compute in COMPUTATIONS:
            names, func, unit = COMPUTATIONS[claim.compute]
            used = [facts.inputs[str(claim.args[n])] for n in names]
            value = float(func(*(f.value for f in used)))
            unit = unit or used[0].unit
        else:
            if economy is None:
                raise DealspaceError.single(
                    claim.claim,
                    f"'{claim.compute}' needs trade data",
                    "give an economy (the CLI uses the embedded data)",
                )
            value, unit, used = _on_data(claim, economy)
        inputs = tuple(used) + tuple(facts.inputs[a] for a in claim.also)
        out.append(
            Finding(claim.topic, claim.claim, value, unit, claim.meaning, inputs, claim.note)
        )
    return out


def findings(economy: Economy) -> list[Finding]:
    """The built-in claims (Japan, 2025), computed on ``economy``."""
    return evaluate(builtin_facts(), economy)


def _on_data(claim: Claim, economy: Economy) -> tuple[float, str, list[Fact]]:
    home = str(claim.args.get("home", "USA"))
    us = economy.index(home)
    if claim.compute == "us_rate_average":
        announced = economy.rates.get("liberation-day", {})
        rates = {
            c: max(100 * announced[c], FLOOR) for c in economy.iso3 if c != home and c in announced
        }
        if not rates:
            raise DealspaceError.single(
                claim.claim,
                "the trade data carry no announced US rates",
                "use the embedded data or the study's folder",
            )
        imports = {c: float(economy.flows[economy.index(c), us]) for c in rates}
        simple, weighted = tariff_averages(rates, imports)
        fact = Fact(
            float(len(rates)),
            "partners",
            "2025-04-02",
            f"announced US rates floored at 10 % and 2023 US imports (BACI): {economy.source}",
            id="trade data",
        )
        return (simple if claim.args["weighting"] == "simple" else weighted), "%", [fact]
    partner = economy.index(str(claim.args["partner"]))
    scale = {"thousand USD": 1e-6, "million USD": 1e-3}.get(economy.unit, float("nan"))
    exports, imports = economy.flows[us, partner] * scale, economy.flows[partner, us] * scale
    fact = Fact(
        float(exports - imports),
        "bn USD",
        "2023",
        f"exports {exports:.1f} bn, imports {imports:.1f} bn: {economy.source}",
        id="trade data",
    )
    return float(exports - imports), "bn USD", [fact]


def _number(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if value != int(value) else f"{int(value)}"
