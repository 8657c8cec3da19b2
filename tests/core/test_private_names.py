"""Packages talk through public names (issue #14 §3): no domain imports or reads another's private names,
and ``imports`` writes no model itself (it calls the domains' services).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "eduinnov"


def _domain(module: str) -> str:
    """``eduinnov.achievements.services.rules`` → ``achievements`` (top-level modules are their own domain)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _is_module(dotted: str) -> bool:
    path = ROOT.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def cross_package_private_uses(path: Path) -> list[str]:
    """Private names of another domain that ``path`` imports, or reads off an imported module."""
    own = _domain(".".join(path.relative_to(ROOT.parent).with_suffix("").parts))
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # local name → dotted module of another domain
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("eduinnov"):
            if _domain(node.module) == own:
                continue
            if any(_private(part) for part in node.module.split(".")):
                found.append(f"{path.name}:{node.lineno} from {node.module} import …")
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{path.name}:{node.lineno} {node.module}.{alias.name}")
                elif _is_module(f"{node.module}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("eduinnov.") and _domain(alias.name) != own and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and _private(node.attr)):
            found.append(f"{path.name}:{node.lineno} {modules[node.value.id]}.{node.attr}")
    return found


def test_the_checker_sees_a_private_import_and_a_private_attribute(tmp_path, monkeypatch):
    fake = ROOT / "imports" / "_probe_not_a_module.py"
    source = ("from eduinnov.achievements.services import _clean\n"
              "from eduinnov.core import audit\n"
              "from eduinnov.frameworks.services._common import clean_text\n"
              "from eduinnov.imports.services._plan import CREATE\n"
              "audit._jsonable(1)\n")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source if self == fake else "")
    assert cross_package_private_uses(fake) == [
        "_probe_not_a_module.py:1 eduinnov.achievements.services._clean",
        "_probe_not_a_module.py:3 from eduinnov.frameworks.services._common import …",
        "_probe_not_a_module.py:5 eduinnov.core.audit._jsonable",
    ]


def test_no_package_uses_another_packages_private_names():
    offenders = {str(p.relative_to(ROOT)): cross_package_private_uses(p) for p in ROOT.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


WRITES = {"insert", "update", "delete"}  # sqlalchemy statements that write
SESSION_WRITES = {"add", "add_all", "delete", "merge", "bulk_save_objects", "bulk_insert_mappings",
                  "bulk_update_mappings"}


def model_writes(path: Path) -> list[str]:
    """Places in ``path`` that write rows themselves: Core write statements or session adds/deletes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sqlalchemy"):
            found += [f"{path.name}:{node.lineno} imports {a.name}" for a in node.names if a.name in WRITES]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if node.func.attr in SESSION_WRITES and isinstance(owner, ast.Attribute) and owner.attr == "session":
                found.append(f"{path.name}:{node.lineno} session.{node.func.attr}")
            elif node.func.attr in WRITES and isinstance(owner, ast.Name) and owner.id in {"sa", "sqlalchemy"}:
                found.append(f"{path.name}:{node.lineno} {owner.id}.{node.func.attr}")
    return found


def test_the_write_checker_sees_core_inserts_and_session_adds(monkeypatch):
    fake = ROOT / "imports" / "_probe_not_a_module.py"
    source = ("from sqlalchemy import insert, select\n"
              "db.session.add(Student())\n"
              "db.session.execute(sa.delete(Student))\n"
              "db.session.execute(select(Student))\n")
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source if self == fake else "")
    assert model_writes(fake) == ["_probe_not_a_module.py:1 imports insert", "_probe_not_a_module.py:2 session.add",
                                  "_probe_not_a_module.py:3 sa.delete"]


def test_imports_write_no_model_themselves():
    """STYLE.md §3: imports parse into validated rows, then call domain services."""
    offenders = {str(p.relative_to(ROOT)): model_writes(p) for p in (ROOT / "imports").rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}
