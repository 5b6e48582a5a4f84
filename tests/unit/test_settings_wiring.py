"""Configuration is read once, into the typed Settings, and only there: no module of the engine or the web app
looks at the environment itself, and what the settings name is what the collaborators use."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from engine.bpmn.loader import read_process_dir
from engine.bpmn.scripting import ServiceCall, ServiceRegistry
from engine.handlers import default_services
from engine.services import worklist
from engine.settings import PROJECT_ROOT, Settings
from webapp.ui import assets

RAW_LOOKUPS = re.compile(r"os\.environ|os\.getenv|getenv\(|settings\.extra|\.extra\.get")


def test_only_the_settings_module_reads_the_environment() -> None:
    offenders = []
    for package in ("engine", "webapp"):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            if path.name == "settings.py" and path.parent.name == "engine":
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if RAW_LOOKUPS.search(line):
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_every_setting_comes_from_its_variable(tmp_path: Path) -> None:
    settings = Settings.from_env({
        "CASEWORKS_BLOBS": "s3", "CASEWORKS_S3_ENDPOINT": "http://127.0.0.1:9000", "CASEWORKS_S3_ACCESS_KEY": "a",
        "CASEWORKS_S3_SECRET_KEY": "b", "CASEWORKS_S3_BUCKET": "bucket", "CASEWORKS_S3_REGION": "eu-west-1",
        "CASEWORKS_NODE_MODULES": str(tmp_path), "CASEWORKS_SECURE_COOKIES": "true",
        "CASEWORKS_TRUSTED_PROXIES": "2", "CASEWORKS_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379/3",
        "CASEWORKS_LOGIN_LIMIT_USER": "3/minute", "CASEWORKS_JOB_LOCK_SECONDS": "12",
        "CASEWORKS_JOB_MAX_CRASHES": "2", "CASEWORKS_CELERY_QUEUE": "q1"})
    assert (settings.blobs, settings.s3_endpoint, settings.s3_bucket, settings.s3_region) == (
        "s3", "http://127.0.0.1:9000", "bucket", "eu-west-1")
    assert settings.secure_cookies and settings.trusted_proxies == 2
    assert (settings.rate_limit_storage, settings.login_limit_user) == ("redis://127.0.0.1:6379/3", "3/minute")
    assert (settings.job_lock_seconds, settings.job_max_crashes, settings.celery_queue) == (12.0, 2, "q1")
    assert assets.library_dir("htmx", settings) == tmp_path / "htmx.org" / "dist"
    defaults = Settings.from_env({})
    assert not defaults.secure_cookies and defaults.trusted_proxies == 0 and defaults.job_lock_seconds == 30.0
    assert assets.library_dir("htmx", defaults) == PROJECT_ROOT / "node_modules" / "htmx.org" / "dist"


def test_every_channel_setting_comes_from_its_variable_and_the_rest_keep_their_defaults() -> None:
    settings = Settings.from_env({
        "CASEWORKS_PUBLIC_URL": "https://claims.example.com/", "CASEWORKS_SELF_SERVICE_DAYS": "14",
        "CASEWORKS_IMAP_HOST": "imap.example.com", "CASEWORKS_IMAP_PORT": "1143", "CASEWORKS_IMAP_USER": "in",
        "CASEWORKS_IMAP_PASSWORD": "pw-in", "CASEWORKS_IMAP_SSL": "no", "CASEWORKS_IMAP_FOLDER": "Claims",
        "CASEWORKS_IMAP_PROCESSED_FOLDER": "Done", "CASEWORKS_IMAP_INTERVAL": "2.5",
        "CASEWORKS_SMTP_HOST": "smtp.example.com", "CASEWORKS_SMTP_PORT": "2525", "CASEWORKS_SMTP_USER": "out",
        "CASEWORKS_SMTP_PASSWORD": "pw-out", "CASEWORKS_SMTP_SECURITY": "ssl",
        "CASEWORKS_MAIL_FROM": "Claims <claims@example.com>"})
    assert settings.public_url == "https://claims.example.com"  # links are joined with "/..."
    assert settings.self_service_days == 14
    assert (settings.imap_host, settings.imap_port, settings.imap_user, settings.imap_password) == (
        "imap.example.com", 1143, "in", "pw-in")
    assert (settings.imap_ssl, settings.imap_folder, settings.imap_processed_folder, settings.imap_interval) == (
        False, "Claims", "Done", 2.5)
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_user, settings.smtp_password) == (
        "smtp.example.com", 2525, "out", "pw-out")
    assert (settings.smtp_security, settings.mail_from) == ("ssl", "Claims <claims@example.com>")
    partly = Settings.from_env({"CASEWORKS_SMTP_HOST": "smtp.example.com"})
    assert (partly.smtp_host, partly.smtp_port, partly.imap_ssl, partly.public_url) == (
        "smtp.example.com", 587, True, "http://127.0.0.1:8000")


def _screen(registry, name: str) -> dict:  # type: ignore[no-untyped-def]
    handler = registry.get("screening.check")
    call = ServiceCall(operation="screening.check", params={"name": name}, data={}, case={},
                       now=datetime(2026, 11, 2, tzinfo=timezone.utc))
    return handler(call)  # type: ignore[no-any-return]


def test_the_watch_list_follows_the_processes_folder(tmp_path: Path) -> None:
    folder = tmp_path / "onboarding"
    folder.mkdir()
    (folder / "watchlist.json").write_text(json.dumps({"version": "custom-1", "entries": [
        {"id": "C-1", "name": "Zebulon Quackenbush", "list": "sanctions", "country": "NL"}]}))
    custom = _screen(default_services(tmp_path), "Zebulon Quackenbush")
    assert custom["hit"] and custom["list_version"] == "custom-1"
    shipped = _screen(default_services(), "Zebulon Quackenbush")
    assert not shipped["hit"] and shipped["list_version"] != "custom-1"


def test_validation_results_are_cached_per_set_of_registered_services() -> None:
    """The designer's problem list depends on the operations the context registers, not only on the version."""
    definition = read_process_dir(PROJECT_ROOT / "tests" / "processes" / "services")
    full = default_services()
    without_payments = ServiceRegistry()
    for name in full.names():
        if name != "payments.schedule":
            without_payments.register(name, full.get(name))  # type: ignore[arg-type]
    assert worklist.validation_problems(definition, full) == []
    missing = worklist.validation_problems(definition, without_payments)
    assert any("payments.schedule" in p["message"] for p in missing)
    assert worklist.validation_problems(definition, full) == []
