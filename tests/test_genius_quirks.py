"""Genius's archive quirks: each loads with Genius's utilities, or is refused with one message.

The reference utilities are computed here from the XML alone, by an
implementation of Genius 10.4's rules written for this test
(``AdditiveUtilitySpace.getUtility`` with ``EvaluatorDiscrete``,
``EvaluatorInteger`` and ``EvaluatorReal``), with weights normalised:

    u(o) = Σ_i w_i / Σ_k w_k · e_i(o_i)

* discrete: ``e = eval(value) / max eval`` (0 if the maximum is below 1e-5),
  items matched by value, the last evaluation of an item counts, ``"null"``
  or unreadable evaluations are absent (0);
* integer: ``e = clamp(slope · (x − lowerbound) + offset, 0, 1)``;
* real: ``e = clamp(parameter1 · x + parameter0, 0, 1)``;
* ``<weight>`` elements whose index is no issue (the root objective's) are ignored.

The corpus in ``tests/data/genius/quirks`` is hand-written; the property test
writes random additive domains with the same quirks.
"""

from __future__ import annotations

import itertools
import math
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import dealspace
from dealspace.errors import DealspaceError
from dealspace.interop.genius import write_genius_scenario
from dealspace.scenario.genius import load_genius, load_genius_files, load_genius_folder
from dealspace.scenario.model import Scenario
from dealspace.space import utilities

QUIRKS = Path(__file__).parent / "data" / "genius" / "quirks"
runner = CliRunner()


# ------------------------------------------------------------ Genius's formula, independently


def _float(text: str | None) -> float | None:
    try:
        x = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def domain_issues(path: Path) -> list[dict]:
    """Issues of a domain file in file order: index, name, kind, values or bounds."""
    out = []
    for issue in ET.parse(path).getroot().iter("issue"):
        kind = (issue.get("type") or issue.get("etype") or issue.get("vtype") or "discrete").lower()
        entry = {"index": int(issue.get("index")), "name": issue.get("name"), "kind": kind}
        if kind == "discrete":
            values: list[str] = []
            for item in issue.iter("item"):
                if item.get("value") not in values:
                    values.append(item.get("value"))
            entry["values"] = values
        else:
            rng = issue.find("range")
            lo = issue.get("lowerbound") or rng.get("lowerbound")
            hi = issue.get("upperbound") or rng.get("upperbound")
            entry["bounds"] = (float(lo), float(hi))
        out.append(entry)
    return out


def genius_ufun(domain: Path, profile: Path):
    """Genius's utility of an outcome {issue index: value} for one profile."""
    issues = {i["index"]: i for i in domain_issues(domain)}
    root = ET.parse(profile).getroot()
    weights = {}
    for w in root.iter("weight"):
        if int(w.get("index")) in issues:
            weights[int(w.get("index"))] = float(w.get("value"))
    evaluators = {}
    for node in root.iter("issue"):
        index = int(node.get("index"))
        if node.get("weight") is not None:
            weights.setdefault(index, float(node.get("weight")))
        kind = issues[index]["kind"]
        if kind == "discrete":
            table: dict[str, float] = {}
            for item in node.iter("item"):
                x = _float(item.get("evaluation"))
                if x is not None:
                    table[item.get("value")] = x
            top = max(table.values(), default=0.0)  # all "null": Genius cannot evaluate

            def discrete(v, table=table, top=top):
                return 0.0 if top < 1e-5 else table.get(v, 0.0) / top

            evaluators[index] = discrete
        else:
            ev = node.find("evaluator")
            if kind == "integer":
                lb = float(node.get("lowerbound") or issues[index]["bounds"][0])
                slope, offset = float(ev.get("slope")), float(ev.get("offset"))

                def integer(x, lb=lb, slope=slope, offset=offset):
                    return min(1.0, max(0.0, slope * (x - lb) + offset))

                evaluators[index] = integer
            elif ev.get("ftype") == "triangular":  # Genius's EVALFUNCTYPE.evalTriangular
                lo, hi, top = (float(ev.get(f"parameter{k}")) for k in range(3))

                def triangular(x, lo=lo, hi=hi, top=top):
                    if x < lo:
                        return 0.0
                    if x < top:
                        return (x - lo) / (top - lo)
                    return 1 - (x - top) / (hi - top) if x < hi else 0.0

                evaluators[index] = triangular
            else:
                p0, p1 = float(ev.get("parameter0")), float(ev.get("parameter1"))

                def real(x, p0=p0, p1=p1):
                    return min(1.0, max(0.0, p1 * x + p0))

                evaluators[index] = real
    total = sum(weights.values())
    reservation = next((_float(r.get("value")) for r in root.iter("reservation")), None) or 0.0

    def u(outcome: dict[int, object]) -> float:
        return sum(weights[i] / total * evaluators[i](outcome[i]) for i in issues)

    return u, reservation


