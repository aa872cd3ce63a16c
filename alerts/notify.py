"""Outbound notification: each alert that fires, escalates (its severity rises while firing) or
resolves POSTed as JSON to a webhook (an SMS or WeCom gateway), from a worker thread of its own
with retries and exponential back-off, every attempt recorded in the alert store. Evaluation
only puts messages on a queue: a dead or slow gateway never delays it (a full queue drops the
message, recorded as a failed attempt).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any

from alerts.store import Alert, AlertStore, Notification

__all__ = ["Webhook", "payload"]

log = logging.getLogger(__name__)


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def payload(alert: Alert, event: str) -> dict[str, Any]:
    """What the gateway receives."""
    return {
        "event": event,
        "id": alert.id,
        "rule": alert.rule,
        "domain": alert.domain,
        "severity": alert.severity,
        "state": alert.state,
        "district": alert.district,
        "entity": alert.entity,
        "lon": alert.lon,
        "lat": alert.lat,
        "message_zh": alert.message_zh,
        "message_en": alert.message_en,
        "first_seen": _iso(alert.first_seen),
        "last_change": _iso(alert.last_change),
        "escalated_at": _iso(alert.escalated_at),
    }


class Webhook:
    """Sends alerts to `url` from a daemon thread: up to `attempts` tries per message, waiting
    `backoff_s`, 2×, 4× … between them; each try is recorded (`AlertStore.notifications`)."""

    def __init__(
        self,
        url: str,
        store: AlertStore,
        *,
        clock: Callable[[], datetime],
        attempts: int = 5,
        backoff_s: float = 1.0,
        timeout_s: float = 5.0,
        max_queue: int = 1000,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s): {url!r}")
        self.url = url
        self.store = store
        self.clock = clock
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self._queue: queue.Queue[tuple[Alert, str] | None] = queue.Queue(max_queue)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-webhook", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        return "Webhook(<url hidden>)"

    def send(self, alert: Alert, event: str) -> None:
        """Queue `alert` (event "firing", "escalated" or "resolved"); never blocks."""
        try:
            self._queue.put_nowait((alert, event))
        except queue.Full:
            self._record(alert, event, 0, False, None, "queue full: message dropped")

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Wait until every queued message is sent or given up (True), at most `timeout_s`."""
        done = threading.Event()

        def wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout_s)

    def close(self) -> None:
        self._stop.set()
        self._queue.put(None)
        self._thread.join(self.timeout_s + 1)

    def _record(
        self, alert: Alert, event: str, attempt: int, ok: bool, status: int | None, error: str
    ) -> None:
        note = Notification(alert.id, event, self.url, attempt, self.clock(), ok, status, error)
        try:
            self.store.record_notification(note)
        except Exception:  # the record is best effort: a store hiccup must not kill the sender
            log.exception("could not record a notification attempt")

    def _post(self, body: bytes) -> tuple[int | None, str]:
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return int(resp.status), ""
        except urllib.error.HTTPError as err:
            return err.code, f"HTTP {err.code}"
        except (urllib.error.URLError, OSError, TimeoutError) as err:
            return None, f"{type(err).__name__}: {getattr(err, 'reason', err)}"[:500]

    def _deliver(self, alert: Alert, event: str) -> None:
        body = json.dumps(payload(alert, event), ensure_ascii=False).encode("utf-8")
        for attempt in range(1, self.attempts + 1):
            status, error = self._post(body)
            ok = status is not None and 200 <= status < 300
            self._record(alert, event, attempt, ok, status, error)
            if ok:
                return
            if attempt < self.attempts and self._stop.wait(self.backoff_s * 2 ** (attempt - 1)):
                return  # closing
        log.warning("webhook gave up on alert %s (%s) after %d attempts", alert.id, event, attempt)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._deliver(*item)
            finally:
                self._queue.task_done()
