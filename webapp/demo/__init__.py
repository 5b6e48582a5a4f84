"""Demo data: a user for every role and cases of every process in every state, to try Caseworks out.

``load_demo`` loads the insurance claims below and, when their processes are loaded, the onboarding
applications of ``webapp.demo.onboarding`` and the loan applications of ``webapp.demo.loans``. All of them
are played out over the last weeks on one demo clock (``webapp.demo.playback``): each story opens its case in
the past and its people act on the days they would have (timers fire in between, as the scheduler would have
fired them), then the clock catches up with now. Run it before the background worker starts, so the worker
does not fire the demo's timers with the real clock in the middle of a story.
"""
from __future__ import annotations

import secrets
import string
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TextIO

from sqlalchemy import select

from engine.clock import Clock
from engine.context import Context
from webapp.demo.documents import add_inbox_letter, add_possible_duplicate, attach_case_documents
from webapp.demo.loans import LOAN_DEMO
from webapp.demo.onboarding import ONBOARDING_DEMO
from webapp.demo.playback import DemoUser, ProcessDemo, Step, at, do_task, log_call, open_case, play, send_message
from webapp.demo.playback import set_up_people
from engine.errors import CaseworksError
from engine.models import Case, User
from engine.services import auth
from engine.services.builtin import DEFAULT_TEAMS

CASE_TYPE = "claim"
PASSWORD_ALPHABET = string.ascii_letters + string.digits  # no "-": a password must not read as a CLI option

