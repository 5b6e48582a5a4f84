"""Which language a page is written in, to OCR it with the right Tesseract model.

py3langid (a maintained fork of langid.py, its model inside the package) picks among the languages we
have Tesseract models for. Script: the six languages share Latin script, and Tesseract's OSD (run by
``capture.ocr`` on unsure pages) already reports orientation; a page whose letters are not Latin is left
to the configured language. The model loads once per process (about 1.5 s), which a warm capture
worker pays once.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytesseract
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

TESSERACT = {"en": "eng", "de": "deu", "fr": "fra", "nl": "nld", "es": "spa", "it": "ita"}
MIN_LETTERS = 40  # fewer letters than this say too little about a language
MIN_PROBABILITY = 0.9
_LETTER = re.compile(r"[^\W\d_]")
_LOCK = threading.Lock()
_IDENTIFIER: Any = None
_INSTALLED: set[str] | None = None


def _identifier() -> Any:
    global _IDENTIFIER
    with _LOCK:
        if _IDENTIFIER is None:
            ident = LanguageIdentifier.from_model_file(MODEL_DIR / MODEL_FILE, norm_probs=True)
            ident.set_languages(list(TESSERACT))
            _IDENTIFIER = ident
        return _IDENTIFIER


def load() -> None:
    """Load the model now (a warm capture worker does so while it waits for its first job)."""
    _identifier()
    installed()


def installed() -> set[str]:
    """Tesseract language models on this machine."""
    global _INSTALLED
    if _INSTALLED is None:
        try:
            _INSTALLED = set(pytesseract.get_languages(config=""))
        except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, OSError):
            _INSTALLED = set()
    return _INSTALLED


def detect(text: str) -> tuple[str, float] | None:
    """(ISO 639-1 code, probability) of the text's language, or None when it says too little."""
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return None
    code, probability = _identifier().classify(text)
    return str(code), float(probability)


def tesseract_language(text: str, current: str) -> str | None:
    """The Tesseract languages to read the page again with (``deu+eng``), or None to keep ``current``."""
    found = detect(text)
    if found is None or found[1] < MIN_PROBABILITY:
        return None
    model = TESSERACT.get(found[0])
    if model is None or model in current.split("+") or model not in installed():
        return None
    return f"{model}+{current}"
