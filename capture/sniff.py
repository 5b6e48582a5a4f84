"""What kind of document some bytes are, judged from the bytes alone (never the file name).

``precheck`` is cheap (no parsing): the engine can call it at upload time to refuse an empty,
oversized or unsupported file with a 413/415/422 before it stores anything.
"""

from __future__ import annotations

from .errors import DocumentTooLarge, EmptyDocument, UnsupportedDocument
from .model import Limits

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
HEIC = "image/heic"

SUPPORTED = (PDF, PNG, JPEG, TIFF, HEIC)

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_PROGRAMS = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xce\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS or Java program"),
    (b"#!", "a script"),
)
_OTHER = (
    (b"PK\x03\x04", "a ZIP archive or an Office file"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"\xd0\xcf\x11\xe0", "an old Office file"),
    (b"{\\rtf", "an RTF file"),
)
_WHAT_TO_SEND = "Please send a PDF, or a photo or scan as JPEG, PNG, TIFF or HEIC."


def sniff(data: bytes) -> str:
    """The media type of ``data``; raises ``UnsupportedDocument`` naming what it looks like."""
    head = data[:1024]
    if b"%PDF-" in head:  # the PDF spec tolerates junk before the header, and so do readers
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC
    raise UnsupportedDocument(_describe(head))


def _describe(head: bytes) -> str:
    for magic, what in _PROGRAMS:
        if head.startswith(magic):
            return f"This file is {what}, not a document, whatever its name says. {_WHAT_TO_SEND}"
    for magic, what in _OTHER:
        if head.startswith(magic):
            return f"This file is {what}, which cannot be read here. {_WHAT_TO_SEND}"
    return f"This file is not a PDF or an image this service can read. {_WHAT_TO_SEND}"


def precheck(data: bytes, limits: Limits) -> str:
    """Refuse an empty, oversized or unsupported upload; return its media type."""
    if not data:
        raise EmptyDocument("The file is empty (0 bytes). Please send the document again.")
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge(
            f"The file is {_mib(len(data))}, more than the {_mib(limits.max_bytes)} allowed. "
            "Please send a smaller file or split the document."
        )
    return sniff(data)


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"
