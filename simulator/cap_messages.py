"""Early warnings of the simulated city as CAP 1.2 (OASIS) messages, as the national feed has them.

湛江市气象台 (sender zjqxt@cma.gov.cn) issues signal series: an `Alert` for the first signal, an
`Update` (referencing the previous message) on each change of colour and a `Cancel` when it ends.
Each message has one zh-CN info block with the signal as event (e.g. 台风黄色预警信号), CAP urgency,
severity and certainty, onset/expires, parameters, and one area per district with its boundary
polygon ("lat,lon" pairs, closed ring) and adcode geocode. `ordinary` draws the everyday warnings
(大风, 雷雨大风, 高温, 大雾, 寒冷, 暴雨) of one day; the typhoon's own series come from
simulator.typhoon.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely

from simulator.base import SimContext, rng_for
from simulator.geography import districts

__all__ = ["CAP_NS", "SENDER", "SENDER_NAME", "CapWarning", "frame", "ordinary", "series", "to_xml"]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "zjqxt@cma.gov.cn"
SENDER_NAME = "湛江市气象台"
_OFFICE = "44080041600000"  # identifier prefix: area code + office
_BJT = timezone(timedelta(hours=8))
_DAY = timedelta(days=1)


class _Hazard(NamedTuple):
    zh: str
    code: str  # in the message identifier
    advice: str  # the instruction


class _Signal(NamedTuple):
    zh: str
    level: str  # IV … I
    severity: str
    urgency: str
    response: str  # CAP responseType


# fmt: off
_HAZARDS = {
    "typhoon": _Hazard("台风", "TY",
                       "请做好防风准备，加固门窗及户外设施，船只回港避风，非必要不外出。"),
    "rainstorm": _Hazard("暴雨", "RS",
                         "请注意防范城乡积涝、山洪和地质灾害，远离低洼地带，注意交通安全。"),
    "gale": _Hazard("大风", "GL", "请做好防风准备，海上作业船只注意安全。"),
    "thunder": _Hazard("雷雨大风", "TS", "请留在室内，关好门窗，户外人员不要在树下或电杆下避雨。"),
    "heat": _Hazard("高温", "HT", "请注意防暑降温，避免午后高温时段户外活动。"),
    "cold": _Hazard("寒冷", "CD", "请注意防寒保暖，做好农作物和水产养殖防寒措施。"),
    "fog": _Hazard("大雾", "FG", "请减速慢行，注意交通安全，机场、港口及高速公路注意调度。"),
}
_SIGNALS = {
    "white": _Signal("白色", "IV", "Minor", "Future", "Monitor"),
    "blue": _Signal("蓝色", "IV", "Minor", "Future", "Prepare"),
    "yellow": _Signal("黄色", "III", "Moderate", "Expected", "Prepare"),
    "orange": _Signal("橙色", "II", "Severe", "Expected", "Shelter"),
    "red": _Signal("红色", "I", "Extreme", "Immediate", "Shelter"),
}
_MEANING = {
    ("typhoon", "white"): "48小时内可能受热带气旋影响。",
    ("typhoon", "blue"):
        "24小时内可能或者已经受热带气旋影响，平均风力达6级以上，或者阵风8级以上并可能持续。",
    ("typhoon", "yellow"):
        "24小时内可能或者已经受热带气旋影响，平均风力达8级以上，或者阵风10级以上并可能持续。",
    ("typhoon", "orange"):
        "12小时内可能或者已经受热带气旋影响，平均风力达10级以上，或者阵风12级以上并可能持续。",
    ("typhoon", "red"):
        "6小时内可能或者已经受热带气旋影响，平均风力达12级以上，或者阵风14级以上并可能持续。",
    ("rainstorm", "yellow"): "6小时内本地将有暴雨发生，或者强降雨将持续。",
    ("rainstorm", "orange"): "过去3小时本地降雨量已达50毫米以上，且降雨可能持续。",
    ("rainstorm", "red"): "过去3小时本地降雨量已达100毫米以上，且降雨可能持续。",
    ("gale", "blue"): "24小时内可能受大风影响，平均风力可达6级以上，或者阵风7级以上。",
    ("gale", "yellow"): "12小时内可能受大风影响，平均风力可达8级以上，或者阵风9级以上。",
    ("thunder", "yellow"):
        "6小时内可能受雷雨大风影响，平均风力可达8级以上，或者阵风9级以上并伴有强雷电。",
    ("heat", "yellow"): "天气闷热，24小时内最高气温将升至35℃以上。",
    ("heat", "orange"): "24小时内最高气温将升至37℃以上。",
    ("fog", "yellow"): "12小时内可能出现能见度小于500米的雾。",
    ("fog", "orange"): "6小时内可能出现能见度小于200米的雾。",
    ("cold", "yellow"): "24小时内最低气温将下降到5℃或以下。",
}
# fmt: on


@dataclass(frozen=True)
class CapWarning:
    """One CAP message of a warning series."""

    hazard: str
    signal: str  # colour of the signal issued (or cancelled)
    msg_type: str  # Alert | Update | Cancel
    sent: datetime  # timezone-aware
    expires: datetime
    adcodes: tuple[str, ...]
    serial: str  # distinguishes series of the same hazard
    references: str = ""  # "sender,identifier,sent" of the message it updates or cancels

    @property
    def identifier(self) -> str:
        code = _HAZARDS[self.hazard].code
        return f"{_OFFICE}_{self.sent.astimezone(_BJT):%Y%m%d%H%M%S}_{code}{self.serial}"

    @property
    def event(self) -> str:
        return f"{_HAZARDS[self.hazard].zh}{_SIGNALS[self.signal].zh}预警信号"


def _cap_time(t: datetime) -> str:
    return t.astimezone(_BJT).isoformat(timespec="seconds")


def series(
    hazard: str,
    serial: str,
    steps: Sequence[tuple[datetime, str | None]],
    adcodes: Sequence[str],
    valid: timedelta,
) -> list[CapWarning]:
    """The messages of one series: `steps` are (time, signal or None to cancel), time-ordered."""
    out: list[CapWarning] = []
    current: CapWarning | None = None
    for t, signal in steps:
        if current is not None and signal == current.signal and current.msg_type != "Cancel":
            continue
        if signal is None and (current is None or current.msg_type == "Cancel"):
            continue
        live = current is not None and current.msg_type != "Cancel"
        refs = (
            f"{SENDER},{current.identifier},{_cap_time(current.sent)}"
            if (current is not None and live)
            else ""
        )
        msg_type = "Cancel" if signal is None else ("Update" if live else "Alert")
        colour = signal or (current.signal if current is not None else "")
        current = CapWarning(
            hazard,
            colour,
            msg_type,
            t,
            t + (timedelta(hours=1) if signal is None else valid),
            tuple(adcodes),
            serial,
            refs,
        )
        out.append(current)
    return out


@cache
def _rings() -> dict[str, str]:
    """Each district's boundary as a CAP polygon (largest part, simplified to ~500 m)."""
    out = {}
    for d in districts():
        parts = getattr(d.geometry, "geoms", [d.geometry])
        main = max(parts, key=lambda g: g.area)
        ring = shapely.simplify(main, 0.005).exterior.coords
        out[d.adcode] = " ".join(f"{lat:.4f},{lon:.4f}" for lon, lat in ring)
    return out


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)  # in the default namespace declared on <alert>
    if text is not None:
        el.text = text
    return el


