"""The negotiation room: a mediated, confidential negotiation service.

``dealspace serve`` runs it (install the ``server`` extra). Modules:
``app`` (the ASGI application), ``api`` (JSON API), ``web`` (browser pages),
``room`` (operations, one transaction each), ``mediator`` (the only caller of
the engine), ``db`` (tables, engines, migrations), ``auth`` (tokens, CSRF),
``forms`` (the preference form). See docs/server.md.
"""
