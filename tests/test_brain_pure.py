"""brain/ is pure domain logic: no Dash, no I/O, no clock (the command line aside)."""

from __future__ import annotations

import ast
from pathlib import Path

BRAIN = Path(__file__).resolve().parent.parent / "brain"
FORBIDDEN_IMPORTS = {
    "dash",
    "flask",
    "flask_caching",
    "duckdb",
    "ibis",
    "psycopg",
    "redis",
    "requests",
    "httpx",
    "socket",
    "urllib",
    "os",
    "pathlib",
    "shutil",
    "subprocess",
    "sqlite3",
    "io",
    "time",
    "random",
    "data_adapters",
    "services",
    "layouts",
    "callbacks",
    "simulator",
}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "open", "print", "input", "time"}


def _modules() -> list[Path]:
    # __main__.py is the command line entry point, the one module allowed to do I/O
    return [p for p in BRAIN.rglob("*.py") if p.name != "__main__.py"]


def test_brain_imports_nothing_that_does_io() -> None:
    assert _modules()
    for path in _modules():
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN_IMPORTS, f"{path.name} imports {name}"


def test_brain_reads_no_clock_and_opens_no_file() -> None:
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
                assert name not in FORBIDDEN_CALLS, f"{path.name} calls {name}()"
