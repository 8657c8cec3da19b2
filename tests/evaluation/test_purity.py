"""The engine stays pure: importing it loads no web or database library."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
CHECK = "import sys; import eduinnov.evaluation; print(sorted(m for m in ('flask', 'sqlalchemy') if m in sys.modules))"


def test_fresh_import_loads_no_flask_or_sqlalchemy():
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=ENV, cwd=ROOT,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_evaluation_package_itself_imports_nothing_outside_numeric_stack():
    # Load the package under an empty parent so only eduinnov/evaluation's own imports count.
    stub = f"import sys, types; pkg = types.ModuleType('eduinnov'); pkg.__path__ = [{str(ROOT / 'eduinnov')!r}]; "
    code = stub + (
        "sys.modules['eduinnov'] = pkg; "
        "before = set(sys.modules); import eduinnov.evaluation; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(new & {'flask', 'sqlalchemy', 'werkzeug', 'jinja2', 'weasyprint'})); "
        "print(sorted(m for m in sys.modules if m.startswith('eduinnov.') and not m.startswith('eduinnov.evaluation')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["[]", "[]"]
