"""``run_isolated``: capture in a child process with bounded memory, CPU and wall time.

Why a child process: under a memory cap PDFium aborts the whole process (SIGABRT) instead of
raising, and a 400 MP image makes Tesseract take 1.5 GiB. In a child (``python -m
capture.worker``) such a document costs a failed result with a reason, never the caller.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .classify import ClassificationRules
from .errors import CaptureError, ReaderFailed
from .model import CaptureResult, Limits
from .sniff import precheck

log = logging.getLogger(__name__)

WORKER_COMMAND: tuple[str, ...] = (sys.executable, "-m", "capture.worker")
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_CANNOT_READ = "The document could not be read"


def run_isolated(data: bytes, limits: Limits, rules: ClassificationRules, *,
                 command: Sequence[str] | None = None) -> CaptureResult:
    """Capture ``data`` in a bounded child process; every failure is a failed result, never raised.

    ``command`` replaces the worker command line (another interpreter, or a test's stand-in).
    """
    try:
        media_type: str | None = precheck(data, limits)  # cheap: refuse before paying for a process
    except CaptureError as err:
        return CaptureResult.failed(err.code, str(err))
    proc = subprocess.Popen(
        list(command or WORKER_COMMAND), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_child_env(), start_new_session=True,
    )
    try:
        out, stderr = proc.communicate(_job(data, limits, rules), timeout=limits.max_wall_seconds)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        return CaptureResult.failed(
            ReaderFailed.code,
            f"{_CANNOT_READ}: reading took longer than the {limits.max_wall_seconds:.0f} s allowed.",
            media_type,
        )
    finally:
        _kill_group(proc)  # tesseract grandchildren of a crashed worker must not linger
    return _result(proc.returncode, out, stderr, media_type)


def _job(data: bytes, limits: Limits, rules: ClassificationRules) -> bytes:
    header = json.dumps({"limits": limits.to_dict(), "rules": rules.to_dict(),
                         "rules_source": rules.source}).encode("utf-8")
    return len(header).to_bytes(8, "big") + header + data


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"  # one thread per tesseract: pages already run in parallel
    env["MALLOC_ARENA_MAX"] = "2"  # fewer 64 MiB arena reservations under RLIMIT_AS
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    return env


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _result(returncode: int, out: bytes, err: bytes, media_type: str | None) -> CaptureResult:
    if returncode == 0 and out:
        try:
            result = CaptureResult.from_json(out.decode("utf-8"))
            return result if result.media_type else dataclasses.replace(result, media_type=media_type)
        except (ValueError, KeyError, TypeError, IndexError) as bad:
            log.warning("capture worker answered garbage (%s); stderr: %s", bad, _tail(err))
            return CaptureResult.failed(
                ReaderFailed.code, f"{_CANNOT_READ}: the reader gave an unreadable answer.", media_type
            )
    log.warning("capture worker ended with status %s; stderr: %s", returncode, _tail(err))
    return CaptureResult.failed(ReaderFailed.code, f"{_CANNOT_READ}: {_why(returncode)}.", media_type)


def _why(returncode: int) -> str:
    if returncode >= 0:
        return f"the reader failed (exit status {returncode})"
    number = -returncode
    if number == signal.SIGXCPU:
        return f"the reader ran out of CPU time (signal {number})"
    if number == signal.SIGKILL:
        return f"the reader was killed, probably for lack of memory (signal {number})"
    return f"the reader crashed (signal {number})"


def _tail(err: bytes, limit: int = 2000) -> str:
    return err[-limit:].decode("utf-8", "replace")
