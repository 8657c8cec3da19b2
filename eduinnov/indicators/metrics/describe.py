"""Metric parameters in words, for pages (the YAML keeps the raw values)."""

from __future__ import annotations

from typing import Any

from eduinnov.achievements.models import (
    AchievementKind,
    Indexing,
    Level,
    PatentStatus,
    PatentType,
)
from eduinnov.frameworks.models import (
    ParticipationKind,
)
from eduinnov.indicators.metrics._registry import (
    METRICS,
)

# ---------------------------------------------------------------------------------------------------------
# Parameters in words (for pages; the YAML keeps the raw values)
# ---------------------------------------------------------------------------------------------------------

_PARAM_ENUMS: dict[Any, type] = {
    "levels": Level, "indexing": Indexing, "types": PatentType, "status": PatentStatus,
    ("iur_participations", "kinds"): ParticipationKind, "kinds": AchievementKind,
}


def _value_label(enum_cls: type | None, value: Any) -> str:
    from eduinnov.core.i18n import enum_label

    if enum_cls is not None:
        try:
            return enum_label(enum_cls(value))
        except ValueError:
            pass
    return str(value)


def describe_params(metric_key: str, params: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The parameters of a leaf as (name, value) pairs in the current language, leaving out defaults.

    Enum values become their labels (``["national"]`` → "National"); weights read "SCI 5 · EI 3";
    ``per_100`` becomes "per 100 students". Unknown keys are shown as given.

    Parameters
    ----------
    metric_key : str
        The metric the parameters belong to.
    params : dict or None
        The leaf's stored parameters.

    Returns
    -------
    list of (str, str)
        Translated parameter names and values, ready to print.
    """
    from flask_babel import gettext as _

    metric_ = METRICS.get(metric_key)
    defaults = metric_.params if metric_ else {}
    names = {"levels": _("levels"), "indexing": _("indexing"), "types": _("patent types"), "status": _("status"),
             "kinds": _("kinds"), "weights": _("weights"), "key": _("rating key"), "default": _("when missing"),
             "requirement": _("graduation requirement"), "rule": _("rule")}
    out = []
    for name, value in (params or {}).items():
        if value == defaults.get(name, object()) or value in (None, [], {}):
            continue
        enum_cls = _PARAM_ENUMS.get((metric_key, name)) or _PARAM_ENUMS.get(name)
        if name == "per_100":
            if value:
                out.append((_("per 100 students"), ""))
            continue
        if name == "weights" and isinstance(value, dict):
            enum_cls = Indexing if metric_key == "publications_weighted" else Level
            text = " · ".join(f"{_value_label(enum_cls, k)} {v:g}" if isinstance(v, int | float) else
                              f"{_value_label(enum_cls, k)} {v}" for k, v in value.items())
        elif name == "rule":
            text = {"weighted_sum": _("weighted sum"), "minimum": _("minimum"),
                    "program": _("the program's rule")}.get(value, str(value))
        elif name == "requirement":
            text = f"GR{value}"
        elif isinstance(value, list):
            text = ", ".join(_value_label(enum_cls, v) for v in value)
        else:
            text = _value_label(enum_cls, value)
        out.append((names.get(name, name), text))
    return out
