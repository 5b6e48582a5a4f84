"""Parties: find the same customer from any channel by their identifiers, or register a new one."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
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


def find_party(session: Session, kind: str, value: str) -> Party | None:
    return session.scalar(select(Party).join(PartyIdentifier).where(
        PartyIdentifier.kind == kind, PartyIdentifier.value == normalize(kind, value)))


def resolve_party(session: Session, customer: Customer, now: datetime) -> Party:
    """The strongest identifier wins (external id, then e-mail, then phone); never merge two parties."""
    given = [(k, v) for k, v in (("external_id", customer.external_id), ("email", customer.email),
                                  ("phone", customer.phone)) if v]
    party = None
    for kind, value in given:
        party = find_party(session, kind, value)
        if party is not None:
            break
    if party is None:
        party = Party(name=customer.name, email=customer.email, phone=customer.phone, created_at=now)
        session.add(party)
        session.flush()
    else:
        party.email = party.email or customer.email
        party.phone = party.phone or customer.phone
    known = {(i.kind, i.value) for i in party.identifiers}
    for kind, value in given:
        norm = normalize(kind, value)
        if (kind, norm) in known:
            continue
        if find_party(session, kind, value) is None:  # belongs to nobody yet: attach it
            session.add(PartyIdentifier(party_id=party.id, kind=kind, value=norm))
    return party
