"""The simulated economy: contract, reporting rules, anchors and determinism."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from data_adapters.schema import table
from data_adapters.validate import check_rows, empty_frame
from simulator import economy
from simulator.base import Scale, SimContext
from simulator.geography import districts
from simulator.scenario import Scenario

ANCHOR = datetime(2025, 11, 24, 13, 0, tzinfo=UTC)


def _ctx(seed: int = 11) -> SimContext:
    return SimContext(seed, ANCHOR, Scale.TEST, Scenario.for_anchor(ANCHOR))


def _obs(ctx: SimContext, start: datetime, end: datetime) -> pd.DataFrame:
    frames = [f for name, f in economy.facts(ctx, start, end) if name == "economy_observations"]
    out = pd.concat([empty_frame(table("economy_observations")), *frames], ignore_index=True)
    return out.sort_values(["indicator", "adcode", "period"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    ctx = _ctx()
    return _obs(ctx, ctx.start, ctx.anchor)


def test_reference_and_history_pass_the_contract(history: pd.DataFrame) -> None:
    ref = economy.reference(_ctx())
    assert len(ref["districts"]) == 9 and len(ref["economy_indicators"]) == 7
    for name, frame in [*ref.items(), ("economy_observations", history)]:
        checked = check_rows(table(name), frame, now=ANCHOR)
        assert checked.counts == (len(frame), 0), checked.rejected.head()


def test_series_covers_2019_to_the_latest_publication(history: pd.DataFrame) -> None:
    assert history["period"].min() == pd.Timestamp("2019-02-01")
    assert (history["ts"] < pd.Timestamp(ANCHOR)).all()
    latest = history[history.indicator == "retail"]["period"].max()
    assert latest == pd.Timestamp("2025-10-01")  # October is published mid-November
    assert set(history["adcode"]) == {d.adcode for d in districts()}
    # published about 15 days after the month
    lag = history["ts"].dt.tz_localize(None) - history["period"]
    assert lag.min() > pd.Timedelta(days=28 + 10) and lag.max() < pd.Timedelta(days=31 + 28)


def test_january_and_february_are_reported_together(history: pd.DataFrame) -> None:
    assert not (history["period"].dt.month == 1).any()
    monthly = history[history.indicator != "gdp"]
    feb = monthly[monthly.period.dt.month == 2]
    assert (feb["value"] == feb["value_ytd"]).all()
    mar = monthly[monthly.period.dt.month == 3].set_index(["indicator", "adcode", "period"])
    feb_ytd = feb.assign(period=feb.period + pd.DateOffset(months=1)).set_index(
        ["indicator", "adcode", "period"]
    )["value_ytd"]
    joined = mar.join(feb_ytd.rename("feb_ytd"), how="inner")
    assert len(joined) > 0
    diff = joined["value_ytd"] - joined["feb_ytd"] - joined["value"]
    assert diff.abs().max() < 0.02
    gdp = history[history.indicator == "gdp"]
    assert set(gdp.period.dt.month) == {3, 6, 9, 12}


def test_city_totals_follow_the_anchors(history: pd.DataFrame) -> None:
    city = history.groupby(["indicator", "period"])[["value", "value_ytd"]].sum()
    assert city.loc[("gdp", pd.Timestamp("2020-12-01")), "value_ytd"] == pytest.approx(
        3100.22, abs=0.2
    )
    suixi = history[
        (history.indicator == "gdp")
        & (history.adcode == "440823")
        & (history.period == pd.Timestamp("2020-12-01"))
    ]
    assert float(suixi["value_ytd"].iloc[0]) == pytest.approx(386.77, abs=0.05)
    jan_apr_2025 = city.loc[("retail", pd.Timestamp("2025-04-01")), "value_ytd"]
    jan_apr_2024 = city.loc[("retail", pd.Timestamp("2024-04-01")), "value_ytd"]
    assert jan_apr_2025 == pytest.approx(504.34, abs=0.2)
    assert jan_apr_2025 / jan_apr_2024 == pytest.approx(1.018, abs=0.001)
    # the early-2020 dip and the recovery
    q1 = {y: city.loc[("gdp", pd.Timestamp(f"{y}-03-01")), "value"] for y in (2019, 2020, 2021)}
    assert q1[2020] < q1[2019] < q1[2021]


def test_unusual_swing_stands_out(history: pd.DataFrame) -> None:
    mz = history[(history.indicator == "iva") & (history.adcode == "440811")].set_index("period")
    yoy = mz.loc[pd.Timestamp("2023-08-01"), "value"] / mz.loc[pd.Timestamp("2022-08-01"), "value"]
    assert yoy < 0.75


def test_chunks_give_the_same_rows_and_history_goes_with_the_start() -> None:
    ctx = _ctx()
    start, end = ctx.start - timedelta(days=40), ctx.anchor
    whole = _obs(ctx, start, end)
    cuts = [start, ctx.start - timedelta(days=3), ctx.start, ctx.start + timedelta(hours=5), end]
    parts = pd.concat([_obs(ctx, a, b) for a, b in itertools.pairwise(cuts)])
    pd.testing.assert_frame_equal(
        whole, parts.sort_values(["indicator", "adcode", "period"]).reset_index(drop=True)
    )
    # a window before ctx.start carries nothing; later publications arrive when they are due
    assert _obs(ctx, start, ctx.start).empty
    new = _obs(ctx, ANCHOR, ANCHOR + timedelta(days=30))
    assert set(new["period"]) == {pd.Timestamp("2025-11-01")}


def test_deterministic_per_seed(history: pd.DataFrame) -> None:
    ctx = _ctx()
    pd.testing.assert_frame_equal(history, _obs(ctx, ctx.start, ctx.anchor))
    other = _obs(_ctx(seed=12), ctx.start, ctx.anchor)
    assert not other["value"].equals(history["value"])
