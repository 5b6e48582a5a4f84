"""Sign-in throttling on `limits` (the maintained library under Flask-Limiter), with counts every process sees.

Counts live in Redis when ``CASEWORKS_RATE_LIMIT_STORAGE`` names one (``redis://...``), and otherwise in the
Caseworks database itself (``DatabaseStorage`` below: one row per counted failure), so the embedded SQLite
default and a PostgreSQL deployment both throttle across every ``serve`` process and host with no extra
service. The strategy is the moving window: "5 per minute" means at most 5 in any 60 seconds, not per clock
minute. Only failures are counted, so a person who types their password right is never slowed down.
"""
from __future__ import annotations

import math
from contextlib import nullcontext
import time
import zlib
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MovingWindowSupport, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from engine.db import Database, changed_rows
from engine.errors import TooManyAttempts
from engine.models import RateLimitHit
from engine.settings import Settings

KEEP_SECONDS = 86_400  # hits older than a day are dropped whatever their key (no limit here is longer)


class DatabaseStorage(Storage, MovingWindowSupport):
    """A `limits` moving-window storage in the Caseworks database (SQLite or PostgreSQL).

    Only the moving-window operations are provided; the fixed-window ones raise ``NotImplementedError``.
    A hit is taken under the write lock (SQLite: one writer; PostgreSQL: a transaction-scoped advisory lock
    on the key), so two processes never both take the last free slot.
    """

    STORAGE_SCHEME = None

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self.db.write_lock or nullcontext(), self.db.write_sessions() as session, session.begin():
            if not self.db.is_sqlite:
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})
            session.execute(delete(RateLimitHit).where(RateLimitHit.at < now - KEEP_SECONDS))
            used = session.scalar(select(func.count()).select_from(RateLimitHit)
                                  .where(RateLimitHit.key == key, RateLimitHit.at > now - expiry)) or 0
            if used + amount > limit:
                return False
            session.add_all([RateLimitHit(key=key, at=now) for _ in range(amount)])
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        with self.db.read_sessions() as session:
            oldest, count = session.execute(select(func.min(RateLimitHit.at), func.count())
                                            .where(RateLimitHit.key == key, RateLimitHit.at > now - expiry)).one()
        return (float(oldest) if oldest is not None else now), int(count)

    def clear(self, key: str) -> None:
        with self.db.write_lock or nullcontext(), self.db.write_sessions() as session, session.begin():
            session.execute(delete(RateLimitHit).where(RateLimitHit.key == key))

    def reset(self) -> int | None:
        with self.db.write_lock or nullcontext(), self.db.write_sessions() as session, session.begin():
            return changed_rows(session.execute(delete(RateLimitHit)))

    def check(self) -> bool:
        with self.db.read_sessions() as session:
            session.execute(select(1))
        return True

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        raise NotImplementedError("DatabaseStorage supports the moving-window strategy only")

    def get(self, key: str) -> int:
        raise NotImplementedError("DatabaseStorage supports the moving-window strategy only")

    def get_expiry(self, key: str) -> float:
        raise NotImplementedError("DatabaseStorage supports the moving-window strategy only")


@dataclass(frozen=True)
class LoginThrottle:
    """Failed sign-ins per user name and per client address; ``check`` before a password is hashed, ``failed``
    after a wrong one. A refused attempt costs no hash at all, so a flood of them cannot slow anyone else."""

    limiter: MovingWindowRateLimiter
    per_user: RateLimitItem
    per_address: RateLimitItem

    def check(self, username: str, address: str | None) -> None:
        for item, namespace, value in self._keys(username, address):
            if not self.limiter.test(item, namespace, value):
                reset, _remaining = self.limiter.get_window_stats(item, namespace, value)
                wait = max(1, math.ceil(reset - time.time()))
                whom = "this user name" if namespace == "user" else "your address"
                raise TooManyAttempts(f"too many failed sign-ins for {whom}; wait {wait} seconds and try again",
                                      retry_after=wait)

    def failed(self, username: str, address: str | None) -> None:
        for item, namespace, value in self._keys(username, address):
            self.limiter.hit(item, namespace, value)

    def _keys(self, username: str, address: str | None) -> list[tuple[RateLimitItem, str, str]]:
        keys = [(self.per_user, "user", username.strip().casefold()[:120])]
        if address:
            keys.append((self.per_address, "address", address[:64]))
        return keys


def login_throttle(settings: Settings, db: Database) -> LoginThrottle:
    """The throttle the settings ask for: Redis (or any `limits` storage URI) when configured, else the database."""
    storage = storage_from_string(settings.rate_limit_storage) if settings.rate_limit_storage else DatabaseStorage(db)
    return LoginThrottle(MovingWindowRateLimiter(storage), _parse(settings.login_limit_user),
                         _parse(settings.login_limit_address))


def _parse(limit: str) -> RateLimitItem:
    try:
        return parse(limit)
    except ValueError as err:
        raise ValueError(f"invalid rate limit '{limit}' (write it like '5/minute')") from err
