"""Parties: find the same customer from any channel by their identifiers, or register a new one."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from engine.models import Party, PartyIdentifier

IDENTIFIER_KINDS = ("external_id", "email", "phone", "policy_number", "account_number", "national_id")


@dataclass(frozen=True)
class Customer:
    name: str
    external_id: str | None = None
    email: str | None = None
    phone: str | None = None


def normalize(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "phone":
        digits = re.sub(r"[^\d]", "", value)
        return ("+" if value.startswith("+") else "") + digits
    if kind in ("policy_number", "account_number", "national_id"):
        return re.sub(r"\s+", "", value).upper()
    return value


@dataclass(frozen=True)
class PartyRef:
    id: int
    name: str
    email: str | None
    phone: str | None


_PARTIES = Party.__table__
_IDENTIFIERS = PartyIdentifier.__table__


def identifier_match(pairs: list[tuple[str, str]]) -> Any:
    """``(kind, value)`` is one of the pairs, as equalities joined by OR: each an index probe on
    uq_party_identifier on both backends (SQLite scans the table for a row-value ``IN (VALUES ...)``)."""
    return or_(*[and_(_IDENTIFIERS.c.kind == kind, _IDENTIFIERS.c.value == value) for kind, value in pairs])


def _find_by_identifiers(pairs: list[tuple[str, str]]) -> Any:
    return (select(_IDENTIFIERS.c.kind, _IDENTIFIERS.c.value, _PARTIES.c.id, _PARTIES.c.name, _PARTIES.c.email,
                   _PARTIES.c.phone).join(_PARTIES, _PARTIES.c.id == _IDENTIFIERS.c.party_id)
            .where(identifier_match(pairs)))


def resolve_party(session: Session, customer: Customer, now: datetime) -> PartyRef:
    """The strongest identifier wins (external id, then e-mail, then phone); never merge two parties.

    Runs on every case opened, so it is a couple of Core statements: one lookup of all identifiers with
    their party, an insert when the customer is new, and identifiers that belong to nobody yet.
    """
    given = [(k, normalize(k, v)) for k, v in (("external_id", customer.external_id), ("email", customer.email),
                                                ("phone", customer.phone)) if v]
    conn = session.connection()
    owners: dict[tuple[str, str], PartyRef] = {}
    if given:
        rows = conn.execute(_find_by_identifiers(given))
        owners = {(kind, value): PartyRef(pid, name, email, phone) for kind, value, pid, name, email, phone in rows}
    party = next((owners[g] for g in given if g in owners), None)
    if party is None:
        party_id = conn.execute(_PARTIES.insert().returning(_PARTIES.c.id), dict(
            name=customer.name, email=customer.email, phone=customer.phone, created_at=now)).scalar_one()
        party = PartyRef(party_id, customer.name, customer.email, customer.phone)
    elif (customer.email and not party.email) or (customer.phone and not party.phone):
        party = PartyRef(party.id, party.name, party.email or customer.email, party.phone or customer.phone)
        conn.execute(_PARTIES.update().where(_PARTIES.c.id == party.id).values(email=party.email, phone=party.phone))
    new = [dict(party_id=party.id, kind=k, value=v) for k, v in given if (k, v) not in owners]
    if new:  # identifiers that belong to nobody yet; one owned by another party stays there
        conn.execute(_IDENTIFIERS.insert(), new)
    return party
