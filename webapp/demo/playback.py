"""Playing demo stories on a demo clock: the machinery the claim, onboarding and loan demos share.

A story opens a case some days ago and lists the steps its people took, each some days after the opening. The
player puts every opening and step of every story in the order they happened and walks a demo clock through
them from the oldest story to now; timers fire on the way, when they were due, as the scheduler would have
fired them. Run it before the background worker starts, so the worker does not fire the demo's timers with
the real clock in the middle of a story.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Protocol, Sequence

from sqlalchemy import func, select

from engine.bpmn.runner import ProcessRuntime
from engine.clock import ManualClock
from engine.context import Context
from engine.errors import CaseworksError
from engine.models import ProcessInstance
from engine.services import auth, cases, scheduler, work
from engine.services.parties import Customer


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    display_name: str
    team: str | None = None


@dataclass(frozen=True)
class Step:
    """Someone acts on a case ``after`` days from its opening: ``action`` is a key of its demo's ``actions``."""

    after: float
    action: str
    form: dict[str, Any] = field(default_factory=dict)


def at(after: float, action: str, /, **form: Any) -> Step:
    """A story step: ``action`` taken ``after`` days from the opening, with ``form`` (a task's form, a message)."""
    return Step(after, action, form)


class Story(Protocol):
    """What the player needs of a story; each demo adds the fields its case data is made of."""

    @property
    def days_ago(self) -> float: ...

    @property
    def steps(self) -> tuple[Step, ...]: ...


Action = Callable[[Context, str, Step], None]
Opener = Callable[[Context, int, Any], str]  # (demo context, story index, story) -> case reference


@dataclass(frozen=True)
class ProcessDemo:
    """The demo of one process: who works it (and in which team queues), its stories, how a story's case is
    opened and what each step action does."""

    case_type: str
    users: tuple[DemoUser, ...]
    team_queues: Mapping[str, list[str]]
    stories: Sequence[Story]
    open_story: Opener
    actions: Mapping[str, Action]


def set_up_people(ctx: Context, demos: Sequence[ProcessDemo],
                  passwords: Callable[[], str] | None = None) -> list[dict[str, Any]]:
    """Create the team queues and the users of ``demos`` (each user once). With ``passwords``, each user gets a
    new password from it; returns username, password (None without), role and team of each user."""
    for demo in demos:
        for team, queues in demo.team_queues.items():
            auth.set_team_queues(ctx, team, queues)
    created: dict[str, dict[str, Any]] = {}
    for user in (u for demo in demos for u in demo.users):
        if user.username in created:
            continue
        password = passwords() if passwords else None
        auth.ensure_user(ctx, user.username, [user.role], password=password, display_name=user.display_name,
                         team=user.team)
        created[user.username] = {"username": user.username, "password": password, "role": user.role,
                                  "team": user.team}
    return list(created.values())


def play(ctx: Context, now: datetime, demos: Sequence[ProcessDemo]) -> dict[str, list[str]]:
    """Open and work every story's case at its time in the past on one demo clock, firing timers as time passes;
    then catch the clock up with ``now``. Returns the case references by case type, in story order."""
    stories = [story for demo in demos for story in demo.stories]
    if not stories:
        return {demo.case_type: [] for demo in demos}
    demo_clock = ManualClock(now - timedelta(days=max(s.days_ago for s in stories)))
    demo_ctx = replace(ctx, clock=demo_clock, runtime=ProcessRuntime(demo_clock, ctx.services))
    references: dict[tuple[int, int], str] = {}
    for when, (d, index), step in _agenda(demos, now):
        _pass_time(demo_ctx, demo_clock, when)
        demo = demos[d]
        if step is None:
            references[d, index] = demo.open_story(demo_ctx, index, demo.stories[index])
        else:
            demo.actions[step.action](demo_ctx, references[d, index], step)
    _pass_time(demo_ctx, demo_clock, now)
    return {demo.case_type: [references[d, i] for i in range(len(demo.stories))] for d, demo in enumerate(demos)}


