"""Identity resolution: which customer a request is about, by written rules, and nothing on a weak guess.

The rules (each one tested in tests/api/test_identity.py):

1. **Strong identifiers identify.** An external id, a national id, a policy or account number and an e-mail
   address each belong to at most one customer (a unique constraint). A request that carries one of them and
   agrees with its owner on everything else is that customer.
2. **A phone number alone never identifies.** Phones are normalised to E.164 with ``phonenumbers`` (national
   forms read in the ``default_phone_region`` setting), so ``07700 900104`` and ``+44 7700 900104`` are one
   number; a value that is not a phone number ("n/a", "unknown") is kept as given and matches nothing. A phone
   match only *suggests* the same person, and only when the names agree too.
3. **Names are compared after transliteration** (``anyascii``: ø, ł, ß and accents become their ASCII
   spelling) with ``rapidfuzz``'s token-set ratio, so word order, case, a middle name and small spelling
   differences do not matter but another person's name does. A single word never matches a full name.
4. **A conflict never merges.** When the strong identifiers point at more than one customer, or at one who
   differs on another strong identifier of the same kind (another e-mail) or on the name, the request gets a
   new customer, nothing is added to the existing one, and a person decides in a "Possible duplicate
   customer" work item (``engine.services.duplicates``).
5. **Only unowned identifiers are added**, and only to a customer the request was resolved to by rule 1.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import phonenumbers
from anyascii import anyascii
from rapidfuzz import fuzz
from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.models import Party, PartyIdentifier

IDENTIFIER_KINDS = ("external_id", "email", "phone", "policy_number", "account_number", "national_id")
STRONG_KINDS = ("external_id", "national_id", "policy_number", "account_number", "email")
# Token-set ratio at or above which two names are the same person's: "Jürgen Müller" / "Jurgen Mueller" is 96,
# "Maria Garcia" / "Maria Elena Garcia" 100, "Pia Lindqvist" / "Pia Lindgren" 64, "Per Lindgren" 48.
SAME_NAME_THRESHOLD = 90.0


@dataclass(frozen=True)
class Customer:
    name: str
    external_id: str | None = None
    email: str | None = None
    phone: str | None = None
    national_id: str | None = None
    policy_number: str | None = None
    account_number: str | None = None
    party_id: int | None = None  # an existing customer chosen by a person at the desk (no resolution needed)


def e164(value: str, region: str) -> str | None:
    """The phone number in E.164 (+447700900104), or None when the value is not a possible phone number."""
    try:
        number = phonenumbers.parse(value, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(value: str | None, region: str = "") -> str | None:
    """A phone in one readable format (international: +44 7700 900104); anything else as it was given."""
    if not value:
        return value
    normal = e164(value, region)
    if normal is None:
        return value
    return phonenumbers.format_number(phonenumbers.parse(normal), phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize(kind: str, value: str, region: str = "") -> str | None:
    """The form an identifier is stored and matched in; None when it cannot identify anyone."""
    value = value.strip()
    if not value:
        return None
    if kind == "email":
        return value.lower() if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) else None
    if kind == "phone":
        return e164(value, region)
    if kind in ("policy_number", "account_number", "national_id"):
        return re.sub(r"[\s\-./]+", "", value).upper() or None
    return value


def policy_key(data: dict[str, Any] | None) -> str | None:
    """The case's policy number as its index holds it (engine.models.Case.policy_number); None when the case
    has none or it is too long to be one. Case data is what the requester declared, so it finds cases but
    never identifies a customer (it is not a party identifier)."""
    value = (data or {}).get("policy_number")
    key = normalize("policy_number", value) if isinstance(value, str) else None
    return key if key and len(key) <= 80 else None


def fold_name(name: str) -> str:
    """Lower-case ASCII words of a name ("Søren Østergård" -> "soren ostergard")."""
    return " ".join(re.findall(r"[a-z0-9]+", anyascii(name or "").lower()))


def same_name(a: str | None, b: str | None) -> bool:
    """Whether two names are one person's (rule 3); an empty name is nobody's, and one word alone ("Lukasz",
    where OCR lost the surname) is not a full name's: the token-set ratio of a subset is 100."""
    left, right = fold_name(a or ""), fold_name(b or "")
    if not (left and right) or (" " in left) != (" " in right):
        return False
    return fuzz.token_set_ratio(left, right) >= SAME_NAME_THRESHOLD


@dataclass(frozen=True)
class PartyRef:
    id: int
    name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class Resolution:
    """The customer a request is about, and the customers a person should compare it with (rule 4)."""

    party: PartyRef
    created: bool
    suspects: tuple[int, ...] = ()
    reasons: tuple[str, ...] = field(default_factory=tuple)


_PARTIES = Party.__table__
_IDENTIFIERS = PartyIdentifier.__table__


