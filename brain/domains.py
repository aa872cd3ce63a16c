"""The six domains of the product, listed once.

Every other list of domains (the wall's panels, component ids, the simulator's generators, the
data service's modules) is derived from `DOMAINS`, in this order: the order of the wall's panels.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DOMAINS", "Domain"]


class Domain(StrEnum):
    """A domain of the city's data; its value is the name it carries in files, URLs and ids."""

    ECONOMY = "economy"  # 经济运行
    TRAFFIC = "traffic"  # 智慧交通
    EMERGENCY = "emergency"  # 应急指挥
    FIRE = "fire"  # 智慧消防
    RIVER = "river"  # 河长制
    RADAR = "radar"  # 海上雷达综合监控


DOMAINS: tuple[Domain, ...] = tuple(Domain)
