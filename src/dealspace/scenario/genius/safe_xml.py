"""Parse one untrusted XML file safely (the hostile-XML defence).

Genius files come from strangers. :func:`read_xml` parses them with
:mod:`defusedxml`, which refuses DTDs, entity declarations (e.g. "billion
laughs") and external entities instead of expanding or fetching them, refuses
files over :data:`dealspace.scenario.load.MAX_FILE_BYTES`, and turns every
failure (unreadable, malformed, hostile, too deep) into a
:class:`~dealspace.errors.DealspaceError` naming the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import (
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

from dealspace.errors import DealspaceError
from dealspace.scenario.load import MAX_FILE_BYTES

#: A comment before the ``<?xml …?>`` declaration (seen in Genius's nonlinear
#: profiles); Genius's own parser accepts it, a strict one does not.
_LATE_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?(\s*<!--.*?-->)+\s*(<\?xml[^>]*\?>)", re.DOTALL)


#: An ``&`` that starts no character or entity reference (Genius's parser
#: accepts "the good, the bad & the ugly"; XML does not).
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]+;|#x[0-9a-fA-F]+;|[A-Za-z_][A-Za-z0-9_.\-]*;)")


def _as_utf8(data: bytes) -> bytes:
    """Bytes that are not UTF-8 and declare no encoding, read as Windows-1252.

    Genius reads files in the platform's encoding; archive files written on
    Windows hold e.g. a cp1252 '€' with no declaration, which XML would read
    as (invalid) UTF-8.
    """
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        if b"encoding=" not in data[:200]:
            return data.decode("cp1252", errors="replace").encode("utf-8")
    return data


def _misplaced_declaration(data: bytes) -> bytes:
    """``data`` without an XML declaration that follows a leading comment."""
    match = _LATE_DECLARATION.match(data)
    if match is None:
        return data
    return data[: match.start(3)] + data[match.end(3) :]


def read_xml(path: Path) -> ET.Element:
    """Parse an XML file safely: size limit; no DTD, entity or external reference.

    Raises
    ------
    DealspaceError
        Naming the file: too large, unreadable, malformed (with line and
        column) or hostile (DTD, entity declaration, external reference).
    """
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DealspaceError.single(
                "",
                f"the file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit",
                "Genius domains are small: check that this is the right file",
                source,
            )
        data = path.read_bytes()
    except OSError as err:
        raise DealspaceError.single(
            "", f"cannot read the file: {err.strerror}", source=source
        ) from None
    hostile_fix = (
        "remove the <!DOCTYPE …> block: Genius files need none, and dealspace never "
        "expands entities or fetches external references"
    )
    data = _BARE_AMPERSAND.sub(b"&amp;", _misplaced_declaration(_as_utf8(data)))
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        entities = (
            " declaring entities (an entity-expansion bomb or an external-entity read)"
            if b"<!ENTITY" in data.upper()
            else ""
        )
        raise DealspaceError.single(
            "",
            f"the file has a DTD (<!DOCTYPE …>){entities}: refused for safety, nothing was expanded",
            hostile_fix,
            source,
        ) from None
    except EntitiesForbidden as err:
        raise DealspaceError.single(
            "",
            f"the file declares the entity '{err.name}', refused for safety",
            hostile_fix,
            source,
        ) from None
    except ExternalReferenceForbidden:
        raise DealspaceError.single(
            "", "the file refers to an external entity, refused for safety", hostile_fix, source
        ) from None
    except DefusedXmlException as err:
        raise DealspaceError.single("", f"unsafe XML refused: {err}", hostile_fix, source) from None
    except ET.ParseError as err:
        line, column = err.position
        reason = str(err).split(":")[0]
        raise DealspaceError.single(
            f"line {line}, column {column + 1}",
            f"not well-formed XML: {reason}",
            "fix the markup (check that every tag is closed and attributes are quoted)",
            source,
        ) from None
    except RecursionError:
        raise DealspaceError.single(
            "", "the XML nests too deeply", "flatten the file", source
        ) from None
    return root
