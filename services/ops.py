"""What operators and orchestrators ask of a running app: liveness, readiness, metrics, logs.

- `/healthz`: the process answers (liveness; no dependency is touched).
- `/readyz`: the data node, the cache and the alert store each answer a probe within
  `PROBE_TIMEOUT_S`, as JSON; 200 when all do, 503 otherwise (a load balancer then sends no users).
- `/metrics`: Prometheus text. Under gunicorn (`PROMETHEUS_MULTIPROC_DIR` set) every worker writes
  its samples to that folder and any worker's `/metrics` reports them all; feed freshness and
  alerts by state are read when scraped.
- One JSON log line per request (`configure_logging`), never with a query string's values,
  cookies or headers, so no token or secret reaches the logs.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, Final

import dash
from flask import Flask, Response, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

__all__ = [
    "OPEN_PATHS",
    "PROBE_TIMEOUT_S",
    "callback_name",
    "configure_logging",
    "readiness",
    "register_ops",
]

log = logging.getLogger("brain.access")

PROBE_TIMEOUT_S: Final = 2.0
OPEN_PATHS: Final = ("/healthz", "/readyz", "/metrics")  # answered without a session
_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)

REQUEST_SECONDS: Final = Histogram(
    "brain_http_request_seconds",
    "Time to answer an HTTP request, by endpoint group, method and status",
    ["endpoint", "method", "status"],
    buckets=_BUCKETS,
)
CALLBACK_SECONDS: Final = Histogram(
    "brain_callback_seconds",
    "Time to answer a Dash callback, by callback",
    ["callback"],
    buckets=_BUCKETS,
)
_probes: Final = concurrent.futures.ThreadPoolExecutor(max_workers=3, thread_name_prefix="probe")


def callback_name(output: str) -> str:
    """A short, bounded label for a callback's `output` (a multi-output callback is named by its
    first output and how many more it has)."""
    if not output.startswith(".."):
        return output[:120]
    parts = [p for p in output.strip(".").split("...") if p]
    first = parts[0] if parts else output
    return f"{first[:100]}+{len(parts) - 1}" if len(parts) > 1 else first[:120]


def _endpoint(path: str) -> str:
    for prefix in ("/_dash-component-suites/", "/assets/", "/_dash-"):
        if path.startswith(prefix):
            return path if prefix == "/_dash-" else prefix + "*"
    return path if path.count("/") <= 1 else "/" + path.split("/")[1] + "/*"


def _probe(check: Callable[[], object]) -> dict[str, Any]:
    started = time.perf_counter()
    future = _probes.submit(check)
    try:
        future.result(timeout=PROBE_TIMEOUT_S)
    except concurrent.futures.TimeoutError:
        return {"ok": False, "error": f"no answer within {PROBE_TIMEOUT_S:.0f} s"}
    except Exception as err:  # any failure of a dependency means "not ready", and is told
        return {"ok": False, "error": f"{type(err).__name__}: {err}"[:300]}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _check_node(data: Any) -> None:
    data.node.sql("SELECT 1 AS one")


def _check_cache(data: Any) -> None:
    key = f"brain:ready:{os.getpid()}"
    if not data.cache.set(key, "1", 10):
        raise RuntimeError("the cache refused a write")
    data.cache.delete(key)


def _alert_store(app: Flask) -> Any:
    """The alert store of this process: the engine's where it runs, else the one the console and
    the wall share (opening migrates the schema: once, not at every probe or scrape)."""
    from alerts.store import AlertStore

    store = app.extensions.get("brain.alerts")
    if store is None:
        store = AlertStore.shared(app.config["BRAIN_SETTINGS"].store_database_url)
    return store


def _check_store(app: Flask) -> None:
    import sqlalchemy

    with _alert_store(app).engine.connect() as c:
        c.execute(sqlalchemy.text("SELECT 1"))


def readiness(app: Flask) -> tuple[bool, dict[str, Any]]:
    """Each dependency's probe, and whether all of them answered."""
    data = app.extensions["brain.data"]
    checks = {
        "data_node": _probe(lambda: _check_node(data)),
        "cache": _probe(lambda: _check_cache(data)),
        "alert_store": _probe(lambda: _check_store(app)),
    }
    return all(c["ok"] for c in checks.values()), checks


