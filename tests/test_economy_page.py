"""The Economy page's data on both data nodes: economy.observations, and services.economy_page
(brain.economy_stats over the published figures) agreeing with the adapter's own YoY, cumulative
YoY and ranking on the hand-computed fixture (adapter_fixtures: retail of 440802 and 440803)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from adapter_fixtures import NOW

from brain.page_state import PageState
from config import Settings
from data_adapters import economy
from data_adapters.node import LakeNode, SqlNode
from services import economy_page
from services.cache import make_cache
from services.data import DataService

A, B = "440802", "440803"
MAY, JULY = datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC)


def _state(**extra: Any) -> PageState:
    district = extra.pop("district", None)
    entity = extra.pop("entity", None)
    return PageState(
        "economy", "custom", MAY, JULY, district, entity, {"indicator": "retail", **extra}
    )


@pytest.fixture
def svc(node: LakeNode | SqlNode, tmp_path: Path) -> DataService:
    return DataService(node, make_cache(Settings(data_dir=tmp_path, cache_url="null")))


def test_observations_are_the_current_figures_in_the_window(con: Any) -> None:
    frame = economy.observations(con, indicator="retail", start=MAY, end=JULY)
    got = [(str(r.period.date()), r.adcode, r.value, r.value_ytd) for r in frame.itertuples()]
    assert got == [
        ("2024-05-01", A, 11.0, 54.0),
        ("2024-05-01", B, 19.0, 92.0),
        ("2024-06-01", A, 12.0, 66.0),
        ("2024-06-01", B, 18.0, 110.0),  # the revised figure
    ]
    assert list(frame["name_zh"].unique()) == ["赤坎区", "霞山区"]


def test_city_view_matches_the_adapters_yoy(svc: DataService, con: Any) -> None:
    view = economy_page.view(svc, _state())
    assert view.error is None
    june = view.series.set_index(view.series["period"].dt.strftime("%Y-%m")).loc["2024-06"]
    # 12 + 18 = 30 against 10 + 20 = 30: 0 %; YTD 66 + 110 = 176 against 160: +10 %
    assert (june["value"], june["value_ytd"]) == (30.0, 176.0)
    assert june["yoy_pct"] == pytest.approx(0.0)
    assert june["ytd_yoy_pct"] == pytest.approx(10.0)
    series = economy.series(con, indicator="retail", start=MAY, end=JULY)
    adapter = series.set_index(series["period"].dt.strftime("%Y-%m"))
    assert june["ytd_yoy_pct"] == pytest.approx(adapter.loc["2024-06", "ytd_yoy_pct"])
    assert view.period == pd.Timestamp("2024-06-01")


def test_ranking_and_table_under_the_district_filter(svc: DataService, con: Any) -> None:
    view = economy_page.view(svc, _state())
    assert list(view.ranking["adcode"]) == [B, A]
    assert view.ranking["share_pct"].tolist() == pytest.approx([62.5, 37.5])
    adapter = economy.ranking(con, indicator="retail", period="2024-06-01")
    assert list(view.ranking["adcode"]) == list(adapter["adcode"])
    assert len(view.table) == 4  # two districts × May, June
    one = economy_page.view(svc, _state(district=B))
    assert set(one.table["adcode"]) == {B}
    assert one.table["period"].dt.strftime("%Y-%m").tolist() == ["2024-06", "2024-05"]
    # B in June: 18 against 20: -10 %; YTD 110 against 100: +10 %
    assert one.table["yoy_pct"].iloc[0] == pytest.approx(-10.0)
    assert one.table["ytd_yoy_pct"].iloc[0] == pytest.approx(10.0)
    assert one.scope == B and one.series["value"].tolist() == [19.0, 18.0]


def test_detail_of_a_district_month_across_indicators(svc: DataService) -> None:
    frame = economy_page.detail(svc, _state(district=A, entity="2024-06"))
    assert list(frame["indicator"]) == ["retail"]  # GDP has no June figure for A
    assert frame["value"].iloc[0] == 12.0
    assert economy_page.detail(svc, _state(district=A)).empty


def test_map_features_carry_the_ranking(svc: DataService) -> None:
    view = economy_page.view(svc, _state(by="yoy_pct"))
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"adcode": a},
                "geometry": {"type": "Point", "coordinates": [110.0, 21.0]},
            }
            for a in (A, B, "440804")
        ],
    }
    out = economy_page.features(view, geo)
    props = {f["properties"]["adcode"]: f["properties"] for f in out["features"]}
    assert set(props) == {A, B}  # 440804 has no figure
    assert props[A]["rank"] == 1 and props[A]["yoy_pct"] == pytest.approx(20.0)  # 12 vs 10
    assert props[B]["period"] == "2024-06"


def test_an_empty_range_is_empty_not_an_error(svc: DataService) -> None:
    early = PageState(
        "economy", "custom", datetime(2010, 1, 1, tzinfo=UTC), datetime(2011, 1, 1, tzinfo=UTC)
    )
    view = economy_page.view(svc, early)
    assert view.table.empty and view.series.empty and view.period is None
    assert early.end < NOW


class _Down:
    """A data service whose source has gone down after answering once (the last good answer)."""

    def __init__(self, good: DataService) -> None:
        self.good = good

    def _failed(self, fn: Any, **params: Any) -> Any:
        from data_adapters.result import Result

        return Result.failed("connection refused", self.good.call(fn, **params))

    call = behind = _failed

    def peek(self, fn: Any, **params: Any) -> Any:
        return None

    def late(self, fn: Any, **params: Any) -> Any:
        return None


def test_a_dead_source_shows_the_last_good_figures_with_the_error(svc: DataService) -> None:
    from layouts import economy as ui

    view = economy_page.view(_Down(svc), _state(district=B))
    assert view.error == "connection refused"
    assert one_month(view) == 18.0  # the last good answer still on screen
    notice = ui.status(view, "en", NOW)
    assert notice is not None and "last good data" in str(notice.children)


def one_month(view: economy_page.EconomyView) -> float:
    return float(view.series["value"].iloc[-1])


def test_period_labels_as_the_bureau_writes_them() -> None:
    from layouts.economy import period_label

    feb = pd.Timestamp("2024-02-01")
    assert period_label(feb, "monthly", "zh") == "2024年1-2月"
    assert period_label(feb, "monthly", "en") == "Jan-Feb 2024"
    assert period_label(pd.Timestamp("2024-06-01"), "monthly", "zh") == "2024年6月"
    assert period_label(pd.Timestamp("2024-06-01"), "quarterly", "zh") == "2024年第2季度"
    assert period_label(pd.Timestamp("2024-06-01"), "quarterly", "en") == "2024 Q2"


def test_a_click_on_the_trend_names_its_month_not_the_forecasts() -> None:
    from layouts.economy import month_of_click

    bar = {"curveNumber": 0, "x": "2024-06-01", "customdata": "2024年6月"}
    assert month_of_click({"points": [bar]}) == "2024-06"
    flag = {"curveNumber": 2, "x": "2024-02-01", "text": "…"}
    assert month_of_click({"points": [flag]}) == "2024-02"
    assert month_of_click({"points": [{"curveNumber": 2, "x": "2025-01-01"}]}) is None
    assert month_of_click(None) is None and month_of_click({"points": []}) is None
