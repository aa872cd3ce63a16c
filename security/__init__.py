"""Who is asking, and what they may see: accounts, sessions, roles and the access policy.

`current_user()` is the signed-in person (or wall display) of the request being served;
`may_see(user, page)` answers from `PAGE_ROLES`, the one table of which role sees which page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from flask import g, has_request_context

__all__ = ["PAGE_ROLES", "Role", "User", "current_user", "may_see"]


class Role(StrEnum):
    LEADER = "leader"
    DUTY = "duty"
    ANALYST = "analyst"
    ADMIN = "admin"
    DISPLAY = "display"


@dataclass(frozen=True)
class User:
    """A signed-in account or wall display."""

    name: str
    role: Role
    display_name: str = ""


_THEMES: Final = frozenset({Role.LEADER, Role.ANALYST, Role.DUTY, Role.ADMIN})
# page (the module of callbacks/ and the name registered with Dash) → roles that may see it
PAGE_ROLES: Final[dict[str, frozenset[Role]]] = {
    "wall": frozenset(Role),
    "economy": _THEMES,
    "traffic": _THEMES,
    "emergency": _THEMES,
    "fire": _THEMES,
    "river": _THEMES,
    "radar": _THEMES,
    "duty": frozenset({Role.DUTY, Role.ADMIN}),
    "admin": frozenset({Role.ADMIN}),
}


def current_user() -> User | None:
    """The user of the request being served, or None outside a request or when nobody signed in."""
    if not has_request_context():
        return None
    user: User | None = g.get("brain_user")
    return user


def may_see(user: User | None, page: str) -> bool:
    return user is not None and user.role in PAGE_ROLES.get(page, frozenset())
