"""Settings: read once from the environment into a frozen object that is passed down."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    home: Path = Path("var")
    database_url: str = ""
    processes_dir: Path = PROJECT_ROOT / "processes"
    worker_enabled: bool = True
    scheduler_interval: float = 1.0
    secret_key: str = ""
    max_upload_bytes: int = 25 * 1024 * 1024
    max_pages: int = 100
    classification_rules: Path | None = None  # None: the rules shipped in capture/rules/
    job_lock_seconds: float = 600.0  # a job held longer than this by a worker is taken to be abandoned
    celery_broker: str = ""  # e.g. redis://127.0.0.1:6379/0: push jobs to `caseworks worker` processes
    default_phone_region: str = "GB"  # ISO country whose national phone numbers need no +code (07700 900104)
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'caseworks.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        home = Path(env.get("CASEWORKS_HOME", "var"))
        return cls(
            home=home,
            database_url=env.get("CASEWORKS_DATABASE_URL", ""),
            processes_dir=Path(env.get("CASEWORKS_PROCESSES", str(PROJECT_ROOT / "processes"))),
            worker_enabled=env.get("CASEWORKS_WORKER", "inprocess") != "off",
            scheduler_interval=float(env.get("CASEWORKS_SCHEDULER_INTERVAL", "1.0")),
            secret_key=env.get("CASEWORKS_SECRET_KEY", ""),
            max_upload_bytes=int(float(env.get("CASEWORKS_MAX_UPLOAD_MB", "25")) * 1024 * 1024),
            max_pages=int(env.get("CASEWORKS_MAX_PAGES", "100")),
            job_lock_seconds=float(env.get("CASEWORKS_JOB_LOCK_SECONDS", "600")),
            celery_broker=env.get("CASEWORKS_CELERY_BROKER", ""),
            classification_rules=Path(env["CASEWORKS_CLASSIFICATION_RULES"])
            if env.get("CASEWORKS_CLASSIFICATION_RULES") else None,
            default_phone_region=env.get("CASEWORKS_PHONE_REGION", "GB").upper(),
            extra={k: v for k, v in env.items() if k.startswith("CASEWORKS_")},
        )