def outcomes(scenario: Scenario, domain: Path, limit: int = 4000):
    """(Genius outcome, dealspace package) pairs over every option (numeric grids sampled)."""
    issues = domain_issues(domain)
    assert [i.name for i in scenario.issues] == [i["name"] for i in issues]
    axes = []
    for spec, issue in zip(issues, scenario.issues, strict=True):
        if spec["kind"] == "discrete":
            labels = {o.label: o.id for o in issue.options}
            axes.append([(v, labels[v]) for v in spec["values"]])
        else:
            axes.append([(float(x), float(x)) for x in issue.option_ids])
    combos = list(itertools.product(*axes))
    if len(combos) > limit:
        combos = random.Random(0).sample(combos, limit)
    for combo in combos:
        yield (
            {spec["index"]: g for spec, (g, _) in zip(issues, combo, strict=True)},
            {issue.id: d for issue, (_, d) in zip(scenario.issues, combo, strict=True)},
        )


def assert_genius_utilities(scenario: Scenario, domain: Path, profiles: dict[str, Path]) -> int:
    """Every party's utility of every outcome is Genius's (1e-12); returns the count."""
    ufuns = {pid: genius_ufun(domain, path) for pid, path in profiles.items()}
    count = 0
    for genius_outcome, package in outcomes(scenario, domain):
        got = utilities(scenario, package)
        for pid, (u, _) in ufuns.items():
            p = scenario.party_ids.index(pid)
            assert got[p] == pytest.approx(u(genius_outcome), abs=1e-12, rel=0), (pid, package)
        count += 1
    for pid, (_, reservation) in ufuns.items():
        assert scenario.party(pid).batna == pytest.approx(reservation, abs=1e-15)
    return count


def profile_files(folder: Path, scenario: Scenario) -> dict[str, Path]:
    return {p.id: folder / str(p.source) for p in scenario.parties}


def the_domain(folder: Path) -> Path:
    return next(p for p in folder.glob("*.xml") if "domain" in p.stem.lower())


# ------------------------------------------------------------ the corpus


@pytest.mark.parametrize("name", ["rootweight", "numeric", "items", "multilateral", "triangular"])
def test_corpus_loads_with_genius_utilities(name: str) -> None:
    folder = QUIRKS / name
    s = dealspace.load_scenario(folder)
    assert assert_genius_utilities(s, the_domain(folder), profile_files(folder, s)) > 0


def test_root_weight_ignored_and_weights_normalised() -> None:
    s = load_genius(QUIRKS / "rootweight")
    buyer = s.party("buyer")
    assert [v.weight for v in buyer.valuations.values()] == pytest.approx(
        [0.5012 / 0.9936, 0.2466 / 0.9936, 0.2458 / 0.9936], abs=1e-15
    )
    assert s.party("seller").valuations["Screen"].weight == pytest.approx(0.3001 / 1.0001)


