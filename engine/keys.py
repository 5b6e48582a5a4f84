"""Secret keys an installation keeps for itself: the configured one, or a random one in the home folder."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def kept_secret(configured: str, home: Path, filename: str) -> str:
    """``configured`` (``CASEWORKS_SECRET_KEY``) when set; otherwise a random key kept in ``home/filename``, so
    restarts and every other process of the installation (web processes, the worker) sign alike. Created once,
    atomically: the first process to link its file in wins and the others read that one."""
    if configured:
        return configured
    home.mkdir(parents=True, exist_ok=True)
    path = home / filename
    if not path.exists():
        tmp = home / f".{filename}.{os.getpid()}.{secrets.token_hex(4)}"
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)  # fails if another process got there first: then use theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
