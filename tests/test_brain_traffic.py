"""brain.traffic derives from segment states exactly what the engine-side adapters compute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW

from brain import traffic as figures
from data_adapters import traffic


@pytest.mark.parametrize("later", [timedelta(0), timedelta(minutes=-10), timedelta(days=2)])
@pytest.mark.parametrize("adcode", [None, "440802"])
def test_figures_match_the_engine(con: Any, later: timedelta, adcode: str | None) -> None:
    now = NOW + later
    state = traffic.segment_state(con, now=now, adcode=adcode)
    net = figures.network(state)
    row = traffic.district_tpi(con, now=now, adcode=adcode)
    row = row[row["adcode"] == (adcode or "440800")]
    if row.empty or pd.isna(row["tpi"].iloc[0]):
        assert net["tpi"] is None
    else:
        assert net["tpi"] == pytest.approx(float(row["tpi"].iloc[0]))
        assert net["level"] == int(row["level"].iloc[0])
        assert net["segments"] == int(row["segments"].iloc[0])
    want = traffic.worst_roads(con, now=now, n=3, adcode=adcode)
    got = figures.worst_roads(state, 3)
    assert list(got["road_name"]) == list(want["road_name"])
    assert list(got["road_class"]) == list(want["road_class"])
    assert got["tpi"].tolist() == pytest.approx(want["tpi"].astype(float).tolist())
    assert list(got["level"]) == [int(v) for v in want["level"]]
