"""Read and write GeniusWeb JSON (``LinearAdditiveUtilitySpace`` profiles and domains).

* :mod:`~dealspace.scenario.geniusweb.read` — profiles (+ domain) → Scenario
  (:func:`load_geniusweb`, :func:`load_geniusweb_folder`);
* :mod:`~dealspace.scenario.geniusweb.write` — Scenario → JSON
  (:func:`write_geniusweb`; values and BATNAs from the caller, see
  :func:`dealspace.interop.genius.write_geniusweb_scenario`).
"""

from dealspace.scenario.geniusweb.read import load_geniusweb, load_geniusweb_folder
from dealspace.scenario.geniusweb.write import geniusweb_documents, write_geniusweb

__all__ = ["geniusweb_documents", "load_geniusweb", "load_geniusweb_folder", "write_geniusweb"]
