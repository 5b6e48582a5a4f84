"""Who issued an invoice or receipt: the vendor's name from the letterhead (or a "Supplier" label) and the
address printed under it.

A person finds the issuer as the company line near the top: large print, a legal form or trade word
("SDN BHD", "GmbH", "B.V.", "Bakery"), an address or registration number right under it; never the
opening hours, a slogan, a title such as "Tax invoice" or a logo that OCR read as noise. A misread
character in the closing legal form is mended (a closed vocabulary); the name itself stays as printed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from . import vocabulary as v
from .commerce import field
from .layout import Row
from .model import Field
from .vocabulary import fold
from .reading import Label, Lexicon, Value, after, dates_in, label_spans, labels, under

NOT_VENDOR = Lexicon(v.NOT_VENDOR)
VENDOR_LABELS = Lexicon(v.VENDOR_LABEL)
BUYER = Lexicon(v.BUYER_LABEL)
_LETTERS = re.compile(r"[^\W\d_]")
_PHONE = re.compile(r"(?:\+?\d[\d ()./-]{6,}\d)")


def _vendor_score(row: Row, rank: int, body_height: float) -> float:
    """How much a row near the top of page 1 looks like the issuer's name (a company, large print, not
    an address, a phone number or a title such as "Tax invoice")."""
    text = _REGISTRATION.sub("", row.text)  # "ACME CO. (M) BHD (126926-H)": the number is not part of the name
    letters = len(_LETTERS.findall(text))
    if letters < 3 or letters < 0.5 * len(text.replace(" ", "")) or not _WORD.search(text):
        return -9.0  # no word of three letters: a logo read as noise ("318 Ol OF"), a code or a rule
    if _OPENING_HOURS.search(text):
        return -9.0
    score = 2.0 - 0.4 * rank
    text = _unglue_legal_form(text)
    suffix = v.COMPANY_SUFFIX.search(text)
    rest = text[: suffix.start()] + text[suffix.end():] if suffix else ""
    if suffix and (_WORD.search(rest) or not _LETTERS.search(rest)):
        score += 3.0  # a legal form or trade word (alone, or beside a real name); "HO AG" is noise, not a company
        if v.LEGAL_FORM.search(text):
            score += 1.0  # the legal entity ("TRI SHAAS SDN BHD") rather than the shop's trading name under it
    spans = label_spans(row, NOT_VENDOR)
    if spans:
        score -= 4.0 if spans[0][0] == 0 else 2.0
    if v.ADDRESS_WORDS.search(text) or _PHONE.search(text) or "@" in text:
        score -= 3.0
    if row.height > 1.3 * body_height:
        score += 1.0
    words = text.split()
    if text == text.lower() or (len(words) >= 4 and sum(w[:1].islower() for w in words) > len(words) / 2):
        score -= 2.0  # lower case words: a handwritten note, a slogan or a sentence, rarely a letterhead
    return score


# a legal form glued to the name by OCR that lost the space ("Sc0opSdnBhd", "BAKERIES(KL)SDNBHD", "MüllerGmbH"):
# only forms no word of the six languages ends with
_GLUED_FORM = re.compile(
    r"(?:(?<=[^\W_]{3})|(?<=[^\W_]\)))(sdn\.? ?bhd|bhd|berhad|gmbh|ltd|b\.v\.|s\.r\.l\.|s\.p\.a\.|s\.a\.r\.l\.)(?=\W*$)",
    re.I)


def _unglue_legal_form(text: str) -> str:
    """``text`` with a space put back before a legal form OCR glued to the name, for scoring only."""
    return " ".join(_GLUED_FORM.sub(r" \1", word) for word in text.split())


def _stands_as_label(label: Label) -> bool:
    """A label set apart as a label: closed by a colon ("Supplier:", "From :"), alone on its row (the value
    under it), or with its value beyond a gap wider than a space."""
    words = label.row.words
    if label.end >= len(words) or words[label.end - 1].text.endswith((":", "：")) or words[label.end].text[:1] in ":：":
        return True
    last, nxt = words[label.end - 1], words[label.end]
    return nxt.x - (last.x + last.w) > 1.5 * max(last.h, nxt.h)


def _address_follows(rows: Sequence[Row], row: Row) -> bool:
    """An address starts on the next row or the one after (past a registration number or the shop's
    trading name), before any phone number or label."""
    for nxt in rows[row.index + 1: row.index + 3]:
        if v.ADDRESS_WORDS.search(nxt.text) or v.POSTCODE.search(nxt.text):
            return True
        if _PHONE.search(nxt.text) and not re.fullmatch(_REGISTRATION_ROW, nxt.text) or label_spans(nxt, NOT_VENDOR):
            return False
    return False


UNSURE_WORD = 60.0  # OCR confidence under which a word is as likely misread as not (Tesseract's scale)


def vendor(page_rows: Sequence[Row], body_height: float,
           keep_unsure: bool = False) -> tuple[Field | None, int] | None:
    """The issuer's name as printed: the strongest name-like row among the first of page 1 (letterhead),
    or the value of a "Supplier"/"From" label. Returns the field and the row it ends on; the field is
    None when the name was found but a word of it was read unsurely (a misread name is worse than none:
    the address under it is still read; ``keep_unsure`` returns it all the same, for a second reading)."""
    for label in labels(page_rows, VENDOR_LABELS, at_start=True):
        if any(start <= label.end for start, _ in label_spans(label.row, NOT_VENDOR)):
            continue  # "Company Reg No. ...": the label belongs to another phrase
        if not _stands_as_label(label):
            continue  # "from the date of purchase": a sentence of the small print, not a "From:" label
        words = after(label) or next(iter(under(label, page_rows, 1)), ())
        text = " ".join(w.text for w in words).strip(" :")
        if len(_LETTERS.findall(text)) >= 3:
            value = Value(text, tuple(words), False)
            if 100 * value.conf < UNSURE_WORD and not keep_unsure:
                return None, label.row.index
            return field("vendor", text, value, label.row.page, 0.8 * value.conf), label.row.index
    buyer_rows = {lab.row.index for lab in labels(page_rows, BUYER, at_start=True)}
    head = [r for r in page_rows[:8] if r.index not in buyer_rows]
    scored = [(_vendor_score(row, rank, body_height) + 1.5 * _address_follows(page_rows, row), row)
              for rank, row in enumerate(head)]
    scored = [(s, r) for s, r in scored if s > 0.5]
    if not scored:
        return None
    score, row = max(scored, key=lambda sr: sr[0])
    text = " ".join(row.text.split()).strip(" ,:;-*")
    row_end = row.index
    nxt = page_rows[row.index + 1] if row.index + 1 < len(page_rows) else None
    prev = page_rows[row.index - 1] if row.index > 0 else None
    if nxt is not None and v.COMPANY_SUFFIX.fullmatch(nxt.text.strip(" .,")) and not v.COMPANY_SUFFIX.search(text):
        text, row_end = f"{text} {nxt.text.strip(' ,:;-*')}", nxt.index
        row = Row(row.index, row.words + nxt.words, row.page)
    elif nxt is not None and _legal_entity_below(row, nxt):
        text, row_end = f"{text} {' '.join(nxt.text.split()).strip(' ,:;-*')}", nxt.index
        row = Row(row.index, row.words + nxt.words, row.page)
    elif prev is not None and _continues(prev, row, body_height):
        text, row = f"{' '.join(prev.text.split())} {text}", Row(row.index, prev.words + row.words, row.page)
    name_words = [w for w in row.words if not _REGISTRATION.fullmatch(w.text)]
    if min(w.conf for w in name_words or row.words) < UNSURE_WORD and not keep_unsure:
        return None, row_end
    text = _mend_signs(_OCR_LETTERS.sub(_as_letters, _REGISTRATION.sub("", text)).strip())
    text = repair_legal_form(_unglue_legal_form(text))
    confidence = min(0.9, 0.45 + 0.1 * score) * min(w.conf for w in row.words) / 100
    return Field("vendor", text, row.text, row.page, row.box, round(confidence, 3)), row_end


# a company registration number printed after the name: "(519537-X)", "(Co. No. 113825-W)"
_REGISTRATION = re.compile(r"\s*[（(][^()（）]*\d[^()（）]*[)）]?\s*$")
# a word of letters where OCR read O as 0 or I/l as 1 ("S0ON", "1DEA", "0ld Town", "c0m"), or an abbreviation
# closed by its full stop ("C0." for "CO.")
_OCR_LETTERS = re.compile(r"\b(?:(?=[A-Za-z01]*[A-Za-z]{2})[A-Za-z]*[01][A-Za-z01]*|[A-Za-z]+[01][A-Za-z]+"
                          r"|[A-Za-z][0](?=\.))\b")
_DIGIT_AS_LETTER = str.maketrans({"0": "O", "1": "I"})
_DIGIT_AS_SMALL = str.maketrans({"0": "o", "1": "l"})


# signs OCR reads for a letter or a bracket of a name: "¥" for Y within a word ("D.I.¥."), "C" for the "("
# of a bracket left unopened ("BOOK CO. CM) SDN BHD")
_YEN_IN_WORD = re.compile(r"(?<=[A-Za-z.])¥|¥(?=[A-Za-z.])")
_C_FOR_BRACKET = re.compile(r"(?<![\w(])C([A-Z]{1,4}\))")


def _mend_signs(name: str) -> str:
    """A company name with the signs OCR misread for letters or brackets put right (see above)."""
    name = _YEN_IN_WORD.sub("Y", name)
    if name.count(")") > name.count("("):
        name = _C_FOR_BRACKET.sub(r"(\1", name, count=1)
    return name


def _as_letters(match: re.Match[str]) -> str:
    """The digits of a misread word as letters, in the case of the word's other letters."""
    word = match.group()
    small = sum(c.islower() for c in word) > sum(c.isupper() for c in word)
    if small and word[0] in "01" and word[1:2].islower():
        return word[0].translate(_DIGIT_AS_LETTER) + word[1:].translate(_DIGIT_AS_SMALL)  # "0ld" -> "Old"
    return word.translate(_DIGIT_AS_SMALL if small else _DIGIT_AS_LETTER)
