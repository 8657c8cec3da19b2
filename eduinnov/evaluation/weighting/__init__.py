"""Weighting methods, one per module: subjective (AHP, AHM, expert), objective (entropy, CV, CRITIC) and
their combination.

Each public function validates its input once, computes with whole-matrix numpy (blocked passes for the
objective methods, see :mod:`..normalization`) and returns a frozen result dataclass.
"""

from ._base import CR_THRESHOLD, RECIPROCAL_TOLERANCE, SAATY_RI, parse_judgment_matrix
from .ahm import AHMResult, ahm_weights
from .ahp import AHPResult, Judgment, ahp_weights, most_inconsistent_judgment
from .combine import CombinedWeights, combine_weights, expert_weights
from .critic import CRITICResult, critic_weights
from .cv import CVResult, cv_weights
from .entropy import EntropyResult, entropy_weights

__all__ = [
    "CR_THRESHOLD",
    "RECIPROCAL_TOLERANCE",
    "SAATY_RI",
    "AHPResult",
    "AHMResult",
    "EntropyResult",
    "CVResult",
    "CRITICResult",
    "CombinedWeights",
    "Judgment",
    "ahp_weights",
    "ahm_weights",
    "most_inconsistent_judgment",
    "entropy_weights",
    "cv_weights",
    "critic_weights",
    "expert_weights",
    "combine_weights",
    "parse_judgment_matrix",
]
