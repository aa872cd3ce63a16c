"""The frames the situational map draws, as one value: what services hand to the map's builders.

Each frame is as its adapter returns it (the columns the map needs in parentheses); a frame left
empty is simply not drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["MapData"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass(frozen=True)
class MapData:
    """The frames the map draws, each as its adapter returns it (columns in parentheses: needed)."""

    roads: pd.DataFrame = field(default_factory=_empty)  # traffic.segment_state (segment_id, path)
    incidents: pd.DataFrame = field(default_factory=_empty)  # traffic.incidents
    events: pd.DataFrame = field(default_factory=_empty)  # emergency.events
    warnings: pd.DataFrame = field(default_factory=_empty)  # emergency.warnings_in_force
    typhoon: pd.DataFrame = field(default_factory=_empty)  # emergency.typhoon_track
    fire_stations: pd.DataFrame = field(default_factory=_empty)  # fire.stations
    fire_alarms: pd.DataFrame = field(default_factory=_empty)  # fire.live_alarms
    fire_incidents: pd.DataFrame = field(default_factory=_empty)  # fire.incidents
    reaches: pd.DataFrame = field(default_factory=_empty)  # river.reaches
    river_stations: pd.DataFrame = field(default_factory=_empty)  # river.stations_latest
    vessels: pd.DataFrame = field(default_factory=_empty)  # radar.vessel_positions
    tails: pd.DataFrame = field(default_factory=_empty)  # radar.tails
    dark: pd.DataFrame = field(default_factory=_empty)  # radar.dark_targets
    intrusions: pd.DataFrame = field(default_factory=_empty)  # radar.zone_intrusions
    zones: pd.DataFrame = field(default_factory=_empty)  # radar.zones
    # content keys of the frames (`brain.memo.content_key`), where known: a layer whose frames
    # all have keys is built once per distinct set of them
    keys: Mapping[str, str | None] = field(default_factory=dict)
