"""The built-in scenarios' fast reader (libyaml, for the package's own files) gives exactly
what the hardened pure-Python reader gives users' files: the same data, value for value
and type for type, and the same validated model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dealspace.scenario.load import (
    builtin_path,
    list_scenarios,
    load_builtin,
    parse_yaml,
    read_document,
    scenario_from_data,
)


def typed(obj: Any) -> Any:
    """``obj`` with the type of every leaf next to it (``1 == 1.0 == True`` in Python)."""
    if isinstance(obj, dict):
        return {typed(k): typed(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [typed(v) for v in obj]
    return (type(obj).__name__, obj)


@pytest.mark.parametrize("name", list_scenarios())
def test_fast_and_safe_reads_of_a_builtin_agree(name: str) -> None:
    path = builtin_path(name)
    safe = read_document(path)
    fast = read_document(path, trusted=True)
    assert typed(fast) == typed(safe)
    assert list(fast) == list(safe)  # key order too (it orders tables and menus)
    source = f"built-in scenario '{name}'"
    assert scenario_from_data(fast, source) == scenario_from_data(safe, source)
    assert load_builtin(name) == scenario_from_data(safe, source)


def test_the_fast_reader_is_libyaml_and_keeps_yaml_1_2_booleans() -> None:
    text = "on: JPN\nyes: no\nflag: true\nother: False\nn: 1\nx: 1.5\n"
    expected = {"on": "JPN", "yes": "no", "flag": True, "other": False, "n": 1, "x": 1.5}
    assert typed(parse_yaml(text, "t", trusted=True)) == typed(expected)
    assert typed(parse_yaml(text, "t")) == typed(expected)
    if yaml.__with_libyaml__:
        from dealspace.scenario.load import _TrustedLoader

        assert issubclass(_TrustedLoader, yaml.CSafeLoader)


def test_user_files_keep_the_nesting_guard_while_composing() -> None:
    from dealspace.errors import DealspaceError

    deep = "a: " + "[" * 200 + "]" * 200
    with pytest.raises(DealspaceError, match="nesting deeper than 64"):
        parse_yaml(deep, "user.yaml")


def test_the_fast_reader_is_still_safe() -> None:
    from dealspace.errors import DealspaceError

    with pytest.raises(DealspaceError, match="unsupported YAML tag"):
        parse_yaml("a: !!python/object:os.system ls\n", "t", trusted=True)


#: Every YAML file shipped in the package (built-in scenarios, deals, worlds, facts).
PACKAGE_YAML = sorted(
    p
    for p in (Path(__file__).parents[1] / "src" / "dealspace").rglob("*")
    if p.suffix in {".yaml", ".yml"}
)


@pytest.mark.parametrize("path", PACKAGE_YAML, ids=[p.name for p in PACKAGE_YAML])
def test_every_package_yaml_file_reads_the_same_both_ways(path: Path) -> None:
    assert typed(read_document(path, trusted=True)) == typed(read_document(path))


def test_package_yaml_files_are_found() -> None:
    names = {p.name for p in PACKAGE_YAML}
    assert {"us-japan-2025.yaml", "us-japan-2025-07.yaml", "world-2025.yaml"} <= names


def test_builtin_deal_takes_the_fast_reader_and_a_user_file_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dealspace.scenario.load as load
    from dealspace.analysis.deal import load_deal

    seen: list[bool] = []
    real = load.read_document

    def spy(path: Path, *, trusted: bool = False) -> Any:
        seen.append(trusted)
        return real(path, trusted=trusted)

    monkeypatch.setattr(load, "read_document", spy)
    builtin = load_deal("us-japan-2025-07")
    copy = tmp_path / "us-japan-2025-07.yaml"
    copy.write_text(
        (
            Path(__file__).parents[1] / "src/dealspace/analysis/deals/us-japan-2025-07.yaml"
        ).read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert load_deal(copy) == builtin
    assert seen == [True, False]
