"""Hand-crafted data of the six domains with answers known in advance (see the test modules).

Everything is relative to NOW (12:00 in Zhanjiang on a Monday). A few rows lie after NOW on
purpose: adapters asked about NOW must ignore them. `load(node)` sends every table through the
one ingest door; the few rows meant to be rejected land in quarantine (QUARANTINED says how many).
"""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from data_adapters.ingest import ingest
from data_adapters.node import DataNode
from data_adapters.query import sql

__all__ = [
    "INGEST_NOW",
    "NOW",
    "QUARANTINED",
    "SAMPLE_PARAMS",
    "batches",
    "check_surface",
    "load",
    "public_functions",
    "sample_call",
]

NOW = datetime(2024, 7, 15, 4, 0, tzinfo=UTC)
INGEST_NOW = NOW + timedelta(hours=2)
H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)

A, B, C = "440802", "440803", "440882"  # 赤坎区, 霞山区, 雷州市
QUARANTINED = {"traffic": 1, "radar": 2}


def _square(lon: float, lat: float, size: float) -> str:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return json.dumps(ring)


def _line(*pts: tuple[float, float]) -> str:
    return json.dumps([list(p) for p in pts])


def _districts() -> list[dict[str, Any]]:
    return [
        dict(
            adcode=A,
            name_zh="赤坎区",
            name_en="Chikan District",
            kind="district",
            population=400_100,
            area_km2=79.0,
            centroid_lon=110.373,
            centroid_lat=21.280,
        ),
        dict(
            adcode=B,
            name_zh="霞山区",
            name_en="Xiashan District",
            kind="district",
            population=543_500,
            area_km2=129.0,
            centroid_lon=110.375,
            centroid_lat=21.193,
        ),
        dict(
            adcode=C,
            name_zh="雷州市",
            name_en="Leizhou City",
            kind="city",
            population=1_431_100,
            area_km2=3523.0,
            centroid_lon=110.10,
            centroid_lat=20.91,
        ),
    ]


def _economy() -> dict[str, list[dict[str, Any]]]:
    pub = NOW - 10 * D
    ind = [
        dict(
            code="retail",
            name_zh="社会消费品零售总额",
            name_en="Retail sales",
            unit="亿元",
            frequency="monthly",
            cumulative=True,
        ),
        dict(
            code="gdp",
            name_zh="地区生产总值",
            name_en="GDP",
            unit="亿元",
            frequency="quarterly",
            cumulative=True,
        ),
    ]

    def o(i: str, ad: str, period: str, v: float, ytd: float, ts: datetime = pub) -> dict[str, Any]:
        return dict(indicator=i, adcode=ad, period=period, value=v, value_ytd=ytd, ts=ts)

    obs = [
        o("retail", A, "2023-06-01", 10, 60, pub - 365 * D),
        o("retail", B, "2023-06-01", 20, 100, pub - 365 * D),
        o("retail", A, "2024-05-01", 11, 54, pub - 30 * D),
        o("retail", B, "2024-05-01", 19, 92, pub - 30 * D),
        o("retail", A, "2024-06-01", 12, 66),
        o("retail", B, "2024-06-01", 17, 109, pub - D),  # first publication, revised below
        o("retail", A, "2024-07-01", 99, 165, NOW + H),  # published after NOW
        o("gdp", A, "2023-03-01", 80, 80, pub - 400 * D),
        o("gdp", A, "2024-03-01", 100, 100, pub - 100 * D),
    ]
    revised = [o("retail", B, "2024-06-01", 18, 110)]  # a later batch: same key, newer ts
    return {
        "economy_indicators": ind,
        "economy_observations": obs,
        "economy_observations+": revised,
    }


