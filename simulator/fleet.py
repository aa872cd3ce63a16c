"""The vessels of the simulated sea around Zhanjiang and the parameters of their schedules.

The fleet is a pure function of the seed and the scale: foreign and Chinese ocean ships calling at
the port, registered fishing boats of the harbours of `simulator.sea`, unregistered boats (some
without AIS), strait ferries, and the tugs, pilot and patrol boats of 霞山. Each vessel carries its
AIS and radar time slots within the minute; `simulator.voyages` turns its parameters into a
schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from simulator.base import Scale, SimContext, rng_for
from simulator.scenario import Scenario
from simulator.sea import FERRY_PORTS, GROUNDS, HARBORS, SERVICE_BASE, Point

__all__ = ["Vessel", "fleet", "ticking"]

_MIN = 60_000_000
_DAY = 86_400_000_000


@dataclass(frozen=True)
class Vessel:
    """A vessel and the parameters of its schedule."""

    idx: int
    model: str  # ocean | fishing | night | ferry | tug | pilot | patrol
    vessel_type: str
    mmsi: int | None  # None: no AIS transponder
    name: str | None
    registered: bool
    callsign: str | None
    imo: int | None
    length_m: float
    ais_class: str  # "A", "B" or "" (none)
    home: str  # harbour id (fishing), "" otherwise
    ground: str  # fishing ground id
    home_pt: Point
    speed_kn: float
    dark_p: float  # chance per trip of switching AIS off for a while
    period_h: float  # ocean: port-call cycle; ferry: round-trip cycle
    phase_h: float
    harbor_ais: bool  # keeps transmitting while moored
    ais_offset_us: int
    radar_offset_us: int


_COUNTS = {  # model: vessels at test, demo, bench scale
    "ocean": (4, 40, 56),
    "fishing": (6, 70, 75),
    "rogue": (1, 4, 5),
    "night": (1, 5, 8),
    "ferry": (2, 10, 12),
    "tug": (1, 6, 8),
    "pilot": (1, 2, 3),
    "patrol": (1, 2, 3),
}
# MID of the flag state and its call-sign prefix, for the foreign ocean ships
_FOREIGN = {  # Panama, Hong Kong, Singapore, Liberia, Marshall Is., Korea, Japan, SE Asia
    351: "3F", 353: "3E", 370: "HP", 477: "VR", 563: "9V", 566: "9V", 636: "A8", 538: "V7",
    440: "D7", 431: "7J", 533: "9M", 574: "3W", 525: "PK", 548: "DU",
}  # fmt: skip
_EN = (  # noqa: SIM905
    "OCEAN PACIFIC GOLDEN GLORY BRIGHT GRAND ASIA BLUE JADE SILVER ORIENT HARMONY FORTUNE "
    "PEARL SPRING HORIZON SUMMIT CORAL LUCKY"
).split()
_EN2 = "STAR WAY BRIDGE WAVE VENTURE SPIRIT PIONEER TRADER CROWN DAWN".split()  # noqa: SIM905
_PY = "HAI NAN XIN JIN HUA YUE MING DA HONG AN TONG SHUN FU".split()  # noqa: SIM905
_HOMES = ("qishui", "wushi", "naozhou", "wailuo", "haian")
_HOME_P = (0.2, 0.2, 0.25, 0.15, 0.2)
_LENGTH = {"container": (180, 300), "tanker": (120, 330), "cargo": (150, 230)}


def _imo(rng: np.random.Generator) -> int:
    """A 7-digit IMO number with a valid check digit."""
    d = [9, *map(int, rng.integers(0, 10, 5))]
    return (
        int("".join(map(str, d))) * 10
        + sum(x * w for x, w in zip(d, range(7, 1, -1), strict=True)) % 10
    )


def _callsign(rng: np.random.Generator, prefix: str) -> str:
    letters = "".join(rng.choice(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 3))
    return f"{prefix}{letters}{int(rng.integers(2, 10))}"


def _ocean(rng: np.random.Generator, used: set[int]) -> dict[str, object]:
    vtype = str(rng.choice(["container", "cargo", "tanker"], p=[0.3, 0.45, 0.25]))
    if rng.random() < 0.4:
        mmsi = _mmsi(rng, int(rng.choice([413, 414])), used)
        name = f"{' '.join(rng.choice(_PY, 2))} {int(rng.integers(1, 99))}"
        callsign = _callsign(rng, "B")
    else:
        mid = int(rng.choice(list(_FOREIGN)))
        mmsi, callsign = _mmsi(rng, mid, used), _callsign(rng, _FOREIGN[mid])
        name = f"{rng.choice(_EN)} {rng.choice(_EN2)}"
    period = rng.uniform(7, 14) * 24
    return {
        "model": "ocean",
        "vessel_type": vtype,
        "mmsi": mmsi,
        "name": name,
        "callsign": callsign,
        "imo": _imo(rng),
        "length_m": float(rng.uniform(*_LENGTH[vtype])),
        "ais_class": "A",
        "speed_kn": float(rng.uniform(11, 14.5)),
        "period_h": period,
        "phase_h": float(rng.uniform(0, period)),
        "harbor_ais": True,
    }


def _mmsi(rng: np.random.Generator, mid: int, used: set[int]) -> int:
    while True:
        mmsi = mid * 1_000_000 + int(rng.integers(100_000, 1_000_000))
        if mmsi not in used:
            used.add(mmsi)
            return mmsi


def _boat(
    rng: np.random.Generator, model: str, used: set[int], names: set[str]
) -> dict[str, object]:
    home = "donghai" if model == "night" else str(rng.choice(_HOMES, p=_HOME_P))
    ground = (
        next(g for g, (_, _, routes) in GROUNDS.items() if home in routes)
        if model == "night"
        else str(
            rng.choice([g for g, (_, _, r) in GROUNDS.items() if home in r and g != "leizhou_bay"])
        )
    )
    cls = "" if model == "night" else "B" if model == "rogue" or rng.random() < 0.8 else "A"
    name = None
    if model == "fishing":
        while name is None or name in names:
            name = f"{HARBORS[home][2]}{int(rng.integers(10_000, 100_000))}"
        names.add(name)
    jitter = rng.uniform(-0.0005, 0.0005, 2)
    return {
        "model": model,
        "vessel_type": "fishing",
        "registered": model == "fishing",
        "mmsi": _mmsi(rng, 412, used) if cls else None,
        "name": name,
        "ais_class": cls,
        "length_m": float(rng.uniform(12, 40)),
        "home": home,
        "ground": ground,
        "home_pt": (HARBORS[home][1][0] + jitter[0], HARBORS[home][1][1] + jitter[1]),
        "speed_kn": float(rng.uniform(7, 10)),
        "dark_p": 0.5 if model == "rogue" else 0.3 if rng.random() < 0.12 else 0.02,
        "harbor_ais": bool(rng.random() < 0.3),
    }


def _craft(
    rng: np.random.Generator, model: str, n: int, count: int, used: set[int]
) -> dict[str, object]:
    if model == "ferry":
        return {
            "model": model,
            "vessel_type": "passenger",
            "mmsi": _mmsi(rng, 413, used),
            "name": f"{('QIONG HAI', 'XU WEN HAI')[n % 2]} {n // 2 + 1}",
            "callsign": _callsign(rng, "B"),
            "imo": _imo(rng),
            "ais_class": "A",
            "length_m": float(rng.uniform(110, 165)),
            "speed_kn": float(rng.uniform(11, 13)),
            "home_pt": (FERRY_PORTS["haian"][0] + (n % 5) * 0.0008, FERRY_PORTS["haian"][1]),
            "period_h": 4.0,
            "phase_h": 4.0 * n / count + float(rng.uniform(0, 0.2)),
            "harbor_ais": True,
        }
    vtype, name, kn, length = {
        "tug": ("tug", f"ZHAN GANG TUO {n + 1}", (10, 12), (28, 38)),
        "pilot": ("service", f"ZHAN YIN {n + 1}", (17, 20), (18, 26)),
        "patrol": ("service", f"HAI XUN 09{n + 11}", (14, 17), (40, 60)),
    }[model]
    return {
        "model": model,
        "vessel_type": vtype,
        "mmsi": _mmsi(rng, 413, used),
        "name": name,
        "callsign": _callsign(rng, "B"),
        "ais_class": "A",
        "harbor_ais": True,
        "length_m": float(rng.uniform(*length)),
        "speed_kn": float(rng.uniform(*kn)),
        "home_pt": (SERVICE_BASE[0] + n * 0.0003, SERVICE_BASE[1]),
    }


_SCALE_COL = {Scale.TEST: 0, Scale.DEMO: 1, Scale.BENCH: 2}


def fleet(ctx: SimContext) -> tuple[Vessel, ...]:
    """Every vessel of the simulated sea (those without AIS included)."""
    return _fleet(ctx.seed, ctx.scale)


@lru_cache(maxsize=8)
def _fleet(seed: int, scale: Scale) -> tuple[Vessel, ...]:
    when = datetime(2000, 1, 1, tzinfo=UTC)
    rng = rng_for(SimContext(seed, when, scale, Scenario(when)), "radar", "fleet", scale)
    used: set[int] = set()
    names: set[str] = set()
    out: list[Vessel] = []
    for model, counts in _COUNTS.items():
        count = counts[_SCALE_COL[scale]]
        for n in range(count):
            if model == "ocean":
                spec = _ocean(rng, used)
            elif model in ("fishing", "rogue", "night"):
                spec = _boat(rng, model, used, names)
            else:
                spec = _craft(rng, model, n, count, used)
            i = len(out)
            base: dict[str, object] = {
                "idx": i,
                "registered": True,
                "callsign": None,
                "imo": None,
                "home": "",
                "ground": "",
                "home_pt": (0.0, 0.0),
                "dark_p": 0.0,
                "period_h": 0.0,
                "phase_h": 0.0,
                "ais_offset_us": int(rng.integers(0, 60)) * 1_000_000,
                "radar_offset_us": int(rng.integers(0, 60_000)) * 1_000,
            }
            out.append(Vessel(**(base | spec)))  # type: ignore[arg-type]
    return tuple(out)


def ticking(ctx: SimContext, lo: int, hi: int) -> list[Vessel]:
    """The vessels with an AIS or radar time slot in [lo, hi) (most of them, in a few seconds)."""
    vessels = fleet(ctx)
    if hi - lo >= _MIN:
        return list(vessels)
    offsets = _offsets(ctx.seed, ctx.scale)
    tick = (-(-(lo - offsets) // _MIN)) < (-(-(hi - offsets) // _MIN))
    return [vessels[i] for i in np.flatnonzero(tick.any(axis=1))]


@lru_cache(maxsize=8)
def _offsets(seed: int, scale: Scale) -> np.ndarray:
    return np.array(
        [
            (v.ais_offset_us if v.mmsi is not None else -_DAY, v.radar_offset_us)
            for v in _fleet(seed, scale)
        ],
        dtype="int64",
    )