def test_integer_and_real_issues() -> None:
    """Integer issues: a step-1 grid; real issues: an explicit grid with the error bound noted."""
    s = load_genius(QUIRKS / "numeric")
    years, price = s.issue("Warranty_years"), s.issue("Price")
    assert years.option_ids == tuple(float(x) for x in range(1, 11))
    assert price.range is not None and len(price.option_ids) == 101
    assert price.option_ids[0] == 16000 and price.option_ids[-1] == 22000
    assert s.status_quo()["Warranty_years"] == 1.0
    # dealer's warranty evaluation tops out at 0.8: the weight carries that factor
    dealer = s.party("dealer")
    assert dealer.valuations["Warranty_years"].weight == pytest.approx(0.2 * 0.8)
    # the bound: w · |slope| · step / 2 for each party
    notes = s.notes or ""
    assert "Real issue 'Price' [16000, 22000] is discretised" in notes
    assert f"{0.5 * 0.00015 * 60 / 2:.3g}" in notes and f"{0.7 * 0.00015 * 60 / 2:.3g}" in notes
    # the bound holds: a real price off the grid vs its nearest grid point
    ufun, _ = genius_ufun(QUIRKS / "numeric" / "car_domain.xml", QUIRKS / "numeric" / "dealer.xml")
    rng = random.Random(1)
    for _ in range(200):
        x = rng.uniform(16000, 22000)
        near = min(price.option_ids, key=lambda g: abs(g - x))
        gap = abs(ufun({1: "Compact", 2: 3, 3: x}) - ufun({1: "Compact", 2: 3, 3: near}))
        assert gap <= 0.7 * 0.00015 * 60 / 2 + 1e-12
    # a finer grid on request
    assert len(load_genius(QUIRKS / "numeric", real_steps=600).issue("Price").option_ids) == 601


def test_triangular_evaluator() -> None:
    """A triangular real evaluator is piecewise linear: exact on the grid, its bound noted."""
    s = load_genius(QUIRKS / "triangular")
    buyer = s.party("son_buyer").valuations["Quantity"]
    assert buyer.value == [(0.0, 0.0), (10.0, 0.0), (27.3, 1.0), (45.0, 0.0), (50.0, 0.0)]
    top = max(1 - (x - 27.3) / (45 - 27.3) if x >= 27.3 else (x - 10) / 17.3 for x in (27.0, 27.5))
    assert buyer.weight == pytest.approx(0.6 * top)  # the peak lies between grid points
    assert f"{0.6 * (1 / 17.3) * 0.5 / 2:.3g}" in (s.notes or "")


def test_discount_factor_rules() -> None:
    s = load_genius(QUIRKS / "numeric")
    assert (s.party("buyer").notes or "") == "discount_factor=0.5"
    assert (s.party("dealer").notes or "").startswith("discount_factor=1.0")  # 'none' → 1


def test_item_quirks() -> None:
    s = load_genius(QUIRKS / "items")
    slice_, topping = s.issues
    assert [o.label for o in slice_.options] == ["0", "1", "2", "3"]
    assert [o.label for o in topping.options] == ["Cream", "Custard", "None"]  # duplicate merged
    alice = s.party("alice")
    assert alice.valuations["Topping"].value == {"Cream": 8.0, "Custard": 5.0, "None": 0.0}
    assert alice.valuations["Slice"].value == {"0": 0.0, "1": 3.0, "2": 6.0, "3": 10.0}
    assert "'None'" in (alice.notes or "")
    assert "'Jam'" in (s.party("bob").notes or "")


def test_multilateral_domain() -> None:
    s = dealspace.load_scenario(QUIRKS / "multilateral")
    assert s.party_ids == ("friend", "host", "neighbour")
    assert s.issue("Food").options[0].label == "Chips & Nuts"


def test_multi_domain_folder() -> None:
    folder = QUIRKS / "multi"
    every = load_genius_folder(folder)
    assert {k: v.party_ids for k, v in every.items()} == {
        "Travel-A-domain": ("Travel-A-prof1", "Travel-A-prof2"),
        "Travel-B-domain": ("Travel-B-prof1", "Travel-B-prof2"),
    }
    for stem, s in every.items():
        assert_genius_utilities(s, folder / f"{stem}.xml", profile_files(folder, s))
    with pytest.raises(
        DealspaceError, match="holds 2 domains: Travel-A-domain.xml, Travel-B-domain.xml"
    ):
        dealspace.load_scenario(folder)
    # the domain file alone finds its profiles; explicit profiles are taken as given
    b = dealspace.load_scenario(folder / "Travel-B-domain.xml")
    assert b.party_ids == ("Travel-B-prof1", "Travel-B-prof2")
    assert load_genius(folder, domain="Travel-B-domain").party_ids == b.party_ids
    explicit = dealspace.load_scenario(
        folder / "Travel-A-domain.xml",
        [folder / "Travel-A-prof2.xml", folder / "Travel-A-prof1.xml"],
    )
    assert explicit.party_ids == ("Travel-A-prof2", "Travel-A-prof1")
    # explicit profiles of another domain: Genius's rules still apply (unknown items ignored)
    odd = load_genius_files(folder / "Travel-B-domain.xml", [folder / "Travel-A-prof1.xml"] * 2)
    assert "'Rome'" in (odd.parties[0].notes or "")
    city = odd.parties[0].valuations["City"]  # Tokyo and Seoul have no evaluation: worth 0
    assert set(city.value.values()) == {0.0}


