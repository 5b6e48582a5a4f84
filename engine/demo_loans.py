"""Demo loan applications in every state (documents awaited, underwriting, committee, offer, disbursed,
declined, expired), played out over the last weeks on a demo clock like the claim demo in ``engine.demo``.

Each story opens its application in the past and its people act on the days they would have; timers fire
in between as the scheduler would have fired them, then the clock catches up with now. Run it before the
background worker starts, so the worker does not fire the demo's timers with the real clock mid-story.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import func, select

from engine.bpmn.runner import ProcessRuntime
from engine.clock import Clock, ManualClock
from engine.context import Context
from engine.errors import CaseworksError
from engine.models import ProcessInstance
from engine.services import auth, cases, scheduler, work
from engine.services.parties import Customer

CASE_TYPE = "loan"
UNDERWRITER, COMMITTEE = "underwriter", "committee"
# (username, display name, team): back-office users the stories act as; passwords are the caller's business
LOAN_DEMO_USERS = ((UNDERWRITER, "Uma Underwriter (underwriting)", "Underwriting"),
                   (COMMITTEE, "Carl Committee (credit committee)", "Credit committee"))
LOAN_TEAM_QUEUES = {"Underwriting": ["underwriting"], "Credit committee": ["credit_committee", "underwriting"]}
DOCUMENTS = {"employed": ["id_document", "payslip", "payslip", "bank_statement"],
             "self_employed": ["id_document", "tax_return", "bank_statement"]}


@dataclass(frozen=True)
class Step:
    """Someone acts on an application ``after`` days from its opening: ``action`` is a key of ``ACTIONS``."""

    after: float
    action: str
    form: dict[str, Any] = field(default_factory=dict)


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


def _s(after: float, action: str, **form: Any) -> Step:
    return Step(after, action, form)


STORIES = (
    # waiting for documents: fresh, and reminded after a partial delivery
    Story("Pia Lindqvist", 9000, 36, 2, documents="none"),
    Story("Ravi Mehta", 22000, 60, 11, "self_employed", documents="some",
          steps=(_s(3, "documents", kind="tax_return"),)),
    # lapsed: no documents within 30 days of the request
    Story("Tomás Silva", 7000, 24, 34, documents="none"),
    # underwriting: one waiting in the queue, one the underwriter has picked up
    Story("Greta Hofmann", 18000, 48, 1, "self_employed", income=3600, debts=300),
    Story("Omar Haddad", 35000, 72, 2, purpose="debt_consolidation", income=5200, debts=600,
          steps=(_s(1, "claim"),)),
    # approved by the underwriter, awaiting the credit committee
    Story("Ingrid Olsen", 85000, 120, 3, purpose="home_improvement", income=9800, debts=400,
          steps=(_s(1, "underwrite", decision="approve", reason="Long employment, low existing debt"),)),
    # offers out: fast-approved, and a counter-offer
    Story("Lucas Bernard", 12000, 48, 3, purpose="car", income=3100, debts=120),
    Story("Nina Petrova", 40000, 60, 6, "self_employed", income=5600, debts=700,
          steps=(_s(2, "underwrite", decision="counter_offer", counter_amount=30000, counter_rate=8.4,
                    reason="Income varies: a lower amount keeps the instalment affordable"),)),
    # disbursed, after a fast approval and after the committee
    Story("Jakob Nowak", 15000, 60, 16, income=3900, debts=200, steps=(_s(2, "accept"),)),
    Story("Sara Conti", 70000, 96, 24, purpose="home_improvement", income=11000, debts=900,
          steps=(_s(2, "underwrite", decision="approve", reason="Strong income"),
                 _s(4, "committee", committee_decision="approve"), _s(7, "accept"))),
    # declined: automatically, and by the underwriter
    Story("Dylan Murphy", 25000, 36, 8, income=2100, debts=650),
    Story("Aylin Demir", 28000, 48, 12, "self_employed", income=3000, debts=400,
          steps=(_s(2, "underwrite", decision="decline", reason="Tax return shows falling income"),)),
    # offer expired: nobody accepted within 10 days
    Story("Henrik Berg", 8000, 36, 15, purpose="education", income=2900, debts=100),
)


def load_loan_demo(ctx: Context, clock: Clock | None = None) -> list[str]:
    """Create the demo loan applications (and the two back-office users they need, without passwords);
    returns their references. ``clock`` says what "now" is (default: the context's clock)."""
    if CASE_TYPE not in ctx.processes.case_types():
        raise CaseworksError("the loan demo needs the loan process: keep processes/loan/ in the processes folder")
    for team, queues in LOAN_TEAM_QUEUES.items():
        auth.set_team_queues(ctx, team, queues)
    for username, display_name, team in LOAN_DEMO_USERS:
        auth.ensure_user(ctx, username, ["backoffice"], display_name=display_name, team=team)
    return play_loan_stories(ctx, (clock or ctx.clock).now())


def play_loan_stories(ctx: Context, now: datetime, stories: tuple[Story, ...] = STORIES) -> list[str]:
    """Open and work every story's application at its time in the past, firing timers as time passes."""
    demo_clock = ManualClock(now - timedelta(days=max(s.days_ago for s in stories)))
    demo = replace(ctx, clock=demo_clock, runtime=ProcessRuntime(demo_clock, ctx.services))
    references: dict[int, str] = {}
    for when, index, step in _agenda(stories, now):
        _pass_time(demo, demo_clock, when)
        if step is None:
            references[index] = _open(demo, index, stories[index])
        else:
            ACTIONS[step.action](demo, references[index], step)
    _pass_time(demo, demo_clock, now)
    return [references[i] for i in range(len(stories))]


def _agenda(stories: tuple[Story, ...], now: datetime) -> list[tuple[datetime, int, Step | None]]:
    """Every opening (step None) and step of every story, in the order they happened."""
    agenda: list[tuple[datetime, int, Step | None]] = []
    for index, story in enumerate(stories):
        opened = now - timedelta(days=story.days_ago)
        agenda.append((opened, index, None))
        agenda += [(opened + timedelta(days=step.after), index, step) for step in story.steps]
    return sorted(agenda, key=lambda entry: (entry[0], entry[1], entry[2] is not None))


def _pass_time(demo: Context, demo_clock: ManualClock, until: datetime) -> None:
    """Move the demo clock to ``until``, stopping at every timer due on the way (so a reminder or an expiry
    is stamped when it was due, not at the next story step)."""
    due = _next_timer_due(demo)
    while due is not None and due <= until:
        demo_clock.set(max(due, demo_clock.now()))
        scheduler.tick(demo)
        previous, due = due, _next_timer_due(demo)
        if due == previous:  # a timer that would not fire (an incident): leave it to the real scheduler
            break
    demo_clock.set(max(until, demo_clock.now()))


def _next_timer_due(ctx: Context) -> datetime | None:
    with ctx.read() as session:
        return session.scalar(select(func.min(ProcessInstance.next_timer_at))
                              .where(ProcessInstance.completed.is_(False)))


def _open(ctx: Context, index: int, story: Story) -> str:
    first, _, last = story.customer.partition(" ")
    email = f"{first}.{last}".lower().replace("á", "a") + "@example.com"
    customer = Customer(story.customer, email=email, phone=f"+44 7700 900{300 + index:03d}")
    view, _created = cases.open_case(ctx, cases.OpenCase(CASE_TYPE, customer, ("web", "app", "branch")[index % 3],
                                                         _application(story)), "upstream")
    return str(view["reference"])


def _application(story: Story) -> dict[str, Any]:
    documents = DOCUMENTS[story.employment]
    provided = {"all": documents, "some": documents[:1], "none": []}[story.documents]
    return {"amount": story.amount, "term_months": story.term_months, "purpose": story.purpose,
            "monthly_income": story.income, "monthly_debts": story.debts, "employment_type": story.employment,
            "documents_provided": provided}


Action = Callable[[Context, str, Step], None]


def _do_task(task: str, username: str) -> Action:
    def act(ctx: Context, reference: str, step: Step) -> None:
        who = auth.principal_for(ctx, username)
        items = [i for i in work.list_work_items(ctx, work.WorkFilter(case_reference=reference)) if i["name"] == task]
        if not items:
            raise CaseworksError(f"demo story of {reference} expected an open '{task}' task")
        work.claim(ctx, items[0]["id"], who)
        if step.form:
            work.complete(ctx, items[0]["id"], dict(step.form), who)
    return act


def _send_documents(ctx: Context, reference: str, step: Step) -> None:
    cases.send_message(ctx, reference, "documents_received", {"documents": [step.form["kind"]]}, "capture")


def _accept_offer(ctx: Context, reference: str, step: Step) -> None:
    cases.send_message(ctx, reference, "offer_accepted", {}, "upstream")


ACTIONS: dict[str, Action] = {
    "claim": _do_task("underwrite", UNDERWRITER),
    "underwrite": _do_task("underwrite", UNDERWRITER),
    "committee": _do_task("committee_approval", COMMITTEE),
    "documents": _send_documents,
    "accept": _accept_offer,
}
