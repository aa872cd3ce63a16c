"""The access policy on the server: every registered callback and every page, forged as every
role, answers 403 exactly where `security.PAGE_ROLES` says; nobody signed in is sent to the
sign-in page; sessions end when the account changes; CSRF; security headers on every response."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import dash
import pytest
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import URLSafeTimedSerializer

from config import load_settings
from security import PAGE_ROLES, Role, may_see
from security.web import CSRF_HEADER, accounts_of, page_of_path

PASSWORD = "correct-horse-battery"  # a test value
SECRET = "test-secret-of-the-policy-tests"
ROLES = [r for r in Role if r != Role.DISPLAY]
ROUTER = ".._pages_content.children..._pages_store.data.."


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dash.Dash]:
    from app import create_app

    data_dir = tmp_path_factory.mktemp("policy")
    settings = replace(
        load_settings({"BRAIN_SECRET_KEY": SECRET}), data_dir=data_dir, cache_url="null"
    )
    app = create_app(settings)
    accounts = accounts_of(app.server)
    now = datetime.now(UTC)
    for role in ROLES:
        accounts.create_user(f"user-{role}", role, PASSWORD, now=now, actor="test")
    app.server.config["TEST_DISPLAY_TOKEN"] = accounts.create_token("wall-1", now=now, actor="test")
    yield app
    accounts.store.close()


def _csrf(client: Any) -> str:
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "no CSRF cookie"
    return str(cookie.value)


def _form_token(html: bytes) -> str:
    found = re.search(rb'name="csrf" value="([^"]+)"', html)
    assert found, "the form has no CSRF field"
    return found.group(1).decode()


def signed_in(app: dash.Dash, role: Role, name: str | None = None) -> Any:
    """A test client signed in through the real sign-in form (or the display's token)."""
    client = app.server.test_client()
    if role == Role.DISPLAY:
        token = app.server.config["TEST_DISPLAY_TOKEN"]
        r = client.get(f"/kiosk?display_token={token}")
        assert r.status_code == 302 and r.headers["Location"] == "/kiosk"
        return client
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"name": name or f"user-{role}", "password": PASSWORD, "csrf": _form_token(page.data)},
    )
    assert r.status_code == 302, r.data[:300]
    return client


def _update(client: Any, output: str, inputs: list[dict[str, Any]] | None = None) -> Any:
    body = {"output": output, "outputs": [], "inputs": inputs or [], "changedPropIds": []}
    return client.post("/_dash-update-component", json=body, headers={CSRF_HEADER: _csrf(client)})


def _pages(app: dash.Dash) -> dict[str, str]:
    """Every registered page's path → its page in the policy."""
    paths = {}
    for entry in dash.page_registry.values():
        page = page_of_path(app, entry["path"])
        assert page is not None
        paths[entry["path"]] = page
    return paths


@pytest.fixture(scope="module")
def clients(app: dash.Dash) -> dict[Role, Any]:
    return {role: signed_in(app, role) for role in Role}


def test_every_callback_is_refused_exactly_where_the_policy_says(
    app: dash.Dash, clients: dict[Role, Any]
) -> None:
    from callbacks import callback_pages

    clients[Role.ADMIN].get("/_dash-layout")  # Dash adds its page router at the first request
    owners = callback_pages(app)
    ids = [i for i in app.callback_map if i != ROUTER]
    assert len(ids) >= 5 and ROUTER in app.callback_map
    wrong = []
    for role, client in clients.items():
        for output in ids:
            page = owners.get(output)
            allowed = page is not None and may_see(_user(role), page)
            status = _update(client, output).status_code
            if (status == 403) == allowed or status == 401:
                wrong.append((role.value, output[:60], page, status))
    assert wrong == []


def _user(role: Role) -> Any:
    from security import User

    return User(f"user-{role}", role)


def test_a_callback_of_no_page_is_refused_to_everyone(clients: dict[Role, Any]) -> None:
    for client in clients.values():
        assert _update(client, "forged-output.children").status_code == 403
        assert _update(client, "..wall-lang.data...forged.children..").status_code == 403


def test_the_page_router_renders_only_pages_the_role_may_see(
    app: dash.Dash, clients: dict[Role, Any]
) -> None:
    pages = _pages(app)
    assert {"/", "/wall", "/kiosk"} <= set(pages)
    for role, client in clients.items():
        for path, page in pages.items():
            inputs = [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": ""},
            ]
            status = _update(client, ROUTER, inputs).status_code
            assert (status == 403) != may_see(_user(role), page), (role, path, status)


