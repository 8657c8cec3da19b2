"""Composite score from principal components of the correlation matrix."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..normalization import (
    Blocks,
    centered_gram,
    column_stats,
    constant_columns,
    rescale_extreme,
)
from ..params import check_param, default
from ..results import Step
from ..validation import (
    EvaluationInputError,
    as_matrix,
    check_choice,
)
from ._base import _frame, _RankedResult


@dataclass(frozen=True)
class PCAResult(_RankedResult):
    """Result of :func:`pca_composite`."""

    mean: np.ndarray
    std_sample: np.ndarray
    corr: np.ndarray
    eigenvalues: np.ndarray
    all_eigenvectors: np.ndarray
    n_components: int
    component_scores: np.ndarray
    component_weights: np.ndarray
    composite: np.ndarray
    composite_total_share: np.ndarray
    retention: str

    score_key: ClassVar[str] = "composite"
    json_keys: ClassVar[tuple[str, ...]] = (
        "mean", "std_sample", "corr", "eigenvalues", "variance_share", "cumulative_share", "n_components",
        "eigenvectors", "loadings", "component_scores", "component_weights", "composite", "rank",
        "composite_total_share",
    )

    @property
    def variance_share(self) -> np.ndarray:
        """``lambda / p`` for every eigenvalue."""
        return self.eigenvalues / self.eigenvalues.size

    @property
    def cumulative_share(self) -> np.ndarray:
        """Cumulative variance share."""
        return np.cumsum(self.variance_share)

    @property
    def eigenvectors(self) -> np.ndarray:
        """Retained unit eigenvectors (p x k), each with a positive element sum."""
        return self.all_eigenvectors[:, : self.n_components]

    @property
    def loadings(self) -> np.ndarray:
        """Component loadings ``u sqrt(lambda)`` (p x k)."""
        return self.eigenvectors * np.sqrt(np.maximum(self.eigenvalues[: self.n_components], 0.0))

    @cached_property
    def steps(self) -> list[Step]:
        """Correlation matrix, eigenvalues, loadings, component scores and composite."""
        comps = [f"F{k + 1}" for k in range(self.n_components)]
        eig = pd.DataFrame({"eigenvalue": self.eigenvalues, "share": self.variance_share,
                            "cumulative": self.cumulative_share},
                           index=pd.RangeIndex(1, self.eigenvalues.size + 1))
        scores = _frame(self.component_scores, self.index, comps)
        scores["composite"] = self.composite
        scores["rank"] = self.rank
        return [
            Step("Correlation matrix of the indicators", "corr", _frame(self.corr, self.columns, self.columns)),
            Step(f"Eigenvalues ({self.retention}: {self.n_components} retained)", "eigenvalues", eig),
            Step("Loadings of the retained components", "loadings", _frame(self.loadings, self.columns, comps)),
            Step("Component scores, composite and rank", "scores", scores),
        ]


def pca_kernel(
    x: np.ndarray, mean: np.ndarray, cov: np.ndarray, retention: str, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``(std, corr, eigenvalues, eigenvectors, k, scores, component_weights, composite, total_share)``.

    ``x`` (m, p) with column means ``mean`` and centred cross-products ``cov`` (every diagonal entry
    positive). Eigenvalues descending, each eigenvector flipped to a positive element sum (first non-zero
    element positive on a zero sum), ``k`` retained by ``retention`` ('kaiser' or 'cumulative' with
    ``threshold``), scores ``Z u`` of the z-scores written block by block. No checks: the public
    :func:`pca_composite` refuses constant columns before calling it.
    """
    m, p = x.shape
    var = np.diag(cov)
    std = np.sqrt(var / (m - 1))
    sd = np.sqrt(var)
    corr = cov / np.outer(sd, sd)
    np.fill_diagonal(corr, 1.0)
    vals, vecs = np.linalg.eigh(corr)
    vals, vecs = vals[::-1].copy(), vecs[:, ::-1].copy()
    sums = vecs.sum(axis=0)
    first_nz = vecs[np.argmax(np.abs(vecs) > 1e-12, axis=0), np.arange(p)]
    flip = (sums < 0) | ((sums == 0) & (first_nz < 0))
    vecs[:, flip] *= -1.0
    if retention == "kaiser":
        k = max(1, int((vals > 1.0).sum()))
    else:
        cum = np.cumsum(vals / p)
        k = int(np.argmax(cum >= threshold - 1e-12)) + 1
    kept = vals[:k]
    cw = kept / kept.sum()
    u = vecs[:, :k]
    scores = np.empty((m, k))
    blocks = Blocks(m, p)
    mean_t, std_t = blocks.tiled(mean), blocks.tiled(std)

    def project(span: tuple[int, int, int], buf: np.ndarray) -> None:
        r0, r1, reps = span
        z = np.subtract(blocks.view(x, span), mean_t[reps], out=blocks.scratch_view(buf, span))
        np.divide(z, std_t[reps], out=z)
        np.matmul(z.reshape(-1, p), u, out=scores[r0:r1])

    blocks.run(project, parallel=False)
    composite = scores @ cw
    total_share = scores @ (kept / p)
    return std, corr, vals, vecs, k, scores, cw, composite, total_share


