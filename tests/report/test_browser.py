"""The HTML report in a real browser: headless Chromium, offline, standard library only.

A probe copy of the report gets two small scripts: one first in ``<head>``
that records errors (script errors, failed resources, ``console.error``), one
on ``load`` that measures every chart and image and writes the results into
the DOM as JSON; ``chromium --dump-dom`` prints the DOM and the test reads
them back. Every host name resolves to nothing, so a report that needed the
network would fail here. Chromium's own log (stderr) is scanned for console
messages too.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dealspace import load_scenario
from dealspace.report import write_report

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not found: install Debian's 'chromium' package (CI installs it) to run the browser test",
)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: no name resolves
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=10000",
]

RECORD_ERRORS = """<script>
window.__errors = [];
window.addEventListener("error", function (e) {
  var t = e.target;
  window.__errors.push(e.message || ("failed to load " + (t && (t.src || t.href || t.tagName))));
}, true);
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})();
</script>"""

MEASURE = """<script>
window.addEventListener("load", function () {
  var out = {charts: [], images: [], errors: window.__errors,
             resources: performance.getEntriesByType("resource").map(function (r) { return r.name; })};
  document.querySelectorAll("svg").forEach(function (s) {
    var r = s.getBoundingClientRect(), b = s.getBBox(), st = getComputedStyle(s);
    var f = s.closest("figure");
    out.charts.push({id: f ? f.id : "", width: r.width, height: r.height, bbox: [b.width, b.height],
                     display: st.display, visibility: st.visibility, shapes: s.querySelectorAll("path,use").length});
  });
  document.querySelectorAll("img").forEach(function (i) {
    out.images.push({src: i.src.slice(0, 60), width: i.naturalWidth, height: i.naturalHeight});
  });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def chromium(*args: str, profile: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with a throw-away profile."""
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def probe(page: Path, tmp: Path) -> tuple[dict, str]:
    """The measurements of the probed copy of ``page`` and Chromium's log."""
    text = page.read_text(encoding="utf-8")
    probed = text.replace("<head>", "<head>\n" + RECORD_ERRORS, 1).replace(
        "</body>", MEASURE + "\n</body>", 1
    )
    copy = tmp / "probe.html"
    copy.write_text(probed, encoding="utf-8")
    run = chromium("--dump-dom", copy.as_uri(), profile=tmp / "profile")
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, f"no probe output; chromium said:\n{run.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1))), run.stderr


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    from dealspace.pipeline import analyze

    return write_report(analyze(load_scenario("us-japan-2025")), folder / "report.html")


def test_every_chart_is_visible_and_nothing_fails(report: Path, tmp_path: Path) -> None:
    result, log = probe(report, tmp_path)
    charts = result["charts"]
    assert [c["id"] for c in charts] == [
        "chart-frontier",
        "chart-linkage",
        "chart-domains",
        "chart-redlines",
        "chart-protocols",
        "chart-tariffs",
    ]
    for c in charts:
        assert c["width"] > 300 and c["height"] > 100, c
        assert c["bbox"][0] > 0 and c["bbox"][1] > 0, c
        assert c["display"] != "none" and c["visibility"] == "visible", c
        assert c["shapes"] > 10, c  # drawn marks, not an empty frame
    for img in result["images"]:
        assert img["width"] > 0 and img["height"] > 0, img
    assert result["errors"] == []
    assert result["resources"] == []  # nothing fetched: the file is self-contained
    console = [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []


def test_screenshot_is_not_blank(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    run = chromium(
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        report.as_uri(),
        profile=tmp_path / "profile",
    )
    assert shot.exists(), run.stderr[-2000:]
    from PIL import Image  # a matplotlib dependency

    with Image.open(shot) as im:
        assert im.size == (1280, 2000)
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
    assert (
        colours is not None and len(colours) > 50
    )  # text, tables and a verdict box, not a blank page


WIDTHS = """<script>
window.addEventListener("load", function () {
  var out = {page: document.documentElement.scrollWidth, view: window.innerWidth, wide: []};
  document.querySelectorAll("table, figure, p, ul").forEach(function (t) {
    var r = t.getBoundingClientRect();
    if (r.right > window.innerWidth + 1 || t.scrollWidth > t.clientWidth + 1) {
      out.wide.push((t.closest("section") || {}).id + ":" + t.tagName + ":" + Math.round(r.right));
    }
  });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def test_prints_on_a4_without_cutting_anything(report: Path, tmp_path: Path) -> None:
    """The print stylesheet lays every table, chart and paragraph out within an A4
    page (210 mm less 2 × 12 mm margins ≈ 703 CSS px), and Chromium prints A4 pages."""
    text = report.read_text(encoding="utf-8")
    assert "@page{size:A4" in text
    printed = text.replace("@media print{", "@media all{", 1).replace(
        "</body>", WIDTHS + "\n</body>", 1
    )
    copy = tmp_path / "print.html"
    copy.write_text(printed, encoding="utf-8")
    run = chromium(
        "--dump-dom", "--window-size=703,1000", copy.as_uri(), profile=tmp_path / "profile"
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, run.stderr[-2000:]
    layout = json.loads(html.unescape(found.group(1)))
    assert layout["wide"] == [], layout
    assert layout["page"] <= layout["view"], layout
    pdf = tmp_path / "report.pdf"
    chromium(
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        report.as_uri(),
        profile=tmp_path / "profile2",
    )
    assert pdf.exists() and pdf.stat().st_size > 10_000
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes, "no page in the PDF"
    for w, h in boxes:  # A4 is 595 × 842 points
        assert abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2, (w, h)
