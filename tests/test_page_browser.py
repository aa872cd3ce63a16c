"""The shared page frame in a real browser (on the Economy page, the frame's first user): the nav
lists the pages the user may see, a control's change lands in the URL as a history entry, back
to the URL the page was first opened with restores that view (the page is loaded again: Dash's
router does not redraw the URL it drew last) and forward redraws the later one; the language
link switches the whole frame; no console error, no request leaving the host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser import AppServer, browser, seed, shot
from page_browser import opened, query_of, wait_query

from security import PAGE_ROLES, Role

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    data_dir = tmp_path_factory.mktemp("frame") / "data"
    seed(data_dir)
    app = AppServer(data_dir, log=data_dir.parent / "app.log")
    app.start()
    try:
        yield app
    finally:
        app.stop()


def _range_label(page: Any) -> str:
    return str(page.locator("#economy-range").inner_text()).strip()


def test_frame_history_language_and_nav(server: AppServer) -> None:
    with browser() as b, opened(b, server, "/economy", role="leader") as (page, watch):
        page.wait_for_selector("#economy-table .ag-center-cols-container .ag-row", timeout=40000)
        nav = page.locator(".pg-nav a")
        labels = nav.all_inner_texts()
        seen = [p for p in ("wall", "economy", "traffic", "emergency", "fire", "river", "radar")
                if Role.LEADER in PAGE_ROLES[p]]  # fmt: skip
        assert len(labels) == len(seen) and labels[1] == "经济运行"
        assert _range_label(page) == "近3年"

        # a control's change: a history entry with the new state
        page.locator("#economy-range").click()
        page.locator(".pg-shell").get_by_text("近1年", exact=True).click()
        wait_query(page, range="1y")
        page.wait_for_function(
            "() => document.querySelectorAll('#economy-table .ag-row').length > 0", timeout=20000
        )

        # back to the URL as first opened: the page is loaded again, with its view
        page.go_back()
        wait_query(page, range=None)
        page.wait_for_selector("#economy-table .ag-center-cols-container .ag-row", timeout=40000)
        page.wait_for_function(
            "() => document.querySelector('#economy-range').innerText.includes('近3年')",
            timeout=20000,
        )
        # forward: Dash's router draws the later view
        page.go_forward()
        wait_query(page, range="1y")
        page.wait_for_function(
            "() => document.querySelector('#economy-range').innerText.includes('近1年')",
            timeout=20000,
        )
        # the view drawn to the end before the page is left (a graph plotly is still drawing
        # when the page is left throws in it): no callback in flight, then a moment to draw
        page.wait_for_function(
            "() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=20000
        )
        page.wait_for_timeout(500)

        # the language link: the whole frame in English, the view kept
        page.locator("#economy-lang").click()
        page.wait_for_function(
            "() => document.querySelector('.pg-nav-on') &&"
            " document.querySelector('.pg-nav-on').innerText === 'Economy'",
            timeout=20000,
        )
        assert query_of(page) == {
            "range": "1y",
            "lang": "en",
            "indicator": "iva",
            "by": "value_ytd",
        }
        assert page.locator(".pg-brand").inner_text() == "Zhanjiang Brain"
        assert _range_label(page) == "Last year"
        page.wait_for_selector("#economy-table .ag-center-cols-container .ag-row", timeout=40000)
        shot(page, "page-frame-en")
        assert watch.errors == [] and watch.foreign == []
