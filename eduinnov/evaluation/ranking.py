"""Displayed ranks: competition ranking ("1224") over scores equal within a relative tolerance.

The calculator's ``rank`` orders every object (ties by first appearance). What a stored run shows a
reader is different: objects whose scores are equal within a relative tolerance of 1e-9 share a rank,
and the next rank skips the tied places (1, 2, 2, 4), so float noise such as 0.7500000000000001 vs
0.75 never decides who is "first".

References
----------
"Standard competition ranking", e.g. Wikipedia, *Ranking* (§ Standard competition ranking ("1224")).
"""

from __future__ import annotations

import numpy as np

__all__ = ["RANK_RTOL", "competition_rank", "scores_tie"]

#: Relative tolerance under which two scores are the same score.
RANK_RTOL = 1e-9


def scores_tie(a: float, b: float, rtol: float = RANK_RTOL) -> bool:
    """Whether two scores are equal within ``rtol`` relative to the larger magnitude (0 and -0 tie)."""
    return abs(a - b) <= rtol * max(abs(a), abs(b))


def competition_rank(scores: np.ndarray | list[float], rtol: float = RANK_RTOL) -> np.ndarray:
    """1-based competition ranks, 1 = largest score; ties share the best rank of their group (1, 2, 2, 4).

    Scores are sorted descending; a score joins the tie group of the group's first (largest) score when
    the two are equal within ``rtol`` relative to the larger magnitude, so a chain of tiny steps never
    merges scores that are far apart.

    Parameters
    ----------
    scores : array-like, shape (m,)
        Finite scores (NaN is refused).
    rtol : float
        Relative tolerance of a tie (default 1e-9).

    Returns
    -------
    numpy.ndarray of int64, shape (m,)
        The rank of each score, in the input order.

    Raises
    ------
    ValueError
        The scores are not one-dimensional or contain NaN.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError("scores must be one-dimensional")
    if np.isnan(s).any():
        raise ValueError("scores must not contain NaN")
    order = np.argsort(-s, kind="stable")
    ranks = np.empty(s.size, dtype=np.int64)
    leader = 0.0
    group_rank = 0
    for place, i in enumerate(order, start=1):
        if place == 1 or not scores_tie(float(s[i]), leader, rtol):
            leader, group_rank = float(s[i]), place
        ranks[i] = group_rank
    return ranks
