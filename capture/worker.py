"""The child side of ``capture.sandbox``: ``python -m capture.worker`` reads one job on stdin and
writes its answer on stdout.

Input: 8-byte big-endian header length, a JSON header, then the document bytes. The header
``{"limits": ..., "rules": ...}`` asks for a capture, answered by one ``CaptureResult`` as JSON;
``{"task": "render", "limits": ..., "page": n, "width": w}`` asks for one page as a PNG, answered
by an 8-byte length, a JSON status (``{"ok": true}`` or ``{"error_code": ..., "error": ...}``)
and the PNG bytes. Memory and CPU limits are set on this process before any parsing, so a
hostile document hits them here; the parent turns a crash or a kill into a failure with a reason.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from typing import Any, BinaryIO

from .classify import ClassificationRules
from .errors import CaptureError, ReaderFailed
from .model import CaptureResult, Limits
from .pipeline import process
from .render import render_page


def main() -> int:
    """Run one job; the exit status is 0 whenever an answer (even a failure) was written."""
    result_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints of libraries go to stderr, never into the result
    header, data = _read_job(sys.stdin.buffer)
    limits = Limits.from_dict(header["limits"])
    if header.get("task") == "render":
        _apply_limits(limits)
        answer = render(data, int(header["page"]), limits, int(header["width"]))
    else:
        rules = ClassificationRules.from_mapping(header["rules"], header.get("rules_source", "<sandbox>"))
        _apply_limits(limits)
        answer = run(data, limits, rules).to_json().encode("utf-8")
    result_out.write(answer)
    result_out.close()
    return 0


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
