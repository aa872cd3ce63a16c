"""Sea-zone rules (brain.zones): who breaks the rule of the zone they are in."""

from __future__ import annotations

import json

import pandas as pd

from brain.zones import INTRUSION_COLUMNS, intrusions

SQUARE = json.dumps([[110.0, 21.0], [110.1, 21.0], [110.1, 21.1], [110.0, 21.1], [110.0, 21.0]])


def _zones(*rules: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"zone_id": f"Z{i}", "name": f"zone {i}", "kind": "port", "rule": r, "path": SQUARE}
            for i, r in enumerate(rules)
        ]
    )


def _vessel(
    mmsi: int, *, lon: float = 110.05, kind: str = "cargo", sog: float = 8.0, status: int | None = 0
) -> dict[str, object]:
    return {
        "mmsi": mmsi,
        "name": f"V{mmsi}",
        "vessel_type": kind,
        "registered": True,
        "ts": pd.Timestamp("2026-11-24T12:00Z"),
        "lon": lon,
        "lat": 21.05,
        "sog": sog,
        "nav_status": status,
    }


def test_each_rule() -> None:
    positions = pd.DataFrame(
        [
            _vessel(1),  # moving cargo ship
            _vessel(2, kind="fishing"),  # fishing boat under way
            _vessel(3, sog=0.2),  # stopped
            _vessel(4, sog=3.0, status=1),  # reports "at anchor"
            _vessel(5, lon=111.0),  # outside
        ]
    )
    got = intrusions(positions, _zones("no_entry", "no_fishing", "no_anchoring", "none"))
    assert list(got.columns) == INTRUSION_COLUMNS
    pairs = list(zip(got["zone_id"], got["mmsi"], strict=True))
    assert pairs == [("Z0", 1), ("Z0", 2), ("Z0", 3), ("Z0", 4), ("Z1", 2), ("Z2", 3), ("Z2", 4)]


def test_nothing_to_check() -> None:
    assert intrusions(pd.DataFrame(), _zones("no_entry")).empty
    assert intrusions(pd.DataFrame([_vessel(1)]), _zones()).empty
