"""Rule files: YAML validated into a `brain.rules.RuleSet`, with errors that name the line and
the field (`rules/alerts.yaml`: the shipped rule set; docs/alerts.md: the format).

    errors = check_file(path)           # [] when valid, else "FILE:LINE: field: message" lines
    rules = load_rules(path)            # RuleSetError (a ValueError) listing every error
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from alerts.sources import SOURCES
from brain.domains import DOMAINS
from brain.rules import (
    KINDS,
    OPS,
    Composite,
    Condition,
    Escalation,
    Geofence,
    Near,
    Rate,
    Rule,
    RuleSet,
    Stale,
    Threshold,
    WaterClass,
)

__all__ = ["DEFAULT_RULES", "RuleSetError", "check_file", "load_rules", "parse_rules"]

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "rules" / "alerts.yaml"
Severity = Literal["I", "II", "III", "IV"]
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class RuleSetError(ValueError):
    """A rule file that is not valid; `errors` are "FILE:LINE: field: message" lines."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("invalid rule file:\n" + "\n".join(errors))
        self.errors = errors


def _seconds(value: Any) -> float:
    """A duration: seconds as a number, or "30s", "5m", "2h", "1d"."""
    if isinstance(value, bool):
        raise ValueError("a duration, e.g. 30s, 5m, 2h")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a duration (e.g. 30s, 5m, 2h, 1d)")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Cond(_Strict):
    field: str = Field(min_length=1)
    op: Literal[">=", ">", "<=", "<", "==", "!=", "in", "not_in"] = "=="
    value: Any = None

    def build(self) -> Condition:
        value = tuple(self.value) if isinstance(self.value, list) else self.value
        return Condition(self.field, self.op, value)

    @field_validator("value")
    @classmethod
    def _hashable(cls, v: Any) -> Any:
        if isinstance(v, dict):
            raise ValueError("a value is a number, a string, true/false, null or a list")
        return v


class _Escalate(_Strict):
    when: _Cond
    severity: Severity