def test_cli_domain_file_and_profiles() -> None:
    from dealspace.cli import app

    folder = QUIRKS / "multi"
    result = runner.invoke(
        app,
        [
            "show",
            str(folder / "Travel-A-domain.xml"),
            "-p",
            str(folder / "Travel-A-prof1.xml"),
            "-p",
            str(folder / "Travel-A-prof2.xml"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"Travel-A-prof2"' in result.output
    result = runner.invoke(app, ["validate", str(QUIRKS / "numeric")])
    assert result.exit_code == 0
    assert "changes buyer's utility by at most" in " ".join(result.output.split())


def test_non_additive_refused_with_one_message() -> None:
    from dealspace.cli import app

    with pytest.raises(DealspaceError) as info:
        dealspace.load_scenario(QUIRKS / "nonadditive")
    message = str(info.value)
    assert "traveller_b.xml" in message and "not additive" in message
    assert message.count("\n") == 0  # one line
    result = runner.invoke(app, ["validate", str(QUIRKS / "nonadditive")])
    assert result.exit_code == 2 and "not additive" in result.output


@pytest.mark.parametrize("name", ["rootweight", "numeric", "items", "multilateral"])
def test_written_back_keeps_every_utility(name: str, tmp_path: Path) -> None:
    """Writing a loaded domain back and reading it again keeps each outcome's utility:
    exactly, integer and real issues being written back with their linear evaluators;
    for 'items' up to the documented per-party factor W_p = Σ_i w_pi, below 1 there
    because a profile item outside the domain set the issue's maximum."""
    first = load_genius(QUIRKS / name)
    written = write_genius_scenario(first, tmp_path / "out")
    second = load_genius(tmp_path / "out")
    scale = [1.0] * len(first.parties)
    if name == "items":
        scale = [math.fsum(v.weight for v in p.valuations.values()) for p in first.parties]
        assert min(scale) < 1
    if name == "numeric":
        domain = ET.parse(written[0]).getroot()
        assert [i.get("type") for i in domain.iter("issue")] == ["discrete", "integer", "real"]
        assert second.issue("Price").option_ids == first.issue("Price").option_ids
    for package in itertools.islice(_packages(first), 3000):
        got = utilities(second, package) * scale
        assert got == pytest.approx(utilities(first, package), abs=1e-12)
    assert [
        float(p.batna) * w for p, w in zip(second.parties, scale, strict=True)
    ] == pytest.approx([float(p.batna) for p in first.parties], abs=1e-12)


def _packages(s: Scenario):
    for combo in itertools.product(*(issue.option_ids for issue in s.issues)):
        yield dict(zip(s.issue_ids, combo, strict=True))


# ------------------------------------------------------------ property: random quirky domains


@st.composite
def quirky_domains(draw: st.DrawFn) -> dict:
    n = draw(st.integers(1, 4))
    first = draw(st.integers(0, 5))  # issue indexes start anywhere
    gaps = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    indexes = list(itertools.accumulate(gaps, initial=first))[1:]
    issues = []
    for k, index in enumerate(indexes):
        kind = draw(st.sampled_from(["discrete", "discrete", "integer", "real"]))
        if kind == "discrete":
            m = draw(st.integers(2, 4))
            issues.append(
                {
                    "index": index,
                    "name": f"I{k}",
                    "kind": kind,
                    "values": [f"v{j} x" for j in range(m)],
                    "dupes": draw(st.lists(st.integers(0, m - 1), max_size=2)),
                }
            )
        else:
            lo = draw(st.integers(-5, 5))
            hi = lo + draw(st.integers(1, 12))
            issues.append({"index": index, "name": f"I{k}", "kind": kind, "bounds": (lo, hi)})
    profiles = []
    for _ in range(draw(st.integers(2, 3))):
        evals = {}
        for issue in issues:
            if issue["kind"] == "discrete":
                evals[issue["index"]] = [
                    draw(st.one_of(st.just("null"), st.floats(0, 10).map(lambda x: f"{x:.6g}")))
                    for _ in issue["values"]
                ]
            else:
                evals[issue["index"]] = (
                    draw(st.floats(-0.5, 0.5).map(lambda x: round(x, 4))),
                    draw(st.floats(-0.5, 1.5).map(lambda x: round(x, 4))),
                )
        weights = [draw(st.floats(0.01, 1).map(lambda x: round(x, 4))) for _ in issues]
        profiles.append(
            {
                "evals": evals,
                "weights": weights,
                "root_weight": draw(st.booleans()),
                "reversed": draw(st.booleans()),
                "reservation": draw(st.floats(0, 1).map(lambda x: round(x, 3))),
            }
        )
    return {"issues": issues, "profiles": profiles}


def write_quirky(domain: dict, folder: Path) -> None:
    folder.mkdir()
    root = ET.Element("negotiation_template")
    objective = ET.SubElement(
        ET.SubElement(root, "utility_space"), "objective", index="0", name="r"
    )
    for issue in domain["issues"]:
        attrs = {"index": str(issue["index"]), "name": issue["name"], "type": issue["kind"]}
        if issue["kind"] != "discrete":
            attrs |= {"lowerbound": str(issue["bounds"][0]), "upperbound": str(issue["bounds"][1])}
        node = ET.SubElement(objective, "issue", attrs)
        if issue["kind"] == "discrete":
            values = issue["values"] + [issue["values"][j] for j in issue["dupes"]]
            for j, v in enumerate(values):  # indexes that match nothing
                ET.SubElement(node, "item", index=str(100 - j), value=v)
    ET.ElementTree(root).write(folder / "d_domain.xml")
    for p, prof in enumerate(domain["profiles"]):
        space = ET.Element("utility_space")
        objective = ET.SubElement(space, "objective", index="0", name="r")
        if prof["root_weight"]:
            ET.SubElement(objective, "weight", index="0", value="1.0")
        for issue, w in zip(domain["issues"], prof["weights"], strict=True):
            node = ET.SubElement(
                objective,
                "issue",
                index=str(issue["index"]),
                name=issue["name"],
                type=issue["kind"],
            )
            ev = prof["evals"][issue["index"]]
            if issue["kind"] == "discrete":
                pairs = list(zip(issue["values"], ev, strict=True))
                for v, e in reversed(pairs) if prof["reversed"] else pairs:
                    ET.SubElement(node, "item", index="1", value=v, evaluation=e)
            elif issue["kind"] == "integer":
                node.set("lowerbound", str(issue["bounds"][0]))
                node.set("upperbound", str(issue["bounds"][1]))
                ET.SubElement(
                    node, "evaluator", ftype="linear", slope=str(ev[0]), offset=str(ev[1])
                )
            else:
                ET.SubElement(
                    node,
                    "range",
                    lowerbound=str(issue["bounds"][0]),
                    upperbound=str(issue["bounds"][1]),
                )
                ET.SubElement(
                    node, "evaluator", ftype="linear", parameter0=str(ev[1]), parameter1=str(ev[0])
                )
            ET.SubElement(objective, "weight", index=str(issue["index"]), value=str(w))
        ET.SubElement(space, "reservation", value=str(prof["reservation"]))
        ET.ElementTree(space).write(folder / f"p{p}.xml")


@pytest.mark.slow
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(domain=quirky_domains())
def test_random_quirky_domains_match_genius(
    domain: dict, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("quirky") / "d"
    write_quirky(domain, folder)
    try:
        s = load_genius(folder)
    except DealspaceError as err:
        # the one thing dealspace refuses that Genius loads: a party whose every issue is
        # worth nothing (every evaluation null or zero)
        assert "values nothing" in str(err)
        return
    assert assert_genius_utilities(s, folder / "d_domain.xml", profile_files(folder, s)) > 0
    # written back (integer and real issues with their linear evaluators): every utility kept
    out = folder.parent / "back"
    write_genius_scenario(s, out)
    back = load_genius(out)
    for package in itertools.islice(_packages(s), 500):
        assert utilities(back, package) == pytest.approx(utilities(s, package), abs=1e-12)
