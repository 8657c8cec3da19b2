"""Package boundaries (STYLE.md §3): no domain imports ``reports``; charts and the tabular writer are domain-free."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "eduinnov"
DOMAINS = ["achievements", "auth", "core", "evaluation", "frameworks", "home", "imports", "indicators", "jobs",
           "notifications", "obe", "programs", "schools"]


def _imports(path: Path) -> set[str]:
    """Every module a file imports (absolute names), lazily imported ones included."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
    return out


@pytest.mark.parametrize("domain", DOMAINS)
def test_no_domain_imports_reports(domain):
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.startswith("eduinnov.reports"))
                 for p in (ROOT / domain).rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("module", ["charts/__init__.py", "charts/_svg.py", "charts/bars.py", "charts/lines.py",
                                    "charts/histogram.py", "tabular.py", "figures.py"])
def test_charts_and_the_tabular_writer_import_no_domain(module):
    names = _imports(ROOT / "core" / module)
    assert [m for m in names if m.startswith("eduinnov.") and not m.startswith("eduinnov.core")] == []


def test_the_job_queue_imports_no_domain():
    """Reports and notifications enqueue through ``jobs``; it knows none of them (the users/programs foreign keys
    of its table are names, not imports)."""
    names = set().union(*(_imports(p) for p in (ROOT / "jobs").rglob("*.py")))
    below = ("eduinnov.core", "eduinnov.jobs", "eduinnov.extensions", "eduinnov.create_app")  # a worker builds the app
    domains = [m for m in names if m.startswith("eduinnov.") and not m.startswith(below)]
    assert domains == []


def test_the_shared_errors_are_defined_once_in_core_errors():
    """FieldError, ImportRefused and NotAllowed live in core.errors; a domain imports them, never redefines them."""
    shared = {"FieldError", "ImportRefused", "NotAllowed", "DomainError", "ValidationError"}
    defined = [f"{p.relative_to(ROOT)}:{node.name}" for p in ROOT.rglob("*.py")
               for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
               if isinstance(node, ast.ClassDef) and node.name in shared and p != ROOT / "core" / "errors.py"]
    assert defined == []
