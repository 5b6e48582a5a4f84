"""Tesseract OCR of one raster through pytesseract: words with boxes, confidence and orientation.

One tesseract process per page with ``OMP_THREAD_LIMIT=1``; the caller runs pages in parallel.
Pages go to Tesseract as uncompressed PGM files: writing PNGs costs more than rendering them.
Orientation: with ``Limits.ocr_psm`` 3 (default) upright pages cost least and a page read with
low confidence (upside down, sideways) gets one OSD probe (``--psm 0``) and a second reading;
with 1 orientation comes from the same pass. Either way the direction the words run, from the
boxes Tesseract reports, tells which way the page is turned at no extra cost.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import resource
import signal
import subprocess
import statistics
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from collections.abc import Callable
from typing import Any

import pytesseract
from PIL import Image

from . import dates, language, rapid
from .errors import OcrUnavailable, ReaderFailed
from .model import Box, Limits, Page, Word, join_words

LOW_CONFIDENCE = 60.0  # mean word confidence below which the OSD probe runs
# An image of unknown resolution (a photo) is read again at ENLARGE times its size when its first
# reading is unsure or its text small; the second reading is kept if its mean confidence is
# higher and it kept every confident word of the first (enlarged readings sometimes drop whole
# lines). On synthetic receipt photos (9-11 px text, blurred, grey, JPEG) this raised word
# recall from 56% to 71-85% and recovered totals the first reading missed or misread.
SURE_CONFIDENCE = 85.0
SMALL_TEXT_PX = 20  # median word height
ENLARGE = 2.0
KEEP_WORDS = 1.0  # share of the first reading's confident words the second must keep
MIN_OSD_CONFIDENCE = 2.0  # Tesseract's own threshold for trusting an orientation guess
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if ctypes.util.find_library("c") else None
_OSD_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_OSD_CONFIDENCE = re.compile(r"Orientation confidence:\s*([\d.]+)")


@dataclass(frozen=True, slots=True)
class Raster:
    """A page (or image frame) to OCR: grayscale pixels and how they map to page pixels."""

    number: int
    image: Image.Image
    width: int  # page size in result pixels
    height: int
    dpi: int | None
    scale: float = 1.0  # raster pixels per page pixel (> 1 when enlarged for OCR)
    enlarge_if_small: bool = False  # resolution unknown: enlarge and retry if the text is small
    photo: bool = False  # an image file (photo or receipt scan) rather than a PDF page


def use_single_thread_openmp() -> None:
    """Make each tesseract process single-threaded unless the operator chose otherwise.

    pytesseract passes ``os.environ`` to tesseract and has no per-call environment, so this is
    set process-wide. With OpenMP's default threading a page takes ~6x longer on 2 cores when
    pages already run in parallel.
    """
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def ocr_raster(raster: Raster, limits: Limits) -> Page:
    """OCR one raster into a ``Page``.

    Retries are paid only where the first pass shows a need: an image of unknown resolution
    whose text came out small is enlarged and read again, and a page read with low confidence
    gets one orientation probe.
    """
    use_single_thread_openmp()
    with tempfile.TemporaryDirectory(prefix="capture-ocr-") as tmp:
        path = Path(tmp) / "page.pgm"
        words = _read_words(path, raster, raster.image, limits, turned=0)
        if raster.enlarge_if_small and _small_text(words):
            raster, words = _retry_enlarged(path, raster, limits, words)
        if _mean_conf(words) < LOW_CONFIDENCE:
            words = _retry_upright(path, raster, limits, words)
        words, lang = _in_its_language(path, raster, limits, words)
    if raster.photo and lang == limits.ocr_language == "eng":
        second: list[Word] | None = None
        if _mean_conf(words) < SURE_CONFIDENCE:
            words, second = _second_engine(raster, words)
        if not any(dates.find_dates(join_words(words))):
            words = _date_lines_from_second_engine(raster, words, second)
    return Page(raster.number, raster.width, raster.height, "ocr", join_words(words), tuple(words),
                dpi=raster.dpi, orientation=reading_orientation(words),
                ocr_confidence=round(_mean_conf(words), 1) if words else None)


def _in_its_language(path: Path, raster: Raster, limits: Limits, words: list[Word]) -> tuple[list[Word], str]:
    """Read the page again with its own language's model when it is not in the configured one (a German
    page read with English loses every umlaut); keep the better-scored reading."""
    text = " ".join(w.text for w in words)
    lang = language.tesseract_language(text, limits.ocr_language)
    if lang is None:
        return words, limits.ocr_language
    turned = reading_orientation(words)
    image = raster.image.rotate(-turned, expand=True) if turned else raster.image
    retry = _read_words(path, raster, image, replace(limits, ocr_language=lang), turned=turned)
    return (retry, lang) if _score(retry) >= 0.9 * _score(words) else (words, limits.ocr_language)


def _second_engine(raster: Raster, words: list[Word]) -> tuple[list[Word], list[Word] | None]:
    """RapidOCR's reading of an unsure photo, when it reads at least as much text (see ``capture.rapid``);
    and RapidOCR's reading whether kept or not (None when it did not run)."""
    if not rapid.available():
        return words, None
    turned = reading_orientation(words)
    if turned:
        return words, None  # the second engine reads upright pages only
    # the enlarged raster: on 105 real receipts it read vendors and totals better than the photo as it came
    # (vendor F1 63% against 56%), for about 0.3 GB more at the peak (a worker retires above 512 MiB)
    retry = rapid.read_words(raster.image, raster.scale)
    letters = sum(len(w.text) for w in words)
    # small print read by RapidOCR loses the spaces between words: fewer, longer words mean a worse reading
    enough_words = len(retry) >= 0.8 * sum(1 for w in words if w.conf >= LOW_CONFIDENCE)
    return (retry if enough_words and sum(len(w.text) for w in retry) >= 0.6 * letters else words), retry


