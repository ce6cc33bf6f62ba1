"""Every bad input gets one clear message (file, field path, fix), exit code 2,
no traceback, and the file is left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import dealspace
from dealspace.cli import app
from dealspace.errors import DealspaceError

TOY = Path(__file__).parent / "data" / "toy.yaml"
runner = CliRunner()


def toy() -> dict:
    return yaml.safe_load(TOY.read_text())


def edit(change) -> dict:
    data = toy()
    change(data)
    return data


def write(tmp_path: Path, data, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    if isinstance(data, str | bytes):
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def assert_clean_failure(path: Path, *expected: str) -> str:
    """load_scenario raises DealspaceError naming the file and the expected
    parts; the CLI exits 2 with the same message and no traceback; the file is
    unchanged."""
    before = path.read_bytes()
    with pytest.raises(DealspaceError) as info:
        dealspace.load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    for part in expected:
        assert part.lower() in message.lower(), f"{part!r} not in {message!r}"
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    shown = (result.output + result.stderr).replace("\n", " ").lower()
    assert expected[0].lower() in shown
    assert path.read_bytes() == before
    return message


def test_toy_is_valid() -> None:
    s = dealspace.load_scenario(TOY)
    assert s.issue_ids == ("tariff", "rice", "defence")
    result = runner.invoke(app, ["validate", str(TOY)])
    assert result.exit_code == 0, result.output


def test_not_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "name: [unclosed\nparties: {a: 1")
    assert_clean_failure(path, "not valid YAML", "line")


def test_not_json(tmp_path: Path) -> None:
    path = write(tmp_path, '{"name": "x", }', "bad.json")
    assert_clean_failure(path, "not valid JSON", "line 1")


def test_json_nan_refused(tmp_path: Path) -> None:
    data = toy()
    text = json.dumps(data).replace('"weight": 4', '"weight": NaN')
    assert_clean_failure(write(tmp_path, text, "bad.json"), "NaN")


def test_json_same_schema_as_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(toy()), "toy.json")
    assert dealspace.load_scenario(path) == dealspace.load_scenario(TOY)


def test_empty_file(tmp_path: Path) -> None:
    assert_clean_failure(write(tmp_path, "   \n"), "empty")


def test_wrong_top_level_type(tmp_path: Path) -> None:
    assert_clean_failure(write(tmp_path, "- a\n- b\n"), "top level is a list", "name:")


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    data = edit(lambda d: d["parties"][0].update(valuation=d["parties"][0].pop("valuations")))
    assert_clean_failure(
        write(tmp_path, data), "parties[0]", "unknown key 'valuation'", "valuations"
    )


def test_duplicate_party_ids(tmp_path: Path) -> None:
    data = edit(lambda d: d["parties"][1].update(id="a"))
    assert_clean_failure(write(tmp_path, data), "parties[0].id", "'a' is used 2 times")


def test_duplicate_issue_ids(tmp_path: Path) -> None:
    data = edit(lambda d: d["domains"][1]["issues"][0].update(id="rice"))
    assert_clean_failure(write(tmp_path, data), "domains[1].issues[0].id", "already used")


def test_unknown_issue_in_valuations(tmp_path: Path) -> None:
    data = edit(
        lambda d: d["parties"][1]["valuations"].update(rics={"weight": 1, "value": "increasing"})
    )
    assert_clean_failure(write(tmp_path, data), "parties[1].valuations.rics", "did you mean 'rice'")


def test_unknown_option_in_condition(tmp_path: Path) -> None:
    data = edit(lambda d: d["parties"][0]["red_lines"][0]["condition"].update({"in": ["opn"]}))
    assert_clean_failure(
        write(tmp_path, data), "parties[0].red_lines[0].condition.in[0]", "did you mean 'open'"
    )


def test_unknown_option_in_values(tmp_path: Path) -> None:
    data = edit(lambda d: d["parties"][0]["valuations"]["rice"]["value"].update(quotaa=1))
    assert_clean_failure(
        write(tmp_path, data), "valuations.rice.value.quotaa", "did you mean 'quota'"
    )


def test_unknown_issue_in_condition(tmp_path: Path) -> None:
    data = edit(lambda d: d["parties"][0]["must_haves"][0]["condition"].update(issue="tarif"))
    assert_clean_failure(
        write(tmp_path, data), "must_haves[0].condition.issue", "did you mean 'tariff'"
    )


def test_status_quo_not_an_option(tmp_path: Path) -> None:
    data = edit(lambda d: d["domains"][0]["issues"][1].update(status_quo="shut"))
    assert_clean_failure(write(tmp_path, data), "domains[0].issues[1].status_quo", "not an option")


def test_numeric_status_quo_off_grid(tmp_path: Path) -> None:
    data = edit(lambda d: d["domains"][0]["issues"][0].update(status_quo=26))
    assert_clean_failure(write(tmp_path, data), "status_quo", "choose one of 0, 5")


@pytest.mark.parametrize("weight", [-1, float("nan"), float("inf")])
def test_bad_weights(tmp_path: Path, weight: float) -> None:
    data = edit(lambda d: d["parties"][0]["valuations"]["tariff"].update(weight=weight))
    assert_clean_failure(write(tmp_path, data), "parties[0].valuations.tariff.weight")


@pytest.mark.parametrize("value", [-0.5, float("nan"), float("inf")])
def test_bad_values(tmp_path: Path, value: float) -> None:
    data = edit(lambda d: d["parties"][0]["valuations"]["rice"]["value"].update(quota=value))
    assert_clean_failure(write(tmp_path, data), "parties[0].valuations.rice.value", "quota")


def test_all_zero_weights(tmp_path: Path) -> None:
    def zero(d):
        for v in d["parties"][0]["valuations"].values():
            v["weight"] = 0

    assert_clean_failure(write(tmp_path, edit(zero)), "parties[0].valuations", "values nothing")


def test_empty_option_list(tmp_path: Path) -> None:
    data = edit(lambda d: d["domains"][1]["issues"][0].update(options=[]))
    assert_clean_failure(write(tmp_path, data), "domains[1].issues[0].options", "empty")


def test_range_step_zero(tmp_path: Path) -> None:
    data = edit(lambda d: d["domains"][0]["issues"][0]["range"].update(step=0))
    assert_clean_failure(write(tmp_path, data), "domains[0].issues[0].range.step", "greater than 0")


def test_range_min_above_max(tmp_path: Path) -> None:
    data = edit(lambda d: d["domains"][0]["issues"][0]["range"].update(min=30))
    assert_clean_failure(write(tmp_path, data), "domains[0].issues[0].range", "swap")


def test_range_too_many_options(tmp_path: Path) -> None:
    data = edit(lambda d: d["domains"][0]["issues"][0]["range"].update(step=0.0001))
    assert_clean_failure(write(tmp_path, data), "domains[0].issues[0].range", "larger step")


def test_red_line_excludes_every_option(tmp_path: Path) -> None:
    data = edit(
        lambda d: d["parties"][0]["red_lines"][0]["condition"].update(
            {"in": ["open", "quota", "closed"]}
        )
    )
    assert_clean_failure(
        write(tmp_path, data), "parties[0].red_lines[0]", "excludes every option", "rice"
    )


def test_must_have_contradicts_own_red_line(tmp_path: Path) -> None:
    def clash(d):
        d["parties"][0]["must_haves"].append(
            {"id": "some_rice", "condition": {"issue": "rice", "in": ["open"]}}
        )

    message = assert_clean_failure(
        write(tmp_path, edit(clash)), "must-have 'some_rice'", "red line 'no_open_rice'"
    )
    assert "contradicts" in message


def test_cross_issue_contradiction(tmp_path: Path) -> None:
    def clash(d):
        d["parties"][1]["must_haves"] = [
            {
                "id": "link",
                "condition": {
                    "if": {"issue": "rice", "in": ["closed", "quota", "open"]},
                    "then": {"issue": "defence", "in": ["more"]},
                },
            }
        ]
        d["parties"][1]["red_lines"] = [
            {"id": "no_more", "condition": {"issue": "defence", "in": ["more"]}}
        ]

    assert_clean_failure(write(tmp_path, edit(clash)), "must-have 'link'", "red line 'no_more'")


def test_min_max_on_discrete_issue(tmp_path: Path) -> None:
    data = edit(
        lambda d: d["parties"][0]["red_lines"][0].update(condition={"issue": "rice", "min": 1})
    )
    assert_clean_failure(write(tmp_path, data), "red_lines[0].condition", "only to numeric issues")


def test_file_over_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dealspace.scenario import load

    monkeypatch.setattr(load, "MAX_FILE_BYTES", 1000)
    path = write(tmp_path, "# padding\n" * 200 + TOY.read_text())
    assert_clean_failure(path, "over the", "MB limit")


def test_unsafe_yaml_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"!!python/object/apply:os.system ['touch {marker}']\n"
    assert_clean_failure(write(tmp_path, text), "unsupported YAML tag")
    assert not marker.exists()


def test_deeply_nested_yaml(tmp_path: Path) -> None:
    text = "name: " + "[" * 5000 + "]" * 5000 + "\n"
    assert_clean_failure(write(tmp_path, text), "deeper than")


def test_deeply_nested_json(tmp_path: Path) -> None:
    text = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert_clean_failure(write(tmp_path, text, "deep.json"), "deeper than")


def test_exponential_yaml_aliases(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, 12):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]")
    lines.append("name: *a11")
    assert_clean_failure(write(tmp_path, "\n".join(lines) + "\n"), "expands to more than")


def test_not_utf8(tmp_path: Path) -> None:
    assert_clean_failure(write(tmp_path, b"name: \xff\xfe\x00bad"), "not UTF-8")


def test_many_problems_reported_at_once(tmp_path: Path) -> None:
    def two(d):
        d["parties"][1]["id"] = "a"
        d["domains"][0]["issues"][1]["status_quo"] = "shut"

    message = assert_clean_failure(write(tmp_path, edit(two)), "2 problems")
    assert "status_quo" in message and "used 2 times" in message


def test_unknown_builtin_suggests() -> None:
    with pytest.raises(DealspaceError, match="(?i)did you mean 'us-japan-2025'"):
        dealspace.load_scenario("us-japan-2052")
    result = runner.invoke(app, ["show", "us-japan-2052"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_missing_file() -> None:
    result = runner.invoke(app, ["show", "no/such/file.yaml"])
    assert result.exit_code == 2
    assert "no such file" in result.output + result.stderr


def test_validate_several_files_reports_each(tmp_path: Path) -> None:
    bad = write(tmp_path, "- x\n")
    result = runner.invoke(app, ["validate", str(TOY), str(bad)])
    assert result.exit_code == 2
    assert "ok" in result.output and "top level" in result.output + result.stderr


def test_yaml_on_is_a_key_and_numeric_option_ids(tmp_path: Path) -> None:
    text = """
