"""The fire page in a real browser (headless Chromium): renders at a desk and a laptop size with
no console error and no external request; a district click on the map filters the charts and
the tables; a unit's detail opens; the URL of the filtered view reloads to it; the export
downloads exactly the key units the adapter answers for the filters.

One seeded city (test scale) and one app server serve the module. Screenshots go to
artifacts/screenshots/fire-*.png.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from browser import AppServer, Watch, browser, shot, wait_for
from page_browser import grid_rows, map_point, open_page, served

pytestmark = pytest.mark.browser

DISTRICT = "440882"  # 雷州市
SIZES = [(1920, 1080), (1366, 768)]
UNIT_ROWS = "#fire-units-table .ag-center-cols-container .ag-row"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with served(tmp_path_factory, "fire-city") as server:
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
    wait_for(lambda: page.locator(UNIT_ROWS).count() > 0, 40, "the units table")
    wait_for(
        lambda: page.evaluate(
            "() => !!document.querySelector('#fire-map .maplibregl-canvas')"
            " && document.querySelectorAll('#fire-response .bars path').length > 0"
        ),
        30,
        "the map and the response chart",
    )
    page.wait_for_timeout(500)


def _rows(page: Any, grid: str = "fire-units-table") -> list[dict[str, Any]]:
    return grid_rows(page, grid)


def _chart(page: Any, chart: str, script: str) -> Any:
    return page.evaluate(
        f"() => {{ const gd = document.querySelector('#{chart} .js-plotly-plot'); {script} }}"
    )


def _histogram_total(page: Any) -> int:
    total: int = _chart(page, "fire-response", "return gd.data[0].y.reduce((a, b) => a + b, 0);")
    return total


def _map_units(page: Any) -> int:
    n: int = _chart(
        page,
        "fire-map",
        "return gd.data.filter(t => (t.customdata || []).length && t.customdata[0][0] === 'unit'"
        " && t.marker.size <= 10).reduce((a, t) => a + t.lon.length, 0);",
    )
    return n


def _query(page: Any) -> dict[str, list[str]]:
    """The page's query string as the browser has it now (a round trip: `page.url` is only
    brought up to date when Playwright handles its events)."""
    return parse_qs(page.evaluate("() => location.search").lstrip("?"))


def _adapter_units(app: AppServer, adcode: str | None) -> list[str]:
    from data_adapters import fire
    from data_adapters.node import LakeNode

    node = LakeNode(app.data_dir)
    try:
        frame = fire.units(node.backend(), adcode=adcode)
    finally:
        node.close()
    return sorted(str(u) for u in frame["unit_id"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_page_renders(app: AppServer, chromium: Any, size: tuple[int, int]) -> None:
    page, watch = _open(chromium, app, "/fire", size)
    assert page.inner_text("h1") == "智慧消防"
    rows = _rows(page)
    assert sorted(r["unit_id"] for r in rows) == _adapter_units(app, None)
    assert _map_units(page) == len(rows)
    assert _histogram_total(page) == len(_rows(page, "fire-incidents-table")) > 0
    kpis = page.inner_text("#fire-kpis")
    assert "5分钟到场率" in kpis and "重点单位覆盖率" in kpis
    reach = _chart(page, "fire-map", "return gd.data.filter(t => t.fill === 'toself').length;")
    assert reach == 1  # the stations' 5-minute reach, drawn as areas
    from layouts.map_geo import SEA

    painted = _chart(page, "fire-map", "return (gd.layout.map.layers || []).map(l => l.color);")
    assert painted[:1] == [SEA]  # the dark sea under the map, not the bare white style
    overflow = page.evaluate(
        "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, "the page scrolls sideways"
    shot(page, f"fire-{size[0]}x{size[1]}")
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []


def _clear_point(app: AppServer, adcode: str) -> tuple[float, float]:
    """A point of the district far from every station and key unit (a click there hits the
    district, not a marker)."""
    import json

    import numpy as np
    import shapely

    from data_adapters import fire
    from data_adapters.node import LakeNode
    from layouts.map_geo import DISTRICTS_FILE, GEO_DIR

    geo = json.loads((GEO_DIR / DISTRICTS_FILE).read_text("utf-8"))
    shape = next(
        shapely.geometry.shape(f["geometry"])
        for f in geo["features"]
        if f["properties"]["adcode"] == adcode
    )
    node = LakeNode(app.data_dir)
    try:
        con = node.backend()
        marks = np.vstack(
            [
                fire.units(con)[["lon", "lat"]].to_numpy(),
                fire.stations(con)[["lon", "lat"]].to_numpy(),
            ]
        )
    finally:
        node.close()
    west, south, east, north = shape.bounds
    xs, ys = np.meshgrid(np.linspace(west, east, 40), np.linspace(south, north, 40))
    inside = shapely.contains_xy(shape.buffer(-0.02), xs.ravel(), ys.ravel())
    x, y = xs.ravel()[inside], ys.ravel()[inside]
    far = np.hypot(marks[:, 0][None, :] - x[:, None], marks[:, 1][None, :] - y[:, None]).min(1)
    best = int(np.argmax(far))
    return float(x[best]), float(y[best])


def _click_district(page: Any, app: AppServer, adcode: str) -> None:
    """A real click (pointer moved there, then pressed) on the district, away from markers."""
    lon, lat = _clear_point(app, adcode)
    xy = map_point(page, "fire-map", lon, lat)
    # a click landing while the page still renders is lost: tried again while the URL has not
    # taken it (a click on the chosen district changes nothing, so a late one is harmless)
    for _ in range(3):
        page.mouse.move(xy[0] - 2, xy[1])
        page.mouse.move(xy[0], xy[1])
        page.wait_for_timeout(300)
        page.mouse.click(xy[0], xy[1])
        try:
            wait_for(lambda: _query(page).get("district") == [adcode], 12, "the district filter")
            return
        except AssertionError:
            continue
    raise AssertionError(f"a click on {adcode} did not filter the page")


def test_district_click_detail_reload_and_export(app: AppServer, chromium: Any) -> None:
    page, watch = _open(chromium, app, "/fire", (1920, 1080))
    city_incidents = _histogram_total(page)
    _click_district(page, app, DISTRICT)
    want = _adapter_units(app, DISTRICT)
    assert 0 < len(want) < len(_adapter_units(app, None))
    wait_for(lambda: sorted(r["unit_id"] for r in _rows(page)) == want, 30, "the table filtered")
    wait_for(lambda: _map_units(page) == len(want), 30, "the map's units filtered")
    incidents = _rows(page, "fire-incidents-table")
    assert {r["adcode"] for r in incidents} <= {DISTRICT}
    wait_for(lambda: _histogram_total(page) == len(incidents), 15, "the histogram filtered")
    assert _histogram_total(page) < city_incidents
    assert {r["adcode"] for r in _rows(page, "fire-alarms-table")} <= {DISTRICT}
    assert "雷州市" in page.inner_text("#fire-crumbs")

    # the detail of a unit: a click on its row
    page.locator(UNIT_ROWS).first.locator(".ag-cell").first.click()
    wait_for(lambda: page.locator("#fire-detail .pg-facts").count() == 1, 20, "the detail")
    entity = _query(page).get("entity", [""])[0]
    assert entity in want
    detail = page.inner_text("#fire-detail")
    assert "设备事件" in detail and "最快到达的消防站" in detail
    shot(page, "fire-detail")

    # the URL of this view reloads to it
    page.goto(page.url)
    _ready(page)
    wait_for(lambda: page.locator("#fire-detail .pg-facts").count() == 1, 20, "the detail")
    assert sorted(r["unit_id"] for r in _rows(page)) == want
    assert _query(page)["district"] == [DISTRICT] and _query(page)["entity"] == [entity]

    # the export: exactly the units on screen, the adapter's answer for the district
    with page.expect_download() as info:
        page.locator('#fire-units-table >> xpath=ancestor::section//button[text()="CSV"]').click()
    body = info.value.path().read_text("utf-8-sig")
    exported = sorted(r["unit_id"] for r in csv.DictReader(io.StringIO(body)))
    assert exported == want
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []


def _click_bar(page: Any, bar: Any) -> None:
    """A real click on a plotly bar (plotly's drag layer lies over it and takes the click)."""
    bar.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = bar.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 2, y)
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)


