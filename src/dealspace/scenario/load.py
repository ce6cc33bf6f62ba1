"""Load scenarios from YAML, JSON, Genius XML folders or the built-in library.

Files come from strangers, so reading is defensive: a size limit, YAML's safe
loader only (tags such as ``!!python/object`` are refused, never executed),
limits on nesting depth and on the expanded size of YAML aliases ("billion
laughs"), and every validation error turned into one line with the file, the
field path and the fix.
"""

from __future__ import annotations

import json
import math
import re
import types
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, Tag, ValidationError

from dealspace.errors import DealspaceError, Problem, did_you_mean
from dealspace.files import check_source, read_bytes
from dealspace.scenario.bounds import DOC, MAX_MAGNITUDE, number_problems, shown
from dealspace.scenario.model import Scenario, key_names

#: Largest scenario file read (bytes).
MAX_FILE_BYTES = 5_000_000
#: Deepest nesting of mappings and lists accepted.
MAX_DEPTH = 64
#: Most nodes a document may expand to once YAML aliases are followed.
MAX_NODES = 1_000_000

SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}

M = TypeVar("M", bound=BaseModel)


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios."""
    folder = resources.files("dealspace.scenario") / "builtin"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def builtin_path(name: str) -> Path:
    """The file of a built-in scenario."""
    folder = resources.files("dealspace.scenario") / "builtin"
    return Path(str(folder / f"{name}.yaml"))


def load_scenario(source: str | Path, profiles: Sequence[str | Path] | None = None) -> Scenario:
    """Load and validate a scenario.

    ``source`` is a built-in name (see :func:`list_scenarios`), a ``.yaml`` /
    ``.yml`` / ``.json`` file, a folder holding a Genius domain XML and one
    profile XML per party (or GeniusWeb JSON profiles), or a Genius domain ``.xml`` file: with ``profiles``
    (the profile files), else with the profiles next to it that refer to it.

    Raises
    ------
    DealspaceError
        with one line per problem: the file, the field path, what is wrong and
        how to fix it.
    """
    path = Path(source)
    check_source(path, missing_ok=True)  # a FIFO, /dev/null, a link loop: one message, no hang
    if path.is_dir():
        from dealspace.scenario.genius import load_genius

        if profiles:
            raise DealspaceError.single(
                "",
                "profiles are given with a domain file, not a folder",
                "give the domain .xml file",
                str(path),
            )
        if not any(p.suffix.lower() == ".xml" for p in path.iterdir()) and any(
            p.suffix.lower() == ".json" for p in path.iterdir()
        ):
            from dealspace.scenario.geniusweb import load_geniusweb_folder

            return load_geniusweb_folder(path)
        return load_genius(path)
    if path.is_file() and path.suffix.lower() == ".xml":
        from dealspace.scenario.genius import load_genius_files

        return load_genius_files(path, [Path(p) for p in profiles or []])
    if profiles:
        raise DealspaceError.single(
            "",
            "profiles go with a Genius domain .xml file",
            "give the domain .xml file",
            str(source),
        )
    if path.is_file():
        return scenario_from_data(read_document(path), str(path))
    if isinstance(source, str) and source in list_scenarios():
        return load_builtin(source)
    if path.suffix or "/" in str(source) or "\\" in str(source):
        raise DealspaceError.single(
            "", f"no such file or folder: {source}", "check the path", source=str(source)
        )
    raise DealspaceError.single(
        "",
        f"'{source}' is neither a file nor a built-in scenario",
        f"{did_you_mean(str(source), list_scenarios())} (see `dealspace scenarios`)",
        source=str(source),
    )


def load_builtin(name: str) -> Scenario:
    """A built-in scenario (the package's own, trusted file: :func:`read_document` ``trusted``)."""
    path = builtin_path(name)
    return scenario_from_data(read_document(path, trusted=True), f"built-in scenario '{name}'")


def scenario_from_data(data: Any, source: str) -> Scenario:
    """Validate parsed data as a Scenario; errors name ``source``."""
    if not isinstance(data, dict):
        raise DealspaceError.single(
            "",
            f"the top level is a {_kind(data)}, not a mapping",
            "a scenario starts with keys such as 'name:', 'parties:' and 'domains:'",
            source=source,
        )
    too_large = list(number_problems(data, MAX_MAGNITUDE))
    if too_large:
        raise DealspaceError(too_large, source)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise DealspaceError(problems_from_validation(err), source) from None
    except DealspaceError as err:
        raise DealspaceError(err.problems, source) from None
    return scenario.from_file(source)


def load_model_file(
    path: Path, model: type[M], what: str, source: str = "", *, trusted: bool = False
) -> M:
    """Read a YAML or JSON file safely (:func:`read_document`) and validate it as ``model``.

    Every validation problem is reported at once, with the file (``source``,
    default the path), the field path and the fix. ``what`` names the kind
    of file in messages ("world"). ``trusted``: the package's own file
    (:func:`read_document`).
    """
    source = source or str(path)
    try:
        data = read_document(path, trusted=trusted)
    except DealspaceError as err:
        raise DealspaceError(err.problems, source) from None
    if not isinstance(data, dict):
        raise DealspaceError.single(
            "",
            f"the top level is a {_kind(data)}, not a mapping",
            f"a {what} file is a mapping of keys ({', '.join(key_names(model)[:4])}, …)",
            source=source,
        )
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise DealspaceError(problems_from_validation(err, model), source) from None


def read_document(path: Path, *, trusted: bool = False) -> Any:
    """Read a YAML or JSON file safely (size, tags, depth, alias bombs).

    ``trusted`` is for the package's own data files (the built-in scenarios):
    YAML is then parsed by libyaml when PyYAML has it (:class:`_TrustedLoader`,
    about ten times faster, the same data; ``tests/test_builtin.py`` checks
    every built-in both ways). Files from users always take the pure-Python
    reader with its nesting guard while composing.
    """
    source = str(path)
    check_source(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DealspaceError.single(
            "",
            f"the file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit",
            "split the scenario or use numeric ranges instead of long option lists",
            source=source,
        )
    try:
        raw = read_bytes(path, MAX_FILE_BYTES)  # a /proc file can be longer than its size says
        if len(raw) > MAX_FILE_BYTES:
            raise DealspaceError.single(
                "",
                f"the file is over the {MAX_FILE_BYTES / 1e6:.0f} MB limit",
                "split the scenario or use numeric ranges instead of long option lists",
                source=source,
            )
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DealspaceError.single(
            "", "the file is not UTF-8 text", "save it as UTF-8 YAML or JSON", source=source
        ) from None
    if not text.strip():
        raise DealspaceError.single(
            "", "the file is empty", "write a scenario (see docs/scenario-format.md)", source=source
        )
    kind = SUFFIXES.get(path.suffix.lower(), "yaml")
    data = parse_json(text, source) if kind == "json" else parse_yaml(text, source, trusted)
    check_shape(data, source)
    infinite = list(number_problems(data))
    if infinite:
        raise DealspaceError(infinite, source)
    return data


def parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        raise DealspaceError.single(
            f"line {err.lineno}, column {err.colno}",
            f"not valid JSON: {err.msg}",
            "fix the syntax (a JSON validator shows the spot)",
            source=source,
        ) from None
    except ValueError as err:  # NaN / Infinity
        raise DealspaceError.single("", str(err), "use finite numbers", source=source) from None
    except RecursionError:
        raise _too_deep(source) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"'{name}' is not a number dealspace accepts")


def parse_yaml(text: str, source: str, trusted: bool = False) -> Any:
    """Parse YAML with the safe loader and YAML 1.2 booleans (``trusted``: see :func:`read_document`)."""
    loader = _TrustedLoader if trusted else _StrictLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506  SafeLoader / CSafeLoader subclasses
    except yaml.constructor.ConstructorError as err:
        mark = err.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DealspaceError.single(
            where,
            f"unsupported YAML tag: {err.problem}",
            "dealspace reads plain YAML only (no '!!python/…' or custom tags): remove the tag",
            source=source,
        ) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DealspaceError.single(
            where,
            f"not valid YAML: {err.problem}",
            "fix the syntax (check indentation, colons and quotes)",
            source=source,
        ) from None
    except yaml.YAMLError as err:
        raise DealspaceError.single("", f"not valid YAML: {err}", source=source) from None
    except RecursionError:
        raise _too_deep(source) from None


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML with a cap on nesting depth while composing, and YAML 1.2
    booleans: only true/false (so ``on: JPN`` is the key 'on', not True)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        depth = getattr(self, "_depth", 0) + 1
        if depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise yaml.MarkedYAMLError(
                problem=f"nesting deeper than {MAX_DEPTH} levels", problem_mark=mark
            )
        self._depth = depth
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth - 1


#: The package's own (trusted) files: libyaml's parser when PyYAML was built with it,
#: the same safe constructor and YAML 1.2 booleans; no guard while composing.
_TrustedLoader: type[Any] = type(
    "_TrustedLoader", (getattr(yaml, "CSafeLoader", _StrictLoader),), {}
)

_loader: Any
for _loader in {_StrictLoader, _TrustedLoader}:
    _loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )


