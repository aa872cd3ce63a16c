"""The traffic page's builders without a browser: the map draws each segment as a line of its
level's colour with the segment on every vertex, the chosen district and road outlined, the
profile's band from the previous weeks, the key figures, table rows in either language, and the
page's URL state (its own keys checked)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest
from flask import Flask

from layouts import traffic as view
from layouts import traffic_charts as charts
from layouts.theme import TPI_COLORS


def _segments() -> pd.DataFrame:
    def line(i: int) -> str:
        return json.dumps([[110.3 + i / 100, 21.2], [110.31 + i / 100, 21.21], [110.32, 21.2]])

    return pd.DataFrame(
        {
            "segment_id": ["A", "B", "C"],
            "road_name": ["人民大道", "人民大道", "G207"],
            "road_class": ["arterial", "arterial", "expressway"],
            "adcode": ["440802", "440802", "440803"],
            "free_speed_kmh": [60.0, 60.0, 100.0],
            "length_m": [1000.0, 3000.0, 5000.0],
            "path": [line(0), line(1), line(2)],
            "ts": pd.to_datetime(["2026-03-02T02:00:00Z", "2026-03-02T02:00:00Z", None], utc=True),
            "speed_kmh": [37.5, 60.0, None],
            "volume": pd.array([900, 700, None], dtype="Int64"),
            "delay_ratio": [1.6, 1.0, None],
            "tpi": [4.0, 0.0, None],
            "level": pd.array([3, 1, None], dtype="Int64"),
        }
    )


def _districts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "adcode": ["440800", "440802", "440803"],
            "name_zh": ["湛江市", "赤坎区", "霞山区"],
            "name_en": ["Zhanjiang", "Chikan", "Xiashan"],
            "tpi": [1.0, 1.0, None],
            "level": pd.array([1, 1, None], dtype="Int64"),
        }
    )


def test_map_draws_segments_by_level() -> None:
    fig = charts.map_figure(
        _segments(), _districts(), None, adcode="440802", selected="A", lang="zh", geojson="g"
    )
    districts, *lines = fig["data"]
    assert districts["type"] == "choroplethmap" and districts["locations"] == ["440802", "440803"]
    assert districts["marker"]["line"]["width"] == [3, 1]  # the chosen district outlined
    by_name = {t["name"]: t for t in lines}
    assert set(by_name) == {"无数据", "1级 畅通", "3级 轻度拥堵", "选中路段"}
    assert by_name["3级 轻度拥堵"]["line"]["color"] == TPI_COLORS[3]
    one = by_name["1级 畅通"]  # segment B: its three vertices, then the break between lines
    assert one["lon"][:3] == pytest.approx([110.31, 110.32, 110.32]) and one["lon"][3] is None
    assert one["customdata"] == [["segment", "B", "440802"]] * 3 + [None]
    assert by_name["选中路段"]["line"]["width"] > by_name["3级 轻度拥堵"]["line"]["width"]
    assert fig["layout"]["map"]["style"] == "white-bg"


def test_district_and_worst_figures_outline_the_choice() -> None:
    bars = charts.district_figure(_districts(), "440802", "en")["data"][0]
    assert bars["y"] == ["Chikan"] and bars["customdata"] == ["440802"]  # no TPI: left out
    assert bars["marker"]["line"]["width"] == [3]
    worst = pd.DataFrame(
        {"road_name": ["海滨大道", "人民大道"], "tpi": [6.5, 2.1], "level": [4, 2]}
    )
    w = charts.worst_figure(worst, "人民大道", "zh")["data"][0]
    assert w["y"] == ["人民大道", "海滨大道"]  # the worst on top
    assert w["marker"]["color"] == [TPI_COLORS[2], TPI_COLORS[4]]
    assert w["marker"]["line"]["width"] == [3, 0]


def test_profile_figure_draws_the_band_of_the_previous_weeks() -> None:
    band = pd.DataFrame(
        {
            "minute_of_day": [480, 495],
            "tpi": [6.0, None],
            "mean": [3.0, 4.0],
            "low": [2.0, 3.0],
            "high": [4.0, 5.0],
            "days": [3, 2],
        }
    )
    high, low, mean, today = charts.profile_figure(band, 4, "en")["data"]
    assert high["x"] == ["08:00", "08:15"] and high["y"] == [4.0, 5.0]
    assert low["fill"] == "tonexty" and low["y"] == [2.0, 3.0]
    assert mean["name"] == "Mean of the last 4 same weekdays" and mean["y"] == [3.0, 4.0]
    assert today["y"] == [6.0, None]


def test_kpis_and_rows() -> None:
    series = pd.DataFrame(
        {
            "ts": pd.to_datetime(["2026-03-02T00:00:00Z", "2026-03-02T01:00:00Z"], utc=True),
            "tpi": [2.0, 6.0],
        }
    )
    incidents = pd.DataFrame({"status": ["open", "cleared", "open"]})
    net = {"tpi": 4.2, "level": 3, "speed_kmh": 31.25, "segments": 2}
    text = " ".join(
        str(c.children[1].children) + str(c.children[2].children)
        for c in view.kpis(net, series, incidents, 3, "人民大道", "zh")
    )
    assert "4.20" in text and "3级 轻度拥堵 · 道路：人民大道" in text
    assert "31.2 公里/小时" in text and "共 3 段" in text
    assert "4.00" in text and "峰值 6.00（03-02 09:00）" in text  # 01:00 UTC is 09:00 local
    assert "范围内共 3 起" in text and "2" in text
    app = Flask(__name__)
    with app.test_request_context("/traffic"):
        rows = view.segment_records(_segments(), "en")
    assert [r["level_text"] for r in rows] == ["level 3 Light", "level 1 Free flow", "No reading"]
    assert rows[0]["class_text"] == "Arterial" and rows[0]["district"] == "Chikan"
    assert rows[0]["time"] == "03-02 10:00" and rows[2]["time"] == ""
    assert "path" not in rows[0]


def test_the_page_state_checks_its_own_keys() -> None:
    app = Flask(__name__)
    with app.test_request_context("/traffic"):
        raw, problems = view.page.read(
            "traffic",
            {"level": "9", "road": "人民大道", "incident": "TI1"},
            default_preset=view.DEFAULT_PRESET,
            extras=view.EXTRAS,
        )
    assert raw["extra"] == {"road": "人民大道", "incident": "TI1"}  # level 9 refused
    assert [key for key, _ in problems] == ["page.problem.value"]
    assert raw["range"] == "24h"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_level_names(lang: str) -> None:
    assert charts.level_name(None, lang) != charts.level_name(1, lang)
    assert charts.level_name(5, lang).startswith("5" if lang == "zh" else "level 5")


def test_impact_panel_asks_for_an_incident_first() -> None:
    out = view.impact_panel(None, None, "zh", datetime(2026, 3, 2, tzinfo=UTC))
    assert out[0].children == "在事件表中选择一起事件"


def test_a_dead_feed_shows_its_notice_not_an_error() -> None:
    from data_adapters.result import Result
    from services.traffic_page import Overview, SegmentDetail, segment_rows

    now = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    down: Result[object] = Result.failed("connection refused")
    stale = Result(_segments(), datetime(2026, 3, 2, 3, 10, tzinfo=UTC), "timeout")
    detail = SegmentDetail(down, down)
    app = Flask(__name__)
    with app.test_request_context("/traffic"):
        panel = view.detail_panel(_segments().iloc[0].to_dict(), "A", detail, "zh", now)
    text = str(panel)
    assert "数据源异常，暂无数据" in text and detail.usual.empty
    view_down = Overview(down, down, down, down, down, (down,) * 4)
    assert segment_rows(view_down).empty and view_down.band.empty
    assert view_down.network()["tpi"] is None
    kept = Overview(down, stale, down, down, down, ())
    assert list(segment_rows(kept, road="G207")["segment_id"]) == ["C"]  # the last good rows
    notice = view.page.failed(stale, "zh", now)
    assert notice is not None and "11:10" in str(notice.children)  # last good data, local time


def test_empty_charts_say_no_data() -> None:
    none = _districts().assign(tpi=None)
    fig = charts.district_figure(none, None, "zh")
    assert fig["data"][0]["y"] == [] and fig["layout"]["annotations"][0]["text"] == "无数据"
    empty_worst = pd.DataFrame(columns=["road_name", "tpi", "level"])
    assert charts.worst_figure(empty_worst, None, "en")["layout"]["annotations"][0]["text"] == (
        "No data"
    )
    assert "annotations" not in charts.district_figure(_districts(), None, "zh")["layout"]
