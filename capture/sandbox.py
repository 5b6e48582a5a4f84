"""``run_isolated`` and ``render_page_isolated``: capture, or one page's picture, in a child
process with bounded memory, CPU and wall time.

Why a child process: under a memory cap PDFium aborts the whole process (SIGABRT) instead of
raising, and a 400 MP image makes Tesseract take 1.5 GiB. In a child (``python -m
capture.worker``) such a document costs a failed result with a reason, never the caller. The
children are kept warm in a pool (``capture.pool``), one job after another, with the same limits.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import atexit
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .classify import ClassificationRules
from .errors import CaptureError, PageNotFound, ReaderFailed, error_from_code
from .model import CaptureResult, Limits
from .pool import WorkerPool
from .render import DEFAULT_WIDTH, MAX_WIDTH
from .sniff import precheck

log = logging.getLogger(__name__)

WORKER_COMMAND: tuple[str, ...] = (sys.executable, "-m", "capture.worker")
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
_CANNOT_READ = "The document could not be read"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_isolated(data: bytes, limits: Limits, rules: ClassificationRules, *,
                 command: Sequence[str] | None = None) -> CaptureResult:
    """Capture ``data`` in a bounded child process; every failure is a failed result, never raised.

    ``command`` replaces the worker command line (another interpreter, or a test's stand-in).
    """
    try:
        media_type: str | None = precheck(data, limits)  # cheap: refuse before paying for a process
    except CaptureError as err:
        return CaptureResult.failed(err.code, str(err))
    header = {"limits": limits.to_dict(), "rules": rules.to_dict(), "rules_source": rules.source}
    answer = _run_child(command, header, data, limits)
    if answer is None:
        return CaptureResult.failed(ReaderFailed.code, _too_long(limits), media_type)
    return _result(*answer, media_type)


def render_page_isolated(data: bytes, page: int, limits: Limits, *, width: int = DEFAULT_WIDTH,
                         command: Sequence[str] | None = None) -> bytes:
    """PNG bytes of page ``page`` (1-based), ``width`` pixels wide, drawn in a bounded child process.

    What ``capture.render.render_page`` does, for untrusted bytes: the same limits as
    ``run_isolated``, and a crash, a kill or a timeout of the child is a ``ReaderFailed``.

    Size: the PNG is ``width`` x ``round(width * page.height / page.width)`` pixels, ``page``
    being the ``Page`` capture returned (within a pixel for PDFs). A box ``(x, y, w, h)`` of that
    page (word or field, in reference pixels) is at ``(x, y, w, h) * width / page.width`` on it.

    Orientation: PDF pages are drawn as displayed (their /Rotate applied), photos upright (EXIF
    orientation applied), exactly as the boxes are. A scanned page that OCR found turned
    (``Page.orientation``) is drawn as scanned, not turned, so its boxes still fit; a viewer
    rotates image and overlay together by ``orientation`` degrees clockwise to show it upright.

    Raises ``PageNotFound`` for a page the document does not have (404); ``LimitExceeded``
    subclasses for input over ``limits`` or a PNG over ``limits.max_pixels`` (413); other
    ``DocumentError`` subclasses (``CorruptDocument``, ``UnsupportedDocument``, ``EmptyDocument``,
    ``PasswordProtected``, ``ReaderFailed``) for what cannot be read (422); every message is fit
    for the user. ``ValueError`` for a ``width`` outside 1..MAX_WIDTH (a caller's mistake).
    ``command`` replaces the worker command line, as for ``run_isolated``.
    """
    if not 1 <= width <= MAX_WIDTH:
        raise ValueError(f"width must be between 1 and {MAX_WIDTH} pixels, got {width!r}")
    precheck(data, limits)  # refuse before paying for a process
    if page < 1:
        raise PageNotFound(f"There is no page {page}: pages are numbered from 1.")
    header = {"task": "render", "limits": limits.to_dict(), "page": page, "width": width}
    answer = _run_child(command, header, data, limits)
    if answer is None:
        raise ReaderFailed(_too_long(limits))
    returncode, out, stderr = answer
    if returncode != 0 or not out:
        log.warning("render worker ended with status %s; stderr: %s", returncode, _tail(stderr))
        raise ReaderFailed(f"{_CANNOT_READ}: {_why(returncode)}.")
    try:
        size = int.from_bytes(out[:8], "big")
        status = json.loads(out[8:8 + size])
        png = out[8 + size:]
        if status.get("ok") is True and png.startswith(_PNG_SIGNATURE):
            return png
        error = error_from_code(str(status["error_code"]), str(status["error"]))
    except (ValueError, KeyError, TypeError, AttributeError) as bad:
        log.warning("render worker answered garbage (%s); stderr: %s", bad, _tail(stderr))
        raise ReaderFailed(f"{_CANNOT_READ}: the reader gave an unreadable answer.") from None
    raise error


def _run_child(command: Sequence[str] | None, header: dict[str, Any], data: bytes,
               limits: Limits) -> tuple[int, bytes, bytes] | None:
    """Run one worker job: (exit status, stdout, stderr), or None when it ran out of wall time.

    The product's own command goes to the warm pool; another command (a test's stand-in) runs once.
    """
    if command is None:
        key = (limits.max_memory_bytes, limits.max_cpu_seconds)
        return default_pool().run(header, data, key, limits.max_wall_seconds)
    encoded = json.dumps(header).encode("utf-8")
    proc = subprocess.Popen(
        list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=_child_env(), start_new_session=True,
    )
    try:
        out, stderr = proc.communicate(len(encoded).to_bytes(8, "big") + encoded + data,
                                       timeout=limits.max_wall_seconds)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        return None
    finally:
        _kill_group(proc)  # tesseract grandchildren of a crashed worker must not linger
    return proc.returncode, out, stderr


def default_pool() -> WorkerPool:
    """The process's pool of warm capture workers, started on first use."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool(WORKER_COMMAND, _child_env())
            atexit.register(_POOL.close)  # workers end with their pipes closed, not reaped by the interpreter
        return _POOL


def warm(limits: Limits, count: int = 1) -> None:
    """Start capture workers ahead of the first document (a worker process calls this at start)."""
    default_pool().warm((limits.max_memory_bytes, limits.max_cpu_seconds), count)


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def _too_long(limits: Limits) -> str:
    return f"{_CANNOT_READ}: reading took longer than the {limits.max_wall_seconds:.0f} s allowed."


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
