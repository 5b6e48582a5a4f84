"""The script engine: restricted globals for BPMN scripts, the clock for timers, service-task dispatch.

Trust model: BPMN files are code written by process designers, so their scripts run; but scripts see only
a small set of builtins and helpers, may not touch underscore attributes (the usual sandbox escapes go
through ``__class__``/``__subclasses__``), and nothing that came from a form, an API call or a document is
ever evaluated: such values only ever arrive as task *data*.
"""
from __future__ import annotations

import ast
import builtins
import datetime as _dt
import decimal
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from engine.clock import Clock
from engine.errors import ProcessError, ServiceTaskFailed

_SAFE_BUILTIN_NAMES = (
    "abs all any bool dict enumerate filter float int isinstance len list map max min range reversed "
    "round set sorted str sum tuple zip ValueError KeyError TypeError NameError Exception"
).split()
SAFE_BUILTINS = {name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES}


def _internal_import(name: str, *args: Any, **kwargs: Any) -> Any:
    """CPython's ``date.strftime``/``strptime`` import ``time``/``_strptime`` internally; allow just those.

    Scripts themselves cannot call this: ``check_script`` refuses every dunder name and every import."""
    if name in ("time", "_strptime"):
        return builtins.__import__(name, *args, **kwargs)
    raise ImportError(f"import of {name!r} is not allowed in scripts")


SAFE_BUILTINS["__import__"] = _internal_import


def _iso_date(value: str | _dt.date) -> _dt.date:
    return value if isinstance(value, _dt.date) else _dt.date.fromisoformat(str(value)[:10])


def script_globals(clock: Clock) -> dict[str, Any]:
    """What a BPMN script or expression may use besides task data."""
    return {
        "__builtins__": SAFE_BUILTINS,
        "datetime": _dt.datetime,
        "date": _dt.date,
        "timedelta": _dt.timedelta,
        "Decimal": decimal.Decimal,
        "math_ceil": math.ceil,
        "math_floor": math.floor,
        "to_date": _iso_date,
        "now": lambda: clock.now(),
        "today": lambda: clock.now().date(),
        "today_iso": lambda: clock.now().date().isoformat(),
        "now_iso": lambda: clock.now().isoformat(),
    }


OFFERED_NAMES = frozenset(n for n in [*SAFE_BUILTINS, *script_globals(None)] if not n.startswith("_"))  # type: ignore[arg-type]


class UnsafeScript(ProcessError):
    code = "unsafe_script"


@lru_cache(maxsize=4096)
def check_script(source: str) -> None:
    """Refuse underscore names and attributes, the road to every known escape from restricted globals."""
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise UnsafeScript(f"syntax error on line {err.lineno}: {err.msg}") from err
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise UnsafeScript(f"line {node.lineno}: access to '{node.attr}' is not allowed in scripts")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise UnsafeScript(f"line {node.lineno}: the name '{node.id}' is not allowed in scripts")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise UnsafeScript(f"line {node.lineno}: imports are not allowed in scripts")


@dataclass
class ServiceCall:
    """What a service handler receives: its evaluated parameters, a copy of the task data, the case."""

    operation: str
    params: dict[str, Any]
    data: dict[str, Any]
    case: Mapping[str, Any]
    now: _dt.datetime
    emitted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    step: str = ""  # the BPMN id of the service task (a notification's template is named after it)

    def emit(self, kind: str, payload: dict[str, Any]) -> None:
        """Record an event on the case timeline, in the same transaction as the step."""
        self.emitted.append((kind, payload))


ServiceHandler = Callable[[ServiceCall], Any]


class ServiceRegistry:
    """Python handlers for service tasks, by operator name (``payments.schedule``)."""

    def __init__(self) -> None:
        self._handlers: dict[str, ServiceHandler] = {}

    def register(self, name: str, handler: ServiceHandler | None = None) -> Any:
        def add(fn: ServiceHandler) -> ServiceHandler:
            self._handlers[name] = fn
            return fn

        return add(handler) if handler is not None else add

    def get(self, name: str) -> ServiceHandler | None:
        return self._handlers.get(name)

    def names(self) -> list[str]:
        return sorted(self._handlers)


class CaseScriptEngine(PythonScriptEngine):  # type: ignore[misc]  # SpiffWorkflow is untyped
    """One per engine run: carries the clock, the case context and the events service handlers emit."""

    def __init__(self, clock: Clock, services: ServiceRegistry, case: Mapping[str, Any] | None = None) -> None:
        super().__init__(environment=TaskDataEnvironment(script_globals(clock)))
        self.clock = clock
        self.services = services
        self.case = dict(case or {})
        self.emitted: list[tuple[str, dict[str, Any]]] = []

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        _check_in(task, expression)
        return super().evaluate(task, expression, external_context)

    def execute(self, task: Any, script: str, external_context: Any = None) -> Any:
        _check_in(task, script)
        return super().execute(task, script, external_context)

    def call_service(self, task: Any, operation_name: str = "", operation_params: Any = None, **_: Any) -> str:
        """Dispatch to a registered handler. (The library's own error path references an undefined name.)"""
        handler = self.services.get(operation_name)
        where = _task_context(task)
        if handler is None:
            raise ServiceTaskFailed(f"{where}: no service handler is registered for '{operation_name}'")
        params = {name: p["value"] for name, p in (operation_params or {}).items()}
        call = ServiceCall(operation_name, params, json.loads(json.dumps(task.data, default=str)),
                           self.case, self.clock.now(), step=task.task_spec.bpmn_id)
        try:
            result = handler(call)
        except Exception as err:  # noqa: BLE001 - any handler failure becomes a retryable incident
            raise ServiceTaskFailed(f"{where}: service '{operation_name}' failed: {err}",
                                    details={"task": task.task_spec.bpmn_id, "operation": operation_name}) from err
        self.emitted.extend(call.emitted)
        return json.dumps(result, default=str)


def _check_in(task: Any, source: str) -> None:
    """``check_script`` naming the process and task. Why: the bare "line 1: imports are not allowed" of an
    incident did not say which of a process's scripts was refused."""
    try:
        check_script(source)
    except UnsafeScript as err:
        if task is None:
            raise
        raise UnsafeScript(f"{_task_context(task)}: {err.message}") from err


def _task_context(task: Any) -> str:
    spec = task.task_spec
    label = spec.bpmn_name or spec.bpmn_id
    return f"process '{task.workflow.spec.name}', task '{label}' ({spec.bpmn_id})"
