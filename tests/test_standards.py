"""brain.standards: every limit of every table, at and around it."""

from __future__ import annotations

import ast
import inspect
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brain import geo, standards
from brain.standards import (
    FIRE_RESPONSE_STANDARD_S,
    TPI_LEVEL_NAMES,
    WATER_LIMITS,
    WarningLevel,
    WaterClass,
    beaufort_force,
    class_rank,
    meets_fire_standard,
    meets_target,
    network_tpi,
    tpi_from_delay,
    tpi_level,
    typhoon_signal,
    water_class,
    water_classes,
)

CLASSES = ["I", "II", "III", "IV", "V"]
EPS = 1e-6

# The GB 3838-2002 table as printed in DESIGN.md section 6, written out again on purpose.
TABLE = {
    "DO": [7.5, 6, 5, 3, 2],
    "CODMn": [2, 4, 6, 10, 15],
    "COD": [15, 15, 20, 30, 40],
    "BOD5": [3, 3, 4, 6, 10],
    "NH3N": [0.15, 0.5, 1.0, 1.5, 2.0],
    "TP": [0.02, 0.1, 0.2, 0.3, 0.4],
}


def _expected(key: str, value: float) -> str:
    """Best class whose limit admits `value` (a search, not the module's counting)."""
    for name, limit in zip(CLASSES, TABLE[key], strict=True):
        if (value >= limit) if key == "DO" else (value <= limit):
            return name
    return "劣V"


def test_limits_match_the_design_table() -> None:
    assert {k: list(v) for k, v in WATER_LIMITS.items()} == TABLE


_CASES = [(k, i) for k in TABLE for i in range(5)]


@pytest.mark.parametrize(("key", "i"), _CASES, ids=[f"{k}-{CLASSES[i]}" for k, i in _CASES])
def test_water_class_at_and_around_each_limit(key: str, i: int) -> None:
    limit = float(TABLE[key][i])
    worse = limit - EPS if key == "DO" else limit + EPS
    better = limit + EPS if key == "DO" else limit - EPS
    # limits are inclusive: exactly at the limit is still within class i (or a better one)
    assert class_rank(water_class({key: limit})) <= i + 1
    assert water_class({key: limit}) == _expected(key, limit)
    assert class_rank(water_class({key: worse})) > i + 1
    assert water_class({key: worse}) == _expected(key, worse)
    assert water_class({key: better}) == _expected(key, better)


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        ({"DO": 7.5}, "I"),
        ({"DO": 7.49}, "II"),
        ({"DO": 1.99}, "劣V"),
        ({"COD": 15}, "I"),
        ({"COD": 15.01}, "III"),
        ({"BOD5": 3.01}, "III"),
        ({"NH3N": 2.0}, "V"),
        ({"NH3N": 2.01}, "劣V"),
        ({"TP": 0.02}, "I"),
        ({"TP": 0.021}, "II"),
        ({"DO": 8.0, "NH3N": 1.2, "TP": 0.05}, "IV"),
        ({"DO": 8.0, "CODMn": 1.0, "COD": 10, "BOD5": 2, "NH3N": 0.1, "TP": 0.01}, "I"),
    ],
)
def test_water_class_examples(readings: dict[str, float], expected: str) -> None:
    assert water_class(readings) == expected


def test_water_class_skips_missing_unknown_and_nan() -> None:
    assert water_class({"DO": 6.5, "pH": 99.0, "NH3N": math.nan}) == "II"


@pytest.mark.parametrize("readings", [{}, {"pH": 7.0}, {"DO": math.nan, "TP": math.nan}])
def test_water_class_without_reading_raises(readings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="no reading"):
        water_class(readings)


_reading = st.one_of(st.just(math.nan), st.floats(0, 50, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({k: _reading for k in TABLE}), min_size=1, max_size=20))
def test_water_classes_agree_with_scalar(rows: list[dict[str, float]]) -> None:
    columns = {k: [r[k] for r in rows] for k in TABLE}
    expected = []
    for r in rows:
        try:
            expected.append(water_class(r))
        except ValueError:
            expected.append("-")
    assert water_classes(columns, empty="-") == expected


