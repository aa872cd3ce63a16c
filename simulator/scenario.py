"""The replayable typhoon scenario: Mujigae (彩虹, 1522), re-dated into the demo window.

Mujigae made landfall on the coast of 坡头区 on 2015-10-04 14:10 (UTC+8) at force 15 (50 m/s,
940 hPa), the strongest October landfall on mainland China since 1949. The scenario keeps its
timeline relative to landfall and moves landfall to a moment inside the simulated window, so that
warnings, incidents, traffic and the port react together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

__all__ = ["MUJIGAE_LANDFALL_2015", "POTOU_LANDFALL", "Scenario"]

MUJIGAE_LANDFALL_2015 = datetime(2015, 10, 4, 6, 10, tzinfo=UTC)  # 14:10 UTC+8
POTOU_LANDFALL = (110.53, 21.17)  # lon, lat on the Potou coast (approximate)


@dataclass(frozen=True)
class Scenario:
    """Landfall time in the simulated window; everything else is relative to it."""

    landfall: datetime

    @classmethod
    def for_anchor(cls, anchor: datetime, *, hours_before_anchor: float = 60.0) -> Scenario:
        """The scenario whose landfall lies `hours_before_anchor` before the end of the history."""
        return cls(anchor - timedelta(hours=hours_before_anchor))

    def shift(self, original: datetime) -> datetime:
        """A 2015 timestamp of the storm moved into the simulated window."""
        return self.landfall + (original - MUJIGAE_LANDFALL_2015)

    def hours_from_landfall(self, ts: np.ndarray) -> np.ndarray:
        """Hours from landfall to each timestamp (datetime64, UTC, naive); negative before."""
        land = np.datetime64(self.landfall.replace(tzinfo=None), "us")
        return (ts.astype("datetime64[us]") - land) / np.timedelta64(1, "h")

    def impact(self, ts: np.ndarray) -> np.ndarray:
        """How hard the storm hits the city at each time: 0 (calm) … 1 (landfall).

        Wind rises over the 24 h before landfall (fast in the last 6 h) and decays over about
        12 h after it; generators scale their disruption (speeds, incidents, port closure) by it.
        """
        h = self.hours_from_landfall(ts)
        before = np.clip(1.0 + h / 24.0, 0.0, 1.0) ** 3
        after = np.exp(-np.clip(h, 0.0, None) / 6.0)
        return np.where(h <= 0, before, after).astype("float64")
