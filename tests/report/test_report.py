"""The report: collected results, the document, HTML and Markdown, files, CLI, notebook repr."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dealspace import DealspaceError, load_scenario
from dealspace.analysis import pareto_frontier
from dealspace.cli import app
from dealspace.pipeline import Results as ReportData
from dealspace.pipeline import Settings, analyze
from dealspace.present.charts import bars_svg, to_svg
from dealspace.present.document import Chart, num, signed
from dealspace.present.html import linkify
from dealspace.present.notebook import frame_html
from dealspace.report import free_path, render, write_report
from dealspace.report.build import layout
from dealspace.scenario.sources import collect_sources


def build_report(scenario, progress=None):  # type: ignore[no-untyped-def]
    return analyze(scenario, progress=progress)


def render_html(results: ReportData) -> str:
    return render(results, "html")


def render_markdown(results: ReportData) -> str:
    return render(results, "md")


TOY = Path(__file__).parents[1] / "data" / "toy.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def toy() -> ReportData:
    return build_report(load_scenario(TOY))


@pytest.fixture(scope="module")
def us_japan() -> ReportData:
    return build_report(load_scenario("us-japan-2025"))


@pytest.fixture(scope="module")
def us_japan_html(us_japan: ReportData) -> str:
    return render_html(us_japan)


# ------------------------------------------------------------------ results


def test_build_collects_every_analysis(toy: ReportData) -> None:
    assert list(toy.solutions)[0] == "Nash"
    assert toy.recommended.package == {"tariff": 0.0, "rice": "quota", "defence": "more"}
    assert toy.zopa.exists
    assert len(toy.frontier) == len(pareto_frontier(toy.space))
    assert toy.linkage.domains == ("trade", "security")
    assert toy.domain_worth.domains == ("trade", "security")
    assert toy.domain_values is None  # Shapley values only with Settings(shapley=True)
    assert {p.key for p in toy.redlines.prices} == {"a:no_open_rice", "a:tariff_cut"}
    assert toy.logrolls is not None and toy.logrolls.moves
    assert [m.party for m in toy.offers] == ["a", "b"]
    assert toy.protocols is not None
    assert set(toy.protocols.table["protocol"]) == set(Settings().process.protocols)
    assert toy.tariffs is None  # the toy has no tariff issues: no GE section


def test_nash_terms_add_up_to_the_gains(toy: ReportData) -> None:
    total = [sum(v[p] for v in toy.nash_terms.values()) for p in range(2)]
    sq = toy.space.status_quo_utility
    gains = [toy.recommended.utilities[p] - sq[k] for k, p in enumerate(toy.space.parties)]
    assert total == pytest.approx(gains)


def test_progress_reports_each_step() -> None:
    steps: list[str] = []
    build_report(load_scenario(TOY), progress=steps.append)
    assert steps[0] == "deal space"
    assert "Pareto frontier" in steps and "protocol comparison (Monte Carlo)" in steps


def test_sources_name_every_field_that_cites_them(us_japan: ReportData) -> None:
    sources = collect_sources(us_japan.scenario)
    paths = {p for ref in sources for p in ref.used_by}
    assert "scenario" in paths
    assert "parties.us.valuations.auto_tariff" in paths
    assert "domains.trade.issues.rice.options.plus75" in paths
    assert len({ref.text for ref in sources}) == len(sources)
    assert collect_sources(load_scenario(TOY)) == ()


def test_numbers_use_a_true_minus_and_no_negative_zero() -> None:
    assert num(-1.5) == "−1.50"
    assert num(-0.0001) == "0.00"
    assert num(1234.5) == "1,234.50"
    assert num(None) == "—"
    assert signed(2) == "+2.00" and signed(-2) == "−2.00" and signed(0) == "0.00"


# ------------------------------------------------------------------ document and HTML


def test_document_has_the_sections_in_order(us_japan: ReportData) -> None:
    doc = layout(us_japan)
    assert [s.id for s in doc.sections] == [
        "portfolio",
        "zopa",
        "frontier",
        "recommended",
        "deal",
        "linkage",
        "domains",
        "robustness",
        "redlines",
        "offers",
        "protocols",
        "tariffs",
        "world",
        "sources",
    ]
    assert doc.verdict.ok
    assert "Nash" in doc.verdict.detail


def test_html_is_self_contained(us_japan_html: str) -> None:
    html = us_japan_html
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert "<link" not in html.lower() and "@import" not in html
    assert not re.search(r"""\ssrc=["']?(https?:)?//""", html)
    assert "url(http" not in html
    # every reference is an in-page anchor or a link the reader may follow, never an asset
    for ref in re.findall(r'href="([^"]+)"', html):
        assert ref.startswith("#") or re.search(rf'<a href="{re.escape(ref)}"', html), ref


