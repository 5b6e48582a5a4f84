"""Demo data: a user for every role and a few dozen insurance claims in every state, to try Caseworks out.

The claims are played out over the last weeks on a demo clock: each story opens its claim in the past and
its people act on the days they would have (timers fire in between, as the scheduler would have fired
them), then the clock catches up with now. Run it before the background worker starts, so the worker does
not fire the demo's timers with the real clock in the middle of the story.
"""
from __future__ import annotations

import secrets
import string
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Callable, TextIO

from sqlalchemy import func, select

from engine.bpmn.runner import ProcessRuntime
from engine.clock import Clock, ManualClock
from engine.context import Context
from engine.errors import CaseworksError
from engine.models import Case, ProcessInstance, User
from engine.services import auth, cases, scheduler, work
from engine.services.parties import Customer

CASE_TYPE = "claim"
PASSWORD_ALPHABET = string.ascii_letters + string.digits  # no "-": a password must not read as a CLI option


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    display_name: str
    team: str | None = None


DEMO_USERS = (
    DemoUser("admin", "admin", "Ada Admin"),
    DemoUser("designer", "designer", "Dan Designer"),
    DemoUser("agent", "backoffice", "Alice Agent (claims triage)", "Claims triage"),
    DemoUser("lead", "backoffice", "Tom Lead (team lead)", "Team leads"),
    DemoUser("manager", "backoffice", "Maria Manager (claims manager)", "Claims managers"),
    DemoUser("desk", "frontoffice", "Fiona Desk (front office)"),
    DemoUser("upstream", "integration", "Policy system (integration)"),
)
TEAM_QUEUES = {
    "Claims triage": ["claims_triage"],
    "Team leads": ["team_leads", "claims_triage"],
    "Claims managers": ["claims_managers"],
}
REQUIRED = {"motor": "repair_estimate", "property": "invoice", "travel": "receipt", "health": "medical_invoice"}
DESCRIPTIONS = {
    "motor": "Rear-ended at a traffic light; bumper and tailgate damaged.",
    "property": "Water from a burst pipe damaged the kitchen floor and cabinets.",
    "travel": "Suitcase lost on the return flight; airline confirmed the loss.",
    "health": "Emergency treatment abroad after a fall while hiking.",
}
CHANNELS = ("web", "app", "phone", "email", "branch")


@dataclass(frozen=True)
class Step:
    """Someone acts on a claim ``after`` days from its opening: ``action`` is a key of ``ACTIONS``."""

    after: float
    action: str
    form: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Story:
    customer: str
    incident_type: str
    amount: float
    days_ago: float
    documents: str = "all"  # all | some | none
    steps: tuple[Step, ...] = ()


def approve(amount: float) -> dict[str, Any]:
    return {"decision": "approve", "approved_amount": amount}


def _s(after: float, what: str, **form: Any) -> Step:
    return Step(after, what, form)