def test_a_station_bar_and_a_category_bar_filter_the_page(app: AppServer, chromium: Any) -> None:
    page, watch = _open(chromium, app, "/fire?district=440803", (1920, 1080))
    # the slowest station of 霞山区 (the top bar): its detail, its incidents only
    _click_bar(page, page.locator("#fire-stations .bars .point path").last)
    wait_for(lambda: _query(page).get("entity", [""])[0].startswith("FS"), 30, "the station")
    station = _query(page)["entity"][0]
    wait_for(lambda: "消防车" in page.inner_text("#fire-detail"), 30, "the station's detail")

    def station_rows() -> list[dict[str, Any]]:
        return _rows(page, "fire-incidents-table")

    wait_for(
        lambda: station_rows() and {r["station_id"] for r in station_rows()} == {station},
        30,
        "the incidents of the station",
    )
    wait_for(lambda: _histogram_total(page) == len(station_rows()), 30, "the histogram")
    with page.expect_download() as info:
        page.locator(
            '#fire-incidents-table >> xpath=ancestor::section//button[text()="CSV"]'
        ).click()
    body = info.value.path().read_text("utf-8-sig")
    exported = sorted(r["incident_id"] for r in csv.DictReader(io.StringIO(body)))
    assert exported == sorted(r["incident_id"] for r in station_rows())

    # a category bar: the units table and the map keep that category only
    _click_bar(page, page.locator("#fire-categories .bars .point path").first)
    wait_for(lambda: bool(_query(page).get("cat")), 30, "the category filter")
    category = _query(page)["cat"][0]
    wait_for(
        lambda: {r["category"] for r in _rows(page)} == {category}, 30, "the units of the category"
    )
    assert _map_units(page) == len(_rows(page))
    page.context.close()
    assert watch.errors == []
    assert watch.foreign == []
