"""Option lists for form fields that hold a code, so nobody types one: currencies and countries with their names,
and the document types capture knows (from the classification rules, so a new type appears by itself).

Babel supplies currency names and which currencies are legal tender today (CLDR data); pycountry supplies the
ISO 3166-1 country list the schemas' two-letter codes come from. Both are maintained data packages: a list
typed in here would go stale.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import pycountry
from babel import Locale
from babel.numbers import get_territory_currencies

from webapp.ui.fmt import title_label
from webapp.ui.security import ctx

Choice = tuple[str, str, str]  # value, label, longer description ("" when none)
WIDGETS = ("currency", "country", "document_types")
DOCUMENTS_FIELD = "documents_provided"  # the engine's checklist reads this field as document types


@lru_cache(maxsize=1)
def currencies() -> tuple[Choice, ...]:
    """Every currency that is legal tender in some country today, by name: ``Euro (EUR)``."""
    names = Locale("en").currencies
    today = date.today()
    codes = {code for country in pycountry.countries
             for code in get_territory_currencies(country.alpha_2, today, tender=True)}
    return tuple(sorted(((c, f"{names.get(c, c)} ({c})", "") for c in codes), key=lambda c: c[1].lower()))


@lru_cache(maxsize=1)
def countries() -> tuple[Choice, ...]:
    """ISO 3166-1 countries by their common name: ``Netherlands (NL)``."""
    found = [(c.alpha_2, f"{getattr(c, 'common_name', None) or c.name} ({c.alpha_2})", "") for c in pycountry.countries]
    return tuple(sorted(found, key=lambda c: c[1].lower()))


def document_types() -> tuple[Choice, ...]:
    """The document types of this installation's classification rules, as the checklist names them."""
    return tuple((rule.name, title_label(rule.name), rule.description) for rule in ctx().capture_rules.types)


def widget_of(name: str, prop: dict) -> str | None:
    """The picker a field asks for (``"ui:widget"``), or the document-type picker for the checklist's field."""
    widget = prop.get("ui:widget")
    if widget in WIDGETS:
        return str(widget)
    if name == DOCUMENTS_FIELD and prop.get("type") == "array":
        return "document_types"
    return None


def options(widget: str) -> tuple[Choice, ...]:
    if widget == "currency":
        return currencies()
    if widget == "country":
        return countries()
    return document_types()
