"""Render a :class:`~dealspace.present.document.Document` as ONE self-contained HTML file.

Inline CSS, charts as inline SVG, no scripts, no fonts or images from the
network: the file opens offline in any browser and prints cleanly.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from dealspace.present.document import (
    Block,
    Bullets,
    Chart,
    Document,
    Section,
    Table,
    Text,
    Verdict,
)
from dealspace.version import __version__

CSS = """
:root{--ink:#1d2733;--muted:#5d6b7a;--line:#dde3ea;--soft:#f5f7fa;--blue:#1f5f9e;--red:#c8452c;
--green:#2e8b57;--good-bg:#eef7f1;--bad-bg:#fbefec}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--ink);background:#fff;font:16px/1.55 system-ui,-apple-system,"Segoe UI",
Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif;font-kerning:normal}
main{max-width:1000px;margin:0 auto;padding:40px 28px 64px}
header.top{border-bottom:1px solid var(--line);padding-bottom:18px;margin-bottom:24px}
.kicker{text-transform:uppercase;letter-spacing:.08em;font-size:12px;color:var(--muted);margin:0 0 6px}
h1{font-size:30px;line-height:1.2;margin:0 0 6px;letter-spacing:-.01em}
.subtitle{color:var(--muted);margin:0 0 12px;font-size:14px}
.description{margin:0;max-width:72ch;color:#333f4c}
.verdict{border:1px solid var(--line);border-left:6px solid var(--green);background:var(--good-bg);
border-radius:10px;padding:18px 22px;margin:0 0 28px}
.verdict.bad{border-left-color:var(--red);background:var(--bad-bg)}
.verdict h2{margin:0 0 6px;font-size:21px;border:0;padding:0}
.verdict p{margin:0 0 14px;max-width:80ch}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:10px;margin:0}
.figure{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.figure .value{display:block;font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.figure .label{display:block;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
nav.toc{font-size:14px;margin:0 0 8px;padding:12px 16px;background:var(--soft);border-radius:8px}
nav.toc ol{margin:0;padding-left:20px;columns:2;column-gap:32px}
nav.toc a{color:var(--blue);text-decoration:none}
nav.toc a:hover{text-decoration:underline}
section{margin:40px 0 0}
h2{font-size:22px;margin:0 0 4px;padding-top:8px;border-top:2px solid var(--ink)}
.lead{color:var(--muted);margin:0 0 16px}
h3{font-size:15px;margin:22px 0 8px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
p{margin:0 0 12px}
p.note{font-size:13px;color:var(--muted)}
figure{margin:8px 0 22px;padding:0}
figure svg.chart{display:block;width:100%;height:auto;max-width:920px;margin:0 auto}
figcaption{font-size:13px;color:var(--muted);text-align:center;margin-top:4px}
.scroll{overflow-x:auto;margin:0 0 20px;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:14px;font-variant-numeric:tabular-nums}
caption{caption-side:bottom;text-align:left;font-size:12.5px;color:var(--muted);padding:8px 12px}
th,td{padding:7px 12px;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
th{background:var(--soft);font-weight:600;font-size:12.5px;text-transform:uppercase;letter-spacing:.03em;
color:#3b4756;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
tbody tr:nth-child(even) td{background:#fbfcfd}
tbody tr:last-child td{border-bottom:0}
tr.em td{font-weight:650;background:#eef3f9!important}
ul.bullets{margin:0 0 16px;padding-left:22px}
ul.bullets li{margin:0 0 6px}
ul.sources{font-size:13.5px;color:#333f4c}
ul.sources li{overflow-wrap:anywhere}
.where{color:var(--muted);font-size:12px}
a{color:var(--blue)}
td a{overflow-wrap:anywhere}
footer{margin-top:56px;padding-top:14px;border-top:1px solid var(--line);font-size:12.5px;color:var(--muted)}
@media (max-width:640px){main{padding:24px 14px}nav.toc ol{columns:1}h1{font-size:24px}}
@page{size:A4;margin:14mm 12mm}
@media print{body{font-size:11px}main{max-width:none;padding:0}figure,.verdict,tr{break-inside:avoid}
h2,h3{break-after:avoid}nav.toc{display:none}.scroll{overflow:visible;border:0}
table{font-size:9.5px;table-layout:auto}th,td{padding:4px 6px}th,td.num,th.num{white-space:normal}
td{overflow-wrap:anywhere}figure svg.chart{max-width:100%}}
"""

#: Gives a chart's SVG (drawn here, or fetched from a worker that drew it).
Draw = Callable[[Chart], str]

_URL = re.compile(r"https?://[^\s<>\"]+")


def esc(text: str) -> str:
    """HTML-escape text."""
    return html.escape(text, quote=True)


def linkify(text: str) -> str:
    """Escape ``text`` and turn the URLs inside it into links."""
    out, last = [], 0
    for m in _URL.finditer(text):
        url = _trim(m.group(0))
        out.append(esc(text[last : m.start()]))
        out.append(f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(url)}</a>')
        last = m.start() + len(url)
    out.append(esc(text[last:]))
    return "".join(out)


def _trim(url: str) -> str:
    """A URL without the punctuation of the sentence around it (commas inside it stay)."""
    while url and (url[-1] in ".,;:" or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def table_html(t: Table) -> str:
    """One table inside a horizontally scrolling frame; URLs in text cells become links that may wrap."""
    numeric = t.numeric or tuple(False for _ in t.columns)
    head = "".join(
        f'<th scope="col"{_cls(n)}>{esc(c)}</th>' for c, n in zip(t.columns, numeric, strict=True)
    )
    body = []
    for k, row in enumerate(t.rows):
        cells = "".join(
            f"<td{_cls(n)}>{esc(c) if n else linkify(c)}</td>"
            for c, n in zip(row, numeric, strict=True)
        )
        body.append(f'<tr class="em">{cells}</tr>' if k in t.emphasis else f"<tr>{cells}</tr>")
    caption = f"<caption>{esc(t.caption)}</caption>" if t.caption else ""
    return (
        f'<div class="scroll"><table>{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _cls(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def draw_chart(c: Chart) -> str:
    """The chart's SVG, drawn in this process (:func:`dealspace.present.charts.render`)."""
    from dealspace.present.charts import render

    return render(c.kind, c.key, c.title, c.data)


def chart_html(c: Chart, draw: Draw = draw_chart) -> str:
    """A chart as an inline SVG in a figure (``draw`` gives its SVG: drawn here by default)."""
    svg = draw(c)
    return f'<figure id="chart-{esc(c.key)}">{svg}<figcaption>{esc(c.title)}</figcaption></figure>'


def block_html(block: Block, sources: bool = False, draw: Draw = draw_chart) -> str:
    """Render one block."""
    if isinstance(block, Table):
        return table_html(block)
    if isinstance(block, Chart):
        return chart_html(block, draw)
    if isinstance(block, Bullets):
        cls = "bullets sources" if sources else "bullets"
        items = "".join(f"<li>{_item(item)}</li>" for item in block.items)
        return f'<ul class="{cls}">{items}</ul>'
    if isinstance(block, Text):
        if block.kind == "note":
            return f'<p class="note">{linkify(block.text)}</p>'
        if sources:
            return f"<h3>{esc(block.text)}</h3>"
        return f"<p>{linkify(block.text)}</p>"
    raise TypeError(f"unknown block {type(block).__name__}")


def _item(text: str) -> str:
    main, sep, where = text.partition(" — cited by ")
    if not sep:
        return linkify(text)
    return f'{linkify(main)} <span class="where">— cited by {esc(where)}</span>'


def section_html(s: Section, draw: Draw = draw_chart) -> str:
    """Render one section."""
    lead = f'<p class="lead">{esc(s.lead)}</p>' if s.lead else ""
    body = "\n".join(block_html(b, sources=s.id == "sources", draw=draw) for b in s.blocks)
    return f'<section id="{esc(s.id)}"><h2>{esc(s.title)}</h2>{lead}\n{body}</section>'


def verdict_html(v: Verdict) -> str:
    """The verdict box."""
    figures = "".join(
        f'<div class="figure"><span class="value">{esc(value)}</span><span class="label">{esc(label)}</span></div>'
        for label, value in v.figures
    )
    tone = "verdict" if v.ok else "verdict bad"
    return (
        f'<aside class="{tone}" aria-label="verdict"><h2>{esc(v.headline)}</h2>'
        f'<p>{esc(v.detail)}</p><div class="figures">{figures}</div></aside>'
    )


def document_html(doc: Document, draw: Draw = draw_chart) -> str:
    """A whole :class:`Document` as an HTML page (``draw`` gives each chart's SVG)."""
    toc = "".join(f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a></li>' for s in doc.sections)
    sections = "\n".join(section_html(s, draw) for s in doc.sections)
    description = f'<p class="description">{esc(doc.description)}</p>' if doc.description else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="dealspace {esc(__version__)}">
<title>{esc(doc.title)} — dealspace report</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header class="top">
<p class="kicker">dealspace negotiation report</p>
<h1>{esc(doc.title)}</h1>
<p class="subtitle">{esc(doc.subtitle)}</p>
{description}
</header>
{verdict_html(doc.verdict)}
<nav class="toc" aria-label="contents"><ol>{toc}</ol></nav>
{sections}
<footer>Generated by dealspace {esc(__version__)} from scenario <code>{esc(doc.meta.get("scenario", ""))}</code>.
Utilities are in each party's own points; a gain is utility minus BATNA. Every number in this report is
computed from the scenario file and the embedded data; the scenario's valuations are stated judgements
with their sources listed above.</footer>
</main>
</body>
</html>
"""
