"""The linkage commands: linkage, redlines, offers, harvest, and linkage_summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import dealspace.cli.linkage  # noqa: F401  registers the commands
from dealspace import load_scenario
from dealspace.cli import app
from dealspace.cli.linkage import linkage_summary

DATA = Path(__file__).parent / "data"
LINKED = str(DATA / "linkage" / "linkage.yaml")
REDLINES = str(DATA / "linkage" / "redlines.yaml")
OFFERS = str(DATA / "linkage" / "offers.yaml")
THREAT = str(DATA / "linkage" / "threat.yaml")
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "160"})
    return result.exit_code, result.output + (result.stderr or "")


def test_linkage_tables() -> None:
    code, out = run("linkage", LINKED, "--shapley")
    assert code == 0, out
    assert "Unlocked by linkage" in out and "trade, security" in out
    assert "per party in its own points: United States +2.00, Japan +2.00" in out
    assert "adds points across parties" in out  # the joint column carries its note
    assert "Shapley" in out
    assert "Characteristic function (joint surplus): monotone, superadditive" in out
    assert "trade and security: United States +2.00 (complements)" in out
    assert "in exchange for Japan yielding on defence spending" in out
    assert "Why the silos without a ZOPA fail" in out


def test_linkage_json() -> None:
    code, out = run("linkage", LINKED, "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["domain_values"] is None
    assert data["domain_worth"]["marginal"]["investment"] == {"us": 2.0, "jp": 1.0}
    code, out = run("linkage", LINKED, "--json", "--shapley")
    data = json.loads(out)
    assert data["linkage"]["joint_linkage_value"] == pytest.approx(4.0)
    assert data["domain_values"]["values"] == {"trade": 2.0, "security": 2.0, "investment": 3.0}
    assert data["logrolls"]["trades"][0]["efficiency"] == pytest.approx(2.5)


def test_linkage_chosen_domains_and_off_table() -> None:
    code, out = run("linkage", LINKED, "-d", "trade", "-d", "investment", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["linkage"]["domains"] == ["trade", "investment"]
    assert data["domain_worth"]["domains"] == ["trade", "investment"]
    code, out = run("linkage", str(DATA / "toy.yaml"), "--ignore-off-table", "--json")
    assert code == 0, out
    assert json.loads(out)["linkage"]["off_table"] == "ignore"
    code, out = run("linkage", str(DATA / "toy.yaml"), "--off-table", "apply", "--json")
    assert code == 0, out
    data = json.loads(out)["linkage"]
    assert data["off_table"] == "apply" and data["threats"] is None
    code, out = run("linkage", str(DATA / "toy.yaml"), "--off-table", "sometimes")
    assert code == 2 and "own" in out


def test_linkage_names_the_constraint_that_closes_a_silo() -> None:
    # Hand-worked in tests/data/linkage/threat.yaml.
    code, out = run("linkage", THREAT)
    assert code == 0, out
    assert "integrative vs threat-based" in out
    assert "'Rice access' (us:rice_access) closes the silo energy" in out
    assert "leverage, not a term of the deal" in out
    code, out = run("linkage", THREAT, "--json")
    data = json.loads(out)["linkage"]
    assert data["off_table"] == "own"
    assert data["linkage_value"] == pytest.approx({"us": 3.0, "jp": -1.0})
    assert data["threats"]["threat"] == pytest.approx({"us": 1.0, "jp": 2.0})
    assert data["threats"]["total"] == pytest.approx({"us": 4.0, "jp": 1.0})
    assert data["threats"]["closures"][1]["closed_by"] == ["us:rice_access"]
    assert data["threats"]["leverage_only"] == ["us:rice_access"]


def test_unknown_domain_and_party_exit_2() -> None:
    code, out = run("linkage", LINKED, "-d", "trad")
    assert code == 2
    assert "did you mean 'trade'" in out.lower()
    code, out = run("offers", OFFERS, "--party", "jpn")
    assert code == 2
    assert "did you mean 'jp'" in out.lower()
    code, out = run("harvest", "no-such-scenario")
    assert code == 2


def test_redlines() -> None:
    code, out = run("redlines", REDLINES)
    assert code == 0, out
    assert "kills the ZOPA" in out and "free" in out
    assert "With every constraint there is no ZOPA" in out
    code, out = run("redlines", REDLINES, "--json")
    data = json.loads(out)
    assert [c["kills_zopa"] for c in data["constraints"]] == [False, True]


def test_offers() -> None:
    code, out = run("offers", OFFERS, "--party", "jp")
    assert code == 0, out
    assert "offer 3" in out and "Level 4.00" in out
    code, out = run("offers", OFFERS, "--party", "jp", "--k", "2", "--level", "5", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["level"] == 5.0 and len(data["offers"]) == 2
    code, out = run("offers", OFFERS, "--party", "jp", "--level", "-100", "--tolerance", "1")
    assert code == 0 and "No package lies within the tolerance" in out
    code, out = run("offers", OFFERS, "--party", "jp", "--level", "100")
    assert code == 2 and "at most 6" in out


def test_harvest() -> None:
    code, out = run("harvest", LINKED)
    assert code == 0, out
    assert "Best early harvest: investment" in out
    assert "United States loses 6.00" in out
    code, out = run("harvest", LINKED, "--pairs", "--json")
    data = json.loads(out)
    assert data["candidates"][0]["name"] == "trade+security"
    code, out = run("harvest", LINKED, "--batna", "--json")
    assert all(c["valid"] for c in json.loads(out)["candidates"])
    code, out = run("harvest", REDLINES)
    assert code == 2 and "nothing to harvest" in out


def test_help_texts() -> None:
    for command in ("linkage", "redlines", "offers", "harvest"):
        code, out = run(command, "--help")
        assert code == 0 and "Usage" in out


def test_linkage_summary() -> None:
    console = Console(record=True, width=120)
    from dealspace.analysis.shapley import domain_values
    from dealspace.analysis.silos import linkage

    scenario = load_scenario(LINKED)
    labels = {p.id: p.label for p in scenario.parties}
    linkage_summary(console, linkage(scenario), domain_values(scenario), labels)
    text = console.export_text()
    assert "Value of linkage" in text and "own points" in text
    assert "+4.00" in text and "+3.00" in text and "+2.00" in text
    assert "Unlocked by linkage: trade, security" in text
    assert "Shapley" in text
    from dealspace.analysis.threats import decompose_linkage

    console = Console(record=True, width=120)
    threat = load_scenario(THREAT)
    parts = decompose_linkage(threat)
    linkage_summary(console, parts.headline(), None, {"us": "us", "jp": "jp"})
    text = console.export_text()
    assert "threat-based" in text and "closes the silo energy" in text
