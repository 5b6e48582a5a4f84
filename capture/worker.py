"""The child side of ``capture.sandbox``: ``python -m capture.worker`` reads one job on stdin and
writes one ``CaptureResult`` as JSON on stdout.

Input: 8-byte big-endian header length, a JSON header ``{"limits": ..., "rules": ...}``, then
the document bytes. Memory and CPU limits are set on this process before any parsing, so a
hostile document hits them here; the parent turns a crash or a kill into a failed result.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from typing import BinaryIO

from .classify import ClassificationRules
from .errors import CaptureError, ReaderFailed
from .model import CaptureResult, Limits
from .pipeline import process


def main() -> int:
    """Run one capture; the exit status is 0 whenever a result (even a failed one) was written."""
    result_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints of libraries go to stderr, never into the result
    limits, rules, data = _read_job(sys.stdin.buffer)
    _apply_limits(limits)
    result = run(data, limits, rules)
    result_out.write(result.to_json().encode("utf-8"))
    result_out.close()
    return 0


def run(data: bytes, limits: Limits, rules: ClassificationRules) -> CaptureResult:
    """``process`` with every document error turned into a failed result."""
    try:
        return process(data, limits=limits, rules=rules)
    except CaptureError as err:
        return CaptureResult.failed(err.code, str(err))
    except MemoryError:
        return CaptureResult.failed(
            ReaderFailed.code,
            "The document could not be read: it needs more than the "
            f"{limits.max_memory_bytes // 2**20} MiB of memory allowed.",
        )


def _read_job(stream: BinaryIO) -> tuple[Limits, ClassificationRules, bytes]:
    size = int.from_bytes(stream.read(8), "big")
    header = json.loads(stream.read(size))
    rules = ClassificationRules.from_mapping(header["rules"], header.get("rules_source", "<sandbox>"))
    return Limits.from_dict(header["limits"]), rules, stream.read()


def _apply_limits(limits: Limits) -> None:
    """Address space and CPU time for this process (tesseract children inherit them, each its own)."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.max_memory_bytes, limits.max_memory_bytes))
    cpu = limits.max_cpu_seconds
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


if __name__ == "__main__":
    sys.exit(main())
