"""run_isolated: the capture runs in a bounded child process; a crash, a kill, a timeout or a
limit there is a failed result with a reason, never an exception or a hang in the caller."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from fpdf import FPDF

import capture
from capture.sandbox import run_isolated
from tests.capture.documents import DOCUMENTS, encode, scan, text_pdf

PYTHON = sys.executable


def test_same_result_as_in_process(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    data = text_pdf([DOCUMENTS["claim_form"][0]])
    isolated = run_isolated(data, limits, rules)
    assert isolated.ok
    assert isolated == capture.process(data, limits=limits, rules=rules)


def test_document_errors_become_failed_results(limits: capture.Limits,
                                               rules: capture.ClassificationRules) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_encryption(owner_password="o", user_password="u")
    result = run_isolated(bytes(pdf.output()), limits, rules)
    assert (result.status, result.error_code, result.media_type) == ("failed", "password_protected",
                                                                     "application/pdf")
    assert result.error is not None and "password-protected" in result.error
    assert not result.limit_exceeded and result.pages == ()


def test_refusals_need_no_child(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    result = run_isolated(b"MZ" + bytes(100), limits, rules, command=[PYTHON, "-c", "raise SystemExit(9)"])
    assert result.error_code == "unsupported_type"  # decided before any process started
    too_big = run_isolated(b"%PDF-1.7" + bytes(2000), capture.Limits(max_bytes=1000), rules)
    assert too_big.limit_exceeded and too_big.error_code == "too_large"


def test_a_crashing_reader(limits: capture.Limits, rules: capture.ClassificationRules) -> None:
    """What PDFium does under a memory cap: abort the whole process."""
    result = run_isolated(text_pdf([["x"]]), limits, rules, command=[PYTHON, "-c", "import os; os.abort()"])
    assert result.status == "failed" and result.error_code == "reader_failed"
    assert result.error == "The document could not be read: the reader crashed (signal 6)."
    assert result.media_type == "application/pdf"


@pytest.mark.parametrize(("script", "reason"), [
    ("import sys; sys.exit(3)", "the reader failed (exit status 3)"),
    ("print('not json')", "the reader gave an unreadable answer"),
])
def test_a_reader_that_fails_or_answers_garbage(script: str, reason: str, limits: capture.Limits,
                                                rules: capture.ClassificationRules) -> None:
    result = run_isolated(text_pdf([["x"]]), limits, rules, command=[PYTHON, "-c", script])
    assert result.error is not None and reason in result.error


def test_a_hanging_reader_is_killed_with_its_children(tmp_path: Path, rules: capture.ClassificationRules) -> None:
    pid_file = tmp_path / "grandchild.pid"
    script = ("import subprocess, sys; p = subprocess.Popen(['sleep', '60']); "
              f"open({str(pid_file)!r}, 'w').write(str(p.pid)); p.wait()")
    started = time.monotonic()
    result = run_isolated(text_pdf([["x"]]), capture.Limits(max_wall_seconds=1.5), rules,
                          command=[PYTHON, "-c", script])
    assert time.monotonic() - started < 10
    assert result.error == "The document could not be read: reading took longer than the 2 s allowed."
    assert _gone_within(int(pid_file.read_text()), 5.0)  # tesseract processes of a killed reader go too


def test_memory_limit(rules: capture.ClassificationRules) -> None:
    """A page so large that rendering it for OCR needs more memory than the reader may have."""
    pdf = FPDF(unit="pt", format=(14400, 14400))  # 200 x 200 inches, the PDF maximum
    pdf.add_page()
    limits = capture.Limits(max_pixels=1_500_000_000, max_memory_bytes=600 * 2**20)
    started = time.monotonic()
    result = run_isolated(bytes(pdf.output()), limits, rules)
    assert result.status == "failed" and result.error_code == "reader_failed"
    assert result.error is not None and result.error.startswith("The document could not be read")
    assert time.monotonic() - started < 30


@pytest.mark.ocr
@pytest.mark.slow
def test_cpu_limit(rules: capture.ClassificationRules) -> None:
    page = scan(DOCUMENTS["bank_statement"][0] * 12, size=(2480, 3508))  # a full page: seconds of OCR
    result = run_isolated(encode(page, "PNG", dpi=(300, 300)), capture.Limits(max_cpu_seconds=1), rules)
    assert result.error_code == "reader_failed"
    assert result.error is not None and "CPU" in result.error


def _gone_within(pid: int, seconds: float) -> bool:
    """A SIGKILL is delivered asynchronously: the process may show as running for a moment after it was sent."""
    deadline = time.monotonic() + seconds
    while _running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")
