"""CAP 1.2 (OASIS Common Alerting Protocol) warnings → plain dicts and emergency_warnings rows.

Input is untrusted: documents over 1 MiB, any DTD (hence entity expansion and external entities),
malformed XML, missing required elements, values outside the CAP enumerations and bad geometry
raise `CapError` (a ValueError) with a message that says what is wrong. Nothing else escapes.

Namespace: the CAP 1.2 namespace is expected; a document without any namespace is accepted as
CAP 1.2 (some provincial feeds omit it); any other namespace (e.g. CAP 1.1) is refused.
Encodings: UTF-8/16, ASCII and Latin-1 are read by the parser; GB2312/GBK/GB18030 and Big5,
which Chinese feeds still send and expat cannot read, are decoded first.
Geometry: CAP writes points as "lat,lon"; everything returned here is (lon, lat).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any, TypedDict
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.ElementTree as DET
import pandas as pd

from brain.standards import WarningLevel

__all__ = [
    "CAP_NS",
    "MAX_CAP_BYTES",
    "CapAlert",
    "CapArea",
    "CapError",
    "CapInfo",
    "parse_cap",
    "to_warning_rows",
]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_CAP_BYTES = 1 << 20

_STATUS = ("Actual", "Exercise", "System", "Test", "Draft")
_MSG_TYPE = ("Alert", "Update", "Cancel", "Ack", "Error")
_SCOPE = ("Public", "Restricted", "Private")
_CATEGORY = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
_URGENCY = ("Immediate", "Expected", "Future", "Past", "Unknown")
_SEVERITY = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
_CERTAINTY = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECODE_FIRST = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "big5": "big5"}


class CapError(ValueError):
    """A CAP message that is invalid or unsafe; the message says why."""


class CapArea(TypedDict):
    area_desc: str
    polygons: list[list[tuple[float, float]]]
    circles: list[tuple[tuple[float, float], float]]
    geocodes: list[tuple[str, str]]


class CapInfo(TypedDict):
    language: str
    category: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str | None
    description: str | None
    instruction: str | None
    onset: datetime | None
    expires: datetime | None
    effective: datetime | None
    sender_name: str | None
    parameters: dict[str, str]
    event_codes: list[tuple[str, str]]
    areas: list[CapArea]


class CapAlert(TypedDict):
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    note: str | None
    references: list[str]
    infos: list[CapInfo]


def parse_cap(xml: str | bytes) -> CapAlert:
    """Parse and validate one CAP 1.2 alert; raises CapError on invalid or unsafe input."""
    root = _parse_xml(xml)
    ns = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if ns not in (CAP_NS, ""):
        raise CapError(f"unsupported namespace {ns!r} (expected {CAP_NS})")
    if root.tag.rsplit("}", 1)[-1] != "alert":
        raise CapError(f"root element is <{root.tag.rsplit('}', 1)[-1]}>, not <alert>")
    r = _Reader(ns)
    return {
        "identifier": r.req(root, "identifier"),
        "sender": r.req(root, "sender"),
        "sent": _time(r.req(root, "sent"), "sent"),
        "status": _enum(r.req(root, "status"), _STATUS, "status"),
        "msg_type": _enum(r.req(root, "msgType"), _MSG_TYPE, "msgType"),
        "scope": _enum(r.req(root, "scope"), _SCOPE, "scope"),
        "note": r.opt(root, "note"),
        "references": (r.opt(root, "references") or "").split(),
        "infos": [_info(r, el) for el in r.all(root, "info")],
    }


def _parse_xml(xml: str | bytes) -> Element:
    if not isinstance(xml, (str, bytes)):
        raise CapError(f"CAP input must be str or bytes, not {type(xml).__name__}")
    if len(xml) > MAX_CAP_BYTES or (
        isinstance(xml, str) and len(xml.encode("utf-8", "surrogatepass")) > MAX_CAP_BYTES
    ):
        raise CapError(f"CAP message larger than {MAX_CAP_BYTES} bytes")
    data: str | bytes = xml
    if isinstance(xml, bytes) and (m := _DECLARED.match(xml[:200])):
        codec = _DECODE_FIRST.get(m.group(1).decode("ascii").lower())
        if codec is not None:
            try:
                data = xml.decode(codec)
            except UnicodeDecodeError as err:
                raise CapError(f"not valid {m.group(1).decode('ascii')}: {err.reason}") from None
    try:
        root = DET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as err:
        raise CapError(f"unsafe XML refused ({type(err).__name__}): DTDs are not allowed") from None
    except ET.ParseError as err:
        raise CapError(f"not well-formed XML: {err}") from None
    except Exception as err:  # expat on hostile input (odd encodings, surrogates …)
        raise CapError(f"unreadable XML: {type(err).__name__}: {err}"[:300]) from None
    if not isinstance(root, Element):
        raise CapError("no XML element found")
    return root


class _Reader:
    """Child lookup in the document's namespace."""

    def __init__(self, ns: str) -> None:
        self._prefix = f"{{{ns}}}" if ns else ""

    def all(self, el: Element, name: str) -> list[Element]:
        return el.findall(self._prefix + name)

    def opt(self, el: Element, name: str) -> str | None:
        child = el.find(self._prefix + name)
        text = (child.text or "").strip() if child is not None else ""
        return text or None

    def req(self, el: Element, name: str) -> str:
        text = self.opt(el, name)
        if text is None:
            where = el.tag.rsplit("}", 1)[-1]
            raise CapError(f"missing required element <{name}> in <{where}>")
        return text

    def pairs(self, el: Element, name: str) -> list[tuple[str, str]]:
        return [(self.req(p, "valueName"), self.opt(p, "value") or "") for p in self.all(el, name)]


