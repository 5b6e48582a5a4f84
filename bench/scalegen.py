"""Fill a PostgreSQL database with N cases shaped exactly like the product writes them, set-based and fast.

How: the demo (``webapp.demo``) plays every story of the three processes through the real service layer, so its
cases, process instances, work items, events and search entries are what Caseworks writes, in every state. Each
of the N new cases is a copy of one of those templates (chosen by a weighted slot table: mostly closed, a third
open, some waiting), with its own customer, reference, times shifted to its own start, open items due from two
days ago to ten days ahead, and a share of them claimed by people of the teams that work their queue. Every
table is filled by ``INSERT ... SELECT`` over ``generate_series`` in chunks, inside PostgreSQL: no row crosses
the wire and no Python runs per case (that is what makes a million cases fit in minutes on two cores).
"""
from __future__ import annotations

import time
from typing import Any, Callable

from sqlalchemy import Connection, text

from engine import search

# Status mix of the generated cases: the share of each template status (by weight of 1,000 slots).
STATUS_SHARE = {"closed": 0.56, "open": 0.34, "waiting": 0.10}
PARTIES_PER_CASE = 0.75      # a quarter of customers come back with a second case
CLAIMED_SHARE = 0.25         # open items someone has claimed (the rest wait in their queue)
PEOPLE_PER_TEAM = 25
CHUNK = 50_000
FIRST = ("Emma Noah Sophie Liam Julia Lucas Mila Finn Sara Daan Anna Sem Eva Levi Lotte Luuk Nina Milan Tess Jesse "
         "Fleur Thijs Zoe Bram Lisa Lars Isa Ruben Elin Sven Maria Jonas Laura Felix Lea Oscar Ava Elias Chloe Mateo "
         "Hannah Amelia Isla Leon Grace Theo Nora Samuel Adam Freya Mason Olivia Mia Ines Omar Yara Ali Aylin Can "
         "Deniz Kofi Amara Priya Arjun Wei Mei Hiro Yuki Ivan Olga Piotr Zofia Carmen Diego Lucia Pablo Aoife Sean").split()
LAST_NAMES = ("Jansen de_Jong de_Vries van_den_Berg van_Dijk Bakker Janssen Visser Smit Meijer de_Boer Mulder de_Groot "
        "Bos Vos Peters Hendriks van_Leeuwen Dekker Brouwer de_Wit Dijkstra Smits de_Graaf van_der_Meer van_der_Linden "
        "Kok Jacobs de_Haan Vermeulen van_den_Heuvel van_der_Veen van_den_Broek de_Bruijn de_Bruin van_der_Heijden "
        "Schouten van_Beek Willems van_Vliet van_de_Ven Hoekstra Maas Verhoeven Koster van_Dam van_der_Wal Prins "
        "Blom Huisman Peeters Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein "
        "Wolf Schroeder Neumann Schwarz Zimmermann Braun Krueger Hofmann Hartmann Lange Schmitt Werner Krause Meier "
        "Lehmann Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel "
        "Garcia Fernandez Gonzalez Rodriguez Lopez Martinez Sanchez Perez Gomez Rossi Russo Ferrari Esposito Bianchi "
        "Romano Colombo Ricci Marino Greco Novak Kowalski Nowak Wisniewski Wojcik Nilsson Hansen Johansson Larsen "
        "Murphy Kelly OBrien Walsh Smith Jones Taylor Brown Williams Wilson Evans Cohen Levi Yilmaz Kaya Demir Sahin "
        "Celik Ozdemir Nguyen Tran Le Pham Kim Lee Park Chen Wang Li Zhang Liu Singh Patel Kumar Sharma Okafor "
        "Mensah Diallo Traore Haddad Khalil")
LAST = [name.replace("_", " ") for name in LAST_NAMES.split()]
SURNAME_SKEW = 1.35          # rank-skew of last names: the commonest one is carried by about 2.3% of customers


def _sql_array(words: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + w.replace("'", "''") + "'" for w in words) + "]::text[]"


