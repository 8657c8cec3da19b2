"""pybabel cannot see a gettext call written inside an f-string: such a string would never be translated."""

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "eduinnov"
CALL = re.compile(r"\b(_|_l|gettext|lazy_gettext|ngettext|pgettext)\(")


def test_no_translatable_call_inside_an_f_string():
    found = []
    for path in ROOT.rglob("*.py"):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        for tok in tokens:
            if tok.type == tokenize.STRING and tok.string[:2].lower() in ("f'", 'f"', "rf", "fr") and CALL.search(tok.string):
                found.append(f"{path.relative_to(ROOT.parent)}:{tok.start[0]}")
    assert found == [], "move these gettext calls out of the f-string: " + ", ".join(found)
