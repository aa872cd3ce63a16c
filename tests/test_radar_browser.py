"""The radar page in a real browser (headless Chromium): renders at a desk and a laptop size with
no console error and no external request; the vessels on screen are the adapter's at the
playback's moment; a district click filters the tables and the figures; a vessel's detail opens;
the URL of that view reloads to it; the track export (CSV and GeoJSON) holds exactly the
adapter's track; play moves the moment on.

The page is opened at a fixed moment (`t`, the city's newest AIS report) of a fixed range (the
local day around it), so that every comparison with the adapter is exact. Screenshots go to
artifacts/screenshots/radar-*.png.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import shapely
from browser import AppServer, Watch, browser, shot, wait_for
from page_browser import click_district, district_label, grid_rows, open_page, served

pytestmark = pytest.mark.browser

SIZES = [(1920, 1080), (1366, 768)]
SLOW = 60  # s: a round trip of callbacks on a loaded 2-core machine (a few seconds when idle)
ROWS = "#radar-vessels-table .ag-center-cols-container .ag-row"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with served(tmp_path_factory, "radar-city") as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def moment(app: AppServer) -> dict[str, Any]:
    """The page's moment and range, and what the adapters answer for them."""
    from brain.page_state import read_query, resolve_state
    from brain.timezone import TZ
    from data_adapters import radar
    from data_adapters.node import LakeNode
    from services.data import floor_time, phase_of
    from services.geography import adcodes_of
    from services.radar_page import at_time

    node = LakeNode(app.data_dir)
    try:
        us = node.sql("SELECT epoch_us(max(ts)) AS us FROM ais_reports")["us"].iloc[0]
        newest = datetime.fromtimestamp(int(us) / 1e6, UTC).replace(second=0, microsecond=0)
        day = newest.astimezone(TZ).date()
        query = f"range=custom&from={day}&to={day + timedelta(days=1)}&t={int(newest.timestamp())}"
        raw, _ = read_query(
            dict(parse_qsl(query)), page="radar", default_preset="6h", extras={"t": None}
        )
        state = resolve_state(raw, newest)
        shown = at_time(str(int(newest.timestamp())), state.start, state.end)  # on the slider
        at = floor_time(shown, 5, phase_of("radar.vessel_positions", 5))  # as the app asks it
        positions = radar.vessel_positions(node.backend(), now=at)
        positions = positions.assign(adcode=adcodes_of(positions))
        tracks = {
            int(m): radar.track(node.backend(), mmsi=int(m), start=state.start, end=state.end)
            for m in positions["mmsi"]
        }
        zones = radar.zones(node.backend())
    finally:
        node.close()
    return {
        "query": query,
        "positions": positions,
        "tracks": tracks,
        "district": _clickable_busiest(positions, zones),
    }


def _clickable_busiest(positions: Any, zones: Any) -> str:
    """The district with the most vessels among those a pointer can pick on the map. Plotly
    gives the pointer to the nearest drawn point within 20 px, and the sea zones are drawn over
    the districts: 湛江港主航道 runs within that of all of 霞山区 at the page's zoom (about
    400 px a degree). So a district whose label point is within 0.06° of a zone is passed over.
    Which district is busiest changes with the hour the city was seeded at."""
    rings = [shapely.Polygon(json.loads(p)) for p in zones["path"]]
    near = shapely.union_all(rings).buffer(0.06)
    for adcode, _ in Counter(positions["adcode"]).most_common():
        if not shapely.contains_xy(near, *district_label(str(adcode))):
            return str(adcode)
    raise AssertionError("every district with vessels lies under a sea zone")


def _open(chromium: Any, app: AppServer, path: str, size: tuple[int, int]) -> tuple[Any, Watch]:
    page, watch = open_page(chromium, app, path, size)
    wait_for(lambda: page.locator(ROWS).count() > 0, SLOW, "the vessels table")
    wait_for(
        lambda: page.evaluate("() => !!document.querySelector('#radar-map .maplibregl-canvas')"),
        SLOW,
        "the map",
    )
    page.wait_for_timeout(500)
    return page, watch