def test_every_chart_is_inline_and_ids_are_unique(us_japan: ReportData, us_japan_html: str) -> None:
    charts = [b for s in layout(us_japan).sections for b in s.blocks if isinstance(b, Chart)]
    assert [c.key for c in charts] == [
        "frontier",
        "linkage",
        "domains",
        "redlines",
        "protocols",
        "tariffs",
    ]
    assert us_japan_html.count("<svg") == len(charts)
    ids = re.findall(r'\sid="([^"]+)"', us_japan_html)
    assert len(ids) == len(set(ids))
    for target in set(re.findall(r'href="#([^"]+)"', us_japan_html)):
        assert target in ids, target


def test_text_is_escaped(tmp_path: Path) -> None:
    text = TOY.read_text().replace(
        "title: Toy two-domain negotiation", 'title: "<script>alert(1)</script> & co"'
    )
    path = tmp_path / "evil.yaml"
    path.write_text(text)
    html = render_html(build_report(load_scenario(path)))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_links_are_made_from_urls_only() -> None:
    out = linkify('see https://example.org/a?b=1&c=2; and "<b>"')
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">' in out
    assert "&lt;b&gt;" in out
    # a comma inside a URL stays in it; the sentence's punctuation around it does not
    wiki = linkify("(see https://en.wikipedia.org/wiki/A,_Inc._v._B), then https://x.org/a_(b).")
    assert 'href="https://en.wikipedia.org/wiki/A,_Inc._v._B"' in wiki
    assert 'href="https://x.org/a_(b)"' in wiki and "</a>)," in wiki


def test_urls_in_table_cells_are_links_that_wrap() -> None:
    from dealspace.present.document import Table
    from dealspace.present.html import CSS, table_html

    long = "https://example.org/" + "very-long-path-segment/" * 8
    out = table_html(
        Table(("source", "value"), (("FR Doc " + long, "1.5"),), numeric=(False, True))
    )
    assert f'<a href="{long}"' in out  # the text cell links the URL
    assert (
        "td a{overflow-wrap:anywhere}" in CSS
    )  # so a long URL wraps instead of widening the table


def test_svg_ids_are_prefixed_per_chart() -> None:
    svg = bars_svg(["a", "b"], {"x": [1.0, -2.0]}, xlabel="x", key="k1", title='a "title"')
    assert svg.startswith("<svg") and 'width="100%"' in svg and "<?xml" not in svg
    assert 'aria-label="a &quot;title&quot;"' in svg
    ids = re.findall(r'\sid="([^"]+)"', svg)
    assert ids and all(i.startswith("k1-") for i in ids)
    with pytest.raises(ValueError):
        to_svg(None, "1bad")  # type: ignore[arg-type]


# ------------------------------------------------------------------ Markdown


def test_markdown_has_the_verdict_and_tables(toy: ReportData) -> None:
    md = render_markdown(toy)
    assert md.startswith("# Toy two-domain negotiation")
    assert "> **A deal every side prefers to walking away exists.**" in md
    assert "## Value of linkage: silos vs one portfolio" in md
    assert "|---|---:|" in md
    assert "*Chart: Pareto frontier" in md
    assert "<svg" not in md


# ------------------------------------------------------------------ files


