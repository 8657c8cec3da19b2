"""Test modules share helpers through ``tests/factories.py`` (and ``tests/clients.py``), never by importing
another package's conftest or test module (that re-registers its fixtures and ties unrelated tests together).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return out


def cross_package_imports(root: Path = TESTS) -> list[str]:
    """``path:line: module`` for every import of a conftest or test module of another test package."""
    found = []
    for path in sorted(root.rglob("*.py")):
        package = ".".join(("tests", *path.relative_to(root).parent.parts))
        for line, module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            parts = module.split(".")
            if parts[0] != "tests" or len(parts) < 2:
                continue
            name, owner = parts[-1], ".".join(parts[:-1])
            if (name == "conftest" or name.startswith("test_")) and owner != package:
                found.append(f"{path.relative_to(root.parent)}:{line}: {module}")
    return sorted(set(found))


def test_no_test_module_imports_another_packages_conftest_or_test_module():
    assert cross_package_imports() == []


def test_the_check_finds_such_imports(tmp_path):
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "test_a.py").write_text(
        "from tests.notifications.conftest import smtp_server\n"
        "import tests.home.test_home\n"
        "from tests.auth import conftest\n"  # its own package: allowed
        "from tests.factories import make_user\n"
        "def f():\n    from tests.conftest import csrf_token\n"
    )
    assert cross_package_imports(tmp_path) == [
        "tmp/auth/test_a.py:1: tests.notifications.conftest",
        "tmp/auth/test_a.py:2: tests.home.test_home",
        "tmp/auth/test_a.py:6: tests.conftest",
    ] if tmp_path.name == "tmp" else [
        f"{tmp_path.name}/auth/test_a.py:1: tests.notifications.conftest",
        f"{tmp_path.name}/auth/test_a.py:2: tests.home.test_home",
        f"{tmp_path.name}/auth/test_a.py:6: tests.conftest",
    ]
