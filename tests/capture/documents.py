"""Test documents made on the fly: the lines of each document type, as born-digital PDFs and as
scanned-looking images (noise, rotation, skew) drawn with a TrueType font.

Also used by ``bench/capture.py``. Every document states its expected fields next to its lines.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian package fonts-dejavu-core
FONT = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# doc type -> (lines, expected fields {name: value})
DOCUMENTS: dict[str, tuple[list[str], dict[str, str]]] = {
    "claim_form": ([
        "Vehicle Claim Form",
        "Claim reference: CLM-2026-000123",
        "Policy number: POL-4471-2298",
        "Policyholder name: Jane Doe",
        "E-mail: jane.doe@example.com",
        "Date of incident: 3 November 2026",
        "Description of the incident: rear-end collision at a junction.",
        "Estimated damage: EUR 2,450.00",
        "IBAN for payment: NL91 ABNA 0417 1643 00",
        "Declaration: I confirm that the above is true and complete.",
    ], {"case_reference": "CLM-2026-000123", "policy_number": "POL-4471-2298", "name": "Jane Doe",
        "email": "jane.doe@example.com", "incident_date": "2026-11-03", "iban": "NL91ABNA0417164300",
        "amount": "2450.00 EUR"}),
    "repair_estimate": ([
        "Garage Martin B.V.",
        "Repair Estimate",
        "Estimate number: EST-2026-0042",
        "Claim reference: CLM-2026-000123",
        "Date: 05/11/2026",
        "Rear bumper (parts) EUR 640,00",
        "Labour 6 hours EUR 540,00",
        "Paint and materials EUR 210,50",
        "Total estimate: EUR 1.390,50",
        "This quotation is valid until 05/12/2026.",
    ], {"document_number": "EST-2026-0042", "case_reference": "CLM-2026-000123",
        "total": "1390.50", "currency": "EUR", "document_date": "2026-11-05"}),
    "invoice": ([
        "Northwind Supplies Ltd",
        "INVOICE",
        "Invoice number: INV-2026-1187",
        "Invoice date: 2026-10-28",
        "Bill to: Caseworks Insurance, 1 Market Square",
        "Office chairs 4 x $120.00",
        "Subtotal: $480.00",
        "VAT 20%: $96.00",
        "Total due: $576.00",
        "Payment terms: 30 days. Please pay to GB82 WEST 1234 5698 7654 32",
    ], {"document_number": "INV-2026-1187", "document_date": "2026-10-28", "total": "576.00", "currency": "USD",
        "iban": "GB82WEST12345698765432"}),
    "receipt": ([
        "City Fuel Station",
        "RECEIPT",
        "Receipt no: 88213",
        "12/10/2026 14:32  Till 3  Cashier Ann",
        "Unleaded 42.10 L  £61.45",
        "Car wash  £8.00",
        "TOTAL  £69.45",
        "Card payment VISA ****1234  Auth code 558812",
        "Thank you for your purchase",
    ], {"document_number": "88213", "total": "69.45", "currency": "GBP", "date": "2026-10-12"}),
    "medical_invoice": ([
        "St. Mary Clinic",
        "Medical invoice",
        "Invoice number: MED-77120",
        "Patient name: John Smith",
        "Policy number: HL-20931-7",
        "Consultation with physician EUR 85.00",
        "X-ray examination EUR 120.00",
        "Diagnosis: sprained wrist",
        "Total amount: EUR 205.00",
        "Please pay to DE89 3704 0044 0532 0130 00 within 14 days.",
    ], {"document_number": "MED-77120", "name": "John Smith", "policy_number": "HL-20931-7",
        "total": "205.00", "currency": "EUR", "iban": "DE89370400440532013000"}),
    "id_document": ([
        "KINGDOM OF THE NETHERLANDS",
        "IDENTITY CARD",
        "Name: Jane Marie Doe",
        "Nationality: Netherlands",
        "Date of birth: 12 March 1985",
        "Place of birth: Utrecht",
        "Document number: NX4829175",
        "Date of expiry: 11 March 2031",
        "Issuing authority: City of Utrecht",
    ], {"name": "Jane Marie Doe", "date_of_birth": "1985-03-12", "document_number": "NX4829175",
        "expiry_date": "2031-03-11"}),
    "proof_of_address": ([
        "BrightPower Energy Ltd",
        "Your electricity bill",
        "Customer name: Jane Doe",
        "Supply address: 12 Canal Street, 3511 AB Utrecht",
        "Account number: 5550012345",
        "Billing period: 01/09/2026 to 30/09/2026",
        "Meter reading: 45210 kWh",
        "Statement date: 02/10/2026",
        "Amount due: EUR 84.20",
    ], {"name": "Jane Doe", "account_number": "5550012345", "document_date": "2026-10-02"}),
    "payslip": ([
        "ACME Manufacturing Ltd",
        "PAYSLIP",
        "Employer: ACME Manufacturing Ltd",
        "Employee name: Jane Doe",
        "Pay period: October 2026",
        "Pay date: 31/10/2026",
        "Gross pay: EUR 3,450.00",
        "Income tax: EUR 612.66",
        "Net pay: EUR 2,512.34",
        "Paid to IBAN: DE89 3704 0044 0532 0130 00",
    ], {"employer": "ACME Manufacturing Ltd", "name": "Jane Doe", "gross_pay": "3450.00 EUR",
        "net_pay": "2512.34 EUR", "iban": "DE89370400440532013000", "document_date": "2026-10-31"}),
    "bank_statement": ([
        "First City Bank",
        "Bank statement",
        "Account holder: Jane Doe",
        "IBAN: FR14 2004 1010 0505 0001 3M02 606",
        "Statement period: 1 September 2026 to 30 September 2026",
        "Opening balance: EUR 1,204.10",
        "02/09/2026 Salary ACME credit EUR 2,512.34",
        "05/09/2026 Rent debit EUR 950.00",
        "Closing balance: EUR 2,766.44",
    ], {"name": "Jane Doe", "iban": "FR1420041010050500013M02606", "date": "2026-09-01"}),
    "tax_return": ([
        "Income Tax Return 2025",
        "Tax year: 2025",
        "Taxpayer name: Jane Doe",
        "Tax identification number: 123-45-6789",
        "Taxable income: EUR 41,400.00",
        "Tax office: Utrecht",
        "Refund: EUR 312.00",
        "Date: 15 April 2026",
    ], {"name": "Jane Doe", "tax_id": "123-45-6789", "document_date": "2026-04-15"}),
    "company_registration": ([
        "Chamber of Commerce",
        "Trade register extract",
        "Company name: Northwind Supplies B.V.",
        "Registration number: 71234567",
        "Legal form: private limited company",
        "Registered office: Amsterdam",
        "Incorporated on 4 May 2018",
        "Directors: A. Jansen",
    ], {"company_name": "Northwind Supplies B.V.", "document_number": "71234567", "date": "2018-05-04"}),
}


def text_pdf(pages: list[list[str]], font_size: float = 11) -> bytes:
    """A born-digital PDF (embedded DejaVu font with a Unicode map), one list of lines a page."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("dejavu", "", str(FONT))
    pdf.set_font("dejavu", size=font_size)
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        pdf.set_xy(56, 56)
        for line in lines:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT", h=font_size * 1.6)
    return bytes(pdf.output())


