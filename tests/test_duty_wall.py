"""The console drives the wall: the ticker shows the alert store's alerts (worst first, red and
orange ones nobody acknowledged pulsing), says so when no engine has run, and the pushed alert
focuses the wall's map until its time runs out or it is released."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alert_fixtures import T0, open_store

from alerts.store import AlertStore, NewAlert
from layouts.wall_map import focus_on
from layouts.wall_regions import push_banner, ticker_items, ticker_text
from services import wall as wall_service


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlertStore]:
    pg = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    with open_store(request.param, tmp_path, pg) as s:
        yield s


def _raise(store: AlertStore, key: str, severity: str, district: str | None, ago: int) -> str:
    new = NewAlert(
        rule=f"fire.{key}",
        domain="fire",
        severity=severity,
        group_key=key,
        district=district,
        entity=key,
        lon=110.4,
        lat=21.2,
        message_zh=f"告警{key}",
        message_en=f"alert {key}",
        firing=True,
    )
    return store.raise_alert(new, at=T0 - timedelta(minutes=ago)).id


def _text(node: Any) -> str:
    return str(node)


def test_an_empty_store_says_no_engine_has_run(store: AlertStore) -> None:
    view = wall_service.alerts_view(store, T0, None)
    assert view == {"status": "no-engine", "ticker": [], "pushed": None}
    assert "告警引擎尚未运行" in _text(ticker_items([], "zh", "no-engine"))
    assert "has not run" in _text(ticker_items([], "en", "no-engine"))
    store.acquire_lease("engine-a", at=T0, ttl_s=60)  # an engine runs and nothing fires
    assert wall_service.alerts_view(store, T0, None)["status"] == "quiet"
    assert "当前无告警" in _text(ticker_items([], "zh", "quiet"))


def test_the_ticker_shows_firing_alerts_worst_first_and_pulses_unacknowledged_severe(
    store: AlertStore,
) -> None:
    blue = _raise(store, "blue", "IV", "440803", 1)
    red = _raise(store, "red", "I", "440803", 30)
    orange = _raise(store, "orange", "II", None, 5)
    yellow = _raise(store, "yellow", "III", "440881", 2)
    store.act(orange, "acknowledge", who="li", at=T0, version=1)
    closed = _raise(store, "closed", "I", "440803", 3)
    store.act(
        closed,
        "close",
        who="li",
        at=T0,
        version=store.act(closed, "acknowledge", who="li", at=T0, version=1).version,
    )
    view = wall_service.alerts_view(store, T0, None)
    assert view["status"] == "ok"
    assert [i["id"] for i in view["ticker"]] == [red, orange, yellow, blue]
    assert [i["sev"] for i in view["ticker"]] == [4, 3, 2, 1]
    assert {i["id"] for i in view["ticker"] if i["pulse"]} == {red}  # orange is acknowledged
    assert ticker_text(view["ticker"][0], "zh") == "告警red"
    assert ticker_text(view["ticker"][0], "en") == "alert red"
    spans = _text(ticker_items(view["ticker"], "zh"))
    assert spans.count("tick--pulse") == 2  # the one pulsing item, in both runs of the loop
    # a district shows its own alerts and the citywide ones
    in_xiashan = wall_service.alerts_view(store, T0, "440803")["ticker"]
    assert [i["id"] for i in in_xiashan] == [red, orange, blue]


def test_a_pushed_alert_is_on_the_wall_until_its_time_or_release(store: AlertStore) -> None:
    red = _raise(store, "red", "I", "440803", 3)
    assert wall_service.alerts_view(store, T0, None)["pushed"] is None
    store.push(red, who="li", at=T0, until=T0 + timedelta(minutes=10), version=1)
    pushed = wall_service.alerts_view(store, T0 + timedelta(minutes=1), None)["pushed"]
    assert pushed["id"] == red and (pushed["lon"], pushed["lat"]) == (110.4, 21.2)
    assert pushed["by"] == "li" and pushed["until"] == (T0 + timedelta(minutes=10)).isoformat()
    banner = _text(push_banner(pushed, T0, "zh"))
    assert "值班推送" in banner and "告警red" in banner and "展示至" in banner
    assert wall_service.alerts_view(store, T0 + timedelta(minutes=11), None)["pushed"] is None
    store.push(red, who="li", at=T0, until=T0 + timedelta(minutes=10), version=2)
    store.release(red, who="wang", at=T0 + timedelta(minutes=2))
    assert wall_service.alerts_view(store, T0 + timedelta(minutes=3), None)["pushed"] is None
    assert push_banner(None, T0, "zh") is None


def test_the_map_flies_to_the_pushed_alert() -> None:
    spec = {"initialViewState": {"longitude": 110.0, "latitude": 21.0, "zoom": 8}, "layers": []}
    assert focus_on(spec, None) == spec
    assert focus_on(spec, {"id": "a", "lon": None, "lat": None}) == spec
    moved = focus_on(spec, {"id": "a", "lon": 110.4, "lat": 21.2})
    view = moved["initialViewState"]
    assert (view["longitude"], view["latitude"]) == (110.4, 21.2) and view["zoom"] > 8
    assert [lyr["id"] for lyr in moved["layers"]] == ["pushed-halo", "pushed-ring"]
    assert moved["layers"][1]["data"] == [{"id": "a", "p": [110.4, 21.2]}]
    assert spec["layers"] == []  # the spec given is left as it was


def test_a_store_that_cannot_be_opened_leaves_the_wall_running(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"  # nothing listens on port 1
    view = wall_service.store_alerts(url, T0, None)
    assert view == {"status": "down", "ticker": [], "pushed": None}
    assert "告警库暂不可用" in _text(ticker_items([], "zh", "down"))
