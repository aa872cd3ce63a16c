"""The figures of the Economy page (经济运行, /economy) for one page state.

`view(data, state)` asks the data service for the indicator catalogue and the chosen indicator's
published figures (every district, the whole history: one cached answer), and lets
brain.economy_stats make the bureau's measures, the district ranking, unusual months and the
forecast. Everything the page shows, and every export, comes from one `EconomyView`, so an
export holds exactly the rows on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import pandas as pd
from threadpoolctl import threadpool_limits

from brain import economy_stats as stats
from brain.page_state import PageState
from brain.timezone import TZ
from data_adapters import economy
from data_adapters.query import CITY_ADCODE, CITY_NAME_EN, CITY_NAME_ZH
from data_adapters.result import Result
from services.fetch import DERIVED, DataLike, fetch, frame_of

__all__ = [
    "BY",
    "DEFAULT_INDICATOR",
    "HISTORY",
    "TABLE_COLUMNS",
    "EconomyView",
    "detail",
    "features",
    "indicator_catalogue",
    "view",
]

DEFAULT_INDICATOR: Final = "iva"
BY: Final = economy.RANK_BY  # value, value_ytd, yoy_pct, ytd_yoy_pct
HISTORY: Final = timedelta(days=366 * 10)  # figures asked for: the series and its forecast
TABLE_COLUMNS: Final = (
    "adcode",
    "name_zh",
    "name_en",
    "entity",
    "period",
    "value",
    "value_ytd",
    "yoy_pct",
    "ytd_yoy_pct",
    "flag",
    "robust_z",
)
_CATALOGUE: Final = ("code", "name_zh", "name_en", "unit", "frequency", "cumulative")


@dataclass(frozen=True)
class EconomyView:
    """What the page shows for one state (frames in display order; empty when no data)."""

    indicator: dict[str, Any]
    scope: str  # adcode of the district shown, or CITY_ADCODE
    period: pd.Timestamp | None  # the ranking's period: the newest in the range
    table: pd.DataFrame  # explorer rows: district × period in the range (the district's only)
    ranking: pd.DataFrame  # districts at `period`, ranked by `by`
    series: pd.DataFrame  # the scope's periods in the range, with flags
    flags: pd.DataFrame  # unusual periods of the scope in the range
    forecast: pd.DataFrame  # period, mean, lower, upper after the last figure
    by: str
    as_of: datetime | None = None
    error: str | None = None
    catalogue: list[dict[str, Any]] = field(default_factory=list)


def indicator_catalogue(data: DataLike) -> Result[Any]:
    return data.call(economy.indicators)


def _indicator(catalogue: pd.DataFrame | None, code: str) -> dict[str, Any]:
    if catalogue is None or catalogue.empty:
        return {"code": code, "name_zh": code, "name_en": code, "unit": "", "frequency": "monthly"}
    rows = catalogue[catalogue["code"] == code]
    if rows.empty:
        rows = catalogue.head(1)
    row = rows.iloc[0]
    return {k: (bool(row[k]) if k == "cumulative" else str(row[k])) for k in _CATALOGUE}


def _in_range(frame: pd.DataFrame, state: PageState) -> pd.DataFrame:
    """Periods whose last month overlaps `[start, end)` (local calendar months)."""
    first = pd.Timestamp(state.start.astimezone(TZ).date().replace(day=1))
    last = pd.Timestamp(state.end.astimezone(TZ).date())
    inside: pd.DataFrame = frame[(frame["period"] >= first) & (frame["period"] < last)]
    return inside


def _measured(raw: pd.DataFrame, frequency: str) -> pd.DataFrame:
    """Measures of every district and of the city, with the unusual-change flags."""
    districts = stats.measures(raw, frequency, keys=("adcode",))
    city = stats.measures(stats.city_totals(raw[["period", "value", "value_ytd"]]), frequency)
    city["adcode"], city["name_zh"], city["name_en"] = CITY_ADCODE, CITY_NAME_ZH, CITY_NAME_EN
    both = pd.concat([city, districts], ignore_index=True)
    flagged = []
    for _, one in both.groupby("adcode", sort=False):
        marks = stats.unusual(one[["period", "yoy_pct"]])
        flagged.append(one.reset_index(drop=True).join(marks[["change_pp", "robust_z", "reason"]]))
    out = pd.concat(flagged, ignore_index=True)
    out["flag"] = out["reason"]
    out["entity"] = out["period"].dt.strftime("%Y-%m")
    return out


def _derive(raw: Result[Any], frequency: str) -> pd.DataFrame | None:
    frame = frame_of(raw)
    if frame is None:
        return None
    if frame.empty:
        return frame.assign(entity=[], flag=[], robust_z=[], change_pp=[], reason=[])
    keys = (raw.key,) if raw.key else ()
    if not keys:
        return _measured(frame, frequency)
    found: pd.DataFrame = DERIVED(
        f"economy.measures.{frequency}", keys, lambda: _measured(frame, frequency)
    )
    return found


def _forecast(series: pd.DataFrame, frequency: str, key: str | None) -> pd.DataFrame:
    def make() -> pd.DataFrame:
        # one BLAS thread: the model is tiny, and on a busy machine BLAS threads fighting
        # over the cores make its fit 10-100× slower
        with threadpool_limits(limits=1):
            return stats.forecast(series[["period", "value"]], frequency)

    if key is None:
        return make()
    found: pd.DataFrame = DERIVED("economy.forecast", (key, frequency), make)
    return found


def view(data: DataLike, state: PageState) -> EconomyView:
    """The page's figures for `state` (the indicator and ranking column from `state.extra`)."""
    code = state.extra.get("indicator", DEFAULT_INDICATOR)
    by = state.extra.get("by", "value_ytd")
    by = by if by in BY else "value_ytd"
    catalogue_r, raw_r = fetch(
        data,
        (economy.indicators, {}),
        (economy.observations, {"indicator": code, "start": state.end - HISTORY, "end": state.end}),
    )
    catalogue = frame_of(catalogue_r)
    ind = _indicator(catalogue, code)
    frequency = ind["frequency"]
    all_rows = _derive(raw_r, frequency)
    error = raw_r.error or catalogue_r.error
    scope = state.district or CITY_ADCODE
    cat = [] if catalogue is None else catalogue[list(_CATALOGUE)].to_dict("records")
    if all_rows is None or all_rows.empty:
        empty = pd.DataFrame(columns=list(TABLE_COLUMNS))
        return EconomyView(
            ind, scope, None, empty, empty, empty, empty, empty, by, raw_r.as_of, error, cat
        )
    shown = _in_range(all_rows, state)
    mine = all_rows[all_rows["adcode"] == scope]
    series = _in_range(mine, state).reset_index(drop=True)
    period = series["period"].max() if not series.empty else None
    districts = shown[shown["adcode"] != CITY_ADCODE]
    if state.district:
        districts = districts[districts["adcode"] == state.district]
    table = districts.sort_values(["period", "adcode"], ascending=[False, True])
    table = table[list(TABLE_COLUMNS)].reset_index(drop=True)
    ranking = _ranking(shown, period, by)
    key = f"{raw_r.key}:{scope}" if raw_r.key else None
    future = _forecast(mine, frequency, key) if not mine.empty else pd.DataFrame()
    flags = series[series["flag"] != ""].sort_values("period", ascending=False)
    return EconomyView(
        ind,
        scope,
        period,
        table,
        ranking,
        series,
        flags.reset_index(drop=True),
        future,
        by,
        raw_r.as_of,
        error,
        cat,
    )


