"""The emergency page's queries on both data nodes (the fixture data of adapter_fixtures)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
from adapter_fixtures import NOW

from data_adapters import emergency


def test_storms_observed_by_now(con: Any) -> None:
    s = emergency.storms(con, now=NOW)
    assert list(s["storm_id"]) == ["1522", "1521"]  # the newest observed first
    mujigae = s.iloc[0]
    assert (mujigae["name_zh"], mujigae["name_en"]) == ("彩虹", "Mujigae")
    # observed at NOW - 12 h, NOW - 6 h (twice) and NOW; the point after NOW is not yet known
    assert pd.Timestamp(mujigae["first_ts"]) == pd.Timestamp(NOW - timedelta(hours=12))
    assert pd.Timestamp(mujigae["last_ts"]) == pd.Timestamp(NOW)
    assert mujigae["max_wind_ms"] == 50.0
    assert mujigae["min_pressure_hpa"] == 960.0


def test_storms_before_the_second_storm(con: Any) -> None:
    s = emergency.storms(con, now=NOW - timedelta(hours=13))
    assert list(s["storm_id"]) == ["1521"]
    assert s.iloc[0]["first_ts"] == s.iloc[0]["last_ts"]
    assert emergency.storms(con, now=NOW - timedelta(days=6)).empty