_WORD = re.compile(r"[^\W\d_]{3,}")
# a row holding only a registration number: "(801580-T)", "Co. No. 113825-W"
_REGISTRATION_ROW = re.compile(r"[\W\d\-]*\(?[\w. :-]*\d[\w-]*\)?[\W]*")
# opening hours printed in the letterhead: "SUN-THU: 1000HRS-2230HRS", "Mon-Fri 9:00 - 17:30", "8h30-19h"
_OPENING_HOURS = re.compile(
    r"\d{1,2}[:.h]?\d{2}\s*(?:hrs?|h|uhr|am|pm)?\s*[-\u2013~]\s*"
    r"\d{1,2}(?:[:.h]?\d{2})?\s*(?:hrs?|h|uhr|am|pm)?(?![\w/])"
    r"|(?<![\w])\d{3,4}\s*hrs(?![\w])", re.I)


def repair_legal_form(name: str) -> str:
    """Mend one misread character in the legal form closing a company name ("SON BHD", "5dn Bhd", "GMBII").

    Legal forms are a closed vocabulary, so a closing word one edit away from one (with the other word of a
    two-word form read exactly) is far likelier a misreading than a different word; the name itself is never
    touched. Case follows the printed word."""
    words = name.split(" ")
    for form in v.LEGAL_FORMS_SPELLED:
        parts = form.split(" ")
        if len(words) <= len(parts):
            continue
        tail = words[-len(parts):]
        folded = [w.upper().strip(".,") for w in tail]
        edits = [min(_edits(a, b), 1 + _edits(_H_READ.sub("H", a), b) if _H_READ.search(a) else 2)
                 for a, b in zip(folded, parts, strict=True)]
        if sum(edits) != 1 or max(edits) > 1 or any(len(p) < 3 and e for p, e in zip(parts, edits, strict=True)):
            continue
        fixed = [w if e == 0 else _like(w, p) for w, p, e in zip(tail, parts, edits, strict=True)]
        return " ".join(words[: -len(parts)] + fixed)
    return name