def test_every_page_answers_403_exactly_where_the_policy_says(
    app: dash.Dash, clients: dict[Role, Any]
) -> None:
    for role, client in clients.items():
        for path, page in _pages(app).items():
            r = client.get(path)
            expected = 200 if may_see(_user(role), page) else 403
            assert r.status_code == expected, (role, path, r.status_code)
    # a page of the policy that is not registered yet is refused by the policy itself
    assert set(PAGE_ROLES) >= {"wall", "admin", "duty"}


def test_nobody_signed_in_is_sent_to_sign_in(app: dash.Dash) -> None:
    client = app.server.test_client()
    for path in _pages(app):
        r = client.get(path + "?lang=en")
        assert r.status_code == 302
        assert r.headers["Location"].startswith("/login?next=")
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401
    r = client.post("/_dash-update-component", json={"output": "wall-lang.data"})
    assert r.status_code == 401  # the page's script reloads, and the reload signs in
    assert client.get("/login").status_code == 200
    assert client.get("/assets/wall.css").status_code == 200


def test_a_forged_update_without_the_csrf_header_or_from_another_site_is_refused(
    app: dash.Dash,
) -> None:
    client = signed_in(app, Role.ADMIN)
    body = {"output": "wall-lang.data", "inputs": [], "changedPropIds": []}
    assert client.post("/_dash-update-component", json=body).status_code == 403
    wrong = {CSRF_HEADER: "not-the-token"}
    assert client.post("/_dash-update-component", json=body, headers=wrong).status_code == 403
    other = {CSRF_HEADER: _csrf(client), "Origin": "http://evil.example"}
    r = client.post("/_dash-update-component", json=body, headers=other)
    assert r.status_code == 403
    cross = {CSRF_HEADER: _csrf(client), "Sec-Fetch-Site": "cross-site"}
    assert client.post("/_dash-update-component", json=body, headers=cross).status_code == 403
    assert _update(client, "wall-lang.data").status_code != 403


def test_the_sign_in_form_needs_its_csrf_token(app: dash.Dash) -> None:
    client = app.server.test_client()
    client.get("/login")
    r = client.post("/login", data={"name": "user-admin", "password": PASSWORD, "csrf": "x"})
    assert r.status_code == 403
    assert client.get("/wall").status_code == 302