def image_pdf(images: list[Image.Image], dpi: int = 300) -> bytes:
    """A scanned PDF: each page one image, no text layer."""
    pdf = FPDF(unit="pt", format="A4")
    for image in images:
        w, h = image.width * 72 / dpi, image.height * 72 / dpi
        pdf.add_page(format=(w, h))
        pdf.image(image, x=0, y=0, w=w, h=h)
    return bytes(pdf.output())


def scan(lines: list[str], *, size: tuple[int, int] | None = None, font_px: int = 34,
         rotate: int = 0, skew: float = 0.0, noise: float = 0.0, blur: float = 0.0,
         seed: int = 7) -> Image.Image:
    """A scanned-looking grayscale page: text drawn at ~300 dpi (34 px is 8 pt), then turned,
    skewed, blurred and speckled. Without ``size`` the page fits the text with margins."""
    font = ImageFont.truetype(str(FONT), font_px)
    bold = ImageFont.truetype(str(FONT_BOLD), round(font_px * 1.2))
    if size is None:
        width = max(bold.getlength(line) for line in lines) + 160
        size = (round(width), 140 + round(font_px * 1.75) * len(lines))
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    y = 70
    for i, line in enumerate(lines):
        draw.text((80, y), line, font=bold if i < 2 else font, fill=20)
        y += round(font_px * 1.75)
    if skew:
        page = page.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if rotate:
        page = page.rotate(rotate, expand=True)
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        page = _speckle(page, noise, seed)
    return page


