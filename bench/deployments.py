"""What deploy-without-restart costs on the hot path: the deployment check each case opening makes (one
primary-key read of the deployment counter, inside the transaction the opening starts anyway) beside the case
opening itself, measured in the same run on a
fresh embedded database; and how long a deployment takes to reach another process on the same database.

Usage: .venv/bin/python bench/deployments.py [--cases 300]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import literal, select  # noqa: E402

from engine.bootstrap import build  # noqa: E402
from engine.bpmn.loader import read_process_dir  # noqa: E402
from engine.services import cases, deployments  # noqa: E402
from engine.services.parties import Customer  # noqa: E402
from engine.settings import Settings  # noqa: E402
from tests.designer.models import two_step_files  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), processes_dir=Path(home) / "none")
        ctx = build(settings, definitions=[read_process_dir(ROOT / "tests" / "processes" / "basic")])
        other = build(settings, definitions=[])
        cmd = cases.OpenCase("basic", Customer("Bench"), "api", {"amount": 10})
        for _ in range(20):  # warm up
            cases.open_case(ctx, cmd, "bench")
        started = time.perf_counter()
        for _ in range(args.cases):
            cases.open_case(ctx, cmd, "bench")
        per_case = (time.perf_counter() - started) / args.cases
        check, base = [], []
        for _ in range(5):  # interleaved rounds, best of each: the machine is shared and noisy
            started = time.perf_counter()
            for _ in range(args.cases):
                with ctx.write() as session:  # as open_case does it: inside the transaction it opens anyway
                    ctx.processes.refresh(session)
            check.append((time.perf_counter() - started) / args.cases)
            started = time.perf_counter()
            for _ in range(args.cases):
                with ctx.write() as session:
                    session.execute(select(literal(1)))  # the transaction and its first statement, paid anyway
            base.append((time.perf_counter() - started) / args.cases)
        per_check = max(0.0, min(check) - min(base))
        files = two_step_files()
        started = time.perf_counter()
        deployments.deploy_files(ctx, files, "bench")
        deploy_s = time.perf_counter() - started
        started = time.perf_counter()
        with other.read() as session:
            other.processes.refresh(session)
        seen_s = time.perf_counter() - started
        assert "twostep" in other.processes.case_types()
        print(f"open a case (baseline, includes the check): {per_case * 1000:.2f} ms")
        print(f"deployment check per case:                  {per_check * 1000:.3f} ms "
              f"({per_check / per_case:.1%} of opening a case; transaction with the check {min(check) * 1000:.3f} ms, "
              f"without {min(base) * 1000:.3f} ms)")
        print(f"deploy a two-step process (validate, parse, store): {deploy_s * 1000:.0f} ms")
        print(f"another process picks it up on its next check:     {seen_s * 1000:.1f} ms")
        ctx.db.dispose()
        other.db.dispose()


if __name__ == "__main__":
    main()
