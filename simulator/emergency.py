"""Emergency command of the simulated city: resources, events, typhoon tracks and warnings.

The replayable scenario is typhoon Mujigae (彩虹, 1522) re-dated by `ctx.scenario`; its track,
forecasts and warning series come from `simulator.typhoon`. Around it, the city's typhoon response
and a spike of waterlogging and flood events. Outside the storm, events follow a seasonal Poisson
process (mostly level IV) and everyday warnings come from `simulator.cap_messages.ordinary`.
Warnings leave this module as CAP 1.2 XML ("cap_messages"). The window that holds ctx.start also
carries the `HISTORY` before it, so that even a short seeded history holds the storm.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from simulator import cap_messages
from simulator.base import Scale, SimContext, emitted, from_rows, rng_for
from simulator.geography import districts
from simulator.places import Places, near_towns, sea_points
from simulator.typhoon import STORM, tracks, typhoon_warnings

__all__ = ["HISTORY", "facts", "reference"]

_H = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAMES = {d.adcode: d.name_zh for d in districts()}
HISTORY = timedelta(days=5)  # emitted with the window holding ctx.start: covers the whole storm


# kind: events per day (dry, rainy season), per hour at full storm impact, placement,
# (min, max) hours to close, mean casualties, title templates ({d} district, {t} town)
# fmt: off
_KINDS: tuple[tuple[str, float, float, float, str, tuple[float, float], float, tuple[str, ...]],
              ...] = (
    ("traffic", 2.2, 2.4, 0.6, "urban", (1, 5), 0.9,
     ("{d}{t}路段交通事故", "{d}{t}多车相撞事故", "{d}{t}货车侧翻事故")),
    ("fire", 0.9, 0.6, 0.1, "urban", (1, 6), 0.2,
     ("{d}{t}民房火灾", "{d}{t}厂房火灾", "{d}{t}仓库火灾", "{d}{t}林地火灾")),
    ("maritime", 0.5, 0.6, 0.5, "sea", (2, 20), 0.4,
     ("{d}附近海域渔船遇险", "{d}附近海域船舶碰撞", "{d}附近海域人员落水")),
    ("public_health", 0.25, 0.35, 0.0, "urban", (12, 24), 2.0,
     ("{d}{t}聚集性食物中毒事件", "{d}{t}登革热聚集性疫情", "{d}{t}学校聚集性发热病例")),
    ("hazmat", 0.12, 0.12, 0.05, "urban", (2, 10), 0.3,
     ("{d}{t}危险化学品泄漏", "{d}{t}槽罐车泄漏事故")),
    ("geological", 0.05, 0.2, 0.25, "rural", (4, 24), 0.2, ("{d}{t}山体滑坡", "{d}{t}地面塌陷")),
    ("waterlogging", 0.05, 0.5, 2.5, "urban", (1, 8), 0.0,
     ("{d}{t}路段严重积水", "{d}{t}低洼地带内涝", "{d}{t}地下车库进水")),
    ("flood", 0.01, 0.15, 0.8, "rural", (4, 24), 0.1,
     ("{d}{t}河段水位超警戒", "{d}{t}农田受淹", "{d}{t}堤围险情")),
)
# fmt: on
_LEVELS = ("IV", "III", "II", "I")


@lru_cache(maxsize=4096)
def _event_bucket(ctx: SimContext, hour: int) -> tuple[tuple[Any, ...], ...]:
    """Every state row of the ordinary events reported during one hour."""
    rng = rng_for(ctx, "emergency", "events", hour)
    t0 = _EPOCH + hour * _H
    impact = float(
        ctx.scenario.impact(
            np.array([np.datetime64(t0.replace(tzinfo=None), "us") + np.timedelta64(30, "m")])
        )[0]
    )
    rainy = 4 <= (t0 + 8 * _H).month <= 9
    rows: list[tuple[Any, ...]] = []
    k = 0
    for kind, dry, wet, storm, where, dur, casualties, titles in _KINDS:
        n = int(rng.poisson((wet if rainy else dry) / 24.0 + storm * impact))
        if n == 0:
            continue
        pos = (
            sea_points(rng, n)
            if where == "sea"
            else near_towns(rng, n, 2.0 if where == "urban" else 8.0, urban=where == "urban")
        )
        codes = pos.adcode
        for i in range(n):
            reported = t0 + float(rng.uniform(0, 3600)) * timedelta(seconds=1)
            reported = reported.replace(microsecond=0)
            responding = reported + timedelta(minutes=float(rng.uniform(3, 30)))
            closed = responding + timedelta(hours=float(rng.uniform(*dur)))
            p = (
                np.array([0.82, 0.14, 0.035, 0.005])
                if impact < 0.5
                else np.array([0.55, 0.35, 0.09, 0.01])
            )
            level = _LEVELS[int(rng.choice(4, p=p))]
            hurt = int(rng.poisson(casualties * (1 + _LEVELS.index(level))))
            town = str(pos.town[i])
            title = str(rng.choice(titles)).format(d=_NAMES[codes[i]], t=town)
            eid = f"EV{hour}{k:02d}"
            k += 1
            base = (eid, kind, level, codes[i], float(pos.lon[i]), float(pos.lat[i]), title)
            rows += [
                (reported, *base, "reported", reported, 0),
                (responding.replace(microsecond=0), *base, "responding", reported, hurt),
                (closed.replace(microsecond=0), *base, "closed", reported, hurt),
            ]
    return tuple(rows)


@cache
def _typhoon_events(ctx: SimContext) -> tuple[tuple[Any, ...], ...]:
    """The city's typhoon response and the storm's damage events per district."""
    land = ctx.scenario.landfall
    rng = rng_for(ctx, "emergency", "typhoon-events")
    title = f"台风“{STORM['name_zh']}”防御应急响应"
    base = ("EV-TY1522-00", "typhoon")
    city = (110.3610, 21.2720)  # the city government, 赤坎
    rows: list[tuple[Any, ...]] = []
    reported = land - 48 * _H
    for h, level, status, hurt in (
        (-48, "IV", "reported", 0),
        (-24, "III", "responding", 0),
        (-12, "II", "responding", 0),
        (-6, "I", "responding", 2),
        (36, "I", "closed", 9),
    ):
        rows.append((land + h * _H, *base, level, "440802", *city, title, status, reported, hurt))
    for i, adcode in enumerate(("440804", "440803", "440811", "440802", "440883", "440823")):
        pos = near_towns(rng, 1, 2.0, urban=True, adcode=adcode)
        start = (land + float(rng.uniform(0.2, 3.0)) * _H).replace(microsecond=0)
        level = "II" if i < 3 else "III"
        hurt = int(rng.poisson(3 if i < 3 else 1))
        base2 = (
            f"EV-TY1522-{i + 1:02d}",
            "typhoon",
            level,
            adcode,
            float(pos.lon[0]),
            float(pos.lat[0]),
            f"{_NAMES[adcode]}{pos.town[0]}台风灾害",
        )
        for dt, status in (
            (0.0, "reported"),
            (0.4, "responding"),
            (float(rng.uniform(24, 48)), "closed"),
        ):
            rows.append(
                (
                    (start + dt * _H).replace(microsecond=0),
                    *base2,
                    status,
                    start,
                    0 if status == "reported" else hurt,
                )
            )
    return tuple(rows)


_SCHOOLS = ("中心小学", "第一小学", "实验小学", "中学", "第二中学", "实验学校", "职业技术学校")
_CIVIL_TEAMS = ("湛江海燕应急救援队", "湛江红棉志愿救援队", "雷州半岛蓝盾救援队", "吴川鉴江救援队")


def _resources(ctx: SimContext) -> pd.DataFrame:
    """Shelters (in schools and stadiums, capacity by population), depots, teams and boats."""
    rng = rng_for(ctx, "emergency", "resources")
    n = {Scale.TEST: 40, Scale.DEMO: 150, Scale.BENCH: 400}[ctx.scale]
    pop = np.array([d.population for d in districts()], dtype=float)
    per = np.maximum(1, np.round(n * pop / pop.sum())).astype(int)
    rows: list[tuple[Any, ...]] = []
    seen: dict[str, int] = {}

    def add(prefix: str, kind: str, name: str, pos: Places, i: int, capacity: int) -> None:
        seen[name] = seen.get(name, 0) + 1
        label = name if seen[name] == 1 else f"{name}（{seen[name]}）"
        rows.append(
            (
                f"{prefix}{len(rows) + 1:04d}",
                kind,
                label,
                str(pos.adcode[i]),
                float(pos.lon[i]),
                float(pos.lat[i]),
                capacity,
            )
        )

    for d, k in zip(districts(), per, strict=True):
        pos = near_towns(rng, int(k), 1.5, adcode=d.adcode)
        share = d.population * 0.04 / k  # shelter places for ~4 % of residents
        for i in range(int(k)):
            if rng.random() < 0.12:
                add(
                    "SH",
                    "shelter",
                    f"{pos.town[i]}体育馆避护场所",
                    pos,
                    i,
                    int(round(share * rng.uniform(1.5, 3.0), -1)),
                )
            else:
                add(
                    "SH",
                    "shelter",
                    f"{pos.town[i]}{rng.choice(_SCHOOLS)}避护场所",
                    pos,
                    i,
                    int(round(share * rng.uniform(0.4, 1.2), -1)),
                )
        depot = near_towns(rng, 2, 2.0, adcode=d.adcode)
        add("DP", "depot", f"{d.name_zh}应急物资储备库", depot, 0, int(rng.integers(5, 20)) * 1000)
        add(
            "DP",
            "depot",
            f"{depot.town[1]}应急物资储备点",
            depot,
            1,
            int(rng.integers(5, 30)) * 100,
        )
        team = near_towns(rng, 1, 1.0, adcode=d.adcode)
        add("RT", "rescue_team", f"{d.name_zh}应急救援大队", team, 0, int(rng.integers(40, 120)))
    city = near_towns(rng, 2, 1.0, adcode="440811")
    add("DP", "depot", "湛江市应急物资储备库", city, 0, 50_000)
    add("RT", "rescue_team", "湛江市应急救援支队", city, 1, 180)
    civil = near_towns(rng, len(_CIVIL_TEAMS), 2.0)
    for i, name in enumerate(_CIVIL_TEAMS):
        add("RT", "rescue_team", f"{name}（民间）", civil, i, int(rng.integers(20, 90)))
    coastal = (
        "440802",
        "440803",
        "440804",
        "440811",
        "440823",
        "440825",
        "440881",
        "440882",
        "440883",
    )
    for adcode in coastal:
        boats = near_towns(rng, 3, 1.0, adcode=adcode)
        for i, (label, seats) in enumerate((("冲锋舟", 12), ("橡皮艇", 8), ("救援船", 40))):
            add("BT", "boat", f"{boats.town[i]}应急{label}", boats, i, seats)
    return from_rows("emergency_resources", rows)


def _hour(t: datetime) -> int:
    return int((t - _EPOCH) // _H)


def reference(ctx: SimContext) -> dict[str, pd.DataFrame]:
    """Shelters, depots, rescue teams and boats."""
    return {"emergency_resources": _resources(ctx)}


def facts(ctx: SimContext, start: datetime, end: datetime) -> Iterator[tuple[str, pd.DataFrame]]:
    """Events, typhoon tracks and CAP messages of [start, end); the window that holds ctx.start
    also carries the HISTORY before it (so a short seeded history still has the storm)."""
    lo = min(start, ctx.start - HISTORY) if start <= ctx.start < end else start
    rows = [r for h in range(_hour(lo) - 49, _hour(end) + 1) for r in _event_bucket(ctx, h)]
    rows += _typhoon_events(ctx)
    keep = emitted([r[0] for r in rows], ctx, start, end, HISTORY)
    rows = [r for r, k in zip(rows, keep, strict=True) if k]
    if rows:
        yield "emergency_events", from_rows("emergency_events", sorted(rows, key=lambda r: r[0]))
    track = tracks(ctx)
    keep = emitted(track["issued_ts"].dt.tz_localize(None).to_numpy(), ctx, start, end, HISTORY)
    if keep.any():
        yield "typhoon_tracks", track[keep].reset_index(drop=True)
    land = ctx.scenario.landfall
    quiet = (land - 60 * _H, land + 30 * _H)
    warnings = [*typhoon_warnings(ctx)]
    for day in range(_hour(lo) // 24 - 1, _hour(end) // 24 + 1):
        warnings += cap_messages.ordinary(ctx, day, quiet)
    keep = emitted([w.sent for w in warnings], ctx, start, end, HISTORY)
    warnings = [w for w, k in zip(warnings, keep, strict=True) if k]
    if warnings:
        yield "cap_messages", cap_messages.frame(warnings)