def _rows(page: Any) -> list[int]:
    return sorted(int(r["mmsi"]) for r in grid_rows(page, "radar-vessels-table"))


def _query(page: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_page_renders(
    app: AppServer, chromium: Any, moment: dict[str, Any], size: tuple[int, int]
) -> None:
    page, watch = _open(chromium, app, "/radar?" + moment["query"], size)
    assert page.inner_text("h1") == "海上雷达 · 船舶综合监控"
    assert _rows(page) == sorted(int(m) for m in moment["positions"]["mmsi"])
    assert "在线船舶" in page.inner_text("#radar-kpis")
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, "the page scrolls sideways"
    shot(page, f"radar-{size[0]}x{size[1]}")
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []


def test_district_detail_reload_export_and_play(
    app: AppServer, chromium: Any, moment: dict[str, Any]
) -> None:
    page, watch = _open(chromium, app, "/radar?" + moment["query"], (1920, 1080))
    adcode, positions = moment["district"], moment["positions"]
    want = sorted(int(m) for m in positions.loc[positions["adcode"] == adcode, "mmsi"])
    assert 0 < len(want) < len(positions)
    click_district(page, "radar-map", adcode, SLOW)
    wait_for(lambda: _rows(page) == want, SLOW, "the vessels table filtered")
    kpi = page.locator("#radar-kpis .pg-card-value").first
    wait_for(lambda: kpi.inner_text() == str(len(want)), SLOW, "the vessel count filtered")

    # a vessel's detail: a click on its row
    wait_for(lambda: page.locator(ROWS).count() == len(want), SLOW, "the rows drawn")
    for _ in range(4):  # a row drawn while the grid redraws may miss the click: it is idempotent
        page.locator(ROWS).first.locator(".ag-cell").first.click()
        try:
            wait_for(lambda: "entity" in _query(page), SLOW / 4, "the vessel in the URL")
            break
        except AssertionError:
            continue
    mmsi = int(_query(page)["entity"][0])
    assert mmsi in want
    wait_for(lambda: page.locator("#radar-detail .pg-section-title").count() == 1, SLOW, "detail")
    track = moment["tracks"][mmsi]
    points = page.locator("#radar-detail").inner_text()
    assert str(len(track)) in points
    shot(page, "radar-detail")

    # the URL of this view reloads to it
    url = page.url
    page.goto(url)
    wait_for(lambda: page.locator("#radar-detail .pg-section-title").count() == 1, SLOW, "detail")
    wait_for(lambda: _rows(page) == want, SLOW, "the vessels table")
    assert _query(page)["district"] == [adcode] and _query(page)["entity"] == [str(mmsi)]

    # the track's exports: exactly the adapter's track over the range
    detail = page.locator("#radar-detail")
    with page.expect_download(timeout=SLOW * 1000) as info:
        detail.locator("button", has_text="CSV").click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text("utf-8-sig"))))
    assert len(rows) == len(track)
    assert [round(float(r["lon"]), 5) for r in rows] == [round(x, 5) for x in track["lon"]]
    with page.expect_download(timeout=SLOW * 1000) as info:
        detail.locator("button", has_text="GeoJSON").click()
    features = json.loads(info.value.path().read_text("utf-8"))["features"]
    lines = [f for f in features if f["geometry"]["type"] == "LineString"]
    assert len(features) == len(track) + (1 if len(track) > 1 else 0)
    assert len(lines) == (1 if len(track) > 1 else 0)

    # play: the moment moves on (a step of the slider), then pause
    before = page.inner_text("#radar-moment")
    page.locator("#radar-play").click()
    wait_for(lambda: page.inner_text("#radar-moment") != before, SLOW, "the playback to move")
    page.locator("#radar-play").click()
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []
