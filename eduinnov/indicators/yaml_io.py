"""Models as readable YAML files: export, parse (with clear messages), and the built-in templates.

The file is the spec of :mod:`eduinnov.indicators.spec` with a header comment; judgments are written as
``{row child: {column child: value}}`` for the upper triangle only (the reciprocal is implied).
Built-in templates live in ``eduinnov/indicators/builtin/*.yaml``; each has a ``key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from eduinnov.indicators.models import EvaluationModel, EvaluationUnit
from eduinnov.indicators.spec import SpecError, model_to_spec, validate_spec

__all__ = ["BUILTIN_DIR", "Template", "dump_model", "dump_spec", "get_template", "list_templates", "parse_yaml"]

BUILTIN_DIR = Path(__file__).parent / "builtin"
MAX_YAML_BYTES = 256 * 1024
# Values counted with every alias expanded: a real model has a few thousand; "*a" nested in "*b" …
# (a "billion laughs" file) has billions and would hang validation.
MAX_YAML_NODES = 200_000


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_spec(spec: dict[str, Any], *, header: str | None = None) -> str:
    """A spec as YAML text, keys in a readable order, Chinese left as it is."""
    order = ["key", "name", "description", "unit", "include_unverified", "grade_scale", "settings", "tree"]
    ordered = {k: spec[k] for k in order if k in spec and spec[k] not in (None, {}, [])}
    if "include_unverified" in spec:
        ordered["include_unverified"] = bool(spec["include_unverified"])
    text = yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)
    if header:
        text = "".join(f"# {line}\n" for line in header.splitlines()) + text
    return text


def dump_model(model: EvaluationModel) -> str:
    """The model version as a YAML file (import it to make a new draft)."""
    spec = model_to_spec(model)
    header = (f"eduinnov evaluation model: {model.name} (version {model.version}, {model.status.value})\n"
              "Judgments: upper triangle, row child vs column child on Saaty's 1-9 scale (1/3 = less important).")
    return dump_spec(spec, header=header)


def parse_yaml(text: str | bytes) -> dict[str, Any]:
    """Parse and validate a model file; :class:`SpecError` names the line, or the node and the field."""
    if isinstance(text, bytes):
        if len(text) > MAX_YAML_BYTES:
            raise SpecError(_("The file is too large (at most 256 KB)."))
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SpecError(_("The file is not UTF-8 text.")) from None
    try:
        data = yaml.safe_load(text)
        _check_expanded_size(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(" at line %(line)d, column %(col)d", line=mark.line + 1, col=mark.column + 1) if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SpecError(_("The file is not valid YAML%(where)s: %(problem)s", where=where, problem=problem)) from None
    except RecursionError:
        raise SpecError(_("The file is nested too deeply to be a model.")) from None
    return validate_spec(data)


def _check_expanded_size(data: Any) -> None:
    """Refuse data that is huge once its aliases are expanded, or that contains itself (memoised walk)."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()

    def size(obj: Any) -> int:
        if not isinstance(obj, dict | list):
            return 1
        key = id(obj)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise SpecError(_("The file refers to itself through an alias."))
        open_.add(key)
        total = 1
        for item in (*obj.keys(), *obj.values()) if isinstance(obj, dict) else obj:
            total += size(item)
            if total > MAX_YAML_NODES:
                raise SpecError(_("The file expands to more than %(n)d values through its aliases; a model "
                                  "never needs that many.", n=MAX_YAML_NODES))
        open_.discard(key)
        sizes[key] = total
        return total

    size(data)


@dataclass(frozen=True)
class Template:
    """A built-in model template: its key, its raw data and where it came from.

    The file gives the name and description in both languages (``name_zh`` / ``name_en``,
    ``description_zh`` / ``description_en``); :attr:`spec` is the model description with ``name`` and
    ``description`` in the user's language (Chinese unless English is chosen).
    """

    key: str
    data: dict[str, Any]
    path: Path

    def localized(self, field: str, language: str | None = None) -> str:
        language = language or _language()
        first, second = (f"{field}_en", f"{field}_zh") if language == "en" else (f"{field}_zh", f"{field}_en")
        return str(self.data.get(first) or self.data.get(second) or self.data.get(field) or "").strip()

    @property
    def spec(self) -> dict[str, Any]:
        out = {k: v for k, v in self.data.items()
               if k not in ("name_zh", "name_en", "description_zh", "description_en")}
        out["name"] = self.localized("name")
        out["description"] = self.localized("description")
        return out

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def description(self) -> str:
        return self.localized("description")

    @property
    def unit(self) -> str:
        return self.spec["unit"]

    @property
    def unit_enum(self) -> EvaluationUnit:
        return EvaluationUnit(self.spec["unit"])

    def count_nodes(self) -> tuple[int, ...]:
        """Number of indicators on each level below the goal (e.g. (5, 9))."""
        counts: list[int] = []
        level = self.spec["tree"].get("children", [])
        while level:
            counts.append(len(level))
            level = [c for n in level for c in n.get("children", [])]
        return tuple(counts)


def _language() -> str:
    """The user's language when there is a request, else Chinese (the product's default)."""
    try:
        from flask_babel import get_locale

        locale = get_locale()
    except Exception:  # outside an application or request context
        locale = None
    return locale.language if locale is not None else "zh"


@lru_cache(maxsize=1)
def _load_templates() -> tuple[Template, ...]:
    out = []
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        key = data.pop("key", path.stem)
        out.append(Template(key, data, path))
    return tuple(out)


def list_templates() -> list[Template]:
    """The built-in templates, in file-name order."""
    return list(_load_templates())


def get_template(key: str) -> Template | None:
    """One template by key, or None."""
    return next((t for t in _load_templates() if t.key == key), None)
