"""The straight line adapters → services → brain → layouts → callbacks: services/ imports neither
layouts/ nor simulator/, and the domains are listed once (brain/domains.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from brain.domains import DOMAINS

ROOT = Path(__file__).resolve().parent.parent
SERVICES_MUST_NOT_IMPORT = {"layouts", "simulator", "callbacks"}


def _imports(path: Path) -> list[str]:
    """Every module `path` imports, at the top or inside a function."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.append(arg.value)
    return names


def test_services_import_neither_layouts_nor_simulator() -> None:
    modules = sorted((ROOT / "services").rglob("*.py"))
    assert len(modules) > 5
    bad = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in modules
        for name in _imports(p)
        if name.split(".")[0] in SERVICES_MUST_NOT_IMPORT
    ]
    assert bad == []


def test_no_module_outside_the_wall_imports_the_wall() -> None:
    wall = {"services.wall", "services.wall_panels", "services.wall_detail"}
    for p in (ROOT / "services").glob("*.py"):
        if p.stem.startswith("wall"):
            continue
        assert not wall & set(_imports(p)), p.name


def test_every_domain_has_its_figures_module() -> None:
    from services.domains import SERVICES

    assert tuple(SERVICES) == DOMAINS
    for d in DOMAINS:
        assert (ROOT / "services" / f"{d}.py").is_file()
        assert SERVICES[d].__name__ == f"services.{d}"  # type: ignore[attr-defined]


def test_the_domains_are_listed_once() -> None:
    from data_adapters.schema import DOMAINS as SCHEMA_DOMAINS
    from layouts.ids import DOMAINS as ID_DOMAINS
    from services.wall import DOMAINS as WALL_DOMAINS
    from simulator.seed import DOMAIN_MODULES

    names = tuple(str(d) for d in DOMAINS)
    assert names == ("economy", "traffic", "emergency", "fire", "river", "radar")
    assert ID_DOMAINS == WALL_DOMAINS == DOMAIN_MODULES == names
    # the data contract keeps its own enum (with `health`); it must name the same six
    assert tuple(str(d) for d in SCHEMA_DOMAINS) == names


def test_the_domain_list_is_written_only_in_brain() -> None:
    literal = "('economy', 'traffic', 'emergency', 'fire', 'river', 'radar')"
    found = []
    for folder in ("services", "layouts", "callbacks", "simulator", "brain"):
        for p in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(p.read_text("utf-8"))):
                if isinstance(node, ast.Tuple) and ast.unparse(node) == literal:
                    found.append(str(p.relative_to(ROOT)))
    assert found == []
