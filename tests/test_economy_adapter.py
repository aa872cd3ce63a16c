"""Economy adapter on both data nodes, against the hand-computed answers of adapter_fixtures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from adapter_fixtures import NOW, check_surface

from data_adapters import economy
from data_adapters.query import sql


def test_indicators(con: Any) -> None:
    frame = economy.indicators(con)
    assert list(frame["code"]) == ["gdp", "retail"]
    assert frame.set_index("code").loc["gdp", "frequency"] == "quarterly"


def test_latest_city_sums_districts_with_yoy(con: Any) -> None:
    frame = economy.latest(con, now=NOW).set_index("indicator")
    retail = frame.loc["retail"]
    assert retail["adcode"] == "440800"
    assert str(retail["period"].date()) == "2024-06-01"  # July is published after NOW
    assert retail["value"] == pytest.approx(30.0)  # 12 + 18 (the revised figure)
    assert retail["value_ytd"] == pytest.approx(176.0)
    assert retail["yoy_pct"] == pytest.approx(0.0)  # 30 vs 10 + 20
    assert retail["ytd_yoy_pct"] == pytest.approx(10.0)  # 176 vs 160
    gdp = frame.loc["gdp"]
    assert str(gdp["period"].date()) == "2024-03-01"
    assert gdp["yoy_pct"] == pytest.approx(25.0)


def test_latest_district_uses_the_revised_figure(con: Any) -> None:
    frame = economy.latest(con, now=NOW, adcode="440803")
    assert list(frame["indicator"]) == ["retail"]
    row = frame.iloc[0]
    assert (row["value"], row["value_ytd"]) == (18.0, 110.0)
    assert row["yoy_pct"] == pytest.approx(-10.0)
    assert row["ytd_yoy_pct"] == pytest.approx(10.0)


def test_latest_before_the_revision_sees_the_first_figure(con: Any) -> None:
    frame = economy.latest(con, now=NOW - timedelta(days=10, hours=12), adcode="440803")
    assert frame.iloc[0]["value"] == 17.0


def test_latest_after_the_july_publication(con: Any) -> None:
    frame = economy.latest(con, now=NOW + timedelta(hours=2), adcode="440802")
    retail = frame.set_index("indicator").loc["retail"]
    assert str(retail["period"].date()) == "2024-07-01"
    assert retail["yoy_pct"] != retail["yoy_pct"]  # no July 2023: NaN


def test_series_window_and_yoy(con: Any) -> None:
    frame = economy.series(
        con,
        indicator="retail",
        start=datetime(2024, 5, 1, tzinfo=UTC),
        end=datetime(2024, 7, 1, tzinfo=UTC),
    )
    assert [str(p.date()) for p in frame["period"]] == ["2024-05-01", "2024-06-01"]
    assert list(frame["value_ytd"]) == [146.0, 176.0]
    assert frame["ytd_yoy_pct"].iloc[1] == pytest.approx(10.0)


def test_ranking(con: Any) -> None:
    frame = economy.ranking(con, indicator="retail", period="2024-06-01")
    assert list(frame["adcode"]) == ["440803", "440802"]
    assert list(frame["rank"]) == [1, 2]
    assert list(frame["name_zh"]) == ["霞山区", "赤坎区"]
    assert frame["share_pct"].tolist() == pytest.approx([62.5, 37.5])
    by_yoy = economy.ranking(con, indicator="retail", period="2024-06-01", by="yoy_pct")
    assert list(by_yoy["adcode"]) == ["440802", "440803"]  # +20 % before -10 %


def test_ranking_refuses_an_unknown_column(con: Any) -> None:
    with pytest.raises(ValueError, match="cannot rank by"):
        economy.ranking(con, indicator="retail", period="2024-06-01", by="name_zh")


def test_naive_time_is_refused(con: Any) -> None:
    with pytest.raises(ValueError, match="naive"):
        economy.latest(con, now=datetime(2024, 7, 15, 12))


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
def test_expressions_compile(con: Any, dialect: str) -> None:
    text = sql(economy.latest.expr(con, now=NOW), dialect)
    assert "economy_observations" in text


def test_surface(lake_node: Any) -> None:
    check_surface(economy, lake_node.backend())
