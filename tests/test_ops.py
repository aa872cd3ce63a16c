"""Liveness, readiness, Prometheus metrics and structured logs of a running app."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from config import Settings, load_settings
from data_adapters.node import LakeNode
from services.ops import callback_name, configure_logging


def _app(data_dir: Path, **changes: Any) -> Any:
    from app import create_app

    settings: Settings = replace(load_settings({}), data_dir=data_dir, cache_url="null")
    return create_app(replace(settings, **changes)).server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, lake_node: LakeNode) -> Any:
    return _app(lake_node.data_dir, store_url=f"sqlite:///{tmp_path_factory.mktemp('s')}/s.db")


def test_healthz_answers_without_touching_a_dependency(tmp_path: Path) -> None:
    server = _app(tmp_path, data_url="postgresql://nobody@127.0.0.1:1/none")
    r = server.test_client().get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok"}


def test_readyz_reports_each_dependency(server: Any) -> None:
    r = server.test_client().get("/readyz")
    body = r.get_json()
    assert r.status_code == 200, body
    assert body["ready"] is True
    assert set(body["checks"]) == {"data_node", "cache", "alert_store"}
    assert all(c["ok"] for c in body["checks"].values())


def test_readyz_is_503_and_names_what_is_down(lake_node: LakeNode, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/s.db"
    server = _app(lake_node.data_dir, cache_url="redis://127.0.0.1:1/0", store_url=store)
    # the store goes away after start (nothing listens on port 1)
    settings = server.config["BRAIN_SETTINGS"]
    server.config["BRAIN_SETTINGS"] = replace(
        settings, store_url="postgresql://nobody@127.0.0.1:1/none"
    )
    r = server.test_client().get("/readyz")
    body = r.get_json()
    assert r.status_code == 503
    assert body["ready"] is False
    assert body["checks"]["data_node"]["ok"] is True
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["alert_store"]["ok"] is False


def test_metrics_count_requests_and_read_feed_freshness(server: Any) -> None:
    client = server.test_client()
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'brain_http_request_seconds_count{endpoint="/healthz",method="GET",status="200"}' in text
    assert "brain_feed_fresh{" in text and 'domain="traffic"' in text
    assert "# TYPE brain_alerts gauge" in text


def test_a_callback_is_timed_by_its_name(server: Any) -> None:
    pages: dict[str, str] = server.extensions["brain.callback_pages"]
    # a plain id (Prometheus escapes the quotes of a pattern-matching one in its label)
    output = next(o for o, page in pages.items() if page == "wall" and '"' not in o)
    client = server.test_client()
    body = {"output": output, "outputs": [], "inputs": [], "changedPropIds": []}
    client.post("/_dash-update-component", json=body)  # answered or refused: timed either way
    text = client.get("/metrics").get_data(as_text=True)
    assert f'brain_callback_seconds_count{{callback="{callback_name(output)}"}}' in text


@pytest.mark.parametrize(
    ("output", "name"),
    [
        ("wall-map-tick.data", "wall-map-tick.data"),
        ("..a.children...b.children...c.figure..", "a.children+2"),
        ("..a.children..", "a.children"),
    ],
)
def test_callback_names_are_short_and_bounded(output: str, name: str) -> None:
    assert callback_name(output) == name


def test_logs_are_one_json_object_per_line_without_query_strings(server: Any) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    kept = root.handlers[:], root.level
    try:
        configure_logging(stream=stream)
        server.test_client().get("/healthz?display_token=secret-token-value")
    finally:
        root.handlers[:], level = kept
        root.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    record = next(r for r in lines if r.get("path") == "/healthz")
    assert record["level"] == "INFO" and record["status"] == 200 and record["ms"] >= 0
    assert "secret-token-value" not in stream.getvalue()


def test_env_example_lists_every_setting_as_generated() -> None:
    import importlib.util

    from config import SETTINGS

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("env_example", root / "scripts/env_example.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (root / ".env.example").read_text(encoding="utf-8")
    assert text == module.render(), "run python scripts/env_example.py"
    for name in SETTINGS:
        assert f"\n{name}=" in text or f"\n# {name}=" in text, name
