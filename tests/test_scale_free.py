"""Scale-free headlines: multiplying one party's points by a constant changes no headline.

A point is a share of each party's own, self-chosen total, so rescaling one
party (every weight and bonus, and a numeric BATNA, times c) must leave the
Nash and Kalai–Smorodinsky packages, Pareto dominance, the ZOPA verdict, the
linkage decomposition's silos and closures, the verdicts, and each party's
own gain (in its own units: times c for the rescaled party) unchanged.
Factors are powers of two, so the rescaling is exact in floating point.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dealspace.errors import DealspaceError
from dealspace.pipeline import Settings, analyze
from dealspace.process.compare import party_verdict as verdict
from dealspace.report.sections import verdict as report_verdict
from dealspace.scenario.model import Scenario
from strategies import scenario_data

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FACTORS = st.sampled_from([0.25, 0.5, 2.0, 4.0, 8.0])


def rescale(data: dict[str, Any], party: int, factor: float) -> dict[str, Any]:
    """The same scenario with party ``party``'s points multiplied by ``factor``."""
    out = copy.deepcopy(data)
    p = out["parties"][party]
    for v in p["valuations"].values():
        v["weight"] = v.get("weight", 1.0) * factor
    for kind in ("nice_to_haves", "interactions"):
        for bonus in p.get(kind, []):
            bonus["bonus"] *= factor
    if isinstance(p.get("batna"), float | int):
        p["batna"] = p["batna"] * factor
    return out


def _validate(data: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except (DealspaceError, ValidationError):
        assume(False)
        raise AssertionError("unreachable") from None


@FAST
@given(scenario_data(max_parties=3), st.data(), FACTORS)
def test_rescaling_one_party_changes_no_headline(
    data: dict[str, Any], draw: st.DataObject, factor: float
) -> None:
    base = _validate(data)
    party = draw.draw(st.integers(0, len(base.parties) - 1))
    scaled = _validate(rescale(data, party, factor))
    knobs = Settings(process=None, solutions=("nash", "kalai_smorodinsky"), menu_size=1)
    a, b = analyze(base, knobs), analyze(scaled, knobs)
    scale = [factor if k == party else 1.0 for k in range(len(base.parties))]
    # ZOPA, dominance, the bargaining packages
    assert a.zopa.exists == b.zopa.exists
    assert len(a.frontier) == len(b.frontier)
    for label in ("Nash", "Kalai–Smorodinsky"):
        sa, sb = a.solutions[label], b.solutions[label]
        assert sa.agreement == sb.agreement
        assert sa.package == sb.package, label
        if sa.agreement:
            for k, p in enumerate(base.party_ids):
                assert sb.gains[p] == pytest.approx(scale[k] * sa.gains[p], rel=1e-9, abs=1e-9)
    # the report's verdict: same headline and tone
    va, vb = report_verdict(a), report_verdict(b)
    assert (va.headline, va.ok) == (vb.headline, vb.ok)
    # linkage: silos, unlocked domains, closures; each party's value in its own units
    if a.linkage is not None:
        la, lb = a.linkage, b.linkage
        assert lb is not None
        assert [s.zopa for s in la.silos] == [s.zopa for s in lb.silos]
        assert [s.deal for s in la.silos] == [s.deal for s in lb.silos]
        assert la.unlocked == lb.unlocked
        assert la.portfolio.package == lb.portfolio.package
        for k in range(len(scale)):
            assert lb.linkage_value[k] == pytest.approx(
                scale[k] * la.linkage_value[k], rel=1e-9, abs=1e-9
            )
        wa, wb = a.domain_worth, b.domain_worth
        assert wa is not None and wb is not None
        for k in range(len(scale)):
            for ma, mb in zip(wa.marginal, wb.marginal, strict=True):
                assert mb[k] == pytest.approx(scale[k] * ma[k], rel=1e-9, abs=1e-9)
        assert [wa.kind(pair, k) for pair in wa.interactions for k in range(len(scale))] == [
            wb.kind(pair, k) for pair in wb.interactions for k in range(len(scale))
        ]
        ta, tb = la.threats, lb.threats
        assert ta is not None and tb is not None
        assert ta.closures == tb.closures
        assert ta.binds_portfolio == tb.binds_portfolio


@given(
    st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=3, max_size=3),
    st.sampled_from([0, 1]),
    FACTORS,
)
def test_protocol_verdict_is_scale_free(
    gains: list[tuple[float, float]], party: int, factor: float
) -> None:
    names = ("alternating", "sequential", "silos")

    def rows(scale: tuple[float, float]) -> tuple[dict[str, Any], ...]:
        return tuple(
            {
                "protocol": n,
                "gain:a_mean": g[0] * scale[0],
                "gain:b_mean": g[1] * scale[1],
                "joint_gain_mean": 0.0,
            }
            for n, g in zip(names, gains, strict=True)
        )

    scale = (factor, 1.0) if party == 0 else (1.0, factor)
    first, second = verdict(rows((1.0, 1.0))), verdict(rows(scale))
    assert first.split(":")[0] == second.split(":")[0]
    assert ("sequential gives" in first) == ("sequential gives" in second)
    assert ("silos gives" in first) == ("silos gives" in second)
