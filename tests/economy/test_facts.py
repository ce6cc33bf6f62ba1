"""The numbers behind the claims: each computation against its hand calculation."""

from __future__ import annotations

import pytest

from dealspace.economy import load_default
from dealspace.economy.facts import (
    RICE_AVE_MAFF_2005,
    RICE_DUTY,
    RICE_TENDER_PRICE,
    Fact,
    ad_valorem_equivalent,
    findings,
    implied_price,
    reciprocal_rate,
    tariff_averages,
)
from dealspace.errors import DealspaceError


def test_rice_ave() -> None:
    assert ad_valorem_equivalent(341, 75.907) == pytest.approx(4.4923, abs=1e-4)  # 449 % at the 2019 tender price
    assert implied_price(341, 7.0) == pytest.approx(48.714, abs=1e-3)  # "700 %" needs rice at ¥48.7/kg
    assert implied_price(RICE_DUTY.value, RICE_AVE_MAFF_2005.value) == pytest.approx(43.83, abs=0.01)
    # AVE and implied price are inverse operations
    assert ad_valorem_equivalent(341, implied_price(341, 4.0)) == pytest.approx(4.0)
    assert ad_valorem_equivalent(RICE_DUTY.value, RICE_TENDER_PRICE.value) < 7.0  # below the claim


def test_reciprocal_formula_for_japan() -> None:
    ratio, rate = reciprocal_rate(148.2, 79.7)
    assert ratio == pytest.approx(0.4622, abs=1e-4)  # the "46 %" is a deficit ratio
    assert rate == pytest.approx(0.2311, abs=1e-4)  # halved: ~23 %, announced 24 %
    assert reciprocal_rate(10.0, 20.0) == (-1.0, 0.10)  # surplus partners get the 10 % floor


def test_simple_and_weighted_averages() -> None:
    simple, weighted = tariff_averages({"A": 0.10, "B": 0.50}, {"A": 300.0, "B": 100.0})
    assert simple == pytest.approx(0.30)
    assert weighted == pytest.approx((0.10 * 300 + 0.50 * 100) / 400)
    with pytest.raises(DealspaceError, match="no import value"):
        tariff_averages({"A": 0.1}, {})
    with pytest.raises(DealspaceError, match="zero"):
        tariff_averages({"A": 0.1}, {"A": 0.0})


@pytest.mark.parametrize(("func", "args"), [(ad_valorem_equivalent, (341, 0)), (implied_price, (341, 0)), (reciprocal_rate, (0, 1))])
def test_bad_inputs(func, args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DealspaceError):
        func(*args)


def test_findings_on_the_embedded_data() -> None:
    found = {f.claim: f for f in findings(load_default())}
    assert found["'700 %' rice tariff"].value == pytest.approx(48.71, abs=0.01)
    assert found["AVE at the 2019 import tender price"].value == pytest.approx(449.2, abs=0.1)
    assert found["'46 %' tariff charged by Japan"].value == pytest.approx(46.2, abs=0.05)
    assert found["US–Japan goods balance 2024 (US data)"].value == pytest.approx(-68.5)
    baci = found["US–Japan goods balance 2023 (BACI)"].value
    assert -80 < baci < -55  # BACI 2023: US exports ~76 bn, imports ~141 bn
    simple = found["average 2 April rate, simple"].value
    weighted = found["average 2 April rate, US-import-weighted"].value
    assert 10 <= simple <= 54 and 10 <= weighted <= 54
    for f in found.values():
        assert f.inputs and all(isinstance(i, Fact) and i.source and i.date for i in f.inputs)
