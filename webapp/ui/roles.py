"""Which screens each role's work needs, in one place: the navigation, the pages and the buttons on them ask here.

Permissions (``engine.services.auth``) say what a role may do through any door, the REST API included; this says
which browser screens a person in that role works in. A designer may read work items through the API, but has no
use for the worklist; an integration account acts for an upstream system and never claims work in a browser.
"""
from __future__ import annotations

from engine.errors import PermissionDenied
from engine.services.auth import Principal

SCREENS: dict[str, frozenset[str]] = {
    "worklist": frozenset({"backoffice", "admin"}),
    "desk": frozenset({"frontoffice", "backoffice", "admin"}),
    "designer": frozenset({"designer", "admin"}),
}
WHERE = {"worklist": "the worklist", "desk": "the desk", "designer": "the designer"}


def may_open(who: Principal, screen: str) -> bool:
    return bool(SCREENS.get(screen, frozenset()) & set(who.roles))


def works_items(who: Principal) -> bool:
    """Claims, releases, completes and reassigns work items in the browser: people on the worklist only."""
    return may_open(who, "worklist") and who.can("work.claim")


def screens(who: Principal) -> list[str]:
    return [name for name in SCREENS if may_open(who, name)]


def require_screen(who: Principal, screen: str) -> None:
    """403 with a sentence saying where this person's work is instead."""
    if may_open(who, screen):
        return
    elsewhere = [WHERE[s] for s in screens(who)]
    hint = (f" Your work is in {' and '.join(elsewhere)}." if elsewhere else
            " This account works through the REST API (see /api/openapi.json); sign in as a person to use the screens.")
    raise PermissionDenied(f"{WHERE.get(screen, screen).capitalize()} is not part of your role's work "
                           f"({', '.join(who.roles) or 'no role'}).{hint}")