def prepare_templates(conn: Connection) -> dict[str, int]:
    """Number the demo's cases as templates and lay out the weighted slot table that picks one per new case."""
    conn.execute(text("DROP TABLE IF EXISTS scale_tpl, scale_slots, scale_team_people"))
    conn.execute(text("""
        CREATE UNLOGGED TABLE scale_tpl AS
        SELECT row_number() OVER (ORDER BY c.id)::int - 1 AS t, c.id AS case_id, c.status, c.created_at,
               split_part(c.reference, '-', 1) AS prefix, p.email AS p_email, p.phone AS p_phone, ''::text AS words
        FROM cases c JOIN parties p ON p.id = c.party_id WHERE c.status IN ('open', 'waiting', 'closed')"""))
    for t, data in conn.execute(text("SELECT t.t, c.data FROM scale_tpl t JOIN cases c ON c.id = t.case_id")).all():
        words = search.fold(" ".join(search.flatten(data or {})))
        conn.execute(text("UPDATE scale_tpl SET words = :w WHERE t = :t"), {"w": words, "t": t})
    by_status = dict(conn.execute(text("SELECT status, count(*) FROM scale_tpl GROUP BY status")).all())
    conn.execute(text("CREATE UNLOGGED TABLE scale_slots (slot int PRIMARY KEY, t int NOT NULL)"))
    slot = 0
    for status, share in STATUS_SHARE.items():
        templates = [r[0] for r in conn.execute(text("SELECT t FROM scale_tpl WHERE status = :s ORDER BY t"),
                                                {"s": status})]
        for i in range(round(1000 * share)) if templates else ():
            conn.execute(text("INSERT INTO scale_slots VALUES (:slot, :t)"),
                         {"slot": slot, "t": templates[i % len(templates)]})
            slot += 1
    return {"templates": sum(by_status.values()), "slots": slot, **by_status}


def add_people(conn: Connection, hashed_password: str, now: Any) -> int:
    """PEOPLE_PER_TEAM back-office users in each team, and the pool (queue -> people) that claims open items."""
    teams = conn.execute(text("SELECT id, name, queues FROM teams")).all()
    for team_id, name, _queues in teams:
        slug = "".join(ch for ch in name.lower() if ch.isalnum())
        conn.execute(text("""
            INSERT INTO users (username, display_name, password_hash, roles, team_id, active, created_at)
            SELECT :slug || '-' || g, :name || ' member ' || g, :pw, '["backoffice"]'::jsonb, :team, true, :now
            FROM generate_series(1, :n) g ON CONFLICT (username) DO NOTHING"""),
            {"slug": slug, "name": name, "pw": hashed_password, "team": team_id, "now": now, "n": PEOPLE_PER_TEAM})
    conn.execute(text("""
        CREATE UNLOGGED TABLE scale_team_people AS
        SELECT q.queue, row_number() OVER (PARTITION BY q.queue ORDER BY u.id)::int - 1 AS k, u.id AS user_id
        FROM teams tm CROSS JOIN LATERAL jsonb_array_elements_text(tm.queues) AS q(queue)
        JOIN users u ON u.team_id = tm.id WHERE u.active"""))
    conn.execute(text("ALTER TABLE scale_team_people ADD COLUMN n int"))
    conn.execute(text("UPDATE scale_team_people p SET n = x.n FROM (SELECT queue, count(*)::int AS n "
                      "FROM scale_team_people GROUP BY queue) x WHERE x.queue = p.queue"))
    conn.execute(text("CREATE INDEX ON scale_team_people (queue, k)"))
    return int(conn.execute(text("SELECT count(*) FROM users")).scalar_one())


MAP_SQL = """
    INSERT INTO scale_map (g, case_id, t, tpl_case, party_id, new_party, delta, due_shift, person, prefix)
    SELECT g, :case_base + g, s.t, tp.case_id, :first_party + ((g - 1) % :parties), g <= :parties,
           (CASE WHEN tp.status = 'closed' THEN :now - (random() * interval '700 days') - interval '20 days'
                 ELSE :now - (random() * interval '12 days') END) - tp.created_at,
           random() * interval '12 days' - interval '2 days', random(), tp.prefix
    FROM generate_series(1, :n) g
    JOIN scale_slots s ON s.slot = (g::bigint * 7919) % (SELECT count(*) FROM scale_slots)
    JOIN scale_tpl tp ON tp.t = s.t"""

# References run per prefix and year (CLM-2026-000123), above what the product already numbered.
REFERENCE_SQL = """
    UPDATE scale_map m SET reference = x.prefix || '-' || x.y || '-' || lpad(x.seq::text, 6, '0'), seq = x.seq, year = x.y
    FROM (SELECT m2.g, m2.prefix, extract(year FROM tp.created_at + m2.delta)::int AS y,
                 coalesce((SELECT max(value) FROM counters WHERE key = m2.prefix || '-' ||
                           extract(year FROM tp.created_at + m2.delta)::int), 0) + row_number() OVER (
                     PARTITION BY m2.prefix, extract(year FROM tp.created_at + m2.delta)::int ORDER BY m2.g) AS seq
          FROM scale_map m2 JOIN scale_tpl tp ON tp.t = m2.t) x
    WHERE x.g = m.g"""


