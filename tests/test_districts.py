"""brain.districts and brain.timezone: placing points among the divisions, the local day."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from brain.districts import CITY_SEAT, district_of
from brain.timezone import TZ, local_midnight
from services.geography import district_list, districts, in_district


def test_nine_divisions_with_the_seat_among_them() -> None:
    codes = [d["adcode"] for d in district_list()]
    assert len(codes) == 9 and CITY_SEAT in codes
    assert {d.adcode for d in districts()} == set(codes)


def test_a_point_lies_in_its_district_and_the_sea_goes_to_the_nearest() -> None:
    seat = next(d for d in districts() if d.adcode == CITY_SEAT)
    lon, lat = seat.geometry.representative_point().coords[0]
    # far out in the South China Sea, south of 徐闻 (440825)
    codes = district_of(np.array([lon, 110.3]), np.array([lat, 20.0]), districts())
    assert list(codes) == [CITY_SEAT, "440825"]


def test_in_district_keeps_the_rows_of_one_district() -> None:
    import pandas as pd

    seat = next(d for d in districts() if d.adcode == CITY_SEAT)
    lon, lat = seat.geometry.representative_point().coords[0]
    frame = pd.DataFrame({"lon": [lon, 110.3], "lat": [lat, 20.0], "id": [1, 2]})
    assert in_district(frame, CITY_SEAT)["id"].tolist() == [1]  # type: ignore[index]
    assert in_district(frame, None) is frame


def test_local_midnight_is_the_start_of_the_day_in_shanghai() -> None:
    # 17:30 UTC is already 01:30 the next day in Zhanjiang
    assert local_midnight(datetime(2026, 12, 1, 17, 30, tzinfo=UTC)) == datetime(
        2026, 12, 2, tzinfo=TZ
    )
    assert local_midnight(datetime(2026, 12, 1, 15, 59)) == datetime(2026, 12, 1, tzinfo=TZ)
