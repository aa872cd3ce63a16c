"""Rule files: the shipped set is valid and covers every domain and kind; a bad file is refused
with the line and the field of each error; `alerts check-rules` says so and exits 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alerts.config import DEFAULT_RULES, RuleSetError, check_file, load_rules, parse_rules
from brain.domains import DOMAINS
from brain.rules import KINDS, Composite

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
version: 2
rules:
  - id: traffic.road_congested
    domain: traffic
    kind: threshold
    source: traffic.roads
    params: {field: tpi, op: ">=", value: 6}
    severity: III
    for: 5m
    group_by: [road_name]
    message: {zh: "{road_name}拥堵", en: "{road_name} congested"}
"""


def test_the_shipped_rule_set_is_valid_and_covers_every_domain_and_kind() -> None:
    rules = load_rules(DEFAULT_RULES)
    assert rules.version >= 1
    assert {r.domain for r in rules.rules} == set(DOMAINS)
    assert {r.kind for r in rules.rules} == set(KINDS)
    composites = [r for r in rules.rules if isinstance(r.params, Composite)]
    assert any(r.domain == "fire" and r.params.near for r in composites)  # type: ignore[union-attr]
    assert any(r.domain == "radar" and r.params.during for r in composites)  # type: ignore[union-attr]
    assert {r.severity for r in rules.rules} == {"I", "II", "III", "IV"}
    assert len({r.id for r in rules.rules}) == len(rules.rules)
    assert all(r.message_zh and r.message_en for r in rules.rules)


def test_a_good_file_parses_with_durations_and_lines() -> None:
    rules = parse_rules(GOOD)
    (r,) = rules.rules
    assert (rules.version, r.for_s, r.line, r.group_by) == (2, 300.0, 3, ("road_name",))
    for text, seconds in (("30s", 30), ("2h", 7200), ("1d", 86400), ("90", 90), ("1.5m", 90)):
        assert parse_rules(GOOD.replace("for: 5m", f"for: {text}")).rules[0].for_s == seconds


def _errors(text: str) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        parse_rules(text, "r.yaml")
    return caught.value.errors


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("severity: III", "severity: V"), "r.yaml:8: rules[0].severity: Input should be 'I'"),
        (("for: 5m", "for: soon"), "r.yaml:9: rules[0].for: 'soon' is not a duration"),
        (("source: traffic.roads", "source: traffic.cars"), "r.yaml:6: rules[0].source: unknown"),
        (("kind: threshold", "kind: magic"), "r.yaml:5: rules[0].kind: Input should be"),
        (("domain: traffic", "domain: weather"), "r.yaml:4: rules[0].domain: Input should be"),
        (('op: ">="', 'op: "=>"'), "r.yaml:7: rules[0].params.op: Input should be"),
        (("value: 6}", "valu: 6}"), "r.yaml:7: rules[0].params.value: Field required"),
        (("    severity: III\n", "    severity: III\n    colour: red\n"), "r.yaml:9: rules[0].colour"),  # noqa: E501
        (('en: "{road_name} congested"', 'en: "{road_name congested"'), "r.yaml:11: rules[0].message.en: bad"),  # noqa: E501
        (("version: 2", "version: 0"), "r.yaml:1: version: Input should be greater"),
        (("id: traffic.road_congested", "id: Traffic Road"), "r.yaml:3: rules[0].id: String should"),  # noqa: E501
    ],
)  # fmt: skip
def test_each_error_names_its_line_and_field(change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    errors = _errors(text)
    assert any(e.startswith(expected) for e in errors), errors


def test_every_error_of_a_file_is_listed_with_duplicate_ids() -> None:
    second = GOOD.split("rules:\n")[1].replace("severity: III", "severity: X")
    text = GOOD + second + GOOD.split("rules:\n")[1]
    errors = _errors(text)
    assert errors[0].startswith("r.yaml:17: rules[1].severity")
    assert errors[1] == "r.yaml:21: rules[2].id: 'traffic.road_congested' already used at line 3"


def test_yaml_syntax_and_shape_errors() -> None:
    assert _errors("version: 1\nrules: [\n")[0].startswith("r.yaml:3: (yaml):")
    assert _errors("- a\n- b\n") == ["r.yaml:1: (file): a mapping with `version` and `rules`"]
    assert _errors("version: 1\nrules: []\n")[0].startswith("r.yaml:2: rules: List should have")
    dup = GOOD.replace("    severity: III\n", "    severity: III\n    severity: II\n")
    assert "duplicate key 'severity'" in _errors(dup)[0]
    assert _errors(dup)[0].startswith("r.yaml:9:")
    composite = GOOD.replace("kind: threshold", "kind: composite").replace(
        'params: {field: tpi, op: ">=", value: 6}', "params: {}"
    )
    assert _errors(composite)[0].startswith("r.yaml:7: rules[0].params: a composite rule needs")


def test_check_rules_command_exits_0_or_1_with_the_errors(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text(GOOD.replace("for: 5m", "for: later"), encoding="utf-8")
    ok = subprocess.run(
        [sys.executable, "-m", "brain", "alerts", "check-rules", str(good)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert "1 rule" in ok.stdout
    no = subprocess.run(
        [sys.executable, "-m", "brain", "alerts", "check-rules", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert no.returncode == 1
    assert f"{bad}:9: rules[0].for: 'later' is not a duration" in no.stdout + no.stderr
    assert check_file(tmp_path / "missing.yaml")[0].startswith(f"{tmp_path / 'missing.yaml'}:0:")


def test_the_shipped_thresholds_are_brain_alerts_named_thresholds() -> None:
    """The rule file states the default thresholds of `brain.alerts` (one set of numbers: the
    wall's candidates and the engine's alerts agree)."""
    from brain import alerts as defaults
    from brain.rules import Threshold

    rules = load_rules(DEFAULT_RULES).by_id()
    road = rules["traffic.road_congested"]
    assert isinstance(road.params, Threshold)
    assert road.params.condition.value == defaults.CONGESTION_TPI
    assert road.severity == "III"
    (severe,) = road.escalate
    assert (severe.when.value, severe.severity) == (defaults.SEVERE_CONGESTION_TPI, "II")
    assert rules["fire.confirmed"].severity == defaults.FIRE_CONFIRMED_SEVERITY
    assert rules["fire.unverified_alarm"].severity == defaults.FIRE_UNVERIFIED_SEVERITY
    river = rules["river.below_target"]
    assert river.severity == defaults.WATER_BELOW_TARGET_SEVERITY
    assert river.escalate[0].severity == defaults.WATER_WORSE_THAN_V_SEVERITY
    for rule in ("radar.restricted_entry", "radar.fishing_in_closed_zone"):
        assert rules[rule].severity == defaults.INTRUSION_SEVERITY
    event = rules["emergency.major_event"]
    assert isinstance(event.params, Threshold)
    lowest = max(event.params.condition.value, key=lambda v: ("I", "II", "III", "IV").index(v))
    assert lowest == defaults.EVENT_MIN_LEVEL
