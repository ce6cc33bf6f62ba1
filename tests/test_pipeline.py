"""The main job: computed once, rendered the same by the terminal, JSON and report."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from time import sleep as time_sleep

import pytest
from typer.testing import CliRunner

import dealspace.space
from dealspace import Scenario, load_scenario
from dealspace.cli import app
from dealspace.errors import DealspaceError
from dealspace.pipeline import Results, Settings, analyze
from dealspace.process.compare import ProcessSettings
from dealspace.report import render

TOY = Path(__file__).parent / "data" / "toy.yaml"
runner = CliRunner()
FAST = ["--runs", "20"]


@pytest.fixture(scope="module")
def toy_cli(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict, str, str]:
    """One scenario through every front end: terminal text, JSON, HTML and Markdown reports."""
    folder = tmp_path_factory.mktemp("pipeline")
    report = folder / "r.html"
    term = runner.invoke(
        app, ["analyze", str(TOY), "-o", str(report), *FAST], env={"COLUMNS": "200"}
    )
    assert term.exit_code == 0, term.output
    js = runner.invoke(app, ["analyze", str(TOY), "--json", *FAST])
    assert js.exit_code == 0, js.output
    md = folder / "r.md"
    assert runner.invoke(app, ["report", str(TOY), "-o", str(md)]).exit_code == 0
    return (
        term.stdout,
        json.loads(js.stdout),
        report.read_text(encoding="utf-8"),
        md.read_text(encoding="utf-8"),
    )


def test_every_front_end_shows_the_same_numbers(toy_cli: tuple[str, dict, str, str]) -> None:
    term, data, html, _ = toy_cli
    nash = data["solutions"]["Nash"]
    for party, gain in nash["gains"].items():
        text = f"{gain:+.2f}"
        assert text in term, (party, text)
        assert text.replace("-", "−") in html, (party, text)
    link = data["linkage"]
    for party, value in link["linkage_value"].items():
        assert f"{value:+.2f}" in term, party
    for party, value in link["threats"]["threat"].items():
        assert (f"{value:+.2f}" if abs(value) >= 0.005 else "0.00") in term, party
    for row in data["protocols"]["protocols"]:
        for party in data["scenario"]["parties"]:
            mean = f"{row[f'gain:{party}']:.2f}"
            assert mean in term, mean
            assert mean in html, mean
    verdict = data["protocols"]["verdict"]["text"]
    assert " ".join(verdict.split()) in " ".join(term.split())
    assert html_text(verdict) in " ".join(html.split())


def html_text(text: str) -> str:
    import html

    return " ".join(html.escape(text, quote=True).split())


def test_json_is_the_whole_result_with_stable_keys(toy_cli: tuple[str, dict, str, str]) -> None:
    _, data, _, _ = toy_cli
    assert set(data) == {
        "dealspace",
        "scenario",
        "settings",
        "reach",
        "zopa",
        "frontier",
        "solutions",
        "nash_terms",
        "logrolls",
        "offers",
        "linkage",
        "domain_values",
        "domain_worth",
        "near_tie",
        "robustness",
        "coalitions",
        "redlines",
        "protocols",
        "tariffs",
        "world",
        "sources",
        "scorecard",
        "notes",
    }
    assert data["notes"] == []  # nothing skipped for size
    assert data["scorecard"] is None  # no built-in deal is written for the toy scenario
    assert data["settings"]["process"]["runs"] == 20
    assert list(data["solutions"]) == ["Nash", "Kalai–Smorodinsky", "egalitarian", "utilitarian"]

    def finite(node: object) -> None:
        if isinstance(node, float):
            assert math.isfinite(node)
        elif isinstance(node, dict):
            for v in node.values():
                finite(v)
        elif isinstance(node, list):
            for v in node:
                finite(v)

    finite(data)


def test_report_and_json_agree(toy_cli: tuple[str, dict, str, str]) -> None:
    _, data, html, md = toy_cli
    for label, sol in data["solutions"].items():
        if sol["agreement"]:
            for value in sol["utilities"].values():
                assert f"{value:,.2f}".replace("-", "−") in md, (label, value)
    n = data["frontier"]["n_points"]
    assert f"{n:,} Pareto-optimal packages" in html


def test_analyze_compiles_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = dealspace.space.compile_blocks

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(dealspace.space, "compile_blocks", counted)
    results = analyze(load_scenario("us-japan-2025"), Settings(process=ProcessSettings(runs=5)))
    assert results.zopa.exists
    assert len(calls) <= 2, f"compiled {len(calls)} times"


def test_terminal_json_and_report_render_one_results() -> None:
    """Rendering twice gives the same text: renderers are pure functions of Results."""
    results = analyze(load_scenario(TOY), Settings(process=None))
    assert isinstance(results, Results)
    assert render(results, "html") == render(results, "html")
    assert json.dumps(results.to_dict(), sort_keys=True) == json.dumps(
        results.to_dict(), sort_keys=True
    )
    assert results.protocols is None and "protocols" not in [s.id for s in _sections(results)]


def _sections(results: Results):  # type: ignore[no-untyped-def]
    from dealspace.report.build import layout

    return layout(results).sections


def test_notebook_display_of_results() -> None:
    results = analyze(load_scenario(TOY), Settings(process=None))
    html = results._repr_html_()
    assert "<table" in html and "Nash" in html
    assert re.search(r"Kalai", html)


def test_world_section_follows_the_scenarios_parties() -> None:
    """The bellwether section appears when a party is a partner of the 2025 world, with its name;
    a scenario without countries gets none."""
    us_japan = analyze(
        load_scenario("us-japan-2025"), Settings(process=None, linkage=False, world_runs=20)
    )
    assert us_japan.world is not None and us_japan.world.bellwether == "JPN"
    assert set(us_japan.world.by_outcome.index) == {"good", "bad", "none"}
    toy = analyze(load_scenario(TOY), Settings(process=None))
    assert toy.world is None and toy.to_dict()["world"] is None


def test_the_world_model_in_a_second_process_gives_the_same_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """jobs=2 runs the bellwether model in a spawned process beside the rest; every number
    is the same as in one process (the steps are seeded, the world is the same file)."""
    from concurrent.futures import ProcessPoolExecutor

    submitted = []
    real_submit = ProcessPoolExecutor.submit

    def submit(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        submitted.append(fn.__name__)
        return real_submit(self, fn, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit)
    scenario = load_scenario("us-japan-2025")
    cheap = Settings(process=None, linkage=False, world_runs=12, deal=None, robust_draws=0)
    one = analyze(scenario, cheap)  # the Python default: one process (scripts need no guard)
    assert submitted == []
    two = analyze(scenario, cheap, jobs=2)
    assert submitted == ["import_module", "builtin_brief"]  # warm up, then the world model
    assert one.world is not None and two.world is not None
    assert json.dumps(one.to_dict(), sort_keys=True) == json.dumps(two.to_dict(), sort_keys=True)


def test_the_terminal_shows_the_reports_tariff_and_world_sections() -> None:
    """`analyze` prints the GE welfare effects and the wider world, with the JSON's numbers
    (the terminal renders the report's own sections)."""
    cheap = ["us-japan-2025", "--runs", "5", "--no-sensitivity", "--world-runs", "20"]
    cheap += ["--deal", "none"]
    term = runner.invoke(app, ["analyze", *cheap, "--no-report"], env={"COLUMNS": "250"})
    assert term.exit_code == 0, term.output
    data = json.loads(runner.invoke(app, ["analyze", *cheap, "--json"]).stdout)
    text = term.stdout.replace("−", "-")
    assert "Tariff welfare effects" in text and "The wider world: who settles next" in text
    for row in data["tariffs"]["regions"]:
        assert f"{row['status_quo_pct']:.3f}" in text, row["region"]
        assert f"{row['change_pct']:+.3f}" in text, row["region"]
    for row in data["world"]["by_outcome"]:
        cells = [f"{100 * row[k]:.0f}%" for k in ("p_retaliate", "p_bloc", "p_settle")]
        line = next(x for x in text.splitlines() if x.startswith(f"│ {row['JPN outcome']} "))
        assert all(c in line for c in cells), (line, cells)


def test_the_signed_deal_is_scored_once_and_rendered_everywhere(tmp_path: Path) -> None:
    """The built-in July 2025 deal joins the results of its scenario by default; the report,
    the JSON and `dealspace score` show the same scorecard."""
    from dealspace.analysis.scorecard import load_deal, score

    scenario = load_scenario("us-japan-2025")
    cheap = Settings(process=None, world_runs=0, linkage=False)
    results = analyze(scenario, cheap)
    assert results.scorecard is not None and results.scorecard.deal.name == "us-japan-2025-07"
    alone = score(load_deal("us-japan-2025-07"), scenario, draws=cheap.robust_draws)
    data = results.to_dict()["scorecard"]
    assert data == json.loads(json.dumps(alone.to_dict()))
    html = render(results, "html")
    assert "The signed deal, scored" in html
    assert html_text(results.scorecard.verdict) in " ".join(html.split())
    none = analyze(scenario, dataclasses.replace(cheap, deal=None))
    assert none.scorecard is None and none.to_dict()["scorecard"] is None


def test_a_deal_of_another_scenario_is_refused(toy: Scenario) -> None:
    with pytest.raises(DealspaceError, match="us-japan-2025"):
        analyze(toy, Settings(process=None, world_runs=0, deal="us-japan-2025-07"))


def test_an_edited_copy_of_the_built_in_keeps_working_without_its_deal() -> None:
    """A user's copy of us-japan-2025 with an issue removed keeps the name: the built-in deal
    no longer fits, so it is skipped with a note instead of failing the analysis."""
    from dealspace.scenario.load import builtin_path, read_document, scenario_from_data

    data = read_document(builtin_path("us-japan-2025"))
    data["domains"] = [d for d in data["domains"] if d["id"] != "energy"]
    for party in data["parties"]:
        party["valuations"].pop("energy", None)
    edited = scenario_from_data(data, "edited.yaml")
    results = analyze(edited, Settings(process=None, world_runs=0, linkage=False))
    assert results.scorecard is None
    assert any("us-japan-2025-07" in note and "--deal" in note for note in results.notes)


def test_the_scorecard_reads_the_reports_world_run() -> None:
    """One number for 'others retaliate after a good deal': the scorecard's regional
    criterion reads the bellwether run of the world section, not a run of its own."""
    results = analyze(
        load_scenario("us-japan-2025"), Settings(process=None, linkage=False, world_runs=10)
    )
    assert results.world is not None and results.scorecard is not None
    regional = results.scorecard.criterion("regional architecture")
    mean = results.world.retaliation.loc["mean"]
    assert regional.details["world"]["mean"]["good"] == float(mean["good"])
    assert regional.details["world"]["mean"]["none"] == float(mean["none"])
    assert (
        f"{100 * float(mean['good']):.0f}%"
        in results.scorecard.criterion("regional architecture").verdict
    )


def test_charts_drawn_in_a_worker_give_the_same_report() -> None:
    """The CLI sends the report's charts to the worker as their results come (the early ones
    from the partial results); the page is the same, and no chart is drawn twice."""
    from concurrent.futures import ProcessPoolExecutor

    from dealspace.report import ChartDrawer
    from dealspace.workers import second_process

    scenario = load_scenario("us-japan-2025-trade-only")
    settings = Settings(process=ProcessSettings(runs=5, sensitivity=False), deal=None)
    with second_process(2, ("dealspace.present.charts",)) as worker:
        assert isinstance(worker, ProcessPoolExecutor)
        charts = ChartDrawer(worker)
        seen: list[Results] = []

        def early(partial: Results) -> None:
            assert partial.protocols is None and partial.tariffs is None
            seen.append(partial)
            charts.send(partial)

        results = analyze(scenario, settings, partial=early)
        sent_early = len(charts.futures)
        charts.send(results)
        assert len(seen) == 1 and 0 < sent_early < len(charts.futures)  # the rest sent later
        drawn = render(results, "html", charts.draw)
    assert drawn == render(results, "html")
    alone = ChartDrawer(None)
    alone.send(results)
    assert alone.futures == {} and render(results, "html", alone.draw) == drawn


def test_a_failing_worker_leaves_the_work_to_this_process() -> None:
    from dealspace.workers import result_or, second_process, submit

    with second_process(2) as worker:
        broken = submit(worker, math.sqrt, -1.0)  # raises in the worker
        assert broken is not None
        assert result_or(broken, lambda: 7.0) == 7.0
        assert result_or(submit(worker, math.sqrt, 4.0), lambda: 0.0) == 2.0
    assert submit(worker, math.sqrt, 4.0) is None  # shut down: nothing is sent
    with second_process(1) as none:
        assert none is None and result_or(submit(none, math.sqrt, 4.0), lambda: 3.0) == 3.0
    with pytest.raises(KeyError), second_process(2) as worker:
        pending = submit(worker, time_sleep, 30.0)
        raise KeyError("the run failed")  # the worker is stopped, not waited for
    assert pending is not None and pending.done()


def test_the_worker_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    """A parent killed outright cannot stop its worker: the worker notices and ends."""
    import os
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import os, time\n"
        "from dealspace.workers import second_process\n"
        "if __name__ == '__main__':\n"
        "    with second_process(2) as worker:\n"
        "        print(worker.submit(os.getpid).result(), flush=True)\n"
        "        time.sleep(120)\n"
    )
    src = str(Path(__file__).parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    parent.kill()
    parent.wait()

    def alive(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return False
        return "State:\tZ" not in state  # a zombie has ended

    deadline = time.monotonic() + 20
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(worker)


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_jobs_1_starts_no_process(
    command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from concurrent.futures import ProcessPoolExecutor

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process was started")

    monkeypatch.setattr(ProcessPoolExecutor, "__init__", refuse)
    if command == "analyze":
        args = ["analyze", "us-japan-2025-trade-only", "--jobs", "1", "--json", "--runs", "5"]
        args += ["--no-sensitivity", "--world-runs", "5", "--deal", "none"]
        out = runner.invoke(app, args)
        assert out.exit_code == 0, out.output
    else:  # `report` follows --jobs of nobody: it uses the worker only with 2 cores
        monkeypatch.setattr("dealspace.workers.usable_cores", lambda: 1)
        out = runner.invoke(app, ["report", str(TOY), "-o", str(tmp_path / "r.html")])
        assert out.exit_code == 0, out.output
