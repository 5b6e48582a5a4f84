"""Where mail comes from: an IMAP mailbox (imap-tools) or a drop folder of ``.eml`` files (development).

The order is always: record the mail (``mail_in.take_in`` commits it), then move it to the processed folder.
A crash between the two leaves the mail where it was; the next fetch finds it recorded (by Message-ID) and
only moves it. Nothing is deleted before it is committed, and nothing is recorded twice.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from imap_tools import BaseMailBox, MailBox, MailBoxUnencrypted
from imap_tools.errors import MailboxLoginError

from engine.context import Context
from engine.errors import CaseworksError, ValidationFailed
from engine.services import mail_in
from engine.settings import Settings

log = logging.getLogger("caseworks.mail")
MAX_MAIL_BYTES_FACTOR = 2  # a mail may carry one upload's worth of attachments, base64-encoded (4/3) and then some


@dataclass
class FetchReport:
    new: list[mail_in.Outcome] = field(default_factory=list)
    already: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, outcome: mail_in.Outcome) -> None:
        if outcome.new:
            self.new.append(outcome)
        else:
            self.already += 1


AfterCommit = Callable[[str], None]  # called with the mail's name after its commit, before it is moved (tests)


def _too_big(ctx: Context, size: int) -> bool:
    return size > ctx.settings.max_upload_bytes * MAX_MAIL_BYTES_FACTOR


def fetch_folder(ctx: Context, folder: Path, after_commit: AfterCommit | None = None) -> FetchReport:
    """Every ``*.eml`` in ``folder``, oldest name first; each moved to ``folder/processed/`` once committed."""
    if not folder.is_dir():
        raise ValidationFailed(f"{folder}: no such folder", details={"folder": str(folder)})
    done = folder / "processed"
    done.mkdir(exist_ok=True)
    report = FetchReport()
    for path in sorted(folder.glob("*.eml")):
        if _too_big(ctx, path.stat().st_size):
            report.problems.append(f"{path}: larger than {ctx.settings.max_upload_bytes * 2} bytes; left in place")
            continue
        try:
            report.add(mail_in.take_in(ctx, path.read_bytes()))
        except CaseworksError as err:
            report.problems.append(f"{path}: {err.message}; left in place")
            continue
        if after_commit is not None:
            after_commit(path.name)
        try:
            os.replace(path, done / path.name)
        except FileNotFoundError:
            pass  # another fetcher moved it first (it was recorded once, by Message-ID)
    return report


def open_mailbox(settings: Settings) -> BaseMailBox:
    if not settings.imap_host:
        raise ValidationFailed("no mailbox is configured: set CASEWORKS_IMAP_HOST, CASEWORKS_IMAP_USER and "
                               "CASEWORKS_IMAP_PASSWORD, or use --folder DIR")
    box = MailBox(settings.imap_host, settings.imap_port, timeout=30) if settings.imap_ssl else \
        MailBoxUnencrypted(settings.imap_host, settings.imap_port, timeout=30)
    try:
        box.login(settings.imap_user, settings.imap_password, initial_folder=settings.imap_folder)
    except MailboxLoginError as err:
        box.client.shutdown()
        raise ValidationFailed(f"the mail server at {settings.imap_host} refused the login of "
                               f"'{settings.imap_user}'; check CASEWORKS_IMAP_USER and CASEWORKS_IMAP_PASSWORD") from err
    return box


def fetch_imap(ctx: Context, after_commit: AfterCommit | None = None, limit: int = 200) -> FetchReport:
    """The mails in ``CASEWORKS_IMAP_FOLDER``, each moved to ``CASEWORKS_IMAP_PROCESSED_FOLDER`` once committed
    (created when missing). Read with ``mark_seen=False``: what is not committed stays as it was."""
    settings = ctx.settings
    report = FetchReport()
    with open_mailbox(settings) as box:
        if not box.folder.exists(settings.imap_processed_folder):
            box.folder.create(settings.imap_processed_folder)
        for message in box.fetch("ALL", mark_seen=False, limit=limit, bulk=False):
            raw = message.obj.as_bytes()
            if _too_big(ctx, len(raw)):
                report.problems.append(f"mail {message.uid}: too large; left in {settings.imap_folder}")
                continue
            try:
                report.add(mail_in.take_in(ctx, raw))
            except CaseworksError as err:
                report.problems.append(f"mail {message.uid}: {err.message}; left in {settings.imap_folder}")
                continue
            if after_commit is not None:
                after_commit(str(message.uid))
            box.move(str(message.uid), settings.imap_processed_folder)
    return report


def scheduled_fetch(ctx: Context) -> int:
    """The worker's periodic fetch (when a mailbox is configured); returns how many new mails came in."""
    if not ctx.settings.imap_host:
        return 0
    report = fetch_imap(ctx)
    for problem in report.problems:
        log.warning("mail fetch: %s", problem)
    return len(report.new)
