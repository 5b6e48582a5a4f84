"""Fixtures of the capture tests: default rules and limits, and a guard for tests that need Tesseract."""
from __future__ import annotations

import os
import shutil

import pytest

import capture

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def rules() -> capture.ClassificationRules:
    return capture.default_rules()


@pytest.fixture(scope="session")
def limits() -> capture.Limits:
    return capture.Limits()


@pytest.fixture(autouse=True)
def _needs_tesseract(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("ocr") is None or shutil.which("tesseract"):
        return
    if IN_CI:
        pytest.fail("tesseract is not installed and CI=true: the OCR tests must run (make system-packages)")
    pytest.skip("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)")


def fields_by_name(result: capture.CaptureResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field in result.fields:
        found.setdefault(field.name, []).append(field.value)
    return found