def _cookie(key: str, values: dict[str, Any]) -> str:
    signer = URLSafeTimedSerializer(
        key,
        salt="cookie-session",
        serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    return str(signer.dumps(values))


def test_a_session_cookie_signed_with_another_secret_is_refused(app: dash.Dash) -> None:
    row = accounts_of(app.server).store.user("user-admin")
    assert row is not None
    values = {"uid": row.id, "ver": row.session_version, "at": datetime.now(UTC).timestamp()}
    good = app.server.test_client()
    good.set_cookie("session", _cookie(SECRET, values))
    assert good.get("/wall").status_code == 200  # the same values, signed with the app's key
    forged = app.server.test_client()
    forged.set_cookie("session", _cookie("another-secret", values))
    r = forged.get("/wall")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")


def test_an_expired_session_must_sign_in_again(app: dash.Dash) -> None:
    row = accounts_of(app.server).store.user("user-leader")
    assert row is not None
    old = datetime.now(UTC).timestamp() - 13 * 3600
    client = app.server.test_client()
    client.set_cookie("session", _cookie(SECRET, {"uid": row.id, "ver": 1, "at": old}))
    assert client.get("/wall").status_code == 302


def test_disabling_an_account_or_changing_its_role_ends_its_sessions(app: dash.Dash) -> None:
    accounts = accounts_of(app.server)
    now = datetime.now(UTC)
    accounts.create_user("temp-duty", "duty", PASSWORD, now=now, actor="test")
    client = signed_in(app, Role.DUTY, name="temp-duty")
    assert client.get("/wall").status_code == 200
    accounts.set_role("temp-duty", "analyst", now=now, actor="test")
    assert client.get("/_dash-layout").status_code == 401
    client = signed_in(app, Role.ANALYST, name="temp-duty")
    assert client.get("/_dash-layout").status_code == 200
    accounts.set_disabled("temp-duty", True, now=now, actor="test")
    assert client.get("/_dash-layout").status_code == 401
    page = client.get("/login")
    r = client.post(
        "/login", data={"name": "temp-duty", "password": PASSWORD, "csrf": _form_token(page.data)}
    )
    assert r.status_code == 401 and "停用".encode() in r.data


def test_signing_out_ends_the_session(app: dash.Dash) -> None:
    client = signed_in(app, Role.LEADER)
    page = client.get("/logout")
    assert page.status_code == 200
    assert client.post("/logout", data={"csrf": "wrong"}).status_code == 403
    r = client.post("/logout", data={"csrf": _form_token(page.data)})
    assert r.status_code == 302
    assert client.get("/wall").status_code == 302


def test_a_revoked_display_token_ends_the_display_session(app: dash.Dash) -> None:
    accounts = accounts_of(app.server)
    now = datetime.now(UTC)
    token = accounts.create_token("wall-revoked", now=now, actor="test")
    client = app.server.test_client()
    r = client.get(f"/kiosk?display_token={token}&lang=en")
    assert r.status_code == 302 and r.headers["Location"] == "/kiosk?lang=en"
    assert client.get("/kiosk").status_code == 200
    assert _update(client, "wall-lang.data").status_code != 403
    accounts.revoke_token("wall-revoked", now=now, actor="test")
    assert _update(client, "wall-lang.data").status_code == 401
    assert client.get("/kiosk").status_code == 302
    again = app.server.test_client().get(f"/kiosk?display_token={token}")
    assert again.headers["Location"] == "/login?error=display"


def test_security_headers_on_every_response(app: dash.Dash, clients: dict[Role, Any]) -> None:
    anon = app.server.test_client()
    responses = [
        anon.get("/wall"),
        anon.get("/login"),
        anon.get("/_dash-layout"),
        anon.get("/assets/wall.css"),
        anon.post("/_dash-update-component", json={}),
        clients[Role.DISPLAY].get("/wall"),
        clients[Role.LEADER].get("/_dash-dependencies"),
        _update(clients[Role.LEADER], "forged.children"),
    ]
    for r in responses:
        csp = r.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp, r
        assert "http" not in csp  # no other origin
        assert r.headers.get("X-Content-Type-Options") == "nosniff"
        assert r.headers.get("Referrer-Policy") == "no-referrer"


def test_session_cookies_are_http_only_and_same_site(app: dash.Dash) -> None:
    client = app.server.test_client()
    r = client.get("/login")
    cookies = r.headers.getlist("Set-Cookie")
    session = [c for c in cookies if c.startswith("session=")]
    assert session and "HttpOnly" in session[0] and "SameSite=Lax" in session[0]
    csrf = [c for c in cookies if c.startswith("_csrf_token=")]
    assert csrf and "SameSite=Strict" in csrf[0] and "HttpOnly" not in csrf[0]


def test_the_sign_in_page_escapes_what_it_echoes(app: dash.Dash) -> None:
    client = app.server.test_client()
    page = client.get("/login?next=/wall%22%3E%3Cscript%3E")
    assert b"<script>" not in page.data
    r = client.post(
        "/login",
        data={
            "name": "<img src=x onerror=alert(1)>",
            "password": "x",
            "csrf": _form_token(page.data),
        },
    )
    assert r.status_code == 401 and b"<img" not in r.data and b"&lt;img" in r.data


def test_a_wrong_password_is_throttled_after_n_tries(app: dash.Dash) -> None:
    accounts = accounts_of(app.server)
    accounts.create_user("throttle-me", "leader", PASSWORD, now=datetime.now(UTC), actor="test")
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.9"

    def attempt(name: str, password: str) -> Any:
        page = client.get("/login")
        form = {"name": name, "password": password, "csrf": _form_token(page.data)}
        return client.post("/login", data=form)

    assert accounts.max_failures == 5
    for _ in range(5):
        assert attempt("throttle-me", "wrong-password").status_code == 401
    refused = attempt("throttle-me", PASSWORD)  # the right one, too late
    assert refused.status_code == 429 and "15 分钟".encode() in refused.data
    # the address is held back too, for every account
    assert attempt("user-admin", PASSWORD).status_code == 429
    elsewhere = app.server.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.10"
    page = elsewhere.get("/login")
    form = {"name": "user-admin", "password": PASSWORD, "csrf": _form_token(page.data)}
    assert elsewhere.post("/login", data=form).status_code == 302


def test_display_tokens_are_kept_out_of_access_logs(app: dash.Dash) -> None:
    import logging

    from security.web import RedactTokens

    assert any(isinstance(f, RedactTokens) for f in logging.getLogger("werkzeug").filters)
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s',
        ("127.0.0.1", "GET /kiosk?display_token=s3cr3t-T0ken_x&lang=en HTTP/1.1", "302"), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)
    message = record.getMessage()
    assert "s3cr3t" not in message and "display_token=[redacted]&lang=en" in message