def _too_deep(source: str) -> DealspaceError:
    return DealspaceError.single(
        "",
        f"the document nests deeper than {MAX_DEPTH} levels",
        "flatten the structure",
        source=source,
    )


def check_shape(data: Any, source: str) -> None:
    """Refuse documents too deep or too large once aliases are expanded.

    The expanded size is counted with memoisation on object identity, so an
    exponential alias bomb is detected in time linear in the file.
    """
    memo: dict[int, int] = {}

    def size(obj: Any, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise _too_deep(source)
        if not isinstance(obj, dict | list):
            return 1
        key = id(obj)
        if key in memo:
            return memo[key]
        children = obj.values() if isinstance(obj, dict) else obj
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_NODES:
                break
        memo[key] = total
        return total

    if size(data, 0) > MAX_NODES:
        raise DealspaceError.single(
            "",
            f"the document expands to more than {MAX_NODES:,} elements (YAML aliases?)",
            "write the data out instead of repeating it through '&anchor' / '*alias'",
            source=source,
        )


def _kind(data: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(data), type(data).__name__
    )


# ------------------------------------------------------------ error messages


def locate(
    loc: tuple[Any, ...], root: type[BaseModel] = Scenario
) -> tuple[str, type[BaseModel] | None]:
    """pydantic's error location → the field path a user reads
    (``parties[1].valuations.auto_tariff``) and the model class there.

    The walk follows the type annotations of ``root`` (the Scenario by
    default), so union branch names that pydantic puts in locations (a
    condition's tag, a member's class name) are recognised and left out of
    the path.
    """
    out = ""
    t: Any = root
    for part in loc:
        t = _unwrap(t)
        branch = _branch(t, part)
        if branch is not None:
            t = branch
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        t = _child(t, part)
    t = _unwrap(t)
    return out, t if _is_model(t) else None


def _unwrap(t: Any) -> Any:
    """Strip Annotated and Optional (X | None) wrappers."""
    while True:
        if get_origin(t) is Annotated:
            t = get_args(t)[0]
            continue
        if get_origin(t) in (Union, types.UnionType):
            members = [m for m in get_args(t) if m is not type(None)]
            if len(members) == 1:
                t = members[0]
                continue
        return t


def _branch(t: Any, part: Any) -> Any:
    """The union member that ``part`` names (a Tag or a class name), or None."""
    if get_origin(t) not in (Union, types.UnionType) or not isinstance(part, str):
        return None
    members = get_args(t)
    for member in members:
        tags = (
            [m.tag for m in get_args(member)[1:] if isinstance(m, Tag)]
            if get_origin(member) is Annotated
            else []
        )
        if part in tags or part == getattr(_unwrap(member), "__name__", None):
            return member
    if part in _SCALAR_BRANCHES or part.startswith(("constrained-", "literal[", "function-")):
        return next((m for m in members if not _is_model(_unwrap(m))), None)
    return None


_SCALAR_BRANCHES = {"str", "float", "int", "bool"}


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, BaseModel)


