"""The package version (one place; the lowest layer, imported by renderers)."""

__version__ = "0.1.0"