# a capital H printed narrow is often read as two strokes: "BIID", "BILD", "GMBII"
_H_READ = re.compile(r"II|IL|LI|I-I")


def _like(printed: str, canonical: str) -> str:
    """``canonical`` in the case of ``printed`` (upper, or capitalised), keeping its closing punctuation."""
    core = printed.rstrip(".,")
    letters = [c for c in core if c.isalpha()]
    word = canonical if all(c.isupper() for c in letters) else canonical.capitalize()
    return word + printed[len(core):]


def _edits(a: str, b: str) -> int:
    """Levenshtein distance, cut at 2 (only 0, 1 or "more" matter here)."""
    return int(Levenshtein.distance(a, b, score_cutoff=1))
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return 1 if any(long_[:i] + long_[i + 1:] == short for i in range(len(long_))) else 2


def _legal_entity_below(row: Row, nxt: Row) -> bool:
    """A trading name with the legal entity on the next line ("LEMON TREE RESTAURANT" / "JTJ FOODS SDN BHD")."""
    if v.LEGAL_FORM.search(row.text) or not v.LEGAL_FORM.search(nxt.text):
        return False
    if v.ADDRESS_WORDS.search(nxt.text) or _PHONE.search(nxt.text) or label_spans(nxt, NOT_VENDOR):
        return False
    return 0.7 <= nxt.height / max(row.height, 1.0) <= 1.3


