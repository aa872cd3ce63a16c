"""Row validation against the data contract: every ingest path goes through `check_rows`.

Input may be anything a feed sends: wrong types, NaN, out-of-range coordinates, timestamps from the
future, duplicates, huge strings. Nothing raises and nothing is dropped silently: each input row
comes out either in `valid` (typed exactly as the contract says) or in `rejected` with its
reason and its raw payload.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from data_adapters.schema import PANDAS_DTYPES, Column, Kind, Table, pandera_schema

__all__ = ["MAX_FUTURE", "RAW_LIMIT", "Checked", "check_rows", "empty_frame", "raw_text"]

MAX_FUTURE = timedelta(minutes=5)  # clock skew tolerated before a timestamp counts as "future"
RAW_LIMIT = 65_536  # raw payload kept in quarantine, in characters


@dataclass(frozen=True)
class Checked:
    """The outcome of checking a batch: typed valid rows and rejected rows with reasons."""

    valid: pd.DataFrame
    rejected: pd.DataFrame  # columns: reason, raw

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.valid), len(self.rejected)


def empty_frame(t: Table) -> pd.DataFrame:
    """A frame with the table's columns and dtypes and no rows."""
    return pd.DataFrame({c.name: pd.Series([], dtype=PANDAS_DTYPES[c.kind]) for c in t.columns})


def _json_default(v: Any) -> str:
    return str(v)


def raw_text(row: Any) -> str:
    """A row (mapping, frame row or text) as the text kept in quarantine."""
    if isinstance(row, str):
        text = row
    else:
        items = row.items() if hasattr(row, "items") else enumerate(row)
        clean = {str(k): (None if _is_missing(v) else v) for k, v in items}
        text = json.dumps(clean, ensure_ascii=False, default=_json_default)
    return text if len(text) <= RAW_LIMIT else text[:RAW_LIMIT]


def _is_missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and math.isnan(v)


def _coerce(col: Column, s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Column `s` converted to the contract's dtype, and a mask of values that could not be."""
    kind = col.kind
    out: Any
    ok: Any
    if str(s.dtype) == PANDAS_DTYPES[kind]:
        return s, pd.Series(False, index=s.index)
    missing = s.isna()
    if kind is Kind.STRING:
        ok = missing | s.map(lambda v: isinstance(v, str)).astype(bool)
        out = s.where(ok & ~missing).astype("string")
    elif kind in (Kind.INT, Kind.FLOAT):
        is_bool = s.map(lambda v: isinstance(v, (bool, np.bool_))).astype(bool)
        num = pd.to_numeric(s.where(~is_bool), errors="coerce")
        num = num.astype("Float64")
        if kind is Kind.INT:
            integral = (num.isna()) | (num.round() == num)
            num = num.where(integral.fillna(False).astype(bool))
            ok = missing | num.notna()
            out = num.round().astype("Int64") if ok.all() else num.where(ok).round().astype("Int64")
        else:
            ok = missing | num.notna()
            out = num
        ok = ok.fillna(False).astype(bool)
    elif kind is Kind.BOOL:
        ok = missing | s.map(lambda v: isinstance(v, (bool, np.bool_))).astype(bool)
        out = s.where(ok & ~missing).astype("boolean")
    else:
        out = _to_time(s, kind)
        ok = missing | out.notna()
    return out, ~ok


def _to_time(s: pd.Series, kind: Kind) -> pd.Series:
    out: Any
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.dt.tz_localize("UTC")
    else:
        parsed = [_parse_time(v) for v in s]
        out = pd.Series(pd.to_datetime(parsed, utc=True), index=s.index)
    out = out.astype("datetime64[us, UTC]")
    if kind is Kind.DATE:
        out = out.dt.tz_localize(None).dt.normalize().astype("datetime64[us]")
    result: pd.Series = out
    return result


def _parse_time(v: Any) -> Any:
    if _is_missing(v) or isinstance(v, bool):
        return pd.NaT
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return pd.NaT  # epoch numbers are ambiguous (s? ms?): feeds must send ISO 8601
    try:
        ts = pd.Timestamp(v)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    if pd.isna(ts):
        return pd.NaT
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    try:
        return ts.tz_convert("UTC").as_unit("us")
    except (OverflowError, ValueError):
        return pd.NaT


def check_rows(t: Table, frame: pd.DataFrame, *, now: datetime) -> Checked:
    """Split `frame` into rows that satisfy the contract of `t` and rejected rows with reasons."""
    frame = frame.reset_index(drop=True)
    reasons: dict[int, list[str]] = {}

    def reject(mask: pd.Series | np.ndarray, why: str) -> None:
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            reasons.setdefault(int(i), []).append(why)

    extra = [c for c in frame.columns if c not in t.column_names]
    if extra:
        names = ", ".join(map(str, extra[:5]))
        reject(np.ones(len(frame), dtype=bool), f"unknown column(s): {names}")
    typed: dict[str, pd.Series] = {}
    for col in t.columns:
        if col.name not in frame.columns:
            if not col.nullable:
                reject(np.ones(len(frame), dtype=bool), f"missing column {col.name}")
            typed[col.name] = pd.Series(pd.NA, index=frame.index, dtype=PANDAS_DTYPES[col.kind])
            continue
        out, bad = _coerce(col, frame[col.name])
        reject(bad, f"{col.name}: not a valid {col.kind.value}")
        typed[col.name] = out
    cand = pd.DataFrame(typed, index=frame.index)

    _check_schema(t, cand, reject)
    limit = pd.Timestamp(now).tz_convert("UTC") + MAX_FUTURE
    for col in t.columns:
        if col.kind is Kind.TIMESTAMP and not col.future_ok:
            reject((cand[col.name] > limit).fillna(False), f"{col.name}: in the future")
    if len(t.key) and len(cand):
        dup = cand.duplicated(subset=list(t.key), keep="first")
        reject(dup, "duplicate key " + ",".join(t.key))

    bad_idx = sorted(reasons)
    valid = cand.drop(index=bad_idx).reset_index(drop=True)
    raws = frame.iloc[bad_idx].astype(object).to_dict("records") if bad_idx else []
    rejected = pd.DataFrame(
        {
            "reason": ["; ".join(dict.fromkeys(reasons[i]))[:2000] for i in bad_idx],
            "raw": [raw_text(r) for r in raws],
        },
        dtype="string",
    )
    return Checked(valid, rejected)


def _check_schema(t: Table, cand: pd.DataFrame, reject: Any) -> None:
    try:
        pandera_schema(t).validate(cand, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        for _, case in cases.iterrows():
            idx = case.get("index")
            col = case.get("column")
            check = case.get("check")
            why = f"{col}: fails {check}" if col is not None else str(check)
            if idx is None or _is_missing(idx):
                reject(np.ones(len(cand), dtype=bool), why)
            else:
                mask = np.zeros(len(cand), dtype=bool)
                mask[int(idx)] = True
                reject(mask, why)
