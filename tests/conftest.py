"""Shared fixtures.

Adapter tests run on both data nodes: `node` is parametrised over "duckdb" (a LakeNode in a
temporary folder) and "postgres" (a SqlNode in a schema of its own, dropped at the end). Both hold
the hand-crafted data of tests/adapter_fixtures.py. A server that cannot be reached (PostgreSQL,
Redis) skips its tests, except under CI=true where it fails them.

`BRAIN_TEST_CLOCK_AHEAD_DAYS=N` runs the whole suite with the clock moved N days ahead
(`make test-ahead`): no test may depend on the day it runs.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import adapter_fixtures
import pytest

from data_adapters.node import LakeNode, SqlNode


def pytest_configure(config: pytest.Config) -> None:
    ahead = os.environ.get("BRAIN_TEST_CLOCK_AHEAD_DAYS")
    if ahead:
        import time_machine

        moved = datetime.now(UTC) + timedelta(days=float(ahead))
        config.stash[_TRAVEL] = time_machine.travel(moved, tick=True)
        config.stash[_TRAVEL].start()


def pytest_report_header(config: pytest.Config) -> str | None:
    if _TRAVEL in config.stash:
        return f"clock moved ahead to {datetime.now(UTC).isoformat()}"
    return None


_TRAVEL = pytest.StashKey[Any]()
PG_URL = os.environ.get("BRAIN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BRAIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable(host: str, port: int) -> bool:
    """Whether a TCP server answers at host:port (within a second)."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_server(name: str, url: str, default_port: int) -> None:
    """Skip the test when the server at `url` is down; under CI=true fail it instead."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    if reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL test database (skips, or fails under CI=true, when it is down)."""
    require_server("PostgreSQL", PG_URL, 5432)
    return PG_URL


@pytest.fixture
def redis_url() -> str:
    """A Redis database for tests (skips, or fails under CI=true, when Redis is down)."""
    require_server("Redis", REDIS_URL, 6379)
    return REDIS_URL


@pytest.fixture(scope="session")
def lake_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LakeNode]:
    """A LakeNode holding the adapter fixture data (read-only: do not write to it)."""
    node = LakeNode(tmp_path_factory.mktemp("lake") / "node")
    node.create()
    adapter_fixtures.load(node)
    yield node
    node.close()


@pytest.fixture(scope="session")
def pg_node() -> Iterator[SqlNode]:
    """A SqlNode on PostgreSQL, in a schema of its own, holding the adapter fixture data."""
    require_server("PostgreSQL", PG_URL, 5432)
    schema = f"test_adapters_{uuid.uuid4().hex[:10]}"
    node = SqlNode(PG_URL, schema=schema)
    try:
        node.create()
        adapter_fixtures.load(node)
        yield node
    finally:
        node.backend().raw_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        node.close()


@pytest.fixture(params=["duckdb", "postgres"])
def node(request: pytest.FixtureRequest) -> LakeNode | SqlNode:
    """The fixture data on each kind of data node."""
    name = "lake_node" if request.param == "duckdb" else "pg_node"
    result: LakeNode | SqlNode = request.getfixturevalue(name)
    return result


@pytest.fixture
def con(node: LakeNode | SqlNode) -> Any:
    """The ibis backend of `node` for the calling thread."""
    return node.backend()


@pytest.fixture
def empty_lake(tmp_path: Path) -> Iterator[LakeNode]:
    """A LakeNode with every table and no rows."""
    node = LakeNode(tmp_path / "empty")
    node.create()
    yield node
    node.close()