def identifier_match(pairs: list[tuple[str, str]]) -> Any:
    """``(kind, value)`` is one of the pairs, as equalities joined by OR: each an index probe on
    uq_party_identifier on both backends (SQLite scans the table for a row-value ``IN (VALUES ...)``)."""
    return or_(*[and_(_IDENTIFIERS.c.kind == kind, _IDENTIFIERS.c.value == value) for kind, value in pairs])


def _find_by_identifiers(pairs: list[tuple[str, str]]) -> Any:
    return select(_IDENTIFIERS.c.kind, _IDENTIFIERS.c.value, _IDENTIFIERS.c.party_id).where(identifier_match(pairs))


def identifiers_of(customer: Customer, region: str) -> list[tuple[str, str]]:
    raw = (("external_id", customer.external_id), ("national_id", customer.national_id),
           ("policy_number", customer.policy_number), ("account_number", customer.account_number),
           ("email", customer.email), ("phone", customer.phone))
    normal = [(kind, normalize(kind, value, region)) for kind, value in raw if value]
    return [(kind, value) for kind, value in normal if value]


def resolve_party(session: Session, customer: Customer, now: datetime, region: str = "") -> Resolution:
    """Apply the rules above. Two requests racing to register the same new customer end with one customer:
    the loser's identifier insert hits the unique constraint inside a savepoint and it resolves again."""
    if customer.party_id is not None:
        party = session.get(Party, customer.party_id)
        if party is not None:
            return Resolution(PartyRef(party.id, party.name, party.email, party.phone), created=False)
    for attempt in range(3):
        try:
            with session.begin_nested():
                return _resolve_once(session, customer, now, region)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _resolve_once(session: Session, customer: Customer, now: datetime, region: str) -> Resolution:
    given = identifiers_of(customer, region)
    conn = session.connection()
    owners: dict[tuple[str, str], int] = {}
    if given:
        owners = {(k, v): pid for k, v, pid in conn.execute(_find_by_identifiers(given))}
    strong = {owners[g] for g in given if g[0] in STRONG_KINDS and g in owners}
    by_phone = {owners[g] for g in given if g[0] == "phone" and g in owners} - strong
    if len(strong) == 1:
        party_id = strong.pop()
        conflicts = _conflicts(session, party_id, customer, given)
        if not conflicts:
            party = session.get_one(Party, party_id)
            _add_identifiers(conn, party_id, [g for g in given if g not in owners])
            if not party.phone and customer.phone:
                party.phone = _stored_phone(customer.phone, region)
            return Resolution(PartyRef(party.id, party.name, party.email, party.phone), created=False)
        return _register(conn, customer, now, region, given, owners, (party_id,), tuple(conflicts))
    if strong:
        return _register(conn, customer, now, region, given, owners, tuple(sorted(strong)),
                         ("its identifiers belong to different customers",))
    similar = tuple(sorted(p for p in by_phone if same_name(session.get_one(Party, p).name, customer.name)))
    return _register(conn, customer, now, region, given, owners, similar,
                     ("same phone number and a similar name",) if similar else ())


def _conflicts(session: Session, party_id: int, customer: Customer, given: list[tuple[str, str]]) -> list[str]:
    """What the request says that contradicts the customer its strong identifiers point at."""
    party = session.get_one(Party, party_id)
    held: dict[str, set[str]] = {}
    for kind, value in session.execute(select(PartyIdentifier.kind, PartyIdentifier.value)
                                       .where(PartyIdentifier.party_id == party_id)):
        held.setdefault(kind, set()).add(value)
    found = [f"another {kind.replace('_', ' ')} ({value})" for kind, value in given
             if kind in STRONG_KINDS and held.get(kind) and value not in held[kind]]
    if not same_name(party.name, customer.name):
        found.append(f"another name ({customer.name} / {party.name})")
    return found


def _stored_phone(phone: str | None, region: str) -> str | None:
    return (e164(phone, region) or phone.strip()[:40]) if phone else None


def _register(conn: Connection, customer: Customer, now: datetime, region: str, given: list[tuple[str, str]],
              owners: dict[tuple[str, str], int], suspects: tuple[int, ...], reasons: tuple[str, ...]) -> Resolution:
    email = customer.email.strip() if customer.email else None
    phone = _stored_phone(customer.phone, region)
    party_id = conn.execute(_PARTIES.insert().returning(_PARTIES.c.id), dict(
        name=customer.name.strip(), email=email, phone=phone, created_at=now)).scalar_one()
    _add_identifiers(conn, party_id, [g for g in given if g not in owners])
    return Resolution(PartyRef(party_id, customer.name.strip(), email, phone), created=True,
                      suspects=suspects, reasons=reasons)


def _add_identifiers(conn: Connection, party_id: int, new: list[tuple[str, str]]) -> None:
    if new:  # a race on one of them raises IntegrityError: the caller's savepoint resolves again
        conn.execute(_IDENTIFIERS.insert(), [dict(party_id=party_id, kind=k, value=v) for k, v in new])


__all__ = ["Customer", "Resolution", "resolve_party", "normalize", "same_name", "display_phone", "e164"]
