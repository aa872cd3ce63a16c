"""Local geography of the situational map: district boundaries and the city outline.

The map never asks a tile server for anything: its land, sea and districts are two small GeoJSON
files under `assets/geo/`, made from `reference/geo/` (WGS-84) by `build_geo_assets` and served by
Dash like any other asset, so the browser fetches them once and caches them. A test keeps the
files in step with the builder.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "CITY_FILE",
    "DISTRICTS_FILE",
    "GEO_DIR",
    "SEA",
    "SEA_LAYER",
    "DistrictGeo",
    "build_geo_assets",
    "city_bounds",
    "district",
    "districts",
    "fit",
]

ROOT = Path(__file__).resolve().parent.parent
GEO_DIR = ROOT / "assets" / "geo"
REFERENCE_DIR = ROOT / "reference"
DISTRICTS_FILE = "districts.geojson"
CITY_FILE = "city.geojson"

SEA = "#071a33"  # the sea, and the land beyond the city, on every map of the dark theme
# painted under every map's traces: the tile-free "white-bg" style is white, and has no sea
SEA_LAYER: dict[str, Any] = {
    "sourcetype": "geojson",
    "source": {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[90.0, 0.0], [140.0, 0.0], [140.0, 40.0], [90.0, 40.0], [90.0, 0.0]]],
        },
    },
    "type": "fill",
    "color": SEA,
    "below": "traces",
}
_DIGITS = 5  # 1e-5 deg ≈ 1 m: finer than any screen shows the city
_CITY_TOLERANCE = 0.0005  # deg ≈ 50 m, as the simplified district boundaries
_MIN_ISLAND_DEG2 = 2e-6  # ≈ 0.02 km²: islets below this vanish at any zoom the wall uses

# Label anchors of the three small urban districts, spread so that their names do not collide
# even on a 540 px high canvas (elsewhere: the point deepest inside the largest part).
_LABEL_AT: dict[str, tuple[float, float]] = {
    "440802": (110.37, 21.295),  # 赤坎: its north
    "440803": (110.375, 21.17),  # 霞山: its south
    "440811": (110.2, 21.1),  # 麻章: its west, away from both
}

Bounds = tuple[float, float, float, float]  # west, south, east, north
_PAD = 0.04  # share of the canvas left free on each side of fitted bounds
_TILE = 512.0  # deck.gl's web-mercator world size at zoom 0, in pixels


@dataclass(frozen=True)
class DistrictGeo:
    """A district as the map needs it: names, where to write the name, and its extent."""

    adcode: str
    name_zh: str
    name_en: str
    label: tuple[float, float]  # lon, lat
    bounds: Bounds


@cache
def districts() -> tuple[DistrictGeo, ...]:
    """The nine districts, read from `assets/geo/districts.geojson`."""
    geo = json.loads((GEO_DIR / DISTRICTS_FILE).read_text("utf-8"))
    out = []
    for f in geo["features"]:
        p = f["properties"]
        out.append(
            DistrictGeo(
                adcode=p["adcode"],
                name_zh=p["name_zh"],
                name_en=p["name_en"],
                label=(p["label_lon"], p["label_lat"]),
                bounds=(f["bbox"][0], f["bbox"][1], f["bbox"][2], f["bbox"][3]),
            )
        )
    return tuple(out)


def district(adcode: str) -> DistrictGeo:
    """One district by its code (KeyError with the known codes otherwise)."""
    for d in districts():
        if d.adcode == adcode:
            return d
    known = ", ".join(d.adcode for d in districts())
    raise KeyError(f"unknown district {adcode!r}; known: {known}")


@cache
def city_bounds() -> Bounds:
    """The extent of all nine districts."""
    ds = districts()
    return (
        min(d.bounds[0] for d in ds),
        min(d.bounds[1] for d in ds),
        max(d.bounds[2] for d in ds),
        max(d.bounds[3] for d in ds),
    )


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit(bounds: Bounds, size: tuple[int, int]) -> tuple[float, float, float]:
    """(longitude, latitude, zoom) of the web-mercator view that fits `bounds` into a canvas of
    `size` CSS pixels with a small margin; zoom clamped to 3-16."""
    west, south, east, north = bounds
    free_w, free_h = max(size[0] * (1 - 2 * _PAD), 1.0), max(size[1] * (1 - 2 * _PAD), 1.0)
    span_x = max(east - west, 1e-6) / 360.0
    span_y = max(_merc(north) - _merc(south), 1e-6) / (2 * math.pi)
    zoom = math.log2(min(free_w / (_TILE * span_x), free_h / (_TILE * span_y)))
    mid = (_merc(south) + _merc(north)) / 2
    lat = math.degrees(2 * math.atan(math.exp(mid)) - math.pi / 2)
    return round((west + east) / 2, 5), round(lat, 5), round(min(max(zoom, 3.0), 16.0), 3)


# ── building the assets from reference/ (run once when the reference changes) ─────────────────


def _round(coords: Any) -> Any:
    if isinstance(coords[0], (int, float)):
        return [round(float(coords[0]), _DIGITS), round(float(coords[1]), _DIGITS)]
    return [_round(c) for c in coords]


def _english_names(reference: Path) -> dict[str, str]:
    with (reference / "zhanjiang_divisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    suffixes = (" District", " County", " City")
    out = {}
    for row in rows:
        name = row["name_en"]
        for s in suffixes:
            name = name.removesuffix(s)
        out[row["adcode"]] = name
    return out


def _write(path: Path, collection: dict[str, Any]) -> None:
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def build_geo_assets(reference: Path = REFERENCE_DIR, out: Path = GEO_DIR) -> list[Path]:
    """Write `districts.geojson` and `city.geojson` for the map from the reference boundaries.

    Districts keep the 50 m simplification of the reference and gain `id` (adcode) and `tip`
    (the tooltip text) as top-level members, bilingual names and a label anchor in properties,
    and a `bbox`. The city outline is simplified to the same 50 m, minus the smallest islets.
    """
    import shapely
    from shapely.geometry import mapping, shape
    from shapely.ops import polylabel

    out.mkdir(parents=True, exist_ok=True)
    names_en = _english_names(reference)
    src = json.loads(
        (reference / "geo" / "zhanjiang_districts_simplified_50m.geojson").read_text("utf-8")
    )
    features = []
    for f in src["features"]:
        code = f["properties"]["adcode"]
        name_zh = f["properties"]["name"]
        geom = shape(f["geometry"])
        biggest = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        pole = polylabel(biggest, tolerance=0.001)
        label = _LABEL_AT.get(code, (pole.x, pole.y))
        features.append(
            {
                "type": "Feature",
                "id": code,
                "tip": f"{name_zh} {names_en[code]}",
                "bbox": [round(v, _DIGITS) for v in geom.bounds],
                "properties": {
                    "adcode": code,
                    "name_zh": name_zh,
                    "name_en": names_en[code],
                    "label_lon": round(label[0], _DIGITS),
                    "label_lat": round(label[1], _DIGITS),
                },
                "geometry": {
                    "type": f["geometry"]["type"],
                    "coordinates": _round(f["geometry"]["coordinates"]),
                },
            }
        )
    features.sort(key=lambda f: f["id"])
    _write(out / DISTRICTS_FILE, {"type": "FeatureCollection", "features": features})

    city = json.loads((reference / "geo" / "zhanjiang_city.geojson").read_text("utf-8"))
    land = shapely.union_all([shape(f["geometry"]) for f in city["features"]])
    land = shapely.simplify(land, _CITY_TOLERANCE, preserve_topology=True)
    parts = [g for g in getattr(land, "geoms", [land]) if g.area >= _MIN_ISLAND_DEG2]
    land = shapely.MultiPolygon(parts)
    geometry = mapping(land)
    outline = {
        "type": "Feature",
        "id": "440800",
        "tip": "湛江市 Zhanjiang",
        "properties": {"adcode": "440800", "name_zh": "湛江市", "name_en": "Zhanjiang"},
        "geometry": {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])},
    }
    _write(out / CITY_FILE, {"type": "FeatureCollection", "features": [outline]})
    return [out / DISTRICTS_FILE, out / CITY_FILE]


if __name__ == "__main__":
    for p in build_geo_assets():
        print(p, p.stat().st_size, "bytes")
