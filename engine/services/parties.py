"""Parties: find the same customer from any channel by their identifiers, or register a new one."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, tuple_
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
    """The strongest identifier wins (external id, then e-mail, then phone); never merge two parties.

    One query looks up all given identifiers at once: this runs on every case opened.
    """
    given = [(k, normalize(k, v)) for k, v in (("external_id", customer.external_id), ("email", customer.email),
                                                ("phone", customer.phone)) if v]
    owners: dict[tuple[str, str], int] = {}
    if given:
        rows = session.execute(select(PartyIdentifier.kind, PartyIdentifier.value, PartyIdentifier.party_id)
                               .where(tuple_(PartyIdentifier.kind, PartyIdentifier.value).in_(given)))
        owners = {(kind, value): party_id for kind, value, party_id in rows}
    party_id = next((owners[g] for g in given if g in owners), None)
    if party_id is None:
        party = Party(name=customer.name, email=customer.email, phone=customer.phone, created_at=now)
        session.add(party)
        session.flush()
    else:
        party = session.get_one(Party, party_id)
        party.email = party.email or customer.email
        party.phone = party.phone or customer.phone
    new = [PartyIdentifier(party_id=party.id, kind=k, value=v) for k, v in given if (k, v) not in owners]
    session.add_all(new)  # identifiers that belong to nobody yet; one owned by another party stays there
    return party
