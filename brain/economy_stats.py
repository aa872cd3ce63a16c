"""The economy's measures as the statistics bureau reports them, from the figures as published.

Pure. A series holds one figure per period: `period` (the first day of the period's last month),
`value` (the period's own figure) and `value_ytd` (the year to date, 累计, as published; NaN when
the source gives none). The bureau reports January and February together (1-2月): a January
figure, where a source has one, is folded into February. Measures (all in percent):

- `yoy_pct`      同比: the period against the same period a year earlier;
- `value_ytd`    累计: as published, or the sum of the year's periods when every one is there;
- `ytd_yoy_pct`  累计同比: the year to date against the same span a year earlier.

`unusual` flags periods whose change of YoY growth from the period before is far out of line
with the series' own changes (robust z-score, median and MAD: one wild month does not hide
itself by inflating the spread); `forecast` extends a series with an exponential-smoothing
(ETS) model and its prediction interval (statsmodels).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

__all__ = [
    "MAD_SCALE",
    "Z_LIMIT",
    "city_totals",
    "fold_jan_feb",
    "forecast",
    "measures",
    "months_covered",
    "next_periods",
    "robust_z",
    "season_length",
    "unusual",
]

Z_LIMIT: Final = 3.5  # |robust z| above this is unusual (Iglewicz and Hoaglin's cut-off)
MAD_SCALE: Final = 0.6745  # the MAD of a normal sample is 0.6745 σ
_MEAN_AD_SCALE: Final = 0.7979  # the mean absolute deviation of a normal sample is 0.7979 σ
_COLUMNS: Final = ("period", "value", "value_ytd")


def months_covered(month: int, frequency: str) -> tuple[int, int]:
    """The first and last month of the period ending in `month`: February is January-February,
    a quarter three months; a year-to-date figure always starts in January."""
    if frequency == "quarterly":
        return month - 2, month
    return (1, 2) if month == 2 else (month, month)


def season_length(frequency: str) -> int:
    """Periods per year: 4 quarters, or 11 months (January and February are one period)."""
    return 4 if frequency == "quarterly" else 11


def next_periods(last: date, frequency: str, n: int) -> list[date]:
    """The `n` periods after `last`, on the bureau's calendar (no January of its own)."""
    out: list[date] = []
    year, month = last.year, last.month
    step = 3 if frequency == "quarterly" else 1
    while len(out) < n:
        month += step
        if month > 12:
            year, month = year + 1, month - 12
        if frequency != "quarterly" and month == 1:
            month = 2
        out.append(date(year, month, 1))
    return out


