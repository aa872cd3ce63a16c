"""The Economy page, and with it the shared page frame, in a real browser: it renders in Chinese
on the dark theme at 1920×1080 and 1366×768 with no console error and no request leaving the
host; a district click on the map filters the cards, ranking and table and lands in the URL; a
row opens the district-month detail; the URL of that view reloads to the same view; back and
forward step through it; the breadcrumb climbs back; the language link keeps the view; a bad link
is named, not a crash; exports hold exactly the filtered rows (against the adapter's answer)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
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
    plot_click,
    query_of,
    wait_query,
)

from config import Settings
from data_adapters import economy
from data_adapters.node import open_node

pytestmark = pytest.mark.browser

MAZHANG, XIASHAN = "440811", "440803"
GRID = "economy-table"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A seeded node, the year of figures up to its newest period, the adapter's answer for
    that range, and the app serving it."""
    data_dir = tmp_path_factory.mktemp("economy") / "data"
    seed(data_dir)
    node = open_node(Settings(data_dir=data_dir))
    con = node.backend()
    newest = pd.Timestamp(con.table("economy_observations").period.max().execute()).date()
    first = date(newest.year - 1, newest.month, 1)
    end = date(newest.year + (newest.month == 12), newest.month % 12 + 1, 1)
    start_utc = datetime(first.year, first.month, 1, tzinfo=UTC)
    answer = economy.observations(
        con, indicator="iva", start=start_utc, end=datetime(end.year, end.month, 1, tzinfo=UTC)
    )
    node.close()
    server = AppServer(data_dir, log=data_dir.parent / "app.log")
    server.start()
    query = f"?range=custom&from={first}&to={end}&indicator=iva"
    try:
        with browser() as b:
            yield {"server": server, "browser": b, "query": query, "answer": answer, "first": first}
    finally:
        server.stop()


def _ready(page: Any) -> None:
    page.wait_for_selector(f"#{GRID} .ag-center-cols-container .ag-row", timeout=30000)
    page.wait_for_selector("#economy-map .js-plotly-plot .maplibregl-canvas", timeout=30000)
    page.wait_for_function(
        "() => { const gd = document.querySelector('#economy-map .js-plotly-plot');"
        " return gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot"
        " && gd._fullLayout.map._subplot.map.loaded(); }",
        timeout=30000,
    )


