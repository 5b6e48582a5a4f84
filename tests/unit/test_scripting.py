"""Script globals: dates format as designers expect, and the internal import hook opens nothing else."""
import pytest

from engine.bpmn.scripting import UnsafeScript, check_script, script_globals
from engine.clock import ManualClock


def test_dates_format_inside_scripts():
    scope = dict(script_globals(ManualClock()))
    exec("label = to_date('2026-11-03').strftime('%-d %B %Y')", scope)  # strftime imports `time` internally
    assert scope["label"] == "3 November 2026"


def test_only_the_runtime_may_import_and_only_time():
    scope = dict(script_globals(ManualClock()))
    with pytest.raises(ImportError, match="'os' is not allowed"):
        exec("import_hook = __builtins__['__import__']; import_hook('os')", scope)
    with pytest.raises(UnsafeScript):
        check_script("__import__('os')")
    with pytest.raises(UnsafeScript):
        check_script("import time")
