"""Shift handover (交接班) on the duty console: the open items summarised, the log of handovers.

The summary is written for the outgoing officer from the alerts still open; they add their own
notes, and the incoming officer (another person) signs the handover off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dash import html

from alerts.store import Alert, Handover
from brain.rules import SEVERITIES
from layouts import ids
from layouts.duty_grid import severity_text
from layouts.i18n import clock_text, t

__all__ = ["handover_list", "handover_text", "summary_text"]


def summary_text(
    alerts: Sequence[Alert], districts: Mapping[str, Mapping[str, Any]], now: datetime, lang: str
) -> str:
    """The open items as plain text: a count by level, then one line per alert."""
    counts = {lvl: sum(a.severity == lvl for a in alerts) for lvl in SEVERITIES}
    lines = [
        t(
            "duty.handover.head",
            lang,
            time=clock_text(now, now),
            n=len(alerts),
            **{f"n{lvl}": counts[lvl] for lvl in SEVERITIES},
        )
    ]
    name = "name_en" if lang == "en" else "name_zh"
    for a in alerts:
        d = districts.get(a.district or "")
        who = t("duty.handover.to", lang, who=a.assignee) if a.assignee else ""
        lines.append(
            t(
                "duty.handover.item",
                lang,
                level=severity_text(a.severity, lang),
                domain=t(f"domain.{a.domain}", lang),
                place=d[name] if d else "—",
                message=a.message(lang),
                handling=t(f"duty.handling.{a.handling}", lang),
                since=clock_text(a.first_seen, now),
                to=who,
            )
        )
    if not alerts:
        lines.append(t("duty.handover.nothing", lang))
    return "\n".join(lines)


def handover_text(summary: str, notes: str, lang: str) -> str:
    """What is stored: the summary, and the outgoing officer's notes when there are any."""
    notes = notes.strip()
    if not notes:
        return summary
    return f"{summary}\n\n{t('duty.handover.notes_head', lang)}\n{notes}"


def handover_list(
    handovers: Sequence[Handover], me: str | None, now: datetime, lang: str, limit: int = 6
) -> html.Div:
    """The latest handovers, each with its sign-off (or the button for the incoming officer)."""
    if not handovers:
        return html.Div(t("duty.handover.none", lang), className="duty-empty")
    cards = []
    for h in handovers[:limit]:
        if h.signed_by:
            foot: Any = html.Span(
                t("duty.handover.signed", lang, who=h.signed_by, at=clock_text(h.signed_at, now)),
                className="duty-ho-signed",
            )
        else:
            own = me == h.written_by
            foot = html.Button(
                t("duty.handover.sign_own" if own else "duty.handover.sign", lang),
                id=ids.DUTY.sign(h.id, str(h.version)),
                className="duty-btn duty-btn--sign",
                disabled=own,
                n_clicks=0,
            )
        cards.append(
            html.Div(
                [
                    html.Div(
                        t(
                            "duty.handover.written",
                            lang,
                            who=h.written_by,
                            at=clock_text(h.written_at, now),
                        ),
                        className="duty-ho-head",
                    ),
                    html.Pre(h.summary, className="duty-ho-summary"),
                    foot,
                ],
                className="duty-ho" + (" duty-ho--signed" if h.signed_by else ""),
            )
        )
    return html.Div(cards)
