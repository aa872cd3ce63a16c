"""The river page in a real browser (headless Chromium): renders at a desk and a laptop size with
no console error and no external request; a district click on the map filters the charts and
the tables; a section's detail opens; the URL of the filtered view reloads to it; the export
downloads exactly the sections the adapter answers for the filters.

One seeded city (test scale) and one app server serve the module. Screenshots go to
artifacts/screenshots/river-*.png.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import AppServer, Watch, browser, shot, wait_for
from page_browser import click_district, grid_rows, open_page, served

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
    stored chain of chiefs (level and name, the highest first)."""
    from datetime import timedelta

    from data_adapters import river
    from data_adapters.node import LakeNode

    now = _newest_reading(app)
    node = LakeNode(app.data_dir)
    try:
        con = node.backend()
        stations = river.stations(con, adcode=DISTRICT)
        tracks = river.patrol_tracks(con, start=now - timedelta(days=30), end=now, adcode=DISTRICT)
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


def _click_until(page: Any, selector: str, done: Any) -> None:
    """Click `selector` until `done()`: a click that lands while the detail is drawn anew (its
    first answers arrive one after the other) reaches a button that is about to be replaced."""
    for _ in range(4):
        page.locator(selector).click()
        try:
            wait_for(done, SLOW / 4, f"the effect of clicking {selector}")
            return
        except AssertionError:
            continue
    raise AssertionError(f"clicking {selector} changed nothing")


def test_a_patrol_track_and_the_chain_of_chiefs(app: AppServer, chromium: Any) -> None:
    station, chain = _patrolled_station(app)
    path = f"/river?range=30d&district={DISTRICT}&entity={station}"
    page, watch = _open(chromium, app, path, (1920, 1080))
    wait_for(lambda: page.locator("#river-detail .rv-patrol").count() > 0, SLOW, "the patrols")
    # the chain of chiefs as river_chiefs stores it, the city chief first
    chiefs = page.locator("#river-detail .rv-chief").all_inner_texts()
    assert [c.split(" ")[1] for c in chiefs] == chain and len(chain) >= 2
    assert chiefs[0].startswith("市级") and chiefs[0].endswith("湛江市")
    # the reach's patrol tracks on the map, then one chosen: bold, and named in the URL
    wait_for(lambda: len(_traces(page, "巡河轨迹")) > 10, SLOW, "the tracks on the map")
    _click_until(page, "#river-detail .rv-patrol >> nth=0", lambda: "patrol" in _query(page))
    wait_for(lambda: len(_traces(page, "所选巡河轨迹")) > 10, SLOW, "the chosen track")
    wait_for(
        lambda: page.locator("#river-detail .rv-patrol.is-chosen").count() == 1,
        SLOW,
        "the chosen patrol marked",
    )
    assert "巡河轨迹" in page.inner_text("#river-detail .rv-track-facts")
    page.locator("#river-map").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # the map settles on the chosen track
    shot(page, "river-track")
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []
