"""A labelled multilingual document set made on demand: invoices, receipts, payslips and ID documents in
English, German, French, Dutch, Spanish and Italian, born-digital (PDF with a text layer) and scanned-looking
(a raster with noise, a small rotation and blur), with the fields a reader should find.

Layouts, labels, date and number formats vary with a seeded random generator, so the set is not one
template per type: labels come from several synonyms, values sit right of their label (right-aligned far
away, or close) or under it; vendors are named in the letterhead, some with a registration or tax number
under the name, some with a phone number after their address.

``python bench/make_capture_set.py OUTDIR`` writes it as files for ``bench/capture_accuracy.py``.
"""
from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image, ImageFilter

from capture.mrz import check_digit

FONTS = Path("/usr/share/fonts/truetype/dejavu")
LANGS = ("en", "de", "fr", "nl", "es", "it")
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
}
WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"invoice": ("Invoice", "Tax invoice"), "inv_no": ("Invoice number", "Invoice No.", "Invoice #"),
           "date": ("Invoice date", "Date", "Date of issue"), "due": ("Due date", "Payment due"),
           "sub": ("Subtotal", "Net amount"), "vat": ("VAT 20%", "Tax 20%"), "total": ("Total due", "Amount due", "Total"),
           "bill": ("Bill to", "Invoice to"), "receipt": ("Receipt", "Sales receipt"), "cash": ("Cash",), "change": ("Change",),
           "thanks": ("Thank you for shopping",), "payslip": ("Payslip", "Pay slip"), "period": ("Pay period",),
           "gross": ("Gross pay",), "net": ("Net pay",), "ytd": ("Year to date",), "tax_ded": ("Income tax",),
           "employee": ("Employee",), "id": ("Identity card",), "surname": ("Surname",), "given": ("Given names",),
           "dob": ("Date of birth",), "expiry": ("Date of expiry",), "docno": ("Document number",),
           "lines": ("Consulting services", "Office chairs", "Software licence")},
    "de": {"invoice": ("Rechnung",), "inv_no": ("Rechnungsnummer", "Rechnung Nr.", "Rechnungs-Nr."),
           "date": ("Rechnungsdatum", "Datum"), "due": ("Fällig am", "Zahlbar bis"),
           "sub": ("Zwischensumme", "Nettobetrag"), "vat": ("MwSt. 19%", "USt. 19%"),
           "total": ("Gesamtbetrag", "Rechnungsbetrag", "Zu zahlen"), "bill": ("Rechnung an",),
           "receipt": ("Kassenbon", "Quittung"), "cash": ("Bar",), "change": ("Rückgeld",),
           "thanks": ("Vielen Dank für Ihren Einkauf",), "payslip": ("Lohnabrechnung", "Gehaltsabrechnung"),
           "period": ("Abrechnungszeitraum",), "gross": ("Gesamtbrutto", "Bruttolohn"), "net": ("Auszahlungsbetrag", "Nettoverdienst"),
           "ytd": ("Jahressumme",), "tax_ded": ("Lohnsteuer",), "employee": ("Mitarbeiter",), "id": ("Personalausweis",),
           "surname": ("Name / Surname / Nom",), "given": ("Vornamen / Given names / Prénoms",),
           "dob": ("Geburtsdatum / Date of birth",), "expiry": ("Gültig bis / Date of expiry",),
           "docno": ("Ausweisnummer",), "lines": ("Beratungsleistung", "Bürostühle", "Wartungsvertrag")},
    "fr": {"invoice": ("Facture",), "inv_no": ("Facture N°", "Numéro de facture", "N° de facture"),
           "date": ("Date de facture", "Date"), "due": ("Date d'échéance", "Échéance"),
           "sub": ("Total HT", "Montant HT"), "vat": ("TVA 20%",), "total": ("Total TTC", "Net à payer", "Montant TTC"),
           "bill": ("Facturé à", "Client"), "receipt": ("Ticket de caisse", "Reçu"), "cash": ("Espèces",),
           "change": ("Rendu",), "thanks": ("Merci de votre visite",), "payslip": ("Bulletin de paie", "Bulletin de salaire"),
           "period": ("Période",), "gross": ("Salaire brut",), "net": ("Net à payer",), "ytd": ("Cumul annuel",),
           "tax_ded": ("Cotisations",), "employee": ("Salarié",), "id": ("Carte nationale d'identité",),
           "surname": ("Nom / Surname",), "given": ("Prénoms / Given names",), "dob": ("Date de naissance",),
           "expiry": ("Date d'expiration",), "docno": ("N° du document",),
           "lines": ("Prestation de conseil", "Chaises de bureau", "Licence logicielle")},
    "nl": {"invoice": ("Factuur",), "inv_no": ("Factuurnummer", "Factuur nr."), "date": ("Factuurdatum", "Datum"),
           "due": ("Vervaldatum",), "sub": ("Subtotaal", "Totaal excl. btw"), "vat": ("BTW 21%",),
           "total": ("Totaal te betalen", "Te betalen", "Totaal incl. btw"), "bill": ("Factuur aan", "Klant"),
           "receipt": ("Kassabon",), "cash": ("Contant",), "change": ("Wisselgeld",), "thanks": ("Bedankt voor uw aankoop",),
           "payslip": ("Loonstrook", "Salarisstrook"), "period": ("Periode",), "gross": ("Brutoloon",),
           "net": ("Nettoloon", "Netto uitbetaling"), "ytd": ("Cumulatief",), "tax_ded": ("Loonheffing",),
           "employee": ("Werknemer",), "id": ("Identiteitskaart",), "surname": ("Naam / Surname",),
           "given": ("Voornamen / Given names",), "dob": ("Geboortedatum / Date of birth",),
           "expiry": ("Geldig tot / Date of expiry",), "docno": ("Documentnummer",),
           "lines": ("Adviesdiensten", "Bureaustoelen", "Softwarelicentie")},
    "es": {"invoice": ("Factura",), "inv_no": ("Número de factura", "Factura n.º", "Nº factura"),
           "date": ("Fecha de factura", "Fecha"), "due": ("Fecha de vencimiento", "Vencimiento"),
           "sub": ("Base imponible",), "vat": ("IVA 21%",), "total": ("Total a pagar", "Importe total", "Total factura"),
           "bill": ("Cliente",), "receipt": ("Ticket de compra", "Recibo"), "cash": ("Efectivo",), "change": ("Cambio",),
           "thanks": ("Gracias por su compra",), "payslip": ("Nómina", "Recibo de salarios"), "period": ("Periodo",),
           "gross": ("Total devengado",), "net": ("Líquido a percibir",), "ytd": ("Acumulado",), "tax_ded": ("IRPF",),
           "employee": ("Trabajador",), "id": ("Documento nacional de identidad",), "surname": ("Apellidos / Surname",),
           "given": ("Nombre / Given names",), "dob": ("Fecha de nacimiento",), "expiry": ("Válido hasta",),
           "docno": ("Número de documento",), "lines": ("Servicios de consultoría", "Sillas de oficina", "Licencia de software")},
    "it": {"invoice": ("Fattura",), "inv_no": ("Numero fattura", "Fattura n.", "Fattura nr."),
           "date": ("Data fattura", "Data"), "due": ("Scadenza", "Data di scadenza"), "sub": ("Imponibile",),
           "vat": ("IVA 22%",), "total": ("Totale da pagare", "Totale fattura", "Totale documento"),
           "bill": ("Cliente", "Intestatario"), "receipt": ("Scontrino", "Ricevuta"), "cash": ("Contanti",),
           "change": ("Resto",), "thanks": ("Grazie e arrivederci",), "payslip": ("Busta paga", "Cedolino"),
           "period": ("Periodo di paga",), "gross": ("Totale competenze", "Retribuzione lorda"), "net": ("Netto in busta",),
           "ytd": ("Progressivo",), "tax_ded": ("IRPEF",), "employee": ("Dipendente",), "id": ("Carta d'identità",),
           "surname": ("Cognome / Surname",), "given": ("Nome / Given names",), "dob": ("Data di nascita",),
           "expiry": ("Scadenza / Expiry",), "docno": ("Numero documento",),
           "lines": ("Servizi di consulenza", "Sedie da ufficio", "Licenza software")},
}
VAT = {"en": 20, "de": 19, "fr": 20, "nl": 21, "es": 21, "it": 22}
COMPANIES = {"en": ("Brightwater Supplies Ltd", "Kestrel Print Co."), "de": ("Müller Bürotechnik GmbH", "Hansa Logistik AG"),
             "fr": ("Boulangerie Dupont SARL", "Atelier Lumière SAS"), "nl": ("De Vries Techniek B.V.", "Bakkerij Jansen"),
             "es": ("Suministros García S.L.", "Ferretería Ruiz S.A."), "it": ("Rossi Forniture S.r.l.", "Tipografia Bianchi S.p.A.")}
STREETS = {"en": ("12 High Street", "London EC1A 1BB"), "de": ("Hauptstraße 5", "10115 Berlin"),
           "fr": ("14 rue de la Paix", "75002 Paris"), "nl": ("Keizersgracht 101", "1015 CJ Amsterdam"),
           "es": ("Calle Mayor 22", "28013 Madrid"), "it": ("Via Roma 8", "00184 Roma")}
# printed under the name (the first company of each language) or after the address (the second)
REGISTRATION = {"en": "Company No. 08123456", "de": "USt-IdNr. DE811907980", "fr": "SIRET 512 345 678 00021",
                "nl": "KvK 34123456", "es": "CIF B12345678", "it": "P.IVA 01234567890"}
PHONES = {"en": "Tel. 020 7946 0018", "de": "Tel. 030 1234567", "fr": "Tél. 01 42 68 53 00", "nl": "Tel. 020 624 1234",
          "es": "Tel. 915 123 456", "it": "Tel. 06 1234 5678"}
PEOPLE = (("Anna", "Schmidt"), ("Lucas", "Martin"), ("Sophie", "de Jong"), ("Marco", "Bianchi"), ("Elena", "García"),
          ("James", "Walker"))


@dataclass(frozen=True)
class Doc:
    name: str
    data: bytes
    suffix: str
    expected: dict[str, str]


