"""Fixtures for driving ``ProcessRuntime`` directly on the test processes in ``tests/processes``.

Every verb of ``CaseDriver`` continues from the previous snapshot's serialized state (exactly what the case
layer stores) and checks that the state survives a load/dump cycle unchanged, as SpiffWorkflow's own
save/restore tests do, so each assertion is made on a workflow that has been through the serializer.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from engine.bpmn import serializer
from engine.bpmn.loader import ParsedProcess, SpecCache, read_process_dir
from engine.bpmn.runner import OpenTask, ProcessRuntime, Snapshot
from engine.bpmn.scripting import CaseScriptEngine, ServiceRegistry
from engine.clock import ManualClock

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
_SPECS = SpecCache()


def parsed_process(name_or_dir: str | Path) -> ParsedProcess:
    """The cached, parsed specs of a test process folder (by name under tests/processes, or a path)."""
    folder = name_or_dir if isinstance(name_or_dir, Path) else PROCESSES / name_or_dir
    return _SPECS.get(read_process_dir(folder))


def assert_round_trip(parsed: ParsedProcess, state: str) -> str:
    """Load a serialized state around its spec and dump it again: the dump must be stable."""
    engine = CaseScriptEngine(ManualClock(), ServiceRegistry())
    again = serializer.dump(serializer.load(state, parsed.spec, parsed.subprocess_specs, engine))
    assert json.loads(again) == json.loads(state)
    third = serializer.dump(serializer.load(again, parsed.spec, parsed.subprocess_specs, engine))
    assert third == again
    return again


class CaseDriver:
    """One instance of a process, driven verb by verb from its last serialized state."""

    def __init__(self, runtime: ProcessRuntime, parsed: ParsedProcess, case: dict[str, Any] | None = None):
        self.runtime = runtime
        self.parsed = parsed
        self.case = case or {"reference": "TST-1"}
        self.snapshot: Snapshot | None = None

    @property
    def state(self) -> str:
        assert self.snapshot is not None, "start the case first"
        return self.snapshot.state

    def _keep(self, snapshot: Snapshot) -> Snapshot:
        assert_round_trip(self.parsed, snapshot.state)
        self.snapshot = snapshot
        return snapshot

    def start(self, **data: Any) -> Snapshot:
        return self._keep(self.runtime.start(self.parsed, data, self.case))

    def task(self, name: str) -> OpenTask:
        assert self.snapshot is not None
        found = [t for t in self.snapshot.open_tasks if t.name == name]
        assert len(found) == 1, f"expected one open '{name}', open: {self.open_names()}"
        return found[0]

    def open_names(self) -> list[str]:
        return sorted(t.name for t in self.snapshot.open_tasks) if self.snapshot else []

    def complete(self, name: str, **data: Any) -> Snapshot:
        return self.complete_id(self.task(name).task_id, data)

    def complete_id(self, task_id: str, data: dict[str, Any]) -> Snapshot:
        return self._keep(self.runtime.complete_task(self.parsed, self.state, task_id, data, self.case))

    def message(self, name: str, payload: dict[str, Any]) -> Snapshot:
        return self._keep(self.runtime.send_message(self.parsed, self.state, name, payload, self.case))

    def wake(self) -> Snapshot:
        return self._keep(self.runtime.wake(self.parsed, self.state, self.case))

    def inspect(self) -> Snapshot:
        return self._keep(self.runtime.inspect(self.parsed, self.state, self.case))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def services() -> ServiceRegistry:
    return ServiceRegistry()


@pytest.fixture
def runtime(clock: ManualClock, services: ServiceRegistry) -> ProcessRuntime:
    return ProcessRuntime(clock, services)


@pytest.fixture
def new_case(runtime: ProcessRuntime) -> Callable[..., CaseDriver]:
    """``new_case("decision")`` or ``new_case(parsed)``: a driver for a fresh instance."""

    def make(process: str | Path | ParsedProcess, case: dict[str, Any] | None = None) -> CaseDriver:
        parsed = process if isinstance(process, ParsedProcess) else parsed_process(process)
        return CaseDriver(runtime, parsed, case)

    return make


@pytest.fixture
def round_trip() -> Callable[[ParsedProcess, str], str]:
    """``round_trip(parsed, state)``: load and re-dump a state, asserting the dump is stable."""
    return assert_round_trip
