"""The measuring half of bench/scale.py: timed requests per view through the Flask app, plans for the slow ones,
the pre-change worklist query and counts as the baseline, and bytes per case."""
from __future__ import annotations

import os
import re
import statistics
from collections import Counter
import time
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import event, text

from engine.bootstrap import build
from engine.services import auth, worklist
from engine.settings import Settings
from webapp import create_app

PASSWORD = "scale-bench-password-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
API_AIM, UI_AIM, PAGE_AIM = 20.0, 100.0, 50.0
SQLITE_AIM = 50.0  # the embedded default, every view, at its own scale (100,000 cases)


@dataclass
class View:
    kind: str
    name: str
    aim: float
    call: Callable[[int], Any]


class Recorder:
    """Every SQL statement a request runs, with its parameters and time (to EXPLAIN the slowest)."""

    def __init__(self, engines: list[Any]) -> None:
        self.on = False
        self.statements: list[tuple[float, str, Any]] = []
        # One listener per pool: the PostgreSQL read engine is the write engine with autocommit (same pool), and a
        # listener on the write engine already hears its statements.
        for engine in {id(e.pool): e for e in reversed(engines)}.values():
            event.listen(engine, "before_cursor_execute", self._before)
            event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        conn.info["scale_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if self.on and not many:
            self.statements.append((time.perf_counter() - conn.info.pop("scale_started", 0.0), statement, params))


def _login(client: Any, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page)
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token.group(1) if token else ""})
    assert response.status_code in (302, 303), f"login as {username} failed: {response.status_code}"


def _fixtures(ctx: Any) -> dict[str, Any]:
    """Who and what the views are measured with: the busiest claimant, their queue, open cases, a common name."""
    with ctx.db.read_engine.connect() as conn:
        member = conn.execute(text("""
            SELECT u.username, u.id FROM users u JOIN work_items w ON w.assignee_id = u.id
            WHERE w.state = 'claimed' AND u.username LIKE '%-%' GROUP BY u.username, u.id
            ORDER BY count(*) DESC LIMIT 1""")).one()
        queue = conn.execute(text("SELECT queue FROM work_items WHERE assignee_id = :u AND state = 'claimed' "
                                  "GROUP BY queue ORDER BY count(*) DESC LIMIT 1"), {"u": member.id}).scalar_one()
        refs = [r[0] for r in conn.execute(text("SELECT reference FROM cases WHERE status <> 'closed' "
                                                "ORDER BY id DESC LIMIT 500"))]
        names = Counter(r[0].split()[-1] for r in conn.execute(text("SELECT name FROM parties WHERE id % 20 = 0")))
        surname = names.most_common(1)[0][0]
        surname_count = conn.execute(text("SELECT count(*) FROM parties WHERE name LIKE :p"),
                                     {"p": f"% {surname}"}).scalar_one()
        phones = [r[0] for r in conn.execute(text("SELECT phone FROM parties WHERE phone IS NOT NULL "
                                                  "ORDER BY id DESC LIMIT 200"))]
    auth.ensure_user(ctx, member.username, ["backoffice"], password=PASSWORD)
    auth.ensure_user(ctx, "scale-admin", ["admin"], password=PASSWORD)
    return {"member": member.username, "queue": queue, "refs": refs, "surname": surname,
            "surname_count": surname_count, "phones": phones,
            "member_token": auth.create_token(ctx, member.username, "backoffice"),
            "admin_token": auth.create_token(ctx, "scale-admin", "admin")}


