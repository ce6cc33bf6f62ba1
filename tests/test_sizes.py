"""Issue 18, cause 4: size. Counts are exact integers, long steps report progress,
and limits give one clear message naming the limit and how to proceed.

Mutations of the built-in us-japan-2025 scenario.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import dealspace
from dealspace.analysis.silos import MAX_LINKAGE_DOMAINS, linkage_negotiations
from dealspace.cli import app
from dealspace.scenario.load import builtin_path, read_document
from dealspace.space import check

runner = CliRunner()
BASE = read_document(builtin_path("us-japan-2025"))


def mutate(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    change(data)
    return data


def add_issues(n: int, per_domain: int) -> Callable[[dict[str, Any]], None]:
    """``n`` two-option issues both parties value, ``per_domain`` to a new domain."""

    def change(d: dict[str, Any]) -> None:
        for k in range(n):
            if k % per_domain == 0:
                d["domains"].append({"id": f"extra{k // per_domain}", "issues": []})
            d["domains"][-1]["issues"].append(
                {"id": f"x{k}", "options": ["no", "yes"], "status_quo": "no"}
            )
            d["parties"][0]["valuations"][f"x{k}"] = {"weight": 1, "value": {"no": 0, "yes": 1}}
            d["parties"][1]["valuations"][f"x{k}"] = {"weight": 2, "value": {"no": 1, "yes": 0}}

    return change


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_package_count_is_exact_beyond_int64(tmp_path: Path) -> None:
    builtin = check(dealspace.load_scenario("us-japan-2025")).space.n_outcomes
    scenario = dealspace.load_scenario(write(tmp_path, mutate(add_issues(40, 40))))
    space = check(scenario).space
    assert space.n_outcomes == builtin * 2**40 > 2**63  # would wrap as an int64
    assert isinstance(space.n_outcomes, int)
    from dealspace.analysis.reach import reach

    assert json.loads(json.dumps(reach(space).to_dict()))["n_acceptable"] == builtin * 2**40


def test_too_many_issues_refused_with_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dealspace.scenario import bounds

    monkeypatch.setattr(bounds, "MAX_ISSUES", 10)  # the real limit is 2,000
    path = write(tmp_path, BASE)
    result = runner.invoke(app, ["validate", str(path)])
    text = (result.output + result.stderr).replace("\n", " ")
    assert result.exit_code == 2
    assert "Traceback" not in text
    for part in (path.name, "19 issues, more than the 10 dealspace analyses", "Merge related"):
        assert part in text
    result = runner.invoke(app, ["frontier", str(path)])  # every analysis, not only validate
    assert result.exit_code == 2
    assert "19 issues, more than the 10" in (result.output + result.stderr).replace("\n", " ")


def test_linkage_above_the_domain_limit_is_refused_and_analyze_skips_it(
    tmp_path: Path,
) -> None:
    extra = MAX_LINKAGE_DOMAINS + 1 - len(BASE["domains"])
    path = write(tmp_path, mutate(add_issues(extra, 1)))
    n = MAX_LINKAGE_DOMAINS + 1
    result = runner.invoke(app, ["linkage", str(path)])
    text = (result.output + result.stderr).replace("\n", " ")
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    for part in (
        path.name,
        f"{n} domains",
        f"{linkage_negotiations(n):,} negotiations",
        f"the limit is {MAX_LINKAGE_DOMAINS} domains",
        "-d A -d B",
    ):
        assert part in text, f"{part!r} not in {text!r}"

    from dealspace.pipeline import Settings, analyze
    from dealspace.report import render

    steps: list[str] = []
    results = analyze(
        dealspace.load_scenario(path),
        Settings(process=None, world_runs=0, robust_draws=0),
        progress=steps.append,
    )
    assert results.linkage is None and results.domain_worth is None
    assert not any(s.startswith("linkage") for s in steps)
    (note,) = results.notes
    assert f"limit of {MAX_LINKAGE_DOMAINS} domains" in note
    assert results.to_dict()["notes"] == [note]
    assert "Analyses skipped for size" in render(results, "md")


def test_domain_values_report_progress() -> None:
    from dealspace.analysis.worth import domain_worth

    space = check(dealspace.load_scenario("us-japan-2025")).space
    seen: list[str] = []
    worth = domain_worth(space, progress=seen.append)
    n = len(worth.domains)
    total = linkage_negotiations(n)
    assert seen[0] == f"0 of {total} negotiations"
    assert len(seen) > 1 and all(s.endswith(f"of {total} negotiations") for s in seen)
    done = [int(s.split()[0]) for s in seen]
    assert done == sorted(done) and done[-1] <= total
