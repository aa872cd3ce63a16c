"""Point marks of the situational map: incidents and events, fire, river stations.

Marks are icons of the local atlas (assets/geo/map-icons.svg), so each kind keeps its shape
whatever its colour: ▲ traffic incident, ◆ emergency event, ■ fire station, ★ 119 incident,
flame in a ring = live fire alarm of a key unit.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from layouts.map_i18n import text, water_class_label
from layouts.map_spec import (
    EVENT_LEVEL_COLORS,
    NO_DATA,
    WATER_COLORS,
    Ctx,
    icons,
    layer,
    num,
    point,
    records,
    require,
)

__all__ = ["fire", "incidents", "river_stations"]

_INCIDENT_COLORS = {1: [255, 225, 60], 2: [255, 180, 0], 3: [255, 110, 0], 4: [255, 40, 40]}
_STATION = [235, 110, 70]
_ALARM = [255, 40, 40]
_UNVERIFIED = [255, 160, 0]


def incidents(traffic: pd.DataFrame, events: pd.DataFrame, ctx: Ctx) -> list[dict[str, Any]]:
    """Open traffic incidents (▲ by severity) and active emergency events (◆ by level)."""
    require(traffic, "incidents", ["incident_id", "lon", "lat"])
    require(events, "events", ["event_id", "lon", "lat"])
    rows = []
    for r in records(traffic, ["incident_id", "kind", "lon", "lat", "severity", "road_name"]):
        p = point(r["lon"], r["lat"])
        if p is None:
            continue
        sev = int(num(r["severity"]) or 1)
        head = text("map.incident." + str(r["kind"]), ctx.lang)
        tip = " · ".join(str(x) for x in (head, r["road_name"]) if x)
        tip += f"\n{text('map.severity', ctx.lang)} {sev}"
        rows.append(
            {
                "id": r["incident_id"],
                "k": "traffic_incident",
                "p": p,
                "i": "triangle",
                "c": _INCIDENT_COLORS.get(sev, _INCIDENT_COLORS[4]),
                "s": 34,
                "tip": tip,
            }
        )
    for r in records(events, ["event_id", "kind", "level", "lon", "lat", "title"]):
        p = point(r["lon"], r["lat"])
        if p is None:
            continue
        level = str(r["level"])
        kind = text("map.event." + str(r["kind"]), ctx.lang)
        head = f"{kind} · {text('map.level', ctx.lang, level)}"
        rows.append(
            {
                "id": r["event_id"],
                "k": "event",
                "p": p,
                "i": "diamond",
                "c": EVENT_LEVEL_COLORS.get(level, NO_DATA),
                "s": 40,
                "tip": f"{r['title'] or ''}\n{head}".strip(),
            }
        )
    return [icons("incidents-marks", rows, ctx, size="@@=s", used=("triangle", "diamond"))]


def fire(
    stations: pd.DataFrame, alarms: pd.DataFrame, incidents_119: pd.DataFrame, ctx: Ctx
) -> list[dict[str, Any]]:
    """Fire stations (■), key units with live alarms (flame in a ring, one per unit) and active
    119 incidents (★)."""
    require(stations, "fire_stations", ["station_id", "lon", "lat"])
    require(alarms, "fire_alarms", ["unit_id", "lon", "lat"])
    require(incidents_119, "fire_incidents", ["incident_id", "lon", "lat"])
    rows: list[dict[str, Any]] = []
    for r in records(stations, ["station_id", "name", "kind", "lon", "lat", "engines"]):
        p = point(r["lon"], r["lat"])
        if p is not None:
            tip = f"{r['name'] or ''}\n" + text("map.station." + str(r["kind"]), ctx.lang)
            if num(r["engines"]) is not None:
                tip += " · " + text("map.engines", ctx.lang, int(r["engines"]))
            rows.append(
                {
                    "id": r["station_id"],
                    "k": "fire_station",
                    "p": p,
                    "i": "square",
                    "c": _STATION,
                    "s": 20,
                    "tip": tip,
                }
            )
    units: dict[Any, dict[str, Any]] = {}
    for r in records(alarms, ["unit_id", "unit_name", "lon", "lat", "confirmed"]):
        p = point(r["lon"], r["lat"])
        if p is not None:
            u = units.setdefault(
                r["unit_id"], {"p": p, "n": 0, "name": r["unit_name"] or "", "confirmed": False}
            )
            u["n"] += 1
            u["confirmed"] = u["confirmed"] or r["confirmed"] is True
    rings = []
    for unit_id, u in units.items():
        state = text("map.alarm.confirmed" if u["confirmed"] else "map.alarm.unverified", ctx.lang)
        color = _ALARM if u["confirmed"] else _UNVERIFIED
        tip = f"{u['name']}\n{text('map.alarm', ctx.lang)} ×{u['n']} · {state}"
        rows.append(
            {
                "id": unit_id,
                "k": "fire_unit",
                "p": u["p"],
                "i": "flame",
                "c": color,
                "s": 36,
                "tip": tip,
            }
        )
        rings.append({"p": u["p"], "i": "ring", "c": color})
    for r in records(incidents_119, ["incident_id", "kind", "lon", "lat", "status"]):
        p = point(r["lon"], r["lat"])
        if p is not None:
            kind = text("map.fire." + str(r["kind"]), ctx.lang)
            tip = f"{text('map.fire_incident', ctx.lang)} · {kind}"
            if r["status"] in ("dispatched", "on_scene"):
                tip += "\n" + text("map.fire." + str(r["status"]), ctx.lang)
            rows.append(
                {
                    "id": r["incident_id"],
                    "k": "fire_incident",
                    "p": p,
                    "i": "star",
                    "c": _ALARM,
                    "s": 38,
                    "tip": tip,
                }
            )
    return [
        icons("fire-alarm-rings", rings, ctx, size=56, used=("ring",), pickable=False),
        icons("fire-marks", rows, ctx, size="@@=s", used=("square", "flame", "star")),
    ]


def river_stations(frame: pd.DataFrame, ctx: Ctx) -> list[dict[str, Any]]:
    """Water-quality stations (river.stations_latest): dots in their class colour; a red edge
    marks a station below its target class."""
    require(frame, "river_stations", ["station_id", "lon", "lat"])
    rows = []
    cols = ["station_id", "name", "lon", "lat", "water_class", "target_class", "meets_target"]
    for r in records(frame, cols):
        p = point(r["lon"], r["lat"])
        if p is None:
            continue
        cls = r["water_class"]
        below = r["meets_target"] is False
        label = water_class_label(cls, ctx.lang)
        tip = f"{r['name'] or ''}\n{label}"
        if r["target_class"]:
            tip += " · " + text("map.target", ctx.lang, r["target_class"])
        if below:
            tip += " · " + text("map.below_target", ctx.lang)
        rows.append(
            {
                "id": r["station_id"],
                "p": p,
                "c": WATER_COLORS.get(cls, NO_DATA),
                "l": [255, 40, 40] if below else [255, 255, 255],
                "tip": tip,
            }
        )
    return [
        layer(
            "ScatterplotLayer",
            "rivers-stations",
            rows,
            getPosition="@@=p",
            getFillColor="@@=c",
            getLineColor="@@=l",
            getRadius=7,
            radiusUnits="pixels",
            stroked=True,
            getLineWidth=2,
            lineWidthUnits="pixels",
            pickable=True,
        )
    ]
