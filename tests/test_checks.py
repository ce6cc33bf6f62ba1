"""Issue 18, cause 3: a file that validates is one every analysis accepts.

`dealspace validate` runs :func:`dealspace.space.check`, the checks an analysis
runs before computing (economy data and codes, size limits, the compile); the
analyses name the scenario's file when they refuse one. Mutations of the
built-in us-japan-2025 scenario.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import dealspace
from dealspace.cli import app
from dealspace.errors import DealspaceError
from dealspace.scenario.load import builtin_path, read_document
from dealspace.space import check

runner = CliRunner()
BASE = read_document(builtin_path("us-japan-2025"))


def mutate(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    change(data)
    return data


def issue(data: dict[str, Any], issue_id: str) -> dict[str, Any]:
    return next(i for d in data["domains"] for i in d["issues"] if i["id"] == issue_id)


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def refused_by_validate(path: Path, *expected: str) -> str:
    """`validate` exits 2 naming the file and each expected part, with no traceback."""
    result = runner.invoke(app, ["validate", str(path)])
    text = (result.output + result.stderr).replace("\n", " ")
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    for part in [path.name, *expected]:
        assert part in text, f"{part!r} not in {text!r}"
    return text


def test_unknown_region_in_a_tariff_block(tmp_path: Path) -> None:
    path = write(tmp_path, mutate(lambda d: issue(d, "auto_tariff")["tariff"].update(on="JPX")))
    dealspace.load_scenario(path)  # structurally valid …
    refused_by_validate(  # … but no analysis can price it
        path, "domains[0].issues[1].tariff.on", "'JPX' is not a country or region", "'JPN'"
    )
    result = runner.invoke(app, ["frontier", str(path)])  # an analysis names the file too
    assert result.exit_code == 2
    assert str(path) in result.output + result.stderr


def test_missing_economy_data_path(tmp_path: Path) -> None:
    path = write(tmp_path, mutate(lambda d: d["economy"].update(data=str(tmp_path / "nowhere"))))
    refused_by_validate(path, "economy.data", "nowhere' cannot be used: does not exist")
    with pytest.raises(DealspaceError) as info:
        dealspace.space.compile(dealspace.load_scenario(path))
    assert str(path) in str(info.value) and "economy.data" in str(info.value)


def test_tariff_shares_of_one_flow_over_one(tmp_path: Path) -> None:
    path = write(tmp_path, mutate(lambda d: issue(d, "auto_tariff")["tariff"].update(share=0.9)))
    refused_by_validate(path, "tariff.share", "cover 1.547 of that flow", "at most 1")


def test_one_tariff_share_over_one(tmp_path: Path) -> None:
    path = write(tmp_path, mutate(lambda d: issue(d, "auto_tariff")["tariff"].update(share=1.5)))
    refused_by_validate(path, "domains[0].issues[1].tariff.share", "1.5 is beyond 1")


def test_compound_issue_too_large_is_refused_by_validate(tmp_path: Path) -> None:
    """An interaction reading every issue links them into one block of 752 million rows."""

    def link_all(d: dict[str, Any]) -> None:
        conditions = [
            {"issue": i["id"], "not_in": [first if isinstance(first, str) else first["id"]]}
            for dom in d["domains"]
            for i in dom["issues"]
            if "options" in i
            for first in i["options"][:1]
        ]
        d["parties"][0]["interactions"].append(
            {"id": "everything", "condition": {"all": conditions}, "bonus": 1}
        )

    path = write(tmp_path, mutate(link_all))
    dealspace.load_scenario(path)
    refused_by_validate(path, "one compound issue of", "limit 2,000,000")


def test_no_feasible_package_validates_with_a_warning_and_analyses_say_so(
    tmp_path: Path,
) -> None:
    def clash(d: dict[str, Any]) -> None:
        d["parties"][0]["must_haves"].append(
            {"id": "all_rice", "condition": {"issue": "rice", "in": ["beyond_quota"]}}
        )

    path = write(tmp_path, mutate(clash))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    text = result.output.replace("\n", " ")
    assert "warning" in text and "no package meets every party's must-haves" in text
    assert "us:all_rice" in text and "japan:no_rice_beyond_quota" in text

    from dealspace.pipeline import Settings, analyze
    from dealspace.report import render

    scenario = dealspace.load_scenario(path)
    results = analyze(scenario, Settings(process=None, world_runs=0, robust_draws=0))
    assert results.space.empty and results.solutions["Nash"].package is None
    data = json.loads(json.dumps(results.to_dict(), allow_nan=False))
    assert data["zopa"]["exists"] is False
    for fmt in ("html", "md"):
        text = render(results, fmt)
        assert "No package meets every party" in text and "cannot hold together" in text


def test_check_returns_the_compiled_space_and_no_warning_when_feasible() -> None:
    checked = check(dealspace.load_scenario("us-japan-2025-trade-only"))
    assert checked.warnings == ()
    assert not checked.space.empty


def test_candidate_table_keeps_a_thinned_frontier_with_the_nash_row() -> None:
    """A frontier above the candidate cap (1,000 in simulate) is thinned, not a crash
    (the score broadcast a (n,) mask against (n, P) gains)."""
    from dealspace.analysis.pareto import pareto_frontier
    from dealspace.process.candidates import block_status_quo, build_table, whole

    space = check(dealspace.load_scenario("us-japan-2025")).space
    frontier = pareto_frontier(space)
    cap = 40
    assert len(frontier) > cap
    table = build_table(space, whole(space), space.batna, block_status_quo(space), max_frontier=cap)
    gains = frontier.utilities - space.batna
    nash = frontier.utilities[np.argmax(np.log(np.clip(gains, 1e-300, None)).sum(axis=1))]
    assert any(np.allclose(u, nash) for u in table.utility)
    on_frontier = {tuple(np.round(u, 9)) for u in frontier.utilities}
    kept = sum(tuple(np.round(u, 9)) in on_frontier for u in table.utility)
    assert cap <= kept < len(frontier)  # thinned (plus the best packages of each party)


def test_relative_economy_data_is_read_next_to_the_scenario(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`economy.data: mydata` means the folder beside the scenario file, whatever the
    working directory; a path that exists only under the working directory still works."""
    from dealspace.economy.scenario import data_path

    folder = tmp_path / "talks"
    (folder / "mydata").mkdir(parents=True)
    (folder / "mydata" / "trade.csv").write_text(
        "exporter,importer,value\nUSA,JPN,80\nJPN,USA,150\nUSA,CHN,140\nCHN,USA,430\n"
        "JPN,CHN,120\nCHN,JPN,160\n"
    )
    (folder / "mydata" / "gdp.csv").write_text("iso3,gdp\nUSA,27000\nJPN,4200\nCHN,17800\n")
    (folder / "mydata" / "rates.csv").write_text(
        "iso3,liberation_day_rate,deal_rate\nJPN,0.24,0.15\nCHN,0.54,0.3\n"
    )
    data = mutate(lambda d: d["economy"].update(data="mydata"))
    path = folder / "talks.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    scenario = dealspace.load_scenario(path)
    assert data_path(scenario) == str(folder / "mydata")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output + result.stderr
    monkeypatch.chdir(folder)
    assert data_path(dealspace.load_scenario("talks.yaml")) == str(Path("mydata"))
