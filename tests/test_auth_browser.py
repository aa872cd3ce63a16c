"""Sign-in, roles and hostile data in a real browser (headless Chromium): the sign-in page in
both languages, the forced password change, a wall display on its token and its revocation,
the admin page, a page refused to a role, and a seeded city with a vessel named
`<img src=x onerror=alert(1)>` and an emergency note with `<script>`: shown as text, no dialog,
no Content-Security-Policy violation.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from browser import AppServer, Watch, account, browser, seed, shot, sign_in, wait_for

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
REFRESH_S = 3
VESSEL = "<img src=x onerror=alert(1)>"
NOTE = "<script>alert(2)</script>台风警报"
RADAR = "#radar-panel-body"
CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _hostile(data_dir: Path) -> None:
    """New latest states of every vessel, with a hostile name, and a new emergency event with a
    hostile note
    (written to the data node as the ingest path writes: appended Parquet of the schema)."""
    from config import load_settings
    from data_adapters.node import open_node
    from data_adapters.schema import table

    node = open_node(replace(load_settings({}), data_dir=data_dir, data_url=""))
    try:
        con = node.backend()
        vessels = con.table("vessels").to_pandas()
        latest = vessels.sort_values("ts").groupby("mmsi").tail(1).copy()
        latest["name"] = VESSEL
        latest["ts"] = latest["ts"] + pd.Timedelta(seconds=1)
        node.append(table("vessels"), latest)
        events = con.table("emergency_events").to_pandas().sort_values("ts")
        event = events.tail(1).copy()  # the newest event's place and kind, reported anew
        event["event_id"] = "XSS-0001"
        event["ts"] = event["reported_ts"] = events["ts"].max() + pd.Timedelta(seconds=1)
        event["status"], event["level"], event["title"] = "responding", "I", NOTE
        node.append(table("emergency_events"), event)
    finally:
        node.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    data = tmp_path_factory.mktemp("auth-city")
    seed(data, "test")
    _hostile(data)
    server = AppServer(data, env={"BRAIN_REFRESH_S": str(REFRESH_S)}, log=data / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


def _page(chromium: Any, server: AppServer, role: str | None) -> tuple[Any, Watch, list[str]]:
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    if role:
        sign_in(context, server, role)
    page = context.new_page()
    page.add_init_script(CSP_WATCH)
    dialogs: list[str] = []

    def dialog(d: Any) -> None:
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    return page, Watch.attach(page, server.url), dialogs


def _cli(server: AppServer, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), BRAIN_DATA_DIR=str(server.data_dir))
    done = subprocess.run(
        [sys.executable, "-m", "brain", *args, "--data-dir", str(server.data_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def _filled(page: Any) -> None:
    wait_for(
        lambda: page.evaluate("""() => {
          const b = [...document.querySelectorAll('.panel-body')];
          return b.length === 6 && b.every(x => !x.textContent.includes('加载中')
            && !x.textContent.includes('Loading'));
        }"""),
        60,
        "the wall's panels",
    )


def _no_csp_violation(page: Any, watch: Watch) -> None:
    assert page.evaluate("window.__csp") == []
    assert [e for e in watch.errors if "Content Security Policy" in e] == []


def test_sign_in_page_in_both_languages_refuses_a_wrong_password(
    app: AppServer, chromium: Any
) -> None:
    name, password = account(app, "analyst")
    page, watch, _ = _page(chromium, app, None)
    page.goto(app.url + "/wall")
    assert "/login?next=%2Fwall" in page.url
    assert page.inner_text(".signin-brand") == "湛江大脑"
    assert page.get_attribute("html", "lang") == "zh-CN"
    shot(page, "signin_zh")
    page.click(".signin-lang")
    wait_for(lambda: page.inner_text("#signin-submit") == "Sign in", 10, "English")
    page.fill("#signin-name", name)
    page.fill("#signin-password", "not-the-password")
    page.click("#signin-submit")
    wait_for(lambda: page.is_visible("#signin-error"), 10, "the error")
    assert page.inner_text("#signin-error") == "Wrong account or password."
    shot(page, "signin_en_error")
    page.fill("#signin-password", password)
    page.click("#signin-submit")
    page.wait_for_url("**/wall", timeout=15_000)
    _filled(page)
    _no_csp_violation(page, watch)
    page.context.close()


def test_first_sign_in_forces_a_new_password(app: AppServer, chromium: Any) -> None:
    out = _cli(app, "users", "create", "--name", "new-leader", "--role", "leader")
    one_time = re.search(r"one-time password of new-leader: (\S+)", out)
    assert one_time, out
    page, watch, _ = _page(chromium, app, None)
    page.goto(app.url + "/login")
    page.fill("#signin-name", "new-leader")
    page.fill("#signin-password", one_time.group(1))
    page.click("#signin-submit")
    page.wait_for_url("**/password", timeout=15_000)
    assert "首次登录须设置新密码" in page.inner_text(".signin-card")
    page.goto(app.url + "/wall")  # every page waits for the new password
    assert page.url.endswith("/password")
    shot(page, "signin_password_change")
    page.fill("#signin-old", one_time.group(1))
    page.fill("#signin-new", "a-brand-new-password")
    page.fill("#signin-confirm", "a-brand-new-password")
    page.click("#signin-submit")
    page.wait_for_url(app.url + "/", timeout=15_000)
    _filled(page)
    _no_csp_violation(page, watch)
    page.context.close()


def test_hostile_data_strings_are_text_on_the_wall_and_the_kiosk(
    app: AppServer, chromium: Any
) -> None:
    for role, path in (("leader", "/wall"), ("display", "/kiosk")):
        page, watch, dialogs = _page(chromium, app, role)
        page.goto(app.url + path)
        _filled(page)
        # the panels shorten long names: the start of each, as text
        wait_for(lambda p=page: VESSEL[:14] in p.inner_text(RADAR), 30, "the vessel")
        wait_for(lambda p=page: NOTE[:14] in p.inner_text("#emergency-panel-body"), 30, "note")
        page.wait_for_timeout(REFRESH_S * 1000)  # a refresh with them on screen
        shot(page, f"xss{path.replace('/', '_')}")
        assert dialogs == []
        assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
        assert (
            page.evaluate("[...document.scripts].some(s => s.text.includes('alert(2)'))") is False
        )
        _no_csp_violation(page, watch)
        assert watch.errors == [] and watch.foreign == []
        page.context.close()


def test_a_display_token_signs_the_kiosk_in_and_its_revocation_signs_it_out(
    app: AppServer, chromium: Any
) -> None:
    token = _cli(app, "display-token", "create", "--name", "hall-east").strip()
    page, watch, _ = _page(chromium, app, None)
    page.goto(f"{app.url}/kiosk?display_token={token}")
    assert page.url == app.url + "/kiosk"  # the token leaves the address bar
    _filled(page)
    shot(page, "kiosk_display_token")
    _cli(app, "display-token", "revoke", "--name", "hall-east")
    # within one refresh the next callback answers 401 and the page reloads onto the sign-in
    # form (a refresh every REFRESH_S; the margin is for a loaded machine)
    page.wait_for_url("**/login**", timeout=REFRESH_S * 4 * 1000)
    assert page.is_visible("#signin-submit")
    page.context.close()
    errors = [e for e in watch.errors if "401" not in e]
    assert errors == [], errors
    assert app.log is not None and token not in app.log.read_text("utf-8")  # redacted


def test_the_admin_page_manages_accounts_and_tokens_and_shows_the_audit(
    app: AppServer, chromium: Any
) -> None:
    page, watch, dialogs = _page(chromium, app, "admin")
    page.goto(app.url + "/admin")
    wait_for(lambda: page.is_visible("#admin-users-table"), 30, "the users table")
    page.fill("#admin-new-name", "ops-duty-2")
    page.fill("#admin-new-display", VESSEL)
    page.click("#admin-new-role")
    page.get_by_text("值班员", exact=True).last.click()
    page.click('[id*="create-user"]')
    wait_for(lambda: "ops-duty-2" in page.inner_text("#admin-message"), 15, "the message")
    assert "一次性密码" in page.inner_text("#admin-message")
    wait_for(lambda: "ops-duty-2" in page.inner_text("#admin-users-table"), 15, "the new row")
    assert VESSEL in page.inner_text("#admin-users-table")  # as text
    page.fill("#admin-token-name", "hall-west")
    page.click('[id*="create-token"]')
    wait_for(lambda: "hall-west" in page.inner_text("#admin-tokens-table"), 15, "the token")
    audit = page.inner_text("#admin-audit-table")
    assert "user.create" in audit and "token.create" in audit and "signin" in audit
    shot(page, "admin_page")
    assert dialogs == []
    _no_csp_violation(page, watch)
    page.context.close()
    leader, _, _ = _page(chromium, app, "leader")
    answer = leader.goto(app.url + "/admin")
    assert answer is not None and answer.status == 403
    assert leader.inner_text("#forbidden") == "无权访问"
    shot(leader, "admin_forbidden_leader")
    leader.context.close()


def test_hostile_data_strings_are_text_on_the_pages_and_in_their_exports(
    app: AppServer, chromium: Any
) -> None:
    import io

    import openpyxl

    page, watch, dialogs = _page(chromium, app, "analyst")
    page.goto(app.url + "/radar")
    wait_for(lambda: VESSEL in page.inner_text("#radar-vessels-table"), 90, "the vessels table")
    with page.expect_download(timeout=60000) as info:
        page.locator('[data-export="vessels.csv"]').click()
    body = info.value.path().read_text("utf-8-sig")
    assert VESSEL in body  # the name as it is, text in a text file
    with page.expect_download(timeout=60000) as info:
        page.locator('[data-export="vessels.xlsx"]').click()
    sheet = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == VESSEL]
    assert cells and all(c.data_type == "s" for c in cells)  # a string cell, never a formula
    page.goto(app.url + "/emergency")
    wait_for(lambda: NOTE[:14] in page.inner_text("body"), 90, "the hostile event")
    page.wait_for_timeout(2000)
    shot(page, "xss_pages")
    assert dialogs == []
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert page.evaluate("[...document.scripts].some(s => s.text.includes('alert(2)'))") is False
    _no_csp_violation(page, watch)
    assert watch.errors == [] and watch.foreign == []
    page.context.close()
