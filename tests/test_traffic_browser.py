"""The traffic page in a real browser: it renders in Chinese on the dark theme at 1920×1080 and in
English at 1366×768 with no console error and no request leaving the host; a district click on
the map filters the cards, the district bars, the worst roads and the segments table and lands in
the URL; the segments export holds exactly the adapter's segments of that district at the end of
the range; a row opens the segment's detail (24-hour and 7-day speed); that URL reloads to the
same view and back/forward step through it; an incident's effect on nearby segments opens.

The range is a custom one of whole local days ending before the seeded city's newest data, so
the view does not move while the test runs and the adapter's answer can be asked at its end."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from browser import AppServer, browser, seed, shot
from page_browser import (
    district_label,
    download,
    grid_cells,
    map_click,
    opened,
    query_of,
    wait_query,
)

from brain.timezone import TZ
from config import Settings
from data_adapters import traffic
from data_adapters.node import open_node
from services.data import floor_time, phase_of
from simulator.seed import load_manifest

pytestmark = pytest.mark.browser

SUIXI = "440823"
GRID = "traffic-segments-table"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A seeded city, the day before its newest data as the range, the adapter's segments of
    Suixi at the end of that range (as the page's data service asks it), and the app."""
    data_dir = tmp_path_factory.mktemp("traffic") / "data"
    seed(data_dir, "test")
    manifest = load_manifest(data_dir)
    assert manifest is not None
    last = datetime.fromisoformat(manifest.live_until).astimezone(TZ).date()
    first = last - timedelta(days=1)
    end = datetime(last.year, last.month, last.day, tzinfo=TZ)
    q = traffic.segment_state
    at = floor_time(end, q.ttl_s, phase_of(q.key, q.ttl_s))
    node = open_node(Settings(data_dir=data_dir))
    con = node.backend()
    answer = traffic.segment_state(con, now=at, adcode=SUIXI)
    city = traffic.segment_state(con, now=at)
    node.close()
    server = AppServer(data_dir, log=data_dir.parent / "app.log")
    server.start()
    try:
        with browser() as b:
            yield {
                "server": server,
                "browser": b,
                "query": f"?range=custom&from={first}&to={last}",
                "answer": answer,
                "city": city,
            }
    finally:
        server.stop()


def _ready(page: Any) -> None:
    page.wait_for_selector(f"#{GRID} .ag-center-cols-container .ag-row", timeout=30000)
    page.wait_for_selector("#traffic-map .js-plotly-plot .maplibregl-canvas", timeout=30000)
    page.wait_for_function(
        "() => { const gd = document.querySelector('#traffic-map .js-plotly-plot');"
        " return gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot"
        " && gd._fullLayout.map._subplot.map.loaded(); }",
        timeout=30000,
    )
    _settled(page)