def test_economy_page_filters_drills_reloads_and_exports(site: dict[str, Any]) -> None:
    server, query = site["server"], site["query"]
    with opened(site["browser"], server, "/economy" + query) as (page, watch):
        _ready(page)
        assert page.locator("h1.pg-title").inner_text() == "经济运行"
        assert page.locator(".pg-nav-on").inner_text() == "经济运行"
        assert "湛江市" in page.locator("#economy-cards").inner_text()
        assert len(set(grid_cells(page, GRID, "district"))) > 1  # the whole city
        shot(page, "economy-1920-city")

        # a district click on the map filters the cards, the ranking's highlight and the table
        map_click(page, "economy-map", *district_label(MAZHANG))
        wait_query(page, district=MAZHANG)
        page.wait_for_function(
            "() => document.querySelector('#economy-cards').innerText.includes('麻章区')",
            timeout=15000,
        )
        page.wait_for_function(
            f"() => [...document.querySelectorAll('#{GRID} .ag-row [col-id=district]')]"
            ".every(c => c.innerText === '麻章区')",
            timeout=15000,
        )
        assert "麻章区" in page.locator("#economy-district").inner_text()
        assert page.locator(".pg-crumbs").inner_text().replace("\n", "") == "湛江市›麻章区"

        # exports hold exactly the filtered rows: the adapter's figures of Mazhang in the range
        answer = site["answer"]
        want = answer[answer["adcode"] == MAZHANG].sort_values("period", ascending=False)
        name, body = download(page, "[data-export='table.csv']")
        assert name.startswith("economy-table-") and name.endswith(".csv")
        got = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig")
        assert set(got["adcode"].astype(str)) == {MAZHANG}
        assert got["period"].str[:10].tolist() == [str(p.date()) for p in want["period"]]
        assert got["value"].tolist() == pytest.approx(want["value"].tolist())
        assert got["value_ytd"].tolist() == pytest.approx(want["value_ytd"].tolist())
        _, xlsx = download(page, "[data-export='table.xlsx']")
        sheet = pd.read_excel(io.BytesIO(xlsx))
        assert len(sheet) == len(want) and sheet["value"].tolist() == pytest.approx(
            want["value"].tolist()
        )
        _, geo = download(page, "[data-export='map.geojson']")
        features = json.loads(geo)["features"]
        assert len(features) == 9 and all(
            f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features
        )

        # a month of the trend opens it (the first bar: the oldest month in the range)
        plot_click(page, "#economy-trend .js-plotly-plot .bars .point")
        oldest = str(want["period"].min())[:7]
        wait_query(page, district=MAZHANG, entity=oldest)

        # a row opens the district-month detail (the first row: the newest month)
        page.locator(f"#{GRID} .ag-center-cols-container .ag-row").first.locator(
            "[col-id=period_label]"
        ).click()
        q = wait_query(page, district=MAZHANG, entity=str(want["period"].max())[:7])
        page.wait_for_selector("#economy-detail table.pg-detail-table", timeout=15000)
        assert page.locator("#economy-detail tbody tr").count() >= 5  # every monthly indicator
        crumbs = page.locator(".pg-crumbs").inner_text().replace("\n", "")
        assert crumbs.startswith("湛江市›麻章区›") and "月" in crumbs
        shot(page, "economy-1920-detail")

        # the URL of this view reloads to the same view
        page.reload()
        _ready(page)
        page.wait_for_selector("#economy-detail table.pg-detail-table", timeout=15000)
        assert query_of(page) == q
        assert "麻章区" in page.locator("#economy-district").inner_text()

        # back: the month opened from the trend, back again: the district without a month;
        # forward: the month again
        page.go_back()
        wait_query(page, district=MAZHANG, entity=oldest)
        page.go_back()
        wait_query(page, district=MAZHANG, entity=None)
        page.wait_for_selector("#economy-detail .pg-empty", timeout=15000)
        assert query_of(page).get("district") == MAZHANG
        page.go_forward()
        page.wait_for_selector("#economy-detail table.pg-detail-table", timeout=15000)

        # the breadcrumb climbs back to the city
        page.locator(".pg-crumbs a", has_text="湛江市").click()
        wait_query(page, district=None, entity=None)
        page.wait_for_function(
            "() => document.querySelector('#economy-cards') &&"
            " document.querySelector('#economy-cards').innerText.includes('湛江市')",
            timeout=15000,
        )

        # the ranking's bar of a district filters too
        _ready(page)
        plot_click(page, "#economy-ranking .js-plotly-plot .bars .point")
        q = wait_query(page, range="custom")
        page.wait_for_function("() => location.search.includes('district=')", timeout=15000)

        # the language link keeps the view
        page.locator("#economy-lang").click()
        page.wait_for_function(
            "() => document.querySelector('h1.pg-title') &&"
            " document.querySelector('h1.pg-title').innerText === 'Economy'",
            timeout=15000,
        )
        q_en = query_of(page)
        assert q_en["lang"] == "en" and q_en.get("district") and q_en["from"] == q["from"]
        _ready(page)
        assert watch.errors == [] and watch.foreign == []


def test_economy_page_at_1366_and_a_bad_link(site: dict[str, Any]) -> None:
    server = site["server"]
    bad = "/economy?range=fortnight&district=999999&indicator=gold"
    with opened(site["browser"], server, bad, size=(1366, 768)) as (page, watch):
        _ready(page)
        problems = page.locator("#economy-problems").inner_text()
        assert "fortnight" in problems and "999999" in problems and "gold" in problems
        overflow = page.evaluate(
            "() => document.querySelector('.pg-shell').scrollWidth - window.innerWidth"
        )
        assert overflow <= 0
        shot(page, "economy-1366")
        # a custom range typed in: the URL takes it
        page.locator("#economy-range").click()
        page.locator(".pg-shell").get_by_text("自定义", exact=True).click()
        page.locator("#economy-from").fill(str(site["first"]))
        page.locator("#economy-to").fill(str(date(site["first"].year + 1, site["first"].month, 1)))
        page.locator("#economy-to").press("Enter")
        wait_query(page, range="custom", **{"from": str(site["first"])})
        assert watch.errors == [] and watch.foreign == []
    assert Path(shot.__code__.co_filename).exists()
