"""Real servers of our own for the fault tests: a PostgreSQL cluster and a Redis on free ports,
which a test may stop, kill and start again without touching the machine's shared services."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from browser import free_port, wait_for

__all__ = ["OwnPostgres", "OwnRedis", "StallingProxy", "own_postgres", "own_redis"]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the `postgres` account when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class OwnPostgres:
    folder: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.folder / "data"), "-w", *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(self.folder / "data"),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", opts, "-l", str(self.folder / "log"), "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    folder = Path(tempfile.mkdtemp(prefix="brain-pg-"))
    pg = OwnPostgres(folder)
    pg.init()
    pg.start()
    try:
        yield pg
    finally:
        with suppress(subprocess.CalledProcessError):  # already stopped by the test
            pg.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class OwnRedis:
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import socket

        def _up() -> bool:
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0

        wait_for(_up, 20, "redis to listen")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    r = OwnRedis()
    r.start()
    try:
        yield r
    finally:
        r.kill()


class StallingProxy:
    """A TCP proxy on a free port in front of `target`; `stall()` makes it hold every byte (a
    data node that has become too slow to answer), `flow()` lets them through again."""

    def __init__(self, target_port: int) -> None:
        import socket
        import threading

        self.target_port = target_port
        self.port = free_port()
        self._open = threading.Event()
        self._open.set()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._threads: list[threading.Thread] = []
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def stall(self) -> None:
        self._open.clear()

    def flow(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._closing = True
        self._open.set()
        self._server.close()

    def _accept(self) -> None:
        import socket
        import threading

        while not self._closing:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src: object, dst: object) -> None:
        import socket

        assert isinstance(src, socket.socket) and isinstance(dst, socket.socket)
        try:
            while chunk := src.recv(65536):
                self._open.wait()
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
