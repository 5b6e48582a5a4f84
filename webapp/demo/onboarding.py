"""Demo data for customer onboarding: a dozen applications in every state, played out on a demo clock.

As in the claim demo (``webapp.demo``, which loads this one with it), each story opens its application in the
past and its people act on the days they would have, timers firing in between as the scheduler would have
fired them; then the clock catches up with now (``webapp.demo.playback``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engine.clock import Clock
from engine.context import Context
from webapp.demo.playback import DemoUser, ProcessDemo, Step, at, do_task, log_call, open_case, play, send_message
from webapp.demo.playback import set_up_people
from engine.models import Case

CASE_TYPE = "onboarding"
CHANNELS = ("web", "app", "branch", "phone", "web", "api")
ALL_DOCUMENTS = {"individual": ["id_document", "proof_of_address"],
                 "business": ["id_document", "proof_of_address", "company_registration"]}

ONBOARDING_USERS = (
    DemoUser("compliance", "backoffice", "Carla Compliance (compliance officer)", "Compliance"),
    DemoUser("operations", "backoffice", "Omar Operations (identity checks)", "Operations"),
)
ONBOARDING_TEAM_QUEUES = {"Compliance": ["compliance"], "Operations": ["operations"]}


@dataclass(frozen=True)
class Application:
    customer: str
    customer_type: str
    country: str
    product: str
    days_ago: float
    documents: str = "all"  # all | some (the identity document only) | none
    steps: tuple[Step, ...] = ()
    company: str | None = None  # the name a business applies under (screened instead of the person's)


VERIFIED = {"identity_verified": "yes"}
STORIES = (
    # waiting for documents: fresh, reminded after 7 days (and the customer called), expired after 30
    Application("Lena Vogel", "individual", "DE", "current_account", 2, "some"),
    Application("Tom Baker", "individual", "GB", "savings", 9, "none", (at(8, "call"),)),
    Application("Nina Petersen", "individual", "DK", "current_account", 35, "none"),
    # identity checks waiting in the Operations queue (medium risk)
    Application("Sara Lindqvist", "individual", "SE", "credit_card", 1),
    Application("Pablo Rivera", "business", "ES", "business_account", 0.5, company="Rivera Design Studio"),
    # enhanced due diligence waiting in the Compliance queue (high risk: a business from a medium-risk country)
    Application("Grace Holloway", "business", "US", "business_account", 4, steps=(at(1, "verify", **VERIFIED),),
                company="Harbor Lane Imports"),
    # a possible sanctions match waiting for compliance
    Application("Victor Kroumov", "individual", "BG", "current_account", 1),
    # onboarded: automatically, after documents arrived, after an identity check, after due diligence
    Application("Marta Kowalczyk", "individual", "PL", "current_account", 6),
    Application("Paul Girard", "individual", "FR", "savings", 10, "some", (at(3, "documents"),)),
    Application("Jonas Meyer", "individual", "AT", "credit_card", 8, steps=(at(1, "verify", **VERIFIED),)),
    Application("Amir Haddad", "business", "AE", "business_account", 14, steps=(
        at(1, "verify", **VERIFIED),
        at(3, "edd", edd_decision="approve", source_of_funds="Engineering contracts; audited accounts 2024-2025")),
                company="Haddad Engineering FZE"),
    # declined: a confirmed sanctions match, an identity that did not check out
    Application("Oksana Dravetska", "individual", "UA", "savings", 12, steps=(
        at(1, "review", screening_decision="confirm",
           screening_reason="Date of birth and nationality match the listed person"),)),
    Application("Rob Turner", "individual", "CA", "current_account", 5, steps=(
        at(1, "verify", identity_verified="no", verification_notes="Proof of address is older than 3 months "
                                                                   "and shows another name"),)),
)


def _apply(ctx: Context, index: int, story: Application) -> str:
    return open_case(ctx, CASE_TYPE, story.customer, CHANNELS[index % len(CHANNELS)],
                     _application_data(ctx, index, story), phone=200 + index)


def _application_data(ctx: Context, index: int, story: Application) -> dict[str, Any]:
    documents = {"all": ALL_DOCUMENTS[story.customer_type], "some": ["id_document"], "none": []}[story.documents]
    data: dict[str, Any] = {"customer_type": story.customer_type, "full_name": story.company or story.customer,
                            "country": story.country, "product": story.product, "documents_provided": documents}
    if story.customer_type == "business":
        data["company_number"] = f"{story.country}{48213 + index * 7919:08d}"
    else:
        born = ctx.clock.now().date().replace(year=1960 + index * 3, day=1 + index)
        data["date_of_birth"] = born.isoformat()
    return data


ONBOARDING_DEMO = ProcessDemo(CASE_TYPE, ONBOARDING_USERS, ONBOARDING_TEAM_QUEUES, STORIES, _apply, {
    "verify": do_task("verify_identity", "operations"),
    "review": do_task("review_screening", "compliance"),
    "edd": do_task("enhanced_due_diligence", "compliance"),
    "documents": send_message("documents_received", "capture"),
    "call": log_call("Customer asked what is still missing; read out the status and the list."),
})


def load_onboarding_demo(ctx: Context, clock: Clock | None = None) -> list[str]:
    """Create the onboarding demo applications and return their references (story order).

    ``clock`` says what "now" is for the demo (default: the context's clock). Does nothing (returns []) when
    the onboarding process is not loaded or onboarding cases already exist, so it is safe to run twice.
    Creates the users ``compliance`` and ``operations`` (without passwords) when they do not exist yet.
    ``webapp.demo.load_demo`` plays the same stories together with the other demos.
    """
    if CASE_TYPE not in ctx.processes.case_types() or _already_loaded(ctx):
        return []
    set_up_people(ctx, [ONBOARDING_DEMO])
    return play(ctx, (clock or ctx.clock).now(), [ONBOARDING_DEMO])[CASE_TYPE]


def _already_loaded(ctx: Context) -> bool:
    with ctx.read() as session:
        return session.scalar(select(Case.id).where(Case.case_type == CASE_TYPE).limit(1)) is not None