def _chunk_sql(first_party: int) -> list[tuple[str, str]]:
    """The statements filling one chunk of cases ``g`` in [:lo, :hi]; each reads the chunk's row of scale_map."""
    first, last = _sql_array(FIRST), _sql_array(LAST)
    return [
        ("parties", f"""
        INSERT INTO parties (id, name, email, phone, created_at)
        SELECT m.party_id, f.name || ' ' || l.name,
               lower(f.name || '.' || replace(l.name, ' ', '') || '.' || m.g) || '@example.com',
               '+316' || lpad(m.g::text, 8, '0'), :now - interval '3 years'
        FROM scale_map m
        CROSS JOIN LATERAL (SELECT ({first})[1 + (m.g * 31 % {len(FIRST)})] AS name) f
        CROSS JOIN LATERAL (SELECT ({last})[1 + floor({len(LAST)} * power(random() + m.g * 0, {SURNAME_SKEW}))::int]
                            AS name) l
        WHERE m.g BETWEEN :lo AND :hi AND m.new_party"""),
        ("identifiers", """
        INSERT INTO party_identifiers (party_id, kind, value)
        SELECT p.id, k.kind, CASE k.kind WHEN 'email' THEN p.email WHEN 'phone' THEN p.phone
                                 ELSE 'CUST-' || p.id END
        FROM parties p JOIN scale_map m ON m.party_id = p.id AND m.new_party AND m.g BETWEEN :lo AND :hi
        CROSS JOIN (VALUES ('external_id'), ('email'), ('phone')) AS k(kind)"""),
        ("cases", """
        INSERT INTO cases (id, reference, case_type, party_id, status, status_text, stage, priority, sla_due_at,
                           channel, data, outcome, created_at, updated_at, closed_at)
        SELECT m.case_id, m.reference,
               c.case_type, m.party_id, c.status, c.status_text, c.stage, c.priority,
               CASE WHEN c.status = 'closed' THEN c.sla_due_at + m.delta ELSE :now + m.due_shift END,
               c.channel, c.data, c.outcome, c.created_at + m.delta, c.updated_at + m.delta, c.closed_at + m.delta
        FROM scale_map m JOIN cases c ON c.id = m.tpl_case JOIN scale_tpl tp ON tp.t = m.t
        WHERE m.g BETWEEN :lo AND :hi"""),
        ("instances", """
        INSERT INTO process_instances (case_id, process_version_id, state, version, next_timer_at, waiting_messages,
                                       completed, incident, updated_at)
        SELECT m.case_id, i.process_version_id, i.state, i.version,
               CASE WHEN i.next_timer_at IS NULL THEN NULL ELSE :now + interval '1 day' + m.due_shift END,
               i.waiting_messages, i.completed, i.incident, i.updated_at + m.delta
        FROM scale_map m JOIN process_instances i ON i.case_id = m.tpl_case
        WHERE m.g BETWEEN :lo AND :hi"""),
        ("work_items", """
        INSERT INTO work_items (case_id, kind, task_id, document_id, name, title, queue, state, assignee_id, priority,
                                due_at, form_file, separate_from, data, created_at, claimed_at, completed_at,
                                completed_by_id)
        SELECT m.case_id, w.kind, w.task_id, NULL, w.name, w.title, w.queue,
               CASE WHEN w.state IN ('ready', 'claimed') AND pp.user_id IS NOT NULL AND m.person < :claimed
                    THEN 'claimed' WHEN w.state IN ('ready', 'claimed') THEN 'ready' ELSE w.state END,
               CASE WHEN w.state IN ('ready', 'claimed') THEN
                        CASE WHEN m.person < :claimed THEN pp.user_id END
                    ELSE coalesce(done.user_id, w.assignee_id) END,
               w.priority,
               CASE WHEN w.due_at IS NULL THEN NULL WHEN w.state IN ('ready', 'claimed') THEN :now + m.due_shift
                    ELSE w.due_at + m.delta END,
               w.form_file, w.separate_from, w.data, w.created_at + m.delta,
               CASE WHEN w.state IN ('ready', 'claimed') AND m.person < :claimed THEN :now - interval '1 hour'
                    ELSE w.claimed_at + m.delta END,
               w.completed_at + m.delta,
               CASE WHEN w.completed_by_id IS NULL THEN NULL ELSE coalesce(done.user_id, w.completed_by_id) END
        FROM scale_map m JOIN work_items w ON w.case_id = m.tpl_case
        LEFT JOIN scale_team_people pp ON pp.queue = w.queue AND pp.k = (m.g * 13) % pp.n
        LEFT JOIN scale_team_people done ON done.queue = w.queue AND w.completed_by_id IS NOT NULL
             AND done.k = (m.g * 17) % done.n
        WHERE m.g BETWEEN :lo AND :hi ORDER BY m.g, w.id"""),
        ("events", """
        INSERT INTO events (case_id, kind, actor, payload, created_at)
        SELECT m.case_id, e.kind, e.actor, e.payload, e.created_at + m.delta
        FROM scale_map m JOIN events e ON e.case_id = m.tpl_case
        WHERE m.g BETWEEN :lo AND :hi ORDER BY m.g, e.id"""),
        ("search", """
        INSERT INTO search_entries (kind, ref, case_id, title, body)
        SELECT 'case', c.reference, c.id, c.reference || ' ' || p.name || ' ' || c.case_type,
               concat_ws(' ', c.status_text, p.email, p.phone, tp.words)
        FROM scale_map m JOIN cases c ON c.id = m.case_id JOIN parties p ON p.id = c.party_id
        JOIN scale_tpl tp ON tp.t = m.t
        WHERE m.g BETWEEN :lo AND :hi"""),
    ]