class _Messages(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    @field_validator("zh", "en")
    @classmethod
    def _template(cls, v: str) -> str:
        try:
            list(string.Formatter().parse(v))
        except ValueError as err:
            raise ValueError(f"bad template {v!r}: {err} (write {{{{ and }}}} for braces)") from err
        return v


class _ThresholdP(_Strict):
    field: str
    op: Literal[">=", ">", "<=", "<", "==", "!=", "in", "not_in"]
    value: Any

    def build(self) -> Threshold:
        return Threshold(_Cond(field=self.field, op=self.op, value=self.value).build())


class _RateP(_Strict):
    field: str
    window: Any
    direction: Literal["rise", "fall"]
    value: float = Field(gt=0)
    percent: bool = False
    ts_field: str = "ts"

    @field_validator("window")
    @classmethod
    def _window(cls, v: Any) -> float:
        s = _seconds(v)
        if s <= 0:
            raise ValueError("the window must be longer than 0")
        return s

    def build(self) -> Rate:
        return Rate(
            self.field, self.window, self.direction, self.value, self.percent, self.ts_field
        )


class _StaleP(_Strict):
    max_age: Any
    ts_field: str = "newest"

    @field_validator("max_age")
    @classmethod
    def _age(cls, v: Any) -> float:
        return _seconds(v)

    def build(self) -> Stale:
        return Stale(self.max_age, self.ts_field)


class _GeofenceP(_Strict):
    zones: str
    zone_where: list[_Cond] = []

    @field_validator("zones")
    @classmethod
    def _known(cls, v: str) -> str:
        return _source(v)

    def build(self) -> Geofence:
        return Geofence(self.zones, tuple(c.build() for c in self.zone_where))


class _ClassP(_Strict):
    class_field: str = "water_class"
    target_field: str = "target_class"
    min_gap: int = Field(default=1, ge=1, le=5)

    def build(self) -> WaterClass:
        return WaterClass(self.class_field, self.target_field, self.min_gap)


class _NearP(_Strict):
    source: str
    within_km: float = Field(gt=0)
    where: list[_Cond] = []
    min_count: int = Field(default=1, ge=1)

    @field_validator("source")
    @classmethod
    def _known(cls, v: str) -> str:
        return _source(v)


class _DuringP(_Strict):
    source: str
    where: list[_Cond] = []

    @field_validator("source")
    @classmethod
    def _known(cls, v: str) -> str:
        return _source(v)


class _CompositeP(_Strict):
    near: list[_NearP] = []
    during: list[_DuringP] = []

    def build(self) -> Composite:
        if not self.near and not self.during:
            raise ValueError("a composite rule needs `near` or `during` conditions")
        return Composite(
            tuple(
                Near(n.source, n.within_km, tuple(c.build() for c in n.where), n.min_count)
                for n in self.near
            ),
            tuple((d.source, tuple(c.build() for c in d.where)) for d in self.during),
        )


_PARAMS: Mapping[str, type[BaseModel]] = {
    "threshold": _ThresholdP,
    "rate": _RateP,
    "stale": _StaleP,
    "geofence": _GeofenceP,
    "class_below_target": _ClassP,
    "composite": _CompositeP,
}
assert tuple(_PARAMS) == KINDS and set(OPS) >= {">="}


def _source(v: str) -> str:
    if v not in SOURCES:
        raise ValueError(f"unknown source {v!r}; known: {', '.join(sorted(SOURCES))}")
    return v


class _Rule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$", max_length=100)
    domain: Literal["economy", "traffic", "emergency", "fire", "river", "radar"]
    kind: Literal["threshold", "rate", "stale", "geofence", "class_below_target", "composite"]
    source: str
    params: dict[str, Any] = {}
    severity: Severity
    for_: Any = Field(default=0, alias="for")
    group_by: list[str] = []
    message: _Messages
    where: list[_Cond] = []
    escalate: list[_Escalate] = []
    entity: str | None = None
    district: str = "adcode"

    @field_validator("source")
    @classmethod
    def _known(cls, v: str) -> str:
        return _source(v)

    @field_validator("for_")
    @classmethod
    def _for(cls, v: Any) -> float:
        return _seconds(v)


class _File(_Strict):
    version: int = Field(ge=1)
    rules: list[dict[str, Any]] = Field(min_length=1)


assert set(DOMAINS) == {"economy", "traffic", "emergency", "fire", "river", "radar"}


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps the line of every mapping key and sequence item."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    out["__lines__"] = lines
    out["__line__"] = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip(value: Any) -> Any:
    """The document without the line marks."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("__lines__", "__line__")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _line(doc: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest part of `loc` the document has."""
    line = 1
    node = doc
    for part in loc:
        if isinstance(node, dict):
            key = "for" if part == "for_" else part
            if key not in node:
                break
            line = node["__lines__"].get(key, line)
            node = node[key]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            line = node.get("__line__", line) if isinstance(node, dict) else line
        else:
            break
    return line


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + ("for" if part == "for_" else str(part))
    return out or "(file)"


def _errors(name: str, doc: Any, err: ValidationError, prefix: tuple[Any, ...]) -> list[str]:
    out = []
    for e in err.errors():
        loc = (*prefix, *e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        out.append(f"{name}:{_line(doc, loc)}: {_where(loc)}: {msg}")
    return out


def parse_rules(text: str, name: str = "<rules>") -> RuleSet:
    """The rule set in YAML `text`; RuleSetError listing every error with its line and field."""
    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(err, "problem", None) or str(err)
        raise RuleSetError([f"{name}:{line}: (yaml): {problem}"]) from None
    if not isinstance(doc, dict):
        raise RuleSetError([f"{name}:1: (file): a mapping with `version` and `rules`"])
    try:
        top = _File.model_validate(_strip(doc))
    except ValidationError as err:
        raise RuleSetError(_errors(name, doc, err, ())) from None
    errors: list[str] = []
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(top.rules):
        loc: tuple[Any, ...] = ("rules", i)
        try:
            r = _Rule.model_validate(raw)
        except ValidationError as err:
            errors += _errors(name, doc, err, loc)
            continue
        line = _line(doc, loc)
        if r.id in seen:
            errors.append(
                f"{name}:{line}: rules[{i}].id: {r.id!r} already used at line {seen[r.id]}"
            )
        seen.setdefault(r.id, line)
        try:
            params = _PARAMS[r.kind].model_validate(r.params).build()  # type: ignore[attr-defined]
        except ValidationError as err:
            errors += _errors(name, doc, err, (*loc, "params"))
            continue
        except ValueError as err:
            errors.append(f"{name}:{_line(doc, (*loc, 'params'))}: rules[{i}].params: {err}")
            continue
        rules.append(
            Rule(
                id=r.id,
                domain=r.domain,
                kind=r.kind,
                source=r.source,
                params=params,
                severity=r.severity,
                for_s=r.for_,
                group_by=tuple(r.group_by),
                message_zh=r.message.zh,
                message_en=r.message.en,
                where=tuple(c.build() for c in r.where),
                escalate=tuple(Escalation(e.when.build(), e.severity) for e in r.escalate),
                entity=r.entity,
                district=r.district,
                line=line,
            )
        )
    if errors:
        raise RuleSetError(errors)
    return RuleSet(top.version, tuple(rules))


def load_rules(path: Path | str = DEFAULT_RULES) -> RuleSet:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise RuleSetError([f"{path}:0: (file): cannot read: {err}"]) from None
    return parse_rules(text, str(path))


def check_file(path: Path | str) -> list[str]:
    """The errors of a rule file ([] when it is valid)."""
    try:
        load_rules(path)
    except RuleSetError as err:
        return err.errors
    return []
