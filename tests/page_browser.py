"""Helpers of the analyst pages' browser tests (on top of tests/browser.py): serve a seeded city,
open a page signed in, read the state from the URL, click a district on a plotly map where it is
drawn, read an ag-grid's cells and rows, and take the file an export button downloads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import AppServer, Watch, seed, sign_in, wait_for

__all__ = [
    "click_district",
    "district_label",
    "district_points",
    "download",
    "grid_cells",
    "grid_rows",
    "map_click",
    "map_point",
    "open_page",
    "opened",
    "plot_click",
    "query_of",
    "served",
    "wait_query",
]


@contextmanager
def served(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[AppServer]:
    """The app serving a city seeded at test scale in a new folder `name`, while the block
    runs (its log in that folder's server.log)."""
    data = tmp_path_factory.mktemp(name)
    seed(data, "test")
    server = AppServer(data, log=data / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def open_page(
    b: Any,
    server: AppServer,
    path: str,
    size: tuple[int, int] = (1920, 1080),
    role: str = "analyst",
) -> tuple[Any, Watch]:
    """A page of a new signed-in browser context with `path` open, and its Watch (the caller
    closes `page.context`)."""
    context = b.new_context(viewport={"width": size[0], "height": size[1]}, accept_downloads=True)
    sign_in(context, server, role)
    page = context.new_page()
    watch = Watch.attach(page, server.url)
    page.goto(server.url + path)
    return page, watch


@contextmanager
def opened(
    b: Any,
    server: AppServer,
    path: str,
    size: tuple[int, int] = (1920, 1080),
    role: str = "analyst",
) -> Iterator[tuple[Any, Watch]]:
    """A new signed-in browser context with `path` open; yields the page and its Watch."""
    page, watch = open_page(b, server, path, size, role)
    try:
        yield page, watch
    finally:
        page.context.close()


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
    from layouts.map_geo import district

    lon, lat = district(adcode).label
    return float(lon), float(lat)


def district_points(adcode: str, n: int = 40) -> list[tuple[float, float]]:
    """Points inside the district: its label point, then the nearest `n - 1` points of a grid
    over it that fall inside (where to point when something is drawn over the label point)."""
    import shapely

    from services.geography import districts

    found = [d.geometry for d in districts() if d.adcode == adcode]
    if not found:
        raise KeyError(adcode)
    area = found[0].buffer(-0.01)  # not on the boundary
    label = district_label(adcode)
    x0, y0, x1, y1 = area.bounds
    grid = [
        (x0 + (x1 - x0) * i / 15, y0 + (y1 - y0) * j / 15) for i in range(16) for j in range(16)
    ]
    inside = [p for p in grid if shapely.contains_xy(area, *p)]
    inside.sort(key=lambda p: (p[0] - label[0]) ** 2 + (p[1] - label[1]) ** 2)
    return [label, *inside[: n - 1]]


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


def map_point(page: Any, graph_id: str, lon: float, lat: float) -> tuple[float, float]:
    """Where (lon, lat) is drawn on the plotly map `graph_id`, in the page's pixels."""
    x, y = page.evaluate(
        """([id, lon, lat]) => {
          const gd = document.querySelector('#' + id + ' .js-plotly-plot');
          const m = gd._fullLayout.map._subplot.map;
          const p = m.project([lon, lat]);
          const r = m.getCanvasContainer().getBoundingClientRect();
          return [r.left + p.x, r.top + p.y];
        }""",
        [graph_id, lon, lat],
    )
    return float(x), float(y)


def click_district(page: Any, graph_id: str, adcode: str, timeout: float) -> None:
    """A real click on the district on the plotly map `graph_id` (its label point, or the nearest
    point inside it with nothing drawn over it) once plotly picks the district under the pointer
    (on hover, when the map is drawn); clicked again while the URL has not taken it (a district
    click selects, never toggles)."""
    hovered = (
        f"() => (document.querySelector('#{graph_id} .js-plotly-plot')._hoverdata || [{{}}])[0]"
    )
    picked = None
    for tries, (lon, lat) in zip((40, *[4] * 39), district_points(adcode), strict=False):
        x, y = map_point(page, graph_id, lon, lat)  # a vessel or a marker may sit on the label
        for i in range(tries):
            page.mouse.move(x + i % 2, y)
            page.wait_for_timeout(250)
            if page.evaluate(hovered + ".location") == adcode:
                picked = x, y
                break
        if picked:
            break
    if picked is None:
        raise AssertionError(f"the map never picked {adcode} under the pointer")
    x, y = picked
    for _ in range(4):
        page.mouse.click(x + 1, y)
        try:
            wait_for(lambda: query_of(page).get("district") == adcode, timeout / 4, "the district")
            return
        except AssertionError:
            continue
    raise AssertionError(f"a click on {adcode} did not filter the page")


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


def grid_rows(page: Any, grid_id: str) -> list[dict[str, Any]]:
    """The rows of the ag-grid `grid_id` as its client holds them (every page of the grid,
    filtered and sorted as shown); none while the grid is not there yet."""
    rows: list[dict[str, Any]] = page.evaluate(
        """(grid) => {
          let api;
          try { api = dash_ag_grid.getApi(grid); } catch (e) { return []; }
          const out = [];
          api.forEachNodeAfterFilterAndSort(n => out.push(n.data));
          return out;
        }""",
        grid_id,
    )
    return rows


def download(page: Any, selector: str) -> tuple[str, bytes]:
    """Click the export button `selector`; the downloaded file's name and bytes."""
    with page.expect_download(timeout=20000) as info:
        page.locator(selector).click()
    d = info.value
    path = d.path()
    return str(d.suggested_filename), Path(path).read_bytes()