def _traffic() -> dict[str, list[dict[str, Any]]]:
    seg = [  # (id, road, class, adcode, free km/h, length m)
        ("S1", "人民大道", "arterial", A, 60.0, 1000.0),
        ("S2", "人民大道", "arterial", A, 60.0, 3000.0),
        ("S3", "海滨大道", "secondary", B, 50.0, 2000.0),
        ("S4", "G207", "expressway", C, 100.0, 5000.0),
        ("S5", "疏港大道", "branch", B, 40.0, 1000.0),
        ("S6", "椹川大道", "arterial", A, 60.0, 500.0),
    ]
    segments = [
        dict(
            segment_id=s,
            road_name=r,
            road_class=k,
            adcode=ad,
            free_speed_kmh=f,
            length_m=ln,
            path=_line((110.35 + i / 100, 21.2), (110.36 + i / 100, 21.21)),
        )
        for i, (s, r, k, ad, f, ln) in enumerate(seg)
    ]

    def r(s: str, ts: datetime, speed: float, volume: int = 900) -> dict[str, Any]:
        return dict(ts=ts, segment_id=s, speed_kmh=speed, volume=volume)

    readings = [
        r("S1", NOW - 7 * M, 60.0),
        r("S1", NOW - 2 * M, 37.5),  # ratio 1.6 → TPI 4
        r("S1", NOW + H, 5.0),  # after NOW
        r("S2", NOW - 2 * M, 60.0),  # ratio 1 → TPI 0
        r("S3", NOW - 3 * M, 20.0),  # ratio 2.5 → TPI 10
        r("S4", NOW - H, 100.0),  # outside a 15-minute lookback
        r("S5", NOW - 3 * M, 0.0),  # standstill → TPI 10
        dict(ts=NOW - 5 * M, segment_id="S1", speed_kmh=-5.0, volume=10),  # rejected
    ]
    # S6: a spread of speeds, a week ago, to compare the engine's TPI with brain.standards
    for i, speed in enumerate(
        [
            0.0,
            1.0,
            15.0,
            20.0,
            24.0,
            27.0,
            30.0,
            33.3,
            37.5,
            40.0,
            46.15,
            50.0,
            55.0,
            60.0,
            65.0,
            80.0,
            120.0,
        ]
    ):
        readings.append(r("S6", NOW - 7 * D + i * M, speed))
    inc = [
        dict(
            ts=NOW - H,
            incident_id="I1",
            kind="accident",
            segment_id="S1",
            adcode=A,
            lon=110.355,
            lat=21.205,
            severity=2,
            status="open",
            reported_ts=NOW - H,
            description="两车追尾",
        ),
        dict(
            ts=NOW - 20 * M,
            incident_id="I1",
            kind="accident",
            segment_id="S1",
            adcode=A,
            lon=110.355,
            lat=21.205,
            severity=2,
            status="cleared",
            reported_ts=NOW - H,
            description="两车追尾",
        ),
        dict(
            ts=NOW - 30 * M,
            incident_id="I2",
            kind="flooding",
            segment_id="S3",
            adcode=B,
            lon=110.375,
            lat=21.205,
            severity=3,
            status="open",
            reported_ts=NOW - 30 * M,
            description=None,
        ),
        dict(
            ts=NOW + H,
            incident_id="I3",
            kind="roadwork",
            segment_id=None,
            adcode=C,
            lon=110.1,
            lat=20.9,
            severity=1,
            status="open",
            reported_ts=NOW + H,
            description=None,
        ),
    ]
    return {"traffic_segments": segments, "traffic_readings": readings, "traffic_incidents": inc}


