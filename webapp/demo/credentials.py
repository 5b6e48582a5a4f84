"""Getting back into the demo: new passwords and API tokens for its users when the first ones were lost, and the
line that tells a newcomer what to open first."""
from __future__ import annotations

import sys
from typing import Any, TextIO

from sqlalchemy import select, update

from engine.context import Context
from webapp.demo import PROCESS_DEMOS, _already_loaded, _new_password, print_users
from webapp.demo.playback import set_up_people
from engine.errors import CaseworksError
from engine.models import ApiToken, User
from engine.services import auth

TOKEN_NAME = "demo"
FIRST_USER = "agent"  # the back-office agent: the worklist is where the demo's cases are worked


def reset_credentials(ctx: Context) -> dict[str, Any]:
    """A new password for every demo user and a new API token each; the earlier demo tokens are revoked (only
    tokens named "demo", so tokens made by hand keep working). Cases and data are not touched."""
    demos = [demo for demo in PROCESS_DEMOS if demo.case_type in ctx.processes.case_types()]
    if not _already_loaded(ctx, demos):
        raise CaseworksError("the demo is not loaded yet: run `caseworks demo` first (it prints the passwords)")
    users = set_up_people(ctx, demos, _new_password)
    names = [u["username"] for u in users]
    with ctx.write() as session:
        ids = select(User.id).where(User.username.in_(names))
        session.execute(update(ApiToken).where(ApiToken.user_id.in_(ids), ApiToken.name == TOKEN_NAME)
                        .values(revoked=True).execution_options(synchronize_session=False))
    tokens = {u["username"]: auth.create_token(ctx, u["username"], u["role"], name=TOKEN_NAME) for u in users}
    return {"users": users, "tokens": tokens}


def print_reset(result: dict[str, Any], out: TextIO | None = None) -> None:
    print_users(result, out or sys.stdout, "New demo passwords (the old ones no longer work):",
                "New API tokens (header 'Authorization: Bearer <token>'; the old demo tokens are revoked):")


def first_steps(ctx: Context, base_url: str) -> str:
    """What to open first, as the last line of the start-up output."""
    with ctx.read() as session:
        demo = session.scalar(select(User.id).where(User.username == FIRST_USER, User.active.is_(True)))
    if demo is not None:
        return (f"Sign in as {FIRST_USER} at {base_url}/work (front office: desk at {base_url}/desk). "
                "Lost the demo passwords? Run `caseworks demo --reset-credentials`.")
    return (f"Open {base_url}/login and sign in. No users yet? Run `caseworks demo` for demo users, or "
            "`caseworks user add NAME --role backoffice --password P`.")
