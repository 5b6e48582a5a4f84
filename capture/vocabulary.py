"""The words documents use for their fields, in English, German, French, Dutch, Spanish and Italian.

Phrases are written folded (lower case, accents removed, punctuation as spaces), as ``fold`` leaves
the text they are compared with. Each table says what a label means; ``labels`` finds them on a row.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case, accents removed, every run of non-word characters one space (``Betrag (€):`` -> ``betrag``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^\w%]+", " ", plain.replace("ß", "ss")).strip()


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(fold(p) for p in text.split("|") if p.strip())


# The amount paid or due. Rank 3: only ever the grand total; rank 2: usually the total.
TOTAL_STRONG = _phrases("""
grand total|total amount|total due|amount due|total payable|amount payable|total to pay|balance due|total incl
|total inc|total including|total inclusive|total incl vat|total incl gst|total incl tax|total sales incl|total sales inclusive
|total rounded|rounded total|total after rounding|total after|nett total|total rm|total eur|total usd|total gbp|total chf
|invoice total|total invoice|total amt|amt due|amt payable|total amount due|total amount payable|amount to pay|please pay|total payment|payment due|to pay
|gesamtbetrag|gesamtsumme|rechnungsbetrag|endbetrag|zu zahlen|zahlbetrag|zahlungsbetrag|bruttobetrag|gesamt brutto
|summe brutto|rechnungssumme|total brutto|endsumme|zu zahlender betrag
|total ttc|montant ttc|net a payer|montant total|total a payer|montant du|montant a payer|somme a payer|total general
|totaal te betalen|te betalen|totaalbedrag|totaal incl|totaal bedrag|factuurbedrag|te voldoen|totaal inclusief
|importe total|total a pagar|total factura|total importe|importe a pagar|total con iva|total general
|totale fattura|totale da pagare|importo totale|totale documento|totale complessivo|da pagare|totale euro|netto a pagare
""")
# Rank 1: the total on receipts ("Net Amt" after discounts), the amount before tax on invoices; chosen
# only when nothing better is labelled, or when the payment lines confirm it.
TOTAL_WEAK = _phrases("net amt|nett amt|net total|net amount|nett amount|nett|total net")
TOTAL_PLAIN = _phrases("total|totaal|totale|summe|gesamt|jumlah|total sales")
# Rows with these are never the total (subtotals, tax lines, counts, year-to-date, instalments).
NOT_TOTAL = _phrases("""
subtotal|sub total|total excl|total excluding|total exclusive|total before|total ht|montant ht|total hors|zwischensumme
|sous total|subtotaal|totaal excl|subtotale|imponibile|base imponible|total tax|total vat|total gst|tax total|vat total
|gst total|total qty|total quantity|total items|total item|total discount|total savings|total saving|ytd|year to date
|total points|total excl gst|nettobetrag|netto betrag|summe netto|gesamt netto|total netto|totaal btw|totale iva|total iva
|total tva|total mwst|total ust|amount due on|due on|fallig am|a payer le|te betalen voor|vence el|entro il|total net ht
|jumlah gst|total gst amount|total no|total number|total pcs|no of items|item count|total weight|cumul|kumuliert
|jahressumme|cumulativo|acumulado|cumule|tendered|change|rounding|round adj|rounding adj|service charge
|excluding|exclusive|excl|exkl|ohne mwst|hors taxe|hors taxes|zonder btw|excl btw|sin iva|senza iva|before tax
|before discount|total sales excluding|nettosumme|saving|savings|discount|rabatt|remise|korting
|descuento|sconto|deposit|balance|points
""")
PAYMENT = _phrases("""
cash|tunai|card|credit card|debit card|visa|mastercard|master|amex|paid|amount paid|bezahlt|bar|barzahlung|gegeben
|especes|carte|paiement|contant|pin|pinnen|betaald|efectivo|tarjeta|pagado|contanti|carta|pagato|bancomat|tendered
""")
ROUNDING = _phrases("rounding|rounding adj|rounding adjustment|round adj|rundung|arrondi|afronding|redondeo|arrotondamento")
CHANGE = _phrases("change|wechselgeld|ruckgeld|zuruck|rendu|monnaie|wisselgeld|terug|cambio|vuelto|resto")
TAX = _phrases("""
vat|tax|gst|sst|sales tax|total tax|total vat|total gst|tax amount|vat amount|gst amount|mwst|ust|umsatzsteuer
|mehrwertsteuer|tva|montant tva|btw|btw bedrag|iva|importe iva|cuota iva|imposta|total gst amount|gst 6%|incl vat
""")
DOCUMENT_DATE = _phrases("""
date|invoice date|receipt date|document date|date of issue|issue date|issued|bill date|dated|tax date|tax point
|transaction date|trans date|sale date|order date|datum|rechnungsdatum|belegdatum|ausstellungsdatum|rechnungs datum
|date de facture|date facture|date d emission|le|factuurdatum|datum factuur|factuur datum|fecha|fecha de factura
|fecha factura|fecha de emision|data|data fattura|data documento|data emissione|tarikh|pay date|payment date
|statement date|date du|du
""")
NOT_DOCUMENT_DATE = _phrases("""
due date|due|payment due|date due|expiry|expiry date|expires|valid until|valid to|date of birth|birth|born|delivery date
|delivery|ship date|period|from|to|until|faellig|falligkeitsdatum|fallig|zahlbar bis|lieferdatum|leistungsdatum
|geburtsdatum|gultig bis|echeance|date d echeance|date limite|livraison|date de naissance|valable|vervaldatum
|vervaldag|leverdatum|geboortedatum|geldig tot|vencimiento|fecha de vencimiento|entrega|nacimiento|scadenza|data di scadenza
|consegna|nascita|valido fino|best before|exp
""")
INVOICE_NUMBER = _phrases("""
invoice number|invoice no|invoice nr|invoice num|invoice|inv no|inv number|invoice id|bill no|bill number|receipt no
|receipt number|receipt|doc no|document no|document number|ticket no|ref no|tax invoice no|cash bill no|slip no
|rechnungsnummer|rechnung nr|rechnungs nr|rechnungsnr|rechnung|belegnummer|beleg nr|belegnr|bon nr
|n de facture|no de facture|numero de facture|facture n|facture no|facture nr|facture|n facture|ticket n
|factuurnummer|factuur nr|factuurnr|factuur|factuur no
|numero de factura|n de factura|no de factura|factura n|factura no|factura nº|factura|num factura|n factura
|numero fattura|fattura n|fattura nr|fattura|n fattura|numero documento|documento n
""")
VENDOR_LABEL = _phrases("supplier|vendor|seller|from|lieferant|verkaufer|fournisseur|vendeur|leverancier|verkoper"
                        "|proveedor|vendedor|fornitore|venditore|issued by|merchant|company|firma|societe|empresa")
BUYER_LABEL = _phrases("""
bill to|billed to|invoice to|sold to|ship to|deliver to|customer|client|to|rechnung an|rechnungsempfanger|kunde
|lieferadresse|factura a|facturar a|cliente|destinatario|facture a|adresse de livraison|factuur aan|klant|afnemer
|fatturare a|intestatario|buyer|recipient|attn|attention
""")
NET_PAY = _phrases("""
net pay|net salary|net wage|net wages|net payment|net amount payable|take home pay|take home|amount paid to you
|netto pay|nettoverdienst|nettolohn|nettogehalt|netto gehalt|netto lohn|auszahlungsbetrag|auszahlung|netto bezuge
|net a payer|net paye|salaire net|net a payer avant impot sur le revenu|net verse|net a payer au salarie|netto loon
|nettoloon|netto salaris|uit te betalen|netto uitbetaling|te ontvangen|liquido a percibir|liquido total|salario neto
|liquido|neto a percibir|netto in busta|netto a pagare|netto del mese|netto busta|netto corrisposto|net
""")
GROSS_PAY = _phrases("""
gross pay|gross salary|gross wage|gross wages|gross earnings|total gross|gross|total earnings|bruttolohn|bruttogehalt
|gesamtbrutto|brutto|brutto bezuge|bruttoverdienst|salaire brut|brut|total brut|brutoloon|bruto salaris|bruto loon
|bruto|totaal bruto|salario bruto|total devengado|devengado|bruto total|retribuzione lorda|lordo|totale competenze
|totale lordo|imponibile lordo
""")
EMPLOYER = _phrases("employer|employer name|company|arbeitgeber|firma|employeur|entreprise|societe|werkgever|bedrijf"
                    "|empresa|empleador|datore di lavoro|azienda|ditta")
PAY_PERIOD = _phrases("""
pay period|period|payroll period|pay month|period ending|month|abrechnungszeitraum|abrechnungsmonat|zeitraum|monat
|abrechnung fur|periode|periode de paie|periode du|mois|loonperiode|periode van|maand|periodo|periodo de liquidacion
|mes|periodo di paga|mese|mensilita|periodo retributivo
""")
YEAR_TO_DATE = _phrases("ytd|year to date|cumul|cumule|cumul annuel|kumuliert|jahressumme|jahreswerte|lfd jahr"
                        "|cumulatief|cumulativo|progressivo|acumulado|jaar|totaal jaar|year")
SURNAME = _phrases("surname|last name|family name|name|nom|nom de famille|familienname|nachname|achternaam|naam"
                   "|apellidos|apellido|primer apellido|cognome")
GIVEN_NAMES = _phrases("given names|given name|first name|first names|forenames|forename|prenoms|prenom|vornamen"
                       "|vorname|voornamen|voornaam|nombre|nombres|nome|nomi")
FULL_NAME = _phrases("full name|name of holder|holder|holder name|name and surname|nom et prenom|naam en voornamen"
                     "|nombre y apellidos|nome e cognome|account holder|customer name|client name|account name")
DATE_OF_BIRTH = _phrases("""
date of birth|birth date|born|dob|geburtsdatum|geboren|date de naissance|ne le|nee le|geboortedatum|geboren op
|fecha de nacimiento|nacimiento|data di nascita|nato il|nata il|nascita
""")
EXPIRY = _phrases("""
date of expiry|expiry date|expiry|expires|expiration date|valid until|valid to|gultig bis|ablaufdatum|gultigkeit
|date d expiration|expire le|valable jusqu au|date de validite|geldig tot|vervaldatum|geldig tot en met
|fecha de caducidad|caducidad|valido hasta|validez|data di scadenza|scadenza|valida fino al|valido fino al
""")
DOCUMENT_NUMBER = _phrases("""
document number|document no|passport no|passport number|card no|card number|id number|id no|licence number|license number
|dokumentennummer|ausweisnummer|passnummer|pass nr|numero du document|numero de document|n du document|numero de passeport
|documentnummer|paspoortnummer|nummer|numero de soporte|numero de documento|num soporte|numero documento|numero passaporto
|n documento|no documento
""")
DOCUMENT_KIND = _phrases("""
passport|identity card|id card|driving licence|driver s license|reisepass|personalausweis|pass|passeport|carte d identite
|carte nationale d identite|paspoort|identiteitskaart|identiteitsbewijs|rijbewijs|pasaporte|documento nacional de identidad
|dni|passaporto|carta d identita|patente|permis de conduire|fuhrerschein
""")
COMPANY_SUFFIX = re.compile(
    r"(?<![\w])(?:sdn\.? ?bhd|bhd|berhad|ltd|limited|gmbh|mbh|ag|kg|ohg|ug|e\.?k|b\.? ?v|n\.? ?v|v\.?o\.?f|inc|llc|llp|plc"
    r"|corp|co|s\.? ?a\.? ?s|s\.? ?a\.? ?r\.? ?l|sarl|s\.? ?a|s\.? ?l|s\.? ?l\.? ?u|s\.? ?r\.? ?l|s\.? ?p\.? ?a|s\.? ?n\.? ?c"
    r"|enterprise|enterprises|trading|restaurant|restoran|cafe|bakery|store|stores|shop|mart|supermarket|pharmacy"
    r"|hardware|stationery|hotel|services|company|boutique|apotheke|bakkerij|boulangerie|pharmacie|farmacia"
    r"|ristorante|panaderia|markt|supermarkt|marche|mercado|mercato)\.?(?![\w])", re.I)
NOT_VENDOR = _phrases("""
receipt|tax invoice|invoice|simplified tax invoice|cash bill|cash sales|official receipt|welcome|thank you|tel|fax|phone
|gst reg|gst id|gst no|reg no|company reg|vat no|vat reg|date|time|cashier|page|rechnung|quittung|kassenbon|beleg
|facture|recu|ticket|factuur|kassabon|bon|factura|recibo|ticket de compra|fattura|ricevuta|scontrino|copy|original
|duplicate|customer copy|payslip|statement|www|http|email|e mail|bill to|invoice to|order|table|counter|receipt no
|ust idnr|steuernummer|siret|tva intra|kvk|btw nr|cif|nif|partita iva|p iva|abn|hours|opening hours|shopping hours
|business hours|offnungszeiten|horaires|openingstijden|horario|orario|account s copy|accounts copy|merchant copy
|thanks|thank|tq|danke|vielen dank|merci|bedankt|dank u|gracias|grazie|willkommen|bienvenue|welkom|bienvenido|benvenuto
""")
# labels of the numbers a company prints under its name: registration, tax and trade-register numbers
REGISTRATION_LABEL = _phrases("""
co reg|co no|company reg|company reg no|company no|company number|reg no|registration no|registration number
|business reg|roc|gst|gst id|gst reg|gst reg no|gst no|sst|sst id|vat|vat no|vat reg|vat reg no|vat number|tax id|tin
|ust|ust id|ust idnr|ust id nr|ustid|steuernummer|steuer nr|st nr|hrb|hra|handelsregister|amtsgericht|registergericht
|siret|siren|rcs|tva|tva intra|n tva|kvk|kvk nr|btw|btw nr|btw nummer|handelsregister nr|cif|nif|nif cif
|partita iva|p iva|codice fiscale|cod fisc|rea|abn|acn|registered in|registered no|registered office
""")
# labels of the phone, fax and messaging numbers printed with an address
PHONE_LABEL = _phrases("tel|tel no|telephone|phone|ph|mobile|mobil|mob|hp|fax|whatsapp|whatsapps|telefon|tel nr|telefax"
                       "|telephone fixe|portable|telefoon|tel nr|mobiel|telefono|movil|cellulare|cell")
LEGAL_FORM = re.compile(
    r"(?<![\w])(?:sdn\.? ?bhd|s/?b|bhd|berhad|ltd|limited|gmbh|mbh|ag|kg|b\.? ?v|n\.? ?v|inc|llc|llp|plc|corp"
    r"|s\.? ?a\.? ?s|sarl|s\.? ?a|s\.? ?l|s\.? ?r\.? ?l|s\.? ?p\.? ?a)\.?\s*(?:\([^)]*\)?)?\s*$", re.I)
# legal forms as printed in full, longest first: closing words a misread character can be mended in
LEGAL_FORMS_SPELLED = ("SDN BHD", "PTE LTD", "PTY LTD", "CO LTD", "LIMITED", "BERHAD", "GMBH", "LTD", "S/B")
ADDRESS_WORDS = re.compile(
    r"(?<![\w])(?:jalan|jln|lorong|taman|street|st|road|rd|avenue|ave|lane|drive|boulevard|blvd|no|lot|block|blok|floor"
    r"|suite|unit|strasse|straße|str|weg|platz|allee|gasse|rue|avenue|boulevard|place|chemin|straat|laan|plein|gracht"
    r"|calle|avenida|plaza|paseo|via|viale|piazza|corso|postcode|plz|cedex|bp)\.?(?![\w])", re.I)
POSTCODE = re.compile(r"(?<![\w])(?:\d{5}|\d{4} ?[A-Z]{2}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|\d{4})(?![\w])")
