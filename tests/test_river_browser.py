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
