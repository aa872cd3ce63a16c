"""gunicorn settings of Zhanjiang Brain in production (`make serve-prod`).

Everything comes from `BRAIN_*` variables (see .env.example): workers are stateless, share the
cache and signals through Redis, and read the data node and the alert store over the network.
Prometheus samples of all workers are pooled in `PROMETHEUS_MULTIPROC_DIR`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

bind = os.environ.get("BRAIN_BIND", "127.0.0.1:8050")
workers = int(os.environ.get("BRAIN_WORKERS", "4"))
threads = int(os.environ.get("BRAIN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("BRAIN_WORKER_TIMEOUT_S", "60"))
graceful_timeout = 20
# longer than any client or load balancer keeps an idle connection (browsers ~60-300 s,
# balancers 60 s): a connection the server closes at the moment a client reuses it is reset
keepalive = int(os.environ.get("BRAIN_KEEPALIVE_S", "75"))
max_requests = int(os.environ.get("BRAIN_MAX_REQUESTS", "0"))  # 0: workers are not recycled
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0
accesslog = None  # one JSON line per request comes from the app (services/ops.py)
errorlog = "-"
loglevel = os.environ.get("BRAIN_LOG_LEVEL", "info")

_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / f"brain-metrics-{os.getpid()}")
)


def on_starting(server: Any) -> None:
    """A clean samples folder for this run (samples of an earlier run would be counted again)."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    Path(_metrics_dir).mkdir(parents=True, exist_ok=True)


def post_fork(server: Any, worker: Any) -> None:
    from services.ops import configure_logging

    configure_logging(level=loglevel.upper())


def post_worker_init(worker: Any) -> None:
    """Each worker runs an alert evaluator thread (BRAIN_ALERT_ENGINE); only the one holding the
    alert store's lease evaluates, so N workers give exactly one evaluator (docs/alerts.md)."""
    from alerts.engine import start_for_app

    start_for_app(worker.wsgi)


def child_exit(server: Any, worker: Any) -> None:
    """A worker that ended (or was killed) leaves its live gauges out of the pooled samples."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
