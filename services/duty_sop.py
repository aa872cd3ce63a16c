"""SOP (预案) checklists of the duty office: `rules/sop.yaml`, the plan of an alert, step timers.

A plan is a list of steps, each with a time limit in minutes counted from the moment its alert
was first seen and the units responsible for it. `plan_for(plans, rule, domain)` picks the plan of
an alert (rule pattern, then domain, then the default plan); `checklist(plan, first_seen, ticks,
now)` says for every step whether it is done, still due (and how long is left) or overdue.
Pure apart from `load_plans`, which reads and validates the file (clear errors: plan, step, field).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = [
    "SOP_FILE",
    "Plan",
    "SopError",
    "Step",
    "StepState",
    "checklist",
    "load_plans",
    "parse_plans",
    "plan_for",
    "shipped_plans",
]

SOP_FILE = Path(__file__).resolve().parent.parent / "rules" / "sop.yaml"


class SopError(ValueError):
    """The SOP file is not valid; the message names the plan, the step and the field."""


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=40)
    zh: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)
    minutes: int = Field(gt=0, le=60 * 24 * 30)
    units_zh: tuple[str, ...] = Field(min_length=1)
    units_en: tuple[str, ...] = Field(min_length=1)

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def units(self, lang: str) -> tuple[str, ...]:
        return self.units_en if lang == "en" else self.units_zh


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=40)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    rules: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    default: bool = False
    steps: tuple[Step, ...] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _unique_steps(cls, steps: tuple[Step, ...]) -> tuple[Step, ...]:
        seen = [s.id for s in steps]
        twice = sorted({s for s in seen if seen.count(s) > 1})
        if twice:
            raise ValueError(f"step ids used twice: {twice}")
        for s in steps:
            if len(s.units_zh) != len(s.units_en):
                raise ValueError(f"step {s.id!r}: units_zh and units_en differ in length")
        return steps

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    plans: tuple[Plan, ...] = Field(min_length=1)


def parse_plans(text: str, source: str = "sop.yaml") -> tuple[Plan, ...]:
    """The plans of an SOP document; `SopError` naming what is wrong and where."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SopError(f"{source}: not valid YAML: {exc}") from exc
    try:
        doc = _File.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # a bad item also empties its list: keep only the errors that are not the echo of another
        own = [
            e
            for e in errors
            if not any(o["loc"][: len(e["loc"])] == e["loc"] and o is not e for o in errors)
        ]
        problems = "; ".join(f"{_where(raw, e['loc'])}: {e['msg']}" for e in own)
        raise SopError(f"{source}: {problems}") from exc
    ids = [p.id for p in doc.plans]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise SopError(f"{source}: plan ids used twice: {twice}")
    defaults = [p.id for p in doc.plans if p.default]
    if len(defaults) != 1:
        raise SopError(f"{source}: exactly one plan needs `default: true`, found {defaults}")
    return doc.plans


def _where(raw: Any, loc: Sequence[int | str]) -> str:
    """A readable location of a validation error: plan 'fire-alarm' → step 'call' → minutes."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and key < len(node) else None
            name = node.get("id") if isinstance(node, Mapping) else None
            label = repr(name) if name else f"#{key + 1}"
            parts[-1:] = [f"{parts[-1]} {label}" if parts else label]
            continue
        parts.append({"plans": "plan", "steps": "step"}.get(key, key))
        node = node.get(key) if isinstance(node, Mapping) else None
    return " → ".join(parts) or "file"


def load_plans(path: Path = SOP_FILE) -> tuple[Plan, ...]:
    """The plans of an SOP file (`SopError` when the file is missing or invalid)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SopError(f"cannot read the SOP file {path}: {exc}") from exc
    return parse_plans(text, str(path))


@cache
def shipped_plans() -> tuple[Plan, ...]:
    """The plans of `rules/sop.yaml`, read once per process."""
    return load_plans(SOP_FILE)


def plan_for(plans: Sequence[Plan], rule: str, domain: str) -> Plan:
    """The plan of an alert: the first whose rule patterns match, else the first of its domain,
    else the default plan."""
    for p in plans:
        if any(fnmatch.fnmatchcase(rule, pattern) for pattern in p.rules):
            return p
    for p in plans:
        if domain in p.domains:
            return p
    return next(p for p in plans if p.default)


@dataclass(frozen=True)
class StepState:
    """One step of a checklist at `now`: done (when, by whom), or due / overdue."""

    step: Step
    deadline: datetime
    done_at: datetime | None
    done_by: str | None
    remaining_s: float  # until the deadline (negative: overdue); 0 when done

    @property
    def status(self) -> str:
        if self.done_at is not None:
            return "late" if self.done_at > self.deadline else "done"
        return "overdue" if self.remaining_s < 0 else "due"


def checklist(
    plan: Plan,
    first_seen: datetime,
    ticks: Mapping[str, tuple[datetime, str]],
    now: datetime,
) -> list[StepState]:
    """Every step of `plan` for an alert first seen at `first_seen`; `ticks` maps a step id to
    (when, who) it was ticked off."""
    out = []
    for step in plan.steps:
        deadline = first_seen + timedelta(minutes=step.minutes)
        done = ticks.get(step.id)
        remaining = 0.0 if done else (deadline - now).total_seconds()
        out.append(
            StepState(
                step=step,
                deadline=deadline,
                done_at=done[0] if done else None,
                done_by=done[1] if done else None,
                remaining_s=remaining,
            )
        )
    return out