def _emergency() -> dict[str, list[dict[str, Any]]]:
    def ev(
        eid: str, ts: datetime, kind: str, level: str, ad: str, status: str, reported: datetime
    ) -> dict[str, Any]:
        return dict(
            ts=ts,
            event_id=eid,
            kind=kind,
            level=level,
            adcode=ad,
            lon=110.3,
            lat=21.1,
            title=f"{kind} {eid}",
            status=status,
            reported_ts=reported,
            casualties=0,
        )

    events = [
        ev("E1", NOW - 5 * H, "typhoon", "II", A, "reported", NOW - 5 * H),
        ev("E1", NOW - 4 * H, "typhoon", "II", A, "responding", NOW - 5 * H),
        ev("E2", NOW - 3 * H, "waterlogging", "IV", B, "reported", NOW - 3 * H),
        ev("E2", NOW - H, "waterlogging", "IV", B, "closed", NOW - 3 * H),
        ev("E3", NOW - 2 * H, "flood", "I", C, "responding", NOW - 2 * H),
    ]
    city, lz = "湛江市气象台", "雷州市气象台"

    def w(
        ident: str,
        sent: datetime,
        sender: str,
        msg: str,
        hazard: str,
        level: str,
        signal: str,
        adcodes: str,
        onset: datetime | None = None,
        expires: datetime | None = None,
    ) -> dict[str, Any]:
        return dict(
            sent=sent,
            identifier=ident,
            sender=sender,
            msg_type=msg,
            event=f"{hazard} {signal}",
            hazard=hazard,
            level=level,
            signal=signal,
            severity="Moderate",
            onset=onset,
            expires=expires,
            area_desc="湛江",
            adcodes=adcodes,
            polygons="[]",
            headline=None,
        )

    warnings = [
        w("W1", NOW - 10 * H, city, "Alert", "typhoon", "IV", "blue", "440800", NOW - 10 * H),
        w("W2", NOW - 6 * H, city, "Update", "typhoon", "III", "yellow", "440800", NOW - 6 * H),
        w("W3", NOW - 3 * H, lz, "Alert", "rainstorm", "III", "yellow", C),
        w("W4", NOW - H, lz, "Cancel", "rainstorm", "III", "yellow", C),
        w("W5", NOW - 5 * H, city, "Alert", "heat", "IV", "blue", f"{A},{B}", expires=NOW - 30 * M),
        w("W6", NOW - H, city, "Alert", "gale", "IV", "blue", B, onset=NOW + 2 * H),
        w("W7", NOW + H, city, "Alert", "fog", "IV", "blue", B),
    ]
    resources = [
        dict(
            resource_id="R1",
            kind="shelter",
            name="赤坎避护场所",
            adcode=A,
            lon=110.36,
            lat=21.27,
            capacity=500,
        ),
        dict(
            resource_id="R2",
            kind="shelter",
            name="霞山避护场所",
            adcode=B,
            lon=110.40,
            lat=21.19,
            capacity=800,
        ),
        dict(
            resource_id="R3",
            kind="rescue_team",
            name="雷州救援队",
            adcode=C,
            lon=110.10,
            lat=20.91,
            capacity=40,
        ),
        dict(
            resource_id="R4",
            kind="boat",
            name="霞山救生艇",
            adcode=B,
            lon=110.42,
            lat=21.20,
            capacity=12,
        ),
    ]

    def tp(
        sid: str, ts: datetime, kind: str, issued: datetime, lon: float, wind: float = 33.0
    ) -> dict[str, Any]:
        return dict(
            storm_id=sid,
            name_zh="彩虹",
            name_en="Mujigae",
            ts=ts,
            kind=kind,
            issued_ts=issued,
            lon=lon,
            lat=20.5,
            pressure_hpa=960.0,
            wind_ms=wind,
        )

    tracks = [
        tp("1521", NOW - 5 * D, "observed", NOW - 5 * D, 115.0),  # an old storm
        tp("1522", NOW - 12 * H, "observed", NOW - 12 * H, 113.0),
        tp("1522", NOW - 6 * H, "observed", NOW - 6 * H, 112.0),
        tp("1522", NOW - 6 * H, "observed", NOW - 5 * H, 112.1),  # corrected later
        tp("1522", NOW, "observed", NOW, 111.0, 50.0),
        tp("1522", NOW + H, "observed", NOW + H, 110.5),  # after NOW
        tp("1522", NOW + 30 * M, "forecast", NOW - 6 * H, 110.9),
        tp("1522", NOW + H, "forecast", NOW - 6 * H, 110.8),
        tp("1522", NOW + H, "forecast", NOW - H, 110.7),
        tp("1522", NOW + 2 * H, "forecast", NOW - H, 110.4),
    ]
    return {
        "emergency_events": events,
        "emergency_warnings": warnings,
        "emergency_resources": resources,
        "typhoon_tracks": tracks,
    }