def _settled(page: Any) -> None:
    """Every callback answered (no dcc.Loading still spinning over a chart)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30000
    )
    page.wait_for_timeout(300)  # the map's own redraw after its figure arrived


def _map_click(page: Any, lon: float, lat: float, adcode: str) -> None:
    """A person's click on the district at (lon, lat) of the map, until the URL holds it: the
    pointer rests there first, and a click the map let pass (plotly reads what is under the
    pointer from its last hover) is made again, as a person would (at most three times)."""
    box = page.evaluate(
        """([lon, lat]) => {
            const gd = document.querySelector('#traffic-map .js-plotly-plot');
            const sub = gd._fullLayout.map._subplot;
            const p = sub.map.project([lon, lat]);
            const r = sub.map.getContainer().getBoundingClientRect();
            return {x: r.left + p.x, y: r.top + p.y};
        }""",
        [lon, lat],
    )
    for attempt in range(3):
        page.mouse.move(box["x"] - 6, box["y"] - 6)
        page.mouse.move(box["x"], box["y"], steps=6)
        page.wait_for_timeout(400)
        map_click(page, "traffic-map", lon, lat)
        try:
            wait_query(page, 5.0, district=adcode)
            return
        except AssertionError:
            if attempt == 2:
                raise


def _all_cells(page: Any, col: str, value: str) -> None:
    page.wait_for_function(
        f"() => {{ const c = [...document.querySelectorAll('#{GRID} .ag-row [col-id={col}]')];"
        f" return c.length > 0 && c.every(e => e.innerText === '{value}'); }}",
        timeout=15000,
    )


def test_traffic_page_filters_drills_reloads_and_exports(site: dict[str, Any]) -> None:
    server, query = site["server"], site["query"]
    with opened(site["browser"], server, "/traffic" + query) as (page, watch):
        _ready(page)
        assert page.locator("h1.pg-title").inner_text() == "智慧交通"
        assert page.locator(".pg-nav-on").inner_text() == "智慧交通"
        assert len(set(grid_cells(page, GRID, "district"))) > 1  # the whole city
        assert "1 至 20 共 " + str(len(site["city"])) in page.locator(f"#{GRID}").inner_text()
        kpis = page.locator("#traffic-kpis").inner_text()
        assert "交通指数" in kpis and "公里/小时" in kpis
        page.wait_for_selector("#traffic-profile .js-plotly-plot .scatterlayer", timeout=15000)
        shot(page, "traffic-1920-city")

        # a district click on the map filters the cards, the charts and the table
        _map_click(page, *district_label(SUIXI), SUIXI)
        _all_cells(page, "district", "遂溪县")
        assert "遂溪县" in page.locator("#traffic-district").inner_text()
        assert page.locator(".pg-crumbs").inner_text().replace("\n", "").startswith("湛江市›遂溪县")
        roads = set(site["answer"]["road_name"])
        page.wait_for_function(  # the worst roads are Suixi's only
            "roads => { const gd = document.querySelector('#traffic-worst .js-plotly-plot');"
            " const y = gd && gd.data && gd.data[0] ? gd.data[0].y : [];"
            " return y.length > 0 && y.every(r => roads.includes(r)); }",
            arg=sorted(roads),
            timeout=15000,
        )
        outlined = page.evaluate(
            "() => document.querySelector('#traffic-districts .js-plotly-plot').data[0]"
            ".marker.line.width.filter(w => w > 0).length"
        )
        assert outlined == 1

        # the segments export holds exactly the adapter's segments of Suixi at the range's end
        want = site["answer"].sort_values("segment_id")
        name, body = download(page, "[data-export='segments.csv']")
        assert name.startswith("traffic-segments-") and name.endswith(".csv")
        got = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig").sort_values("segment_id")
        assert got["segment_id"].tolist() == want["segment_id"].tolist()
        assert set(got["adcode"].astype(str)) == {SUIXI}
        assert got["speed_kmh"].tolist() == pytest.approx(want["speed_kmh"].tolist(), nan_ok=True)
        assert got["tpi"].tolist() == pytest.approx(want["tpi"].tolist(), nan_ok=True)
        _, xlsx = download(page, "[data-export='segments.xlsx']")
        assert sorted(pd.read_excel(io.BytesIO(xlsx))["segment_id"]) == want["segment_id"].tolist()
        _, geo = download(page, "[data-export='map.geojson']")
        features = json.loads(geo)["features"]
        assert sorted(f["properties"]["segment_id"] for f in features) == sorted(want["segment_id"])
        assert all(f["geometry"]["type"] == "LineString" for f in features)

        # a row opens the segment's detail: its 24-hour and 7-day speed
        _settled(page)
        first = page.locator(f"#{GRID} .ag-center-cols-container .ag-row").first
        sid = first.locator("[col-id=segment_id]").inner_text()
        first.locator("[col-id=road_name]").click()
        q = wait_query(page, district=SUIXI, entity=sid)
        page.wait_for_selector("#traffic-segment-day .js-plotly-plot .scatterlayer", timeout=15000)
        page.wait_for_selector("#traffic-segment-week .js-plotly-plot", timeout=15000)
        assert sid in page.locator("#traffic-detail").inner_text()
        assert page.locator(".pg-crumbs").inner_text().replace("\n", "").endswith(sid)
        shot(page, "traffic-1920-detail")

        # the URL of this view reloads to the same view
        page.reload()
        _ready(page)
        page.wait_for_selector("#traffic-segment-day .js-plotly-plot", timeout=15000)
        assert query_of(page) == q
        _all_cells(page, "district", "遂溪县")

        # back: the district without the segment; forward: the segment again
        page.go_back()
        page.wait_for_function("() => !location.search.includes('entity=')", timeout=15000)
        page.wait_for_function(
            "() => !document.querySelector('#traffic-segment-day')", timeout=15000
        )
        assert query_of(page).get("district") == SUIXI
        page.go_forward()
        page.wait_for_selector("#traffic-segment-day .js-plotly-plot", timeout=15000)

        # the breadcrumb climbs back to the city
        page.locator(".pg-crumbs a", has_text="湛江市").click()
        wait_query(page, district=None, entity=None)
        page.wait_for_function(
            f"() => new Set([...document.querySelectorAll('#{GRID} .ag-row [col-id=district]')]"
            ".map(c => c.innerText)).size > 1",
            timeout=15000,
        )
        assert watch.errors == [] and watch.foreign == []


def test_traffic_page_in_english_at_1366_with_an_incident(site: dict[str, Any]) -> None:
    server = site["server"]
    with opened(site["browser"], server, "/traffic" + site["query"] + "&lang=en", (1366, 768)) as (
        page,
        watch,
    ):
        _ready(page)
        assert page.locator("h1.pg-title").inner_text() == "Smart traffic"
        overflow = page.evaluate(
            "() => document.querySelector('.pg-shell').scrollWidth - window.innerWidth"
        )
        assert overflow <= 0
        shot(page, "traffic-1366-en")
        rows = page.locator("#traffic-incidents-table .ag-center-cols-container .ag-row")
        assert rows.count() > 0  # the seeded day has incidents
        rows.first.locator("[col-id=kind_text]").click()
        page.wait_for_function("() => location.search.includes('incident=')", timeout=15000)
        page.wait_for_function(
            "() => { const t = document.querySelector('#traffic-impact').innerText;"
            " return t.includes('Speed before') || t.includes('No segment nearby'); }",
            timeout=20000,
        )
        shot(page, "traffic-1366-incident")

        # a bar of the worst roads sets the road filter: the table holds that road's segments
        _settled(page)
        bar = page.locator("#traffic-worst .js-plotly-plot .bars .point").last  # the worst
        road = page.evaluate(
            "() => { const y = document.querySelector('#traffic-worst .js-plotly-plot')"
            ".data[0].y; return y[y.length - 1]; }"
        )
        bar.scroll_into_view_if_needed()
        box = bar.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=4)
        page.wait_for_timeout(300)  # plotly's click reads what its hover found
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        wait_query(page, road=road)
        _all_cells(page, "road_name", road)
        assert watch.errors == [] and watch.foreign == []
