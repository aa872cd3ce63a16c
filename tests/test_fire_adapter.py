"""Fire adapter on both data nodes: alarms, live alarms, fault rates and response times."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW, check_surface

from data_adapters import fire

DAY = timedelta(days=1)


def _counts(frame: pd.DataFrame) -> dict[tuple[str, object], int]:
    return {
        (k, None if pd.isna(c) else bool(c)): int(n)
        for k, c, n in zip(frame["kind"], frame["confirmed"], frame["events"], strict=True)
    }


def test_stations_and_units(con: Any) -> None:
    assert list(fire.stations(con)["station_id"]) == ["F1", "F2"]
    assert list(fire.units(con, adcode="440803")["unit_id"]) == ["U2"]


def test_alarm_counts(con: Any) -> None:
    assert _counts(fire.alarms(con, start=NOW - DAY, end=NOW)) == {
        ("alarm", None): 4,
        ("alarm", False): 1,
        ("alarm", True): 1,
        ("fault", None): 2,
        ("offline", None): 1,
        ("restored", None): 2,
    }
    assert _counts(fire.alarms(con, start=NOW - DAY, end=NOW, adcode="440803")) == {
        ("alarm", None): 1,
        ("alarm", False): 1,
        ("alarm", True): 1,
        ("fault", None): 1,
        ("offline", None): 1,
        ("restored", None): 1,
    }


def test_live_alarms(con: Any) -> None:
    live = fire.live_alarms(con, now=NOW)
    assert list(live["device_id"]) == ["D6", "D2"]  # newest first; D1 restored, D3 false
    assert list(live["unit_name"]) == ["万达广场", "湛江一中"]
    assert live["confirmed"].iloc[0] == True  # noqa: E712 — a confirmed fire
    assert pd.isna(live["confirmed"].iloc[1])
    assert list(fire.live_alarms(con, now=NOW, adcode="440802")["device_id"]) == ["D2"]


def test_fault_rates(con: Any) -> None:
    f = fire.fault_rates(con, start=NOW - DAY, end=NOW)
    assert list(f["unit_id"]) == ["U2", "U1"]
    assert f["fault_rate"].tolist() == pytest.approx([0.25, 0.1])
    u2 = f.iloc[0]
    assert (u2["faulty_devices"], u2["faults"], u2["offline"], u2["alarms"]) == (1, 1, 1, 3)


def test_response_times(con: Any) -> None:
    r = fire.response_times(con, start=NOW - DAY, end=NOW)
    assert list(r["incident_id"]) == ["FI1", "FI2", "FI3"]  # FI4 has not arrived
    assert r["response_s"].tolist() == [240, 300, 420]
    assert r["meets_standard"].tolist() == [True, True, False]  # 300 s exactly meets it
    assert r["station_name"].iloc[1] == "霞山特勤站"
    s = fire.response_summary(con, start=NOW - DAY, end=NOW).iloc[0]
    assert s["incidents"] == 3
    assert s["median_s"] == pytest.approx(300.0)
    assert s["p90_s"] == pytest.approx(396.0)
    assert s["within_standard_share"] == pytest.approx(2 / 3)
    none = fire.response_summary(con, start=NOW + DAY, end=NOW + 2 * DAY).iloc[0]
    assert none["incidents"] == 0


def test_incidents(con: Any) -> None:
    assert list(fire.incidents(con, now=NOW)["incident_id"]) == ["FI4", "FI3"]
    everything = fire.incidents(con, now=NOW, active_only=False).set_index("incident_id")
    assert everything.loc["FI1", "status"] == "closed"
    earlier = fire.incidents(con, now=NOW - timedelta(hours=2, minutes=50))
    assert earlier.set_index("incident_id").loc["FI1", "status"] == "on_scene"


def test_surface(lake_node: Any) -> None:
    check_surface(fire, lake_node.backend())


def test_false_alarm_rates_by_unit(con: Any) -> None:
    # U1: D1, D2 and D8 unverified (D7 is after NOW); U2: D3 raised then found false, D6 real
    f = fire.false_alarm_rates(con, start=NOW - DAY, end=NOW)
    assert list(f["unit_id"]) == ["U2", "U1"]
    u2, u1 = f.iloc[0], f.iloc[1]
    assert (u2["alarms"], u2["false_alarms"], u2["real_fires"], u2["verified"]) == (3, 1, 1, 2)
    assert u2["false_rate"] == pytest.approx(0.5)
    assert (u1["alarms"], u1["false_alarms"], u1["verified"]) == (3, 0, 0)
    assert pd.isna(u1["false_rate"])  # nothing verified: not known
    one = fire.false_alarm_rates(con, start=NOW - DAY, end=NOW, adcode="440802")
    assert list(one["unit_id"]) == ["U1"]
    assert fire.false_alarm_rates(con, start=NOW + DAY, end=NOW + 2 * DAY).empty


def test_device_false_alarms(con: Any) -> None:
    d = fire.device_false_alarms(con, start=NOW - DAY, end=NOW)
    assert list(d["device_id"]) == ["D3", "D1", "D2", "D6", "D8"]  # then by alarms, id
    d3 = d.iloc[0]
    assert (d3["unit_name"], d3["alarms"], d3["false_alarms"], d3["verified"]) == (
        "万达广场",
        2,
        1,
        1,
    )
    assert d3["false_rate"] == pytest.approx(1.0)
    assert d.iloc[3]["false_rate"] == pytest.approx(0.0)  # D6: one real fire
    u1 = fire.device_false_alarms(con, start=NOW - DAY, end=NOW, unit_id="U1", n=2)
    assert list(u1["device_id"]) == ["D1", "D2"]


def test_unit_events(con: Any) -> None:
    e = fire.unit_events(con, unit_id="U2", start=NOW - DAY, end=NOW)
    assert list(e["device_id"]) == ["D6", "D3", "D3", "D4", "D4", "D4"]
    assert list(e["kind"])[:3] == ["alarm", "alarm", "alarm"]
    assert fire.unit_events(con, unit_id="U2", start=NOW - DAY, end=NOW, n=1)["ts"].iloc[0] == (
        NOW - timedelta(minutes=5)
    )