def to_xml(w: CapWarning) -> str:
    """The complete CAP 1.2 document of a message."""
    names = {d.adcode: d.name_zh for d in districts()}
    cancel = w.msg_type == "Cancel"
    sig = _SIGNALS[w.signal]
    root = ET.Element("alert", xmlns=CAP_NS)
    for tag, text in (
        ("identifier", w.identifier),
        ("sender", SENDER),
        ("sent", _cap_time(w.sent)),
        ("status", "Actual"),
        ("msgType", w.msg_type),
        ("scope", "Public"),
    ):
        _sub(root, tag, text)
    if w.references:
        _sub(root, "references", w.references)
    info = _sub(root, "info")
    area_zh = "湛江市" if len(w.adcodes) == len(names) else "、".join(names[a] for a in w.adcodes)
    action = "解除" if cancel else ("更新" if w.msg_type == "Update" else "发布")
    headline = f"{SENDER_NAME}{action}{w.event}"
    meaning = _MEANING.get((w.hazard, w.signal), f"可能或者已经受{_HAZARDS[w.hazard].zh}影响。")
    description = (
        f"{area_zh}{w.event}已解除。"
        if cancel
        else f"{SENDER_NAME}{_cap_time(w.sent)[11:16]}{action}{w.event}：{area_zh}{meaning}"
    )
    for tag, text in (
        ("language", "zh-CN"),
        ("category", "Met"),
        ("event", w.event),
        ("responseType", "AllClear" if cancel else sig.response),
        ("urgency", "Past" if cancel else sig.urgency),
        ("severity", "Minor" if cancel else sig.severity),
        ("certainty", "Observed" if cancel else "Likely"),
        ("effective", _cap_time(w.sent)),
        ("onset", _cap_time(w.sent)),
        ("expires", _cap_time(w.expires)),
        ("senderName", SENDER_NAME),
        ("headline", headline),
        ("description", description),
        ("instruction", "" if cancel else _HAZARDS[w.hazard].advice),
    ):
        if text:
            _sub(info, tag, text)
    for name, value in (("signal", w.signal), ("level", sig.level), ("hazard", w.hazard)):
        p = _sub(info, "parameter")
        _sub(p, "valueName", name)
        _sub(p, "value", value)
    rings = _rings()
    for adcode in w.adcodes:
        area = _sub(info, "area")
        _sub(area, "areaDesc", names[adcode])
        _sub(area, "polygon", rings[adcode])
        geo = _sub(area, "geocode")
        _sub(geo, "valueName", "adcode")
        _sub(geo, "value", adcode)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def frame(warnings: Iterable[CapWarning]) -> pd.DataFrame:
    """The `cap_messages` rows (sent, xml) of `warnings`, in the order they were sent."""
    chosen = sorted(warnings, key=lambda w: (w.sent, w.identifier))
    return pd.DataFrame(
        {
            "sent": pd.Series([w.sent for w in chosen], dtype="object")
            .pipe(lambda s: pd.to_datetime(s, utc=True))
            .astype("datetime64[us, UTC]"),
            "xml": pd.Series([to_xml(w) for w in chosen], dtype="string"),
        }
    )


