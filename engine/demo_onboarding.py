"""Demo data for customer onboarding: a dozen applications in every state, played out on a demo clock.

As in the claim demo (``engine.demo``), each story opens its application in the past and its people act on
the days they would have, timers firing in between as the scheduler would have fired them; then the clock
catches up with now. This module does not import ``engine.demo`` (which calls it), so the two can be
imported in either order.
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
from engine.models import Case, ProcessInstance
from engine.services import auth, cases, scheduler, work
from engine.services.parties import Customer

CASE_TYPE = "onboarding"
CHANNELS = ("web", "app", "branch", "phone", "web", "api")
ALL_DOCUMENTS = {"individual": ["id_document", "proof_of_address"],
                 "business": ["id_document", "proof_of_address", "company_registration"]}


@dataclass(frozen=True)
class DemoPerson:
    """Same fields, in the same order, as ``engine.demo.DemoUser``."""

    username: str
    role: str
    display_name: str
    team: str | None = None


ONBOARDING_USERS = (
    DemoPerson("compliance", "backoffice", "Carla Compliance (compliance officer)", "Compliance"),
    DemoPerson("operations", "backoffice", "Omar Operations (identity checks)", "Operations"),
)
ONBOARDING_TEAM_QUEUES = {"Compliance": ["compliance"], "Operations": ["operations"]}


@dataclass(frozen=True)
class Step:
    """Someone acts on an application ``after`` days from its opening: ``action`` is a key of ``ACTIONS``."""

    after: float
    action: str
    form: dict[str, Any] = field(default_factory=dict)


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


def _s(after: float, action: str, **form: Any) -> Step:
    return Step(after, action, form)


VERIFIED = {"identity_verified": "yes"}
STORIES = (
    # waiting for documents: fresh, reminded after 7 days (and the customer called), expired after 30
    Application("Lena Vogel", "individual", "DE", "current_account", 2, "some"),
    Application("Tom Baker", "individual", "GB", "savings", 9, "none", (_s(8, "call"),)),
    Application("Nina Petersen", "individual", "DK", "current_account", 35, "none"),
    # identity checks waiting in the Operations queue (medium risk)
    Application("Sara Lindqvist", "individual", "SE", "credit_card", 1),
    Application("Pablo Rivera", "business", "ES", "business_account", 0.5, company="Rivera Design Studio"),
    # enhanced due diligence waiting in the Compliance queue (high risk: a business from a medium-risk country)
    Application("Grace Holloway", "business", "US", "business_account", 4, steps=(_s(1, "verify", **VERIFIED),),
                company="Harbor Lane Imports"),
    # a possible sanctions match waiting for compliance
    Application("Victor Kroumov", "individual", "BG", "current_account", 1),
    # onboarded: automatically, after documents arrived, after an identity check, after due diligence
    Application("Marta Kowalczyk", "individual", "PL", "current_account", 6),
    Application("Paul Girard", "individual", "FR", "savings", 10, "some", (_s(3, "documents"),)),
    Application("Jonas Meyer", "individual", "AT", "credit_card", 8, steps=(_s(1, "verify", **VERIFIED),)),
    Application("Amir Haddad", "business", "AE", "business_account", 14, steps=(
        _s(1, "verify", **VERIFIED),
        _s(3, "edd", edd_decision="approve", source_of_funds="Engineering contracts; audited accounts 2024-2025")),
                company="Haddad Engineering FZE"),
    # declined: a confirmed sanctions match, an identity that did not check out
    Application("Oksana Dravetska", "individual", "UA", "savings", 12, steps=(
        _s(1, "review", screening_decision="confirm",
           screening_reason="Date of birth and nationality match the listed person"),)),
    Application("Rob Turner", "individual", "CA", "current_account", 5, steps=(
        _s(1, "verify", identity_verified="no", verification_notes="Proof of address is older than 3 months "
                                                                   "and shows another name"),)),
)


def load_onboarding_demo(ctx: Context, clock: Clock | None = None) -> list[str]:
    """Create the onboarding demo applications and return their references (story order).

    ``clock`` says what "now" is for the demo (default: the context's clock). Does nothing (returns []) when
    the onboarding process is not loaded or onboarding cases already exist, so it is safe to run twice.
    Creates the users ``compliance`` and ``operations`` (without passwords) when they do not exist yet.
    """
    if CASE_TYPE not in ctx.processes.case_types() or _already_loaded(ctx):
        return []
    for team, queues in ONBOARDING_TEAM_QUEUES.items():
        auth.set_team_queues(ctx, team, queues)
    for person in ONBOARDING_USERS:
        auth.ensure_user(ctx, person.username, [person.role], display_name=person.display_name, team=person.team)
    return play_applications(ctx, (clock or ctx.clock).now())


def _already_loaded(ctx: Context) -> bool:
    with ctx.read() as session:
        return session.scalar(select(Case.id).where(Case.case_type == CASE_TYPE).limit(1)) is not None


def play_applications(ctx: Context, now: datetime, stories: tuple[Application, ...] = STORIES) -> list[str]:
    """Open and work every story's application at its time in the past, firing timers as time passes."""
    demo_clock = ManualClock(now - timedelta(days=max(s.days_ago for s in stories)))
    demo = replace(ctx, clock=demo_clock, runtime=ProcessRuntime(demo_clock, ctx.services))
    references: dict[int, str] = {}
    for when, index, step in _agenda(stories, now):
        _pass_time(demo, demo_clock, when)
        if step is None:
            references[index] = _apply(demo, index, stories[index])
        else:
            ACTIONS[step.action](demo, references[index], step)
    _pass_time(demo, demo_clock, now)
    return [references[i] for i in range(len(stories))]


def _agenda(stories: tuple[Application, ...], now: datetime) -> list[tuple[datetime, int, Step | None]]:
    """Every opening (step None) and step of every story, in the order they happened."""
    agenda: list[tuple[datetime, int, Step | None]] = []
    for index, story in enumerate(stories):
        opened = now - timedelta(days=story.days_ago)
        agenda.append((opened, index, None))
        agenda += [(opened + timedelta(days=step.after), index, step) for step in story.steps]
    return sorted(agenda, key=lambda entry: (entry[0], entry[1], entry[2] is not None))


def _pass_time(demo: Context, demo_clock: ManualClock, until: datetime) -> None:
    """Move the demo clock to ``until``, stopping at every timer due on the way to run the scheduler, so a
    reminder or an expiry is stamped when it was due. (The same walk as the claim demo's.)"""
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


def _apply(ctx: Context, index: int, story: Application) -> str:
    first, _, last = story.customer.partition(" ")
    customer = Customer(story.customer, email=f"{first}.{last}".lower() + "@example.com",
                        phone=f"+44 7700 900{200 + index:03d}")
    view, _created = cases.open_case(ctx, cases.OpenCase(
        CASE_TYPE, customer, CHANNELS[index % len(CHANNELS)], _application_data(ctx, index, story)), "upstream")
    return str(view["reference"])


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


def _item(ctx: Context, reference: str, name: str) -> int:
    items = work.list_work_items(ctx, work.WorkFilter(case_reference=reference))
    found = [i["id"] for i in items if i["name"] == name]
    if not found:
        raise CaseworksError(f"onboarding demo story of {reference} expected an open '{name}' task, found "
                             f"{[i['name'] for i in items]}")
    return int(found[0])


Action = Callable[[Context, str, Step], None]


def _do_task(task: str, username: str) -> Action:
    def act(ctx: Context, reference: str, step: Step) -> None:
        who = auth.principal_for(ctx, username)
        item = _item(ctx, reference, task)
        work.claim(ctx, item, who)
        work.complete(ctx, item, dict(step.form), who)
    return act


def _send_documents(ctx: Context, reference: str, step: Step) -> None:
    cases.send_message(ctx, reference, "documents_received", {}, "capture")


def _log_call(ctx: Context, reference: str, step: Step) -> None:
    cases.log_interaction(ctx, cases.LogInteraction(
        reference, "phone", "inbound", "Customer asked what is still missing; read out the status and the list."),
        "desk")


ACTIONS: dict[str, Action] = {
    "verify": _do_task("verify_identity", "operations"),
    "review": _do_task("review_screening", "compliance"),
    "edd": _do_task("enhanced_due_diligence", "compliance"),
    "documents": _send_documents,
    "call": _log_call,
}