def _fire() -> dict[str, list[dict[str, Any]]]:
    stations = [
        dict(
            station_id="F1",
            name="赤坎消防站",
            kind="class1",
            adcode=A,
            lon=110.37,
            lat=21.27,
            engines=5,
        ),
        dict(
            station_id="F2",
            name="霞山特勤站",
            kind="special",
            adcode=B,
            lon=110.40,
            lat=21.19,
            engines=8,
        ),
    ]
    units = [
        dict(
            unit_id="U1",
            name="湛江一中",
            category="school",
            adcode=A,
            lon=110.36,
            lat=21.28,
            devices=10,
        ),
        dict(
            unit_id="U2",
            name="万达广场",
            category="mall",
            adcode=B,
            lon=110.41,
            lat=21.20,
            devices=4,
        ),
    ]

    def e(
        dev: str, unit: str, ts: datetime, kind: str, confirmed: bool | None = None
    ) -> dict[str, Any]:
        return dict(ts=ts, device_id=dev, unit_id=unit, kind=kind, confirmed=confirmed)

    events = [
        e("D1", "U1", NOW - 50 * M, "alarm"),
        e("D1", "U1", NOW - 40 * M, "restored"),
        e("D2", "U1", NOW - 10 * M, "alarm"),  # live, unverified
        e("D3", "U2", NOW - 20 * M, "alarm"),
        e("D3", "U2", NOW - 15 * M, "alarm", False),
        e("D4", "U2", NOW - 5 * H, "fault"),
        e("D4", "U2", NOW - 3 * H, "offline"),
        e("D4", "U2", NOW - 2 * H, "restored"),
        e("D5", "U1", NOW - 2 * H, "fault"),
        e("D6", "U2", NOW - 5 * M, "alarm", True),  # live, confirmed fire
        e("D7", "U1", NOW + 10 * M, "alarm"),  # after NOW
        e("D8", "U1", NOW - 3 * H, "alarm"),  # outside a one-hour lookback
    ]

    def inc(
        iid: str,
        ts: datetime,
        call: datetime,
        dispatch_s: int | None,
        arrival_s: int | None,
        status: str,
        station: str = "F1",
        ad: str = A,
    ) -> dict[str, Any]:
        dispatch = call + timedelta(seconds=dispatch_s) if dispatch_s is not None else None
        arrival = (
            dispatch + timedelta(seconds=arrival_s)
            if dispatch is not None and arrival_s is not None
            else None
        )
        return dict(
            ts=ts,
            incident_id=iid,
            call_ts=call,
            dispatch_ts=dispatch,
            arrival_ts=arrival,
            station_id=station,
            kind="building",
            adcode=ad,
            lon=110.36,
            lat=21.27,
            unit_id=None,
            status=status,
        )

    c1, c2, c3, c4 = NOW - 3 * H, NOW - 2 * H, NOW - H, NOW - 20 * M
    incidents = [
        inc("FI1", c1 + M, c1, 60, None, "dispatched"),
        inc("FI1", c1 + 5 * M, c1, 60, 240, "on_scene"),
        inc("FI1", c1 + 30 * M, c1, 60, 240, "closed"),
        inc("FI2", c2 + 6 * M, c2, 60, 300, "closed", "F2", B),
        inc("FI3", c3 + 8 * M, c3, 30, 420, "on_scene"),
        inc("FI4", c4 + M, c4, 60, None, "dispatched", "F2", B),
    ]
    return {
        "fire_stations": stations,
        "fire_units": units,
        "fire_device_events": events,
        "fire_incidents": incidents,
    }


PARAMS = ("do", "codmn", "cod", "bod5", "nh3n", "tp")
# Class limits of GB 3838-2002 in the order of PARAMS: I, II, III, IV, V.
_LIMITS = {
    "do": (7.5, 6.0, 5.0, 3.0, 2.0),
    "codmn": (2.0, 4.0, 6.0, 10.0, 15.0),
    "cod": (15.0, 15.0, 20.0, 30.0, 40.0),
    "bod5": (3.0, 3.0, 4.0, 6.0, 10.0),
    "nh3n": (0.15, 0.5, 1.0, 1.5, 2.0),
    "tp": (0.02, 0.1, 0.2, 0.3, 0.4),
}


