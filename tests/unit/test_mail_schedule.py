"""The mailbox is read on a schedule per engine context: a context built later never inherits an earlier one's."""
from __future__ import annotations

import gc
import pytest

from engine.services import channels
from engine.settings import Settings


class _Context:
    """What ``fetch_mail`` reads of a context: its settings (an IMAP host, an hour between fetches)."""

    def __init__(self) -> None:
        self.settings = Settings(imap_host="imap.example.com", imap_interval=3600.0)


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The mailbox reads, as the address of the context that read (not the context: it must be free to go)."""
    fetched: list[int] = []
    monkeypatch.setattr(channels.mail_sources, "scheduled_fetch", lambda ctx: fetched.append(id(ctx)) or 1)
    return fetched


def test_a_context_reads_the_mailbox_once_per_interval(fetches: list[int]) -> None:
    ctx, other = _Context(), _Context()
    assert [channels.fetch_mail(ctx) for _ in range(3)] == [1, 0, 0]
    assert channels.fetch_mail(other) == 1  # its own schedule
    assert fetches == [id(ctx), id(other)]


def test_every_new_context_reads_the_mailbox_at_its_first_tick(fetches: list[int]) -> None:
    """Contexts built one after another (tests, a reload) often reuse the memory of the one before: a schedule
    kept by address would make the new one wait out the old one's hour, and the table would grow with each."""
    before = len(channels._fetch_schedules)
    for _ in range(20):
        ctx = _Context()
        assert channels.fetch_mail(ctx) == 1
        del ctx  # freed at once (no reference cycle): the next one often gets its memory
    gc.collect()
    assert len(fetches) == 20
    assert len(channels._fetch_schedules) == before
