"""E-mail in against a real IMAP server (Dovecot on loopback) and a drop folder: mails land on the right case's
timeline, attachments go through the real capture (Tesseract) and tick the checklist, an unknown sender becomes
a routing item, replies stay on their case, and a crash between commit and move loses and doubles nothing."""
from __future__ import annotations

import dataclasses
from email.message import EmailMessage
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted
from sqlalchemy import func, select

from engine.models import InboundMail, Interaction
from engine.services import auth, cases, channels, documents, mail_sources, scheduler, selfservice, work
from engine.services.parties import Customer
from tests.capture.documents import DOCUMENTS, encode, scan
from tests.channels.mailservers import dovecot, Dovecot  # noqa: F401 - fixture
from webapp import cli

PAYSLIP = encode(scan(DOCUMENTS["payslip"][0], seed=5), "PNG")


def mail(subject: str, sender: str = "jane.doe@example.com", body: str = "Hello,\nplease find it attached.",
         attachment: tuple[str, bytes] | None = None, message_id: str | None = None,
         in_reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Jane Doe <{sender}>"
    msg["To"] = "claims@caseworks.test"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or f"<{abs(hash((subject, sender, body)))}@mail.example.com>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    if attachment:
        msg.add_attachment(attachment[1], maintype="image", subtype="png", filename=attachment[0])
    return bytes(msg)


def open_loan(ctx, email: str = "jane.doe@example.com",  # type: ignore[no-untyped-def]
              provided: tuple[str, ...] = ("id_document", "payslip", "bank_statement")) -> str:
    view, _ = cases.open_case(ctx, cases.OpenCase("loan", Customer("Jane Doe", email=email), "web", {
        "amount": 12000, "term_months": 48, "purpose": "car", "monthly_income": 2500, "monthly_debts": 150,
        "employment_type": "employed", "documents_provided": list(provided)}), "web")
    return str(view["reference"])


def with_mailbox(ctx, server: Dovecot):  # type: ignore[no-untyped-def]
    return dataclasses.replace(ctx, settings=ctx.settings.with_(
        imap_host="127.0.0.1", imap_port=server.port, imap_ssl=False, imap_user=server.user,
        imap_password=server.password))


def deliver(server: Dovecot, *raws: bytes) -> None:
    with MailBoxUnencrypted("127.0.0.1", server.port).login(server.user, server.password) as box:
        for raw in raws:
            box.append(raw, "INBOX")


def folders(server: Dovecot) -> dict[str, int]:
    with MailBoxUnencrypted("127.0.0.1", server.port).login(server.user, server.password) as box:
        counts = {}
        for f in box.folder.list():
            box.folder.set(f.name)
            counts[f.name] = len(box.uids())
        return counts


def doc_sha(ctx, document_id: int) -> str:  # type: ignore[no-untyped-def]
    return str(documents.get_document(ctx, document_id)["sha256"])


def work_jobs(ctx) -> None:  # type: ignore[no-untyped-def]
    while scheduler.run_due_jobs(ctx):
        pass


def test_a_payslip_mailed_with_the_reference_lands_on_the_case_and_ticks_the_checklist(ctx, dovecot):  # noqa: F811
    # No payslip declared: a payslip declared at the desk may be the very one that arrives by mail, so the
    # checklist counts the larger of declared and captured per type, never their sum.
    ref = open_loan(ctx, provided=("id_document", "bank_statement"))
    assert cases.get_case(ctx, ref)["checklist"]["missing"] == ["payslip", "payslip"]
    deliver(dovecot, mail(f"A payslip for {ref}", sender="someone.else@example.org",
                          attachment=("payslip-october.png", PAYSLIP)))
    report = mail_sources.fetch_imap(with_mailbox(ctx, dovecot))
    assert [(o.case_reference, o.matched_by) for o in report.new] == [(ref, "reference in subject")]
    assert folders(dovecot) == {"INBOX": 0, "Processed": 1}
    work_jobs(ctx)
    case = cases.get_case(ctx, ref)
    assert case["checklist"]["missing"] == ["payslip"] and case["checklist"]["received"].count("payslip") == 1
    [doc] = [d for d in case["documents"] if d["doc_type"] == "payslip"]
    assert doc["filename"] == "payslip-october.png" and doc["status"] == "indexed"
    [entry] = [e for e in cases.timeline(ctx, ref) if e["type"] == "interaction"]
    assert (entry["channel"], entry["direction"]) == ("email", "inbound")
    assert entry["summary"] == f"A payslip for {ref} (1 attachment)"
    assert [a["filename"] for a in entry["payload"]["attachments"]] == ["payslip-october.png"]
    assert entry["payload"]["attachments"][0]["sha256"] == doc_sha(ctx, doc["id"])  # the mail names its document


def test_a_mail_from_an_unknown_sender_becomes_a_routing_item_then_lands_where_a_person_says(ctx, dovecot):  # noqa: F811
    ref = open_loan(ctx)
    deliver(dovecot, mail("My documents", sender="stranger@elsewhere.example", attachment=("p.png", PAYSLIP)))
    report = mail_sources.fetch_imap(with_mailbox(ctx, dovecot))
    assert [o.case_reference for o in report.new] == [None]
    [item] = work.list_work_items(ctx, work.WorkFilter(queue="document_intake"))
    assert (item["kind"], item["title"], item["case_reference"]) == ("route_email", "Route inbound e-mail", None)
    assert [e for e in cases.timeline(ctx, ref) if e["type"] == "interaction"] == []
    auth.ensure_user(ctx, "router", ["backoffice"])
    who = auth.principal_for(ctx, "router")
    work.claim(ctx, item["id"], who)
    work.complete(ctx, item["id"], {"case_reference": ref}, who)
    work_jobs(ctx)
    case = cases.get_case(ctx, ref)
    assert [e["summary"] for e in cases.timeline(ctx, ref) if e["type"] == "interaction"] == [
        "My documents (1 attachment)"]
    assert [d["filename"] for d in case["documents"]] == ["p.png"]


def test_the_senders_only_open_case_and_a_reply_in_the_thread_find_their_case(ctx, dovecot):  # noqa: F811
    ref = open_loan(ctx)
    first = mail("Question about my loan", message_id="<q1@mail.example.com>")
    reply = mail("Re: Question about my loan", sender="partner@other.example", body="Adding to this.",
                 message_id="<q2@mail.example.com>", in_reply_to="<q1@mail.example.com>")
    deliver(dovecot, first, reply)
    report = mail_sources.fetch_imap(with_mailbox(ctx, dovecot))
    assert [(o.case_reference, o.matched_by) for o in report.new] == [
        (ref, "sender's only open case"), (ref, "thread")]


def test_a_crash_between_commit_and_move_loses_and_doubles_nothing(ctx, dovecot):  # noqa: F811
    ref = open_loan(ctx)
    deliver(dovecot, *[mail(f"Note {n} on {ref}", message_id=f"<n{n}@mail.example.com>") for n in range(3)])

    def crash_on_second(uid: str, seen: list[str] = []) -> None:  # noqa: B006 - counts calls
        seen.append(uid)
        if len(seen) == 2:
            raise SystemExit("worker killed after the commit, before the move")

    boxed = with_mailbox(ctx, dovecot)
    with pytest.raises(SystemExit):  # a crash simulated at the worst moment: committed but not yet moved
        mail_sources.fetch_imap(boxed, after_commit=crash_on_second)
    assert folders(dovecot) == {"INBOX": 2, "Processed": 1}
    again = mail_sources.fetch_imap(boxed)
    assert (len(again.new), again.already) == (1, 1)  # the committed one is only moved now
    assert folders(dovecot) == {"INBOX": 0, "Processed": 3}
    with ctx.read() as session:
        assert session.scalar(select(func.count()).select_from(InboundMail)) == 3
        assert session.scalar(select(func.count()).select_from(Interaction)) == 3
    summaries = sorted(e["summary"] for e in cases.timeline(ctx, ref) if e["type"] == "interaction")
    assert summaries == [f"Note {n} on {ref}" for n in range(3)]


def test_a_wrong_password_is_a_clear_error(ctx, dovecot):  # noqa: F811
    boxed = dataclasses.replace(ctx, settings=with_mailbox(ctx, dovecot).settings.with_(imap_password="nope"))
    with pytest.raises(Exception, match="refused the login"):
        mail_sources.fetch_imap(boxed)


def test_mail_fetch_folder_on_the_command_line(ctx, settings, tmp_path: Path, monkeypatch, capsys):
    ref = open_loan(ctx)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.eml").write_bytes(mail(f"About {ref}", message_id="<a@x>"))
    (drop / "b.eml").write_bytes(mail("No idea", sender="nobody@nowhere.example", message_id="<b@x>"))
    monkeypatch.setenv("CASEWORKS_HOME", str(settings.home))
    monkeypatch.setenv("CASEWORKS_DATABASE_URL", settings.database_url)
    assert cli.main(["mail", "fetch", "--folder", str(drop)]) == 0
    out = capsys.readouterr().out
    assert "<a@x>"[1:-1] + f": on {ref}" in out and "Route inbound e-mail" in out and "2 new mail(s)" in out
    assert sorted(p.name for p in (drop / "processed").iterdir()) == ["a.eml", "b.eml"]
    assert list(drop.glob("*.eml")) == []
    (drop / "c.eml").write_bytes((drop / "processed" / "a.eml").read_bytes())  # the same mail dropped again
    assert cli.main(["mail", "fetch", "--folder", str(drop)]) == 0
    assert "0 new mail(s), 1 already taken in" in capsys.readouterr().out


def test_the_routing_item_page_shows_the_mail(ctx, app, tmp_path):
    auth.ensure_user(ctx, "router", ["backoffice"], password="correct horse battery")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "x.eml").write_bytes(mail("Where is my money?", sender="who@nowhere.example",
                                      body="I sent my claim weeks ago.", message_id="<w@x>"))
    mail_sources.fetch_folder(ctx, drop)
    [item] = work.list_work_items(ctx, work.WorkFilter(queue="document_intake"))
    browser = app.test_client()
    login = browser.get("/login").get_data(as_text=True)
    token = login.split('name="csrf_token" value="')[1].split('"')[0]
    browser.post("/login", data={"username": "router", "password": "correct horse battery", "csrf_token": token})
    html = browser.get(f"/work/items/{item['id']}").get_data(as_text=True)
    assert "E-mail from who@nowhere.example" in html and "Where is my money?" in html
    assert "I sent my claim weeks ago." in html