def _speckle(page: Image.Image, amount: float, seed: int) -> Image.Image:
    """Salt-and-pepper noise on ``amount`` of the pixels, as on a dusty scanner glass."""
    rng = random.Random(seed)
    pixels = page.load()
    assert pixels is not None
    for _ in range(int(page.width * page.height * amount)):
        x, y = rng.randrange(page.width), rng.randrange(page.height)
        pixels[x, y] = 0 if rng.random() < 0.5 else 255
    return page


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def multipage_tiff(images: list[Image.Image], dpi: int = 300) -> bytes:
    buffer = io.BytesIO()
    images[0].save(buffer, format="TIFF", save_all=True, append_images=images[1:],
                   compression="tiff_deflate", dpi=(dpi, dpi))
    return buffer.getvalue()


def exif_rotated_jpeg(upright: Image.Image) -> bytes:
    """A phone photo: pixels stored turned 90 degrees, EXIF orientation 6 says to turn them back."""
    stored = upright.rotate(90, expand=True)  # counter-clockwise; orientation 6 = turn clockwise to view
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(stored.convert("RGB"), "JPEG", quality=90, exif=exif)


_FILLER = (
    "The insured vehicle was parked outside the premises when the damage occurred and the "
    "customer reported the incident to the police on the same day. Our assessor inspected the "
    "car at the garage and agreed with the repair method proposed in the estimate. Payment will "
    "be made to the account named below once the signed declaration has been received. Please "
    "quote the claim reference in all correspondence and send any further invoices or receipts "
    "through the customer portal so that they are attached to the right case without delay."
).split()


def business_pages(count: int, seed: int = 1) -> list[list[str]]:
    """Realistic text pages (~45 lines, ~3,000 characters each): a document's lines, then prose and a table."""
    rng = random.Random(seed)
    kinds = list(DOCUMENTS)
    pages = []
    for n in range(count):
        lines = list(DOCUMENTS[kinds[n % len(kinds)]][0])
        while len(lines) < 30:
            lines.append(" ".join(rng.choice(_FILLER) for _ in range(rng.randint(10, 14))))
        for i in range(15):
            price = f"{rng.randint(10, 999)}.{rng.randint(0, 99):02d}"
            lines.append(f"{i + 1:>3}  Item {rng.randint(1000, 9999)}  {rng.choice(_FILLER)} "
                         f"{rng.choice(_FILLER)}  {rng.randint(1, 9)} x EUR {price}")
        pages.append(lines)
    return pages


def receipt_photo(font_px: int, blur: float, paper: int, ink: int, quality: int) -> bytes:
    """A small phone photo of a receipt: grey ink on grey paper, camera blur, JPEG, no DPI."""
    image = scan(DOCUMENTS["receipt"][0], font_px=font_px)
    image = image.point(lambda v: ink + v * (paper - ink) // 255)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return encode(image.convert("RGB"), "JPEG", quality=quality)


def filled_form_pdf(label: str, value: str) -> bytes:
    """A one-page fillable PDF: ``label`` printed on the page, ``value`` typed into a form field
    (a widget annotation with its appearance stream, as PDF form fillers save it)."""
    text = f"BT /F1 12 Tf 56 760 Td (Vehicle claim form - notification of loss) Tj 0 -40 Td ({label}) Tj ET"
    appearance = f"/Tx BMC BT /F1 12 Tf 2 6 Td ({value}) Tj ET EMC"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /DA (/F1 12 Tf 0 g) >> >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R /Annots [4 0 R] "
        "/Resources << /Font << /F1 6 0 R >> >> >>",
        f"<< /Type /Annot /Subtype /Widget /FT /Tx /T (field1) /V ({value}) /Rect [200 712 420 734] "
        "/P 3 0 R /F 4 /DA (/F1 12 Tf 0 g) /AP << /N 7 0 R >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Type /XObject /Subtype /Form /BBox [0 0 220 22] /Resources << /Font << /F1 6 0 R >> >> "
        f"/Length {len(appearance)} >>\nstream\n{appearance}\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
