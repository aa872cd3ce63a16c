"""The shared frame of the analyst pages: time ranges, the state in the URL, breadcrumb and
language links, exports (brain.timerange, brain.page_state, layouts.page, callbacks.page,
services.exports)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from brain.page_state import query_pairs, read_query, resolve_state
from brain.timerange import PRESETS, parse_when, resolve
from brain.timezone import TZ
from callbacks.page import _apply, _typed, intent
from layouts import page
from services.exports import geojson_bytes, table_bytes

NOW = datetime(2024, 3, 10, 1, 30, tzinfo=UTC)  # 09:30 on 10 March in Zhanjiang
DISTRICTS = {"440802", "440803"}


def _read(query: dict[str, str], **kw: object) -> tuple[dict[str, object], list[object]]:
    args: dict[str, object] = {"page": "p", "default_preset": "24h", "districts": DISTRICTS}
    args.update(kw)
    return read_query(query, **args)  # type: ignore[arg-type]


# ── brain.timerange ──────────────────────────────────────────────────────────────────────
def test_rolling_presets_end_now() -> None:
    assert resolve("1h", NOW) == (NOW - timedelta(hours=1), NOW)
    assert resolve("7d", NOW) == (datetime(2024, 3, 3, 1, 30, tzinfo=UTC), NOW)
    assert resolve("30d", NOW)[0] == datetime(2024, 2, 9, 1, 30, tzinfo=UTC)  # 2024 is leap


def test_calendar_presets_start_at_local_midnight() -> None:
    # 10 March 09:30 local: the local day began at 9 March 16:00 UTC
    assert resolve("today", NOW) == (datetime(2024, 3, 9, 16, tzinfo=UTC), NOW)
    assert resolve("month", NOW)[0] == datetime(2024, 2, 29, 16, tzinfo=UTC)
    assert resolve("year", NOW)[0] == datetime(2023, 12, 31, 16, tzinfo=UTC)


def test_today_just_after_local_midnight_is_the_new_local_day() -> None:
    late = datetime(2024, 3, 9, 16, 5, tzinfo=UTC)  # 00:05 on 10 March local
    assert resolve("today", late)[0] == datetime(2024, 3, 9, 16, tzinfo=UTC)


def test_custom_range_takes_local_dates_and_refuses_backwards() -> None:
    start, end = parse_when("2024-01-01"), parse_when("2024-02-01")
    assert start == datetime(2023, 12, 31, 16, tzinfo=UTC)
    assert resolve("custom", NOW, start, end) == (start, end)
    assert resolve("custom", NOW, datetime(2024, 1, 1), datetime(2024, 1, 2))[0] == start
    with pytest.raises(ValueError, match="must come before its end"):
        resolve("custom", NOW, end, start)
    with pytest.raises(ValueError, match="needs both"):
        resolve("custom", NOW, start, None)
    with pytest.raises(ValueError, match="unknown time range 'fortnight'"):
        resolve("fortnight", NOW)
    with pytest.raises(ValueError, match="not a date"):
        parse_when("yesterday")


def test_every_preset_resolves() -> None:
    for preset in PRESETS:
        if preset != "custom":
            start, end = resolve(preset, NOW)
            assert start < end == NOW


# ── brain.page_state ────────────────────────────────────────────────────────────────────
def test_query_round_trip() -> None:
    query = {"range": "7d", "district": "440803", "entity": "S1", "lang": "en", "kind": "a"}
    raw, problems = _read(query, extras={"kind": ("a", "b")})
    assert problems == []
    assert raw["extra"] == {"kind": "a"}
    assert dict(query_pairs(raw)) == query
    again, _ = _read(dict(query_pairs(raw)), extras={"kind": ("a", "b")})
    assert again == raw


def test_bad_values_are_named_and_replaced_by_defaults() -> None:
    raw, problems = _read(
        {"range": "fortnight", "district": "999999", "kind": "z"}, extras={"kind": ("a",)}
    )
    assert raw["range"] == "24h" and raw["district"] is None and raw["extra"] == {}
    assert [key for key, _ in problems] == [
        "page.problem.range",
        "page.problem.district",
        "page.problem.value",
    ]
    assert problems[0][1] == {"value": "fortnight"}


def test_a_backwards_custom_range_falls_back_with_a_problem() -> None:
    raw, problems = _read({"range": "custom", "from": "2024-02-01", "to": "2024-01-01"})
    assert raw["range"] == "24h" and raw["from"] is None
    assert problems[0][0] == "page.problem.custom"


def test_an_entity_needs_a_district_and_custom_dates_only_with_custom() -> None:
    raw, _ = _read({"entity": "S1", "from": "2024-01-01", "to": "2024-02-01"})
    assert raw["entity"] is None and raw["from"] is None


def test_resolve_state_reads_the_range_at_now() -> None:
    raw, _ = _read(
        {"range": "custom", "from": "2024-01-01", "to": "2024-02-01", "district": "440802"}
    )
    state = resolve_state(raw, NOW)
    assert (state.start, state.end) == (parse_when("2024-01-01"), parse_when("2024-02-01"))
    assert state.level == "district"
    rolling = resolve_state(_read({"range": "6h"})[0], NOW)
    assert (rolling.end - rolling.start, rolling.level) == (timedelta(hours=6), "city")


# ── callbacks.page: a change asked by the page ─────────────────────────────────────────────
def test_changing_district_drops_the_entity_and_extras_merge() -> None:
    raw, _ = _read({"district": "440802", "entity": "S1"})
    moved = _apply(raw, {"district": "440803"})
    assert (moved["district"], moved["entity"]) == ("440803", None)
    same = _apply(raw, {"district": "440802", "extra": {"kind": "b"}})
    assert (same["entity"], same["extra"]) == ("S1", {"kind": "b"})
    assert _apply(same, {"extra": {"kind": None}})["extra"] == {}
    city = _apply(raw, {"district": None})
    assert (city["district"], city["entity"]) == (None, None)
    assert intent(district="x") != intent(district="x")  # asking twice counts twice


# ── layouts.page: links ───────────────────────────────────────────────────────────────────
def test_what_is_chosen_within_an_entity_leaves_with_it() -> None:
    raw, _ = _read({"district": "440802", "entity": "S1"})
    chosen = _apply(raw, {"extra": {"patrol": "P1", "kind": "b"}}, ("patrol",))
    assert (chosen["entity"], chosen["extra"]) == ("S1", {"patrol": "P1", "kind": "b"})
    other = _apply(chosen, {"entity": "S2", "district": "440802"}, ("patrol",))
    assert (other["entity"], other["extra"]) == ("S2", {"kind": "b"})
    moved = _apply(chosen, {"district": "440803"}, ("patrol",))  # the entity leaves too
    assert (moved["entity"], moved["extra"]) == (None, {"kind": "b"})
    both = _apply(chosen, {"entity": "S2", "extra": {"patrol": "P2"}}, ("patrol",))
    assert both["extra"]["patrol"] == "P2"  # asked together: kept
    assert _apply(chosen, {"entity": "S1"}, ("patrol",))["extra"]["patrol"] == "P1"
    assert _apply(chosen, {"entity": "S2"})["extra"]["patrol"] == "P1"  # not of the entity


def test_a_time_of_day_in_the_url_stays_while_its_field_shows_that_day() -> None:
    # the custom range's fields hold a day; a URL may carry a time of day (ISO 8601)
    assert _typed("2026-12-01", "2026-12-01T08:30:00") == "2026-12-01T08:30:00"
    assert _typed("2026-12-02", "2026-12-01T08:30:00") == "2026-12-02"  # another day typed
    assert _typed("2026-12-01", None) == "2026-12-01"
    assert _typed("", "2026-12-01T08:30:00") is None  # the field emptied
    assert _typed(None, None) is None


def test_breadcrumb_links_climb_back_and_language_link_keeps_the_view() -> None:
    import dash

    dash.Dash(__name__)  # get_relative_path needs an app's config
    raw, _ = _read({"range": "7d", "district": "440802", "entity": "S1"})
    crumbs = page.breadcrumb("p", raw, "zh", "S1 road")
    links = [c for c in crumbs if getattr(c, "href", None)]
    assert [c.href for c in links] == ["/p?range=7d", "/p?range=7d&district=440802"]
    assert crumbs[-1].children == "S1 road"
    assert page.lang_href("p", raw, "zh") == "/p?range=7d&district=440802&entity=S1&lang=en"


# ── services.exports ──────────────────────────────────────────────────────────────────────
def test_csv_and_excel_hold_the_rows_given() -> None:
    frame = pd.DataFrame(
        {
            "name": ["赤坎区", "霞山区"],
            "value": [1.5, None],
            "ts": pd.to_datetime(["2024-01-01T00:00Z", "2024-01-02T00:00Z"]),
        }
    )
    csv = table_bytes(frame, "csv")
    assert csv.startswith("\ufeff".encode())
    back = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert list(back["name"]) == ["赤坎区", "霞山区"]
    assert back["ts"].iloc[0] == "2024-01-01 08:00:00"  # local wall time
    xlsx = pd.read_excel(io.BytesIO(table_bytes(frame, "xlsx", sheet="rows")), sheet_name="rows")
    assert list(xlsx["name"]) == ["赤坎区", "霞山区"] and xlsx["value"].isna().tolist() == [
        False,
        True,
    ]
    with pytest.raises(ValueError, match="cannot export a table as 'pdf'"):
        table_bytes(frame, "pdf")


def test_geojson_round_trips_features() -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"adcode": "440802", "value": 3.0},
                "geometry": {"type": "Point", "coordinates": [110.36, 21.27]},
            }
        ],
    }
    out = json.loads(geojson_bytes(fc))
    assert out["type"] == "FeatureCollection"
    assert out["features"][0]["properties"] == {"adcode": "440802", "value": 3.0}
    assert out["features"][0]["geometry"]["coordinates"] == [110.36, 21.27]
    with pytest.raises(ValueError, match="FeatureCollection"):
        geojson_bytes({"type": "Feature"})


def test_local_clock_of_the_tests_is_asia_shanghai() -> None:
    assert NOW.astimezone(TZ).hour == 9


# ── layouts.page: the feed-down state ─────────────────────────────────────────────────────
def test_failed_names_the_time_of_the_last_good_data() -> None:
    from data_adapters.result import Result

    assert page.failed(Result.good(1, NOW), "zh", NOW) is None
    stale = page.failed(Result(pd.DataFrame(), NOW - timedelta(hours=2), "down"), "zh", NOW)
    assert stale is not None and "07:30" in str(stale.children)  # 09:30 local less 2 h
    gone = page.failed(Result(None, None, "down"), "en", NOW)
    assert gone is not None and gone.children == "Source down: no data"