def _enum(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        raise CapError(f"invalid {name} {value[:40]!r} (allowed: {', '.join(allowed)})")
    return value


def _time(value: str, name: str) -> datetime:
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise CapError(f"invalid {name} time {value[:40]!r}") from None
    if t.tzinfo is None:
        raise CapError(f"{name} time {value[:40]!r} has no time zone")
    return t


def _opt_time(r: _Reader, el: Element, name: str) -> datetime | None:
    text = r.opt(el, name)
    return None if text is None else _time(text, name)


def _info(r: _Reader, el: Element) -> CapInfo:
    categories = [
        _enum((c.text or "").strip(), _CATEGORY, "category") for c in r.all(el, "category")
    ]
    if not categories:
        raise CapError("missing required element <category> in <info>")
    return {
        "language": r.opt(el, "language") or "en-US",
        "category": categories,
        "event": r.req(el, "event"),
        "urgency": _enum(r.req(el, "urgency"), _URGENCY, "urgency"),
        "severity": _enum(r.req(el, "severity"), _SEVERITY, "severity"),
        "certainty": _enum(r.req(el, "certainty"), _CERTAINTY, "certainty"),
        "headline": r.opt(el, "headline"),
        "description": r.opt(el, "description"),
        "instruction": r.opt(el, "instruction"),
        "onset": _opt_time(r, el, "onset"),
        "expires": _opt_time(r, el, "expires"),
        "effective": _opt_time(r, el, "effective"),
        "sender_name": r.opt(el, "senderName"),
        "parameters": dict(r.pairs(el, "parameter")),  # a repeated valueName: the last wins
        "event_codes": r.pairs(el, "eventCode"),
        "areas": [_area(r, a) for a in r.all(el, "area")],
    }


def _area(r: _Reader, el: Element) -> CapArea:
    return {
        "area_desc": r.req(el, "areaDesc"),
        "polygons": [_polygon((p.text or "").strip()) for p in r.all(el, "polygon")],
        "circles": [_circle((c.text or "").strip()) for c in r.all(el, "circle")],
        "geocodes": r.pairs(el, "geocode"),
    }


def _point(text: str) -> tuple[float, float]:
    """A CAP "lat,lon" pair as (lon, lat), checked for range."""
    parts = text.split(",")
    try:
        lat, lon = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        lat = lon = math.nan
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise CapError(f"invalid point {text[:40]!r} (expected lat,lon in range)")
    return lon, lat


def _polygon(text: str) -> list[tuple[float, float]]:
    points = [_point(p) for p in text.split()]
    if len(points) < 4:
        raise CapError(f"polygon has {len(points)} points, at least 4 required")
    if points[0] != points[-1]:
        raise CapError("polygon is not closed (first and last points differ)")
    return points


def _circle(text: str) -> tuple[tuple[float, float], float]:
    parts = text.split()
    radius = math.nan
    if len(parts) == 2:
        with contextlib.suppress(ValueError):
            radius = float(parts[1])
    if not (0.0 <= radius < 20_000.0):
        raise CapError(f"invalid circle {text[:60]!r} (expected 'lat,lon radius_km')")
    return _point(parts[0]), radius


# ── mapping into emergency_warnings (data_adapters/schema.py) ─────────────────────────────

_COLOURS = (
    ("红色", "red"),
    ("橙色", "orange"),
    ("黄色", "yellow"),
    ("蓝色", "blue"),
    ("白色", "white"),
)
_HAZARDS = (
    ("typhoon", ("台风", "typhoon", "tropical cyclone")),
    ("rainstorm", ("暴雨", "rainstorm", "heavy rain")),
    ("thunder", ("雷雨大风", "雷电", "thunder")),
    ("gale", ("大风", "gale")),
    ("heat", ("高温", "heat")),
    ("cold", ("寒冷", "寒潮", "低温", "冰冻", "霜冻", "cold")),
    ("fog", ("大雾", "fog")),
    ("flood", ("洪水", "洪涝", "山洪", "flood")),
)
_CIRCLE_VERTICES = 36


def _signal(event: str) -> str | None:
    low = event.lower()
    return next((c for zh, c in _COLOURS if zh in event or c in low), None)


def _hazard(event: str) -> str:
    low = event.lower()
    return next((h for h, words in _HAZARDS if any(w in low for w in words)), "other")


def _circle_ring(centre: tuple[float, float], radius_km: float) -> list[list[float]]:
    """A circle as a closed polygon (local equirectangular approximation)."""
    lon, lat = centre
    dlat = radius_km / 111.32
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    ring = [
        [lon + dlon * math.cos(a), lat + dlat * math.sin(a)]
        for a in (2 * math.pi * k / _CIRCLE_VERTICES for k in range(_CIRCLE_VERTICES))
    ]
    return [*ring, ring[0]]


def _utc(t: datetime | None) -> pd.Timestamp | None:
    return None if t is None else pd.Timestamp(t).tz_convert("UTC")


def to_warning_rows(alert: CapAlert | dict[str, Any], received_at: datetime) -> pd.DataFrame:
    """One `emergency_warnings` row for an alert parsed by `parse_cap`.

    The Chinese info block is used when there is one (else the first). Signal colour comes from
    the event name (台风黄色预警信号 → yellow), else from the level; the level from the colour
    (white has none), else from CAP severity. Areas are joined; circles become 36-gon polygons.
    An alert without info yields a row with empty fields, which `check_rows` will quarantine.
    `received_at` (timezone-aware) is checked only: the table keeps the CAP `sent` time.
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    infos = alert["infos"]
    info = next(
        (i for i in infos if i["language"].lower().startswith("zh")), infos[0] if infos else None
    )
    row: dict[str, Any] = {
        "sent": _utc(alert["sent"]),
        "identifier": alert["identifier"],
        "sender": alert["sender"],
        "msg_type": alert["msg_type"],
    }
    if info is not None:
        colour = _signal(info["event"])
        level = WarningLevel.from_signal(colour) if colour else None
        level = level or WarningLevel.from_cap_severity(info["severity"])
        areas = info["areas"]
        codes = [v[:6] for a in areas for _, v in a["geocodes"] if v[:6].isdigit() and len(v) >= 6]
        shapes = [[list(p) for p in poly] for a in areas for poly in a["polygons"]]
        shapes += [_circle_ring(c, r) for a in areas for c, r in a["circles"]]
        row |= {
            "event": info["event"],
            "hazard": _hazard(info["event"]),
            "level": None if level is None else level.value,
            "signal": colour or (None if level is None else level.colour_name),
            "severity": info["severity"],
            "onset": _utc(info["onset"] or info["effective"]),
            "expires": _utc(info["expires"]),
            "area_desc": "、".join(a["area_desc"] for a in areas) or None,
            "adcodes": ",".join(dict.fromkeys(codes)),
            "polygons": json.dumps(shapes),
            "headline": info["headline"],
        }
    columns = {
        "sent": "datetime64[us, UTC]",
        "identifier": "string",
        "sender": "string",
        "msg_type": "string",
        "event": "string",
        "hazard": "string",
        "level": "string",
        "signal": "string",
        "severity": "string",
        "onset": "datetime64[us, UTC]",
        "expires": "datetime64[us, UTC]",
        "area_desc": "string",
        "adcodes": "string",
        "polygons": "string",
        "headline": "string",
    }
    frame = pd.DataFrame([{c: row.get(c) for c in columns}], columns=list(columns))
    return frame.astype(columns)
