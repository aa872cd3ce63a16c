"""What the admin page does: one action on accounts or display tokens, audited, answered as a
message key of the `admin.` catalog with its fields (the page shows it in the user's language).

The admin page's callbacks are refused by the request hook to every role but admin; `perform`
checks it again (defence in depth) so that no other caller can use it unprivileged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from security import Role, User
from security.accounts import Accounts, new_password

__all__ = ["ACTIONS", "Outcome", "perform"]

ACTIONS: Final = (
    "create-user",
    "set-role",
    "disable",
    "enable",
    "reset-password",
    "create-token",
    "revoke-token",
)


@dataclass(frozen=True)
class Outcome:
    """`key` of the `admin.` catalog, its fields, and whether the action was done."""

    key: str
    fields: dict[str, str] = field(default_factory=dict)
    ok: bool = True


def perform(
    accounts: Accounts,
    action: str,
    values: dict[str, str],
    *,
    actor: User | None,
    now: datetime,
    address: str = "",
) -> Outcome:
    """Do `action` with the form's `values` (name, display_name, role, user, token_name, token)
    as `actor`."""
    if actor is None or actor.role != Role.ADMIN:
        return Outcome("admin.error.forbidden", ok=False)
    if action not in ACTIONS:
        return Outcome("admin.error.action", ok=False)
    by = actor.name
    user = (values.get("user") or "").strip()
    try:
        if action == "create-user":
            name = (values.get("name") or "").strip()
            role = values.get("role") or ""
            password = new_password()
            accounts.create_user(
                name,
                role,
                password,
                must_change=True,
                display_name=(values.get("display_name") or "").strip(),
                actor=by,
                now=now,
                address=address,
            )
            return Outcome("admin.done.create-user", {"name": name, "password": password})
        if action == "create-token":
            name = (values.get("token_name") or "").strip()
            token = accounts.create_token(name, actor=by, now=now, address=address)
            return Outcome("admin.done.create-token", {"name": name, "token": token})
        if action == "revoke-token":
            name = (values.get("token") or "").strip()
            accounts.revoke_token(name, actor=by, now=now, address=address)
            return Outcome("admin.done.revoke-token", {"name": name})
        if not user:
            return Outcome("admin.error.no-user", ok=False)
        if action == "set-role":
            role = values.get("role") or ""
            accounts.set_role(user, role, actor=by, now=now, address=address)
            return Outcome("admin.done.set-role", {"name": user, "role": role})
        if action == "reset-password":
            password = accounts.reset_password(user, actor=by, now=now, address=address)
            return Outcome("admin.done.reset-password", {"name": user, "password": password})
        accounts.set_disabled(user, action == "disable", actor=by, now=now, address=address)
        return Outcome(f"admin.done.{action}", {"name": user})
    except (ValueError, LookupError) as e:
        return Outcome("admin.error.refused", {"reason": str(e)}, ok=False)