STORIES = (
    # waiting for documents (fresh, reminded, partly sent), and abandoned after 30 days
    Story("Emma Schmidt", "motor", 1200, 2, "none"),
    Story("Lucas Martin", "property", 3400, 9, "none"),
    Story("Sofia Rossi", "travel", 650, 4, "some", (_s(2, "call"),)),
    Story("Noah Jansen", "health", 800, 12, "none", (_s(8, "call"),)),
    Story("Mia Novak", "motor", 2100, 38, "none"),
    Story("Liam O'Brien", "travel", 300, 33, "none"),
    # ready for assessment, nobody on it yet
    Story("Olivia Dubois", "property", 6200, 1),
    Story("Elias Berg", "motor", 950, 0.5),
    Story("Chloe Evans", "health", 2300, 2),
    Story("Mateo Garcia", "property", 15000, 4),
    Story("Hannah Weber", "motor", 4000, 6, "none", (_s(3, "documents"),)),
    # claimed by the triage agent
    Story("Jonas Keller", "motor", 7300, 1, steps=(_s(0.5, "claim"),)),
    Story("Amelia Brown", "travel", 1200, 0.5, steps=(_s(0.2, "claim"),)),
    Story("Lea Fischer", "property", 28000, 5, steps=(_s(1, "claim"),)),
    # overdue: past the triage's days to decide, escalated to the team leads
    Story("Oscar Lind", "motor", 650, 6),
    Story("Isla Murphy", "property", 5400, 9, steps=(_s(2, "claim"),)),
    Story("Felix Wagner", "health", 1800, 8, steps=(_s(6, "expedite", action="chased_assessor",
                                                      note="Asked Alice to pick it up first thing tomorrow"),)),
    Story("Ava Costa", "travel", 1100, 4),
    # approved above the assessor's authority: awaiting the claims manager
    Story("Leon Petrov", "property", 18000, 6, steps=(_s(2, "assess", **approve(17200)),)),
    Story("Grace Walsh", "motor", 12500, 3, steps=(_s(1, "assess", **approve(11800)),)),
    Story("Theo Laurent", "health", 9000, 4, steps=(_s(2, "assess", **approve(8500)),)),
    # referred to a claims manager
    Story("Nora Hansen", "health", 3200, 3, steps=(_s(1, "assess", decision="refer",
                                                     reason="Treatment may predate the policy start"),)),
    # paid
    Story("Emma Schmidt", "travel", 480, 20, steps=(_s(1, "assess", **approve(480)),)),
    Story("Samuel Cohen", "motor", 3100, 15, "none", (_s(2, "documents"), _s(4, "assess", **approve(2950)))),
    Story("Julia Novak", "property", 22000, 25, steps=(_s(5, "assess", **approve(21000)),
                                                      _s(6, "payout", decision="approve"))),
    Story("Adam Kowalski", "health", 700, 10, steps=(_s(0.5, "assess", **approve(700)),)),
    Story("Freya Nilsson", "property", 4100, 14, steps=(
        _s(2, "assess", decision="refer", reason="Possible wear and tear"),
        _s(4, "review", reason="Sudden escape of water: covered", **approve(3900)))),
    Story("Mason Reid", "health", 26000, 30, steps=(_s(16, "assess", **approve(25500)),
                                                    _s(17, "payout", decision="approve"))),
    # rejected, by the assessor or by the claims manager
    Story("Ruby Clarke", "motor", 5600, 18, steps=(_s(3, "assess", decision="reject",
                                                     reason="Driver not named on the policy"),)),
    Story("Hugo Moreau", "property", 13500, 22, steps=(_s(2, "assess", **approve(13000)),
                                                      _s(4, "payout", decision="reject",
                                                         reason="Damage predates the policy"))),
    Story("Zoe Adams", "travel", 2200, 11, steps=(_s(1, "assess", decision="reject",
                                                    reason="Trip cancelled for a reason the policy excludes"),)),
)


def load_demo(ctx: Context, clock: Clock | None = None) -> dict[str, Any]:
    """Create the demo users (with passwords and API tokens) and the demo claims; skip if already loaded.

    ``clock`` says what "now" is for the demo (default: the context's clock). Returns what a CLI prints:
    ``users`` (username, password, role, team), ``tokens`` by username, the case references and a count of
    cases by status; ``skipped`` is True (and nothing is created) when the demo users already exist.
    """
    if CASE_TYPE not in ctx.processes.case_types():
        raise CaseworksError("the demo needs the claim process: keep processes/claim/ in the processes folder")
    if _already_loaded(ctx):
        return {"skipped": True, "users": [], "tokens": {}, "cases": [], "by_status": {}}
    users = _create_users(ctx)
    tokens = {u.username: auth.create_token(ctx, u.username, u.role, name="demo") for u in DEMO_USERS}
    references = play_stories(ctx, (clock or ctx.clock).now())
    return {"skipped": False, "users": users, "tokens": tokens, "cases": references,
            "by_status": _count_by_status(ctx, references)}


def print_credentials(result: dict[str, Any], out: TextIO | None = None) -> None:
    """Print what ``load_demo`` returned for a person at a terminal: who can sign in, with what."""
    out = out or sys.stdout
    if result["skipped"]:
        print("The demo is already loaded (its users exist); nothing was changed. Passwords and tokens are shown "
              "only when it is first loaded: set a new one with `caseworks user add NAME --role ROLE "
              "--password P` or `caseworks token create --name NAME --role ROLE`.", file=out)
        return
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result["by_status"].items()))
    print(f"Demo loaded: {len(result['cases'])} claims ({counts}).", file=out)
    print("Users (the passwords and tokens are shown only now):", file=out)
    for user in result["users"]:
        team = f"  team {user['team']}" if user["team"] else ""
        print(f"  {user['username']:<10} role {user['role']:<12} password {user['password']}{team}", file=out)
    print("API tokens (header 'Authorization: Bearer <token>'):", file=out)
    for username, token in result["tokens"].items():
        print(f"  {username:<10} {token}", file=out)


def _already_loaded(ctx: Context) -> bool:
    names = [u.username for u in DEMO_USERS]
    with ctx.read() as session:
        return session.scalar(select(User.id).where(User.username.in_(names)).limit(1)) is not None


def _create_users(ctx: Context) -> list[dict[str, Any]]:
    for team, queues in TEAM_QUEUES.items():
        auth.set_team_queues(ctx, team, queues)
    created = []
    for user in DEMO_USERS:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))
        auth.ensure_user(ctx, user.username, [user.role], password=password, display_name=user.display_name,
                         team=user.team)
        created.append({"username": user.username, "password": password, "role": user.role, "team": user.team})
    return created


