"""Pure numeric evaluation engine: weighting and aggregation methods on numpy arrays.

Imports only the standard library, numpy, pandas and scipy (never flask, sqlalchemy or other eduinnov
packages). Conventions (directions, 1-based ranks, constant columns) are those of DOMAIN.md,
"Evaluation methods". Every public function validates its input once and returns a frozen result
dataclass with the arrays, lazily computed ranks and explanation ``steps``, and ``to_dict()`` for JSON.

Hierarchical models (a tree of indicators over a table of raw leaf values) are evaluated by
:mod:`.hierarchy` and their weight sensitivity by :mod:`.sensitivity`; method parameters, their defaults and
bounds are in :mod:`.params`.

Command line: ``python -m eduinnov.evaluation METHOD < input.json`` (``--list`` names the methods).
"""

from .aggregation import (
    COUPLING_GRADES,
    FUZZY_OPERATORS,
    CouplingResult,
    FuzzyResult,
    FuzzyTwoLevelResult,
    GRAResult,
    LocationQuotientResult,
    PCAResult,
    TOPSISResult,
    UnascertainedResult,
    WeightedSumResult,
    coupling_coordination,
    coupling_grade,
    fuzzy_compose,
    fuzzy_evaluate,
    fuzzy_evaluate_two_level,
    grey_relational,
    location_quotient,
    pca_composite,
    topsis,
    unascertained_measure,
    weighted_sum,
)
from .hierarchy import ComputeError, EvaluationOutcome, GradeBand, LeafSpec, ModelSpec, NodeSpec, Scaling
from .hierarchy import evaluate as evaluate_model
from .normalization import normalize_minmax, normalize_vector
from .params import PARAMS, Param, check_param
from .results import RANK_TOLERANCE, Result, Step, competition_rank, rank_descending
from .sensitivity import sensitivity as model_sensitivity
from .validation import Direction, EvaluationInputError
from .weighting import (
    SAATY_RI,
    AHMResult,
    AHPResult,
    CombinedWeights,
    CRITICResult,
    CVResult,
    EntropyResult,
    Judgment,
    ahm_weights,
    ahp_weights,
    combine_weights,
    critic_weights,
    cv_weights,
    entropy_weights,
    expert_weights,
    most_inconsistent_judgment,
)

__all__ = [
    "PARAMS",
    "ComputeError",
    "EvaluationOutcome",
    "GradeBand",
    "LeafSpec",
    "ModelSpec",
    "NodeSpec",
    "Param",
    "Scaling",
    "check_param",
    "evaluate_model",
    "model_sensitivity",
    "COUPLING_GRADES",
    "FUZZY_OPERATORS",
    "SAATY_RI",
    "AHMResult",
    "AHPResult",
    "CRITICResult",
    "CVResult",
    "CombinedWeights",
    "CouplingResult",
    "Direction",
    "EntropyResult",
    "EvaluationInputError",
    "FuzzyResult",
    "FuzzyTwoLevelResult",
    "GRAResult",
    "Judgment",
    "LocationQuotientResult",
    "PCAResult",
    "Result",
    "Step",
    "TOPSISResult",
    "UnascertainedResult",
    "WeightedSumResult",
    "ahm_weights",
    "ahp_weights",
    "combine_weights",
    "coupling_coordination",
    "coupling_grade",
    "critic_weights",
    "cv_weights",
    "entropy_weights",
    "expert_weights",
    "fuzzy_compose",
    "fuzzy_evaluate",
    "fuzzy_evaluate_two_level",
    "grey_relational",
    "location_quotient",
    "most_inconsistent_judgment",
    "normalize_minmax",
    "normalize_vector",
    "pca_composite",
    "rank_descending",
    "competition_rank",
    "RANK_TOLERANCE",
    "topsis",
    "unascertained_measure",
    "weighted_sum",
]
