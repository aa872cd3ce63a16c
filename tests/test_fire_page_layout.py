"""The fire page's builders: figures and rows from hand-made frames, both languages, and no
"nan" or catalogue key ever shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from layouts import fire as view
from layouts.fire_charts import category_figure, response_figure, station_figure

ROOT = Path(__file__).resolve().parent.parent


def _text(component: Any) -> str:
    plain = component.to_plotly_json()
    return json.dumps(plain, default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def test_the_catalogues_have_the_same_keys() -> None:
    zh = json.loads((ROOT / "locales/zh/fire.json").read_text("utf-8"))
    en = json.loads((ROOT / "locales/en/fire.json").read_text("utf-8"))
    assert zh.keys() == en.keys()
    assert all(k.startswith("fire.") for k in zh)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unit_rows_and_detail_never_show_nan(lang: str) -> None:
    from services.fire_page import FireDetail

    row = dict(
        unit_id="U1", name="湛江一中", category="school", adcode="440802", devices=10,
        covered=False, stations="", minutes=float("nan"), nearest_station=None,
        nearest_name=None, alarms=3, false_alarms=0, real_fires=0, false_rate=float("nan"),
        faulty_devices=1, fault_rate=0.1, lon=110.36, lat=21.28,
    )  # fmt: skip
    recs = view.unit_records(pd.DataFrame([row]), lang)
    assert recs[0]["false_pct"] is None and recs[0]["fault_pct"] == 10.0
    assert recs[0]["reach"] == ("不可达" if lang == "zh" else "Outside")
    panel = _text(view.detail_panel(FireDetail("unit", row), lang))
    assert "nan" not in panel and "fire." not in panel


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_charts(lang: str) -> None:
    resp = response_figure(pd.Series([60, 240, 301, 2000]), lang)
    assert resp["data"][0]["y"][:6] == [1, 0, 0, 1, 0, 1]
    assert resp["data"][0]["x"][-1] == "15+"
    st = pd.DataFrame(
        {
            "station_id": ["S1", "S2"],
            "station_name": ["一站", "二站"],
            "median_s": [420.0, 200.0],
            "p90_s": [500.0, 260.0],
            "adcode": ["440802", "440803"],
        }
    )
    fig = station_figure(st, "S2", lang)
    assert fig["data"][0]["customdata"] == [
        ["station", "S2", "440803"],
        ["station", "S1", "440802"],
    ]
    assert fig["data"][0]["x"] == [3.33, 7.0]  # minutes, slowest at the top
    cats = pd.DataFrame(
        {"category": ["mall"], "false_alarms": [5], "real_fires": [1], "unverified": [2]}
    )
    bars = category_figure(cats, "mall", lang)
    assert [t["y"] for t in bars["data"]] == [[5], [1], [2]]
    assert bars["data"][0]["customdata"] == ["mall"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_empty_charts_say_so(lang: str) -> None:
    empty = "无数据" if lang == "zh" else "No data"
    for fig in (
        response_figure(pd.Series([], dtype="float64"), lang),
        station_figure(pd.DataFrame(columns=["station_id", "median_s"]), None, lang),
        category_figure(pd.DataFrame(columns=["category"]), None, lang),
    ):
        assert fig["data"] == []
        assert fig["layout"]["annotations"][0]["text"].lower() == empty.lower()