def _ranking(shown: pd.DataFrame, period: pd.Timestamp | None, by: str) -> pd.DataFrame:
    cols = ["rank", "adcode", "name_zh", "name_en", "value", "value_ytd", "yoy_pct"]
    cols += ["ytd_yoy_pct", "share_pct"]
    if period is None:
        return pd.DataFrame(columns=cols)
    at = shown[(shown["period"] == period) & (shown["adcode"] != CITY_ADCODE)].copy()
    share_of = at["value"] if by == "value" else at["value_ytd"]
    total = share_of.sum(min_count=1)
    at["share_pct"] = share_of / total * 100.0 if total else float("nan")
    at = at.sort_values([by, "adcode"], ascending=[False, True], na_position="last")
    at["rank"] = range(1, len(at) + 1)
    return at[cols].reset_index(drop=True)


def features(view: EconomyView, geojson: Mapping[str, Any]) -> dict[str, Any]:
    """The choropleth's districts as GeoJSON features carrying the ranking's figures."""
    figures = {r["adcode"]: r for r in view.ranking.to_dict("records")}
    out = []
    for f in geojson["features"]:
        adcode = f["properties"]["adcode"]
        if adcode not in figures:
            continue
        row = figures[adcode]
        props = {
            "adcode": adcode,
            "name_zh": f["properties"].get("name_zh"),
            "name_en": f["properties"].get("name_en"),
            "indicator": view.indicator["code"],
            "period": view.period.strftime("%Y-%m") if view.period is not None else None,
        }
        props.update({k: _num(row.get(k)) for k in ("rank", *BY, "share_pct")})
        out.append({"type": "Feature", "properties": props, "geometry": f["geometry"]})
    return {"type": "FeatureCollection", "features": out}


def _num(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return float(value) if not isinstance(value, int) else value


def detail(data: DataLike, state: PageState) -> pd.DataFrame:
    """The entity (a district's month, "YYYY-MM") across every indicator: one row each with
    the period's measures and flag; empty without an entity or when no figure has that month."""
    if not state.entity or not state.district:
        return pd.DataFrame()
    catalogue = frame_of(data.call(economy.indicators))
    if catalogue is None:
        return pd.DataFrame()
    calls = [
        (economy.observations, {"indicator": c, "start": state.end - HISTORY, "end": state.end})
        for c in catalogue["code"]
    ]
    rows = []
    for (code, freq, zh, en, unit), r in zip(
        catalogue[["code", "frequency", "name_zh", "name_en", "unit"]].itertuples(index=False),
        fetch(data, *calls),
        strict=True,
    ):
        measured = _derive(r, str(freq))
        if measured is None or measured.empty:
            continue
        hit = measured[
            (measured["adcode"] == state.district) & (measured["entity"] == state.entity)
        ]
        for rec in hit.to_dict("records"):
            rec.update(indicator=code, indicator_zh=zh, indicator_en=en, unit=unit, frequency=freq)
            rows.append(rec)
    return pd.DataFrame(rows)