def test_water_classes_errors() -> None:
    with pytest.raises(ValueError, match="row 1"):
        water_classes({"DO": [7.0, math.nan]})
    with pytest.raises(ValueError, match="length"):
        water_classes({"DO": [7.0], "TP": [0.1, 0.2]})
    with pytest.raises(ValueError):
        water_classes({"pH": [7.0]})
    assert water_classes({"DO": [8.0, 4.0], "TP": [0.5, math.nan]}) == ["劣V", "IV"]


def test_class_rank_and_targets() -> None:
    assert [class_rank(c) for c in [*CLASSES, "劣V"]] == [1, 2, 3, 4, 5, 6]
    assert WaterClass.WORSE_THAN_V.rank == 6
    assert meets_target("II", "III") and meets_target("III", "III")
    assert not meets_target("IV", "III")
    assert not meets_target("劣V", "V")
    with pytest.raises(ValueError, match="not a GB 3838"):
        class_rank("VI")


@pytest.mark.parametrize(
    ("tpi", "level"),
    [
        (-1.0, 1),
        (0.0, 1),
        (1.999, 1),
        (2.0, 2),
        (3.999, 2),
        (4.0, 3),
        (5.999, 3),
        (6.0, 4),
        (7.999, 4),
        (8.0, 5),
        (10.0, 5),
        (12.0, 5),
    ],
)
def test_tpi_level_boundaries(tpi: float, level: int) -> None:
    assert tpi_level(tpi) == level


def test_tpi_level_names_and_nan() -> None:
    assert [TPI_LEVEL_NAMES[i].zh for i in range(1, 6)] == [
        "畅通",
        "基本畅通",
        "轻度拥堵",
        "中度拥堵",
        "严重拥堵",
    ]
    assert TPI_LEVEL_NAMES[5].en == "severe congestion"
    with pytest.raises(ValueError):
        tpi_level(math.nan)


@pytest.mark.parametrize(
    ("ratio", "tpi"),
    [
        (0.8, 0.0),
        (1.0, 0.0),
        (1.15, 1.0),
        (1.3, 2.0),
        (1.6, 4.0),
        (1.9, 6.0),
        (2.2, 8.0),
        (2.35, 9.0),
        (2.5, 10.0),
        (4.0, 10.0),
    ],
)
def test_tpi_from_delay(ratio: float, tpi: float) -> None:
    assert tpi_from_delay(ratio) == pytest.approx(tpi)