def test_words_from_a_stranger_naming_a_case_never_reach_the_customers_page(ctx, client, tmp_path):
    ref = open_loan(ctx)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "x.eml").write_bytes(mail(f"{ref}: click http://phish.example now", sender="mallory@evil.example",
                                      message_id="<m@x>"))
    (drop / "y.eml").write_bytes(mail(f"My payslip for {ref}", message_id="<j@x>"))
    mail_sources.fetch_folder(ctx, drop)
    link = selfservice.create_link(ctx, ref, "desk", "http://localhost")
    html = client.get(link["url"].removeprefix("http://localhost")).get_data(as_text=True)
    assert "phish" not in html and "Message received" in html
    assert f"My payslip for {ref}" in html  # the customer's own mail, from their known address


def test_the_worker_reads_the_mailbox_on_its_schedule(ctx, dovecot):  # noqa: F811
    ref = open_loan(ctx)
    boxed = with_mailbox(ctx, dovecot)
    boxed = dataclasses.replace(boxed, settings=boxed.settings.with_(imap_interval=3600))
    deliver(dovecot, mail(f"First word on {ref}", message_id="<s1@x>"))
    channels.tick(boxed)
    deliver(dovecot, mail(f"Second word on {ref}", message_id="<s2@x>"))
    channels.tick(boxed)  # within the interval: the mailbox is not read again yet
    assert folders(dovecot) == {"INBOX": 1, "Processed": 1}
    assert [e["summary"] for e in cases.timeline(ctx, ref) if e["type"] == "interaction"] == [f"First word on {ref}"]
