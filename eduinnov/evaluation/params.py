"""One registry of method parameters: name, default and bounds, written once.

Read by the methods themselves (defaults and range checks), the JSON calculator, the YAML spec
validation, the model-editor forms and views, and the typed node spec of :mod:`.hierarchy`, so that
GRA's rho = 0.5 or PCA's 0.85 are never written anywhere else (the idea of pymcdm's ``validators.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .validation import EvaluationInputError, parse_number

__all__ = ["PARAMS", "Param", "check_param", "default"]


@dataclass(frozen=True)
class Param:
    """A numeric parameter of a method: its default and the interval it must lie in.

    ``lo_open`` / ``hi_open`` make the bound strict; ``None`` means unbounded on that side.
    """

    method: str
    name: str
    default: float
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    #: A typical, suggested value range for form widgets (``step`` of the input).
    step: float = 0.01

    def contains(self, value: float) -> bool:
        """Whether ``value`` is finite and within the bounds."""
        if not math.isfinite(value):
            return False
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        return not (self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi))

    @property
    def interval(self) -> str:
        """The bounds in interval notation, e.g. ``(0, 1]`` or ``[1, ∞)``."""
        left = "-∞" if self.lo is None else f"{self.lo:g}"
        right = "∞" if self.hi is None else f"{self.hi:g}"
        return (("(" if self.lo_open or self.lo is None else "[") + f"{left}, {right}"
                + (")" if self.hi_open or self.hi is None else "]"))


#: Every numeric method parameter, keyed by ``(method, name)``.
PARAMS: dict[tuple[str, str], Param] = {
    (p.method, p.name): p
    for p in (
        Param("gra", "rho", 0.5, 0.0, 1.0, lo_open=True),
        Param("pca", "threshold", 0.85, 0.0, 1.0, lo_open=True),
        Param("ahm", "beta", 2.0, 1.0, None, step=0.5),
        Param("unascertained", "lambda", 0.6, 0.0, 1.0, lo_open=True),
        Param("combine", "alpha", 0.5, 0.0, 1.0),
        Param("coupling", "floor", 0.01, 0.0, 1.0, lo_open=True, step=0.001),
        Param("sensitivity", "spread", 0.15, 0.0, 1.0, hi_open=True),
        Param("sensitivity", "draws", 500, 10, 5000, step=1),
    )
}


def default(method: str, name: str) -> float:
    """The default value of a parameter."""
    return PARAMS[(method, name)].default


def check_param(method: str, name: str, value: Any = None) -> float:
    """Parse ``value`` (``None`` = the default) and check it against the registry's bounds.

    Raises
    ------
    EvaluationInputError
        Not a number, or outside the bounds (the message names the method, the parameter and the interval).
    """
    p = PARAMS[(method, name)]
    if value is None:
        return p.default
    v = parse_number(value, method=method, where=name)
    if not p.contains(v):
        raise EvaluationInputError(f"{method}: {name} must be in {p.interval}, got {v:g}")
    return v
