"""Scenario commands: scenarios, validate, show, schema, convert."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dealspace.cli._app import app, console, friendly, print_error, print_json
from dealspace.errors import DealspaceError, shorten
from dealspace.files import check_output, write_text
from dealspace.scenario import Scenario, list_scenarios, load_scenario
from dealspace.scenario.conditions import describe
from dealspace.scenario.load import load_builtin

Source = Annotated[
    str,
    typer.Argument(
        help="A built-in scenario name (see `dealspace scenarios`), a YAML/JSON file, "
        "a folder with a Genius domain and its profiles, or a Genius domain .xml file."
    ),
]


@app.command()
@friendly
def scenarios(
    json_out: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a table.")
    ] = False,
) -> None:
    """List the built-in scenarios."""
    rows = []
    for name in list_scenarios():
        s = load_builtin(name)
        rows.append(
            {
                "name": name,
                "title": s.title or "",
                "parties": len(s.parties),
                "domains": len(s.domains),
                "issues": len(s.issues),
            }
        )
    if json_out:
        print_json(rows)
        return
    table = Table(title="Built-in scenarios")
    for col in ("name", "title", "parties", "domains", "issues"):
        table.add_column(
            col, justify="right" if col in {"parties", "domains", "issues"} else "left"
        )
    for row in rows:
        table.add_row(
            *(escape(str(row[c])) for c in ("name", "title", "parties", "domains", "issues"))
        )
    console.print(table)


@app.command()
def validate(
    files: Annotated[
        list[str], typer.Argument(help="Scenario files, Genius folders or built-in names.")
    ],
) -> None:
    """Check scenario files; print every problem with its field path and fix.

    Runs every check an analysis runs (the economy data and codes, size limits,
    the compile), so a file that validates is one every command accepts.
    Exit code 0 when all are valid, 2 otherwise.
    """
    from dealspace.space import check

    bad = 0
    for name in files:
        try:
            s = load_scenario(name)
            warnings = check(s).warnings
        except DealspaceError as err:
            bad += 1
            print_error(err)
            continue
        console.print(
            f"[green]ok[/] {escape(name)}: {len(s.parties)} parties, {len(s.domains)} domains, "
            f"{len(s.issues)} issues",
            highlight=False,
        )
        for warning in warnings:
            console.print(f"  [yellow]warning:[/] {escape(warning)}", highlight=False)
        for sentence in (s.notes or "").split(". "):
            if "discretised" in sentence:  # a Genius real issue: say the error bound
                console.print(f"  {escape(sentence.rstrip('.'))}.", highlight=False)
    if bad:
        raise typer.Exit(code=2)


Profiles = Annotated[
    list[str] | None,
    typer.Option(
        "--profile",
        "-p",
        help="With a Genius domain .xml file: a profile file (repeat per party). "
        "Without it, the profiles next to the domain that refer to it are used.",
    ),
]


@app.command()
@friendly
def show(
    source: Source = "us-japan-2025",
    profile: Profiles = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the validated scenario as JSON.")
    ] = False,
) -> None:
    """Show a scenario's parties, domains, issues and constraints as tables."""
    s = load_scenario(source, profile)
    if json_out:
        print_json(s.model_dump(mode="json", by_alias=True, exclude_none=True))
        return
    print_scenario(s)