def test_write_report_never_overwrites(tmp_path: Path, toy: ReportData) -> None:
    scenario = toy
    out = tmp_path / "r.html"
    out.write_text("mine")
    with pytest.raises(DealspaceError, match="--overwrite"):
        write_report(scenario, out)
    assert out.read_text() == "mine"
    assert write_report(scenario, out, overwrite=True) == out
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_write_report_checks_format_and_folder(tmp_path: Path, toy: ReportData) -> None:
    scenario = toy
    with pytest.raises(DealspaceError, match="unknown format 'pdf'"):
        write_report(scenario, tmp_path / "r.pdf", "pdf")
    with pytest.raises(DealspaceError, match="does not exist"):
        write_report(scenario, tmp_path / "missing" / "r.html")
    with pytest.raises(DealspaceError, match="unknown format"):
        render(toy, "docx")


def test_write_report_markdown(tmp_path: Path, toy: ReportData) -> None:
    out = write_report(toy, tmp_path / "r.md", "md")
    assert out.read_text(encoding="utf-8").startswith("# Toy")


def test_report_never_writes_over_its_input(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(TOY.read_text())
    result = runner.invoke(app, ["report", str(mine), "-o", str(mine), "--overwrite"])
    assert result.exit_code == 2 and "input" in result.stderr
    assert mine.read_text() == TOY.read_text()


def test_markdown_escapes_html_from_labels(tmp_path: Path) -> None:
    text = TOY.read_text().replace("name: Alpha", 'name: "<script>x</script>"')
    path = tmp_path / "evil.yaml"
    path.write_text(text)
    md = render_markdown(analyze(load_scenario(path), Settings(process=None)))
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_free_path_counts_up(tmp_path: Path) -> None:
    target = tmp_path / "dealspace-report.html"
    assert free_path(target) == target
    target.write_text("x")
    assert free_path(target) == tmp_path / "dealspace-report-2.html"
    (tmp_path / "dealspace-report-2.html").write_text("x")
    assert free_path(target) == tmp_path / "dealspace-report-3.html"


# ------------------------------------------------------------------ CLI


def test_cli_report_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "toy.html"
    result = runner.invoke(app, ["report", str(TOY), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and out.exists()
    again = runner.invoke(app, ["report", str(TOY), "-o", str(out)])
    assert again.exit_code == 2
    assert "exists" in again.stderr and "--overwrite" in again.stderr
    assert runner.invoke(app, ["report", str(TOY), "-o", str(out), "--overwrite"]).exit_code == 0


def test_cli_report_format_from_suffix_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "toy.md"
    assert runner.invoke(app, ["report", str(TOY), "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# Toy")
    bad = runner.invoke(
        app, ["report", str(TOY), "-o", str(tmp_path / "x.html"), "--format", "pdf"]
    )
    assert bad.exit_code == 2 and "unknown format 'pdf'" in bad.stderr
    missing = runner.invoke(app, ["report", "no-such-scenario"])
    assert missing.exit_code == 2 and "built-in scenario" in missing.stderr


# ------------------------------------------------------------------ notebook display


def test_frame_html_shows_a_chart_and_a_table(toy: ReportData) -> None:
    html = frame_html(toy.frontier)
    assert html.count("<svg") == 1 and "<table" in html and "Frontier" in html
    html = frame_html(toy.domain_worth)
    assert "<svg" in html and "domains" in html
    assert "<table" in frame_html(toy.zopa)  # to_dict only: a field/value table


def test_frame_html_truncates_long_tables(us_japan: ReportData) -> None:
    html = frame_html(us_japan.frontier)
    assert html.count("<tr") == 26  # header + 25 rows
    assert "more rows" in html


def test_frame_html_never_fails_on_other_objects() -> None:
    assert "<pre>" in frame_html(object())


def test_report_output_must_be_a_file_path(tmp_path: Path) -> None:
    folder = runner.invoke(app, ["report", str(TOY), "-o", str(tmp_path)])
    assert (
        folder.exit_code == 2
        and "is a folder" in folder.stderr
        and "Traceback" not in folder.output
    )
    empty = runner.invoke(app, ["report", str(TOY), "-o", ""])
    assert empty.exit_code == 2 and "Traceback" not in empty.output


def test_bargaining_caption_notes_the_cross_party_solutions(toy: ReportData) -> None:
    md = render_markdown(toy)
    assert "Egalitarian and utilitarian solutions compare points across parties" in md
