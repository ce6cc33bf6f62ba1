"""The numbers behind the claims: each computation against its hand calculation; facts files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import dealspace.cli.facts  # noqa: F401  (registers the command)
from dealspace.cli._app import app
from dealspace.economy import load_default
from dealspace.economy.facts import (
    COMPUTATIONS,
    Fact,
    ad_valorem_equivalent,
    builtin_facts,
    evaluate,
    findings,
    implied_price,
    load_facts,
    reciprocal_rate,
    tariff_averages,
)
from dealspace.errors import DealspaceError

runner = CliRunner()

KOREA = """
title: Korea claims
inputs:
  kor_us_imports: {value: 131.5, unit: bn USD, date: "2024", source: "US goods imports from Korea (Census), my note"}
  kor_us_exports: {value: 65.5, unit: bn USD, date: "2024", source: "US goods exports to Korea (Census), my note"}
claims:
  - topic: averages
    claim: "'50 %' tariff charged by Korea"
    compute: deficit_ratio
    args: {imports: kor_us_imports, exports: kor_us_exports}
    meaning: a deficit ratio
"""


def test_rice_ave() -> None:
    assert ad_valorem_equivalent(341, 75.907) == pytest.approx(
        449.23, abs=1e-2
    )  # 449 % at the 2019 tender price
    assert implied_price(341, 700) == pytest.approx(
        48.714, abs=1e-3
    )  # "700 %" needs rice at ¥48.7/kg
    assert implied_price(341, 778) == pytest.approx(43.83, abs=0.01)
    assert ad_valorem_equivalent(341, implied_price(341, 400)) == pytest.approx(
        400
    )  # inverse operations


def test_reciprocal_formula_for_japan() -> None:
    ratio, rate = reciprocal_rate(148.2, 79.7)
    assert ratio == pytest.approx(46.22, abs=1e-2)  # the "46 %" is a deficit ratio
    assert rate == pytest.approx(23.11, abs=1e-2)  # halved: ~23 %, announced 24 %
    assert reciprocal_rate(10.0, 20.0) == (-100.0, 10.0)  # surplus partners get the 10 % floor


def test_simple_and_weighted_averages() -> None:
    simple, weighted = tariff_averages({"A": 10, "B": 50}, {"A": 300.0, "B": 100.0})
    assert simple == pytest.approx(30)
    assert weighted == pytest.approx((10 * 300 + 50 * 100) / 400)
    with pytest.raises(DealspaceError, match="no import value"):
        tariff_averages({"A": 0.1}, {})


@pytest.mark.parametrize(
    ("func", "args"),
    [(ad_valorem_equivalent, (341, 0)), (implied_price, (341, 0)), (reciprocal_rate, (0, 1))],
)
def test_bad_inputs(func, args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DealspaceError):
        func(*args)


def test_builtin_claims_on_the_default_data() -> None:
    found = {f.claim: f for f in findings(load_default())}
    assert found["'700 %' rice tariff"].value == pytest.approx(48.71, abs=0.01)
    assert found["rice duty as a rate at the 2019 import tender price"].value == pytest.approx(
        449.2, abs=0.1
    )
    assert found["'46 %' tariff charged by Japan"].value == pytest.approx(46.2, abs=0.05)
    assert found["US–Japan goods balance 2024 (US data)"].value == pytest.approx(-68.5)
    assert found["US share of the minimum-access quota, FY2024"].value == pytest.approx(
        100 * 346_000 / 770_000
    )
    assert (
        -80 < found["US–Japan goods balance 2023 (BACI)"].value < -55
    )  # BACI 2023: US exports ~76 bn, imports ~141 bn
    simple = found["average 2 April rate, simple"].value
    weighted = found["average 2 April rate, US-import-weighted"].value
    assert 10 <= simple <= 54 and 10 <= weighted <= 54
    for f in found.values():
        assert f.inputs and all(isinstance(i, Fact) and i.source and i.date for i in f.inputs)
    # inputs as people write them, and the minimum-access quota stated where the rice duty is discussed
    rice = found["'700 %' rice tariff"]
    assert [i.written for i in rice.inputs[:2]] == ["341 JPY/kg", "700 %"]
    assert "770,000 t minimum-access quota" in rice.note and "without the ¥341/kg duty" in rice.note


def test_every_builtin_computation_is_used_and_known() -> None:
    facts = builtin_facts()
    assert set(COMPUTATIONS) <= {c.compute for c in facts.claims}


def test_a_users_facts_file(tmp_path: Path) -> None:
    path = tmp_path / "korea.yaml"
    path.write_text(KOREA)
    (finding,) = evaluate(load_facts(path))
    assert finding.value == pytest.approx(100 * (131.5 - 65.5) / 131.5)
    assert finding.unit == "%" and finding.inputs[0].written == "131.5 bn USD"


def test_a_bad_facts_file_reports_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        KOREA.replace("compute: deficit_ratio", "compute: deficit_ration")
        .replace('source: "US goods exports to Korea (Census), my note"', 'source: ""')
        .replace("value: 131.5", "value: 131.5 bn")
    )
    with pytest.raises(DealspaceError) as err:
        load_facts(path)
    text = str(err.value)
    assert "inputs.kor_us_imports.value" in text and "inputs.kor_us_exports.source" in text
    assert "claims[0].compute" in text and "deficit_ratio" in text  # did you mean


def test_facts_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["facts", "--json"])
    assert result.exit_code == 0, result.output
    claims = {f["claim"]: f for f in json.loads(result.stdout)}
    rice = claims["'700 %' rice tariff"]
    assert rice["inputs"][1]["written"] == "700 %" and rice["inputs"][0]["citation"].startswith(
        "Japan's specific duty"
    )
    table = runner.invoke(app, ["facts"], env={"COLUMNS": "220"})
    assert (
        table.exit_code == 0
        and "341 JPY/kg [1]" in table.output
        and "[1] Japan's specific duty" in table.output
    )
    assert "minimum-access quota" in table.output
    path = tmp_path / "korea.yaml"
    path.write_text(KOREA)
    mine = runner.invoke(app, ["facts", "--no-builtin", "--file", str(path), "--json"])
    assert mine.exit_code == 0, mine.output
    assert [f["claim"] for f in json.loads(mine.stdout)] == ["'50 %' tariff charged by Korea"]
    bad = runner.invoke(app, ["facts", "--file", str(tmp_path / "missing.yaml")])
    assert bad.exit_code == 2 and "does not exist" in bad.output