def _views(app: Any, ctx: Any, f: dict[str, Any]) -> list[View]:
    member_ui, admin_ui, api = app.test_client(), app.test_client(), app.test_client()
    _login(member_ui, f["member"])
    _login(admin_ui, "scale-admin")
    member = {"Authorization": f"Bearer {f['member_token']}"}
    admin = {"Authorization": f"Bearer {f['admin_token']}"}
    q = f["queue"]
    first = api.get(f"/api/v1/work-items?queue={q}", headers=member).get_json()
    cursor = first["next_cursor"]
    who = auth.principal_for(ctx, f["member"])
    boss = auth.principal_for(ctx, "scale-admin")
    refs, phones = f["refs"], f["phones"]

    def get(client: Any, url: str, headers: dict[str, str] | None = None) -> Callable[[int], Any]:
        def call(_: int) -> Any:
            response = client.get(url, headers=headers or {})
            assert response.status_code == 200, f"{url}: {response.status_code}"
            return response
        return call

    def vary(client: Any, pattern: str, values: list[str], headers: dict[str, str] | None = None) -> Callable:
        def call(i: int) -> Any:
            url = pattern.format(values[i % len(values)])
            response = client.get(url, headers=headers or {})
            assert response.status_code in (200, 302), f"{url}: {response.status_code}"
            return response
        return call

    return [
        View("API", f"work-items?queue={q}", API_AIM, get(api, f"/api/v1/work-items?queue={q}", member)),
        View("API", "work-items (all queues, admin)", API_AIM, get(api, "/api/v1/work-items", admin)),
        View("API", "work-items?overdue=true", API_AIM, get(api, "/api/v1/work-items?overdue=true", admin)),
        View("API", "work-items?assignee=me", API_AIM, get(api, "/api/v1/work-items?assignee=me", member)),
        View("API", f"work-items?queue={q}&assignee=none", API_AIM,
             get(api, f"/api/v1/work-items?queue={q}&assignee=none", member)),
        View("API", "work-items page 2 (cursor)", API_AIM,
             get(api, f"/api/v1/work-items?queue={q}&cursor={cursor}", member)),
        View("count", "tab counts (team member)", API_AIM, lambda i: worklist.worklist_counts(ctx, who)),
        View("count", "tab counts (admin)", API_AIM, lambda i: worklist.worklist_counts(ctx, boss)),
        View("UI", "/work (team member)", UI_AIM, get(member_ui, "/work")),
        View("UI", "/work (admin)", UI_AIM, get(admin_ui, "/work")),
        View("UI", "/work?view=mine", UI_AIM, get(member_ui, "/work?view=mine")),
        View("UI", "/work?view=unassigned", UI_AIM, get(member_ui, "/work?view=unassigned")),
        View("UI", "/work?view=overdue", UI_AIM, get(member_ui, "/work?view=overdue")),
        View("UI", "/work?view=overdue (admin)", UI_AIM, get(admin_ui, "/work?view=overdue")),
        View("UI", "/work?sort=priority", UI_AIM, get(member_ui, "/work?sort=priority")),
        View("UI", "/work saved filter (unassigned, one queue, priority)", UI_AIM,
             get(member_ui, f"/work?view=unassigned&queue={q}&sort=priority")),
        View("UI", "/work page 2 (cursor)", UI_AIM, get(member_ui, f"/work?after={cursor}")),
        View("UI", "/work/table (live refresh)", UI_AIM, get(member_ui, "/work/table")),
        View("page", "case page /cases/<ref>", PAGE_AIM, vary(member_ui, "/cases/{}", refs)),
        View("page", "API GET /cases/<ref>", PAGE_AIM, vary(api, "/api/v1/cases/{}", refs, member)),
        View("page", f"desk search '{f['surname']}' ({f['surname_count']:,} customers)", PAGE_AIM,
             get(admin_ui, f"/desk?q={f['surname']}&list=1")),
        View("page", "desk search by phone", PAGE_AIM, vary(admin_ui, "/desk?q={}&list=1", phones)),
        View("page", "desk search by reference", PAGE_AIM, vary(admin_ui, "/desk?q={}&list=1", refs)),
        View("page", "search ?q=<surname>", PAGE_AIM, get(api, f"/api/v1/search?q={f['surname']}", member)),
        View("page", "search ?q=<reference>", PAGE_AIM, vary(api, "/api/v1/search?q={}", refs, member)),
    ]


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def _explain(ctx: Any, statement: str, params: Any) -> str:
    with ctx.db.read_engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
        return "\n".join("      " + " ".join(str(c) for c in r) for r in rows)


def _baseline(ctx: Any, queue: str, runs: int = 3) -> list[tuple[str, float]]:
    """The pre-change worklist query and tab counts (what the issue measured), on the same data."""
    old_page = text("""
        SELECT w.id, w.title, c.reference, p.name, u.username FROM work_items w
        LEFT JOIN cases c ON c.id = w.case_id LEFT JOIN parties p ON p.id = c.party_id
        LEFT JOIN users u ON u.id = w.assignee_id
        WHERE w.state IN ('ready', 'claimed') AND w.queue = :q
        ORDER BY w.due_at IS NULL, w.due_at, w.priority DESC, w.id LIMIT 100""")
    old_all = text("""
        SELECT w.id, w.title, c.reference, p.name, u.username FROM work_items w
        LEFT JOIN cases c ON c.id = w.case_id LEFT JOIN parties p ON p.id = c.party_id
        LEFT JOIN users u ON u.id = w.assignee_id
        WHERE w.state IN ('ready', 'claimed')
        ORDER BY w.due_at IS NULL, w.due_at, w.priority DESC, w.id LIMIT 100""")
    old_counts = text("""
        SELECT sum(CASE WHEN w.assignee_id = 1 THEN 1 ELSE 0 END), sum(CASE WHEN w.queue = :q THEN 1 ELSE 0 END),
               sum(CASE WHEN w.assignee_id IS NULL AND w.queue = :q THEN 1 ELSE 0 END),
               sum(CASE WHEN w.due_at < CURRENT_TIMESTAMP AND w.queue = :q THEN 1 ELSE 0 END)
        FROM work_items w WHERE w.state IN ('ready', 'claimed')""")
    found = []
    with ctx.db.read_engine.connect() as conn:
        for name, statement in (("worklist one queue (before)", old_page), ("worklist all queues (before)", old_all),
                                ("tab counts (before)", old_counts)):
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                conn.execute(statement, {"q": queue}).all()
                samples.append((time.perf_counter() - started) * 1000)
            found.append((name, statistics.median(samples)))
    return found


