"""The data contract: every table of the data node, as code.

One `Table` per table: its columns (type, unit, meaning, allowed range or values), its key and the
timestamp column that says how fresh it is. From this single description come the pandera schemas
that guard every ingest path, the ibis schemas that create tables on a server engine, and
`docs/data-contract.md` (a test keeps the document in step with this file).

Conventions: positions are WGS-84 lon/lat (sources in GCJ-02 are converted on ingest); timestamps
are UTC; districts are identified by their 6-digit administrative code (`adcode`); geometries are
JSON arrays of `[lon, lat]` pairs so that every engine can store them without a spatial extension.
Fact tables are append-only: a change of state (an incident closing, a problem being disposed) is a
new row with a later `ts`, and "latest state" queries pick the newest row per key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any, Final, Literal

import ibis.expr.datatypes as dt
import pandera.pandas as pa

from brain.domains import DOMAINS, Domain
from brain.river_page import CHIEF_LEVELS
from brain.standards import TYPHOON_SIGNALS, WarningLevel, WaterClass
from brain.traffic import CLASS_ORDER

__all__ = [
    "DOMAINS",
    "HEALTH",
    "PANDAS_DTYPES",
    "TABLES",
    "Column",
    "Domain",
    "Kind",
    "Table",
    "ibis_schema",
    "pandera_schema",
    "table",
    "tables_of",
]

# Bounding box that contains Zhanjiang with its sea area and the approaches of typhoons.
_LON = (104.0, 120.0)
_LAT = (15.0, 26.0)
_ADCODE = r"^4408\d{2}$"


# The data node's own tables (the divisions it places rows in, the quarantine) belong to no
# product domain (`brain.domains`, the one list of them): they are the node's health.
HEALTH: Final = "health"


class Kind(StrEnum):
    STRING = "string"
    INT = "int64"
    FLOAT = "float64"
    BOOL = "boolean"
    TIMESTAMP = "timestamp"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    """One column: type, whether it may be null, unit, meaning and the values it may take."""

    name: str
    kind: Kind
    doc: str
    unit: str = ""
    nullable: bool = False
    ge: float | None = None
    le: float | None = None
    isin: tuple[str, ...] | None = None
    pattern: str | None = None
    max_len: int = 200
    future_ok: bool = False  # validity ends and forecasts may lie ahead; observations may not


@dataclass(frozen=True)
class Table:
    """One table of the data node."""

    name: str
    domain: Domain | Literal["health"]
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    ts: str | None = None  # the column that tells freshness and bounds time windows
    fact: bool = True  # append-only facts (True) or reference data (False)
    freshness_s: int = 600  # older than this is "stale" (facts only)
    # What each app worker keeps in memory (data_adapters/resident.py): "all" rows, the "recent"
    # rows only (large time series) or "none".
    resident: str = "all"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def timestamps(self) -> list[str]:
        """The names of its timestamp columns."""
        return [c.name for c in self.columns if c.kind == Kind.TIMESTAMP]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _s(name: str, doc: str, **kw: Any) -> Column:
    return Column(name, Kind.STRING, doc, **kw)


def _i(name: str, doc: str, **kw: Any) -> Column:
    return Column(name, Kind.INT, doc, **kw)


def _f(name: str, doc: str, **kw: Any) -> Column:
    return Column(name, Kind.FLOAT, doc, **kw)


def _b(name: str, doc: str, **kw: Any) -> Column:
    return Column(name, Kind.BOOL, doc, **kw)


def _t(name: str, doc: str, **kw: Any) -> Column:
    return Column(name, Kind.TIMESTAMP, doc, unit="UTC", **kw)


def _adcode(nullable: bool = False) -> Column:
    return _s(
        "adcode",
        "county-level division (6-digit administrative code)",
        pattern=_ADCODE,
        nullable=nullable,
        max_len=6,
    )


def _lon(name: str = "lon", nullable: bool = False) -> Column:
    return _f(name, "longitude, WGS-84", unit="deg", ge=_LON[0], le=_LON[1], nullable=nullable)


def _lat(name: str = "lat", nullable: bool = False) -> Column:
    return _f(name, "latitude, WGS-84", unit="deg", ge=_LAT[0], le=_LAT[1], nullable=nullable)


def _path(doc: str) -> Column:
    return _s("path", doc + " (JSON array of [lon, lat], WGS-84)", max_len=200_000)


WARNING_LEVELS = tuple(str(v) for v in WarningLevel)
WATER_CLASSES = tuple(str(v) for v in WaterClass)

TABLES: tuple[Table, ...] = (
    # ── shared reference ──────────────────────────────────────────────────────────────
    Table(
        "districts",
        HEALTH,
        "The nine county-level divisions of Zhanjiang.",
        (
            _adcode(),
            _s("name_zh", "Chinese name"),
            _s("name_en", "English name"),
            _s(
                "kind", "district, county or county-level city", isin=("district", "county", "city")
            ),
            _i("population", "resident population (2021 year-end estimate)", unit="persons", ge=0),
            _f("area_km2", "land area", unit="km²", ge=0),
            _lon("centroid_lon"),
            _lat("centroid_lat"),
        ),
        key=("adcode",),
        fact=False,
    ),
    # ── economy ───────────────────────────────────────────────────────────────────────
    Table(
        "economy_indicators",
        Domain.ECONOMY,
        "Indicators of the economic monitoring system.",
        (
            _s("code", "indicator code", max_len=40),
            _s("name_zh", "Chinese name"),
            _s("name_en", "English name"),
            _s("unit", "unit of the value", max_len=40),
            _s("frequency", "how often it is published", isin=("monthly", "quarterly")),
            _b("cumulative", "published as a year-to-date cumulative figure (累计)"),
        ),
        key=("code",),
        fact=False,
    ),
    Table(
        "economy_observations",
        Domain.ECONOMY,
        "Monthly (or quarterly) observations by district; January and February are reported "
        "together as one February observation, as the statistics bureau does.",
        (
            _s("indicator", "indicator code", max_len=40),
            _adcode(),
            Column(
                "period", Kind.DATE, "first day of the reporting month (quarter: its last month)"
            ),
            _f("value", "value of the period (month or quarter)", unit="indicator unit", ge=-1e9),
            _f("value_ytd", "year-to-date cumulative value", unit="indicator unit", ge=-1e9),
            _t("ts", "when the figure was published to the data node"),
        ),
        key=("indicator", "adcode", "period"),
        ts="ts",
        freshness_s=40 * 86400,
    ),
    # ── traffic ───────────────────────────────────────────────────────────────────────
    Table(
        "traffic_segments",
        Domain.TRAFFIC,
        "Road segments with their geometry.",
        (
            _s("segment_id", "segment id", max_len=40),
            _s("road_name", "road name"),
            _s("road_class", "road class", isin=CLASS_ORDER),
            _adcode(),
            _f("free_speed_kmh", "free-flow speed", unit="km/h", ge=5, le=150),
            _f("length_m", "segment length", unit="m", ge=1, le=100_000),
            _path("segment line"),
        ),
        key=("segment_id",),
        fact=False,
    ),
    Table(
        "traffic_readings",
        Domain.TRAFFIC,
        "Speed and volume of a segment every few minutes.",
        (
            _t("ts", "end of the measuring interval"),
            _s("segment_id", "segment id", max_len=40),
            _f("speed_kmh", "mean speed", unit="km/h", ge=0, le=200),
            _i(
                "volume",
                "vehicles in the interval, scaled to an hour",
                unit="veh/h",
                ge=0,
                le=20_000,
            ),
        ),
        key=("segment_id", "ts"),
        ts="ts",
        freshness_s=600,
        resident="recent",
    ),
    Table(
        "traffic_incidents",
        Domain.TRAFFIC,
        "Incidents on the road network (append-only states).",
        (
            _t("ts", "time of this state"),
            _s("incident_id", "incident id", max_len=40),
            _s(
                "kind",
                "incident type",
                isin=("accident", "breakdown", "roadwork", "flooding", "control"),
            ),
            _s("segment_id", "affected segment", nullable=True, max_len=40),
            _adcode(),
            _lon(),
            _lat(),
            _i("severity", "1 minor … 4 severe", ge=1, le=4),
            _s("status", "state", isin=("open", "cleared")),
            _t("reported_ts", "when it was first reported"),
            _s("description", "free text", nullable=True, max_len=500),
        ),
        key=("incident_id", "ts"),
        ts="ts",
        freshness_s=6 * 3600,
    ),
    # ── emergency ─────────────────────────────────────────────────────────────────────
    Table(
        "emergency_events",
        Domain.EMERGENCY,
        "Emergency events (append-only states).",
        (
            _t("ts", "time of this state"),
            _s("event_id", "event id", max_len=40),
            _s(
                "kind",
                "event type",
                isin=(
                    "typhoon",
                    "flood",
                    "waterlogging",
                    "fire",
                    "hazmat",
                    "traffic",
                    "geological",
                    "public_health",
                    "maritime",
                ),
            ),
            _s("level", "response level, I highest", isin=WARNING_LEVELS),
            _adcode(),
            _lon(),
            _lat(),
            _s("title", "short title", max_len=200),
            _s("status", "state", isin=("reported", "responding", "closed")),
            _t("reported_ts", "when it was first reported"),
            _i("casualties", "people dead or injured", ge=0, le=100_000),
        ),
        key=("event_id", "ts"),
        ts="ts",
        freshness_s=86400,  # sporadic (4 a day in the dry season): a day without any
    ),
    Table(
        "emergency_warnings",
        Domain.EMERGENCY,
        "Early warnings received as CAP 1.2 messages.",
        (
            _t("sent", "when the message was sent"),
            _s("identifier", "CAP identifier", max_len=200),
            _s("sender", "CAP sender", max_len=200),
            _s("msg_type", "CAP msgType", isin=("Alert", "Update", "Cancel", "Ack", "Error")),
            _s("event", "warning event, e.g. 台风黄色预警信号", max_len=200),
            _s(
                "hazard",
                "hazard family",
                isin=(
                    "typhoon",
                    "rainstorm",
                    "gale",
                    "thunder",
                    "heat",
                    "cold",
                    "fog",
                    "flood",
                    "other",
                ),
            ),
            _s(
                "level",
                "warning level, I red … IV blue (null for a white typhoon signal)",
                isin=WARNING_LEVELS,
                nullable=True,
            ),
            _s(
                "signal",
                "signal colour",
                isin=TYPHOON_SIGNALS,
                nullable=True,
            ),
            _s(
                "severity",
                "CAP severity",
                isin=("Extreme", "Severe", "Moderate", "Minor", "Unknown"),
            ),
            _t("onset", "start of validity", nullable=True, future_ok=True),
            _t("expires", "end of validity", nullable=True, future_ok=True),
            _s("area_desc", "area description", max_len=500),
            _s("adcodes", "comma-separated adcodes of the districts covered", max_len=200),
            _s(
                "polygons",
                "JSON list of polygons, each a list of [lon, lat] (WGS-84)",
                max_len=200_000,
            ),
            _s("headline", "headline", nullable=True, max_len=500),
        ),
        key=("identifier",),
        ts="sent",
        freshness_s=86400,
    ),
    Table(
        "emergency_resources",
        Domain.EMERGENCY,
        "Shelters, depots, rescue teams and boats.",
        (
            _s("resource_id", "resource id", max_len=40),
            _s("kind", "resource type", isin=("shelter", "depot", "rescue_team", "boat")),
            _s("name", "name"),
            _adcode(),
            _lon(),
            _lat(),
            _i("capacity", "people (shelter, team), items (depot) or seats (boat)", ge=0),
        ),
        key=("resource_id",),
        fact=False,
    ),
    Table(
        "typhoon_tracks",
        Domain.EMERGENCY,
        "Typhoon positions, observed and forecast.",
        (
            _s("storm_id", "storm id (CMA number)", max_len=20),
            _s("name_zh", "Chinese name"),
            _s("name_en", "English name"),
            _t("ts", "valid time of the position (ahead of issue for forecasts)", future_ok=True),
            _s("kind", "observed or forecast", isin=("observed", "forecast")),
            _t("issued_ts", "when the position was issued"),
            _lon(),
            _lat(),
            _f("pressure_hpa", "central pressure", unit="hPa", ge=850, le=1020),
            _f("wind_ms", "maximum sustained wind", unit="m/s", ge=0, le=90),
        ),
        key=("storm_id", "kind", "issued_ts", "ts"),
        ts="issued_ts",
        freshness_s=86400,  # only while a storm is near
    ),
    # ── fire ──────────────────────────────────────────────────────────────────────────
    Table(
        "fire_stations",
        Domain.FIRE,
        "Fire and rescue stations.",
        (
            _s("station_id", "station id", max_len=40),
            _s("name", "name"),
            _s(
                "kind",
                "station type",
                isin=("special", "class1", "class2", "small", "professional"),
            ),
            _adcode(),
            _lon(),
            _lat(),
            _i("engines", "fire engines", ge=0, le=100),
        ),
        key=("station_id",),
        fact=False,
    ),
    Table(
        "fire_units",
        Domain.FIRE,
        "Key fire-safety units and their IoT devices.",
        (
            _s("unit_id", "unit id", max_len=40),
            _s("name", "name"),
            _s(
                "category",
                "unit type",
                isin=(
                    "school",
                    "hospital",
                    "mall",
                    "hotel",
                    "plant",
                    "warehouse",
                    "highrise",
                    "port",
                ),
            ),
            _adcode(),
            _lon(),
            _lat(),
            _i("devices", "connected IoT devices", ge=0, le=100_000),
        ),
        key=("unit_id",),
        fact=False,
    ),
    Table(
        "fire_device_events",
        Domain.FIRE,
        "IoT device events from key units.",
        (
            _t("ts", "event time"),
            _s("device_id", "device id", max_len=40),
            _s("unit_id", "unit id", max_len=40),
            _s("kind", "event", isin=("alarm", "fault", "offline", "restored")),
            _b(
                "confirmed",
                "alarm confirmed as a real fire (null: not verified yet)",
                nullable=True,
            ),
        ),
        key=("device_id", "ts"),
        ts="ts",
        freshness_s=1800,
        resident="recent",
    ),
    Table(
        "fire_incidents",
        Domain.FIRE,
        "119 incidents with their call, dispatch and arrival times.",
        (
            _t("ts", "time of this state"),
            _s("incident_id", "incident id", max_len=40),
            _t("call_ts", "119 call received"),
            _t("dispatch_ts", "station dispatched", nullable=True),
            _t("arrival_ts", "first engine on scene", nullable=True),
            _s("station_id", "responding station", nullable=True, max_len=40),
            _s(
                "kind",
                "incident type",
                isin=("building", "vehicle", "wildland", "industrial", "rescue", "other"),
            ),
            _adcode(),
            _lon(),
            _lat(),
            _s("unit_id", "key unit involved", nullable=True, max_len=40),
            _s("status", "state", isin=("dispatched", "on_scene", "closed")),
        ),
        key=("incident_id", "ts"),
        ts="ts",
        freshness_s=6 * 3600,
    ),
    # ── river ─────────────────────────────────────────────────────────────────────────
    Table(
        "river_chiefs",
        Domain.RIVER,
        "River chiefs (河长) and to whom each answers: 村 to 镇 or 县, 镇 to 县, 县 to 市.",
        (
            _s("chief_id", "chief id", max_len=40),
            _s("name", "name of the chief"),
            _s("level", "level of the chief", isin=CHIEF_LEVELS),
            _s(
                "parent_chief_id",
                "the chief one level up on the same river (null: none above)",
                nullable=True,
                max_len=40,
            ),
            _adcode(),
            _s("river_name", "river"),
        ),
        key=("chief_id",),
        fact=False,
    ),
    Table(
        "river_reaches",
        Domain.RIVER,
        "River reaches, each with its own river chief (河长).",
        (
            _s("reach_id", "reach id", max_len=40),
            _s("river_name", "river"),
            _s("reach_name", "reach"),
            _adcode(),
            _s("chief_id", "the reach's own chief (river_chiefs)", max_len=40),
            _f("length_km", "reach length", unit="km", ge=0, le=500),
            _path("reach line"),
        ),
        key=("reach_id",),
        fact=False,
    ),
    Table(
        "river_stations",
        Domain.RIVER,
        "Water-quality monitoring stations (断面).",
        (
            _s("station_id", "station id", max_len=40),
            _s("reach_id", "reach id", max_len=40),
            _s("name", "section name"),
            _lon(),
            _lat(),
            _s("target_class", "target class, GB 3838-2002", isin=WATER_CLASSES[:-1]),
        ),
        key=("station_id",),
        fact=False,
    ),
    Table(
        "river_readings",
        Domain.RIVER,
        "Automatic station readings, GB 3838-2002 parameters.",
        (
            _t("ts", "sampling time"),
            _s("station_id", "station id", max_len=40),
            _f("do", "dissolved oxygen", unit="mg/L", ge=0, le=20, nullable=True),
            _f("codmn", "permanganate index", unit="mg/L", ge=0, le=100, nullable=True),
            _f("cod", "chemical oxygen demand", unit="mg/L", ge=0, le=500, nullable=True),
            _f(
                "bod5",
                "five-day biochemical oxygen demand",
                unit="mg/L",
                ge=0,
                le=200,
                nullable=True,
            ),
            _f("nh3n", "ammonia nitrogen", unit="mg/L", ge=0, le=50, nullable=True),
            _f("tp", "total phosphorus", unit="mg/L", ge=0, le=10, nullable=True),
        ),
        key=("station_id", "ts"),
        ts="ts",
        freshness_s=4 * 3600 + 1800,  # a report every 4 hours, plus its delivery
    ),
    Table(
        "river_patrols",
        Domain.RIVER,
        "Patrols by river chiefs.",
        (
            _s("patrol_id", "patrol id", max_len=40),
            _s("reach_id", "reach id", max_len=40),
            _s("chief_name", "chief who patrolled"),
            _t("ts", "patrol start"),
            _t("end_ts", "patrol end"),
            _f("distance_km", "distance walked or sailed", unit="km", ge=0, le=200),
        ),
        key=("patrol_id",),
        ts="ts",
        freshness_s=86400,
    ),
    Table(
        "river_patrol_points",
        Domain.RIVER,
        "GPS track of each patrol: a fix every 30-60 s from its start to its end.",
        (
            _s("patrol_id", "patrol id (river_patrols)", max_len=40),
            _t("ts", "time of the fix"),
            _lon(),
            _lat(),
        ),
        key=("patrol_id", "ts"),
        ts="ts",
        freshness_s=86400,
    ),
    Table(
        "river_problems",
        Domain.RIVER,
        "Problems reported on reaches (append-only states).",
        (
            _t("ts", "time of this state"),
            _s("problem_id", "problem id", max_len=40),
            _s("reach_id", "reach id", max_len=40),
            _s(
                "category",
                "problem type",
                isin=(
                    "sewage",
                    "garbage",
                    "sand_mining",
                    "encroachment",
                    "fishing",
                    "algae",
                    "other",
                ),
            ),
            _s("status", "state", isin=("reported", "disposing", "closed")),
            _t("reported_ts", "when it was first reported"),
            _s("description", "free text", nullable=True, max_len=500),
        ),
        key=("problem_id", "ts"),
        ts="ts",
        freshness_s=86400,
    ),
    # ── radar ─────────────────────────────────────────────────────────────────────────
    Table(
        "vessels",
        Domain.RADAR,
        "Vessel register, one row per report (latest wins).",
        (
            _i("mmsi", "MMSI", ge=100_000_000, le=999_999_999),
            _s("name", "vessel name", nullable=True),
            _s(
                "vessel_type",
                "type",
                isin=(
                    "cargo",
                    "tanker",
                    "container",
                    "fishing",
                    "passenger",
                    "tug",
                    "service",
                    "other",
                ),
                nullable=True,
            ),
            _b("registered", "registered in the local fishing/vessel register"),
            _s("callsign", "call sign", nullable=True, max_len=20),
            _i("imo", "IMO number", nullable=True, ge=0, le=9_999_999),
            _f("length_m", "length overall", unit="m", nullable=True, ge=0, le=500),
            _t("ts", "time of the report"),
        ),
        key=("mmsi", "ts"),
        ts="ts",
        freshness_s=7 * 86400,
    ),
    Table(
        "ais_reports",
        Domain.RADAR,
        "AIS position reports (types 1-3, 18, 19).",
        (
            _t("ts", "time received"),
            _i("mmsi", "MMSI", ge=0, le=999_999_999),
            _i("msg_type", "AIS message type", ge=1, le=27),
            _lon(),
            _lat(),
            _f("sog", "speed over ground", unit="kn", ge=0, le=102.2, nullable=True),
            _f("cog", "course over ground", unit="deg", ge=0, le=360, nullable=True),
            _i("heading", "true heading", unit="deg", ge=0, le=359, nullable=True),
            _i("nav_status", "navigational status", ge=0, le=15, nullable=True),
        ),
        key=("mmsi", "ts"),
        ts="ts",
        freshness_s=600,
        resident="recent",
    ),
    Table(
        "radar_tracks",
        Domain.RADAR,
        "Shore radar track points; mmsi when fused with AIS.",
        (
            _t("ts", "time of the plot"),
            _s("track_id", "radar track id", max_len=40),
            _s("radar_id", "radar station", max_len=40),
            _lon(),
            _lat(),
            _f("speed_kn", "speed", unit="kn", ge=0, le=60),
            _f("course", "course", unit="deg", ge=0, le=360),
            _i(
                "mmsi",
                "MMSI of the AIS report it was fused with (null: no AIS, a dark target)",
                nullable=True,
                ge=0,
                le=999_999_999,
            ),
        ),
        key=("track_id", "ts"),
        ts="ts",
        freshness_s=600,
        resident="recent",
    ),
    Table(
        "sea_zones",
        Domain.RADAR,
        "Anchorages, channels, restricted, aquaculture and port waters.",
        (
            _s("zone_id", "zone id", max_len=40),
            _s("name", "name"),
            _s(
                "kind",
                "zone type",
                isin=("anchorage", "channel", "restricted", "aquaculture", "port", "fishing"),
            ),
            _s(
                "rule",
                "what is not allowed inside",
                isin=("no_entry", "no_anchoring", "no_fishing", "speed_limit", "none"),
            ),
            _s("path", "polygon ring (JSON array of [lon, lat], WGS-84)", max_len=200_000),
        ),
        key=("zone_id",),
        fact=False,
    ),
    # ── data health ───────────────────────────────────────────────────────────────────
    Table(
        "quarantine",
        HEALTH,
        "Rejected input, kept with its reason and raw payload.",
        (
            _t("received_ts", "when it arrived"),
            _s("domain", "domain", isin=(*DOMAINS, HEALTH)),
            _s("table_name", "target table", max_len=60),
            _s("source", "ingest path", max_len=60),
            _s("reason", "why it was rejected", max_len=2000),
            _s("raw", "the raw payload as received (truncated at 64 KiB)", max_len=65_536),
        ),
        key=("received_ts", "table_name"),
        ts="received_ts",
        fact=True,
        resident="none",
    ),
)

_BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    """The table called `name` (KeyError with the known names otherwise)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(_BY_NAME)}") from None


