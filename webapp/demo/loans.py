"""Demo loan applications in every state (documents awaited, underwriting, committee, offer, disbursed,
declined, expired), played out over the last weeks on a demo clock like the claim demo in ``webapp.demo``
(which loads this one with it).

Each story opens its application in the past and its people act on the days they would have; timers fire
in between as the scheduler would have fired them, then the clock catches up with now (``webapp.demo.playback``).
Run it before the background worker starts, so the worker does not fire the demo's timers with the real clock
mid-story.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.clock import Clock
from engine.context import Context
from webapp.demo.playback import DemoUser, ProcessDemo, Step, at, do_task, open_case, play, send_message, set_up_people
from engine.errors import CaseworksError

CASE_TYPE = "loan"
UNDERWRITER, COMMITTEE = "underwriter", "committee"
# back-office users the stories act as
LOAN_DEMO_USERS = (DemoUser(UNDERWRITER, "backoffice", "Uma Underwriter (underwriting)", "Underwriting"),
                   DemoUser(COMMITTEE, "backoffice", "Carl Committee (credit committee)", "Credit committee"))
LOAN_TEAM_QUEUES = {"Underwriting": ["underwriting"], "Credit committee": ["credit_committee", "underwriting"]}
DOCUMENTS = {"employed": ["id_document", "payslip", "payslip", "bank_statement"],
             "self_employed": ["id_document", "tax_return", "bank_statement"]}
CHANNELS = ("web", "app", "branch")


@dataclass(frozen=True)
class Story:
    customer: str
    amount: float
    term_months: int
    days_ago: float
    employment: str = "employed"
    purpose: str = "other"
    income: float = 4200
    debts: float = 250
    documents: str = "all"  # all | some | none
    steps: tuple[Step, ...] = ()


STORIES = (
    # waiting for documents: fresh, and reminded after a partial delivery
    Story("Pia Lindqvist", 9000, 36, 2, documents="none"),
    Story("Ravi Mehta", 22000, 60, 11, "self_employed", documents="some",
          steps=(at(3, "documents", documents=["tax_return"]),)),
    # lapsed: no documents within 30 days of the request
    Story("Tomás Silva", 7000, 24, 34, documents="none"),
    # underwriting: one waiting in the queue, one the underwriter has picked up
    Story("Greta Hofmann", 18000, 48, 1, "self_employed", income=3600, debts=300),
    Story("Omar Haddad", 35000, 72, 2, purpose="debt_consolidation", income=5200, debts=600,
          steps=(at(1, "claim"),)),
    # approved by the underwriter, awaiting the credit committee
    Story("Ingrid Olsen", 85000, 120, 3, purpose="home_improvement", income=9800, debts=400,
          steps=(at(1, "underwrite", decision="approve", reason="Long employment, low existing debt"),)),
    # offers out: fast-approved, and a counter-offer
    Story("Lucas Bernard", 12000, 48, 3, purpose="car", income=3100, debts=120),
    Story("Nina Petrova", 40000, 60, 6, "self_employed", income=5600, debts=700,
          steps=(at(2, "underwrite", decision="counter_offer", counter_amount=30000, counter_rate=8.4,
                    reason="Income varies: a lower amount keeps the instalment affordable"),)),
    # disbursed, after a fast approval and after the committee
    Story("Jakob Nowak", 15000, 60, 16, income=3900, debts=200, steps=(at(2, "accept"),)),
    Story("Sara Conti", 70000, 96, 24, purpose="home_improvement", income=11000, debts=900,
          steps=(at(2, "underwrite", decision="approve", reason="Strong income"),
                 at(4, "committee", committee_decision="approve"), at(7, "accept"))),
    # declined: automatically, and by the underwriter
    Story("Dylan Murphy", 25000, 36, 8, income=2100, debts=650),
    Story("Aylin Demir", 28000, 48, 12, "self_employed", income=3000, debts=400,
          steps=(at(2, "underwrite", decision="decline", reason="Tax return shows falling income"),)),
    # offer expired: nobody accepted within 10 days
    Story("Henrik Berg", 8000, 36, 15, purpose="education", income=2900, debts=100),
)


def _open(ctx: Context, index: int, story: Story) -> str:
    return open_case(ctx, CASE_TYPE, story.customer, CHANNELS[index % len(CHANNELS)], _application(story),
                     phone=300 + index)


def _application(story: Story) -> dict[str, Any]:
    documents = DOCUMENTS[story.employment]
    provided = {"all": documents, "some": documents[:1], "none": []}[story.documents]
    return {"amount": story.amount, "term_months": story.term_months, "purpose": story.purpose,
            "monthly_income": story.income, "monthly_debts": story.debts, "employment_type": story.employment,
            "documents_provided": provided}


LOAN_DEMO = ProcessDemo(CASE_TYPE, LOAN_DEMO_USERS, LOAN_TEAM_QUEUES, STORIES, _open, {
    "claim": do_task("underwrite", UNDERWRITER),
    "underwrite": do_task("underwrite", UNDERWRITER),
    "committee": do_task("committee_approval", COMMITTEE),
    "documents": send_message("documents_received", "capture"),  # form: the documents that arrived
    "accept": send_message("offer_accepted", "upstream"),
})


def load_loan_demo(ctx: Context, clock: Clock | None = None) -> list[str]:
    """Create the demo loan applications (and the two back-office users they need, without passwords);
    returns their references. ``clock`` says what "now" is (default: the context's clock).
    ``webapp.demo.load_demo`` plays the same stories together with the other demos."""
    if CASE_TYPE not in ctx.processes.case_types():
        raise CaseworksError("the loan demo needs the loan process: keep processes/loan/ in the processes folder")
    set_up_people(ctx, [LOAN_DEMO])
    return play(ctx, (clock or ctx.clock).now(), [LOAN_DEMO])[CASE_TYPE]