class _LiveCollector(Collector):
    """Feed freshness and alerts by state, read when `/metrics` is scraped."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._feeds()
        yield from self._alerts()

    def _feeds(self) -> Iterator[GaugeMetricFamily]:
        from data_adapters import health

        data, now = self.app.extensions["brain.data"], self.app.extensions["brain.clock"]()
        answer = data.call(health.freshness, now=now, counts=False)
        age = GaugeMetricFamily(
            "brain_feed_age_seconds", "Seconds since a domain's newest row", labels=["domain"]
        )
        fresh = GaugeMetricFamily(
            "brain_feed_fresh", "1 when a domain's feed is fresh, 0 otherwise", labels=["domain"]
        )
        if answer.ok:
            for row in answer.value.itertuples(index=False):
                if row.age_s == row.age_s and row.age_s is not None:  # not NaN
                    age.add_metric([str(row.domain)], float(row.age_s))
                fresh.add_metric([str(row.domain)], 1.0 if row.status == "fresh" else 0.0)
        yield age
        yield fresh

    def _alerts(self) -> Iterator[GaugeMetricFamily]:
        from alerts.store import StoreUnavailable

        family = GaugeMetricFamily("brain_alerts", "Open alerts by state", labels=["state"])
        up = GaugeMetricFamily("brain_alert_store_up", "1 when the alert store answered")
        try:
            counts = _alert_counts(self.app)
        except StoreUnavailable:  # locked, full or unreachable: told, not a failed scrape
            counts = None
        for state, n in sorted((counts or {}).items()):
            family.add_metric([state], float(n))
        up.add_metric([], 0.0 if counts is None else 1.0)
        yield family
        yield up


def _alert_counts(app: Flask) -> dict[str, int]:
    counts: dict[str, int] = {}
    for alert in _alert_store(app).alerts(open_only=True):
        counts[alert.state] = counts.get(alert.state, 0) + 1
    return counts


def _registry(app: Flask) -> CollectorRegistry:
    registry = app.extensions.get("brain.metrics")
    if registry is None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry = CollectorRegistry()
            registry.register(_Default())
        registry.register(_LiveCollector(app))
        app.extensions["brain.metrics"] = registry
    return registry


class _Default(Collector):
    """This process's own samples (the module's histograms), outside multiprocess mode."""

    def collect(self) -> Iterator[Any]:
        for collector in (REQUEST_SECONDS, CALLBACK_SECONDS):
            yield from collector.collect()


def register_ops(app: dash.Dash) -> None:
    """Add `/healthz`, `/readyz`, `/metrics` and request timing and logging to `app`."""
    server: Flask = app.server

    @server.route("/healthz")
    def _healthz() -> Response:
        return jsonify({"status": "ok"})

    @server.route("/readyz")
    def _readyz() -> tuple[Response, int]:
        ok, checks = readiness(server)  # the app itself: its probes run in other threads
        return jsonify({"ready": ok, "checks": checks}), 200 if ok else 503

    @server.route("/metrics")
    def _metrics() -> Response:
        return Response(generate_latest(_registry(server)), mimetype=CONTENT_TYPE_LATEST)

    @server.before_request
    def _start() -> None:
        g.brain_started = time.perf_counter()

    @server.after_request
    def _done(response: Response) -> Response:
        started = g.pop("brain_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        path = request.path
        REQUEST_SECONDS.labels(_endpoint(path), request.method, str(response.status_code)).observe(
            seconds
        )
        fields: dict[str, Any] = {
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "ms": round(seconds * 1000, 1),
        }
        if path == "/_dash-update-component":
            body = request.get_json(silent=True) or {}
            name = callback_name(str(body.get("output", "")))
            CALLBACK_SECONDS.labels(name).observe(seconds)
            fields["callback"] = name
        log.info("request", extra=fields)
        return response


def configure_logging(*, level: str = "INFO", stream: Any = None) -> None:
    """Structured logs: one JSON object per line on stderr, with time, level, logger, message
    and the record's extra fields."""
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the access log is ours
