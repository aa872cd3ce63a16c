"""The app factory: the session-signing key from settings, kept out of `repr` and logs."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.json.tag import TaggedJSONSerializer
from itsdangerous import BadSignature, URLSafeTimedSerializer

from config import Settings, load_settings
from data_adapters.node import LakeNode

SECRET = "zj-brain-test-secret-7f3a9c"  # a test value, not a real secret


def _settings(env: dict[str, str], data_dir: Path) -> Settings:
    return replace(load_settings(env), data_dir=data_dir, cache_url="null")


def _app(settings: Settings) -> Any:
    from app import create_app

    return create_app(settings)


def _verifier(key: str) -> URLSafeTimedSerializer:
    """What Flask's default session interface signs cookies with, rebuilt from the key alone."""
    return URLSafeTimedSerializer(
        key,
        salt="cookie-session",
        serializer=TaggedJSONSerializer(),
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def test_the_key_from_the_environment_signs_session_cookies(lake_node: LakeNode) -> None:
    server = _app(_settings({"BRAIN_SECRET_KEY": SECRET}, lake_node.data_dir)).server
    assert server.secret_key == SECRET
    client = server.test_client()
    with client.session_transaction() as session:
        session["role"] = "duty_officer"
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert _verifier(SECRET).loads(cookie.value) == {"role": "duty_officer"}
    with pytest.raises(BadSignature):
        _verifier("another-key").loads(cookie.value)


def test_the_key_from_a_file_reaches_flask(lake_node: LakeNode, tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text(SECRET + "\n", encoding="utf-8")
    env = {"BRAIN_SECRET_KEY_FILE": str(path), "BRAIN_SECRET_KEY": "not-this-one"}
    assert _app(_settings(env, lake_node.data_dir)).server.secret_key == SECRET


def test_no_key_means_a_random_one_and_a_warning(
    lake_node: LakeNode, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings({}, lake_node.data_dir)
    with caplog.at_level(logging.WARNING, logger="app"):
        first = _app(settings).server.secret_key
        second = _app(settings).server.secret_key
    assert isinstance(first, str) and len(first) >= 32 and first != second
    warning = caplog.text
    assert "BRAIN_SECRET_KEY" in warning and "restart" in warning and "workers" in warning


def test_the_secret_stays_out_of_repr_and_logs(
    lake_node: LakeNode, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings({"BRAIN_SECRET_KEY": SECRET}, lake_node.data_dir)
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    with caplog.at_level(logging.DEBUG):
        _app(settings)
    out = capsys.readouterr()
    assert SECRET not in caplog.text and SECRET not in out.out and SECRET not in out.err