DEMO_USERS = (
    DemoUser("admin", "admin", "Ada Admin"),
    DemoUser("designer", "designer", "Dan Designer"),
    DemoUser("agent", "backoffice", "Alice Agent (claims triage)", "Claims triage"),
    DemoUser("agent2", "backoffice", "Ben Agent (claims triage)", "Claims triage"),  # someone to hand work to
    DemoUser("lead", "backoffice", "Tom Lead (team lead)", "Team leads"),
    DemoUser("manager", "backoffice", "Maria Manager (claims manager)", "Claims managers"),
    DemoUser("desk", "frontoffice", "Fiona Desk (front office)"),
    DemoUser("intake", "backoffice", "Ivan Intake (document intake)", "Document intake"),
    DemoUser("upstream", "integration", "Policy system (integration)"),
)
TEAM_QUEUES = {
    "Claims triage": ["claims_triage"],
    "Team leads": ["team_leads", "claims_triage"],
    "Claims managers": ["claims_managers"],
    **DEFAULT_TEAMS,  # document intake and possible duplicate customers
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
class Story:
    customer: str
    incident_type: str
    amount: float
    days_ago: float
    documents: str = "all"  # all | some | none
    steps: tuple[Step, ...] = ()


def approve(amount: float) -> dict[str, Any]:
    return {"decision": "approve", "approved_amount": amount}


STORIES = (
    # waiting for documents (fresh, reminded, partly sent), and abandoned after 30 days
    Story("Emma Schmidt", "motor", 1200, 2, "none"),
    Story("Lucas Martin", "property", 3400, 9, "none"),
    Story("Sofia Rossi", "travel", 650, 4, "some", (at(2, "call"),)),
    Story("Noah Jansen", "health", 800, 12, "none", (at(8, "call"),)),
    Story("Mia Novak", "motor", 2100, 38, "none"),
    Story("Liam O'Brien", "travel", 300, 33, "none"),
    # ready for assessment, nobody on it yet
    Story("Olivia Dubois", "property", 6200, 1),
    Story("Elias Berg", "motor", 950, 0.5),
    Story("Chloe Evans", "health", 2300, 2),
    Story("Mateo Garcia", "property", 15000, 4),
    Story("Hannah Weber", "motor", 4000, 6, "none", (at(3, "documents"),)),
    # claimed by the triage agent
    Story("Jonas Keller", "motor", 7300, 1, steps=(at(0.5, "claim"),)),
    Story("Amelia Brown", "travel", 1200, 0.5, steps=(at(0.2, "claim"),)),
    Story("Lea Fischer", "property", 28000, 5, steps=(at(1, "claim"),)),
    # overdue: past the triage's days to decide, escalated to the team leads
    Story("Oscar Lind", "motor", 650, 6),
    Story("Isla Murphy", "property", 5400, 9, steps=(at(2, "claim"),)),
    Story("Felix Wagner", "health", 1800, 8, steps=(at(6, "expedite", action="chased_assessor",
                                                      note="Asked Alice to pick it up first thing tomorrow"),)),
    Story("Ava Costa", "travel", 1100, 4),
    # approved above the assessor's authority: awaiting the claims manager
    Story("Leon Petrov", "property", 18000, 6, steps=(at(2, "assess", **approve(17200)),)),
    Story("Grace Walsh", "motor", 12500, 3, steps=(at(1, "assess", **approve(11800)),)),
    Story("Theo Laurent", "health", 9000, 4, steps=(at(2, "assess", **approve(8500)),)),
    # referred to a claims manager
    Story("Nora Hansen", "health", 3200, 3, steps=(at(1, "assess", decision="refer",
                                                     reason="Treatment may predate the policy start"),)),
    # paid
    Story("Emma Schmidt", "travel", 480, 20, steps=(at(1, "assess", **approve(480)),)),
    Story("Samuel Cohen", "motor", 3100, 15, "none", (at(2, "documents"), at(4, "assess", **approve(2950)))),
    Story("Julia Novak", "property", 22000, 25, steps=(at(5, "assess", **approve(21000)),
                                                      at(6, "payout", decision="approve"))),
    Story("Adam Kowalski", "health", 700, 10, steps=(at(0.5, "assess", **approve(700)),)),
    Story("Freya Nilsson", "property", 4100, 14, steps=(
        at(2, "assess", decision="refer", reason="Possible wear and tear"),
        at(4, "review", reason="Sudden escape of water: covered", **approve(3900)))),
    Story("Mason Reid", "health", 26000, 30, steps=(at(16, "assess", **approve(25500)),
                                                    at(17, "payout", decision="approve"))),
    # rejected, by the assessor or by the claims manager
    Story("Ruby Clarke", "motor", 5600, 18, steps=(at(3, "assess", decision="reject",
                                                     reason="Driver not named on the policy"),)),
    Story("Hugo Moreau", "property", 13500, 22, steps=(at(2, "assess", **approve(13000)),
                                                      at(4, "payout", decision="reject",
                                                         reason="Damage predates the policy"))),
    Story("Zoe Adams", "travel", 2200, 11, steps=(at(1, "assess", decision="reject",
                                                    reason="Trip cancelled for a reason the policy excludes"),)),
)


def _open_claim(ctx: Context, index: int, story: Story) -> str:
    return open_case(ctx, CASE_TYPE, story.customer, CHANNELS[index % len(CHANNELS)], _claim_data(ctx, index, story),
                     phone=100 + index)


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


CLAIM_DEMO = ProcessDemo(CASE_TYPE, DEMO_USERS, TEAM_QUEUES, STORIES, _open_claim, {
    "claim": do_task("assess", "agent"),
    "assess": do_task("assess", "agent"),
    "expedite": do_task("expedite", "lead"),
    "payout": do_task("approve_payout", "manager"),
    "review": do_task("review_referral", "manager"),
    "documents": send_message("documents_received", "capture"),
    "call": log_call("Customer called to ask how the claim is going; read out the status."),
})
PROCESS_DEMOS = (CLAIM_DEMO, ONBOARDING_DEMO, LOAN_DEMO)  # the claim demo is required, the others optional


def load_demo(ctx: Context, clock: Clock | None = None) -> dict[str, Any]:
    """Create the demo users (with passwords and API tokens), their team queues and the demo cases of every
    loaded process that has a demo (the claim process is required); skip it all if already loaded.

    ``clock`` says what "now" is for the demo (default: the context's clock). Returns what a CLI prints:
    ``users`` (username, password, role, team), ``tokens`` by username, the case references (``cases``; by case
    type in ``by_type``) and a count of cases by status; ``skipped`` is True (and nothing is created) when the
    demo users already exist.
    """
    loaded = ctx.processes.case_types()
    if CASE_TYPE not in loaded:
        raise CaseworksError("the demo needs the claim process: keep processes/claim/ in the processes folder")
    demos = [demo for demo in PROCESS_DEMOS if demo.case_type in loaded]
    if _already_loaded(ctx, demos):
        return {"skipped": True, "users": [], "tokens": {}, "cases": [], "by_type": {}, "by_status": {}}
    users = set_up_people(ctx, demos, _new_password)
    tokens = {u["username"]: auth.create_token(ctx, u["username"], u["role"], name="demo") for u in users}
    by_type = play(ctx, (clock or ctx.clock).now(), demos)
    references = [ref for refs in by_type.values() for ref in refs]
    documents = attach_case_documents(ctx, references)  # a real document behind every checklist tick
    letter = add_inbox_letter(ctx)  # for the document intake team to route
    duplicate = add_possible_duplicate(ctx, by_type[CASE_TYPE][0])  # a customer pair for a person to decide on
    return {"skipped": False, "users": users, "tokens": tokens, "cases": references, "by_type": by_type,
            "by_status": _count_by_status(ctx, references), "documents": documents, "inbox_document": letter,
            "duplicate_case": duplicate}


def print_credentials(result: dict[str, Any], out: TextIO | None = None) -> None:
    """Print what ``load_demo`` returned for a person at a terminal: who can sign in, with what."""
    out = out or sys.stdout
    if result["skipped"]:
        print("The demo is already loaded (its users exist); nothing was changed. Its passwords and tokens were "
              "shown when it was first loaded: to get new ones, run `caseworks demo --reset-credentials`.", file=out)
        return
    by_type = ", ".join(f"{len(refs)} {case_type}" for case_type, refs in result["by_type"].items())
    by_status = ", ".join(f"{n} {status}" for status, n in sorted(result["by_status"].items()))
    print(f"Demo loaded: {len(result['cases'])} cases ({by_type}): {by_status}.", file=out)
    print_users(result, out, "Users (the passwords and tokens are shown only now):",
                "API tokens (header 'Authorization: Bearer <token>'):")


def print_users(result: dict[str, Any], out: TextIO, users_heading: str, tokens_heading: str) -> None:
    """The demo users with their role, password and team, then their API tokens, in aligned columns."""
    width = max((len(user["username"]) for user in result["users"]), default=0)
    print(users_heading, file=out)
    for user in result["users"]:
        team = f"  team {user['team']}" if user["team"] else ""
        print(f"  {user['username']:<{width}} role {user['role']:<12} password {user['password']}{team}", file=out)
    print(tokens_heading, file=out)
    for username, token in result["tokens"].items():
        print(f"  {username:<{width}} {token}", file=out)


def _already_loaded(ctx: Context, demos: list[ProcessDemo]) -> bool:
    names = [user.username for demo in demos for user in demo.users]
    with ctx.read() as session:
        return session.scalar(select(User.id).where(User.username.in_(names)).limit(1)) is not None


def _new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def _count_by_status(ctx: Context, references: list[str]) -> dict[str, int]:
    with ctx.read() as session:
        statuses = session.scalars(select(Case.status).where(Case.reference.in_(references)))
        return dict(Counter(statuses))