def generate(conn_factory: Callable[[], Any], cases: int, now: Any, log: Callable[[str], None]) -> dict[str, float]:
    """Add ``cases`` copies of the templates in chunks (one transaction each); returns seconds per table."""
    with conn_factory() as conn:
        case_base = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM cases")).scalar_one())
        first_party = int(conn.execute(text("SELECT coalesce(max(id), 0) + 1 FROM parties")).scalar_one())
        conn.execute(text("DROP TABLE IF EXISTS scale_map"))
        conn.execute(text("""CREATE UNLOGGED TABLE scale_map (g int PRIMARY KEY, case_id int, t int, tpl_case int,
                             party_id int, new_party bool, delta interval, due_shift interval, person float8,
                             prefix text, year int, seq int, reference text)"""))
        conn.execute(text("SELECT setseed(0.42)"))
        params = {"case_base": case_base, "parties": max(1, int(cases * PARTIES_PER_CASE)), "now": now,
                  "claimed": CLAIMED_SHARE, "first_party": first_party, "n": cases}
        started = time.perf_counter()
        conn.execute(text(MAP_SQL), params)
        conn.execute(text(REFERENCE_SQL))
        conn.execute(text("ANALYZE scale_map"))
        conn.commit()
    seconds: dict[str, float] = {"map": time.perf_counter() - started}
    statements = _chunk_sql(first_party)
    for lo in range(1, cases + 1, CHUNK):
        hi = min(cases, lo + CHUNK - 1)
        with conn_factory() as conn:
            for name, sql in statements:
                started = time.perf_counter()
                conn.execute(text(sql), {**params, "lo": lo, "hi": hi})
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
            conn.commit()
        log(f"  {hi:,} / {cases:,} cases")
    with conn_factory() as conn:
        _finish(conn)
        conn.commit()
    return seconds


def _finish(conn: Connection) -> None:
    """Sequences past the copied ids, and reference counters past the copied references (new cases follow)."""
    for table in ("cases", "parties", "party_identifiers", "process_instances", "work_items", "events", "users"):
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    conn.execute(text("""
        INSERT INTO counters (key, value)
        SELECT prefix || '-' || year, max(seq) FROM scale_map GROUP BY prefix, year
        ON CONFLICT (key) DO UPDATE SET value = greatest(counters.value, excluded.value)"""))
    conn.execute(text("DROP TABLE IF EXISTS scale_map"))


def finish_storage(engine: Any) -> None:
    """VACUUM (visibility map: index-only scans) and ANALYZE (the planner's statistics), as autovacuum would."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP TABLE IF EXISTS scale_tpl, scale_slots, scale_team_people"))
        conn.execute(text("VACUUM (ANALYZE)"))
