"""brain.economy_stats against hand-worked figures: January-February combined, year to date,
YoY and cumulative YoY, city totals, robust z-scores and the unusual months, the bureau's
calendar and the ETS forecast."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from brain import economy_stats as es


def _frame(rows: list[tuple[str, float, float | None]], **cols: list[object]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "value", "value_ytd"])
    for k, v in cols.items():
        frame[k] = v
    return frame


def test_january_is_folded_into_february() -> None:
    # a source that publishes January on its own: 10 + 15 = 25 for 1-2月
    frame = _frame(
        [("2024-01-01", 10.0, None), ("2024-02-01", 15.0, None), ("2024-03-01", 20.0, None)]
    )
    out = es.fold_jan_feb(frame)
    assert [p.month for p in out["period"]] == [2, 3]
    assert list(out["value"]) == [25.0, 20.0]
    assert out["value_ytd"].iloc[0] == 25.0  # Feb's year to date: the sum


def test_february_keeps_its_published_year_to_date() -> None:
    frame = _frame([("2024-01-01", 10.0, 10.0), ("2024-02-01", 15.0, 24.9)])
    out = es.fold_jan_feb(frame)
    assert (out["value"].iloc[0], out["value_ytd"].iloc[0]) == (25.0, 24.9)


def test_a_january_without_february_stays_alone_and_keys_stay_apart() -> None:
    frame = _frame(
        [("2024-01-01", 1.0, None), ("2024-01-01", 2.0, None), ("2024-02-01", 3.0, None)],
        adcode=["A", "B", "B"],
    )
    out = es.fold_jan_feb(frame, keys=("adcode",))
    got = {(r.adcode, r.period.month): r.value for r in out.itertuples()}
    assert got == {("A", 1): 1.0, ("B", 2): 5.0}


def test_measures_with_a_combined_january_february() -> None:
    # 2023: Jan 10, Feb 15 (1-2月 25), Mar 20 → YTD 25, 45
    # 2024: Jan 12, Feb 18 (1-2月 30), Mar 22 → YTD 30, 52
    # YoY 1-2月: 30/25 - 1 = +20 %; Mar: 22/20 - 1 = +10 %; YTD Mar: 52/45 - 1 = +15.56 %
    frame = _frame(
        [
            ("2023-01-01", 10.0, None),
            ("2023-02-01", 15.0, None),
            ("2023-03-01", 20.0, None),
            ("2024-01-01", 12.0, None),
            ("2024-02-01", 18.0, None),
            ("2024-03-01", 22.0, None),
        ]
    )
    out = es.measures(frame, "monthly")
    assert [str(p.date()) for p in out["period"]] == [
        "2023-02-01",
        "2023-03-01",
        "2024-02-01",
        "2024-03-01",
    ]
    assert list(out["value_ytd"]) == [25.0, 45.0, 30.0, 52.0]
    assert np.isnan(out["yoy_pct"].iloc[0])  # no 2022
    assert out["yoy_pct"].iloc[2] == pytest.approx(20.0)
    assert out["yoy_pct"].iloc[3] == pytest.approx(10.0)
    assert out["ytd_yoy_pct"].iloc[2] == pytest.approx(20.0)
    assert out["ytd_yoy_pct"].iloc[3] == pytest.approx(700.0 / 45.0)  # 15.555… %


def test_published_year_to_date_wins_and_gaps_leave_it_unknown() -> None:
    # 2024: 1-2月 30 (YTD published 31), April missing, May 10: the YTD of May is unknown
    frame = _frame(
        [
            ("2024-02-01", 30.0, 31.0),
            ("2024-03-01", 20.0, None),
            ("2024-05-01", 10.0, None),
        ]
    )
    out = es.measures(frame, "monthly")
    assert out["value_ytd"].iloc[0] == 31.0
    assert out["value_ytd"].iloc[1] == 50.0  # summed: 30 + 20 (every period there)
    assert np.isnan(out["value_ytd"].iloc[2])


def test_quarterly_year_to_date_and_yoy() -> None:
    frame = _frame(
        [
            ("2023-03-01", 100.0, None),
            ("2023-06-01", 110.0, None),
            ("2024-03-01", 105.0, None),
            ("2024-06-01", 121.0, None),
        ]
    )
    out = es.measures(frame, "quarterly")
    assert list(out["value_ytd"]) == [100.0, 210.0, 105.0, 226.0]
    assert out["yoy_pct"].iloc[3] == pytest.approx(10.0)
    assert out["ytd_yoy_pct"].iloc[3] == pytest.approx(16.0 / 210.0 * 100.0)


def test_a_zero_last_year_gives_no_growth() -> None:
    frame = _frame([("2023-03-01", 0.0, 0.0), ("2024-03-01", 5.0, 5.0)])
    out = es.measures(frame, "monthly")
    assert np.isnan(out["yoy_pct"].iloc[1]) and np.isnan(out["ytd_yoy_pct"].iloc[1])


def test_city_totals_sum_the_districts() -> None:
    frame = _frame(
        [
            ("2024-02-01", 10.0, 10.0),
            ("2024-02-01", 20.0, 21.0),
            ("2024-03-01", 5.0, None),
            ("2024-03-01", 6.0, 40.0),
        ]
    )
    out = es.city_totals(frame)
    assert list(out["value"]) == [30.0, 11.0]
    assert out["value_ytd"].iloc[0] == 31.0
    assert np.isnan(out["value_ytd"].iloc[1])  # one district gave no year to date


def test_robust_z_by_hand() -> None:
    # values 1, 2, 3, 4, 100: median 3, |x - 3| = 2, 1, 0, 1, 97 → MAD 1
    z = es.robust_z(pd.Series([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert z.tolist() == pytest.approx([-1.349, -0.6745, 0.0, 0.6745, 65.4265])


def test_robust_z_when_most_values_are_equal() -> None:
    # median 0, MAD 0: the mean absolute deviation (8 / 5 = 1.6) stands in
    z = es.robust_z(pd.Series([0.0, 0.0, 0.0, 0.0, 8.0]))
    assert z.iloc[4] == pytest.approx(0.7979 * 8.0 / 1.6)
    assert es.robust_z(pd.Series([2.0, 2.0, 2.0])).tolist() == [0.0, 0.0, 0.0]


def test_unusual_flags_a_sudden_swing_with_its_reason() -> None:
    # YoY 5, 6, 5, 7, 6, -10, 6, 5: changes 1, -1, 2, -1, -16, 16, -1
    # median -1; |c + 1| = 2, 0, 3, 0, 15, 17, 0 → MAD 2; z of -16: 0.6745 × -15 / 2 = -5.06
    series = pd.DataFrame(
        {
            "period": pd.date_range("2023-02-01", periods=8, freq="MS"),
            "yoy_pct": [5.0, 6.0, 5.0, 7.0, 6.0, -10.0, 6.0, 5.0],
        }
    )
    out = es.unusual(series)
    assert out["change_pp"].iloc[5] == -16.0
    assert out["robust_z"].iloc[5] == pytest.approx(-5.05875)
    assert out["flagged"].tolist() == [False] * 5 + [True, True, False]
    assert out["reason"].tolist()[5:7] == ["fall", "rise"]
    assert out["robust_z"].iloc[3] == pytest.approx(0.6745 * 3 / 2)  # +2 pp: ordinary


def test_unusual_needs_three_changes() -> None:
    series = pd.DataFrame(
        {"period": pd.date_range("2024-02-01", periods=3, freq="MS"), "yoy_pct": [1.0, 50.0, 1.0]}
    )
    assert not es.unusual(series)["flagged"].any()


def test_the_bureaus_calendar() -> None:
    assert es.months_covered(2, "monthly") == (1, 2)
    assert es.months_covered(7, "monthly") == (7, 7)
    assert es.months_covered(6, "quarterly") == (4, 6)
    assert es.next_periods(date(2024, 11, 1), "monthly", 3) == [
        date(2024, 12, 1),
        date(2025, 2, 1),  # no January of its own
        date(2025, 3, 1),
    ]
    assert es.next_periods(date(2024, 9, 1), "quarterly", 2) == [
        date(2024, 12, 1),
        date(2025, 3, 1),
    ]
    assert es.season_length("monthly") == 11 and es.season_length("quarterly") == 4


def test_forecast_follows_a_seasonal_series_inside_its_interval() -> None:
    # five years of 11 periods: a level growing 1 per period plus a fixed season
    periods, values = [], []
    season = [5.0, -2.0, 0.0, 1.0, -1.0, 2.0, -3.0, 0.0, 1.0, -1.0, -2.0]
    for i, year in enumerate(range(2019, 2024)):
        for j, month in enumerate(range(2, 13)):
            periods.append(pd.Timestamp(year, month, 1))
            values.append(100.0 + (i * 11 + j) + season[j])
    out = es.forecast(pd.DataFrame({"period": periods, "value": values}), "monthly", horizon=3)
    assert [p.date() for p in out["period"]] == [
        date(2024, 2, 1),
        date(2024, 3, 1),
        date(2024, 4, 1),
    ]
    truth = [100.0 + 55 + 0 + 5.0, 100.0 + 56 - 2.0, 100.0 + 57 + 0.0]
    assert out["mean"].tolist() == pytest.approx(truth, abs=1.5)
    assert (out["lower"] <= out["mean"]).all() and (out["mean"] <= out["upper"]).all()


def test_no_forecast_from_a_short_series() -> None:
    short = pd.DataFrame(
        {"period": pd.date_range("2024-02-01", periods=5, freq="MS"), "value": [1.0] * 5}
    )
    assert es.forecast(short, "monthly").empty