def _date_lines_from_second_engine(raster: Raster, words: list[Word], second: list[Word] | None) -> list[Word]:
    """A receipt photo on which Tesseract read no date at all: the lines RapidOCR reads a date on are added
    (grey thermal print loses the date line to Tesseract; on 105 real receipts RapidOCR read 8 of the 9
    dates Tesseract lost). Only whole lines with a date are added, placed where RapidOCR saw them."""
    if second is None:
        if not rapid.available() or reading_orientation(words):
            return words
        second = rapid.read_words(raster.image, raster.scale)
    lines: dict[int, list[Word]] = {}
    for word in second:
        lines.setdefault(word.line, []).append(word)
    first_free = max((w.line for w in words), default=-1) + 1
    added = [w._replace(line=first_free + w.line) for line in lines.values()
             if any(dates.find_dates(" ".join(w.text for w in line))) for w in line]
    return words + added


def _small_text(words: list[Word]) -> bool:
    return not words or _mean_conf(words) < SURE_CONFIDENCE or _median_height(words) < SMALL_TEXT_PX


def _sure(words: list[Word]) -> int:
    return sum(1 for w in words if w.conf >= LOW_CONFIDENCE)


def _median_height(words: list[Word]) -> float:
    return statistics.median(w.h for w in words) if words else 0.0


def _retry_enlarged(path: Path, raster: Raster, limits: Limits,
                    words: list[Word]) -> tuple[Raster, list[Word]]:
    """Read a photo again enlarged (word recall on small receipt photos is 56-81% as they come)."""
    size = raster.image.width * raster.image.height
    factor = min(ENLARGE, (limits.max_pixels / max(size, 1)) ** 0.5)
    if factor < 1.2:
        return raster, words
    image = raster.image.resize((round(raster.image.width * factor), round(raster.image.height * factor)),
                                Image.Resampling.BICUBIC)
    bigger = replace(raster, image=image, scale=raster.scale * factor, enlarge_if_small=False)
    retry = _read_words(path, bigger, image, limits, turned=0)
    better = _mean_conf(retry) > _mean_conf(words) and _sure(retry) >= KEEP_WORDS * _sure(words)
    return (bigger, retry) if better else (raster, words)


def _retry_upright(path: Path, raster: Raster, limits: Limits, words: list[Word]) -> list[Word]:
    """Ask OSD how the page is turned; if it is, OCR it upright and keep the better reading."""
    raster.image.save(path, format="PPM")
    turn = _osd_rotation(path, limits)
    if turn == 0:
        return words
    retry = _read_words(path, raster, raster.image.rotate(-turn, expand=True), limits, turned=turn)
    return retry if _score(retry) > _score(words) else words


def _score(words: list[Word]) -> float:
    return sum(w.conf for w in words)


