"""What makes an alert in each domain: the default rule set.

Each rule takes a domain's figures as plain rows (mappings with the column names of the domain's
adapters, e.g. `services.<domain>` records) and returns alert candidates, `Alert` values with a
severity on the national four-level warning scale (`WarningLevel`: I 红 highest, II 橙, III 黄,
IV 蓝), the entity and district they concern, and a message key with its parameters (the words are
in the locale catalogues, `alert.<kind>`). The thresholds are the named constants below. Pure: no
I/O and no clock; the wall's ticker shows these candidates and the alert engine evaluates them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from brain.domains import Domain
from brain.standards import WarningLevel, WaterClass, class_rank, tpi_level

__all__ = [
    "CONGESTION_TPI",
    "DARK_MIN_TARGETS",
    "DARK_SEVERITY",
    "EVENT_MIN_LEVEL",
    "FIRE_CONFIRMED_SEVERITY",
    "FIRE_UNVERIFIED_SEVERITY",
    "INTRUSION_SEVERITY",
    "KIND_DOMAIN",
    "SEVERE_CONGESTION_TPI",
    "WARNING_DEFAULT_SEVERITY",
    "WATER_BELOW_TARGET_SEVERITY",
    "WATER_WORSE_THAN_V_SEVERITY",
    "Alert",
    "AlertKind",
    "Param",
    "emergency_alerts",
    "fire_alerts",
    "radar_alerts",
    "ranked",
    "river_alerts",
    "traffic_alerts",
]

Param = str | int | float | bool | None
Row = Mapping[str, Any]

# ── thresholds ───────────────────────────────────────────────────────────────────────────
# emergency: a warning in force is an alert at its own level (unknown level: the lowest);
# an event is an alert from this level up (I, II), at its own level.
WARNING_DEFAULT_SEVERITY = WarningLevel.IV
EVENT_MIN_LEVEL = WarningLevel.II
# traffic (GB/T 33171-2016): a road from 中度拥堵 (TPI ≥ 6, level 4) is an alert at III 黄,
# from 严重拥堵 (TPI ≥ 8, level 5) at II 橙.
CONGESTION_TPI = 6.0
SEVERE_CONGESTION_TPI = 8.0
# fire: every live IoT alarm; confirmed fire II 橙, still unverified (mostly false alarms) IV 蓝.
FIRE_CONFIRMED_SEVERITY = WarningLevel.II
FIRE_UNVERIFIED_SEVERITY = WarningLevel.IV
# river (GB 3838-2002): a section worse than its target class; IV 蓝, or III 黄 when 劣V.
WATER_BELOW_TARGET_SEVERITY = WarningLevel.IV
WATER_WORSE_THAN_V_SEVERITY = WarningLevel.III
# radar: every vessel breaking a zone's rule III 黄; radar targets with no AIS, from this many,
# one alert IV 蓝 for all of them.
INTRUSION_SEVERITY = WarningLevel.III
DARK_MIN_TARGETS = 1
DARK_SEVERITY = WarningLevel.IV


class AlertKind(StrEnum):
    """What an alert is about; its message is the catalogue key `alert.<kind>`."""

    WARNING = "warning"  # an early warning in force (CAP)
    EVENT = "event"  # an emergency event of a high level
    CONGESTION = "congestion"  # a congested road
    FIRE = "fire"  # a confirmed fire at a key unit
    ALARM = "alarm"  # an IoT fire alarm not yet verified
    WATER = "water"  # a river section below its target class
    INTRUSION = "intrusion"  # a vessel breaking a sea zone's rule
    DARK = "dark"  # radar targets with no AIS


KIND_DOMAIN: Mapping[AlertKind, Domain] = {
    AlertKind.WARNING: Domain.EMERGENCY,
    AlertKind.EVENT: Domain.EMERGENCY,
    AlertKind.CONGESTION: Domain.TRAFFIC,
    AlertKind.FIRE: Domain.FIRE,
    AlertKind.ALARM: Domain.FIRE,
    AlertKind.WATER: Domain.RIVER,
    AlertKind.INTRUSION: Domain.RADAR,
    AlertKind.DARK: Domain.RADAR,
}


@dataclass(frozen=True)
class Alert:
    """An alert candidate: what, how severe, about which entity (None: the domain as a whole) in
    which district (None: the city or several districts), and the parameters of its message."""

    kind: AlertKind
    severity: WarningLevel
    entity: str | None
    adcode: str | None
    params: Mapping[str, Param] = field(default_factory=dict)

    @property
    def domain(self) -> Domain:
        return KIND_DOMAIN[self.kind]

    @property
    def message(self) -> str:
        """The catalogue key of its words."""
        return f"alert.{self.kind}"

    @property
    def key(self) -> tuple[str, str, str | None]:
        """What makes two candidates the same alert: domain, kind and entity."""
        return (self.domain, self.kind, self.entity)


def _text(value: Any) -> str | None:
    return None if value is None or value != value else str(value)  # NaN: none


def _level(value: Any) -> WarningLevel | None:
    try:
        return WarningLevel(str(value))
    except ValueError:
        return None


def _single_adcode(adcodes: Any) -> str | None:
    """The district a warning covers when it covers exactly one (comma-separated adcodes)."""
    codes = [c.strip() for c in str(adcodes or "").split(",") if c.strip()]
    return codes[0] if len(codes) == 1 else None


def emergency_alerts(warnings: Iterable[Row], events: Iterable[Row]) -> list[Alert]:
    """Every warning in force, at its level; every event of `EVENT_MIN_LEVEL` or higher."""
    out = [
        Alert(
            AlertKind.WARNING,
            _level(w.get("level")) or WARNING_DEFAULT_SEVERITY,
            _text(w.get("identifier")),
            _single_adcode(w.get("adcodes")),
            {
                "event": _text(w.get("event")),
                "hazard": _text(w.get("hazard")),
                "signal": _text(w.get("signal")),
            },
        )
        for w in warnings
    ]
    for e in events:
        level = _level(e.get("level"))
        if level is not None and level.rank <= EVENT_MIN_LEVEL.rank:
            out.append(
                Alert(
                    AlertKind.EVENT,
                    level,
                    _text(e.get("event_id")),
                    _text(e.get("adcode")),
                    {"title": _text(e.get("title")), "level": str(level)},
                )
            )
    return out


def traffic_alerts(roads: Iterable[Row]) -> list[Alert]:
    """Every road at `CONGESTION_TPI` or above: III, or II from `SEVERE_CONGESTION_TPI`."""
    out = []
    for r in roads:
        tpi = r.get("tpi")
        if tpi is None or tpi != tpi or tpi < CONGESTION_TPI:
            continue
        severe = tpi >= SEVERE_CONGESTION_TPI
        out.append(
            Alert(
                AlertKind.CONGESTION,
                WarningLevel.II if severe else WarningLevel.III,
                _text(r.get("road_name")),
                _text(r.get("adcode")),
                {"road": _text(r.get("road_name")), "tpi": float(tpi), "tpi_level": tpi_level(tpi)},
            )
        )
    return out


def fire_alerts(live: Iterable[Row]) -> list[Alert]:
    """Every live alarm: a confirmed fire or an alarm still to verify."""
    out = []
    for a in live:
        confirmed = bool(a.get("confirmed"))  # None / NA: not confirmed yet
        out.append(
            Alert(
                AlertKind.FIRE if confirmed else AlertKind.ALARM,
                FIRE_CONFIRMED_SEVERITY if confirmed else FIRE_UNVERIFIED_SEVERITY,
                _text(a.get("unit_id")),
                _text(a.get("adcode")),
                {"unit": _text(a.get("unit_name")), "category": _text(a.get("category"))},
            )
        )
    return out


def river_alerts(sections: Iterable[Row]) -> list[Alert]:
    """Every section whose class now is worse than its target (sections with no class now, or
    no target, are skipped)."""
    out = []
    for s in sections:
        actual, target = _text(s.get("water_class")), _text(s.get("target_class"))
        if actual is None or target is None or class_rank(actual) <= class_rank(target):
            continue
        worst = actual == WaterClass.WORSE_THAN_V
        out.append(
            Alert(
                AlertKind.WATER,
                WATER_WORSE_THAN_V_SEVERITY if worst else WATER_BELOW_TARGET_SEVERITY,
                _text(s.get("station_id")),
                _text(s.get("adcode")),
                {
                    "name": _text(s.get("name")),
                    "river": _text(s.get("river_name")),
                    "water_class": actual,
                    "target_class": target,
                },
            )
        )
    return out


def radar_alerts(intrusions: Iterable[Row], dark: int | None) -> list[Alert]:
    """Every zone intrusion, and one alert for the dark targets when there are
    `DARK_MIN_TARGETS` or more."""
    out = [
        Alert(
            AlertKind.INTRUSION,
            INTRUSION_SEVERITY,
            _text(i.get("mmsi")),
            _text(i.get("adcode")),
            {
                "vessel": _text(i.get("name")) or _text(i.get("mmsi")),
                "zone": _text(i.get("zone_name")),
                "rule": _text(i.get("rule")),
            },
        )
        for i in intrusions
    ]
    if dark is not None and dark >= DARK_MIN_TARGETS:
        out.append(Alert(AlertKind.DARK, DARK_SEVERITY, None, None, {"n": int(dark)}))
    return out


def ranked(alerts: Iterable[Alert], n: int | None = None) -> Sequence[Alert]:
    """The alerts most severe first (equal severity: in the order given), at most `n`."""
    out = sorted(alerts, key=lambda a: a.severity.rank)
    return out if n is None else out[:n]
