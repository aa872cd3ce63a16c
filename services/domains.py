"""Each domain's figures, from one module per domain (`services.<domain>`).

Every domain module says which adapter calls it needs at `now` for a district (None: the city),
turns their results into the domain's figures (plain JSON-ready data, a pure function of the
results and the district) and finds the alert candidates among its figures (`brain.alerts`). The
wall, the theme pages and the duty console share them through `SERVICES`, `figures` and `alerts`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol, cast

from brain.alerts import Alert
from brain.domains import DOMAINS, Domain
from data_adapters.result import Result
from services.fetch import DERIVED, Call

__all__ = ["SERVICES", "DomainService", "alerts", "figures"]


class DomainService(Protocol):
    """What a domain module (`services.<domain>`) provides."""

    def calls(self, now: datetime, adcode: str | None) -> tuple[Call, ...]: ...

    def figures(self, results: Sequence[Result[Any]], adcode: str | None) -> dict[str, Any]: ...

    def alerts(self, figures: Mapping[str, Any]) -> list[Alert]: ...


SERVICES: Mapping[Domain, DomainService] = MappingProxyType(
    {d: cast(DomainService, importlib.import_module(f"services.{d}")) for d in DOMAINS}
)


def figures(
    domain: Domain | str, results: Sequence[Result[Any]], adcode: str | None
) -> dict[str, Any]:
    """A domain's figures from the results of its calls, derived once per distinct set of
    answers and district (a shared, read-only mapping)."""
    build = SERVICES[Domain(domain)].figures
    return DERIVED(
        f"figures.{domain}", [r.key for r in results], lambda: build(results, adcode), adcode
    )


def alerts(figures: Mapping[Domain | str, Mapping[str, Any]]) -> list[Alert]:
    """The alert candidates of every domain whose figures are given, in domain order."""
    return [a for d in DOMAINS if d in figures for a in SERVICES[d].alerts(figures[d])]