def _river() -> dict[str, list[dict[str, Any]]]:
    def ch(cid: str, name: str, level: str, parent: str | None, ad: str, river: str) -> Any:
        return dict(
            chief_id=cid,
            name=name,
            level=level,
            parent_chief_id=parent,
            adcode=ad,
            river_name=river,
        )

    chiefs = [  # RR1: 市 → 县; RR2: 县 → 镇 (no city chief); RR3: the four levels
        ch("HC0", "赵一", "市", None, "440800", "南渡河"),
        ch("HC1", "张三", "县", "HC0", C, "南渡河"),
        ch("HC2", "李四", "镇", "HC5", A, "南柳河"),
        ch("HC3", "王五", "村", "HC4", B, "绿塘河"),
        ch("HC4", "孙七", "镇", "HC6", B, "绿塘河"),
        ch("HC5", "周六", "县", None, A, "南柳河"),
        ch("HC6", "吴八", "县", "HC7", B, "绿塘河"),
        ch("HC7", "郑九", "市", None, "440800", "绿塘河"),
    ]
    reaches = [
        dict(
            reach_id="RR1",
            river_name="南渡河",
            reach_name="雷州段",
            adcode=C,
            chief_id="HC1",
            length_km=30.0,
            path=_line((110.0, 20.9), (110.2, 20.9)),
        ),
        dict(
            reach_id="RR2",
            river_name="南柳河",
            reach_name="赤坎段",
            adcode=A,
            chief_id="HC2",
            length_km=8.0,
            path=_line((110.35, 21.27), (110.37, 21.28)),
        ),
        dict(
            reach_id="RR3",
            river_name="绿塘河",
            reach_name="霞山段",
            adcode=B,
            chief_id="HC3",
            length_km=5.0,
            path=_line((110.38, 21.19), (110.40, 21.20)),
        ),
    ]

    def st(sid: str, reach: str, target: str) -> dict[str, Any]:
        return dict(
            station_id=sid,
            reach_id=reach,
            name=f"{sid}断面",
            lon=110.2,
            lat=21.0,
            target_class=target,
        )

    stations = [
        st("WS1", "RR1", "III"),
        st("WS2", "RR2", "III"),
        st("WS3", "RR3", "II"),
        st("WS4", "RR3", "III"),
        st("WS5", "RR1", "II"),
    ]

    def rd(sid: str, ts: datetime, **values: float | None) -> dict[str, Any]:
        return dict(ts=ts, station_id=sid, **{p: values.get(p) for p in PARAMS})

    at_limit = {k: {p: _LIMITS[p][k] for p in PARAMS} for k in range(5)}
    readings = [
        rd("WS1", NOW - 4 * H, **at_limit[4]),
        rd("WS1", NOW - H, **at_limit[2]),  # exactly at the class III limits → III
        rd("WS1", NOW + H, nh3n=5.0),  # after NOW
        rd("WS2", NOW - 2 * H, **at_limit[4]),  # exactly at the class V limits → V
        rd("WS3", NOW - 3 * D, do=8.0),
        rd("WS3", NOW - 2 * H, nh3n=2.01),  # only one parameter, worse than V
        rd("WS4", NOW - 2 * D, do=8.0),  # outside a one-day lookback
    ]
    # WS5: a month ago, values at, just inside and just outside every limit, some missing.
    rng = np.random.default_rng(7)
    for i in range(120):
        present = rng.permutation(PARAMS)[: int(rng.integers(1, 7))]
        values: dict[str, float | None] = {}
        for p in present:
            limit = float(_LIMITS[p][int(rng.integers(0, 5))])
            values[p] = round(limit + int(rng.integers(-1, 2)) * 0.001, 3)
        readings.append(rd("WS5", NOW - 30 * D + i * M, **values))

    def pr(pid: str, reach: str, ts: datetime, status: str, reported: datetime) -> dict[str, Any]:
        return dict(
            ts=ts,
            problem_id=pid,
            reach_id=reach,
            category="sewage",
            status=status,
            reported_ts=reported,
            description=None,
        )

    problems = [
        pr("P1", "RR1", NOW - 10 * D, "reported", NOW - 10 * D),
        pr("P1", "RR1", NOW - 5 * D, "disposing", NOW - 10 * D),
        pr("P1", "RR1", NOW - 2 * D, "closed", NOW - 10 * D),
        pr("P2", "RR2", NOW - 3 * D, "reported", NOW - 3 * D),
        pr("P3", "RR3", NOW - 60 * D, "reported", NOW - 60 * D),
        pr("P4", "RR3", NOW - 40 * D, "reported", NOW - 40 * D),
        pr("P4", "RR3", NOW - 35 * D, "closed", NOW - 40 * D),
    ]

    def pa(pid: str, reach: str, ts: datetime, km: float) -> dict[str, Any]:
        return dict(
            patrol_id=pid, reach_id=reach, chief_name="张三", ts=ts, end_ts=ts + H, distance_km=km
        )

    patrols = [
        pa("PA1", "RR1", NOW - 2 * D, 3.0),
        pa("PA2", "RR1", NOW - 1 * D, 4.0),
        pa("PA3", "RR2", NOW - 8 * D, 5.0),
    ]

    def fix(pid: str, start: datetime, minutes: int, lon: float, lat: float) -> dict[str, Any]:
        return dict(patrol_id=pid, ts=start + minutes * M, lon=lon, lat=lat)

    points = [  # along RR1 (lat 20.9) and RR2; PA2's fixes arrive out of order
        fix("PA1", NOW - 2 * D, 0, 110.0, 20.9),
        fix("PA1", NOW - 2 * D, 30, 110.01, 20.9),
        fix("PA1", NOW - 2 * D, 60, 110.02, 20.9),
        fix("PA2", NOW - 1 * D, 60, 110.12, 20.9),
        fix("PA2", NOW - 1 * D, 0, 110.1, 20.9),
        fix("PA3", NOW - 8 * D, 0, 110.35, 21.27),
        fix("PA3", NOW - 8 * D, 60, 110.36, 21.275),
    ]
    return {
        "river_chiefs": chiefs,
        "river_reaches": reaches,
        "river_stations": stations,
        "river_readings": readings,
        "river_problems": problems,
        "river_patrols": patrols,
        "river_patrol_points": points,
    }


