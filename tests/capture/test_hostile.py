"""Hostile and broken input: each is a clear error with a message for the uploader, never an
empty result reported as success, and never a decoded decompression bomb."""
from __future__ import annotations

import struct
import time
import zlib

import pytest
from fpdf import FPDF
from PIL import Image

import capture
from capture import (
    CorruptDocument,
    DocumentTooLarge,
    EmptyDocument,
    ImageTooLarge,
    LimitExceeded,
    NoTextFound,
    PasswordProtected,
    TooManyPages,
    UnsupportedDocument,
)
from tests.capture.documents import encode, multipage_tiff, text_pdf


def _process(data: bytes, limits: capture.Limits | None = None) -> capture.CaptureResult:
    return capture.process(data, limits=limits or capture.Limits(), rules=capture.default_rules())


def test_empty_file() -> None:
    with pytest.raises(EmptyDocument, match=r"empty \(0 bytes\)"):
        _process(b"")


@pytest.mark.parametrize(("head", "what"), [
    (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "a Windows program"),
    (b"\x7fELF\x02\x01\x01\x00", "a Linux program"),
    (b"#!/bin/sh\nrm -rf /\n", "a script"),
    (b"PK\x03\x04\x14\x00\x06\x00", "a ZIP archive or an Office file"),
    (b"just some text, not a document", "not a PDF or an image"),
])
def test_programs_and_other_files_named_like_documents(head: str, what: str) -> None:
    with pytest.raises(UnsupportedDocument) as err:
        _process(head + bytes(200))  # whatever the name said (invoice.pdf), the bytes decide
    assert what in str(err.value) and "Please send a PDF" in str(err.value)


def test_too_large_is_a_limit() -> None:
    with pytest.raises(DocumentTooLarge, match="more than the 0.0 MiB allowed") as err:
        _process(text_pdf([["hello"]]), capture.Limits(max_bytes=1000))
    assert isinstance(err.value, LimitExceeded)
    assert err.value.code in capture.LIMIT_ERROR_CODES


def test_password_protected_pdf() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Secret payslip")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    with pytest.raises(PasswordProtected, match="password-protected"):
        _process(bytes(pdf.output()))


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_pdf(damage: str) -> None:
    data = text_pdf([["page"]] * 3)
    data = data[: len(data) // 2] if damage == "truncated" else b"%PDF-1.7\n" + bytes(range(256)) * 8
    with pytest.raises(CorruptDocument, match="damaged or incomplete"):
        _process(data)


def test_too_many_pages() -> None:
    with pytest.raises(TooManyPages, match="has 3 pages, more than the 2 allowed"):
        _process(text_pdf([["a"], ["b"], ["c"]]), capture.Limits(max_pages=2))


def test_too_many_tiff_frames() -> None:
    frames = [Image.new("L", (50, 50), 255) for _ in range(4)]
    with pytest.raises(TooManyPages, match="has 4 pages"):
        _process(multipage_tiff(frames), capture.Limits(max_pages=3))


def test_png_decompression_bomb_is_refused_before_decoding() -> None:
    started = time.perf_counter()
    with pytest.raises(ImageTooLarge, match=r"100000 x 100000 pixels \(10000 MP\)"):
        _process(_png_header_only(100_000, 100_000))
    assert time.perf_counter() - started < 2  # nothing was decoded


def test_pixel_limit_applies_to_every_tiff_frame() -> None:
    frames = [Image.new("L", (100, 100), 255), Image.new("L", (3000, 3000), 255)]
    with pytest.raises(ImageTooLarge, match="Page 2 of the image is 3000 x 3000"):
        _process(multipage_tiff(frames), capture.Limits(max_pixels=1_000_000))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_truncated_image(fmt: str) -> None:
    data = encode(Image.effect_noise((400, 400), 60).convert("L"), fmt)
    with pytest.raises(CorruptDocument, match="damaged or incomplete"):
        _process(data[: len(data) // 2])


def test_damaged_heic() -> None:
    with pytest.raises(CorruptDocument, match="HEIC"):
        _process(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100))


@pytest.mark.ocr
@pytest.mark.slow
def test_blank_scan_is_not_an_empty_success() -> None:
    with pytest.raises(NoTextFound, match="No text could be read"):
        _process(encode(Image.new("L", (1200, 1600), 255), "PNG", dpi=(300, 300)))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height; its pixel data is a stub that is never reached."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) \
        + chunk(b"IEND", b"")


