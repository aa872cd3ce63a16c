"""data_adapters.feeds: the TCP AIS reader against a real local socket server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd
from pyais import encode_dict

from data_adapters.feeds import FeedStats, read_ais_tcp

Script = Sequence[bytes | float]  # bytes: send them; float: pause that many seconds

POS = encode_dict({"type": 1, "mmsi": 412440001, "lon": 110.4, "lat": 21.2}, sentence_type="VDM")[0]
POS2 = encode_dict({"type": 18, "mmsi": 412440002, "lon": 110.5, "lat": 21.0}, sentence_type="VDM")[
    0
]
PART1, PART2 = encode_dict(
    {"type": 5, "mmsi": 412440003, "shipname": "YUE ZHAN 5"}, sentence_type="VDM", seq_id=2
)


@contextmanager
def server(*scripts: Script, hold_open: float = 0.0) -> Iterator[int]:
    """A TCP server on 127.0.0.1 that plays one script per accepted connection, then closes it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5.0)
    port = listener.getsockname()[1]
    done = threading.Event()

    def serve() -> None:
        for script in scripts:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                for step in script:
                    if isinstance(step, float):
                        time.sleep(step)
                    else:
                        conn.sendall(step)
                done.wait(hold_open)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        done.set()
        listener.close()
        thread.join(timeout=5.0)


class Collector:
    def __init__(self) -> None:
        self.reports: list[pd.DataFrame] = []
        self.rejected: list[pd.DataFrame] = []

    def __call__(self, reports: pd.DataFrame, rejected: pd.DataFrame) -> None:
        self.reports.append(reports)
        self.rejected.append(rejected)

    @property
    def all_reports(self) -> pd.DataFrame:
        return pd.concat(self.reports, ignore_index=True)

    @property
    def all_rejected(self) -> pd.DataFrame:
        return pd.concat(self.rejected, ignore_index=True)


def read(port: int, sink: Collector, **kw: object) -> FeedStats:
    options: dict[str, object] = {
        "timeout": 2.0,
        "max_reconnects": 0,
        "backoff_initial": 0.01,
        "max_batch_delay": 0.05,
    }
    options.update(kw)
    return read_ais_tcp("127.0.0.1", port, on_batch=sink, **options)  # type: ignore[arg-type]


def test_split_lines_crlf_garbage_and_close() -> None:
    half = len(POS) // 2
    script: Script = [
        POS[:half].encode(),
        0.05,
        POS[half:].encode() + b"\r\n",  # one line over two sends
        b"garbage line\r\n\r\n",
        PART1.encode() + b"\n" + PART2[:10].encode(),
        0.05,
        PART2[10:].encode() + b"\n",
        b"\xff\xfe binary\n",
        POS2.encode(),  # last line without a newline, then the server closes
    ]
    sink = Collector()
    with server(script) as port:
        stats = read(port, sink)
    reports, rejected = sink.all_reports, sink.all_rejected
    assert reports.mmsi.tolist() == [412440001, 412440003, 412440002]
    assert reports.shipname.iloc[1] == "YUE ZHAN 5"
    assert rejected.reason.tolist() == ["not an AIVDM/AIVDO sentence", "non-ASCII characters"]
    assert (stats.lines, stats.blank_lines, stats.connections) == (7, 1, 1)
    assert (stats.reports, stats.rejected) == (3, 2)
    assert stats.last_error is None


def test_multipart_spanning_batches() -> None:
    sink = Collector()
    with server([PART1.encode() + b"\n", 0.1, PART2.encode() + b"\n"]) as port:
        stats = read(port, sink, batch_size=1)
    assert sink.all_reports.mmsi.tolist() == [412440003]
    assert stats.rejected == 0


def test_fragment_left_over_when_connection_ends_is_rejected() -> None:
    sink = Collector()
    with server([PART1.encode() + b"\n"]) as port:
        stats = read(port, sink)
    assert "incomplete multipart" in sink.all_rejected.reason.iloc[0]
    assert (stats.reports, stats.rejected) == (0, 1)


def test_reconnects_after_the_server_closes() -> None:
    sink = Collector()
    with server([POS.encode() + b"\n"], [POS2.encode() + b"\n"]) as port:
        stats = read(port, sink, max_reconnects=1)
    assert sink.all_reports.mmsi.tolist() == [412440001, 412440002]
    assert stats.connections == 2


def test_connection_refused_is_bounded() -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    sink = Collector()
    started = time.monotonic()
    stats = read(port, sink, max_reconnects=3, backoff_initial=0.01, connect_timeout=0.5)
    assert time.monotonic() - started < 3.0
    assert stats.connections == 0 and stats.lines == 0
    assert stats.last_error is not None and "connect" in stats.last_error
    assert sink.reports == []


def test_silent_server_times_out() -> None:
    sink = Collector()
    started = time.monotonic()
    with server([POS.encode() + b"\n"], hold_open=5.0) as port:
        stats = read(port, sink, timeout=0.3)
    assert time.monotonic() - started < 4.0
    assert stats.last_error is not None and "no data" in stats.last_error
    assert sink.all_reports.mmsi.tolist() == [412440001]


def test_max_lines_stops_reading() -> None:
    sink = Collector()
    with server([(POS + "\n").encode() * 10], hold_open=5.0) as port:
        stats = read(port, sink, max_lines=3, max_reconnects=None)
    assert stats.lines == 3 and len(sink.all_reports) == 3


def test_over_long_line_without_newline_is_cut_and_rejected() -> None:
    sink = Collector()
    huge = b"!AIVDM," + b"A" * 5000
    with server([huge[:3000], 0.05, huge[3000:] + b"\n" + POS.encode() + b"\n"]) as port:
        stats = read(port, sink)
    assert sink.all_reports.mmsi.tolist() == [412440001]
    rejected = sink.all_rejected
    assert len(rejected) == 1 and "over-long" in rejected.reason.iloc[0]
    assert stats.lines == 2


def test_stop_event_ends_the_run() -> None:
    stop = threading.Event()
    sink = Collector()

    def handler(reports: pd.DataFrame, rejected: pd.DataFrame) -> None:
        sink(reports, rejected)
        stop.set()

    started = time.monotonic()
    with server([POS.encode() + b"\n"], hold_open=5.0) as port:
        stats = read_ais_tcp(
            "127.0.0.1", port, on_batch=handler, stop=stop, timeout=5.0, max_batch_delay=0.05
        )
    assert time.monotonic() - started < 4.0
    assert stats.reports == 1


def test_line_splitter_pieces() -> None:
    from data_adapters.feeds import _LineSplitter

    splitter = _LineSplitter(10)
    assert splitter.push(b"ab") == []
    assert splitter.push(b"c\r\nde") == ["abc"]
    assert splitter.push(b"f\n\n") == ["def", ""]
    assert splitter.push(b"x" * 25) == ["x" * 11]  # cut one past the limit: rejected downstream
    assert splitter.push(b"z" * 25) == []  # the rest of the over-long line is skipped …
    assert splitter.push(b"yyy\nok") == []  # … up to its newline
    assert splitter.finish() == ["ok"]
    assert splitter.finish() == []
