"""The river network of the simulated city: rivers, reaches with their chiefs, and stations.

Rivers follow their real courses approximately (waypoints from reference/zhanjiang_rivers.json and
general geography, clipped to land): 鉴江, 九洲江, 南渡河, 遂溪河, 雷州青年运河, 袂花江, 大水桥河
and the urban 南柳河, 南桥河, 南调河. Each river is split by district into county reaches
(县级河长), long ones into town reaches (镇级), urban ones into community reaches (村级); the major
rivers also have a city-level reach (市级). Every reach has a chief of its own (invented people),
who answers to the chief one level up on the same river: a town or community chief to the
county chief of the district, a county chief to the city chief of a major river
(`parent_chief_id`; none above a city chief, nor above the county chief of a lesser river).
Monitoring sections (国控/省控/市控) carry per-river baselines of water quality in the dry
season, as a class position (1 = class I … 6 = 劣V; a section is in class k while its position
is below k + 0.5): most meet their target class (鉴江 mostly II-III, the urban 南柳河 IV-V
against a target of V). A few sections on urban rivers or small tributaries, chosen from the
seed, are chronic offenders (`offender`): sewage overflows or farm and aquaculture runoff keep
them a class below target.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from simulator.base import SimContext, rng_for
from simulator.geography import districts, land
from simulator.places import towns

__all__ = ["RIVERS", "network"]

# name, kind (major | river | urban), dry-season class position (1 = class I … 6 = 劣V), target
# class, waypoints
# fmt: off
RIVERS: tuple[tuple[str, str, float, str, tuple[tuple[float, float], ...]], ...] = (
    ("鉴江", "major", 2.3, "III", ((110.655, 21.62), (110.645, 21.55), (110.632, 21.47),
        (110.63, 21.43), (110.625, 21.37), (110.635, 21.31), (110.64, 21.245))),
    ("九洲江", "major", 2.6, "III", ((110.335, 21.86), (110.3, 21.76), (110.27, 21.72),
        (110.2, 21.69), (110.1, 21.64), (110.02, 21.57), (109.95, 21.5), (109.9, 21.47),
        (109.8, 21.47))),
    ("南渡河", "major", 2.7, "III", ((109.93, 21.08), (109.98, 21.02), (110.03, 20.97),
        (110.08, 20.935), (110.12, 20.915), (110.17, 20.905), (110.2, 20.9))),
    ("雷州青年运河", "major", 1.7, "II", ((110.3, 21.71), (110.29, 21.62), (110.27, 21.53),
        (110.26, 21.45), (110.25, 21.39), (110.24, 21.3), (110.22, 21.2), (110.16, 21.08),
        (110.1, 20.98))),
    ("遂溪河", "river", 3.4, "IV", ((110.1, 21.42), (110.18, 21.4), (110.25, 21.375),
        (110.29, 21.34), (110.32, 21.31), (110.35, 21.3))),
    ("袂花江", "river", 2.7, "III", ((110.9, 21.52), (110.83, 21.46), (110.78, 21.425),
        (110.72, 21.36), (110.66, 21.3))),
    ("大水桥河", "river", 1.7, "II", ((110.07, 20.42), (110.12, 20.37), (110.17, 20.32),
        (110.21, 20.285), (110.225, 20.265))),
    ("南柳河", "urban", 4.5, "V", ((110.3, 21.215), (110.33, 21.21), (110.36, 21.205),
        (110.385, 21.195), (110.4, 21.19))),
    ("南桥河", "urban", 3.5, "IV", ((110.3, 21.285), (110.33, 21.28), (110.35, 21.272),
        (110.37, 21.268), (110.385, 21.27))),
    ("南调河", "urban", 3.4, "IV", ((110.47, 21.29), (110.46, 21.265), (110.455, 21.245),
        (110.45, 21.235))),
)
# fmt: on
_SURNAMES = "王李张陈林黄吴刘杨梁何郑谢许罗邓冯蔡庞莫钟潘"
# fmt: off
_GIVEN = (
    "建国", "志强", "海燕", "国华", "文杰", "丽华", "伟明", "振南", "秀英", "永康", "少峰", "家豪",
    "春梅", "汉明", "德胜", "玉兰", "晓东", "俊杰", "卫东", "美玲", "定坤", "锦超",
)
# fmt: on
_COMMUNITIES = ("东风", "新村", "文明", "北月", "龙潭", "南华", "福田", "山尾", "石头", "边塘")


def _km(line: LineString) -> float:
    xy = np.asarray(line.coords)
    dx = np.diff(xy[:, 0]) * 111.32 * np.cos(np.radians(xy[:-1, 1]))
    return float(np.hypot(dx, np.diff(xy[:, 1]) * 110.57).sum())


def _parts(geom: Any) -> list[LineString]:
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, LineString) and g.length]
    return sorted(parts, key=lambda g: -g.length)


def _nearest_town(p: Point, adcode: str) -> str:
    t = towns()
    t = t[t.adcode == adcode]
    d = np.hypot(t.lon.to_numpy() - p.x, t.lat.to_numpy() - p.y)
    return str(t.name.to_numpy()[int(np.argmin(d))])


@cache
def network(ctx: SimContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reaches with their line, river index, diligence and chief — id, name, level, the chief
    above; stations with their quality) of the city."""
    rng = rng_for(ctx, "river", "network")
    reaches: list[dict[str, Any]] = []
    stations: list[dict[str, Any]] = []

    def reach(
        river: int, name: str, adcode: str, level: str, line: LineString, parent: str | None
    ) -> str:
        n = len(reaches) + 1
        rid = f"RV{n:03d}"
        chief = str(rng.choice(list(_SURNAMES))) + str(rng.choice(_GIVEN))
        reaches.append(
            {
                "reach_id": rid,
                "river_name": RIVERS[river][0],
                "reach_name": name,
                "adcode": adcode,
                "chief_id": f"HZ{n:03d}",
                "chief_name": chief,
                "chief_level": level,
                "parent_chief_id": parent,
                "length_km": round(_km(line), 2),
                "line": line,
                "river": river,
                "diligence": float(rng.uniform(0.75, 1.0)),
            }
        )
        return rid

    tag = {"major": "（国控）", "river": "（省控）", "urban": "（市控）"}
    for i, (name, kind, quality, target, points) in enumerate(RIVERS):
        course = _parts(shapely.intersection(LineString(points), land()))
        city: str | None = None
        if kind == "major":
            reach(i, f"{name}湛江段", _main_district(course[0]), "市", course[0], None)
            city = reaches[-1]["chief_id"]
        for d in districts():
            pieces = [
                p
                for p in _parts(shapely.intersection(LineString(points), d.geometry))
                if _km(p) >= 1.0
            ]
            if not pieces:
                continue
            piece = pieces[0]
            county = reach(i, f"{name}{d.name_zh}段", d.adcode, "县", piece, city)
            county_chief = reaches[-1]["chief_id"]
            step = 2.5 if kind == "urban" else 10.0
            k = int(np.ceil(_km(piece) / step)) if _km(piece) > step else 1
            finest = [(county, piece)]
            if k > 1:
                finest = []
                seen: dict[str, int] = {}
                for j in range(k):
                    sub = substring(piece, j / k, (j + 1) / k, normalized=True)
                    town = _nearest_town(sub.interpolate(0.5, normalized=True), d.adcode)
                    label = (
                        f"{name}{town}{_COMMUNITIES[(3 * i + j) % len(_COMMUNITIES)]}社区段"
                        if kind == "urban"
                        else f"{name}{town}段"
                    )
                    seen[label] = seen.get(label, 0) + 1
                    label += "" if seen[label] == 1 else f"（{'一二三四五六'[seen[label] - 1]}）"
                    level = "村" if kind == "urban" else "镇"
                    finest.append((reach(i, label, d.adcode, level, sub, county_chief), sub))
            for j in range(1 if _km(piece) < 30 else 2):
                rid, line = finest[len(finest) // 2 if j == 0 else len(finest) - 1]
                at = line.interpolate(0.5, normalized=True)
                town = _nearest_town(at, d.adcode)
                first = not any(st["name"].startswith(name) for st in stations)
                control = tag["river"] if kind == "major" and not first else tag[kind]
                stations.append(
                    {
                        "station_id": f"WQ{len(stations) + 1:03d}",
                        "reach_id": rid,
                        "name": f"{name}{town}断面{control}",
                        "lon": round(at.x, 5),
                        "lat": round(at.y, 5),
                        "target_class": target,
                        "quality": quality + float(rng.normal(0.0, 0.12)),
                        "kind": kind,
                    }
                )
    return pd.DataFrame(reaches), _offenders(ctx, pd.DataFrame(stations))


# How many sections are chronic offenders, and how far below target they sit (class steps).
_OFFENDERS = 3
_OFFENCE = (0.65, 1.0)
_TARGET_RANK = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}


def _offenders(ctx: SimContext, stations: pd.DataFrame) -> pd.DataFrame:
    """Stations with `offender` set on a few sections of urban rivers and small tributaries, whose
    quality then sits a class below their target; every other section's dry-season quality is
    kept inside its target class."""
    rng = rng_for(ctx, "river", "offenders")
    candidates = np.flatnonzero(stations["kind"].isin(["urban", "river"]).to_numpy())
    chosen = rng.choice(candidates, size=min(_OFFENDERS, len(candidates)), replace=False)
    offender = np.zeros(len(stations), dtype=bool)
    offender[chosen] = True
    target = stations["target_class"].map(_TARGET_RANK).to_numpy(dtype=float)
    quality = np.minimum(stations["quality"].to_numpy(dtype=float), target - 0.15)
    quality[chosen] = target[chosen] + rng.uniform(*_OFFENCE, len(chosen))
    return stations.assign(quality=quality, offender=offender)


def _main_district(line: LineString) -> str:
    mid = line.interpolate(0.5, normalized=True)
    return next((d.adcode for d in districts() if d.geometry.contains(mid)), districts()[0].adcode)