def storage(ctx: Any) -> list[str]:
    """Bytes per case by status: process state, events, work items, search entries (PostgreSQL column sizes)."""
    if ctx.db.is_sqlite:
        return []
    with ctx.db.read_engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT c.status = 'closed' AS closed, count(*) AS n,
                   avg(pg_column_size(i.state)) AS state,
                   avg((SELECT sum(pg_column_size(e.*)) FROM events e WHERE e.case_id = c.id)) AS events,
                   avg((SELECT sum(pg_column_size(w.*)) FROM work_items w WHERE w.case_id = c.id)) AS items,
                   avg((SELECT sum(pg_column_size(s.*)) FROM search_entries s
                        WHERE s.kind = 'case' AND s.ref = c.reference)) AS search
            FROM (SELECT * FROM cases TABLESAMPLE SYSTEM (1)) c
            JOIN process_instances i ON i.case_id = c.id GROUP BY 1 ORDER BY 1""")).all()
        sizes = conn.execute(text("""
            SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relname IN
            ('process_instances', 'events', 'work_items', 'search_entries', 'cases', 'parties', 'party_identifiers')
            ORDER BY 2 DESC""")).all()
    lines = [f"  {'closed' if r.closed else 'open/waiting':<13} sample {r.n:>6}: state {r.state or 0:>6.0f} B, "
             f"events {r.events or 0:>6.0f} B, work items {r.items or 0:>5.0f} B, search {r.search or 0:>5.0f} B"
             for r in rows]
    lines += [f"  {name:<18} {size / 2**20:>9.1f} MB (with indexes and TOAST)" for name, size in sizes]
    return lines


def measure(settings: Settings, requests: int, log: Callable[[str], None]) -> int:
    ctx = build(settings.with_(worker_enabled=False))
    try:
        recorder = Recorder([ctx.db.write_engine, ctx.db.read_engine])
        app = create_app(context=ctx)
        f = _fixtures(ctx)
        with ctx.db.read_engine.connect() as conn:
            volume = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                      for t in ("cases", "work_items", "events", "parties")}
            volume["open items"] = conn.execute(text(
                "SELECT count(*) FROM work_items WHERE state IN ('ready', 'claimed')")).scalar_one()
        log("volume: " + ", ".join(f"{k} {v:,}" for k, v in volume.items()))
        log(f"measured as {f['member']} (queue {f['queue']}) and an admin; {requests} requests per view\n")
        log(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (a shared machine: 'cpu p95' is the "
            "request's own CPU time in this process, wall time minus waiting for a core and for the database)")
        log(f"{'kind':<6} {'request':<58} {'p50 ms':>8} {'p95 ms':>8} {'cpu p95':>8} {'aim':>6}")
        over = 0
        for view in _views(app, ctx, f):
            view.aim = SQLITE_AIM if ctx.db.is_sqlite else view.aim
            for i in range(3):
                view.call(i)  # warm: caches, prepared statements
            samples, cpu, slowest = [], [], (0.0, [])
            for i in range(requests):
                recorder.statements, recorder.on = [], True
                started, started_cpu = time.perf_counter(), time.thread_time()
                view.call(i)
                took = (time.perf_counter() - started) * 1000
                cpu.append((time.thread_time() - started_cpu) * 1000)
                recorder.on = False
                samples.append(took)
                if took >= slowest[0]:
                    slowest = (took, list(recorder.statements))
            p50, p95 = _pct(samples, 0.5), _pct(samples, 0.95)
            flag = "" if p95 <= view.aim else "  OVER"
            log(f"{view.kind:<6} {view.name[:58]:<58} {p50:>8.1f} {p95:>8.1f} {_pct(cpu, 0.95):>8.1f} "
                f"{view.aim:>6.0f}{flag}")
            if flag and slowest[1]:
                over += 1
                took, statement, params = max(slowest[1], key=lambda s: s[0])
                log(f"    slowest statement {took * 1000:.1f} ms:\n      {statement.strip()[:600]}")
                log(_explain(ctx, statement, params))
        log("\nbaseline in this run (the pre-change queries on the same data, median of 3):")
        for name, ms in _baseline(ctx, f["queue"]):
            log(f"       {name:<58} {ms:>8.1f}")
        lines = storage(ctx)
        if lines:
            log("\nstorage per case (1% sample) and per table:")
            for line in lines:
                log(line)
        log(f"\n{over} view(s) over their aim")
        return 1 if over else 0
    finally:
        ctx.db.dispose()


__all__ = ["measure", "storage", "PASSWORD"]
