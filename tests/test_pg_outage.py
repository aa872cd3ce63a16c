"""PostgreSQL stopped and started again under the whole app, as production runs it: gunicorn with
two workers on a data node of PostgreSQL (a cluster of the test's own, seeded with the test
city), the accounts and alerts in a second PostgreSQL cluster, the shared cache in a Redis of the
test's own; a signed-in wall (/kiosk, as a wall display) and an analyst's /traffic in headless
Chromium. Every response the browser receives is recorded.

The data node is stopped mid-session. Within a bounded time every panel of the wall keeps its
data under a "数据更新于 HH:MM" badge and the feed strip says the same; the traffic page, asked
about a district it never showed, says the source is down; /readyz answers 503 naming the data
node while /healthz stays 200. The node is started again: the badges clear by themselves, the
traffic page answers again, /readyz is back to 200, and neither page was reloaded. No response
was a 5xx and no page logged an error. The times to detect and to recover are printed (-s) and
recorded in docs/reliability.md.

Nothing depends on the date: the city is seeded at the app's own clock (`brain seed` in a
subprocess), and the test reads times only from what the pages show.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from browser import ROOT, AppServer, Watch, account, browser, seed, shot, sign_in, wait_for
from servers import OwnPostgres, own_postgres, own_redis

pytestmark = pytest.mark.browser

REFRESH_S = 3
DOMAINS = ("economy", "traffic", "emergency", "fire", "river", "radar")
# node stopped → every panel stale-badged: a refresh, the node probe's 5 s lifetime, margin
DETECT_S = 15.0
# node started → every badge as the feeds alone make it: a failure's 5 s, a refresh, margin
RECOVER_S = 20.0
SUIXI, XIASHAN = "440823", "440803"
STALE = re.compile(r"^数据更新于 (\d{2}-\d{2} )?\d{2}:\d{2}$")  # layouts.i18n.clock_text

BADGES_JS = """(domains) => Object.fromEntries(domains.map(d => {
  const b = document.querySelector('#' + d + '-panel-badge .badge');
  const feed = document.querySelector('#wall-health .feed--' + d + ' .feed-age');
  const body = document.querySelector('#' + d + '-panel-body');
  return [d, {badge: b ? b.className : '', text: b ? b.textContent : '',
              feed: feed ? feed.className + '|' + feed.textContent : '',
              body: body ? body.innerText : ''}];
}))"""
# anything of Dash's error display: its error cards, the debug menu's errors
DASH_ERROR_JS = """() => !!document.querySelector(
  '.dash-fe-error-item, .dash-error-card__message, .dash-debug-menu__error-count'
)"""


@dataclass
class Stack:
    app: AppServer
    data_node: OwnPostgres
    statuses: list[tuple[int, str]] = field(default_factory=list)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("pg-outage")
    with own_postgres() as node, own_postgres() as store, own_redis() as redis:
        seed(folder / "data", "test", data_url=node.url)
        app = AppServer(
            folder / "data",
            gunicorn_workers=2,
            env={
                "BRAIN_DATA_URL": node.url,
                "BRAIN_STORE_URL": store.url,
                "BRAIN_CACHE_URL": redis.url,
                "BRAIN_REFRESH_S": str(REFRESH_S),
                "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
            },
            log=folder / "gunicorn.log",
        )
        # the stores made before serving, as an operator does (`users create`, `alerts list`):
        # workers starting together on an empty PostgreSQL store race to create its schema
        for role in ("display", "analyst"):
            account(app, role)
        _brain(app, "alerts", "list", "--json")
        app.start(timeout=120)
        try:
            yield Stack(app, node)
        finally:
            app.stop()


def _get(url: str) -> tuple[int, dict[str, Any]]:
    """Status and JSON body of a GET on a new connection (so either worker may answer)."""
    request = urllib.request.Request(url, headers={"Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return int(r.status), json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return int(e.code), json.loads(e.read() or b"{}")


def _probes(app: AppServer, n: int = 4) -> list[tuple[int, int, dict[str, Any]]]:
    """(/healthz status, /readyz status, /readyz checks), asked `n` times."""
    out = []
    for _ in range(n):
        health, _ = _get(app.url + "/healthz")
        ready, body = _get(app.url + "/readyz")
        out.append((health, ready, body.get("checks", body)))
    return out


def _ready(app: AppServer) -> list[tuple[int, int, dict[str, Any]]] | None:
    """The probes, when every one of them said 200."""
    probes = _probes(app)
    return probes if all(p[:2] == (200, 200) for p in probes) else None


def _open(chromium: Any, stack: Stack, path: str, role: str) -> tuple[Any, Watch]:
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    sign_in(context, stack.app, role)
    page = context.new_page()
    watch = Watch.attach(page, stack.app.url)
    page.on("response", lambda r: stack.statuses.append((r.status, r.url)))
    page.goto(stack.app.url + path)
    return page, watch


def _brain(app: AppServer, *args: str) -> str:
    """The output of `python -m brain <args>` with the app's settings (in a process on the
    machine's clock, like the app's, not this one's, which a test run may move)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), BRAIN_DATA_DIR=str(app.data_dir), **app.env)
    cmd = [sys.executable, "-m", "brain", *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _feeds(stack: Stack) -> dict[str, str]:
    """Each domain's feed status as the data node says it now (`brain check-data`)."""
    doc = json.loads(_brain(stack.app, "check-data", "--json"))
    return {d: str(v["status"]) for d, v in doc["domains"].items()}


def _as_fed(stack: Stack, page: Any) -> Badges | None:
    """The badges when each panel's is what its feed's freshness alone gives: none when the
    feed is fresh, "数据更新于 HH:MM" when it is not (no query failing any more)."""
    feeds = _feeds(stack)
    return _filled(
        page,
        lambda d, b: (
            "badge--ok" in b["badge"]
            if feeds[d] == "fresh"
            else "badge--stale" in b["badge"] and bool(STALE.match(b["text"]))
        ),
    )


Badges = dict[str, dict[str, str]]  # domain → its badge's class and text, feed cell, body


def _badges(page: Any) -> Badges:
    return dict(page.evaluate(BADGES_JS, list(DOMAINS)))


def _filled(page: Any, want: Callable[[str, dict[str, str]], bool]) -> Badges | None:
    """Every panel's badge, when every panel shows data and `want(domain, badge)` holds for
    each (None otherwise)."""
    seen = _badges(page)
    if len(seen) != len(DOMAINS) or any("加载中" in b["body"] for b in seen.values()):
        return None
    return seen if all(want(d, b) for d, b in seen.items()) else None


def _wait(
    page: Any, want: Callable[[str, dict[str, str]], bool], timeout: float, what: str
) -> Badges:
    """`_filled` waited for; on a timeout the error shows every panel's badge as it was."""
    try:
        found: Badges = wait_for(lambda: _filled(page, want), timeout, what)
    except AssertionError as e:
        raise AssertionError(f"{e}: {_badges(page)}") from None
    return found


def _steady(page: Any) -> Badges | None:
    """The badges once every panel shows data and none changed over a refresh."""
    first = _filled(page, lambda d, b: True)
    page.wait_for_timeout(REFRESH_S * 1000 + 500)
    return first if first is not None and _badges(page) == first else None


def _choose(page: Any, district: str | None) -> None:
    """The analyst picks a district in the page's district control (no reload)."""
    page.evaluate("d => window.dash_clientside.set_props('traffic-district', {value: d})", district)


def _traffic_settled(page: Any, district: str | None) -> Any:
    """The traffic page's notices once it has answered for `district` (None: not yet)."""
    return page.evaluate(
        """(d) => {
        const busy = document.querySelector('[data-dash-is-loading="true"]');
        const url = new URL(location.href).searchParams.get('district');
        const kpis = document.querySelector('#traffic-kpis');
        if (busy || url !== d || !kpis || !kpis.innerText.trim()) return null;
        const notes = [...document.querySelectorAll('#traffic-status .pg-failed')];
        return {notices: notes.map(n => n.innerText)};
    }""",
        district,
    )


def test_postgres_stopped_and_started_again_under_the_served_app(stack: Stack) -> None:
    app = stack.app
    assert _ready(app), _probes(app)
    with browser() as chromium:
        wall, wall_watch = _open(chromium, stack, "/kiosk", "display")
        before = wait_for(lambda: _steady(wall), 60, "every panel of the wall to show data")
        fresh = {d for d, b in before.items() if "badge--ok" in b["badge"]}
        # at test scale a road is read every 15 minutes, longer than the traffic feed's
        # 10-minute freshness limit, and no live feed runs: its panel may be stale already
        assert fresh >= set(DOMAINS) - {"traffic"}, before
        analyst, analyst_watch = _open(chromium, stack, "/traffic", "analyst")
        wait_for(lambda: _traffic_settled(analyst, None), 60, "the traffic page")
        assert _traffic_settled(analyst, None) == {"notices": []}
        for page in (wall, analyst):
            page.evaluate("window.__sameDocument = true")

        stopped = time.monotonic()
        stack.data_node.stop("fast")
        try:
            stale = _wait(wall, lambda d, b: "badge--stale" in b["badge"], DETECT_S, "stale badges")
            detect_s = time.monotonic() - stopped
            for domain, b in stale.items():
                assert STALE.match(b["text"]), (domain, b)
                assert "feed--stale" in b["feed"] and "数据更新于" in b["feed"], (domain, b)
                if domain not in fresh:  # stale before: the time of its last data is kept
                    assert b["text"] == before[domain]["text"], (domain, b, before[domain])
            assert not wall.evaluate(DASH_ERROR_JS), "a Dash error on the wall"
            assert not wall.evaluate("document.documentElement.classList.contains('wall-offline')")
            wall.wait_for_timeout(REFRESH_S * 1000)  # a refresh more: the state holds
            assert _filled(wall, lambda d, b: b == stale[d]), _badges(wall)
            shot(wall, "pg_outage_kiosk_stale")

            probes = _probes(app)
            assert all(health == 200 for health, _, _ in probes), probes
            assert all(ready == 503 for _, ready, _ in probes), probes
            for _, _, checks in probes:
                assert not checks["data_node"]["ok"] and checks["data_node"]["error"], checks
                assert checks["alert_store"]["ok"] and checks["cache"]["ok"], checks

            _choose(analyst, SUIXI)  # a question the page never asked: nothing to fall back on
            notes = wait_for(
                lambda: (s := _traffic_settled(analyst, SUIXI)) and s["notices"] and s,
                DETECT_S,
                "the traffic page's source-down notice",
            )
            assert all(n.startswith("数据源异常") for n in notes["notices"]), notes
            assert not analyst.evaluate(DASH_ERROR_JS), "a Dash error on the traffic page"
            shot(analyst, "pg_outage_traffic_down")
        finally:
            stack.data_node.start()
        started = time.monotonic()

        wait_for(lambda: _as_fed(stack, wall), RECOVER_S, "the badges to clear by themselves")
        recover_s = time.monotonic() - started
        shot(wall, "pg_outage_kiosk_recovered")
        ready = wait_for(lambda: _ready(app), RECOVER_S, "/readyz back to 200")
        assert all(checks["data_node"]["ok"] for _, _, checks in ready), ready

        # the analyst asks again (another district, then the one that failed): answered now
        _choose(analyst, XIASHAN)
        wait_for(lambda: _traffic_settled(analyst, XIASHAN), RECOVER_S, "霞山区 on /traffic")
        assert _traffic_settled(analyst, XIASHAN) == {"notices": []}
        _choose(analyst, SUIXI)
        wait_for(lambda: _traffic_settled(analyst, SUIXI), RECOVER_S, "遂溪县 on /traffic")
        assert _traffic_settled(analyst, SUIXI) == {"notices": []}

        for page in (wall, analyst):
            assert page.evaluate("window.__sameDocument === true"), "a page was reloaded"
        errors = wall_watch.errors + analyst_watch.errors
        foreign = wall_watch.foreign + analyst_watch.foreign
    print(
        f"\nPostgreSQL outage: every panel stale after {detect_s:.1f} s, every badge back to "
        f"its feed's own {recover_s:.1f} s after the restart (refresh every {REFRESH_S} s); "
        f"{len(stack.statuses)} responses: {sorted({s for s, _ in stack.statuses})}"
    )
    assert [s for s in stack.statuses if s[0] >= 500] == []
    assert errors == [] and foreign == []
