"""Message catalog of the situational map: legend names, symbol labels and tooltip words.

Simplified Chinese first, English on request. Keys are namespaced `map.…` so that the shell's
catalog can merge this one without collisions (`MESSAGES` is a plain mapping for that).
"""

from __future__ import annotations

from collections.abc import Mapping

from layouts.i18n import catalog, lang_of

__all__ = ["MESSAGES", "text", "water_class_label"]

MESSAGES: Mapping[str, tuple[str, str]] = {
    # layer legend names (keys of situation_map.LAYERS)
    "map.layer.base": ("陆地与海域", "Land and sea"),
    "map.layer.districts": ("行政区划", "Districts"),
    "map.layer.zones": ("海域功能区", "Sea zones"),
    "map.layer.warnings": ("预警区域", "Warnings in force"),
    "map.layer.rivers": ("河流水质", "River water quality"),
    "map.layer.roads": ("道路拥堵", "Road congestion"),
    "map.layer.typhoon": ("台风路径", "Typhoon track"),
    "map.layer.vessels": ("船舶动态", "Vessels"),
    "map.layer.fire": ("消防站与火警", "Fire stations and alarms"),
    "map.layer.incidents": ("交通事件与突发事件", "Incidents and emergencies"),
    # traffic incidents
    "map.incident.accident": ("交通事故", "Accident"),
    "map.incident.breakdown": ("车辆故障", "Breakdown"),
    "map.incident.roadwork": ("道路施工", "Roadwork"),
    "map.incident.flooding": ("道路积水", "Flooding"),
    "map.incident.control": ("交通管制", "Traffic control"),
    "map.severity": ("严重程度", "Severity"),
    # emergency events
    "map.event.typhoon": ("台风", "Typhoon"),
    "map.event.flood": ("洪涝", "Flood"),
    "map.event.waterlogging": ("城市内涝", "Waterlogging"),
    "map.event.fire": ("火灾", "Fire"),
    "map.event.hazmat": ("危化品事故", "Hazardous materials"),
    "map.event.traffic": ("交通事故", "Traffic accident"),
    "map.event.geological": ("地质灾害", "Geological hazard"),
    "map.event.public_health": ("公共卫生事件", "Public health"),
    "map.event.maritime": ("海上险情", "Maritime emergency"),
    "map.level": ("{}级响应", "Level {}"),
    # warnings: signal colours
    "map.signal.white": ("白色", "white"),
    "map.signal.blue": ("蓝色", "blue"),
    "map.signal.yellow": ("黄色", "yellow"),
    "map.signal.orange": ("橙色", "orange"),
    "map.signal.red": ("红色", "red"),
    # fire
    "map.station.special": ("特勤消防站", "Special station"),
    "map.station.class1": ("一级消防站", "Class 1 station"),
    "map.station.class2": ("二级消防站", "Class 2 station"),
    "map.station.small": ("小型消防站", "Small station"),
    "map.station.professional": ("专职消防队", "Professional brigade"),
    "map.engines": ("消防车 {} 辆", "{} engines"),
    "map.alarm": ("火警", "Fire alarm"),
    "map.alarm.confirmed": ("已确认火情", "confirmed fire"),
    "map.alarm.unverified": ("待核实", "unverified"),
    "map.fire_incident": ("119 警情", "119 incident"),
    "map.fire.building": ("建筑火灾", "Building fire"),
    "map.fire.vehicle": ("车辆火灾", "Vehicle fire"),
    "map.fire.wildland": ("山林火灾", "Wildland fire"),
    "map.fire.industrial": ("工业火灾", "Industrial fire"),
    "map.fire.rescue": ("抢险救援", "Rescue"),
    "map.fire.other": ("其他警情", "Other"),
    "map.fire.dispatched": ("已出动", "dispatched"),
    "map.fire.on_scene": ("已到场", "on scene"),
    # rivers
    "map.water_class": ("{}类", "Class {}"),
    "map.water_class.worse": ("劣V类", "Worse than V"),
    "map.water_class.none": ("暂无数据", "no reading"),
    "map.target": ("目标 {}", "target {}"),
    "map.below_target": ("未达标", "below target"),
    # roads
    "map.tpi": ("拥堵指数 {}", "TPI {}"),
    "map.no_reading": ("暂无数据", "no reading"),
    # vessels
    "map.vessel.cargo": ("货船", "Cargo"),
    "map.vessel.tanker": ("油轮", "Tanker"),
    "map.vessel.container": ("集装箱船", "Container ship"),
    "map.vessel.fishing": ("渔船", "Fishing vessel"),
    "map.vessel.passenger": ("客船", "Passenger ship"),
    "map.vessel.tug": ("拖轮", "Tug"),
    "map.vessel.service": ("工作船", "Service vessel"),
    "map.vessel.other": ("其他船舶", "Other vessel"),
    "map.vessel.unknown": ("未知船舶", "Unknown vessel"),
    "map.vessel.dark": ("暗目标(无AIS)", "Dark target (no AIS)"),
    "map.vessel.unregistered": ("未登记", "unregistered"),
    "map.vessel.intrusion": ("违规闯入 {}", "breaking the rule of {}"),
    "map.knots": ("{} 节", "{} kn"),
    # sea zones
    "map.zone.anchorage": ("锚地", "Anchorage"),
    "map.zone.channel": ("航道", "Channel"),
    "map.zone.restricted": ("禁航区", "Restricted area"),
    "map.zone.aquaculture": ("养殖区", "Aquaculture"),
    "map.zone.port": ("港区水域", "Port waters"),
    "map.zone.fishing": ("渔业区", "Fishing ground"),
    "map.rule.no_entry": ("禁止驶入", "no entry"),
    "map.rule.no_anchoring": ("禁止锚泊", "no anchoring"),
    "map.rule.no_fishing": ("禁止捕捞", "no fishing"),
    "map.rule.speed_limit": ("限速", "speed limit"),
    "map.rule.none": ("", ""),
    # typhoon
    "map.typhoon.observed": ("实况", "observed"),
    "map.typhoon.forecast": ("预报", "forecast"),
    "map.typhoon.wind": ("{} 米/秒", "{} m/s"),
}


def text(key: str, lang: str = "zh", *args: object) -> str:
    """The message `key` in `lang` ("zh" default, "en"), with `{}` filled from `args`, from the
    shell's catalog (`layouts.i18n.catalog`, which holds these messages too).

    An unknown key returns the key itself, so a missing message shows rather than crashing a wall.
    """
    msg = catalog(lang_of(lang)).get(key, key)
    return msg.format(*args) if args else msg


def water_class_label(cls: str | None, lang: str) -> str:
    """The label of a GB 3838 water class (none: no reading)."""
    if cls is None:
        return text("map.water_class.none", lang)
    if cls == "劣V":
        return text("map.water_class.worse", lang)
    return text("map.water_class", lang, cls)