def tables_of(domain: Domain | str) -> list[Table]:
    return [t for t in TABLES if t.domain == domain]


_IBIS = {
    Kind.STRING: dt.String(),
    Kind.INT: dt.Int64(),
    Kind.FLOAT: dt.Float64(),
    Kind.BOOL: dt.Boolean(),
    Kind.TIMESTAMP: dt.Timestamp(timezone="UTC"),
    Kind.DATE: dt.Date(),
}


def ibis_schema(t: Table) -> Any:
    """The ibis schema of a table (used to create it on a server engine)."""
    import ibis

    return ibis.schema({c.name: _IBIS[c.kind].copy(nullable=c.nullable) for c in t.columns})


# The pandas dtype of each kind, as validated rows carry it.
PANDAS_DTYPES: dict[Kind, str] = {
    Kind.STRING: "string",
    Kind.INT: "Int64",
    Kind.FLOAT: "Float64",
    Kind.BOOL: "boolean",
    Kind.TIMESTAMP: "datetime64[us, UTC]",
    Kind.DATE: "datetime64[us]",
}


def _checks(c: Column) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if c.ge is not None:
        checks.append(pa.Check.ge(c.ge))
    if c.le is not None:
        checks.append(pa.Check.le(c.le))
    if c.isin is not None:
        checks.append(pa.Check.isin(list(c.isin)))
    if c.kind is Kind.STRING:
        checks.append(pa.Check.str_length(max_value=c.max_len))
        if c.pattern:
            checks.append(pa.Check.str_matches(c.pattern))
    if c.kind is Kind.FLOAT:
        checks.append(
            pa.Check(
                lambda s: ~s.isin([float("inf"), float("-inf")]), element_wise=False, name="finite"
            )
        )
    return checks


def pandera_schema(t: Table) -> pa.DataFrameSchema:
    """The pandera schema that every row entering `t` must pass (built once per table)."""
    return _pandera_schema(t.name)


@cache
def _pandera_schema(name: str) -> pa.DataFrameSchema:
    t = table(name)
    cols = {
        c.name: pa.Column(
            PANDAS_DTYPES[c.kind], checks=_checks(c), nullable=c.nullable, coerce=False
        )
        for c in t.columns
    }
    return pa.DataFrameSchema(cols, strict=True, name=t.name)
