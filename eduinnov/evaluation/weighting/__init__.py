"""Weighting methods, one per module: subjective (AHP, AHM, expert), objective (entropy, CV, CRITIC) and
their combination.

Each module holds a pure kernel over arrays (``ahp_kernel``, ``ahm_kernel``, ``entropy_kernel``,
``cv_kernel``, ``critic_kernel``, ``combine_kernel``: no checks, whole-matrix numpy, blocked passes for the
objective methods, see :mod:`..normalization`) and a thin public function that validates its input once,
calls the kernel, refuses what the kernel cannot give a meaning to, and returns a frozen result dataclass.
"""

from ._base import CR_THRESHOLD, RECIPROCAL_TOLERANCE, SAATY_RI, parse_judgment_matrix
from .ahm import AHMResult, ahm_weights
from .ahp import AHPResult, Judgment, ahp_weights, most_inconsistent_judgment
from .combine import CombinedWeights, combine_weights, expert_weights, renormalised
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
    "renormalised",
]