def pca_composite(matrix: Any, retention: str = "kaiser", threshold: float = default("pca", "threshold")) -> PCAResult:
    """Composite score from principal components of the correlation matrix.

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, p), m >= 2
        No constant column (its z-score would divide by 0).
    retention : {'kaiser', 'cumulative'}
        ``kaiser``: keep eigenvalues > 1 (at least one component is always kept); ``cumulative``: the
        smallest k whose cumulative share is >= ``threshold`` (1e-12 tolerance).
    threshold : float in (0, 1]
        For ``cumulative`` (default 0.85).

    Returns
    -------
    PCAResult
        ``mean``, ``std_sample`` (ddof=1), ``corr`` (Pearson), ``eigenvalues`` (descending),
        ``variance_share``, ``cumulative_share``, ``n_components``, ``eigenvectors`` (unit, each flipped so
        its element sum is > 0; if the sum is exactly 0, so that its first non-zero element is > 0),
        ``loadings = u sqrt(lambda)``, ``component_scores F = Z u``, ``component_weights =
        lambda_k / sum_retained lambda``, ``composite = sum_k weight_k F_k``, ``rank``,
        ``composite_total_share = sum_k (lambda_k / p) F_k``.

    References
    ----------
    .. [1] Jolliffe, I. T. (2002). *Principal Component Analysis*, 2nd ed. Springer (Kaiser's rule,
       section 6.1.2; cumulative percentage of variance, section 6.1.1).
    .. [2] Kaiser, H. F. (1960). The application of electronic computers to factor analysis.
       *Educational and Psychological Measurement* 20(1), 141-151.
    """
    retention = check_choice(retention, ("kaiser", "cumulative"), method="pca", name="retention")
    threshold = check_param("pca", "threshold", threshold)
    x, index, columns = as_matrix(matrix, method="pca", min_rows=2, check_finite=False)
    m = x.shape[0]
    stats = column_stats(x, method="pca")
    x, stats, scale = rescale_extreme(x, stats, method="pca")  # z-scores are scale-free
    const = constant_columns(stats)
    if const.any():
        j = int(np.flatnonzero(const)[0])
        raise EvaluationInputError(f"pca: column {j + 1} is constant (zero variance); its z-score divides by 0")
    mean0 = stats.sum / m
    cov, dsum = centered_gram(x, mean0, gram=True)
    mean = mean0 + dsum / m
    var = np.diag(cov)
    if (var <= 0).any():
        j = int(np.flatnonzero(var <= 0)[0])
        raise EvaluationInputError(f"pca: column {j + 1} has zero variance; its z-score divides by 0")
    std, corr, vals, vecs, k, scores, cw, composite, total_share = pca_kernel(x, mean, cov, retention, threshold)
    if scale is not None:  # report mean and std in the units of the input
        mean, std = mean * scale, std * scale
    return PCAResult(index, columns, mean, std, corr, vals, vecs, k, scores, cw, composite, total_share, retention)