def _child(t: Any, part: Any) -> Any:
    """The type found at ``part`` inside type ``t`` (None when unknown)."""
    if _is_model(t):
        for name, info in t.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin, args = get_origin(t), get_args(t)
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


_FIXES = {
    "missing": "add it",
    "greater_than_equal": "use a number ≥ 0",
    "greater_than": "use a positive number",
    "finite_number": "use a finite number",
    "string_type": "write it as text",
    "float_parsing": "write a number",
    "float_type": "write a number",
    "list_type": "write a list (- item)",
    "dict_type": "write a mapping (key: value)",
    "model_type": "write a mapping (key: value)",
    "too_short": "add at least one entry",
    "string_pattern_mismatch": "use letters, digits, '_', '-' or '.' only",
    "less_than_equal": "use a smaller number",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "int_from_float": "use a whole number",
    "int_parsing": "write a whole number",
}


def problems_from_validation(
    err: ValidationError, root: type[BaseModel] = Scenario
) -> list[Problem]:
    """Every pydantic error of a document validated as ``root`` as a :class:`Problem` (path, what, fix)."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    errors = err.errors(include_url=False)
    for e in errors:
        where, _ = locate(tuple(e["loc"]), root)
        what = e["msg"]
        fix = _FIXES.get(e["type"], "")
        if e["type"] == "extra_forbidden":
            key = str(e["loc"][-1])
            _, model = locate(tuple(e["loc"][:-1]), root)
            what = f"unknown key '{key}'"
            fix = did_you_mean(key, key_names(model)) if model is not None else "remove it"
        elif e["type"] == "missing":
            what = "this required field is missing"
        elif e["type"] in _SCALAR_TYPES and isinstance(e.get("input"), dict | list):
            what, fix = _not_scalar(e)
        elif e["type"] in {"float_parsing", "float_type"} and isinstance(e.get("input"), str):
            what = f"'{e['input']}' is not a number"
        elif e["type"] == "finite_number":
            what = f"{e.get('input')} is not a finite number"
        elif e["type"] in {"greater_than_equal", "less_than_equal"} and _is_number(e.get("input")):
            ctx = e.get("ctx") or {}
            bound = ctx.get("ge", ctx.get("le", 0))
            if bound == 0:
                what = f"{shown(e['input'])} is negative"
            else:
                what = f"{shown(e['input'])} is beyond {shown(float(bound))}, the bound for this number"
                fix = f"keep it within the bounds of {DOC}"
        if (
            e["type"] == "string_type"
            and isinstance(e.get("input"), dict)
            and _other_branch(e, errors)
        ):
            continue  # "an id or a mapping" given a mapping: the mapping branch says what is wrong
        if (where, what) in seen:
            continue
        seen.add((where, what))
        problems.append(Problem(where, what.rstrip("."), fix))
    return problems


_SCALAR_TYPES = {"string_type", "float_type", "int_type", "bool_type"}
_SCALAR_WORDS = {"string_type": "text", "float_type": "a number", "int_type": "a whole number"}


def _not_scalar(e: Any) -> tuple[str, str]:
    """What and fix for a mapping or list given where one value belongs."""
    kind = "a mapping" if isinstance(e["input"], dict) else "a list"
    last = e["loc"][-1] if e["loc"] else None
    if isinstance(last, str) and last in _SCALAR_BRANCHES:  # a union of scalars: an option id
        value = "one value (an option id or a number)"
        wrapped = "{id: none}" if isinstance(e["input"], dict) else "[none]"
        fix = f"write the value itself, e.g. 'none' rather than '{wrapped}'"
    else:
        value = f"one value ({_SCALAR_WORDS.get(e['type'], 'true or false')})"
        fix = "write the value itself, without braces or a list"
    return f"{kind} where {value} belongs", fix


def _other_branch(e: Any, errors: list[Any]) -> bool:
    """Whether ``e`` comes from a scalar branch of a union (its location ends in
    the branch name) and another branch reported an error for the same element."""
    last = e["loc"][-1] if e["loc"] else None
    if not (
        isinstance(last, str) and (last in _SCALAR_BRANCHES or last.startswith("constrained-"))
    ):
        return False
    parent = tuple(e["loc"][:-1])
    return any(tuple(f["loc"][: len(parent)]) == parent and f["loc"] != e["loc"] for f in errors)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value))