def _continues(prev: Row, row: Row, body_height: float) -> bool:
    """A company name printed over two lines: the row above ends the name the suffix row closes
    ("LIAN CHI PU TIAN VEGETARIAN" / "RESTAURANT SDN BHD"), same print size, no digits."""
    matches = list(v.COMPANY_SUFFIX.finditer(row.text))
    if not matches or matches[-1].end() < len(_REGISTRATION.sub("", row.text).rstrip(" .,")) - 1:
        return False
    starts_with_suffix = matches[0].start() == 0
    if re.search(r"\d", prev.text) or prev.text == prev.text.lower() or _is_label(prev):
        return False
    if v.ADDRESS_WORDS.search(prev.text):
        return False
    if len(_LETTERS.findall(prev.text)) < 3:
        return False
    return starts_with_suffix or (0.8 <= prev.height / max(row.height, 1.0) <= 1.25 and len(row.text.split()) <= 4)


def _is_label(row: Row) -> bool:
    """A title or label row, also when OCR lost or moved its spaces ("ACCOUNT'SCOPY", "TAXINVOICE")."""
    if label_spans(row, NOT_VENDOR):
        return True
    squeezed = fold(row.text).replace(" ", "")
    return any(squeezed.startswith(phrase) for phrase in _GLUED_NOT_VENDOR)


_GLUED_NOT_VENDOR = tuple(sorted({p.replace(" ", "") for p in v.NOT_VENDOR if " " in p and len(p) >= 8}))


def vendor_address(page_rows: Sequence[Row], after_row: int) -> Field | None:
    """The address printed under the vendor's name, as a person picks it out: past the registration and tax
    numbers and a branch or trading name printed under the name, the rows from the first street line (a
    house number, a street word or a postcode) up to the first phone, tax-number, date or title row (at
    most 5). Left out when no row of it reads as an address."""
    taken: list[Row] = []
    for row in page_rows[after_row + 1: after_row + 8]:
        if _is_registration(row):
            if taken:
                break
            continue  # "(801580-T)", "GST ID: 000429166592" under the name: not yet the address
        if dates_in(row.words):
            if taken:
                break
            continue  # a time stamp printed under the name
        if _is_phone(row) or label_spans(row, BUYER):
            break
        if taken and label_spans(row, NOT_VENDOR):
            break
        if not taken:
            if label_spans(row, NOT_VENDOR):
                break
            if not _is_street(row):
                continue  # the branch's or trading name under the company ("MYDIN MART SRI MUDA")
        taken.append(row)
        if len(taken) == 5:
            break
    if not taken or not any(v.ADDRESS_WORDS.search(r.text) or v.POSTCODE.search(r.text) for r in taken):
        return None
    text = unicodedata.normalize("NFKC", " ".join(" ".join(r.text.split()) for r in taken))
    box_rows = Row(-1, tuple(w for r in taken for w in r.words), taken[0].page)
    confidence = 0.7 * min(w.conf for w in box_rows.words) / 100
    return Field("vendor_address", text, " ".join(r.text for r in taken), taken[0].page, box_rows.box,
                 round(confidence, 3))


REGISTRATION = Lexicon(v.REGISTRATION_LABEL)
PHONES = Lexicon(v.PHONE_LABEL)


def _is_street(row: Row) -> bool:
    """A row that opens an address: a street word, a postcode or a house number."""
    return bool(v.ADDRESS_WORDS.search(row.text) or v.POSTCODE.search(row.text) or re.search(r"\d", row.text))


def _is_phone(row: Row) -> bool:
    """A phone or fax row: its label, or a number of 8 digits or more written as phone numbers are."""
    spans = label_spans(row, PHONES)
    if spans and spans[0][0] == 0 and re.search(r"\d", row.text):
        return True
    return any(sum(c.isdigit() for c in m.group()) >= 8 for m in _PHONE.finditer(row.text))


def _is_registration(row: Row) -> bool:
    """A registration or tax number row: "(801580-T)", "Co. No. 113825-W", "GST ID: 000429166592"."""
    if label_spans(row, REGISTRATION) and re.search(r"\d", row.text):
        return True
    return bool(_ID_ROW.fullmatch(row.text))


# a row that is a number of five digits or more, with at most a short label and a check letter
_ID_ROW = re.compile(r"[\W_]*(?:[^\W\d_]{1,4}\W+){0,3}[A-Z]{0,2}\d[\d -]{3,}\d(?:\s?-?\s?[A-Z]{1,2})?[\W_]*")
