"""Password hashing with the standard library's scrypt (no web framework in the engine).

Hashing is deliberately slow and memory-hard, so it is also the cheapest way to hurt the server: a burst of
sign-ins would take every core from everyone else. At most ``HASHING_SLOTS`` hashes run at once per process
(half the cores, at least one), and at most as many more sign-ins wait for one; any further sign-in is refused
at once with ``ServiceBusy`` (503, try again) rather than queue. A waiting sign-in holds one of the server's
request threads, so without the second bound a flood of sign-ins would take every thread and the API would
wait behind it even with idle cores. Both bounds are per process on purpose: they protect this process's CPU
and threads, which are what its other requests need.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading

from engine.errors import ServiceBusy

N, R, P = 2**14, 8, 1
HASHING_SLOTS = max(1, (os.cpu_count() or 2) // 2)
_slots = threading.BoundedSemaphore(HASHING_SLOTS)
_admitted = threading.BoundedSemaphore(2 * HASHING_SLOTS)  # hashing or waiting to: the rest are turned away
# A well-formed hash of no password anyone knows: checking a password for an unknown user against it costs
# exactly what checking a known user's does, so the time of an answer does not tell which user names exist.
DUMMY_HASH = f"scrypt${N}${R}${P}${base64.b64encode(bytes(16)).decode()}${base64.b64encode(bytes(32)).decode()}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, wait: float) -> bytes:
    if not _slots.acquire(timeout=wait):
        raise ServiceBusy("the server is busy checking other sign-ins; try again in a few seconds")
    try:
        return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=128 * 1024 * 1024)
    finally:
        _slots.release()


def hash_password(password: str, *, wait: float = 30.0) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, N, R, P, wait)
    return f"scrypt${N}${R}${P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(stored: str | None, password: str, *, wait: float = 10.0) -> bool:
    """True when ``password`` matches ``stored``; a missing or malformed hash is checked against the dummy one,
    so every answer costs one full hash."""
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        params = (int(n), int(r), int(p))
        salt_bytes, digest_bytes = base64.b64decode(salt), base64.b64decode(digest)
        valid = scheme == "scrypt"
    except ValueError:
        valid = False
    if not valid:
        _, n, r, p, salt, digest = DUMMY_HASH.split("$")
        params, salt_bytes, digest_bytes = (int(n), int(r), int(p)), base64.b64decode(salt), base64.b64decode(digest)
    if not _admitted.acquire(blocking=False):
        raise ServiceBusy("the server is busy checking other sign-ins; try again in a few seconds")
    try:
        candidate = _scrypt(password, salt_bytes, *params, wait=wait)
    finally:
        _admitted.release()
    return valid and hmac.compare_digest(candidate, digest_bytes)
