"""The naive approach of typical Dash samples, for comparison: every table loaded into pandas at
start, then filtered and aggregated in pandas on each request.

Each function answers the same question as the adapter it is compared with (the benchmark checks
that the row counts agree), written the way such apps usually are: clear pandas on whole frames.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from brain.standards import (
    FIRE_RESPONSE_STANDARD_S,
    ROAD_CLASS_WEIGHTS,
    TPI_DELAY_BREAKPOINTS,
    water_classes,
)
from services.economy_page import HISTORY as ECONOMY_HISTORY

__all__ = ["NAIVE"]

Frames = dict[str, pd.DataFrame]


def _tpi(ratio: pd.Series) -> np.ndarray:
    xs = [b[0] for b in TPI_DELAY_BREAKPOINTS]
    ys = [b[1] for b in TPI_DELAY_BREAKPOINTS]
    return np.interp(ratio.to_numpy(dtype="float64", na_value=np.nan), xs, ys)


def _latest(frame: pd.DataFrame, key: str, col: str = "ts") -> pd.DataFrame:
    return frame.sort_values(col).groupby(key, as_index=False).tail(1)


def _segment_state(f: Frames, now: datetime) -> pd.DataFrame:
    """Every segment with its latest reading of the last 15 minutes (TPI null without one)."""
    r = f["traffic_readings"]
    r = _latest(r[(r["ts"] > now - timedelta(minutes=15)) & (r["ts"] <= now)], "segment_id")
    r = f["traffic_segments"].merge(r, on="segment_id", how="left")
    speed = r["speed_kmh"].astype("float64")
    ratio = r["free_speed_kmh"].astype("float64") / speed.where(speed > 0)
    r["tpi"] = np.where(speed.isna(), np.nan, np.where(speed <= 0, 10.0, _tpi(ratio)))
    weight = r["length_m"] * r["road_class"].map(ROAD_CLASS_WEIGHTS).astype("float64")
    r["w"] = weight.where(r["tpi"].notna(), 0.0)
    r["tw"] = (r["tpi"] * r["w"]).fillna(0.0)
    return r


def _weighted(g: pd.DataFrame) -> pd.Series:
    return g["tw"] / g["w"].where(g["w"] > 0)


def district_tpi(f: Frames, now: datetime) -> pd.DataFrame:
    return tpi_by_district(_segment_state(f, now))


def tpi_by_district(r: pd.DataFrame) -> pd.DataFrame:
    """City and district TPI of a segment state (`_segment_state`)."""
    out = _weighted(r.groupby("adcode")[["tw", "w"]].sum()).rename("tpi").reset_index()
    w = r["w"].sum()
    city = pd.DataFrame({"adcode": ["440800"], "tpi": [r["tw"].sum() / w if w > 0 else np.nan]})
    return pd.concat([city, out], ignore_index=True)


def worst_roads(f: Frames, now: datetime) -> pd.DataFrame:
    return worst_of(_segment_state(f, now))


def worst_of(r: pd.DataFrame) -> pd.DataFrame:
    """The five roads with the highest TPI in a segment state (`_segment_state`)."""
    g = _weighted(r.groupby("road_name")[["tw", "w"]].sum()).dropna()
    return g.rename("tpi").sort_values(ascending=False).head(5).reset_index()


def tpi_series(f: Frames, now: datetime, hours: int = 24) -> pd.DataFrame:
    r = f["traffic_readings"]
    r = r[(r["ts"] >= now - timedelta(hours=hours)) & (r["ts"] < now)]
    r = r.merge(f["traffic_segments"], on="segment_id")
    speed = r["speed_kmh"].where(r["speed_kmh"] > 0)
    r["tpi"] = np.where(speed.isna(), 10.0, _tpi(r["free_speed_kmh"] / speed))
    r["w"] = r["length_m"] * r["road_class"].map(ROAD_CLASS_WEIGHTS).astype("float64")
    r["tw"] = r["tpi"] * r["w"]
    r["bucket"] = r["ts"].dt.floor("15min")
    g = r.groupby("bucket")[["tw", "w"]].sum()
    return (g["tw"] / g["w"]).rename("tpi").reset_index()


def vessel_positions(f: Frames, now: datetime) -> pd.DataFrame:
    a = f["ais_reports"]
    a = _latest(a[(a["ts"] > now - timedelta(minutes=15)) & (a["ts"] <= now)], "mmsi")
    v = f["vessels"]
    v = _latest(v[v["ts"] <= now], "mmsi").drop(columns=["ts"])
    return a.merge(v, on="mmsi", how="left")


def track(f: Frames, now: datetime, mmsi: int) -> pd.DataFrame:
    a = f["ais_reports"]
    a = a[(a["mmsi"] == mmsi) & (a["ts"] >= now - timedelta(days=1)) & (a["ts"] < now)]
    return a.sort_values("ts")


def dark_targets(f: Frames, now: datetime) -> pd.DataFrame:
    r = f["radar_tracks"]
    r = _latest(r[(r["ts"] > now - timedelta(minutes=5)) & (r["ts"] <= now)], "track_id")
    return r[r["mmsi"].isna()]


def stations_latest(f: Frames, now: datetime) -> pd.DataFrame:
    r = f["river_readings"]
    r = _latest(r[(r["ts"] > now - timedelta(days=1)) & (r["ts"] <= now)], "station_id")
    cols = {"DO": "do", "CODMn": "codmn", "COD": "cod", "BOD5": "bod5", "NH3N": "nh3n", "TP": "tp"}
    r = r.assign(
        water_class=water_classes(
            {k: r[v].to_numpy(dtype="float64", na_value=np.nan) for k, v in cols.items()}
        )
    )
    return r.merge(f["river_stations"], on="station_id")


def response_summary(f: Frames, now: datetime) -> pd.DataFrame:
    i = f["fire_incidents"]
    i = _latest(i[i["ts"] <= now], "incident_id")
    i = i[(i["call_ts"] >= now - timedelta(days=30)) & (i["call_ts"] < now)]
    i = i[i["arrival_ts"].notna()]
    s = (i["arrival_ts"] - i["dispatch_ts"]).dt.total_seconds()
    within = (s <= FIRE_RESPONSE_STANDARD_S).mean()
    return pd.DataFrame({"incidents": [len(s)], "median_s": [s.median()], "within": [within]})


def warnings_in_force(f: Frames, now: datetime) -> pd.DataFrame:
    w = f["emergency_warnings"]
    w = w[(w["sent"] <= now) & w["msg_type"].isin(["Alert", "Update", "Cancel"])]
    w = w.sort_values("sent").groupby(["sender", "hazard"], as_index=False).tail(1)
    onset = w["onset"].fillna(w["sent"])
    live = (
        (w["msg_type"] != "Cancel") & (onset <= now) & (w["expires"].isna() | (now < w["expires"]))
    )
    return w[live]


def economy_latest(f: Frames, now: datetime) -> pd.DataFrame:
    o = f["economy_observations"]
    o = o[o["ts"] <= now]
    city = o.groupby(["indicator", "period"], as_index=False)[["value", "value_ytd"]].sum()
    newest = city.sort_values("period").groupby("indicator", as_index=False).tail(1)
    prev = city.assign(period=city["period"] + pd.DateOffset(years=1))
    return newest.merge(prev, on=["indicator", "period"], how="left", suffixes=("", "_ly"))


def river_drill(f: Frames, now: datetime) -> pd.DataFrame:
    r = f["river_readings"]
    r = r[(r["station_id"] == "WQ001") & (r["ts"] >= now - timedelta(days=7)) & (r["ts"] < now)]
    cols = {"DO": "do", "CODMn": "codmn", "COD": "cod", "BOD5": "bod5", "NH3N": "nh3n", "TP": "tp"}
    classes = water_classes(
        {k: r[v].to_numpy(dtype="float64", na_value=np.nan) for k, v in cols.items()}
    )
    return r.assign(water_class=classes).sort_values("ts")


def fire_drill(f: Frames, now: datetime) -> pd.DataFrame:
    u = f["fire_units"]
    u = u[u["adcode"] == "440803"]
    e = f["fire_device_events"]
    e = e[(e["ts"] >= now - timedelta(days=7)) & (e["ts"] < now) & (e["kind"] == "alarm")]
    e = e[e["unit_id"].isin(u["unit_id"])]
    verdict = e["confirmed"].astype("boolean")
    e = e.assign(
        false_alarms=verdict.eq(False).fillna(False),
        real_fires=verdict.eq(True).fillna(False),
        verified=verdict.notna(),
    )
    per = e.groupby("unit_id").agg(
        alarms=("kind", "size"),
        false_alarms=("false_alarms", "sum"),
        real_fires=("real_fires", "sum"),
        verified=("verified", "sum"),
    )
    out = u.merge(per.reset_index(), on="unit_id")
    out["false_rate"] = out["false_alarms"] / out["verified"].where(out["verified"] > 0)
    return out.sort_values(["false_alarms", "alarms", "unit_id"], ascending=[False, False, True])


def traffic_drill(f: Frames, now: datetime) -> pd.DataFrame:
    """A segment's hourly mean speed and TPI over the last 7 days."""
    r = f["traffic_readings"]
    r = r[
        r["segment_id"].isin(["ZCDD-011", "ZCDD-011F"])
        & (r["ts"] >= now - timedelta(days=7))
        & (r["ts"] < now)
    ]
    r = r.merge(f["traffic_segments"][["segment_id", "free_speed_kmh"]], on="segment_id")
    speed = r["speed_kmh"].where(r["speed_kmh"] > 0)
    r = r.assign(
        tpi=np.where(speed.isna(), 10.0, _tpi(r["free_speed_kmh"] / speed)),
        bucket=r["ts"].dt.floor("60min"),
    )
    g = r.groupby(["segment_id", "bucket"])
    return g.agg(speed_kmh=("speed_kmh", "mean"), tpi=("tpi", "mean")).reset_index()


