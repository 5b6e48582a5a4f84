"""The channels step of the worker: relay new events, deliver webhooks, send e-mail, read the mailbox.

It runs in its own worker thread (beside timers and jobs), so a receiver that times out or a mail server that
is down delays only other deliveries, never a case, a capture or a reminder.
"""
from __future__ import annotations

import logging
import time
import weakref

from engine.context import Context
from engine.services import mail_sources, notify, outbox, webhooks

log = logging.getLogger("caseworks.channels")
CONSUMERS: list[outbox.Consumer] = [webhooks.fan_out, notify.write_notifications]


def tick(ctx: Context) -> int:
    """One pass: events to deliveries and notifications, then whatever is due; returns what was done."""
    done = outbox.relay_all(ctx, CONSUMERS)
    for step in STEPS:
        try:
            done += step(ctx)
        except Exception:  # noqa: BLE001 - one failing channel must not stop the others; logged
            log.exception("channel step %s failed", getattr(step, "__name__", step))
    return done


# The mailbox schedule of each live context, by identity (a Context is not hashable). An entry leaves with its
# context: otherwise the next context built at the same address would inherit its interval and last fetch time.
_fetch_schedules: dict[int, "Schedule"] = {}


def fetch_mail(ctx: Context) -> int:
    """Read the mailbox every ``CASEWORKS_IMAP_INTERVAL`` seconds (when one is configured)."""
    if not ctx.settings.imap_host:
        return 0
    schedule = _fetch_schedules.get(id(ctx))
    if schedule is None:
        schedule = _fetch_schedules[id(ctx)] = Schedule(ctx.settings.imap_interval)
        weakref.finalize(ctx, _fetch_schedules.pop, id(ctx), None)
    return mail_sources.scheduled_fetch(ctx) if schedule.due() else 0


STEPS = [webhooks.deliver_due, notify.send_due, fetch_mail]


class Schedule:
    """Run a step at most every ``interval`` seconds from a loop that ticks more often (the mailbox)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last = float("-inf")

    def due(self) -> bool:
        now = time.monotonic()
        if self.interval <= 0 or now - self._last < self.interval:
            return False
        self._last = now
        return True
