"""Test markers are declared in one place, pyproject.toml, so ``--strict-markers`` holds for every selection of
tests (a marker declared in a sub-folder's conftest is unknown when that folder is not collected)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
USED = re.compile(r"pytest\.mark\.([A-Za-z_]\w*)|get_closest_marker\(\s*[\"'](\w+)[\"']")
BUILT_IN = {"parametrize", "skip", "skipif", "xfail", "usefixtures", "filterwarnings", "timeout"}  # timeout: pytest-timeout


def _declared() -> set[str]:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in options["addopts"].split()
    return {line.split(":", 1)[0].strip() for line in options["markers"]}


def test_every_marker_the_tests_use_is_declared_in_pyproject() -> None:
    used = {name for path in (ROOT / "tests").rglob("*.py") for match in USED.finditer(path.read_text())
            for name in match.groups() if name}
    assert used - BUILT_IN - _declared() == set()


def test_no_conftest_declares_markers_of_its_own() -> None:
    declaring = [str(path.relative_to(ROOT)) for path in (ROOT / "tests").rglob("conftest.py")
                 if re.search(r"addinivalue_line\(\s*[\"']markers", path.read_text())]
    assert declaring == []