def _agenda(demos: Sequence[ProcessDemo], now: datetime) -> list[tuple[datetime, tuple[int, int], Step | None]]:
    """Every opening (step None) and step of every story, in the order they happened."""
    agenda: list[tuple[datetime, tuple[int, int], Step | None]] = []
    for d, demo in enumerate(demos):
        for index, story in enumerate(demo.stories):
            opened = now - timedelta(days=story.days_ago)
            agenda.append((opened, (d, index), None))
            agenda += [(opened + timedelta(days=step.after), (d, index), step) for step in story.steps]
    return sorted(agenda, key=lambda entry: (entry[0], entry[1], entry[2] is not None))


def _pass_time(demo_ctx: Context, demo_clock: ManualClock, until: datetime) -> None:
    """Move the demo clock to ``until``, stopping at every timer due on the way to run the scheduler as the
    worker would (so a reminder or an escalation is stamped when it was due, not at the next story step)."""
    due = _next_timer_due(demo_ctx)
    while due is not None and due <= until:
        demo_clock.set(max(due, demo_clock.now()))
        scheduler.tick(demo_ctx)
        previous, due = due, _next_timer_due(demo_ctx)
        if due == previous:  # a timer that would not fire (an incident): leave it to the real scheduler
            break
    demo_clock.set(max(until, demo_clock.now()))


def _next_timer_due(ctx: Context) -> datetime | None:
    with ctx.read() as session:
        return session.scalar(select(func.min(ProcessInstance.next_timer_at))
                              .where(ProcessInstance.completed.is_(False)))


# -- what stories do ----------------------------------------------------------------------------------------
def open_case(ctx: Context, case_type: str, customer: str, channel: str, data: dict[str, Any], *,
              phone: int) -> str:
    """Open a case as the upstream system does, for a customer with an example.com address and the fictional
    phone number ending in ``phone`` (0-999); returns its reference."""
    first, _, last = customer.partition(" ")
    party = Customer(customer, email=_email(f"{first}.{last}"), phone=f"+44 7700 900{phone:03d}")
    view, _created = cases.open_case(ctx, cases.OpenCase(case_type, party, channel, data), "upstream")
    return str(view["reference"])


def _email(name: str) -> str:
    """``first.last@example.com`` in plain ASCII: accents dropped, apostrophes left out."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ascii_name.lower().replace("'", "") + "@example.com"


def open_item(ctx: Context, reference: str, name: str) -> int:
    """The id of the case's open work item ``name``; a story that expected one that is not there fails."""
    items = work.list_work_items(ctx, work.WorkFilter(case_reference=reference))
    found = [i["id"] for i in items if i["name"] == name]
    if not found:
        raise CaseworksError(f"demo story of {reference} expected an open '{name}' task, found "
                             f"{[i['name'] for i in items]}")
    return int(found[0])


def do_task(task: str, username: str) -> Action:
    """``username`` claims the open task ``task``, and completes it with the step's form when it has one."""
    def act(ctx: Context, reference: str, step: Step) -> None:
        who = auth.principal_for(ctx, username)
        item = open_item(ctx, reference, task)
        work.claim(ctx, item, who)
        if step.form:
            work.complete(ctx, item, dict(step.form), who)
    return act


def send_message(name: str, sender: str) -> Action:
    """``sender`` sends the case the message ``name``, with the step's form as its payload."""
    def act(ctx: Context, reference: str, step: Step) -> None:
        cases.send_message(ctx, reference, name, dict(step.form), sender)
    return act


def log_call(text: str) -> Action:
    """The front-office desk logs an inbound phone call from the customer."""
    def act(ctx: Context, reference: str, step: Step) -> None:
        cases.log_interaction(ctx, cases.LogInteraction(reference, "phone", "inbound", text), "desk")
    return act
