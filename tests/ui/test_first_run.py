"""First run as a newcomer does it: ``caseworks demo`` prints passwords once; a second run says how to get new
ones; ``caseworks demo --reset-credentials`` prints new passwords and tokens that work (the old demo tokens stop
working); ``caseworks serve`` ends its start-up output with what to open first. Real subprocesses on a fresh
home folder with the claim process only (so the demo plays in seconds)."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.bootstrap import build
from engine.errors import AuthenticationRequired
from engine.services import auth
from engine.settings import Settings
from tests.processcheck import CLAIM_DIR

ROOT = Path(__file__).resolve().parents[2]
CLI = "from webapp.cli import main; raise SystemExit(main())"


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    processes = tmp_path / "processes"
    shutil.copytree(CLAIM_DIR, processes / "claim")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORKS_")}
    env.update(CASEWORKS_HOME=str(tmp_path / "var"), CASEWORKS_PROCESSES=str(processes), CASEWORKS_WORKER="off")
    return env


def _caseworks(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=240)


def _passwords(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\w+)\s+role \w+\s+password (\S+)", text, re.M))


def _tokens(text: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\w+)\s+(cw_\S+)$", text, re.M))


def test_lost_demo_passwords_can_be_reset_from_the_command_line(home: dict[str, str]) -> None:
    first = _caseworks(home, "demo")
    assert first.returncode == 0, first.stderr
    assert "fontTools" not in first.stderr  # the demo's generated PDFs do not bury the passwords in font logs
    old_passwords, old_tokens = _passwords(first.stdout), _tokens(first.stdout)
    assert "agent" in old_passwords and "agent" in old_tokens
    again = _caseworks(home, "demo")
    assert again.returncode == 0 and "caseworks demo --reset-credentials" in again.stdout
    reset = _caseworks(home, "demo", "--reset-credentials")
    assert reset.returncode == 0, reset.stderr
    passwords, tokens = _passwords(reset.stdout), _tokens(reset.stdout)
    assert set(passwords) == set(old_passwords) and passwords["agent"] != old_passwords["agent"]
    ctx = build(Settings.from_env(home))
    try:
        assert auth.authenticate_password(ctx, "agent", passwords["agent"]).username == "agent"
        with pytest.raises(AuthenticationRequired):
            auth.authenticate_password(ctx, "agent", old_passwords["agent"])
        assert auth.authenticate_token(ctx, tokens["upstream"]).username == "upstream"
        with pytest.raises(AuthenticationRequired):
            auth.authenticate_token(ctx, old_tokens["upstream"])  # the lost demo tokens no longer work
    finally:
        ctx.db.dispose()


def test_reset_before_the_demo_says_what_to_run_first(home: dict[str, str]) -> None:
    refused = _caseworks(home, "demo", "--reset-credentials")
    assert refused.returncode == 2 and "run `caseworks demo` first" in refused.stderr


def test_serve_ends_its_start_up_output_with_what_to_open_first(home: dict[str, str]) -> None:
    assert _caseworks(home, "demo").returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", CLI, "serve", "--port", str(port), "--threads", "2"],
                              env=home, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("Sign in" in line for line in lines):
            line = server.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line.strip())
        assert lines[-1] == (f"Sign in as agent at http://127.0.0.1:{port}/work (front office: desk at "
                             f"http://127.0.0.1:{port}/desk). Lost the demo passwords? Run "
                             "`caseworks demo --reset-credentials`.")
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()  # type: ignore[union-attr]