def _radar() -> dict[str, list[dict[str, Any]]]:
    zones = [
        dict(
            zone_id="Z1",
            name="军事禁区",
            kind="restricted",
            rule="no_entry",
            path=_square(110.40, 21.10, 0.02),
        ),
        dict(
            zone_id="Z2",
            name="养殖区",
            kind="aquaculture",
            rule="no_fishing",
            path=_square(110.50, 21.00, 0.02),
        ),
        dict(
            zone_id="Z3",
            name="锚地",
            kind="anchorage",
            rule="none",
            path=_square(110.29, 20.99, 0.02),
        ),
        dict(
            zone_id="Z4",
            name="主航道",
            kind="channel",
            rule="no_anchoring",
            path=_square(110.45, 21.15, 0.01),
        ),
    ]

    def v(mmsi: int, name: str, vtype: str, reg: bool, ts: datetime) -> dict[str, Any]:
        return dict(
            mmsi=mmsi,
            name=name,
            vessel_type=vtype,
            registered=reg,
            callsign=None,
            imo=None,
            length_m=50.0,
            ts=ts,
        )

    v1, v2, v3, v4, v5 = 412000001, 412000002, 412000003, 412000004, 412000005
    vessels = [
        v(v1, "OLD NAME", "cargo", True, NOW - 10 * D),
        v(v1, "YUE ZHAN 1", "cargo", True, NOW - D),
        v(v2, "粤湛渔123", "fishing", False, NOW - D),
        v(v3, "粤湛渔456", "fishing", True, NOW - D),
        v(v4, "LATE", "tug", True, NOW + H),  # registered after NOW: unknown at NOW
    ]

    def a(
        mmsi: int, ts: datetime, lon: float, lat: float, sog: float | None, nav: int | None = 0
    ) -> dict[str, Any]:
        return dict(
            ts=ts,
            mmsi=mmsi,
            msg_type=1,
            lon=lon,
            lat=lat,
            sog=sog,
            cog=90.0,
            heading=90,
            nav_status=nav,
        )

    ais = [
        a(v1, NOW - 20 * M, 110.30, 21.05, 8.0),
        a(v1, NOW - 10 * M, 110.35, 21.08, 8.0),
        a(v1, NOW - M, 110.41, 21.11, 8.0),  # inside Z1 (no entry)
        a(v1, NOW + 5 * M, 110.6, 21.3, 8.0),  # after NOW
        a(v2, NOW - 2 * M, 110.51, 21.01, 3.0),  # fishing inside Z2 (no fishing)
        a(v3, NOW - 3 * M, 110.455, 21.155, 0.1, 1),  # at anchor inside Z4 (no anchoring)
        a(v4, NOW - 4 * M, 110.30, 21.00, 0.2),  # in the anchorage Z3: allowed
        a(v5, NOW - 30 * M, 110.2, 21.0, 5.0),  # exactly 30 minutes old
        dict(
            ts=NOW - M,
            mmsi=v5,
            msg_type=1,
            lon=999.0,
            lat=21.0,
            sog=1.0,
            cog=0.0,
            heading=0,
            nav_status=0,
        ),  # rejected: impossible longitude
        dict(
            ts=NOW - M,
            mmsi=v5,
            msg_type=1,
            lon=110.0,
            lat=float("nan"),
            sog=1.0,
            cog=0.0,
            heading=0,
            nav_status=0,
        ),  # rejected: NaN latitude
    ]

    def t(tid: str, ts: datetime, mmsi: int | None, lon: float = 110.45) -> dict[str, Any]:
        return dict(
            ts=ts,
            track_id=tid,
            radar_id="RADAR1",
            lon=lon,
            lat=21.05,
            speed_kn=6.0,
            course=180.0,
            mmsi=mmsi,
        )

    tracks = [
        t("T1", NOW - 3 * M, None),
        t("T1", NOW - M, None, 110.46),  # a dark target
        t("T2", NOW - M, v1),
        t("T3", NOW - 4 * M, None),
        t("T3", NOW - 2 * M, v3),  # fused since
        t("T4", NOW - 20 * M, None),  # lost long ago
    ]
    return {"sea_zones": zones, "vessels": vessels, "ais_reports": ais, "radar_tracks": tracks}