def test_network_tpi_weights() -> None:
    assert network_tpi([2.0, 8.0], [1000, 3000]) == pytest.approx(6.5)
    assert network_tpi([2.0, 8.0], [1000, 1000], [3.0, 1.0]) == pytest.approx(3.5)
    assert network_tpi([2.0, math.nan], [1000, 5000]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="shapes"):
        network_tpi([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="no segment"):
        network_tpi([math.nan], [100.0])
    with pytest.raises(ValueError, match="non-negative"):
        network_tpi([1.0], [-5.0])


@pytest.mark.parametrize(
    ("hours", "mean", "gust", "signal"),
    [
        (6.0, 12, 0, "red"),
        (6.01, 12, 0, "orange"),
        (6.0, 11, 13, "orange"),
        (6.0, 0, 14, "red"),
        (12.0, 10, 0, "orange"),
        (12.01, 10, 0, "yellow"),
        (12.0, 9, 11, "yellow"),
        (12.0, 0, 12, "orange"),
        (24.0, 8, 0, "yellow"),
        (24.01, 8, 0, "white"),
        (24.0, 7, 9, "blue"),
        (24.0, 0, 10, "yellow"),
        (24.0, 6, 0, "blue"),
        (24.0, 5, 7, "white"),
        (24.0, 0, 8, "blue"),
        (48.0, 0, 0, "white"),
        (48.01, 17, 17, None),
        (0.0, 12, 0, "red"),
        (-3.0, 6, 0, "blue"),
        (-3.0, 0, 0, "white"),
    ],
)
def test_typhoon_signal_boundaries(hours: float, mean: int, gust: int, signal: str | None) -> None:
    assert typhoon_signal(hours, mean, gust) == signal


def test_typhoon_signal_invalid() -> None:
    with pytest.raises(ValueError):
        typhoon_signal(math.nan, 8, 10)
    with pytest.raises(ValueError):
        typhoon_signal(10, -1, 0)


def test_warning_levels() -> None:
    assert [lv.value for lv in WarningLevel] == ["I", "II", "III", "IV"]
    assert [lv.rank for lv in WarningLevel] == [1, 2, 3, 4]
    assert [lv.colour_name for lv in WarningLevel] == ["red", "orange", "yellow", "blue"]
    assert WarningLevel.I.name_zh.endswith("（红色）")
    assert len({lv.colour for lv in WarningLevel}) == 4
    assert all(lv.colour.startswith("#") and len(lv.colour) == 7 for lv in WarningLevel)
    severities = ["Extreme", "Severe", "Moderate", "Minor"]
    assert [WarningLevel.from_cap_severity(s) for s in severities] == list(WarningLevel)
    assert WarningLevel.from_cap_severity("Unknown") is None
    assert [WarningLevel.from_signal(c) for c in ["red", "orange", "yellow", "blue"]] == list(
        WarningLevel
    )
    assert WarningLevel.from_signal("white") is None
    with pytest.raises(ValueError):
        WarningLevel.from_cap_severity("Catastrophic")
    with pytest.raises(ValueError):
        WarningLevel.from_signal("green")


@pytest.mark.parametrize(("s", "ok"), [(0.0, True), (299.9, True), (300.0, True), (300.1, False)])
def test_fire_standard(s: float, ok: bool) -> None:
    assert FIRE_RESPONSE_STANDARD_S == 300
    assert meets_fire_standard(s) is ok


def test_fire_standard_invalid() -> None:
    with pytest.raises(ValueError):
        meets_fire_standard(-1.0)


@pytest.mark.parametrize(
    ("ms", "force"),
    [
        (0.0, 0),
        (0.2, 0),
        (0.24, 0),
        (0.3, 1),
        (1.5, 1),
        (1.6, 2),
        (3.3, 2),
        (3.4, 3),
        (5.4, 3),
        (5.5, 4),
        (7.9, 4),
        (8.0, 5),
        (10.7, 5),
        (10.8, 6),
        (13.8, 6),
        (13.9, 7),
        (17.1, 7),
        (17.2, 8),
        (20.7, 8),
        (20.8, 9),
        (24.4, 9),
        (24.5, 10),
        (28.4, 10),
        (28.5, 11),
        (32.6, 11),
        (32.7, 12),
        (36.9, 12),
        (37.0, 13),
        (41.4, 13),
        (41.5, 14),
        (46.1, 14),
        (46.2, 15),
        (50.9, 15),
        (51.0, 16),
        (56.0, 16),
        (56.1, 17),
        (61.2, 17),
        (80.0, 17),
        (math.inf, 17),
    ],
)
def test_beaufort_force(ms: float, force: int) -> None:
    assert beaufort_force(ms) == force


def test_beaufort_invalid() -> None:
    with pytest.raises(ValueError):
        beaufort_force(-0.1)
    with pytest.raises(ValueError):
        beaufort_force(math.nan)


_PURE_IMPORTS = {
    "__future__",
    "math",
    "bisect",
    "collections.abc",
    "dataclasses",
    "enum",
    "typing",
    "numpy",
    "numpy.typing",
}


@pytest.mark.parametrize("module", [standards, geo])
def test_brain_modules_are_pure(module: object) -> None:
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= _PURE_IMPORTS
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not names & {"now", "today", "utcnow", "time", "open"}


def test_public_surface() -> None:
    for module in (standards, geo):
        assert sorted(module.__all__) == sorted(set(module.__all__))
        assert all(hasattr(module, name) for name in module.__all__)
