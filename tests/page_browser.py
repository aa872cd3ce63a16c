"""Helpers of the analyst pages' browser tests (on top of tests/browser.py): open a page signed
in, read the state from the URL, click a district on a plotly map where it is drawn, read an
ag-grid's cells, and take the file an export button downloads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from browser import ROOT, AppServer, Watch, sign_in, wait_for

__all__ = [
    "GEO",
    "district_label",
    "download",
    "grid_cells",
    "map_click",
    "opened",
    "plot_click",
    "query_of",
    "wait_query",
]

GEO = ROOT / "assets" / "geo" / "districts.geojson"


@contextmanager
def opened(
    b: Any,
    server: AppServer,
    path: str,
    size: tuple[int, int] = (1920, 1080),
    role: str = "analyst",
) -> Iterator[tuple[Any, Watch]]:
    """A new signed-in browser context with `path` open; yields the page and its Watch."""
    context = b.new_context(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
    sign_in(context, server, role)
    page = context.new_page()
    watch = Watch.attach(page, server.url)
    page.goto(server.url + path)
    try:
        yield page, watch
    finally:
        context.close()


def query_of(page: Any) -> dict[str, str]:
    """The query of the address bar as a plain mapping (read in the page: Playwright's `page.url`
    does not follow history.pushState)."""
    href = str(page.evaluate("() => window.location.href"))
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def wait_query(page: Any, timeout: float = 15.0, **want: str | None) -> dict[str, str]:
    """Wait until the URL's query has each `want` key at its value (None: absent)."""

    seen: list[dict[str, str]] = []

    def check() -> list[dict[str, str]] | None:
        try:
            q = query_of(page)
            seen[:] = [q]
        except Exception as e:  # the page is being loaded again (back to its first URL)
            if "context was destroyed" in str(e) or "navigating" in str(e):
                return None
            raise
        ok = all(q.get(k) == v for k, v in want.items())
        return [q] if ok else None  # a list: an empty query is an answer too

    try:
        found: dict[str, str] = wait_for(check, timeout, f"the URL to hold {want}")[0]
    except AssertionError as e:
        raise AssertionError(f"{e}; it holds {seen}") from None
    return found


def district_label(adcode: str) -> tuple[float, float]:
    """A point inside the district (its label point in the local GeoJSON)."""
    for f in json.loads(Path(GEO).read_text("utf-8"))["features"]:
        if f["properties"]["adcode"] == adcode:
            return float(f["properties"]["label_lon"]), float(f["properties"]["label_lat"])
    raise KeyError(adcode)


def map_click(page: Any, graph_id: str, lon: float, lat: float) -> None:
    """A real mouse click on the plotly map `graph_id` where (lon, lat) is drawn, once a shape
    is drawn there (a choropleth's GeoJSON arrives after the map itself)."""
    page.wait_for_function(
        """([id, lon, lat]) => {
            const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
            if (!sub || !sub.map.loaded()) return false;
            return sub.map.queryRenderedFeatures(sub.map.project([lon, lat])).length > 0;
        }""",
        arg=[graph_id, lon, lat],
        timeout=30000,
    )
    box = page.evaluate(
        """([id, lon, lat]) => {
            const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            const sub = gd._fullLayout.map._subplot;
            const p = sub.map.project([lon, lat]);
            const r = sub.map.getContainer().getBoundingClientRect();
            return {x: r.left + p.x, y: r.top + p.y};
        }""",
        [graph_id, lon, lat],
    )
    page.mouse.click(box["x"], box["y"])


def plot_click(page: Any, selector: str) -> None:
    """A real mouse click on the middle of a plotly point (plotly takes clicks on its drag layer,
    above the point, so Playwright's element click is refused)."""
    point = page.locator(selector).first
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def grid_cells(page: Any, grid_id: str, col: str) -> list[str]:
    """The text of column `col` in the rows the ag-grid `grid_id` renders."""
    cells = page.locator(f"#{grid_id} .ag-center-cols-container .ag-row [col-id='{col}']")
    return [str(c) for c in cells.all_inner_texts()]


def download(page: Any, selector: str) -> tuple[str, bytes]:
    """Click the export button `selector`; the downloaded file's name and bytes."""
    with page.expect_download(timeout=20000) as info:
        page.locator(selector).click()
    d = info.value
    path = d.path()
    return str(d.suggested_filename), Path(path).read_bytes()