def batches() -> list[tuple[str, pd.DataFrame]]:
    """Every fixture batch as (table, frame), in the order they arrive."""
    out: list[tuple[str, pd.DataFrame]] = [("districts", pd.DataFrame(_districts()))]
    for part in (_economy(), _traffic(), _emergency(), _fire(), _river(), _radar()):
        out.extend((name.rstrip("+"), pd.DataFrame(rows)) for name, rows in part.items())
    return out


def load(node: DataNode) -> None:
    """Ingest every fixture batch into `node` (created beforehand)."""
    rejected: dict[str, int] = {}
    for name, frame in batches():
        report = ingest(node, name, frame, source="fixture", now=INGEST_NOW)
        if report.rejected:
            rejected[name] = rejected.get(name, 0) + report.rejected
    expected = {"traffic_readings": QUARANTINED["traffic"], "ais_reports": QUARANTINED["radar"]}
    if rejected != expected:
        raise AssertionError(f"fixture rows rejected: {rejected}, expected {expected}")


# Values for every keyword parameter an adapter takes, to call any of them generically.
SAMPLE_PARAMS: dict[str, Any] = {
    "now": NOW,
    "start": NOW - D,
    "end": NOW,
    "adcode": None,
    "indicator": "retail",
    "period": "2024-06-01",
    "segment_id": "S1",
    "segment_ids": ("S1", "S6"),
    "station_id": "WS1",
    "reach_id": "RR1",
    "unit_id": "U2",
    "mmsi": 412000001,
    "lon": 110.36,
    "lat": 21.27,
}


def sample_call(q: Any, con: Any) -> Any:
    """The expression of declared query `q` with SAMPLE_PARAMS for its required parameters
    (None for a query that makes its value in Python)."""
    kwargs = {name: SAMPLE_PARAMS[name] for name in q.required}
    out = q.fn(con, **q.bind(kwargs))
    return out if isinstance(out, ir.Table) else None


def public_functions(module: Any) -> list[str]:
    """Names in `module.__all__` that are functions (expression helpers)."""
    return [n for n in module.__all__ if inspect.isfunction(getattr(module, n))]


DOCS = Path(__file__).resolve().parent.parent / "docs" / "adapters.md"


def check_surface(module: Any, con: Any) -> None:
    """Every public declared query of the module is registered, documented, and (when it is
    an expression) compiles for a scale-out engine (ClickHouse) too, not only for the two
    engines the tests execute on; every public helper is documented."""
    from data_adapters.declare import REGISTRY, Query

    text = DOCS.read_text(encoding="utf-8")
    for name in module.__all__:
        obj = getattr(module, name)
        if isinstance(obj, Query):
            assert REGISTRY[obj.key] is obj, f"{obj.key} is not registered"
            assert f"`{name}(" in text, f"{obj.key} is not in docs/adapters.md"
            expr = sample_call(obj, con)
            if expr is not None:
                assert sql(expr, "clickhouse")
        elif inspect.isfunction(obj):
            assert f"`{name}(" in text, f"{module.__name__}.{name} is not in docs/adapters.md"