name: t
parties:
  - {id: a, valuations: {x: {weight: 1, value: {0: 0, 400: 1}}}}
  - {id: b, valuations: {x: {weight: 1, value: {0: 1, 400: 0}}}}
domains:
  - id: d
    issues:
      - {id: x, options: [0, 400], status_quo: 0, tariff: {levied_by: USA, on: JPN, rates: {0: 0, 400: 10}}}
"""
    s = dealspace.load_scenario(write(tmp_path, text, "ok.yaml"))
    issue = s.issue("x")
    assert issue.option_ids == ("0", "400")
    assert issue.tariff is not None and issue.tariff.on == "JPN"
    assert issue.status_quo_index == 0


def test_unknown_keys_do_not_hide_other_problems(tmp_path: Path) -> None:
    def many(d):
        d["parties"][0]["valuation2"] = 1
        d["parties"][0]["valuations"]["tariff"]["weight"] = -1
        d["parties"][1]["interactions"][0]["condition"]["all"][0]["inn"] = ["x"]
        d["domains"][0]["issues"][1]["options"] = [{"id": "closed", "lable": "x"}, "quota", "open"]

    message = assert_clean_failure(write(tmp_path, edit(many)), "4 problems")
    for part in (
        "parties[0].valuation2: unknown key 'valuation2'. Did you mean 'valuations'?",
        "parties[0].valuations.tariff.weight: -1 is negative",
        "parties[1].interactions[0].condition.all[0].inn: unknown key 'inn'. Did you mean 'in'?",
        "domains[0].issues[1].options[0].lable: unknown key 'lable'. Did you mean 'label'?",
    ):
        assert part in message


def test_a_mapping_where_text_belongs_is_reported(tmp_path: Path) -> None:
    data = edit(lambda d: d.update(name={"a": 1}))
    assert_clean_failure(
        write(tmp_path, data), "name: a mapping where one value (text) belongs", "without braces"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (  # an option id wrapped in a mapping: the union of text and number says "option id"
            lambda d: d["parties"][0]["red_lines"][0]["condition"].update(
                **{"in": [{"id": "open"}]}
            ),
            "parties[0].red_lines[0].condition.in[0]: a mapping where one value (an option id or a number) belongs",
        ),
        (
            lambda d: d["parties"][0]["red_lines"][0]["condition"].update(**{"in": [["open"]]}),
            "rather than '[none]'",
        ),
        (
            lambda d: d["parties"][0]["valuations"]["tariff"].update(weight={"x": 4}),
            "parties[0].valuations.tariff.weight: a mapping where one value (a number) belongs",
        ),
    ],
)
def test_a_mapping_or_list_where_one_value_belongs_says_so(
    tmp_path: Path, change, expected
) -> None:
    message = assert_clean_failure(write(tmp_path, edit(change)), expected)
    assert "Input should be" not in message
