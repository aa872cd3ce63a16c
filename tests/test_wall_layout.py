"""The wall without a browser: one tick against the adapter fixture data, the builders, the
callbacks called as plain functions, and the app shell's pages and headers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextvars import copy_context
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW, B
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.development.base_component import Component

from config import Settings, load_settings
from data_adapters import economy, fire, radar, river, traffic
from data_adapters.node import LakeNode
from data_adapters.result import Result
from layouts import ids, wall
from layouts.cards import badge, shorten
from layouts.detail import detail_card
from layouts.i18n import TZ, t
from layouts.panels import BODIES
from layouts.wall_map import map_delta
from layouts.wall_regions import REGIONS, health_strip, ticker_items
from services import wall as wall_service
from services.cache import make_cache
from services.data import DataService


def _settings(data_dir: Path, **kw: Any) -> Settings:
    return replace(load_settings({}), data_dir=data_dir, cache_url="null", **kw)


@pytest.fixture
def svc(lake_node: LakeNode) -> DataService:
    return DataService(lake_node, make_cache(_settings(lake_node.data_dir)))


@pytest.fixture(scope="module")
def app(lake_node: LakeNode) -> Any:
    from app import create_app

    return create_app(_settings(lake_node.data_dir), clock=lambda: NOW)


@pytest.fixture
def app_ctx(app: Any) -> Iterator[Any]:
    with app.server.app_context():
        yield app


def text_of(node: Any) -> str:
    """Every string a component tree shows, joined by spaces."""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, Component):
        return text_of(getattr(node, "children", None))
    if isinstance(node, list | tuple):
        return " ".join(text_of(n) for n in node)
    return ""


def walk(node: Any) -> Iterator[Component]:
    """Every component of a tree, including those inside props such as checklist labels."""
    if isinstance(node, Component):
        yield node
        for name in node._prop_names:
            yield from walk(getattr(node, name, None))
    elif isinstance(node, list | tuple):
        for n in node:
            yield from walk(n)
    elif isinstance(node, dict):
        for n in node.values():
            yield from walk(n)


def in_callback(fn: Any, trigger: str, *args: Any) -> Any:
    """Call a callback as Dash would after `trigger` ("id.prop") changed."""

    def run() -> Any:
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": 1}]))
        return fn(*args)

    return copy_context().run(run)


# ── one tick ─────────────────────────────────────────────────────────────────────────────


def test_tick_shows_what_the_adapters_say(svc: DataService, lake_node: LakeNode) -> None:
    con = lake_node.backend()
    view = wall_service.tick(svc, NOW, None)
    p = {d: view["panels"][d]["data"] for d in wall_service.DOMAINS}
    city = traffic.district_tpi(con, now=NOW).iloc[0]
    assert p["traffic"]["tpi"] == pytest.approx(city["tpi"])
    assert p["radar"]["vessels"] == len(radar.vessel_positions(con, now=NOW))
    assert p["radar"]["intrusions"] == len(radar.zone_intrusions(con, now=NOW))
    comp = river.compliance(con, now=NOW)
    assert p["river"]["share"] == pytest.approx(comp[comp.adcode == "440800"].share.iloc[0])
    midnight = NOW.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = fire.alarms(con, start=midnight, end=NOW)
    assert p["fire"]["alarms_today"] == int(counts[counts.kind == "alarm"].events.sum())
    codes = [tile["indicator"] for tile in p["economy"]["tiles"]]
    assert codes and set(codes) <= set(economy.latest(con, now=NOW).indicator)
    assert {v["status"] for v in view["panels"].values()} == {"ok"}
    assert set(view["feeds"]) == set(wall_service.DOMAINS)
    json.dumps(view)  # plain data, ready for the wire and the benchmark


def test_tick_for_a_district_is_filtered(svc: DataService, lake_node: LakeNode) -> None:
    con = lake_node.backend()
    city, district = wall_service.tick(svc, NOW, None), wall_service.tick(svc, NOW, B)
    row = traffic.district_tpi(con, now=NOW, adcode=B).iloc[0]
    assert district["panels"]["traffic"]["data"]["tpi"] == pytest.approx(row["tpi"])
    latest = economy.latest(con, now=NOW, adcode=B).set_index("indicator")
    tiles = {x["indicator"]: x for x in district["panels"]["economy"]["data"]["tiles"]}
    assert tiles
    for code, tile in tiles.items():
        assert tile["value_ytd"] == pytest.approx(latest.loc[code, "value_ytd"])
    assert district["panels"]["economy"]["data"] != city["panels"]["economy"]["data"]
    assert (
        district["panels"]["radar"]["data"]["vessels"] <= city["panels"]["radar"]["data"]["vessels"]
    )


class _Failing:
    """A data service whose radar source has died (after one good answer per question)."""

    def __init__(self, inner: DataService, remember: bool) -> None:
        self.inner, self.remember = inner, remember

    def call(self, fn: Any, /, **params: Any) -> Result[Any]:
        good = self.inner.call(fn, **params)
        if fn.__module__.endswith("radar"):
            last = Result.good(good.value, NOW - timedelta(minutes=7)) if self.remember else None
            return Result.failed("IOException: no such file", last=last)
        return good

    def peek(self, fn: Any, /, **params: Any) -> Result[Any] | None:
        return None

    def behind(self, fn: Any, /, **params: Any) -> Result[Any]:
        return self.call(fn, **params)

    def late(self, fn: Any, /, **params: Any) -> Result[Any] | None:
        return None


@pytest.mark.parametrize("remember", [True, False])
def test_a_dead_feed_goes_stale_alone(svc: DataService, remember: bool) -> None:
    view = wall_service.tick(_Failing(svc, remember), NOW, None)
    radar_panel = view["panels"]["radar"]
    if remember:
        assert radar_panel["status"] == "stale"
        assert radar_panel["as_of"] is not None and radar_panel["data"]["vessels"] > 0
    else:
        assert radar_panel["status"] == "down" and radar_panel["as_of"] is None
    assert view["feeds"]["radar"]["status"] == ("stale" if remember else "down")
    others = {d: p["status"] for d, p in view["panels"].items() if d != "radar"}
    assert set(others.values()) == {"ok"}


def test_panel_status_rules() -> None:
    good, t0 = Result.good(pd.DataFrame(), NOW), NOW - timedelta(minutes=20)
    fresh = {"status": "fresh", "newest": NOW.isoformat()}
    assert wall_service.panel_status([good], fresh) == ("ok", None)
    stale_feed = {"status": "stale", "newest": t0.isoformat()}
    assert wall_service.panel_status([good], stale_feed) == ("stale", t0.isoformat())
    failed = Result.failed("x", last=Result.good(pd.DataFrame(), t0))
    assert wall_service.panel_status([good, failed], {"status": "down", "newest": None}) == (
        "stale",
        t0.isoformat(),
    )
    assert wall_service.panel_status([Result.failed("x")], fresh) == ("down", None)


def test_the_ticker_has_no_list_of_its_own(svc: DataService) -> None:
    # the ticker shows the alert store's alerts (tests/test_duty_wall.py); with no store at
    # hand it shows none, and says why
    view = wall_service.tick(svc, NOW, None)
    assert view["ticker"] == [] and view["alerts"] == "no-store" and view["pushed"] is None
    assert "ticker.none" not in str(ticker_items([], "zh", view["alerts"]))


# ── builders ───────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_body_shows_its_figures(svc: DataService, lang: str) -> None:
    view = wall_service.tick(svc, NOW, None)
    shown = {d: text_of(BODIES[d](view["panels"][d]["data"], lang)) for d in wall_service.DOMAINS}
    p = {d: view["panels"][d]["data"] for d in wall_service.DOMAINS}
    assert f"{p['traffic']['tpi']:.1f}" in shown["traffic"]
    assert str(p["radar"]["vessels"]) in shown["radar"]
    assert f"{p['river']['share'] * 100:.1f}%" in shown["river"]
    assert str(p["fire"]["alarms_today"]) in shown["fire"]
    assert t("economy.ind.gdp", lang) in shown["economy"]
    assert all("{" not in s and "panel.none" not in s for s in shown.values())


def test_badges_and_names() -> None:
    assert text_of(badge("ok", "—", "zh")) == "" and "badge--ok" in str(
        getattr(badge("ok", "", "zh"), "className", "")
    )
    assert text_of(badge("stale", "12:00", "zh")) == "数据更新于 12:00"
    assert text_of(badge("stale", "12:00", "en")) == "Data as of 12:00"
    assert text_of(badge("down", "—", "zh")) == "数据中断"
    assert shorten("湛江海湾大桥东引道北段", 6) == "湛江海湾大桥…"
    assert shorten("ORIENT WAY") == "ORIENT WAY"


def test_health_strip_says_how_old_each_feed_is() -> None:
    feeds = {
        "traffic": {"status": "fresh", "newest": NOW.isoformat(), "age_s": 30},
        "radar": {"status": "down", "newest": (NOW - timedelta(minutes=3)).isoformat()},
        "river": {"status": "down", "newest": None},
        "fire": {"status": "stale", "newest": (NOW - timedelta(days=1)).isoformat()},
    }
    cells = {c.className.split()[-1]: c for c in health_strip(feeds, NOW, "zh")[1:]}
    assert "1分钟内" in text_of(cells["feed--traffic"])
    assert "数据更新于 11:57" in text_of(cells["feed--radar"])  # 12:00 in Zhanjiang
    assert "数据中断" in text_of(cells["feed--river"])
    assert "数据更新于 07-14 12:00" in text_of(cells["feed--fire"])


def test_page_has_unique_ids_from_the_ids_module() -> None:
    districts = wall_service.district_list()
    layout = wall.page(None, districts, lang="en", playlist="river,bogus,traffic", kiosk="1")
    seen: list[str] = []
    for c in walk(layout):
        ident = getattr(c, "id", None)
        if ident is not None:
            seen.append(json.dumps(ident, sort_keys=True))
    assert len(seen) == len(set(seen)), "duplicate component ids"
    named = {v for k, v in vars(ids).items() if k.isupper() and isinstance(v, str)}
    named |= {
        f(d)
        for d in ids.DOMAINS
        for f in (ids.panel, ids.panel_body, ids.panel_badge, ids.panel_scope)
    }
    for raw in seen:
        ident = json.loads(raw)
        if isinstance(ident, str):
            assert ident in named, ident
        else:
            assert ident["type"] in (ids.TEXT, ids.DISTRICT), ident
    canvas = next(c for c in walk(layout) if getattr(c, "id", None) == ids.CANVAS)
    assert "wall--kiosk" in str(getattr(canvas, "className", ""))
    config = next(c for c in walk(layout) if getattr(c, "id", None) == ids.CONFIG)
    assert getattr(config, "data", None) == {"kiosk": True, "playlist": ["river", "traffic"]}
    assert "Command Center" in text_of(layout)


# ── callbacks ──────────────────────────────────────────────────────────────────────────


def test_refresh_sends_only_what_changed(app_ctx: Any) -> None:
    from callbacks.wall import refresh

    first = refresh(0, None, "zh", {})
    assert len(first) == len(REGIONS) + 1 and no_update not in first[:-1]
    again = refresh(1, None, "zh", first[-1])
    assert all(part is no_update for part in again[:-1])
    english = refresh(2, None, "en", first[-1])
    assert english[REGIONS.index("traffic.body")] is not no_update
    district = refresh(3, {"district": B}, "zh", first[-1])
    assert district[REGIONS.index("economy.body")] is not no_update


def test_refresh_map_sends_the_whole_map_once_then_changes(
    app: Any, lake_node: LakeNode, tmp_path: Path
) -> None:
    from callbacks.wall import refresh_map

    with app.server.app_context():
        cache = make_cache(replace(_settings(tmp_path), cache_url=""))
        app.server.extensions["brain.data"] = DataService(lake_node, cache)
        delta, state = refresh_map(0, None, "zh", None, None, "16x9", None, None)
        assert set(delta) == {"full"} and state["seq"] == 1
        assert refresh_map(1, None, "zh", None, None, "16x9", None, state) == (no_update, no_update)
        moved, _ = refresh_map(
            2, {"district": B, "entity": None}, "zh", None, None, "16x9", None, state
        )
        assert set(moved) == {"full"}  # the view changes: a whole new spec
        lost, _ = refresh_map(3, None, "zh", None, None, "16x9", None, {"token": "x", "seq": 9})
        assert set(lost) == {"full"}  # a browser the server does not know gets everything


def test_map_delta_sends_rows_that_changed() -> None:
    def spec(ships: list[dict[str, Any]], width: float = 1.0) -> dict[str, Any]:
        return {
            "initialViewState": {"zoom": 8},
            "layers": [
                {"id": "vessels-ships", "data": ships, "getLineWidth": width},
                {"id": "base-land", "data": "/assets/geo/city.geojson"},
            ],
        }

    a = [{"id": 1, "p": [110.4, 21.2]}, {"id": 2, "p": [110.5, 21.1]}]
    delta, held = map_delta(spec(a), None)
    assert delta == {"full": spec(a)}
    assert map_delta(spec(a), held)[0] is None
    b = [{"id": 1, "p": [110.41, 21.2]}, {"id": 3, "p": [110.6, 21.0]}]
    delta, _ = map_delta(spec(b), held)
    assert delta == {"layers": {"vessels-ships": {"set": {"1": b[0], "3": b[1]}, "del": ["2"]}}}
    delta, _ = map_delta(spec(a, width=2.0), held)
    assert delta == {"layers": {"vessels-ships": {"layer": spec(a, 2.0)["layers"][0]}}}
    moved = spec(a)
    moved["initialViewState"] = {"zoom": 10}
    assert map_delta(moved, held)[0] == {"full": moved}


def test_selection_follows_clicks(app_ctx: Any) -> None:
    from callbacks.wall import select

    chip = json.dumps({"adcode": B, "type": ids.DISTRICT}, separators=(",", ":"))
    assert in_callback(select, chip + ".n_clicks", [1], None, 0, 0, None) == {
        "district": B,
        "entity": None,
    }
    vessel = {"object": {"id": 412000001, "k": "vessel"}, "layer": "x"}
    picked = in_callback(select, f"{ids.MAP}.clickInfo", [], vessel, 0, 0, {"district": B})
    assert picked["district"] == B and picked["entity"]["kind"] == "vessel"
    assert in_callback(select, f"{ids.RESET}.n_clicks", [], None, 1, 0, picked) == {
        "district": None,
        "entity": None,
    }
    assert in_callback(select, f"{ids.MAP}.clickInfo", [], {"picked": False}, 0, 0, None) is (
        no_update
    )


def test_language_toggle_and_url(app_ctx: Any) -> None:
    from callbacks.wall import choose_lang, translate

    assert in_callback(choose_lang, f"{ids.LANG_TOGGLE}.n_clicks", None, 1, "zh") == "en"
    assert in_callback(choose_lang, f"{ids.LANG_URL}.data", "en", 0, None) == "en"
    assert in_callback(choose_lang, f"{ids.LANG_URL}.data", None, 0, "en") == "en"
    assert translate("en", [ids.text("wall.title")]) == [t("wall.title", "en")]


def test_detail_card_of_a_vessel(app_ctx: Any, svc: DataService) -> None:
    from callbacks.wall import show_detail

    mmsi = 412000001
    card = show_detail({"district": None, "entity": {"kind": "vessel", "id": mmsi}}, "zh")
    assert "YUE ZHAN 1" in text_of(card) and str(mmsi) in text_of(card)
    gone = wall_service.detail(svc, NOW, {"kind": "vessel", "id": 1})
    assert "已不在当前数据中" in text_of(detail_card({"kind": "vessel"}, gone, "zh"))
    assert show_detail({"district": None, "entity": None}, "zh") is None


# ── the shell ──────────────────────────────────────────────────────────────────────────


def _signed_in_leader(app: Any) -> Any:
    """A test client signed in as a leader through the sign-in form (pages need a session)."""
    import re
    from datetime import UTC, datetime

    from security import Role
    from security.web import accounts_of

    accounts, password = accounts_of(app.server), "wall-layout-test-pass"  # a test value
    if not any(u.name == "wall-leader" for u in accounts.store.users()):
        accounts.create_user(
            "wall-leader", Role.LEADER, password, now=datetime.now(UTC), actor="test"
        )
    client = app.server.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token is not None, "the sign-in form has no CSRF field"
    data = {"name": "wall-leader", "password": password, "csrf": token.group(1)}
    assert client.post("/login", data=data).status_code == 302
    return client


def test_pages_are_served_locally_with_a_strict_policy(app: Any) -> None:
    assert app.server.test_client().get("/wall").status_code == 302  # to the sign-in page
    client = _signed_in_leader(app)
    for path in ("/", "/wall", "/kiosk", "/wall?playlist=traffic&kiosk=1"):
        page = client.get(path)
        assert page.status_code == 200
        policy = page.headers["Content-Security-Policy"]
        assert "http" not in policy and "default-src 'self'" in policy
        html = page.get_data(as_text=True)
        assert 'src="http' not in html and 'href="http' not in html
        assert '"ui":false' in html  # no dev tools, so no error overlay on the wall
    assert client.get("/_dash-layout").status_code == 200


def test_a_probe_before_any_page_leaves_every_inline_script_allowed(lake_node: LakeNode) -> None:
    """The policy allows Dash's inline scripts by their hashes, the clientside callbacks' too,
    which Dash adds when it first serves a request: a readiness probe answered first leaves
    them all allowed on the pages."""
    from app import create_app

    fresh = create_app(_settings(lake_node.data_dir), clock=lambda: NOW)
    assert fresh.server.test_client().get("/healthz").status_code == 200
    page = _signed_in_leader(fresh).get("/wall")
    assert page.status_code == 200
    assert len(fresh.csp_hashes()) == 3  # the renderer's bootstrap and two of clientside callbacks
    policy = page.headers["Content-Security-Policy"]
    assert all(h in policy for h in fresh.csp_hashes()), policy
