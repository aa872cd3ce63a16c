"""The duty console's services and builders: SOP plans and their timers, officers' steps and what
they are told, the alarm, the handover, the nearest resources by road."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from adapter_fixtures import NOW
from alert_fixtures import T0, open_store

from alerts.store import AlertStore, NewAlert
from brain.domains import DOMAINS
from config import Settings
from data_adapters.node import LakeNode
from layouts.duty_detail import _minutes, outcome_message, sop_panel
from layouts.duty_grid import count_text, rows
from layouts.duty_handover import handover_text, summary_text
from services import duty
from services.cache import make_cache
from services.data import DataService
from services.duty_sop import SOP_FILE, SopError, checklist, load_plans, parse_plans, plan_for

ROOT = Path(__file__).resolve().parent.parent
DISTRICTS = {"440803": {"adcode": "440803", "name_zh": "霞山区", "name_en": "Xiashan"}}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertStore]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with open_store(request.param, tmp_path, pg) as s:
        yield s


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[AlertStore]:
    with open_store("sqlite", tmp_path, None) as s:
        yield s


def _raise(store: AlertStore, key: str, severity: str = "I", firing: bool = True) -> str:
    new = NewAlert(
        rule="fire.confirmed",
        domain="fire",
        severity=severity,
        group_key=key,
        district="440803",
        entity=key,
        lon=110.4,
        lat=21.2,
        message_zh=f"霞山{key}确认火情",
        message_en=f"Fire at {key}",
        firing=firing,
    )
    return store.raise_alert(new, at=T0).id


def _text(node: Any) -> str:
    return str(node)


# ── SOP plans ──────────────────────────────────────────────────────────────────────────────


def test_the_shipped_plans_cover_every_rule_and_domain() -> None:
    plans = load_plans()
    assert len(plans) >= 10 and sum(p.default for p in plans) == 1
    rules = re.findall(r"^  - id: (\S+)", (ROOT / "rules" / "alerts.yaml").read_text("utf-8"), re.M)
    assert len(rules) > 10
    for rule in rules:
        plan = plan_for(plans, rule, rule.split(".")[0])
        assert plan.id != "general", rule  # every shipped rule has a plan of its own kind
    assert plan_for(plans, "fire.confirmed", "fire").id == "fire-confirmed"
    assert plan_for(plans, "fire.unverified_alarm", "fire").id == "fire-alarm"
    assert plan_for(plans, "radar.feed_stale", "radar").id == "feed-stale"
    assert plan_for(plans, "radar.dark_near_anchorage_in_typhoon", "radar").id == "radar-dark"
    for d in DOMAINS:  # a rule added later still gets its domain's plan
        assert plan_for(plans, f"{d}.some_new_rule", str(d)).id != "general"
    assert plan_for(plans, "other.thing", "other").id == "general"
    for p in plans:
        for s in p.steps:
            assert s.units_zh and len(s.units_zh) == len(s.units_en) and s.minutes > 0
    units = {u for p in plans for s in p.steps for u in s.units_zh}
    assert {"市应急管理局", "市消防救援支队", "湛江海事局", "市河长办"} <= units


def test_a_bad_sop_file_says_where() -> None:
    good = SOP_FILE.read_text("utf-8")
    with pytest.raises(SopError, match=r"plan 'fire-alarm' → step 'call' → minutes"):
        parse_plans(
            good.replace(
                "minutes: 3\n        units_zh: [单位消防控制室]",
                "minutes: 0\n        units_zh: [单位消防控制室]",
            )
        )
    with pytest.raises(SopError, match=r"step 'verify' → colour: Extra inputs"):
        parse_plans(
            good.replace("      - id: verify\n", "      - id: verify\n        colour: red\n", 1)
        )
    with pytest.raises(SopError, match="default: true"):
        parse_plans(good.replace("    default: true\n", ""))
    with pytest.raises(SopError, match="plan ids used twice"):
        parse_plans(good.replace("  - id: fire-alarm\n", "  - id: fire-confirmed\n"))
    with pytest.raises(SopError, match="not valid YAML"):
        parse_plans("plans: [\n")
    with pytest.raises(SopError, match="cannot read"):
        load_plans(ROOT / "rules" / "no-such-file.yaml")


def test_step_timers_count_from_first_seen() -> None:
    plan = plan_for(load_plans(), "fire.confirmed", "fire")  # verify 2 min, dispatch 3 min, …
    ticks = {
        "verify": (T0 + timedelta(seconds=60), "li"),
        "access": (T0 + timedelta(minutes=9), "wang"),
    }
    states = {s.step.id: s for s in checklist(plan, T0, ticks, T0 + timedelta(seconds=150))}
    assert states["verify"].status == "done" and states["verify"].done_by == "li"
    assert states["dispatch"].status == "due" and states["dispatch"].remaining_s == 30
    assert states["access"].status == "late"  # ticked after its 5 minutes
    later = {s.step.id: s for s in checklist(plan, T0, ticks, T0 + timedelta(minutes=4))}
    assert later["dispatch"].status == "overdue" and later["dispatch"].remaining_s == -60
    assert (_minutes(30), _minutes(-10), _minutes(-60), _minutes(119)) == (0, 1, 1, 1)
    panel = _text(sop_panel(plan, list(later.values()), T0 + timedelta(minutes=4), "zh"))
    assert "已超时 1 分钟" in panel and "限时 2 分钟" in panel and "市消防救援支队" in panel
    assert panel.count("duty-sop-tick") == len(plan.steps)


# ── officers' steps ────────────────────────────────────────────────────────────────────────


def test_the_second_officer_is_told_who_was_first(store: AlertStore) -> None:
    alert_id = _raise(store, "万达广场")
    seen = store.get(alert_id).version
    first = duty.act(store, alert_id, "acknowledge", who="li", at=T0, version=seen, note="收到")
    assert first.ok and first.alert is not None and first.alert.handling == "acknowledged"
    second = duty.act(store, alert_id, "acknowledge", who="wang", at=T0, version=seen)
    assert second.kind == "conflict" and second.by == "li"
    assert second.alert is not None and second.alert.version == seen + 1
    told = _text(outcome_message(second, "acknowledge", "zh"))
    assert "li 抢先更新" in told and "已确认" in told and f"版本 {seen + 1}" in told
    assert "li changed this alert first" in _text(outcome_message(second, "acknowledge", "en"))
    assert [a.who for a in store.history(alert_id)] == ["engine", "li"]  # wang wrote nothing


def test_steps_refused_and_unsigned(lite: AlertStore) -> None:
    alert_id = _raise(lite, "a")
    v = lite.get(alert_id).version
    assert duty.act(lite, alert_id, "acknowledge", who=None, at=T0, version=v).kind == "unsigned"
    refused = duty.act(lite, alert_id, "dispose", who="li", at=T0, version=v)
    assert refused.kind == "refused" and refused.reason == "not_allowed"
    assert "不能处置" in _text(outcome_message(refused, "dispose", "zh"))
    empty = duty.act(lite, alert_id, "assign", who="li", at=T0, version=v, assignee="  ")
    assert empty.reason == "assignee"
    assert duty.act(lite, "nope", "acknowledge", who="li", at=T0, version=1).kind == "missing"
    assert duty.act(lite, alert_id, "delete", who="li", at=T0, version=v).kind == "refused"
    done = duty.act(lite, alert_id, "assign", who="li", at=T0, version=v, assignee=" 霞山消防站 ")
    assert done.ok and done.alert is not None and done.alert.assignee == "霞山消防站"
    assert duty.push(lite, alert_id, who="li", at=T0, minutes=7, version=2).reason == "minutes"
    pushed = duty.push(lite, alert_id, who="li", at=T0, minutes=10, version=2)
    assert pushed.ok and pushed.alert is not None
    assert pushed.alert.pushed_until == T0 + timedelta(minutes=10)
    assert duty.release(lite, alert_id, who=None, at=T0).kind == "unsigned"
    assert duty.release(lite, alert_id, who="li", at=T0).ok
    assert duty.tick(lite, alert_id, "verify", who="li", at=T0).ok
    assert duty.tick(lite, alert_id, "verify", who="wang", at=T0).reason == "ticked"
    assert "no step 'board'" in duty.tick(lite, alert_id, "board", who="li", at=T0).reason
    assert duty.tick(lite, "nope", "verify", who="li", at=T0).kind == "missing"


def test_the_alarm_sounds_for_firing_red_and_orange_until_acknowledged(lite: AlertStore) -> None:
    red, orange = _raise(lite, "r", "I"), _raise(lite, "o", "II")
    _raise(lite, "y", "III")
    _raise(lite, "p", "I", firing=False)  # pending: not yet an alert
    assert sorted(duty.alarming(duty.open_items(lite))) == sorted([red, orange])
    duty.act(lite, orange, "acknowledge", who="li", at=T0, version=1)
    assert duty.alarming(duty.open_items(lite)) == [red]
    found = duty.listing(lite, duty.Filters.of({"severity": "I"}))
    assert [a.severity for a in found] == ["I", "I"]
    shown = rows(found, [red], DISTRICTS, T0, "zh")
    assert {r["id"]: r["alarm"] for r in shown} == {a.id: a.id == red for a in found}
    assert shown[0]["severity_text"] == "I 红" and shown[0]["district_text"] == "霞山区"
    every = duty.listing(lite, duty.Filters.of({"handling": "all"}))
    assert [a.severity for a in every] == ["I", "I", "II", "III"]  # worst first


def test_an_empty_store_is_not_a_quiet_city(lite: AlertStore) -> None:
    assert not duty.engine_seen(lite, T0)
    assert "告警引擎尚未运行" in _text(count_text(0, 0, False, "zh"))
    _raise(lite, "x", "IV")
    assert duty.engine_seen(lite, T0)
    assert "红橙待确认 2 条" in _text(count_text(3, 2, True, "zh"))


def test_a_handover_is_written_and_signed_by_another_officer(store: AlertStore) -> None:
    a = _raise(store, "万达广场", "I")
    duty.act(store, a, "assign", who="li", at=T0, version=1, assignee="霞山消防站")
    summary = summary_text(duty.open_items(store), DISTRICTS, T0, "zh")
    assert "未结告警 1 条（红 1，橙 0，黄 0，蓝 0）" in summary
    assert "[I 红] 消防 霞山区：霞山万达广场确认火情（已指派，指派 霞山消防站" in summary
    text = handover_text(summary, "  夜间注意复燃  ", "zh")
    assert text.endswith("交班说明：\n夜间注意复燃")
    assert duty.write_handover(store, who=None, at=T0, summary=text)[0] == "unsigned"
    kind, written, _ = duty.write_handover(store, who="li", at=T0, summary=text)
    assert kind == "ok" and written is not None
    assert duty.sign_handover(store, written.id, who="li", at=T0, version=1)[0] == "self"
    kind, signed, _ = duty.sign_handover(store, written.id, who="wang", at=T0, version=1)
    assert kind == "ok" and signed is not None and signed.signed_by == "wang"
    assert duty.sign_handover(store, written.id, who="zhao", at=T0, version=1)[0] == "refused"
    assert duty.sign_handover(store, "nope", who="zhao", at=T0, version=1)[0] == "missing"
    assert store.handovers()[0].summary == text


def test_the_view_of_one_alert(lite: AlertStore) -> None:
    a = _raise(lite, "a")
    lite.tick_sop(a, "verify", who="li", at=T0 + timedelta(minutes=1))
    shown = duty.view(lite, a, T0 + timedelta(minutes=4))
    assert shown is not None and shown.plan.id == "fire-confirmed"
    assert shown.allowed == ("acknowledge", "assign", "note") and not shown.pushed
    states = {s.step.id: s.status for s in shown.steps}
    assert states["verify"] == "done" and states["dispatch"] == "overdue"
    assert duty.view(lite, "nope", T0) is None


# ── nearest resources by road ──────────────────────────────────────────────────────────────


def test_nearest_resources_by_road(lake_node: LakeNode, tmp_path: Path) -> None:
    svc = DataService(lake_node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))
    near = duty.nearest_resources(svc, NOW, 110.35, 21.2, k=4)
    assert near.error is None and 0 < len(near.rows) <= 4
    minutes = [r["minutes"] for r in near.rows if r["minutes"] is not None]
    assert minutes == sorted(minutes) and minutes
    assert {"resource_id", "kind", "name", "minutes", "network_km"} <= set(near.rows[0])
    assert duty.nearest_resources(svc, NOW, None, 21.2).error == "no-place"
