"""Bridges to the negotiation-research ecosystem.

* :mod:`dealspace.interop.genius` — writing Genius XML with the utilities
  computed by :mod:`dealspace.space`;
* :mod:`dealspace.interop.negmas` — NegMAS outcome spaces, utility functions
  and negotiators, both ways (optional extra ``negmas``).
"""