def _count_by_status(ctx: Context, references: list[str]) -> dict[str, int]:
    with ctx.read() as session:
        statuses = session.scalars(select(Case.status).where(Case.reference.in_(references)))
        return dict(Counter(statuses))


# -- playing the stories on a demo clock ------------------------------------------------------------------
Action = Callable[[Context, str, Step], None]


def play_stories(ctx: Context, now: datetime, stories: tuple[Story, ...] = STORIES) -> list[str]:
    """Open and work every story's claim at its time in the past, firing timers as time passes."""
    start = now - timedelta(days=max(s.days_ago for s in stories))
    demo_clock = ManualClock(start)
    demo = replace(ctx, clock=demo_clock, runtime=ProcessRuntime(demo_clock, ctx.services))
    references: dict[int, str] = {}
    for when, index, step in _agenda(stories, now):
        _pass_time(demo, demo_clock, when)
        if step is None:
            references[index] = _open_claim(demo, index, stories[index])
        else:
            ACTIONS[step.action](demo, references[index], step)
    _pass_time(demo, demo_clock, now)
    return [references[i] for i in range(len(stories))]


def _pass_time(demo: Context, demo_clock: ManualClock, until: datetime) -> None:
    """Move the demo clock to ``until``, stopping at every timer due on the way to run the scheduler as the
    worker would (so a reminder or an escalation is stamped when it was due, not at the next story step)."""
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


def _agenda(stories: tuple[Story, ...], now: datetime) -> list[tuple[datetime, int, Step | None]]:
    """Every opening (step None) and step of every story, in the order they happened."""
    agenda: list[tuple[datetime, int, Step | None]] = []
    for index, story in enumerate(stories):
        opened = now - timedelta(days=story.days_ago)
        agenda.append((opened, index, None))
        agenda += [(opened + timedelta(days=step.after), index, step) for step in story.steps]
    return sorted(agenda, key=lambda entry: (entry[0], entry[1], entry[2] is not None))


def _open_claim(ctx: Context, index: int, story: Story) -> str:
    first, _, last = story.customer.partition(" ")
    email = f"{first}.{last}".lower().replace("'", "") + "@example.com"
    customer = Customer(story.customer, email=email, phone=f"+44 7700 900{100 + index:03d}")
    view, _created = cases.open_case(ctx, cases.OpenCase(
        CASE_TYPE, customer, CHANNELS[index % len(CHANNELS)], _claim_data(ctx, index, story)), "upstream")
    return str(view["reference"])


def _claim_data(ctx: Context, index: int, story: Story) -> dict[str, Any]:
    incident = ctx.clock.now().date() - timedelta(days=2 + index % 6)
    documents = {"all": ["claim_form", REQUIRED[story.incident_type]], "some": ["claim_form"], "none": []}
    return {
        "policy_number": f"POL-{4711000 + index * 37}",
        "incident_date": incident.isoformat(),
        "incident_type": story.incident_type,
        "description": DESCRIPTIONS[story.incident_type],
        "claimed_amount": story.amount,
        "currency": "EUR" if index % 4 else "GBP",
        "documents_provided": documents[story.documents],
    }


def _item(ctx: Context, reference: str, name: str) -> int:
    items = work.list_work_items(ctx, work.WorkFilter(case_reference=reference))
    found = [i["id"] for i in items if i["name"] == name]
    if not found:
        raise CaseworksError(f"demo story of {reference} expected an open '{name}' task, found "
                             f"{[i['name'] for i in items]}")
    return int(found[0])


def _do_task(task: str, username: str) -> Action:
    def act(ctx: Context, reference: str, step: Step) -> None:
        who = auth.principal_for(ctx, username)
        item = _item(ctx, reference, task)
        work.claim(ctx, item, who)
        if step.form:
            work.complete(ctx, item, dict(step.form), who)
    return act


def _send_documents(ctx: Context, reference: str, step: Step) -> None:
    cases.send_message(ctx, reference, "documents_received", {}, "capture")


def _log_call(ctx: Context, reference: str, step: Step) -> None:
    cases.log_interaction(ctx, cases.LogInteraction(
        reference, "phone", "inbound", "Customer called to ask how the claim is going; read out the status."),
        "desk")


ACTIONS: dict[str, Action] = {
    "claim": _do_task("assess", "agent"),
    "assess": _do_task("assess", "agent"),
    "expedite": _do_task("expedite", "lead"),
    "payout": _do_task("approve_payout", "manager"),
    "review": _do_task("review_referral", "manager"),
    "documents": _send_documents,
    "call": _log_call,
}
