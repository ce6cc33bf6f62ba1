"""Read and write the Genius / ANAC XML format (additive domains: discrete, integer and real issues).

A Genius scenario is a folder with one *domain* file (root
``<negotiation_template>``, or a ``<utility_space>`` whose items carry no
evaluations) and one *profile* file per party (a ``<utility_space>`` whose
items carry ``evaluation`` attributes). Genius computes a party's utility of an
outcome ``o`` as

    u(o) = Σ_i  w_i / (Σ_k w_k)  ·  eval_i(o_i) / max_v eval_i(v)

:func:`load_genius` keeps this exactly and :func:`write_genius` writes an
additive scenario back (see ``docs/genius.md``). The package holds:

* :mod:`~dealspace.scenario.genius.read` — folder or files → Scenario (:func:`load_genius`,
  :func:`load_genius_files`, :func:`load_genius_folder`);
* :mod:`~dealspace.scenario.genius.parse` — checking domain and profile trees;
* :mod:`~dealspace.scenario.genius.safe_xml` — parsing untrusted XML
  (:func:`read_xml`: no DTDs, entities or external references; size limit);
* :mod:`~dealspace.scenario.genius.write` — Scenario → XML (:func:`write_genius`);
* :mod:`~dealspace.scenario.genius.text` — id and number conventions shared by
  reading and writing (:func:`safe_id`, :func:`unique_ids`).
"""

from dealspace.scenario.genius.read import (
    DOMAIN_ID,
    IMPORT_NOTE,
    REAL_STEPS,
    load_genius,
    load_genius_files,
    load_genius_folder,
    negotiations,
)
from dealspace.scenario.genius.safe_xml import read_xml
from dealspace.scenario.genius.text import safe_id, unique_ids
from dealspace.scenario.genius.write import genius_documents, genius_problems, write_genius

__all__ = [
    "DOMAIN_ID",
    "IMPORT_NOTE",
    "genius_documents",
    "genius_problems",
    "REAL_STEPS",
    "load_genius",
    "load_genius_files",
    "load_genius_folder",
    "negotiations",
    "read_xml",
    "safe_id",
    "unique_ids",
    "write_genius",
]