def _mean_conf(words: list[Word] | tuple[Word, ...]) -> float:
    return statistics.fmean(w.conf for w in words) if words else 0.0


def _tesseract_config(raster: Raster, psm: int) -> str:
    dpi = round((raster.dpi or 300) * raster.scale)
    return f"--psm {psm} --dpi {dpi}"


def _read_words(path: Path, raster: Raster, image: Image.Image, limits: Limits, turned: int) -> list[Word]:
    """OCR ``image`` (the raster, possibly turned ``turned`` degrees clockwise) as a PGM file; a PDF page cut
    to its printed area first: Tesseract's time grows with the pixels it is given, blank paper included
    (about 8% less CPU on an A4 letter). Image files are read as they come: a photo or receipt scan has
    little blank paper, and cutting one changed a few readings (4 of 105 receipts) for no gain."""
    area = None if raster.photo else printed_area(image)
    if area is not None:
        image = image.crop(area)
    image.save(path, format="PPM")  # uncompressed: a PNG costs more to write than Tesseract saves
    data = _run(lambda: _tesseract_tsv(path, limits.ocr_language, _tesseract_config(raster, limits.ocr_psm),
                                       limits), raster, limits)
    return _words_from_tsv(data, raster, turned, area[:2] if area else (0, 0))


INK_STEP = 48  # a pixel this much darker than the paper is ink (light grey print included)
BLOCK = 32  # the page is looked at in BLOCK x BLOCK squares (at 300 dpi about a character's height)
BLOCK_INK = 24  # a square with this many ink pixels holds print (a character has more; dust and speckle less)
CROP_MARGIN = 150  # pixels of paper kept around the print (with less, Tesseract reads a column of
# numbers near the edge as vertical text)
MIN_SAVING = 0.15  # crop only when it spares Tesseract this share of the pixels


def printed_area(image: Image.Image) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) around everything printed on ``image`` with a margin of paper, or None
    when that is (nearly) the whole image or nothing is printed. Dark borders, shadows and backgrounds
    count as print, so a photo or a scan with dark edges is never cut."""
    if image.mode != "L" or image.width < 4 * BLOCK or image.height < 4 * BLOCK:
        return None
    histogram = image.histogram()
    paper = _percentile(histogram, 0.9)
    ink = image.point([255 if v < paper - INK_STEP else 0 for v in range(256)])
    blocks = ink.reduce(BLOCK).point([255 if v * BLOCK * BLOCK >= BLOCK_INK * 255 else 0 for v in range(256)])
    found = blocks.getbbox()
    if found is None:
        return None
    left, top, right, bottom = (v * BLOCK for v in found)
    box = (max(0, left - CROP_MARGIN), max(0, top - CROP_MARGIN),
           min(image.width, right + CROP_MARGIN), min(image.height, bottom + CROP_MARGIN))
    if (box[2] - box[0]) * (box[3] - box[1]) > (1 - MIN_SAVING) * image.width * image.height:
        return None
    return box


def _percentile(histogram: list[int], share: float) -> int:
    """The gray level below which ``share`` of the pixels lie."""
    wanted, seen = share * sum(histogram), 0
    for level, count in enumerate(histogram):
        seen += count
        if seen >= wanted:
            return level
    return 255


def _limit_tesseract(cpu_seconds: int) -> Callable[[], None]:
    """What runs in the tesseract child before it starts: its own CPU limit (the job's, whatever the warm
    worker already spent) and death with the thread that waits for it (``PR_SET_PDEATHSIG``)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    return limit


def _tesseract_tsv(path: Path, lang: str, config: str, limits: Limits) -> dict[str, list[Any]]:
    """``tesseract PATH stdout -l LANG CONFIG tsv`` as pytesseract's ``image_to_data`` dict.

    Run here rather than through pytesseract so the child gets its CPU limit and dies with its caller.
    """
    command = [pytesseract.pytesseract.tesseract_cmd, str(path), "stdout", "-l", lang, *config.split(), "tsv"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=limits.ocr_page_timeout_s,
                              preexec_fn=_limit_tesseract(limits.max_cpu_seconds), check=False)
    except FileNotFoundError as err:
        raise pytesseract.TesseractNotFoundError() from err
    except subprocess.TimeoutExpired as err:
        raise RuntimeError("Tesseract process timeout") from err
    if done.returncode != 0:
        raise pytesseract.TesseractError(done.returncode, done.stderr.decode("utf-8", "replace").strip())
    data: dict[str, list[Any]] = pytesseract.pytesseract.file_to_dict(done.stdout.decode("utf-8", "replace"), "\t", -1)
    return data


