"""Timers move only with the ManualClock and fire only on ``wake``; boundary timers on user tasks."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine.bpmn.runner import ProcessRuntime
from engine.clock import ManualClock
from engine.errors import StaleWorkItem

GO_LIVE = datetime(2026, 12, 1, 0, 0, tzinfo=timezone.utc)


def test_intermediate_timers_fire_at_their_due_time_and_not_before(new_case, clock):
    started_at = clock.now()
    case = new_case("timers")
    snap = case.start(cooling_days=14, go_live_at=GO_LIVE.isoformat())
    assert snap.next_timer_at == started_at + timedelta(days=14)
    assert snap.status_text == "Your contract is in its cooling-off period of 14 days."
    assert snap.stage == "cooling_off" and snap.open_tasks == []

    clock.advance(days=14, seconds=-1)
    snap = case.wake()
    assert snap.stage == "cooling_off" and snap.next_timer_at == started_at + timedelta(days=14)

    clock.advance(seconds=1)
    assert case.inspect().stage == "cooling_off"  # due, but only wake fires timers
    snap = case.wake()
    assert snap.stage == "scheduled" and snap.next_timer_at == GO_LIVE
    assert snap.status_text == "Your contract starts on 1 December 2026."

    clock.set(GO_LIVE - timedelta(microseconds=1))
    assert not case.wake().completed
    clock.set(GO_LIVE)
    snap = case.wake()
    assert snap.completed and snap.outcome == "active" and snap.next_timer_at is None
    assert snap.data["activated_on"] == "2026-12-01"
    assert snap.status_text == "Your contract has been active since 1 December 2026."


def test_a_date_timer_already_past_fires_in_the_same_step(new_case, clock):
    case = new_case("timers")
    case.start(cooling_days=1, go_live_at=(clock.now() + timedelta(hours=1)).isoformat())
    clock.advance(days=1)
    snap = case.wake()
    assert snap.completed and snap.outcome == "active"


def test_non_interrupting_boundary_timer_adds_a_task_and_keeps_the_original(new_case, clock):
    started_at = clock.now()
    case = new_case("deadline")
    snap = case.start()
    review_id = case.task("review").task_id
    assert snap.next_timer_at == started_at + timedelta(days=2)

    clock.advance(days=2, minutes=-1)
    assert case.wake().open_tasks[0].task_id == review_id and case.open_names() == ["review"]

    clock.advance(minutes=1)
    snap = case.wake()
    assert case.open_names() == ["chase", "review"]
    assert case.task("review").task_id == review_id
    chase = case.task("chase")
    assert (chase.queue, chase.priority) == ("team_leads", 10)
    assert chase.due_at == clock.now() + timedelta(hours=8)
    assert snap.next_timer_at == started_at + timedelta(days=5)  # the interrupting timer is still armed
    assert snap.status_text == "Your request is being reviewed."

    snap = case.complete("review", decision="approve")
    assert case.open_names() == ["chase"] and snap.next_timer_at is None and not snap.completed
    snap = case.complete("chase", note="called the handler")
    assert snap.completed and snap.outcome == "reviewed"


def test_interrupting_boundary_timer_cancels_the_task_and_takes_the_other_path(new_case, clock):
    started_at = clock.now()
    case = new_case("deadline")
    case.start()
    review_id = case.task("review").task_id
    clock.advance(days=2)
    case.wake()
    assert case.snapshot.next_timer_at == started_at + timedelta(days=5)

    clock.advance(days=3)
    snap = case.wake()
    assert case.open_names() == ["chase"]  # review disappeared, the reminder branch goes on
    assert snap.next_timer_at is None
    with pytest.raises(StaleWorkItem):
        case.complete_id(review_id, {"decision": "approve"})

    snap = case.complete("chase")
    assert snap.completed and snap.outcome == "expired" and snap.status_text == "Your request expired."


def test_completing_the_task_in_time_disarms_both_boundary_timers(new_case, clock):
    case = new_case("deadline")
    case.start()
    clock.advance(days=1)
    snap = case.complete("review", decision="reject")
    assert snap.completed and snap.outcome == "reviewed" and snap.next_timer_at is None
    clock.advance(days=30)
    snap = case.wake()
    assert snap.completed and snap.open_tasks == [] and snap.outcome == "reviewed"


def test_a_user_task_timer_uses_the_manual_clock_not_the_wall_clock(new_case):
    far_future = datetime(2099, 1, 1, tzinfo=timezone.utc)
    case = new_case("deadline")
    case.runtime = ProcessRuntime(ManualClock(far_future), case.runtime.services)
    assert case.start().next_timer_at == far_future + timedelta(days=2)


def test_one_late_wake_fires_every_due_boundary_timer(new_case, clock):
    """The scheduler may wake a case long after its due time: both timers are due, the review expires."""
    case = new_case("deadline")
    case.start()
    clock.advance(days=6)
    snap = case.wake()
    assert case.open_names() == ["chase"] and snap.next_timer_at is None
    snap = case.complete("chase")
    assert snap.completed and snap.outcome == "expired"
