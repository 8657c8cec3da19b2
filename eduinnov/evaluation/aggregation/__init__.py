"""Aggregation methods: scores and grades from indicator values and weights, one method per module.

Each module holds a pure kernel over arrays (with an optional leading batch axis, so Monte Carlo
sensitivity re-evaluates many weight draws with the same code) and a thin checked public function that
returns a frozen result: weighted sum, TOPSIS, grey relational analysis, fuzzy comprehensive evaluation
(one and two levels), unascertained measure, PCA composite, coupling coordination degree and location
quotient.
"""

from .coupling import COUPLING_GRADES, CouplingResult, coupling_coordination, coupling_grade
from .fuzzy import (
    FUZZY_OPERATORS,
    FuzzyResult,
    FuzzyTwoLevelResult,
    fuzzy_compose,
    fuzzy_evaluate,
    fuzzy_evaluate_two_level,
)
from .gra import GRAResult, grey_relational
from .location_quotient import LocationQuotientResult, location_quotient
from .pca import PCAResult, pca_composite
from .topsis import TOPSISResult, topsis
from .unascertained import UnascertainedResult, unascertained_measure
from .weighted_sum import WeightedSumResult, weighted_sum

__all__ = [
    "COUPLING_GRADES",
    "FUZZY_OPERATORS",
    "WeightedSumResult",
    "TOPSISResult",
    "GRAResult",
    "FuzzyResult",
    "FuzzyTwoLevelResult",
    "UnascertainedResult",
    "PCAResult",
    "CouplingResult",
    "LocationQuotientResult",
    "weighted_sum",
    "topsis",
    "grey_relational",
    "fuzzy_evaluate",
    "fuzzy_evaluate_two_level",
    "fuzzy_compose",
    "unascertained_measure",
    "pca_composite",
    "coupling_coordination",
    "coupling_grade",
    "location_quotient",
]
