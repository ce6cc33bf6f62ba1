"""Load a Genius folder (one domain file, one profile per party) as a Scenario.

:func:`load_genius` keeps Genius's utilities exactly: it stores the weights
normalised to sum to one and the evaluations as per-option values, which
dealspace divides by their maximum (see :mod:`dealspace.scenario.model`). The
reservation value is on the same 0–1 scale and becomes the party's BATNA.
Genius has no status quo: dealspace uses each issue's first item (an arbitrary
convention, noted in the scenario's ``notes``). A discount factor, which
dealspace does not model, is kept in the party's ``notes`` as
``discount_factor=<value>``.

Files are parsed by :func:`~dealspace.scenario.genius.safe_xml.read_xml` (the
hostile-XML defence) and checked by :mod:`dealspace.scenario.genius.parse`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dealspace.errors import DealspaceError
from dealspace.scenario.genius.parse import (
    DomainIssue,
    Profile,
    file_kind,
    parse_domain,
    parse_profile,
)
from dealspace.scenario.genius.safe_xml import read_xml
from dealspace.scenario.genius.text import discount_note, safe_id, unique_ids
from dealspace.scenario.load import scenario_from_data
from dealspace.scenario.model import Scenario

#: Id of the one domain that holds every issue of a loaded Genius scenario.
DOMAIN_ID = "genius"

#: Where the conventions of a loaded scenario are recorded (its ``notes``).
IMPORT_NOTE = (
    "Imported from Genius XML. Genius has no status quo: dealspace uses each issue's "
    "first item (in domain-file order) as the status quo, an arbitrary convention; each "
    "party's BATNA is its profile's reservation value (0 when the profile gives none). "
    "Weights are normalised to sum to 1, so utilities are Genius's. A discount factor, "
    "if any, is kept in the party's notes as 'discount_factor=<value>'."
)


def load_genius(folder: Path) -> Scenario:
    """Load a Genius domain folder as a Scenario.

    Parameters
    ----------
    folder
        A folder holding one domain XML file and one profile XML file per
        party (at least two). Other ``.xml`` files that are neither are
        ignored; sub-folders are not read.

    Returns
    -------
    Scenario
        One domain ``genius`` with every issue; one party per profile, named
        after the profile file; weights normalised to sum to 1, so that every
        outcome's utility equals Genius's; BATNA = reservation value (0 when
        absent); status quo = each issue's first item (arbitrary).

    Raises
    ------
    DealspaceError
        Naming the file, the element path (e.g.
        ``objective/issue[index=2]/item[index=3]@evaluation``), what is wrong
        and how to fix it: no domain or fewer than two profiles, malformed or
        hostile XML (DTDs and entities are refused, never expanded), a profile
        naming an issue or item not in the domain, evaluations or weights that
        are not finite numbers ≥ 0, weights that are all zero.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DealspaceError.single(
            "", "not a folder", "give the folder holding the Genius XML files", str(folder)
        )
    files = list(_iter_xml(folder))
    if not files:
        raise DealspaceError.single(
            "",
            "the folder holds no .xml file",
            "put the Genius domain file and one profile file per party in the folder",
            str(folder),
        )
    roots = [(path, read_xml(path)) for path in files]
    domains = [(p, r) for p, r in roots if file_kind(r) == "domain"]
    profiles = [(p, r) for p, r in roots if file_kind(r) == "profile"]
    if not domains:
        raise DealspaceError.single(
            "",
            f"no Genius domain file among {_names(files)} (a domain file has root "
            "<negotiation_template>, or a <utility_space> whose items have no 'evaluation')",
            "add the domain XML next to the profiles",
            str(folder),
        )
    if len(domains) > 1:
        raise DealspaceError.single(
            "",
            f"several domain files: {_names(p for p, _ in domains)}",
            "keep one domain file per folder (one negotiation per folder)",
            str(folder),
        )
    if len(profiles) < 2:
        found = f"only {_names(p for p, _ in profiles)}" if profiles else "none"
        raise DealspaceError.single(
            "",
            f"a negotiation needs at least two profiles (files whose items have 'evaluation'): found {found}",
            "add one profile XML per party to the folder",
            str(folder),
        )
    domain_path, domain_root = domains[0]
    issues = parse_domain(domain_path, domain_root)
    parsed = [parse_profile(path, root, issues) for path, root in profiles]
    return _scenario(folder, domain_path, issues, parsed)


def _iter_xml(folder: Path) -> Iterator[Path]:
    """The folder's ``.xml`` files, sorted by name (not recursive)."""
    yield from sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".xml")


def _names(paths: Iterable[Path]) -> str:
    return ", ".join(p.name for p in paths)


def _scenario(
    folder: Path, domain_path: Path, issues: tuple[DomainIssue, ...], profiles: list[Profile]
) -> Scenario:
    party_ids = unique_ids(
        [p.path.stem for p in profiles], [f"party{k + 1}" for k in range(len(profiles))]
    )
    parties = []
    for party_id, profile in zip(party_ids, profiles, strict=True):
        total = math.fsum(profile.weights.values())
        valuations = {
            issue.id: {
                "weight": profile.weights[issue.index] / total,
                "value": dict(profile.evaluations[issue.index]),
            }
            for issue in issues
        }
        party: dict[str, Any] = {
            "id": party_id,
            "name": profile.path.stem,
            "source": profile.path.name,
            "batna": 0.0 if profile.reservation is None else profile.reservation,
            "valuations": valuations,
        }
        if profile.discount is not None:
            party["notes"] = discount_note(profile.discount)
        parties.append(party)
    domain = {
        "id": DOMAIN_ID,
        "name": domain_path.stem,
        "issues": [
            {
                "id": issue.id,
                "name": issue.name,
                "options": [{"id": item.id, "label": item.value} for item in issue.items],
                "status_quo": issue.items[0].id,
            }
            for issue in issues
        ],
    }
    data = {
        "name": safe_id(folder.resolve().name) or "genius",
        "title": f"Genius domain {domain_path.stem}",
        "source": domain_path.name,
        "notes": IMPORT_NOTE,
        "parties": parties,
        "domains": [domain],
    }
    return scenario_from_data(data, str(folder))
