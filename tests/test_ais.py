"""data_adapters.ais: known-truth decoding, multipart joining, rejects with reasons, fuzzing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais import encode_dict
from pyais.util import compute_checksum

from data_adapters import ais
from data_adapters.ais import REPORT_COLUMNS, NmeaDecoder, decode_nmea, to_tables
from data_adapters.schema import table
from data_adapters.validate import check_rows

FIXTURE = Path(__file__).parent / "fixtures" / "ais" / "zhanjiang_bay.nmea"
NOW = datetime(2024, 9, 5, 1, 0, tzinfo=UTC)

TYPE5 = {
    "type": 5,
    "mmsi": 412440001,
    "imo": 9512345,
    "callsign": "BQAZ7",
    "shipname": "YUE ZHAN HUO 8",
    "ship_type": 70,
    "to_bow": 90,
    "to_stern": 18,
    "to_port": 8,
    "to_starboard": 8,
    "draught": 6.8,
    "destination": "ZHANJIANG",
}


def enc(data: dict[str, Any], channel: str = "A", seq_id: int | None = None) -> list[str]:
    return encode_dict(
        data, talker_id="AI", sentence_type="VDM", radio_channel=channel, seq_id=seq_id
    )


def sentence(payload: str, fill: int = 0, head: str = "!AIVDM,1,1,,A") -> str:
    body = f"{head},{payload},{fill}"
    return f"{body}*{compute_checksum(body):02X}"


def conserved(lines: list[Any], reports: pd.DataFrame, rejected: pd.DataFrame) -> bool:
    return int(reports["fragments"].sum()) + len(rejected) == len(lines)


def test_type1_known_truth() -> None:
    lines = enc(
        {
            "type": 1,
            "mmsi": 412440001,
            "status": 5,
            "speed": 11.5,
            "lon": 110.4312,
            "lat": 21.1523,
            "course": 212.3,
            "heading": 210,
        }
    )
    reports, rejected = decode_nmea(lines)
    assert rejected.empty and len(reports) == 1
    r = reports.iloc[0]
    assert (r.mmsi, r.msg_type, r.nav_status, r.heading) == (412440001, 1, 5, 210)
    assert (r.lon, r.lat, r.sog, r.cog) == (
        pytest.approx(110.4312),
        pytest.approx(21.1523),
        pytest.approx(11.5),
        pytest.approx(212.3),
    )
    assert pd.isna(r.shipname) and r.channel == "A" and r.fragments == 1
    assert r.raw == lines[0]


def test_columns_have_nullable_dtypes() -> None:
    reports, rejected = decode_nmea([])
    assert list(reports.columns) == list(REPORT_COLUMNS)
    assert {c: str(t) for c, t in reports.dtypes.items()} == REPORT_COLUMNS
    assert list(rejected.columns) == ["received_index", "line", "reason"]
    reports, _ = decode_nmea(enc({"type": 1, "mmsi": 1, "lon": 110.0, "lat": 21.0}))
    assert {c: str(t) for c, t in reports.dtypes.items()} == REPORT_COLUMNS


def test_type5_two_fragments_joined() -> None:
    lines = enc(TYPE5, channel="B", seq_id=3)
    assert len(lines) == 2
    reports, rejected = decode_nmea(["junk", *lines])
    assert len(rejected) == 1 and len(reports) == 1
    r = reports.iloc[0]
    assert (r.mmsi, r.msg_type, r.imo, r.callsign, r.shipname) == (
        412440001,
        5,
        9512345,
        "BQAZ7",
        "YUE ZHAN HUO 8",
    )
    assert (r.ship_type, r.to_bow, r.to_stern, r.destination) == (70, 90, 18, "ZHANJIANG")
    assert r.draught == pytest.approx(6.8)
    assert (r.fragments, r.received_index, r.channel) == (2, 1, "B")
    assert pd.isna(r.lat) and pd.isna(r.sog)
    assert r.raw == "\n".join(lines)


def test_interleaved_multipart_messages_matched_by_sequence_id_and_channel() -> None:
    a = enc(TYPE5, channel="A", seq_id=1)
    b = enc({**TYPE5, "mmsi": 412440009, "shipname": "OTHER"}, channel="A", seq_id=2)
    c = enc({**TYPE5, "mmsi": 412440010, "shipname": "ON B"}, channel="B", seq_id=1)
    reports, rejected = decode_nmea([a[0], b[0], c[0], b[1], a[1], c[1]])
    assert rejected.empty
    assert sorted(zip(reports.mmsi, reports.shipname, strict=True)) == [
        (412440001, "YUE ZHAN HUO 8"),
        (412440009, "OTHER"),
        (412440010, "ON B"),
    ]


def test_class_b_aton_and_static_types() -> None:
    lines = (
        enc(
            {
                "type": 18,
                "mmsi": 412440002,
                "speed": 7.2,
                "lon": 110.5021,
                "lat": 21.0315,
                "course": 95.0,
                "heading": 511,
            }
        )
        + enc(
            {
                "type": 19,
                "mmsi": 412440003,
                "speed": 3.0,
                "lon": 110.6,
                "lat": 21.2,
                "course": 10.0,
                "heading": 12,
                "shipname": "B CLASS",
                "ship_type": 37,
            }
        )
        + enc(
            {
                "type": 21,
                "mmsi": 994120001,
                "aid_type": 14,
                "name": "ZHANJIANG CHANNEL 1",
                "lon": 110.4201,
                "lat": 21.1012,
            }
        )
        + enc({"type": 24, "mmsi": 412440002, "partno": 0, "shipname": "YUE XU YU 3081"})
        + enc(
            {
                "type": 24,
                "mmsi": 412440002,
                "partno": 1,
                "ship_type": 30,
                "callsign": "BVXY",
                "to_bow": 15,
                "to_stern": 7,
            }
        )
    )
    reports, rejected = decode_nmea(lines)
    assert rejected.empty
    assert reports.msg_type.tolist() == [18, 19, 21, 24, 24]
    t18, t19, t21, t24a, t24b = (reports.iloc[i] for i in range(5))
    assert t18.sog == pytest.approx(7.2) and pd.isna(t18.heading) and pd.isna(t18.nav_status)
    assert (t19.shipname, t19.ship_type, t19.heading) == ("B CLASS", 37, 12)
    assert t21.shipname == "ZHANJIANG CHANNEL 1" and t21.lon == pytest.approx(110.4201)
    assert (t24a.partno, t24a.shipname) == (0, "YUE XU YU 3081")
    assert (t24b.partno, t24b.ship_type, t24b.callsign, t24b.to_bow) == (1, 30, "BVXY", 15)


def test_not_available_values_become_na() -> None:
    lines = enc(
        {
            "type": 1,
            "mmsi": 412440001,
            "lon": 181,
            "lat": 91,
            "speed": 102.3,
            "course": 360,
            "heading": 511,
            "status": 15,
        }
    )
    lines += enc(
        {"type": 5, "mmsi": 412440004, "imo": 0, "ship_type": 0, "callsign": "", "shipname": ""}
    )
    reports, _ = decode_nmea(lines)
    r1, r5 = reports.iloc[0], reports.iloc[1]
    for col in ("lon", "lat", "sog", "cog", "heading", "nav_status"):
        assert pd.isna(r1[col]), col
    for col in ("imo", "ship_type", "callsign", "shipname", "draught"):
        assert pd.isna(r5[col]), col
    edge, _ = decode_nmea(
        enc(
            {
                "type": 1,
                "mmsi": 1,
                "lon": -180.0,
                "lat": -90.0,
                "speed": 102.2,
                "course": 359.9,
                "heading": 359,
            }
        )
    )
    e = edge.iloc[0]
    assert (e.lon, e.lat, e.heading) == (-180.0, -90.0, 359)
    assert e.sog == pytest.approx(102.2) and e.cog == pytest.approx(359.9)


def _flip(line: str, i: int) -> str:
    return line[:i] + ("A" if line[i] != "A" else "B") + line[i + 1 :]


GOOD = enc({"type": 1, "mmsi": 412440001, "lon": 110.4, "lat": 21.2})[0]
PART1, PART2 = enc(TYPE5, seq_id=4)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (_flip(GOOD, 20), "bad checksum"),
        (
            "$GPGGA,092750.000,2115.9130,N,11021.5480,E,1,8,1.03,61.7,M,55.2,M,,*76",
            "not an AIVDM/AIVDO sentence",
        ),
        ("hello world", "not an AIVDM/AIVDO sentence"),
        (GOOD[:25], "truncated sentence"),
        (GOOD.split("*")[0], "missing checksum"),
        ("", "empty line"),
        ("   \r\n", "empty line"),
        (GOOD + "é", "non-ASCII"),
        ("!AIVDM,1,1,,A," + "1" * 1100 + ",0*00", "over-long line"),
        (sentence("169?UC~~~~"), "invalid character in payload"),
        (sentence("0" * 28), "unsupported type 0"),
        (sentence("t" + "0" * 27), "unsupported type 60"),
        (sentence("169?UCPP1s7q"), "truncated payload"),
        (sentence("169?UCPP1s7qPq0<6We8BnT1P000", fill=9), "invalid sentence"),
        (sentence("169?UCPP1s7qPq0<6We8BnT1P000", head="!AIVDM,1,2,,A"), "invalid sentence"),
        (PART2, "orphan fragment 2 of 2"),
        (PART1, "incomplete multipart message at end of input"),
    ],
)
def test_rejects_with_reason(line: str, reason: str) -> None:
    reports, rejected = decode_nmea([line])
    assert reports.empty
    assert len(rejected) == 1
    assert reason in rejected.reason.iloc[0]
    assert rejected.line.iloc[0] == line[: ais.MAX_LINE_CHARS]
    assert rejected.received_index.iloc[0] == 0


def test_non_text_items_are_rejected_not_raised() -> None:
    reports, rejected = decode_nmea([b"!AIVDM", None, 42])  # type: ignore[list-item]
    assert reports.empty and rejected.reason.tolist() == ["not a text line"] * 3


def test_fragment_superseded_and_out_of_order() -> None:
    other1, other2 = enc({**TYPE5, "mmsi": 412440005}, seq_id=4)
    reports, rejected = decode_nmea([PART1, other1, other2, PART2])
    assert reports.mmsi.tolist() == [412440005]
    assert "superseded" in rejected.reason.iloc[0]
    assert "orphan" in rejected.reason.iloc[1]
    assert rejected.received_index.tolist() == [0, 3]


def three_fragments() -> list[str]:
    payload = "".join(line.split(",")[5] for line in PART1_2)
    chunks = [payload[:30], payload[30:60], payload[60:]]
    return [
        sentence(c, fill=2 if i == 3 else 0, head=f"!AIVDM,3,{i},7,B")
        for i, c in enumerate(chunks, start=1)
    ]


PART1_2 = enc(TYPE5, seq_id=7)


def test_three_fragments_in_order_and_with_a_gap() -> None:
    f1, f2, f3 = three_fragments()
    reports, rejected = decode_nmea([f1, f2, f3])
    assert rejected.empty and reports.shipname.tolist() == ["YUE ZHAN HUO 8"]
    assert reports.fragments.tolist() == [3]
    reports, rejected = decode_nmea([f1, f3, f2])
    assert reports.empty
    assert rejected.reason.str.contains("orphan fragment 3 of 3").sum() == 1
    assert rejected.reason.str.contains("orphan fragment 2 of 3").sum() == 1
    assert (
        rejected.reason.str.contains(r"incomplete multipart message \(fragment missing\)").sum()
        == 1
    )


def test_message_type_4_is_kept_with_identity_only() -> None:
    reports, rejected = decode_nmea(enc({"type": 4, "mmsi": 4123000, "lon": 110.4, "lat": 21.2}))
    assert rejected.empty
    r = reports.iloc[0]
    assert (r.msg_type, r.mmsi) == (4, 4123000) and pd.isna(r.lon)


def test_tag_block_is_accepted() -> None:
    tag = "s:zj01,c:1725499800"
    line = f"\\{tag}*{compute_checksum('!' + tag):02X}\\{GOOD}"
    reports, rejected = decode_nmea([line])
    assert rejected.empty and reports.mmsi.tolist() == [412440001]


def test_fixture_file() -> None:
    lines = FIXTURE.read_text(encoding="ascii").splitlines()
    reports, rejected = decode_nmea(lines)
    assert conserved(lines, reports, rejected)
    assert reports.msg_type.tolist() == [1, 5, 18, 24, 24, 21]
    assert reports.shipname.tolist()[1] == "YUE ZHAN HUO 8"
    assert len(rejected) == 3  # the comment line, a bad checksum, a GPS sentence


def test_decoder_joins_fragments_across_batches() -> None:
    decoder = NmeaDecoder()
    r1, j1 = decoder.feed([GOOD, PART1])
    r2, j2 = decoder.feed([PART2])
    r3, j3 = decoder.flush()
    assert (len(r1), len(j1), len(r2), len(j2), len(r3), len(j3)) == (1, 0, 1, 0, 0, 0)
    assert r2.received_index.tolist() == [1] and r2.fragments.tolist() == [2]
    decoder.feed([PART1])
    _, pending = decoder.flush()
    assert pending.received_index.tolist() == [3]


# ── fuzzing: never raises, nothing dropped ────────────────────────────────────────────────

VALID = [
    GOOD,
    PART1,
    PART2,
    *enc({"type": 18, "mmsi": 412440002, "lon": 110.5, "lat": 21.0}),
    *enc({"type": 24, "mmsi": 412440002, "partno": 1, "ship_type": 30}),
    *FIXTURE.read_text(encoding="ascii").splitlines(),
]
ARMOUR = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"


@st.composite
def mutated(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(line)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "cut"]))
        ch = draw(st.characters(max_codepoint=0x2FF))
        if op == "insert":
            line = line[:i] + ch + line[i:]
        elif op == "delete":
            line = line[:i] + line[i + 1 :]
        elif op == "replace":
            line = line[:i] + ch + line[i + 1 :]
        else:
            line = line[:i]
    return line


LINES = st.one_of(
    st.text(max_size=120),
    st.binary(max_size=120).map(lambda b: b.decode("latin-1")),
    st.sampled_from(VALID),
    mutated(),
    st.integers(1000, 5000).map(lambda n: "!AIVDM,1,1,,A," + "1" * n + ",0*00"),
    st.builds(sentence, st.text(ARMOUR, max_size=90), st.integers(0, 5)),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=30))
def test_fuzz_never_raises_and_conserves_lines(lines: list[str]) -> None:
    reports, rejected = decode_nmea(lines)
    assert conserved(lines, reports, rejected)
    indices = rejected.received_index.tolist() + reports.received_index.tolist()
    assert len(indices) == len(set(indices))
    assert rejected.reason.notna().all()
    assert {c: str(t) for c, t in reports.dtypes.items()} == REPORT_COLUMNS


def test_huge_input_line() -> None:
    reports, rejected = decode_nmea(["!" * 5_000_000, GOOD])
    assert len(reports) == 1 and len(rejected.line.iloc[0]) == ais.MAX_LINE_CHARS


# ── mapping into the radar tables ─────────────────────────────────────────────────────────


def test_to_tables_follow_the_contract() -> None:
    lines = FIXTURE.read_text(encoding="ascii").splitlines()
    lines += enc({"type": 1, "mmsi": 412440001, "lon": 110.44, "lat": 21.16, "speed": 11.0})
    reports, _ = decode_nmea(lines)
    tables = to_tables(reports, NOW, registered_mmsis={412440002})
    for name, frame in tables.items():
        assert list(frame.columns) == table(name).column_names
        checked = check_rows(table(name), frame, now=NOW)
        assert checked.rejected.empty, checked.rejected.to_dict("records")
    pos = tables["ais_reports"]
    assert pos.msg_type.tolist() == [1, 18, 1]
    assert pos.mmsi.tolist() == [412440001, 412440002, 412440001]
    assert pos.ts.is_monotonic_increasing and pos.ts.is_unique
    assert pos.ts.iloc[0] == pd.Timestamp(NOW)
    assert (pos.ts.iloc[-1] - pos.ts.iloc[0]) < pd.Timedelta(milliseconds=1)
    vessels = tables["vessels"].set_index("mmsi")
    assert vessels.loc[412440001, "name"] == "YUE ZHAN HUO 8"
    assert vessels.loc[412440001, "vessel_type"] == "cargo"
    assert vessels.loc[412440001, "length_m"] == 108.0
    assert vessels.loc[412440001, "imo"] == 9512345
    assert not vessels.loc[412440001, "registered"]
    # parts A and B of type 24 merge into one row
    assert vessels.loc[412440002, "name"] == "YUE XU YU 3081"
    assert vessels.loc[412440002, "vessel_type"] == "fishing"
    assert vessels.loc[412440002, "callsign"] == "BVXY"
    assert vessels.loc[412440002, "registered"]
    assert len(vessels) == 2  # the aid to navigation (type 21) is not a vessel


def test_to_tables_keeps_unavailable_positions_for_quarantine() -> None:
    reports, _ = decode_nmea(enc({"type": 1, "mmsi": 412440001, "lon": 181, "lat": 91}))
    rows = to_tables(reports, NOW)["ais_reports"]
    checked = check_rows(table("ais_reports"), rows, now=NOW)
    assert len(rows) == 1 and len(checked.rejected) == 1


def test_to_tables_time_handling() -> None:
    reports, _ = decode_nmea([GOOD])
    with pytest.raises(ValueError, match="timezone"):
        to_tables(reports, datetime(2024, 9, 5, 9, 0))
    local = datetime(2024, 9, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    ts = to_tables(reports, local)["ais_reports"].ts.iloc[0]
    assert ts == pd.Timestamp("2024-09-05T01:00:00Z")
    empty = to_tables(decode_nmea([])[0], NOW)
    assert empty["ais_reports"].empty and empty["vessels"].empty


def test_to_tables_takes_each_line_s_receive_time() -> None:
    lines = [*enc({"type": 1, "mmsi": 412440001}), *enc({"type": 1, "mmsi": 412440002})]
    reports, _ = decode_nmea(lines)
    received = pd.Series(pd.to_datetime(["2024-09-05T01:00:03Z", "2024-09-05T01:00:07Z"]))
    rows = to_tables(reports, NOW, received=received)["ais_reports"].set_index("mmsi")
    assert rows.loc[412440001, "ts"] == pd.Timestamp("2024-09-05T01:00:03Z")
    assert rows.loc[412440002, "ts"] == pd.Timestamp("2024-09-05T01:00:07Z")