# hazard: months, warnings per day, signals with weights, BJT hours, duration h, districts (n)
_Ordinary = tuple[
    str, tuple[int, ...], float, dict[str, float], tuple[int, int], tuple[int, int], tuple[int, int]
]
# fmt: off
_ORDINARY: tuple[_Ordinary, ...] = (
    ("rainstorm", (4, 5, 6, 7, 8, 9), 0.10, {"yellow": 0.8, "orange": 0.2}, (0, 24), (3, 10),
     (1, 5)),
    ("thunder", (4, 5, 6, 7, 8, 9), 0.14, {"yellow": 1.0}, (12, 20), (2, 5), (1, 4)),
    ("heat", (6, 7, 8, 9), 0.10, {"yellow": 0.8, "orange": 0.2}, (9, 12), (6, 10), (2, 6)),
    ("fog", (12, 1, 2, 3, 4), 0.12, {"yellow": 0.8, "orange": 0.2}, (4, 7), (3, 6), (1, 5)),
    ("gale", (10, 11, 12, 1, 2, 3), 0.08, {"blue": 0.75, "yellow": 0.25}, (6, 20), (8, 18), (2, 5)),
    ("cold", (12, 1, 2), 0.05, {"yellow": 1.0}, (8, 17), (12, 20), (3, 9)),
)
# fmt: on
_COASTAL = ("440803", "440804", "440811", "440825", "440882", "440883", "440823")


@cache
def _codes() -> tuple[str, ...]:
    return tuple(d.adcode for d in districts())


def ordinary(ctx: SimContext, day: int, quiet: tuple[datetime, datetime]) -> list[CapWarning]:
    """Everyday warnings that start on UTC day `day` (days since 1970-01-01), none in `quiet`."""
    rng = rng_for(ctx, "emergency", "warnings", day)
    start = datetime(1970, 1, 1, tzinfo=UTC) + day * _DAY
    month = (start + timedelta(hours=8)).month
    out: list[CapWarning] = []
    for hazard, months, rate, signals, hours, dur, size in _ORDINARY:
        n = int(rng.poisson(rate)) if month in months else 0
        for k in range(n):
            # a local (UTC+8) hour of day, placed within this UTC day
            t = start + timedelta(hours=(float(rng.uniform(*hours)) - 8.0) % 24.0)
            if quiet[0] <= t < quiet[1]:
                continue
            pool = _COASTAL if hazard == "gale" else _codes()
            areas = tuple(
                sorted(
                    rng.choice(
                        pool, int(rng.integers(size[0], size[1] + 1)), replace=False
                    ).tolist()
                )
            )
            colours = list(signals)
            first = str(rng.choice(colours, p=np.asarray(list(signals.values()))))
            duration = timedelta(hours=float(rng.uniform(*dur)))
            steps: list[tuple[datetime, str | None]] = [(t, first)]
            ladder = ("blue", "yellow", "orange", "red")
            if rng.random() < 0.2 and first in ladder[:-1] and hazard != "thunder":
                up = ladder[ladder.index(first) + 1]
                steps.append((t + duration * float(rng.uniform(0.2, 0.5)), up))
            steps.append((t + duration, None))
            out += series(
                hazard,
                f"{day % 100000:05d}{k}",
                _whole_seconds(steps),
                areas,
                duration + timedelta(hours=2),
            )
    return out


def _whole_seconds(steps: list[tuple[datetime, str | None]]) -> list[tuple[datetime, str | None]]:
    return [(t.replace(microsecond=0), s) for t, s in steps]
