"""The `caseworks` command: serve, worker, db upgrade, token/user admin, process validation, demo data."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path
from typing import Any, Callable

from engine import celery_jobs
from engine.bootstrap import build
from engine.bpmn.loader import DefinitionError
from engine.bpmn.validate import validate_paths
from engine.context import Context
from engine.db import connect, upgrade
from engine.demo import load_demo, print_credentials
from engine.demo_credentials import print_reset, reset_credentials
from engine.errors import CaseworksError
from engine.services.auth import create_token, ensure_user
from engine.services.scheduler import BackgroundWorker, run_job
from engine.settings import Settings
from webapp import server

log = logging.getLogger("caseworks")


def _context(args: argparse.Namespace) -> Context:
    return build(Settings.from_env())


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    return server.serve(settings, args.host, args.port, args.threads, args.workers,
                        run_worker=settings.worker_enabled and not args.no_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    ctx = _context(args)
    sweeper = BackgroundWorker(ctx, args.interval)  # timers, and the sweep for jobs whose message was lost
    signal.signal(signal.SIGTERM, lambda *_: sweeper.stop())
    broker = ctx.settings.celery_broker
    if broker:
        print(f"Caseworks worker: jobs from Celery at {broker.split('@')[-1]}, timers every {args.interval}s",
              flush=True)
        sweeper.start()
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # Celery shuts down on KeyboardInterrupt
        try:
            celery_jobs.worker_main(celery_jobs.make_app(broker, runner=lambda job_id: run_job(ctx, job_id)))
        except KeyboardInterrupt:
            pass
        finally:
            sweeper.stop()
        return 0
    print(f"Caseworks worker: timers and jobs every {args.interval}s", flush=True)
    try:
        sweeper.run_forever()
    except KeyboardInterrupt:
        sweeper.stop()
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    db = connect(settings)
    upgrade(db)
    print(f"database at {settings.effective_database_url.split('@')[-1]} is up to date")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    token = create_token(_context(args), args.name, args.role)
    print(f"API token for {args.name} (role {args.role}); it is shown only once:")
    print(token)
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    user = ensure_user(_context(args), args.username, args.role, password=args.password,
                       display_name=args.display_name, team=args.team)
    print(f"user {user.username} has roles {', '.join(user.roles)}")
    return 0


def cmd_processes_validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or [Settings.from_env().processes_dir]
    problems = validate_paths(paths)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(f"ok: {', '.join(str(p) for p in paths)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.reset_credentials:
        print_reset(reset_credentials(_context(args)))
        return 0
    print_credentials(load_demo(_context(args)))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="caseworks", description="Caseworks case and document workflow engine. "
                                "Configuration: CASEWORKS_HOME (default ./var), CASEWORKS_DATABASE_URL.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the web server (waitress) with the in-process worker")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    s.add_argument("--workers", type=int, default=1,
                   help="serving processes sharing the port (default 1; one per core uses every core)")
    s.add_argument("--no-worker", action="store_true", help="do not run timers/jobs in this process")
    s.set_defaults(func=cmd_serve)
    w = sub.add_parser("worker", help="run timers and background jobs only (scale-out)")
    w.add_argument("--interval", type=float, default=1.0)
    w.set_defaults(func=cmd_worker)
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply all migrations").set_defaults(func=cmd_db_upgrade)
    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    tc = token.add_parser("create", help="create a token; the last line printed is the token")
    tc.add_argument("--name", required=True)
    tc.add_argument("--role", required=True)
    tc.set_defaults(func=cmd_token_create)
    user = sub.add_parser("user", help="users").add_subparsers(dest="user_command", required=True)
    ua = user.add_parser("add", help="create a user or add roles to one")
    ua.add_argument("username")
    ua.add_argument("--role", action="append", required=True)
    ua.add_argument("--password")
    ua.add_argument("--display-name")
    ua.add_argument("--team")
    ua.set_defaults(func=cmd_user_add)
    procs = sub.add_parser("processes", help="process definitions").add_subparsers(dest="proc_command", required=True)
    pv = procs.add_parser("validate", help="check BPMN/DMN/forms; prints file:line: message per problem")
    pv.add_argument("paths", nargs="*")
    pv.set_defaults(func=cmd_processes_validate)
    demo = sub.add_parser("demo", help="load demo users and cases")
    demo.add_argument("--reset-credentials", action="store_true",
                      help="give the demo users new passwords and API tokens (prints them); cases are kept")
    demo.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "spiff"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = parser().parse_args(argv)
    handler: Callable[[Any], int] = args.func
    try:
        return handler(args)
    except CaseworksError as err:
        print(f"caseworks: {err.message}", file=sys.stderr)
        if err.details:
            print(f"  details: {err.details}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - definition errors etc.: one clear line, not a traceback
        if isinstance(err, DefinitionError):
            print(f"caseworks: the process files are invalid:\n{err}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