def print_scenario(s: Scenario) -> None:
    """Rich tables: parties, issues by domain, constraints and bonuses."""
    console.rule(f"[bold]{escape(s.title or s.name)}")
    if s.description:
        console.print(s.description.strip(), highlight=False, markup=False)
    parties = Table(title="Parties")
    for col in ("id", "name", "BATNA", "must-haves", "red lines", "nice-to-haves", "interactions"):
        parties.add_column(col)
    for p in s.parties:
        parties.add_row(
            escape(p.id),
            escape(p.name or ""),
            "status quo" if p.batna == "status_quo" else f"{p.batna:g}",
            str(len(p.must_haves)),
            str(len(p.red_lines)),
            str(len(p.nice_to_haves)),
            str(len(p.interactions)),
        )
    console.print(parties)
    issues = Table(title="Issues")
    issues.add_column("domain")
    issues.add_column("issue")
    issues.add_column("options")
    issues.add_column("status quo")
    for p in s.parties:
        issues.add_column(escape(f"w:{p.id}"), justify="right")
    for domain in s.domains:
        for issue in domain.issues:
            if issue.range is not None:
                r = issue.range
                opts = (
                    f"{r.min:g}–{r.max:g} step {r.step:g}{' ' + issue.unit if issue.unit else ''}"
                )
            else:
                opts = ", ".join(str(o) for o in issue.option_ids)
            weights = []
            for p in s.parties:
                v = p.valuations.get(issue.id)
                weights.append(
                    "" if v is None else f"{v.weight:g}" + (" (GE)" if v.value == "economy" else "")
                )
            issues.add_row(
                escape(domain.name or domain.id),
                escape(issue.name or issue.id),
                escape(opts),
                escape(issue.label(issue.option_ids[issue.status_quo_index])),
                *weights,
            )
    console.print(issues)
    rules = Table(title="Constraints and bonuses")
    for col in ("party", "kind", "id", "condition", "bonus"):
        rules.add_column(col)
    for p in s.parties:
        for kind, items in (("must-have", p.must_haves), ("red line", p.red_lines)):
            for k, c in enumerate(items):
                rules.add_row(
                    escape(p.id),
                    kind,
                    escape(c.id or f"#{k}"),
                    escape(c.label or describe(c.condition)),
                    "",
                )
        for kind, bonuses in (("nice-to-have", p.nice_to_haves), ("interaction", p.interactions)):
            for k, b in enumerate(bonuses):
                rules.add_row(
                    escape(p.id),
                    kind,
                    escape(b.id or f"#{k}"),
                    escape(b.label or describe(b.condition)),
                    f"{b.bonus:+g}",
                )
    if rules.row_count:
        console.print(rules)


@app.command()
@friendly
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing --output file.")
    ] = False,
) -> None:
    """Print the scenario JSON Schema (for editors: validation and completion)."""
    text = json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    write_text(output, text, "--output", overwrite=overwrite)
    console.print(f"wrote {escape(str(output))}", highlight=False)


def scenario_schema() -> dict[str, object]:
    """The JSON Schema of the scenario format (by alias: 'in', 'not', 'if')."""
    out = Scenario.model_json_schema(by_alias=True, mode="validation")
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "dealspace scenario"
    return out


@app.command()
@friendly
def convert(
    source: Annotated[
        str, typer.Argument(help="Input: YAML/JSON file, Genius folder or built-in name.")
    ],
    output: Annotated[
        Path,
        typer.Argument(
            help="Output: .yaml/.yml/.json file, or a folder (Genius XML: domain + profiles)."
        ),
    ],
    profile: Profiles = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing output.")] = False,
) -> None:
    """Convert a scenario between YAML, JSON and Genius XML (by extension or folder)."""
    inputs = [source, *(profile or [])]
    if output.suffix.lower() in {".yaml", ".yml", ".json"}:
        check_output(output, "OUTPUT", overwrite=overwrite, inputs=inputs)
        s = load_scenario(source, profile)
        data = s.model_dump(mode="json", by_alias=True, exclude_none=True)
        if output.suffix.lower() == ".json":
            text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        else:
            import yaml

            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        write_text(output, text, "OUTPUT", overwrite=overwrite, inputs=inputs)
        console.print(f"wrote {escape(str(output))}", highlight=False)
        return
    if output.suffix:
        raise DealspaceError.single(
            "OUTPUT",
            f"unknown output format '{shorten(output.suffix)}'",
            "use .yaml, .yml, .json, or a folder name (no suffix) for Genius XML",
        )
    check_output(output, "OUTPUT", overwrite=overwrite, inputs=inputs, folder=True)
    s = load_scenario(source, profile)
    from dealspace.interop.genius import write_genius_scenario

    try:
        written = write_genius_scenario(s, output, overwrite=overwrite)
    except OSError as err:
        raise DealspaceError.single(
            "OUTPUT",
            f"cannot write to '{shorten(str(output))}' ({err.strerror or err})",
            "choose a folder you can write to",
        ) from None
    console.print(f"wrote {len(written)} Genius files to {escape(str(output))}/", highlight=False)