def emergency_drill(f: Frames, now: datetime) -> pd.DataFrame:
    """霞山区's events in their state now: active, or reported in the last 7 days."""
    e = f["emergency_events"]
    e = _latest(e[(e["ts"] <= now) & (e["adcode"] == "440803")], "event_id")
    e = e[(e["status"] != "closed") | (e["reported_ts"] > now - timedelta(days=7))]
    rank = e["level"].map({"I": 1, "II": 2, "III": 3, "IV": 4}).fillna(5)
    order = e.assign(_rank=rank).sort_values(["_rank", "reported_ts"], ascending=[True, False])
    return order.drop(columns="_rank")


def economy_drill(f: Frames, now: datetime) -> pd.DataFrame:
    o = f["economy_observations"]
    first, last = (now - ECONOMY_HISTORY).date(), now.date()
    period = pd.to_datetime(o["period"]).dt.date
    o = o[(o["indicator"] == "iva") & (period >= first) & (period < last)]
    o = o.sort_values("ts").groupby(["indicator", "adcode", "period"]).tail(1)
    names = f["districts"][["adcode", "name_zh", "name_en"]]
    return o.merge(names, on="adcode").sort_values(["period", "adcode"])


def radar_drill(f: Frames, now: datetime, mmsi: int) -> pd.DataFrame:
    a = f["ais_reports"]
    a = a[(a["mmsi"] == mmsi) & (a["ts"] >= now - timedelta(hours=6)) & (a["ts"] < now)]
    return a.sort_values("ts")


NAIVE: dict[str, Callable[..., pd.DataFrame]] = {
    "traffic.district_tpi": district_tpi,
    "traffic.worst_roads": worst_roads,
    "traffic.tpi_series": tpi_series,
    "radar.vessel_positions": vessel_positions,
    "radar.track": track,
    "radar.dark_targets": dark_targets,
    "river.stations_latest": stations_latest,
    "fire.response_summary": response_summary,
    "emergency.warnings_in_force": warnings_in_force,
    "economy.latest": economy_latest,
    "drill.river": river_drill,
    "drill.radar": radar_drill,
    "drill.economy": economy_drill,
    "drill.traffic": traffic_drill,
    "drill.fire": fire_drill,
    "drill.emergency": emergency_drill,
}
