"""A warm pool of sandboxed capture workers: ``python -m capture.worker --serve`` processes that take
one job after another instead of a new process per document.

Why: starting a child and importing capture, PDFium, Pillow, the language model and the OCR engines
cost about 0.9 s a document; a warm worker answers a text page in milliseconds. The isolation is the
one-shot child's: each worker runs with the same address-space and CPU limits (CPU counted per job),
in its own session; a crash, a kill or a job over its wall time ends that worker and its tesseract
children (the whole process group), the job gets a failed result with a reason, and the next job gets
a fresh worker. A worker retires after ``MAX_JOBS`` jobs, so no document's leftovers live long.

A worker dies with the process that started it: it watches its parent (``getppid`` every 0.2 s, and
end-of-file on its job pipe) and kills its own process group when the parent is gone, ``kill -9``
included. (``PR_SET_PDEATHSIG`` alone is not enough: Linux fires it when the *thread* that started
the child ends, and jobs come from short-lived worker threads.)
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from typing import IO, Any

MAX_JOBS = 200  # jobs a worker serves before it retires
MAX_IDLE = 2  # idle workers kept warm (per process), across all limit settings
# A worker that holds more than this after a job retires: the OCR models and allocator fragmentation grow
# a worker's memory over many photos (a RapidOCR reading peaks about 0.3 GB above it), and a capture should
# stay under 1 GiB. A worker that only read text PDFs holds about 150 MB and stays.
RETIRE_RSS_BYTES = 512 * 2**20


class _Worker:
    """One serving child: its pipes, stderr file and the limits it was started with."""

    def __init__(self, command: Sequence[str], env: dict[str, str], key: tuple[int, int]) -> None:
        self.key = key
        self.jobs = 0
        self.out_of_time = False
        self.stderr: IO[bytes] = tempfile.TemporaryFile(prefix="capture-worker-")
        self.proc = subprocess.Popen(
            [*command, "--serve", str(key[0]), str(key[1])], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr, env={**env, "CAPTURE_PARENT_PID": str(os.getpid())}, start_new_session=True,
        )

    def ask(self, header: dict[str, Any], data: bytes, timeout: float) -> bytes | None:
        """Send one job and wait for its answer; None when the worker died or ran out of time
        (``self.out_of_time`` tells which)."""
        self.out_of_time = False
        encoded = json.dumps(header).encode("utf-8")
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(len(encoded).to_bytes(8, "big") + encoded + len(data).to_bytes(8, "big") + data)
            stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        deadline = time.monotonic() + timeout
        size = _read_exact(stdout.fileno(), 8, deadline)
        answer = _read_exact(stdout.fileno(), int.from_bytes(size, "big"), deadline) if size else None
        self.out_of_time = answer is None and time.monotonic() >= deadline
        self.jobs += 1
        return answer

    def kill(self) -> int:
        """End the worker and everything it started; its exit status (negative: the signal)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        code = self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        return code

    def stderr_tail(self, limit: int = 2000) -> bytes:
        with contextlib.suppress(OSError):
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - limit))
            return self.stderr.read()
        return b""

    def close(self) -> None:
        self.kill()
        self.stderr.close()


def _rss(pid: int) -> int:
    """Resident memory of a process in bytes (0 when it cannot be read)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _read_exact(fd: int, size: int, deadline: float) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        wait = deadline - time.monotonic()
        if wait <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return None
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None  # the worker died
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class WorkerPool:
    """Warm workers keyed by (memory limit, CPU limit); thread-safe; a forked process starts its own."""

    def __init__(self, command: Sequence[str], env: dict[str, str], *,
                 retire_rss: int = RETIRE_RSS_BYTES) -> None:
        self.command = tuple(command)
        self.retire_rss = retire_rss
        self.env = env
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def _take(self, key: tuple[int, int]) -> _Worker:
        with self._lock:
            if self._pid != os.getpid():  # inherited through fork: those workers are the parent's
                self._idle, self._pid = [], os.getpid()
            taken = next((w for w in self._idle if w.key == key and w.proc.poll() is None), None)
            if taken is not None:
                self._idle.remove(taken)
        worker = taken or _Worker(self.command, self.env, key)
        with self._lock:
            self._busy.add(worker)
        return worker

    def _give_back(self, worker: _Worker) -> None:
        retire: list[_Worker] = []
        with self._lock:
            self._busy.discard(worker)
            if worker.jobs >= MAX_JOBS or worker.proc.poll() is not None or _rss(worker.proc.pid) > self.retire_rss:
                retire.append(worker)
            else:
                self._idle.append(worker)
                while len(self._idle) > MAX_IDLE:
                    retire.append(self._idle.pop(0))
        for old in retire:
            old.close()

    def run(self, header: dict[str, Any], data: bytes, key: tuple[int, int],
            timeout: float) -> tuple[int, bytes, bytes] | None:
        """(exit status, answer, stderr) as a one-shot child would give them; None when out of time."""
        worker = self._take(key)
        answer = worker.ask(header, data, timeout)
        if answer is not None:
            self._give_back(worker)
            return 0, answer, b""
        with self._lock:
            self._busy.discard(worker)
        timed_out = worker.out_of_time
        code = worker.kill()
        err = worker.stderr_tail()
        worker.stderr.close()
        return None if timed_out else (code if code != 0 else 1, b"", err)

    def pids(self) -> dict[str, list[int]]:
        """Process ids of the idle and the busy workers (for operators and tests)."""
        with self._lock:
            return {"idle": [w.proc.pid for w in self._idle], "busy": [w.proc.pid for w in self._busy]}

    def warm(self, key: tuple[int, int], count: int = 1) -> None:
        """Start ``count`` workers ahead of the first job (they import everything while idle)."""
        for _ in range(count):
            self._give_back(_Worker(self.command, self.env, key))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()
