"""OIDC sign-in against a small OpenID provider started in the test: discovery, an
authorization endpoint that approves at once, a token endpoint issuing an RS256 ID token, and
its JWKS, on a free port of 127.0.0.1. The app (Flask test client) talks to it over real HTTP."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode, urlsplit

import dash
import pytest
import requests
from browser import free_port
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from config import load_settings
from security.oidc import parse_role_map, role_of
from security.web import accounts_of

CLIENT_ID = "zj-brain"
CLIENT_SECRET = "test-client-secret"  # a test value


class Provider:
    """The identity service: who signs in next is set by the test (`person`)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.person: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.wrong_key = False
        app = Flask("provider")
        app.add_url_rule("/.well-known/openid-configuration", view_func=self.discovery)
        app.add_url_rule("/authorize", view_func=self.authorize)
        app.add_url_rule("/token", view_func=self.token, methods=["POST"])
        app.add_url_rule("/jwks", view_func=self.jwks)
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def discovery(self) -> Any:
        return jsonify(
            issuer=self.issuer,
            authorization_endpoint=f"{self.issuer}/authorize",
            token_endpoint=f"{self.issuer}/token",
            jwks_uri=f"{self.issuer}/jwks",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        )

    def authorize(self) -> Any:
        args = request.args
        assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": args.get("nonce"), "redirect_uri": args["redirect_uri"]}
        query = urlencode({"code": code, "state": args["state"]})
        return redirect(f"{args['redirect_uri']}?{query}")

    def token(self) -> Any:
        auth = request.authorization
        secret = auth.password if auth else request.form.get("client_secret")
        if secret != CLIENT_SECRET:
            return jsonify(error="invalid_client"), 401
        grant = self.codes.pop(request.form.get("code", ""), None)
        if grant is None:
            return jsonify(error="invalid_grant"), 400
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **self.person,
        }
        key = RSAKey.generate_key(2048, parameters={"kid": "k1"}) if self.wrong_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return jsonify(
            access_token=secrets.token_urlsafe(16),
            token_type="Bearer",
            expires_in=300,
            id_token=id_token,
        )

    def jwks(self) -> Any:
        return jsonify(keys=[self.key.as_dict(private=False)])


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    p = Provider()
    p.thread.start()
    yield p
    p.server.shutdown()


@pytest.fixture(scope="module")
def app(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dash.Dash]:
    from app import create_app

    env = {
        "BRAIN_SECRET_KEY": "oidc-test-secret",
        "BRAIN_OIDC_ISSUER": provider.issuer,
        "BRAIN_OIDC_CLIENT_ID": CLIENT_ID,
        "BRAIN_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "BRAIN_OIDC_ROLE_CLAIM": "groups",
        "BRAIN_OIDC_ROLE_MAP": "zj-leaders=leader,zj-duty=duty",
    }
    settings = replace(
        load_settings(env), data_dir=tmp_path_factory.mktemp("oidc"), cache_url="null"
    )
    app = create_app(settings)
    yield app
    accounts_of(app.server).store.close()


def _sign_in(app: dash.Dash, provider: Provider, person: dict[str, Any]) -> tuple[Any, Any]:
    """The browser's round trip: app → provider → app; the client and the callback's answer."""
    provider.person = person
    client = app.server.test_client()
    start = client.get("/oidc/login?next=/wall")
    assert start.status_code == 302
    location = start.headers["Location"]
    assert location.startswith(provider.issuer + "/authorize?")
    back = requests.get(location, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.path == "/oidc/callback"
    return client, client.get(f"{callback.path}?{callback.query}")


def test_a_mapped_person_signs_in_with_the_claimed_role(app: dash.Dash, provider: Provider) -> None:
    person = {
        "sub": "u-1001",
        "preferred_username": "li.lei",
        "name": "李雷",
        "groups": ["zj-duty"],
    }
    client, done = _sign_in(app, provider, person)
    assert done.status_code == 302 and done.headers["Location"] == "/wall"
    assert client.get("/wall").status_code == 200
    row = accounts_of(app.server).store.user("li.lei")
    assert row is not None and row.role == "duty" and row.source == "oidc" and not row.password_hash
    # the role follows the claim at the next sign-in, and the old session ends
    person["groups"] = ["zj-leaders"]
    client2, done = _sign_in(app, provider, person)
    assert done.status_code == 302
    assert accounts_of(app.server).store.user("li.lei").role == "leader"  # type: ignore[union-attr]
    assert client.get("/_dash-layout").status_code == 401
    assert client2.get("/_dash-layout").status_code == 200
    actions = [e.action for e in accounts_of(app.server).store.audit()]
    assert actions.count("signin.oidc") == 2


def test_a_person_with_no_mapped_role_is_refused(app: dash.Dash, provider: Provider) -> None:
    person = {"sub": "u-2", "preferred_username": "han.meimei", "groups": ["other-bureau"]}
    client, done = _sign_in(app, provider, person)
    assert done.status_code == 302 and done.headers["Location"].startswith("/login?error=oidc")
    assert client.get("/wall").status_code == 302
    assert accounts_of(app.server).store.user("han.meimei") is None
    page = client.get(done.headers["Location"])
    assert "统一身份认证登录失败".encode() in page.data


def test_an_id_token_signed_with_another_key_is_refused(app: dash.Dash, provider: Provider) -> None:
    provider.wrong_key = True
    try:
        person = {"sub": "u-3", "preferred_username": "forger", "groups": ["zj-leaders"]}
        client, done = _sign_in(app, provider, person)
    finally:
        provider.wrong_key = False
    assert done.headers["Location"].startswith("/login?error=oidc")
    assert client.get("/wall").status_code == 302
    assert accounts_of(app.server).store.user("forger") is None


def test_a_forged_callback_without_the_state_is_refused(app: dash.Dash) -> None:
    client = app.server.test_client()
    r = client.get("/oidc/callback?code=made-up&state=made-up")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?error=oidc")


def test_the_sign_in_page_offers_the_identity_service(app: dash.Dash) -> None:
    page = app.server.test_client().get("/login?next=/wall")
    assert b'href="/oidc/login?next=%2Fwall' in page.data


def test_role_claims_map_to_one_role() -> None:
    mapping = parse_role_map(" zj-leaders=leader , zj-ops=admin")
    assert role_of(["zj-leaders", "zj-ops"], mapping) == "admin"
    assert role_of("zj-leaders", mapping) == "leader"
    assert role_of(["analyst"], mapping) == "analyst"  # a role's own name
    assert role_of(["display"], mapping) is None  # displays use tokens
    assert role_of(None, mapping) is None and role_of([3, None], mapping) is None
    with pytest.raises(ValueError, match="value=role"):
        parse_role_map("zj-leaders=root")
