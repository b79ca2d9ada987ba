"""Import rules of the Telegram package: no cycle inside it, no composition root under notifiers/,
and `telegram` (python-telegram-bot) imported nowhere else in the product."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("config", "dondoc", "engine", "flows", "notifiers")
PACKAGE = "notifiers.telegram"


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (lazy and TYPE_CHECKING imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            found.add(node.module or "")
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


def _files(*packages: str) -> list[Path]:
    return [p for package in packages for p in sorted((ROOT / package).rglob("*.py")) if ".venv" not in p.parts]


def _top(name: str) -> str:
    return name.split(".")[0]


def test_nothing_under_notifiers_imports_the_composition_root() -> None:
    offenders = {_module(p): sorted(i for i in _imports(p) if _top(i) == "dondoc") for p in _files("notifiers")}
    assert {m: i for m, i in offenders.items() if i} == {}


def test_only_the_telegram_package_imports_telegram() -> None:
    importers = {_module(p) for p in _files(*PRODUCT) if any(_top(i) == "telegram" for i in _imports(p))}
    assert importers and all(m == PACKAGE or m.startswith(PACKAGE + ".") for m in importers), sorted(importers)


def test_no_import_cycle_inside_the_telegram_package() -> None:
    modules = {_module(p): p for p in _files("notifiers/telegram")}
    graph = {m: {i for i in _imports(p) if i in modules and i != m and i != PACKAGE} for m, p in modules.items()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path[path.index(module):], module))}"
        if module in done:
            return
        for imported in graph[module]:
            visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
    assert len(graph) > 5  # the walk saw the package
