"""The code's imports are declared in pyproject.toml, and constraints.txt pins them all."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
LOCAL = {"bot", "storage", "tests", "benchmarks"}
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(*extras: str) -> set[str]:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return {canonical(_NAME.match(r).group(0)) for r in requirements}


def imported_distributions(*folders: str) -> dict[str, set[str]]:
    """The distributions that the code in `folders` imports, each with the files that do."""
    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in (PROJECT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in LOCAL or top in sys.stdlib_module_names:
                        continue
                    for distribution in owners.get(top, [top]):
                        found.setdefault(canonical(distribution), set()).add(
                            str(path.relative_to(PROJECT))
                        )
    return found


def test_the_service_declares_every_package_it_imports() -> None:
    missing = {
        name: sorted(files)
        for name, files in imported_distributions("bot", "storage").items()
        if name not in declared()
    }
    assert missing == {}


def test_the_tests_and_benchmarks_declare_theirs_with_the_dev_extra() -> None:
    missing = {
        name: sorted(files)
        for name, files in imported_distributions("tests", "benchmarks").items()
        if name not in declared("dev")
    }
    assert missing == {}


def test_constraints_pin_every_declared_package_exactly() -> None:
    lines = (PROJECT / "constraints.txt").read_text().splitlines()
    pins = dict(
        (canonical(name), version)
        for name, _, version in (line.partition("==") for line in lines)
        if version and not name.startswith("#")
    )
    assert sorted(declared("dev") - pins.keys()) == []
    assert all(line.startswith("#") or "==" in line for line in lines if line.strip())
    assert "-c constraints.txt" in (PROJECT / "scripts" / "setup.sh").read_text()
