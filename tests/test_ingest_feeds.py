"""Real-format feeds into the data node: AIS NMEA (also over TCP) and CAP XML, hostile input too."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais.encode import encode_dict

from data_adapters.feeds import read_ais_tcp
from data_adapters.ingest_feeds import ais_batch_handler, ingest_cap, ingest_nmea
from data_adapters.node import LakeNode
from tests.test_feeds import server

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CAP = Path(__file__).parent / "fixtures" / "cap"
BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol2;</identifier></alert>"""


def _position(mmsi: int, lon: float, lat: float) -> str:
    msg = {"type": 1, "mmsi": mmsi, "lon": lon, "lat": lat, "speed": 8.5, "course": 135.0}
    return str(encode_dict(msg, talker_id="AI", sentence_type="VDM")[0])


def _count(node: LakeNode, name: str) -> int:
    return int(node.sql(f"SELECT count(*) AS n FROM {name}")["n"].iloc[0])


@pytest.fixture
def node(tmp_path: Path) -> LakeNode:
    lake = LakeNode(tmp_path)
    lake.create()
    return lake


def test_nmea_lines_land_in_ais_reports_or_quarantine(node: LakeNode) -> None:
    lines = [
        _position(412440001, 110.41, 21.19),
        _position(412440002, 110.45, 21.05),
        _position(412440003, 10.0, 50.0),  # decodes, but far outside the city's waters
        "!AIVDM,1,1,,A,169EEh@P1k7qPq0<6We8BnT1P000,0*00",  # bad checksum
        "hello",
    ]
    reports = ingest_nmea(node, lines, now=NOW)
    assert reports[0].accepted == 2 and reports[0].rejected == 3
    assert _count(node, "ais_reports") == 2
    q = node.sql("SELECT reason, raw FROM quarantine ORDER BY reason")
    assert len(q) == 3
    assert any("checksum" in r.lower() for r in q["reason"])
    assert "hello" in set(q["raw"])


_garbage = st.one_of(
    st.text(max_size=120),
    st.binary(max_size=120).map(lambda b: b.decode("latin-1")),
    st.builds(
        _position, st.integers(100_000_000, 999_999_999), st.floats(-180, 180), st.floats(-90, 90)
    ),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_garbage, max_size=15))
def test_fuzzed_nmea_is_never_lost(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    lake = LakeNode(tmp_path_factory.mktemp("fuzz"))
    lake.create()
    lines = [ln.replace("\n", " ").replace("\r", " ") for ln in lines]
    reports = ingest_nmea(lake, lines, now=NOW)
    stored = _count(lake, "ais_reports") + _count(lake, "quarantine")
    assert stored == reports[0].accepted + reports[0].rejected
    assert stored + _count(lake, "vessels") >= len([ln for ln in lines if ln.strip()]) - sum(
        1
        for ln in lines
        if ln.startswith("!AIVDM,2")  # fragments may join into one report
    )
    lake.close()


def test_cap_warnings_stored_and_hostile_xml_quarantined(node: LakeNode) -> None:
    docs = [(CAP / "typhoon_yellow.xml").read_bytes(), BOMB, "<not-xml", "x" * 2_000_000]
    report = ingest_cap(node, docs, now=NOW)
    assert (report.accepted, report.rejected) == (1, 3)
    w = node.sql("SELECT signal, level, hazard FROM emergency_warnings")
    assert list(w["signal"]) == ["yellow"] and list(w["level"]) == ["III"]
    q = node.sql("SELECT reason, raw FROM quarantine WHERE table_name = 'emergency_warnings'")
    assert len(q) == 3 and all(r.startswith("CAP:") for r in q["reason"])
    assert any("ENTITY" in raw for raw in q["raw"])  # the raw payload is kept


def test_tcp_receiver_feed_lands_in_the_node(node: LakeNode) -> None:
    payload = (
        "\r\n".join(
            [_position(412440001, 110.41, 21.19), "garbage", _position(412440002, 110.42, 21.20)]
        )
        + "\r\n"
    )
    with server([payload.encode()]) as port:
        stats = read_ais_tcp(
            "127.0.0.1",
            port,
            on_batch=ais_batch_handler(node, lambda: NOW),
            max_lines=3,
            timeout=5.0,
            max_reconnects=0,
        )
    assert stats.lines == 3
    assert _count(node, "ais_reports") == 2
    assert _count(node, "quarantine") == 1