def _keyed(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    out = frame.copy()
    out["period"] = pd.to_datetime(out["period"]).dt.tz_localize(None).dt.normalize()
    for col in ("value", "value_ytd"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out.sort_values([*keys, "period"]).reset_index(drop=True)


def fold_jan_feb(frame: pd.DataFrame, keys: Sequence[str] = ()) -> pd.DataFrame:
    """January folded into February of the same year and key (value: their sum; year to date:
    February's as published, else the sum). A January with no February yet stays as it is."""
    out = _keyed(frame, keys)
    jan = out["period"].dt.month == 1
    if not jan.any():
        return out
    group = [*keys, "_year"]
    out["_year"] = out["period"].dt.year
    feb = out[out["period"].dt.month == 2]
    jans = out[jan].rename(columns={"value": "_jan", "value_ytd": "_jan_ytd"})
    has_feb = jans.merge(feb[group], on=group, how="left", indicator=True)["_merge"] == "both"
    folded = feb.merge(jans[[*group, "_jan"]], on=group, how="left")
    add = folded["_jan"].notna()
    folded.loc[add, "value_ytd"] = folded.loc[add, "value_ytd"].fillna(
        folded.loc[add, "value"] + folded.loc[add, "_jan"]
    )
    folded.loc[add, "value"] = folded.loc[add, "value"] + folded.loc[add, "_jan"]
    rest = out[~jan & (out["period"].dt.month != 2)]
    lone_jan = out[jan].reset_index(drop=True)[~has_feb.to_numpy()]
    result = pd.concat([rest, folded.drop(columns="_jan"), lone_jan], ignore_index=True)
    return _keyed(result.drop(columns="_year"), keys)


def _expected(month: int, frequency: str) -> int:
    """How many periods a year has up to and including the one ending in `month`."""
    if frequency == "quarterly":
        return month // 3
    return max(month - 1, 1)


def measures(frame: pd.DataFrame, frequency: str, keys: Sequence[str] = ()) -> pd.DataFrame:
    """Every period of every series (one per value of `keys`) with `value_ytd` completed and
    `yoy_pct`, `ytd_yoy_pct` (NaN where the year before has no figure or a zero one)."""
    out = fold_jan_feb(frame, keys)
    out["_year"], out["_month"] = out["period"].dt.year, out["period"].dt.month
    group = [*keys, "_year"]
    running = out.groupby(group, sort=False)["value"].cumsum()
    seen = out.groupby(group, sort=False).cumcount() + 1
    expected = [_expected(int(m), frequency) for m in out["_month"]]
    complete = (seen.to_numpy() == np.asarray(expected)) & out["value"].notna().to_numpy()
    summed = running.where(complete)
    out["value_ytd"] = out["value_ytd"].fillna(summed)
    before = out[[*keys, "_year", "_month", "value", "value_ytd"]].copy()
    before["_year"] += 1
    before = before.rename(columns={"value": "value_last_year", "value_ytd": "value_ytd_last_year"})
    out = out.merge(before, on=[*keys, "_year", "_month"], how="left")
    out["yoy_pct"] = _pct(out["value"], out["value_last_year"])
    out["ytd_yoy_pct"] = _pct(out["value_ytd"], out["value_ytd_last_year"])
    return (
        out.drop(columns=["_year", "_month"]).sort_values([*keys, "period"]).reset_index(drop=True)
    )


def _pct(cur: pd.Series, prev: pd.Series) -> pd.Series:
    prev = prev.where(prev != 0.0)
    result: pd.Series = (cur / prev - 1.0) * 100.0
    return result


def city_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """The city's figures: per period, the sum over the districts that reported it (the year to
    date only where every reporting district gave one)."""
    out = _keyed(frame, ())
    grouped = out.groupby("period", sort=True)
    totals = grouped[["value"]].sum(min_count=1)
    totals["value_ytd"] = (
        grouped["value_ytd"]
        .sum(min_count=1)
        .where(grouped["value_ytd"].count() == grouped["value"].count())
    )
    return totals.reset_index()


def robust_z(values: pd.Series) -> pd.Series:
    """(x − median) / (MAD / 0.6745) of each value; when more than half the values are equal
    (MAD 0) the mean absolute deviation stands in; all equal: 0."""
    x = values.astype("float64")
    med = x.median()
    mad = (x - med).abs().median()
    if mad > 0:
        return MAD_SCALE * (x - med) / mad
    mean_ad = (x - med).abs().mean()
    if mean_ad > 0:
        return _MEAN_AD_SCALE * (x - med) / mean_ad
    return (x - med) * 0.0


def unusual(series: pd.DataFrame, limit: float = Z_LIMIT) -> pd.DataFrame:
    """Each period of one series (`period`, `yoy_pct`, in order) with `change_pp` (YoY growth
    minus the period before's, percentage points), its `robust_z`, `flagged` (|z| > `limit`)
    and `reason`: "rise" or "fall" for flagged periods, "" otherwise."""
    out = series.sort_values("period").reset_index(drop=True).copy()
    out["change_pp"] = out["yoy_pct"].astype("float64").diff()
    known = out["change_pp"].notna()
    z = pd.Series(np.nan, index=out.index)
    if known.sum() >= 3:
        z[known] = robust_z(out.loc[known, "change_pp"])
    out["robust_z"] = z
    out["flagged"] = z.abs() > limit
    out["reason"] = np.where(out["flagged"], np.where(out["change_pp"] > 0, "rise", "fall"), "")
    return out


@dataclass(frozen=True)
class _Fit:
    seasonal: bool
    damped: bool


def forecast(
    series: pd.DataFrame, frequency: str, horizon: int = 6, level: float = 0.9
) -> pd.DataFrame:
    """The next `horizon` periods of one series (`period`, `value`) from an additive ETS model
    (damped trend; seasonal when there are two years or more), with the `level` prediction
    interval: columns period, mean, lower, upper. Fewer than 8 figures: no forecast (empty)."""
    clean = series.dropna(subset=["value"]).sort_values("period")
    cols = ["period", "mean", "lower", "upper"]
    if len(clean) < 8:
        return pd.DataFrame(columns=cols)
    m = season_length(frequency)
    fit = _Fit(seasonal=len(clean) >= 2 * m + 2, damped=True)
    y = clean["value"].to_numpy(dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of the optimiser
        model = ETSModel(
            pd.Series(y),
            error="add",
            trend="add",
            damped_trend=fit.damped,
            seasonal="add" if fit.seasonal else None,
            seasonal_periods=m if fit.seasonal else None,
            initialization_method="heuristic",  # initial states from the data: 10× faster
        )
        result = model.fit(disp=False)
        frame = result.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(
            alpha=1.0 - level
        )
    last = pd.Timestamp(clean["period"].iloc[-1]).date()
    periods = [pd.Timestamp(p) for p in next_periods(last, frequency, horizon)]
    return pd.DataFrame(
        {
            "period": periods,
            "mean": frame["mean"].to_numpy(),
            "lower": frame["pi_lower"].to_numpy(),
            "upper": frame["pi_upper"].to_numpy(),
        }
    )