def money(value: Decimal, lang: str) -> str:
    text = f"{value:,.2f}"
    return text if lang == "en" else text.replace(",", "_").replace(".", ",").replace("_", ".")


def when(day: date, lang: str, rnd: random.Random) -> str:
    style = rnd.choice(("numeric", "short", "words"))
    if style == "words":
        month = MONTHS[lang].split()[day.month - 1]
        return f"{month} {day.day}, {day.year}" if lang == "en" else (
            f"{day.day}. {month} {day.year}" if lang == "de" else f"{day.day} {month} {day.year}")
    sep = "." if lang in ("de", "nl", "it") and style == "numeric" else ("-" if lang == "nl" else "/")
    year = day.year % 100 if style == "short" else day.year
    return f"{day.day:02d}{sep}{day.month:02d}{sep}{year:02d}"


def _pick(lang: str, key: str, rnd: random.Random) -> str:
    return rnd.choice(WORDS[lang][key])


class Page:
    """Lines placed on an A4 (or till-roll) page in points: text at x, or right-aligned at the right margin."""

    def __init__(self, width: float = 595, height: float = 842) -> None:
        self.width, self.height = width, height
        self.items: list[tuple[float, float, str, str, float]] = []  # x, y, text, align, size
        self.y = 60.0

    def line(self, text: str, x: float = 50, size: float = 10, gap: float = 16) -> None:
        self.items.append((x, self.y, text, "L", size))
        self.y += gap

    def pair(self, label: str, value: str, rnd: random.Random, size: float = 10, x: float = 50) -> None:
        how = rnd.choice(("right", "close", "below"))
        if how == "below":
            self.line(label, x, size, gap=size + 4)
            self.line(value, x, size)
        else:
            self.items.append((x, self.y, label, "L", size))
            if how == "right":
                self.items.append((self.width - 50, self.y, value, "R", size))
            else:
                self.items.append((x + 9 * len(label) * size / 10 + 12, self.y, value, "L", size))
            self.y += size + 6

    def pdf(self) -> bytes:
        pdf = FPDF(unit="pt", format=(self.width, self.height))
        pdf.add_font("dejavu", "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font("mono", "", str(FONTS / "DejaVuSansMono.ttf"))
        pdf.set_auto_page_break(False)
        pdf.add_page()
        for x, y, text, align, size in self.items:
            font = "mono" if "<" in text else "dejavu"
            pdf.set_font(font, size=size)
            if align == "R":
                x -= pdf.get_string_width(text)
            pdf.text(x, y, text)
        return bytes(pdf.output())


def scanned(pdf: bytes, rnd: random.Random) -> bytes:
    """The PDF page as a scan: 200-300 dpi, turned up to 1.5 degrees, blurred, speckled, JPEG or PNG."""
    dpi = rnd.choice((200, 300))
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    image = image.rotate(rnd.uniform(-1.5, 1.5), expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    image = image.filter(ImageFilter.GaussianBlur(rnd.uniform(0.3, 0.9)))
    noise = Image.effect_noise(image.size, 18).point(lambda v: 0 if v < 30 else 255)
    image = Image.composite(image, noise, noise.point(lambda v: 255 if v else 0))
    image = image.point(lambda v: 40 + v * 200 // 255)
    out = io.BytesIO()
    fmt = rnd.choice(("JPEG", "PNG"))
    image.save(out, format=fmt, dpi=(dpi, dpi), **({"quality": 85} if fmt == "JPEG" else {}))
    return out.getvalue()


def invoice(lang: str, rnd: random.Random) -> tuple[Page, dict[str, str]]:
    page = Page()
    vendor = rnd.choice(COMPANIES[lang])
    street, town = STREETS[lang]
    issued = date(2024, 1, 1) + timedelta(days=rnd.randrange(700))
    number = f"{rnd.choice(('INV', 'RE', 'F', 'FA', ''))}{rnd.randrange(2020, 2026)}-{rnd.randrange(1000, 99999)}"
    if rnd.random() < 0.3:
        page.line(_pick(lang, "invoice", rnd).upper(), size=16, gap=28)
    page.line(vendor, size=14, gap=18)
    if vendor == COMPANIES[lang][0]:
        page.line(REGISTRATION[lang], size=8, gap=13)
    page.line(street)
    page.line(town, gap=16 if vendor == COMPANIES[lang][1] else 30)
    if vendor == COMPANIES[lang][1]:
        page.line(PHONES[lang], size=8, gap=24)
    if rnd.random() >= 0.3:
        page.line(_pick(lang, "invoice", rnd), size=16, gap=28)
    page.pair(_pick(lang, "inv_no", rnd), number, rnd)
    page.pair(_pick(lang, "date", rnd), when(issued, lang, rnd), rnd)
    page.pair(_pick(lang, "due", rnd), when(issued + timedelta(days=30), lang, rnd), rnd)
    page.y += 10
    person = rnd.choice(PEOPLE)
    page.line(_pick(lang, "bill", rnd))
    page.line(f"{person[0]} {person[1]}", gap=30)
    sub = Decimal(0)
    for item in rnd.sample(WORDS[lang]["lines"], rnd.randrange(1, 4)):
        amount = Decimal(rnd.randrange(2000, 250000)) / 100
        sub += amount
        page.items.append((50, page.y, item, "L", 10))
        page.items.append((page.width - 50, page.y, money(amount, lang), "R", 10))
        page.y += 16
    page.y += 10
    vat = (sub * VAT[lang] / 100).quantize(Decimal("0.01"))
    total = sub + vat
    symbol = "£" if lang == "en" else "€"
    page.pair(_pick(lang, "sub", rnd), money(sub, lang), rnd)
    page.pair(_pick(lang, "vat", rnd).replace("20%", f"{VAT[lang]}%"), money(vat, lang), rnd)
    page.pair(_pick(lang, "total", rnd), f"{symbol} {money(total, lang)}" if rnd.random() < 0.5 else f"{money(total, lang)} {symbol}", rnd, size=12)
    return page, {"doc_type": "invoice", "total": f"{total:.2f}", "document_date": issued.isoformat(), "vendor": vendor,
                  "vendor_address": f"{street} {town}", "invoice_number": number, "tax_amount": f"{vat:.2f}", "currency": "GBP" if lang == "en" else "EUR"}


def receipt(lang: str, rnd: random.Random) -> tuple[Page, dict[str, str]]:
    page = Page(226, 620)
    vendor = rnd.choice(COMPANIES[lang])
    street, town = STREETS[lang]
    day = date(2024, 1, 1) + timedelta(days=rnd.randrange(700))
    page.line(vendor, x=14, size=10)
    if vendor == COMPANIES[lang][0]:
        page.line(REGISTRATION[lang], x=14, size=7, gap=10)
    page.line(street, x=14, size=8, gap=11)
    page.line(town, x=14, size=8, gap=11 if vendor == COMPANIES[lang][1] else 20)
    if vendor == COMPANIES[lang][1]:
        page.line(PHONES[lang], x=14, size=7, gap=18)
    page.line(_pick(lang, "receipt", rnd), x=14, size=9)
    page.line(f"{when(day, lang, rnd)}  {rnd.randrange(8, 20)}:{rnd.randrange(60):02d}", x=14, size=8, gap=18)
    total = Decimal(0)
    for item in rnd.sample(WORDS[lang]["lines"], 2):
        amount = Decimal(rnd.randrange(100, 4000)) / 100
        total += amount
        page.items.append((14, page.y, item[:18], "L", 8))
        page.items.append((page.width - 14, page.y, money(amount, lang), "R", 8))
        page.y += 12
    page.y += 8
    page.items.append((14, page.y, rnd.choice(WORDS[lang]["total"]).upper() if rnd.random() < 0.5 else "TOTAL", "L", 10))
    page.items.append((page.width - 14, page.y, money(total, lang), "R", 10))
    page.y += 16
    paid = (total // 10 + 1) * 10
    for key, value in (("cash", paid), ("change", paid - total)):
        page.items.append((14, page.y, _pick(lang, key, rnd), "L", 8))
        page.items.append((page.width - 14, page.y, money(value, lang), "R", 8))
        page.y += 12
    page.y += 10
    page.line(_pick(lang, "thanks", rnd), x=14, size=8)
    return page, {"doc_type": "receipt", "total": f"{total:.2f}", "document_date": day.isoformat(), "vendor": vendor,
                  "vendor_address": f"{street} {town}"}


def payslip(lang: str, rnd: random.Random) -> tuple[Page, dict[str, str]]:
    page = Page()
    employer = rnd.choice(COMPANIES[lang])
    person = rnd.choice(PEOPLE)
    month = rnd.randrange(1, 13)
    page.line(employer, size=13, gap=20)
    page.line(STREETS[lang][0], gap=28)
    page.line(_pick(lang, "payslip", rnd), size=15, gap=26)
    page.pair(_pick(lang, "employee", rnd), f"{person[0]} {person[1]}", rnd)
    page.pair(_pick(lang, "period", rnd), f"{MONTHS[lang].split()[month - 1]} 2025", rnd)
    page.y += 12
    gross = Decimal(rnd.randrange(250000, 650000)) / 100
    tax = (gross * Decimal("0.28")).quantize(Decimal("0.01"))
    net = gross - tax
    page.items.append((330, page.y, "", "L", 9))
    page.items.append((page.width - 50, page.y, _pick(lang, "ytd", rnd), "R", 9))
    page.y += 16
    for key, value in (("gross", gross), ("tax_ded", tax), ("net", net)):
        page.items.append((50, page.y, _pick(lang, key, rnd), "L", 10))
        page.items.append((400, page.y, money(value, lang), "R", 10))
        page.items.append((page.width - 50, page.y, money(value * month, lang), "R", 10))
        page.y += 18
    return page, {"doc_type": "payslip", "net_pay": f"{net:.2f}", "gross_pay": f"{gross:.2f}", "employer": employer,
                  "pay_period": f"2025-{month:02d}"}


def id_card(lang: str, rnd: random.Random) -> tuple[Page, dict[str, str]]:
    page = Page(420, 300)
    given, surname = rnd.choice(PEOPLE)
    born = date(1950, 1, 1) + timedelta(days=rnd.randrange(18000))
    expires = date(2027, 1, 1) + timedelta(days=rnd.randrange(3000))
    number = "".join(rnd.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(9))
    country = {"en": "GBR", "de": "D<<", "fr": "FRA", "nl": "NLD", "es": "ESP", "it": "ITA"}[lang]
    page.y = 30
    page.line(_pick(lang, "id", rnd).upper(), x=20, size=11, gap=22)
    for key, value in (("surname", surname.upper()), ("given", given.upper()),
                       ("dob", born.strftime("%d.%m.%Y")), ("docno", number), ("expiry", expires.strftime("%d.%m.%Y"))):
        page.line(_pick(lang, key, rnd), x=140, size=7, gap=10)
        page.line(value, x=140, size=10, gap=17)
    dob, exp = born.strftime("%y%m%d"), expires.strftime("%y%m%d")
    one = f"ID{country}{number}{check_digit(number)}".ljust(30, "<")
    two = f"{dob}{check_digit(dob)}F{exp}{check_digit(exp)}{country}".ljust(29, "<")
    two += check_digit(one[5:30] + two[0:7] + two[8:15] + two[18:29])
    three = f"{surname.upper().replace(' ', '<')}<<{given.upper()}".ljust(30, "<")[:30]
    page.y = 240
    for line in (one, two, three):
        page.line(line, x=20, size=11, gap=15)
    return page, {"doc_type": "id_document", "holder_name": f"{given} {surname}".upper(), "date_of_birth": born.isoformat(),
                  "expiry_date": expires.isoformat(), "document_number": number}


MAKERS = {"invoice": invoice, "receipt": receipt, "payslip": payslip, "id_document": id_card}


def documents(per_kind: int = 1, seed: int = 2026, scans: bool = True) -> Iterator[Doc]:
    """``per_kind`` documents of each type and language, each born-digital and (with ``scans``) scanned."""
    rnd = random.Random(seed)
    for lang in LANGS:
        for kind, make in MAKERS.items():
            for i in range(per_kind):
                page, expected = make(lang, rnd)
                pdf = page.pdf()
                name = f"{lang}-{kind}-{i}"
                yield Doc(f"{name}-digital", pdf, ".pdf", {**expected, "language": lang})
                if scans:
                    data = scanned(pdf, rnd)
                    suffix = ".jpg" if data[:2] == b"\xff\xd8" else ".png"
                    yield Doc(f"{name}-scan", data, suffix, {**expected, "language": lang})
