"""The wall's six panels: one per domain, in the order of `brain.domains.DOMAINS`.

A panel shows its domain's figures (`services.domains`); a panel whose figures cannot be built
is shown empty and marked failed, so one bad answer never stops the other panels.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from brain.domains import DOMAINS, Domain
from data_adapters.result import Result
from services import domains
from services.traffic import TREND_HOURS

__all__ = ["ASKED", "PANELS", "TREND_HOURS", "PanelParts", "panel"]

log = logging.getLogger(__name__)

PANELS: tuple[Domain, ...] = DOMAINS  # the panels, in their order on the wall
# the order their calls go out in: the feeds that move every refresh first, so their queries
# start while the cache answers the others
_MOVING = (Domain.RADAR, Domain.TRAFFIC, Domain.FIRE)
ASKED: tuple[Domain, ...] = (*_MOVING, *(d for d in PANELS if d not in _MOVING))
PanelParts = tuple[dict[str, Any], list[Result[Any]]]


def panel(domain: Domain, results: Sequence[Result[Any]], district: str | None) -> PanelParts:
    """A panel's figures and the results its status is judged on."""
    try:
        return domains.figures(domain, results, district), list(results)
    except Exception:  # a bug in one domain's figures must not blank the whole wall
        log.exception("wall panel %s failed", domain)
        return {}, [Result.failed("panel failed")]