def _osd_rotation(path: Path, limits: Limits) -> int:
    """Clockwise degrees that make the page upright per Tesseract's OSD, 0 when unsure."""
    try:
        osd = pytesseract.image_to_osd(str(path), config="--dpi 300",
                                       timeout=limits.ocr_page_timeout_s)
    except pytesseract.TesseractError:
        return 0  # "too few characters": nothing to gain from turning the page
    rotate, confidence = _OSD_ROTATE.search(osd), _OSD_CONFIDENCE.search(osd)
    if not rotate or not confidence or float(confidence.group(1)) < MIN_OSD_CONFIDENCE:
        return 0
    return int(rotate.group(1)) % 360


def _run(call: Any, raster: Raster, limits: Limits) -> dict[str, list[Any]]:
    """Call pytesseract, turning its errors into capture errors with a reason."""
    try:
        result: dict[str, list[Any]] = call()
        return result
    except pytesseract.TesseractNotFoundError as err:
        raise OcrUnavailable(
            "Text recognition is not available on this server (Tesseract is not installed)."
        ) from err
    except pytesseract.TesseractError as err:
        if isinstance(err.status, int) and err.status < 0:  # killed: CPU or memory limit, not setup
            raise ReaderFailed(
                f"Reading page {raster.number} was stopped: {_signal_reason(-err.status)}."
            ) from err
        raise OcrUnavailable(f"Text recognition failed on page {raster.number}: {err.message}") from err
    except RuntimeError as err:  # pytesseract's timeout
        raise ReaderFailed(
            f"Reading page {raster.number} took longer than {limits.ocr_page_timeout_s:.0f} s."
        ) from err


def _signal_reason(number: int) -> str:
    if number == signal.SIGXCPU:
        return f"it used more CPU time than allowed (signal {number})"
    return f"the text reader was killed (signal {number})"


def _words_from_tsv(data: dict[str, list[Any]], raster: Raster, turned: int,
                    offset: tuple[int, int] = (0, 0)) -> list[Word]:
    """Words from Tesseract's TSV, boxes mapped back to page pixels (undoing cropping, enlargement and turning)."""
    lines: dict[tuple[int, int, int], int] = {}
    words: list[Word] = []
    size = raster.image.size
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if int(data["level"][i]) != 5 or conf < 0 or not str(text).strip():
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        line = lines.setdefault(key, len(lines))
        box = _unturn(int(data["left"][i]) + offset[0], int(data["top"][i]) + offset[1], int(data["width"][i]),
                      int(data["height"][i]), turned, size)
        words.append(Word(str(text).strip(), *_unscale(box, raster.scale), conf, line))
    return words


def _unturn(x: int, y: int, w: int, h: int, turned: int, size: tuple[int, int]) -> Box:
    """Map a box found on the image turned ``turned`` degrees clockwise back to the original."""
    width, height = size  # of the original raster
    if turned == 90:
        return Box(y, height - x - w, h, w)
    if turned == 180:
        return Box(width - x - w, height - y - h, w, h)
    if turned == 270:
        return Box(width - y - h, x, h, w)
    return Box(x, y, w, h)


def _unscale(box: Box, scale: float) -> Box:
    if scale == 1.0:
        return box
    return Box(round(box.x / scale), round(box.y / scale), round(box.w / scale), round(box.h / scale))


def reading_orientation(words: tuple[Word, ...] | list[Word]) -> int:
    """Clockwise degrees to turn the page image so its text reads upright (0, 90, 180, 270).

    Tesseract reports boxes on the page as given, in reading order; the direction from one word
    to the next on a line shows which way the text runs, at no extra OCR cost.
    """
    dx = dy = 0.0
    for a, b in zip(words, words[1:], strict=False):
        if a.line == b.line:
            dx += (b.x + b.w / 2) - (a.x + a.w / 2)
            dy += (b.y + b.h / 2) - (a.y + a.h / 2)
    if abs(dx) >= abs(dy):
        return 180 if dx < 0 else 0
    return 90 if dy < 0 else 270
