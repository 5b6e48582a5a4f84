"""The child side of ``capture.sandbox``: ``python -m capture.worker`` reads one job on stdin and
writes its answer on stdout.

Input: 8-byte big-endian header length, a JSON header, then the document bytes. The header
``{"limits": ..., "rules": ...}`` asks for a capture, answered by one ``CaptureResult`` as JSON;
``{"task": "render", "limits": ..., "page": n, "width": w}`` asks for one page as a PNG, answered
by an 8-byte length, a JSON status (``{"ok": true}`` or ``{"error_code": ..., "error": ...}``)
and the PNG bytes. With ``--serve MEMORY CPU`` (the warm pool, ``capture.pool``) it reads jobs framed
as header length, header, data length, data, and answers each with its length and the answer. Memory and CPU
limits are set on this process before any parsing, so a hostile document hits them here; the parent turns a
crash or a kill into a failure with a reason.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import threading
import time
from functools import lru_cache
from typing import Any, BinaryIO

from . import language
from .classify import ClassificationRules
from .errors import CaptureError, ReaderFailed
from .model import CaptureResult, Limits
from .pipeline import process
from .render import render_page


def main(argv: list[str] | None = None) -> int:
    """Run one job, or with ``--serve MEMORY CPU`` one job after another; the exit status is 0
    whenever an answer (even a failure) was written."""
    argv = sys.argv[1:] if argv is None else argv
    result_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints of libraries go to stderr, never into the result
    if argv[:1] == ["--serve"]:
        return serve(sys.stdin.buffer, result_out, int(argv[1]), int(argv[2]))
    header, data = _read_job(sys.stdin.buffer)
    limits = Limits.from_dict(header["limits"])
    _apply_limits(limits)
    result_out.write(answer(header, data, limits))
    result_out.close()
    return 0


def answer(header: dict[str, Any], data: bytes, limits: Limits) -> bytes:
    """The answer to one job: a render framed for the parent, or a ``CaptureResult`` as JSON."""
    if header.get("task") == "render":
        return render(data, int(header["page"]), limits, int(header["width"]))
    rules = _rules(json.dumps(header["rules"]), header.get("rules_source", "<sandbox>"))
    return run(data, limits, rules).to_json().encode("utf-8")


@lru_cache(maxsize=8)
def _rules(encoded: str, source: str) -> ClassificationRules:
    return ClassificationRules.from_mapping(json.loads(encoded), source)


def serve(jobs: BinaryIO, out: BinaryIO, memory: int, cpu: int) -> int:
    """Answer framed jobs until the job pipe closes; the memory limit holds for the worker's life, the
    CPU limit for each job (counted from the job's start). Dies with its parent."""
    _watch_parent(int(os.environ.get("CAPTURE_PARENT_PID", os.getppid())))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # the language model (about 1.5 s) loads while the worker waits, not in its first scanned document
    threading.Thread(target=language.load, name="capture-language-load", daemon=True).start()
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    while True:
        size = jobs.read(8)
        if len(size) < 8:
            return 0  # the pool closed the pipe (or its process died)
        header = json.loads(jobs.read(int.from_bytes(size, "big")))
        data = jobs.read(int.from_bytes(jobs.read(8), "big"))
        limits = Limits.from_dict(header["limits"])
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (min(spent + cpu, hard) if hard > 0 else spent + cpu, hard))
        reply = answer(header, data, limits)
        out.write(len(reply).to_bytes(8, "big") + reply)
        out.flush()


def _watch_parent(parent: int) -> None:
    """Kill this worker's process group (it, and tesseract children) once its parent is gone."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    if os.getppid() != parent:
        os.killpg(os.getpgrp(), signal.SIGKILL)
    threading.Thread(target=watch, name="capture-parent-watch", daemon=True).start()


def run(data: bytes, limits: Limits, rules: ClassificationRules) -> CaptureResult:
    """``process`` with every document error turned into a failed result."""
    try:
        return process(data, limits=limits, rules=rules)
    except CaptureError as err:
        return CaptureResult.failed(err.code, str(err))
    except MemoryError:
        return CaptureResult.failed(ReaderFailed.code, _out_of_memory(limits))


def render(data: bytes, page: int, limits: Limits, width: int) -> bytes:
    """``render_page`` framed for the parent: a status, then the PNG (none after an error)."""
    png = b""
    try:
        png = render_page(data, page, limits, width=width)
        status: dict[str, object] = {"ok": True}
    except CaptureError as err:
        status = {"error_code": err.code, "error": str(err)}
    except MemoryError:
        status = {"error_code": ReaderFailed.code, "error": _out_of_memory(limits)}
    encoded = json.dumps(status).encode("utf-8")
    return len(encoded).to_bytes(8, "big") + encoded + png


def _out_of_memory(limits: Limits) -> str:
    return ("The document could not be read: it needs more than the "
            f"{limits.max_memory_bytes // 2**20} MiB of memory allowed.")


def _read_job(stream: BinaryIO) -> tuple[dict[str, Any], bytes]:
    size = int.from_bytes(stream.read(8), "big")
    header: dict[str, Any] = json.loads(stream.read(size))
    return header, stream.read()


def _apply_limits(limits: Limits) -> None:
    """Address space and CPU time for this process (tesseract children inherit them, each its own)."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.max_memory_bytes, limits.max_memory_bytes))
    cpu = limits.max_cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


if __name__ == "__main__":
    sys.exit(main())
