"""The river page in a real browser (headless Chromium): renders at a desk and a laptop size with
no console error and no external request; a district click on the map filters the charts and
the tables; a section's detail opens; the URL of the filtered view reloads to it; the export
downloads exactly the sections the adapter answers for the filters; a chosen patrol stays chosen
(URL, bold track, map fitted to it), a click on it hides it, back/forward and a reload reproduce
it, and a second click before its list is drawn anew keeps it chosen.

The URL is read in the page (`query_of`): Playwright's `page.url` only follows history.pushState
when the test calls into the page, so a wait on it saw no change and clicked the patrol again.

One seeded city (test scale) and one app server serve the module. Screenshots go to
artifacts/screenshots/river-*.png.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import AppServer, Watch, browser, shot, wait_for
from page_browser import click_district, grid_rows, open_page, query_of, served, wait_query
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser

DISTRICT = "440882"  # 雷州市: its label point lies away from every section and reach
SIZES = [(1920, 1080), (1366, 768)]
SECTION_ROWS = "#river-sections-table .ag-center-cols-container .ag-row"
SLOW = 60  # s: a round trip of callbacks on a loaded 2-core machine (a few seconds when idle)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with served(tmp_path_factory, "river-city") as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def _open(chromium: Any, app: AppServer, path: str, size: tuple[int, int]) -> tuple[Any, Watch]:
    page, watch = open_page(chromium, app, path, size)
    _ready(page)
    return page, watch


def _ready(page: Any) -> None:
    wait_for(lambda: page.locator(SECTION_ROWS).count() > 0, SLOW, "the sections table")
    wait_for(
        lambda: page.evaluate(
            "() => !!document.querySelector('#river-map .maplibregl-canvas')"
            " && document.querySelectorAll('#river-classes .bars path').length > 0"
        ),
        SLOW,
        "the map and the class chart",
    )
    page.wait_for_timeout(500)


def _rows(page: Any) -> list[dict[str, Any]]:
    """The rows of the sections grid, as its client holds them (every page of the grid)."""
    return grid_rows(page, "river-sections-table")


def _class_total(page: Any) -> int:
    total: int = page.evaluate(
        "() => document.getElementById('river-classes').querySelector('.js-plotly-plot')"
        ".data[0].y.reduce((a, b) => a + b, 0)"
    )
    return total


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _newest_reading(app: AppServer) -> datetime:
    from data_adapters.node import LakeNode

    node = LakeNode(app.data_dir)
    try:
        us = node.sql("SELECT epoch_us(max(ts)) AS us FROM river_readings")["us"].iloc[0]
    finally:
        node.close()
    return datetime.fromtimestamp(int(us) / 1e6, UTC)


def _adapter_sections(app: AppServer, adcode: str | None) -> list[str]:
    """The sections the adapter answers at the city's newest reading."""
    from data_adapters import river
    from data_adapters.node import LakeNode

    now = _newest_reading(app)
    node = LakeNode(app.data_dir)
    try:
        frame = river.stations_latest(node.backend(), now=now, adcode=adcode)
    finally:
        node.close()
    return sorted(str(s) for s in frame["station_id"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_page_renders(app: AppServer, chromium: Any, size: tuple[int, int]) -> None:
    page, watch = _open(chromium, app, "/river", size)
    assert page.inner_text("h1") == "河长制 · 水质与巡河"
    assert len(_rows(page)) == _class_total(page) == len(_adapter_sections(app, None))
    kpis = page.inner_text("#river-kpis")
    assert "断面达标率" in kpis and "问题办结率" in kpis
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, "the page scrolls sideways"
    shot(page, f"river-{size[0]}x{size[1]}")
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []


def test_district_click_detail_reload_and_export(app: AppServer, chromium: Any) -> None:
    page, watch = _open(chromium, app, "/river", (1920, 1080))
    city = len(_rows(page))
    click_district(page, "river-map", DISTRICT, SLOW)
    want = _adapter_sections(app, DISTRICT)
    assert 0 < len(want) < city
    wait_for(
        lambda: sorted(r["station_id"] for r in _rows(page)) == want, SLOW, "the table filtered"
    )
    wait_for(lambda: _class_total(page) == len(want), SLOW, "the class chart")
    assert {r["adcode"] for r in _rows(page)} == {DISTRICT}
    assert "雷州市" in page.inner_text("#river-crumbs")

    # the detail of a section: a click on its row
    first = page.locator(SECTION_ROWS).first
    station = str(first.get_attribute("row-id") or "")
    first.locator(".ag-cell").first.click()
    wait_for(lambda: page.locator("#river-detail .js-plotly-plot").count() == 1, SLOW, "the detail")
    entity = _query(page).get("entity", [""])[0]
    assert entity in want and (not station or entity == station)
    detail = page.inner_text("#river-detail")
    assert "责任河长" in detail
    assert (
        page.evaluate(
            "() => document.querySelector('#river-detail .js-plotly-plot').layout.shapes.length"
        )
        >= 30
    )  # six parameters, five or six class bands each
    shot(page, "river-detail")

    # the URL of this view reloads to it
    url = page.url
    page.goto(url)
    _ready(page)
    wait_for(lambda: page.locator("#river-detail .js-plotly-plot").count() == 1, SLOW, "the detail")
    assert sorted(r["station_id"] for r in _rows(page)) == want
    assert _query(page)["district"] == [DISTRICT] and _query(page)["entity"] == [entity]

    # the export: exactly the sections on screen, the adapter's answer for the district
    with page.expect_download(timeout=SLOW * 1000) as info:
        page.locator(
            '#river-sections-table >> xpath=ancestor::section//button[text()="CSV"]'
        ).click()
    body = info.value.path().read_text("utf-8-sig")
    exported = sorted(r["station_id"] for r in csv.DictReader(io.StringIO(body)))
    assert exported == want
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []


def _patrolled_station(app: AppServer) -> tuple[str, list[str]]:
    """A section of DISTRICT whose reach was patrolled in the last 30 days, and its reach's
    stored chain of chiefs (level and name, the highest first). Patrolled within 29 days of the
    newest reading: the page's 30 days end at its own clock, later than that reading (by the
    minutes the module has run), and a patrol of the window's first hours would be out of it."""
    from datetime import timedelta

    from data_adapters import river
    from data_adapters.node import LakeNode

    now = _newest_reading(app)
    node = LakeNode(app.data_dir)
    try:
        con = node.backend()
        stations = river.stations(con, adcode=DISTRICT)
        tracks = river.patrol_tracks(con, start=now - timedelta(days=29), end=now, adcode=DISTRICT)
        chains = river.reach_chiefs(con, adcode=DISTRICT)
    finally:
        node.close()
    walked = stations[stations["reach_id"].isin(set(tracks["reach_id"]))]
    assert not walked.empty, "no section of the district has a patrolled reach"
    station = walked.iloc[0]
    chain = chains[chains["reach_id"] == station["reach_id"]]
    return str(station["station_id"]), [str(n) for n in chain["name"]]


def _traces(page: Any, name: str) -> list[float]:
    """The longitudes of the map's trace called `name` (None breaks left out)."""
    lons: list[float] = page.evaluate(
        "(name) => document.querySelector('#river-map .js-plotly-plot').data"
        ".filter(d => d.name === name).flatMap(d => d.lon).filter(x => x !== null)",
        name,
    )
    return lons


class _Calls:
    """The page's callback requests in flight (the Dash renderer's POSTs), to wait until a
    change has run its course."""

    def __init__(self, page: Any) -> None:
        self.open: set[Any] = set()
        self.last = time.monotonic()
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request: Any) -> None:
        if _callback_url(request.url):
            self.open.add(request)
            self.last = time.monotonic()

    def _end(self, request: Any) -> None:
        if request in self.open:
            self.open.discard(request)
            self.last = time.monotonic()

    def settle(self, page: Any, quiet: float = 1.0) -> None:
        """Wait until no callback has been in flight for `quiet` seconds."""

        def done() -> bool:
            page.wait_for_timeout(100)  # lets Playwright deliver the page's events
            return not self.open and time.monotonic() - self.last > quiet

        wait_for(done, SLOW, "the callbacks to settle")


def _callback_url(url: str) -> bool:
    """A callback request of the Dash renderer (its URL carries a query: no glob)."""
    return "/_dash-update-component" in url


def _patrol_button(page: Any, nth: int = 0) -> tuple[Any, str]:
    button = page.locator("#river-detail .rv-patrol").nth(nth)
    patrol = str(button.get_attribute("id") or "")
    return button, json.loads(patrol)["patrol"]


def _map_view(page: Any) -> dict[str, Any]:
    """The map as drawn: its zoom, and whether its bounds hold every point of the chosen track
    (None when no track is chosen; both None while the map is not drawn)."""
    view: dict[str, Any] = page.evaluate(
        """(name) => {
          const gd = document.querySelector('#river-map .js-plotly-plot');
          const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
          if (!sub) return {zoom: null, holds: null};
          const m = sub.map;
          const b = m.getBounds();
          const tr = gd.data.find(d => d.name === name);
          const pts = tr ? tr.lon.map((x, i) => [x, tr.lat[i]]).filter(p => p[0] !== null) : null;
          return {zoom: m.getZoom(),
                  holds: pts && pts.every(p => b.contains(p))};
        }""",
        "所选巡河轨迹",
    )
    return view


def _shows_patrol(page: Any, patrol: str, district_zoom: float) -> bool:
    """The patrol's view: its id in the URL, its button marked, its track bold on the map and
    the map fitted to it (closer in than the district)."""
    view = _map_view(page)
    return bool(
        query_of(page).get("patrol") == patrol
        and page.locator("#river-detail .rv-patrol.is-chosen").count() == 1
        and page.locator(f"#river-detail .rv-patrol.is-chosen[id*='{patrol}']").count() == 1
        and len(_traces(page, "所选巡河轨迹")) > 10
        and view["holds"]
        and view["zoom"] is not None
        and view["zoom"] > district_zoom + 1
    )


def _shows_none(page: Any, district_zoom: float) -> bool:
    """No patrol chosen: none in the URL, none marked or bold, the map back on the district."""
    return bool(
        "patrol" not in query_of(page)
        and page.locator("#river-detail .rv-patrol.is-chosen").count() == 0
        and not _traces(page, "所选巡河轨迹")
        and (zoom := _map_view(page)["zoom"]) is not None
        and abs(zoom - district_zoom) < 0.05
    )


def _loaded_again(page: Any) -> bool:
    """Whether the page is a new document (no `beforeBack` mark) that has loaded."""
    try:
        return bool(page.evaluate("() => !window.beforeBack && document.readyState === 'complete'"))
    except PlaywrightError:  # the old document went while asked
        return False


def _opened_section(
    chromium: Any, app: AppServer
) -> tuple[Any, Watch, _Calls, float, str, list[str]]:
    """A patrolled section of DISTRICT open over 30 days, its reach's tracks drawn; the page, its
    Watch and callbacks, the map's zoom on the district, the section and its chain of chiefs."""
    station, chain = _patrolled_station(app)
    path = f"/river?range=30d&district={DISTRICT}&entity={station}"
    page, watch = _open(chromium, app, path, (1920, 1080))
    calls = _Calls(page)
    wait_for(lambda: page.locator("#river-detail .rv-patrol").count() > 0, SLOW, "the patrols")
    wait_for(lambda: len(_traces(page, "巡河轨迹")) > 10, SLOW, "the tracks on the map")
    calls.settle(page)
    return page, watch, calls, float(_map_view(page)["zoom"]), station, chain


def test_a_patrol_track_and_the_chain_of_chiefs(app: AppServer, chromium: Any) -> None:
    page, watch, calls, district_zoom, station, chain = _opened_section(chromium, app)
    # the chain of chiefs as river_chiefs stores it, the city chief first
    chiefs = page.locator("#river-detail .rv-chief").all_inner_texts()
    assert [c.split(" ")[1] for c in chiefs] == chain and len(chain) >= 2
    assert chiefs[0].startswith("市级") and chiefs[0].endswith("湛江市")

    # one click chooses a patrol: bold, marked, named in the URL, the map fitted to it ...
    button, patrol = _patrol_button(page)
    button.click()
    wait_for(lambda: _shows_patrol(page, patrol, district_zoom), SLOW, "the chosen patrol")
    assert "巡河轨迹" in page.inner_text("#river-detail .rv-track-facts")
    # ... and it stays chosen
    calls.settle(page)
    page.wait_for_timeout(3500)
    assert _shows_patrol(page, patrol, district_zoom), "the chosen patrol did not stay chosen"
    chosen_url = str(page.evaluate("() => window.location.href"))
    page.evaluate("() => document.getElementById('river-map').scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)
    shot(page, "river-track")

    # a click on the chosen patrol hides its track, and the map goes back to the district
    _patrol_button(page)[0].click()
    wait_for(lambda: _shows_none(page, district_zoom), SLOW, "the patrol hidden")
    calls.settle(page)
    page.wait_for_timeout(3000)
    assert _shows_none(page, district_zoom), "the hidden patrol came back"

    # back and forward step between the two views
    page.go_back()
    wait_for(lambda: _shows_patrol(page, patrol, district_zoom), SLOW, "the patrol after back")
    page.go_forward()
    wait_for(lambda: _shows_none(page, district_zoom), SLOW, "no patrol after forward")

    # the URL of the patrol's view reloads to it
    page.goto(chosen_url)
    _ready(page)
    wait_for(lambda: _shows_patrol(page, patrol, district_zoom), SLOW, "the patrol reloaded")
    assert query_of(page)["entity"] == station

    # another section chosen (a row of the table) leaves the patrol with its own section
    row = page.locator(f'{SECTION_ROWS}:not([row-id="{station}"])').first
    other = str(row.get_attribute("row-id") or "")
    assert other and other != station
    row.locator(".ag-cell").first.click()
    wait_query(page, SLOW, entity=other, patrol=None)
    wait_for(lambda: not _traces(page, "所选巡河轨迹"), SLOW, "the patrol's track gone")
    # back to the URL as opened: the page loads it again (assets/page.js)
    page.evaluate("() => { window.beforeBack = true; }")
    page.go_back()
    wait_for(lambda: _loaded_again(page), SLOW, "the page loaded again")
    _ready(page)
    wait_for(lambda: _shows_patrol(page, patrol, district_zoom), SLOW, "the patrol after back")

    # the close control leaves the section and its patrol
    page.locator("#river-detail-close").click()
    wait_query(page, SLOW, entity=None, patrol=None)
    wait_for(
        lambda: page.locator("#river-detail .rv-patrol").count() == 0, SLOW, "the detail closed"
    )
    wait_for(lambda: not _traces(page, "所选巡河轨迹"), SLOW, "the patrol's track gone")
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []


def test_a_repeated_click_keeps_the_patrol_chosen(app: AppServer, chromium: Any) -> None:
    """A second click on a patrol before its list is drawn anew (the page's state already holds
    the patrol, its button not yet marked) chooses it again instead of hiding it."""
    page, watch, calls, district_zoom, _, _ = _opened_section(chromium, app)
    held: list[Any] = []
    holding = [True]

    def hold(route: Any) -> None:  # the detail's new drawing waits while holding
        if holding[0] and "river-detail.children" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    page.route(_callback_url, hold)
    button, patrol = _patrol_button(page)
    button.click()
    wait_query(page, SLOW, patrol=patrol)
    wait_for(lambda: page.wait_for_timeout(100) or held, SLOW, "the detail's drawing held")
    assert page.locator("#river-detail .rv-patrol.is-chosen").count() == 0
    holding[0] = False
    button.click()  # the same button, still drawn unchosen
    page.wait_for_timeout(1000)
    for route in held:
        route.continue_()
    calls.settle(page)
    page.wait_for_timeout(3000)
    assert _shows_patrol(page, patrol, district_zoom), "the repeated click hid the patrol"
    page.unroute(_callback_url)
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []
