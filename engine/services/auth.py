"""Users, teams, roles and API tokens; what each role may do."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.context import Context
from engine.errors import AuthenticationRequired, NotFound, PermissionDenied, ValidationFailed
from engine.models import ROLES, ApiToken, Team, User
from engine.passwords import check_password, hash_password
from engine.ratelimit import LoginThrottle

# Least privilege: front office reads cases, logs interactions, opens cases and sends messages, but never
# touches back-office work; designers read processes and cases; integrations act for upstream systems.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"*"}),
    "designer": frozenset({"case.read", "process.read", "work.read", "process.deploy", "case.repair", "case.retry"}),
    "backoffice": frozenset({"case.read", "case.create", "interaction.log", "message.send", "work.read",
                             "work.claim", "work.complete", "document.upload"}),
    "frontoffice": frozenset({"case.read", "case.create", "interaction.log", "message.send", "document.upload"}),
    "integration": frozenset({"case.read", "case.create", "interaction.log", "message.send", "work.read",
                              "work.claim", "work.complete", "case.retry", "document.upload"}),
}


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    roles: tuple[str, ...]
    team_queues: tuple[str, ...] = ()
    session_generation: int = 0  # a browser session signed with another generation has ended

    def can(self, permission: str) -> bool:
        return any("*" in PERMISSIONS.get(r, ()) or permission in PERMISSIONS.get(r, ()) for r in self.roles)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"your role ({', '.join(self.roles) or 'none'}) may not do this ({permission})")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_roles(roles: list[str]) -> None:
    bad = [r for r in roles if r not in ROLES]
    if bad or not roles:
        raise ValidationFailed(f"unknown role(s) {', '.join(bad) or '(none given)'}",
                               details={"role": f"must be one of: {', '.join(ROLES)}"})


def ensure_user(ctx: Context, username: str, roles: list[str], *, password: str | None = None,
                display_name: str | None = None, team: str | None = None) -> User:
    """Create the user, or add the roles (and password/team, when given) to an existing one."""
    _check_roles(roles)
    digest = hash_password(password) if password else None  # outside the write transaction: hashing is slow
    with ctx.write() as session:
        now = ctx.clock.now()
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=display_name or username, roles=list(roles), created_at=now,
                        session_generation=0)
            session.add(user)
        else:
            user.roles = sorted(set(user.roles) | set(roles))
        if digest:
            user.password_hash = digest
            user.session_generation += 1  # a new password ends the sessions signed in with the old one
        if team:
            user.team_id = _team(session, team).id
        session.flush()
        return user


def _team(session: Session, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name, queues=[])
        session.add(team)
        session.flush()
    return team


def set_team_queues(ctx: Context, team: str, queues: list[str]) -> None:
    with ctx.write() as session:
        _team(session, team).queues = sorted(set(queues))


def create_token(ctx: Context, username: str, role: str, name: str | None = None) -> str:
    """A new API token for the user (created with the role if missing); only its hash is stored."""
    user = ensure_user(ctx, username, [role])
    token = "cw_" + secrets.token_urlsafe(32)
    with ctx.write() as session:
        session.add(ApiToken(user_id=user.id, name=name or username, token_hash=_hash_token(token),
                             created_at=ctx.clock.now()))
    return token


def _principal(session: Session, user: User) -> Principal:
    queues: tuple[str, ...] = ()
    if user.team_id is not None:
        team = session.get(Team, user.team_id)
        queues = tuple(team.queues) if team else ()
    return Principal(user.id, user.username, tuple(user.roles), queues, user.session_generation)


def authenticate_token(ctx: Context, token: str) -> Principal:
    """Every API request: the token, its user and the user's team queues in one indexed statement (no cache:
    a revoked token or a deactivated user is refused on the next request, in every process)."""
    statement = (select(User.id, User.username, User.roles, User.session_generation, Team.queues)
                 .join(ApiToken, ApiToken.user_id == User.id).outerjoin(Team, Team.id == User.team_id)
                 .where(ApiToken.token_hash == _hash_token(token), ApiToken.revoked.is_(False), User.active.is_(True)))
    with ctx.read() as session:
        row = session.execute(statement).first()
    if row is None:
        raise AuthenticationRequired("the API token is not valid; create one with `caseworks token create`")
    return Principal(row.id, row.username, tuple(row.roles), tuple(row.queues or ()), row.session_generation)


def authenticate_password(ctx: Context, username: str, password: str, *, throttle: LoginThrottle | None = None,
                          address: str | None = None) -> Principal:
    """Sign-in by password. Throttled per user name and address before any hashing (429); an unknown, inactive
    or password-less user costs one full hash like a known one, so the answer's time tells nothing."""
    if throttle is not None:
        throttle.check(username, address)
    with ctx.read() as session:  # closed before hashing: a connection is never held while a hash waits
        user = session.scalar(select(User).where(User.username == username))
        stored = user.password_hash if user is not None else None
        who = _principal(session, user) if user is not None and user.active else None
    if not check_password(stored, password) or who is None:
        if throttle is not None:
            throttle.failed(username, address)
        raise AuthenticationRequired("unknown user or wrong password")
    return who


def set_password(ctx: Context, username: str, password: str) -> None:
    """A new password; every session signed in before it ends."""
    if len(password) < 8:
        raise ValidationFailed("the password is too short", details={"password": "must be at least 8 characters"})
    digest = hash_password(password)
    with ctx.write() as session:
        user = _user(session, username)
        user.password_hash = digest
        user.session_generation += 1


def end_sessions(ctx: Context, user_id: int) -> None:
    """Sign the user out everywhere: every session cookie issued so far is refused from now on, in every process."""
    with ctx.write() as session:
        session.execute(update(User).where(User.id == user_id)
                        .values(session_generation=User.session_generation + 1))


def deactivate_user(ctx: Context, username: str) -> None:
    """The user can no longer sign in; their sessions and API tokens are refused from the next request on."""
    with ctx.write() as session:
        user = _user(session, username)
        user.active = False
        user.session_generation += 1


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


def principal_for(ctx: Context, username: str) -> Principal:
    with ctx.read() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise AuthenticationRequired(f"no active user '{username}'")
        return _principal(session, user)
