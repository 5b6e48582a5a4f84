"""The `caseworks` command: serve, worker, db upgrade, token/user admin, process validation, demo data."""
from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
from pathlib import Path
from typing import Any, Callable

from engine import celery_jobs
from engine.bootstrap import build
from engine.bpmn.loader import DefinitionError
from engine.bpmn.validate import read_sources, validate_paths
from engine.scenarios import run_scenario_paths
from engine.services.deployments import DeploymentRefused, deploy_files, deploy_package
from engine.context import Context
from engine.db import connect, upgrade
from webapp.demo import load_demo, print_credentials
from webapp.demo.credentials import print_reset, reset_credentials
from engine.errors import CaseworksError
from engine.services import mail_sources
from engine.services.auth import create_token, deactivate_user, ensure_user, set_password
from engine.services.builtin import ensure_default_teams
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
            celery_jobs.worker_main(celery_jobs.make_app(
                broker, runner=lambda job_id: run_job(ctx, job_id), queue=ctx.settings.celery_queue))
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
    db.dispose()
    ensure_default_teams(_context(args))  # someone works document intake and duplicate customers by default
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


def cmd_user_deactivate(args: argparse.Namespace) -> int:
    deactivate_user(_context(args), args.username)
    print(f"user {args.username} is deactivated: their sessions and API tokens are refused from now on")
    return 0


def cmd_user_password(args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass(f"new password for {args.username}: ")
    set_password(_context(args), args.username, password)
    print(f"password of {args.username} changed; their other sessions have ended")
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


def cmd_processes_deploy(args: argparse.Namespace) -> int:
    """Validate and deploy a process folder (or its zip) into the database: running servers and workers take
    it for new cases at once, without a restart."""
    path = Path(args.path)
    if not path.exists():
        print(f"caseworks: {path}: no such file or directory", file=sys.stderr)
        return 2
    ctx = _context(args)
    try:
        if path.is_dir():
            version = deploy_files(ctx, read_sources(path), "cli", folder_name=path.resolve().name, where=str(path))
        else:
            version = deploy_package(ctx, path.read_bytes(), "cli", folder_name=path.stem)
    except DeploymentRefused as err:
        for problem in err.details["problems"]:
            print(problem)
        print(f"{len(err.details['problems'])} problem(s) found; nothing was deployed", file=sys.stderr)
        return 1
    print(f"deployed {version['case_type']} version {version['version'][:12]} (id {version['id']}); "
          "new cases start on it now")
    return 0


def cmd_processes_test(args: argparse.Namespace) -> int:
    """Run the scenario files beside each process (``scenarios/*.json``) with the real runtime."""
    paths = [Path(p) for p in args.paths] or [Settings.from_env().processes_dir]
    results = run_scenario_paths(paths)
    for result in results:
        print(result)
    failed = [r for r in results if not r.passed]
    if not results:
        print("no scenarios found (scenarios/*.json beside a process.json)", file=sys.stderr)
        return 1
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed", file=sys.stderr)
    return 1 if failed else 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.reset_credentials:
        print_reset(reset_credentials(_context(args)))
        return 0
    print_credentials(load_demo(_context(args)))
    return 0


def cmd_mail_fetch(args: argparse.Namespace) -> int:
    """Read the mailbox (CASEWORKS_IMAP_*) or every .eml in --folder; each mail is moved once committed."""
    ctx = _context(args)
    try:
        report = mail_sources.fetch_folder(ctx, Path(args.folder)) if args.folder else mail_sources.fetch_imap(ctx)
    finally:
        ctx.db.dispose()
    for outcome in report.new:
        where = outcome.case_reference or "a 'Route inbound e-mail' work item"
        print(f"{outcome.message_id}: on {where} ({outcome.matched_by})")
    for problem in report.problems:
        print(f"caseworks: {problem}", file=sys.stderr)
    print(f"{len(report.new)} new mail(s), {report.already} already taken in, {len(report.problems)} problem(s)")
    return 1 if report.problems else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="caseworks", description="Caseworks case and document workflow engine. "
                                "Configuration: CASEWORKS_HOME (default ./var), CASEWORKS_DATABASE_URL.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the web server (gunicorn, threaded workers) with the scheduler in one of them")
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
    ud = user.add_parser("deactivate", help="refuse the user's sign-ins, sessions and API tokens from now on")
    ud.add_argument("username")
    ud.set_defaults(func=cmd_user_deactivate)
    up = user.add_parser("password", help="set a new password (asked for when not given); ends their sessions")
    up.add_argument("username")
    up.add_argument("--password")
    up.set_defaults(func=cmd_user_password)
    procs = sub.add_parser("processes", help="process definitions").add_subparsers(dest="proc_command", required=True)
    pv = procs.add_parser("validate", help="check BPMN/DMN/forms; prints file:line: message per problem")
    pv.add_argument("paths", nargs="*")
    pv.set_defaults(func=cmd_processes_validate)
    pd = procs.add_parser("deploy", help="validate and deploy a process folder or zip without a restart")
    pd.add_argument("path")
    pd.set_defaults(func=cmd_processes_deploy)
    pt = procs.add_parser("test", help="run the designer scenarios (scenarios/*.json) of process folders")
    pt.add_argument("paths", nargs="*")
    pt.set_defaults(func=cmd_processes_test)
    demo = sub.add_parser("demo", help="load demo users and cases")
    demo.add_argument("--reset-credentials", action="store_true",
                      help="give the demo users new passwords and API tokens (prints them); cases are kept")
    demo.set_defaults(func=cmd_demo)
    mail = sub.add_parser("mail", help="e-mail in").add_subparsers(dest="mail_command", required=True)
    mf = mail.add_parser("fetch", help="take in new mail from CASEWORKS_IMAP_* (or a folder of .eml files)")
    mf.add_argument("--folder", help="read every .eml file in this folder instead; each moves to DIR/processed/")
    mf.set_defaults(func=cmd_mail_fetch)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "spiff", "fontTools"):  # fontTools: a line per glyph table of every demo PDF
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
