"""Real mail servers on loopback for the e-mail tests: Dovecot (Debian's dovecot-imapd) configured in a temp
folder with a passwd-file, and aiosmtpd as the SMTP server that receives what Caseworks sends.

Without /usr/sbin/dovecot the IMAP tests are skipped with the reason (a failure when CI=true, where `make setup`
installs it)."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Iterator

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@dataclass
class Dovecot:
    root: Path
    port: int
    user: str = "claims@caseworks.test"
    password: str = "imap secret 42"
    process: Any = None

    def config(self) -> str:
        if os.getuid() == 0:  # Dovecot never delivers mail as root: the mailbox belongs to nobody
            account = pwd.getpwnam("nobody")
            login_user = internal_user = "dovenull" if _exists("dovenull") else "nobody"
        else:
            account = pwd.getpwuid(os.getuid())
            login_user = internal_user = account.pw_name
        mail = self.root / "mail"
        mail.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            for path in [mail, *mail.rglob("*")]:
                os.chown(path, account.pw_uid, account.pw_gid)
        (self.root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        return f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
mail_location = maildir:{mail}/%u
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={account.pw_uid} gid={account.pw_gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""

    def start(self) -> None:
        (self.root / "run").mkdir(parents=True, exist_ok=True)
        (self.root / "state").mkdir(parents=True, exist_ok=True)
        conf = self.root / "dovecot.conf"
        conf.write_text(self.config())
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            log = (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log").exists() else ""
            raise RuntimeError(f"Dovecot did not start: {log[-2000:]}") from None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


def dovecot_root() -> Path:
    """A folder Dovecot's unprivileged processes can reach (pytest's tmp_path sits under a 0700 folder)."""
    root = Path(tempfile.mkdtemp(prefix="caseworks-dovecot-"))
    root.chmod(0o755)
    return root


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if not os.access(DOVECOT, os.X_OK):
        if IN_CI:
            pytest.fail("Dovecot is not installed and CI=true (make setup installs dovecot-imapd)", pytrace=False)
        pytest.skip("Dovecot is not installed (make setup installs dovecot-imapd)")
    server = Dovecot(dovecot_root(), free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


@dataclass
class Smtp:
    """aiosmtpd on a loopback port that keeps every message it accepts (and can refuse them)."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False
    controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller  # the test extra; only these tests need it

        smtp = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                if smtp.refuse:
                    return "451 Requested action aborted: try again later"
                msg = message_from_bytes(envelope.content, policy=policy.default)
                smtp.messages.append(msg)  # type: ignore[arg-type]
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp(free_port())
    server.start()
    yield server
    server.stop()
