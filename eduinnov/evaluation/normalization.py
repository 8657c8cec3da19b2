"""Column normalisation: the one place where benefit/cost direction is applied.

Every normalisation the engine uses is an affine map per column, ``y = (x - offset) / divisor``:

============================  ===========================  =============================
normalisation                 offset                       divisor
============================  ===========================  =============================
direction min-max, benefit    ``min_j``                    ``max_j - min_j``
direction min-max, cost       ``max_j``                    ``min_j - max_j`` (negative)
constant column (max = min)   ``0`` (or ``-1`` if x = 0)   ``min_j`` (or ``1``): y = 1
vector (TOPSIS)               ``0``                        ``sqrt(sum_i x_ij^2)``
z-score (PCA)                 ``mean_j``                   ``std_j`` (ddof = 1)
none                          ``0``                        ``1``
============================  ===========================  =============================

so one blocked kernel (:func:`affine_columns`) serves them all. The kernels walk the matrix in row
blocks that fit in cache, and view each block as a wide array (``k`` original rows side by side) so that
numpy's inner loops are long even when there are only a few columns; column vectors are tiled ``k`` times
to match. This is what makes one pass over a 1,000,000 x 20 matrix take milliseconds rather than the
tenths of a second that ``x.min(axis=0)`` needs on such a narrow array.

References
----------
.. [1] Hwang, C.-L. and Yoon, K. (1981). *Multiple Attribute Decision Making: Methods and Applications*.
   Springer, Lecture Notes in Economics and Mathematical Systems 186 (vector normalisation).
.. [2] Jahan, A. and Edwards, K. L. (2015). A state-of-the-art survey on the influence of normalization
   techniques in ranking. *Materials & Design* 65, 335-342 (min-max with cost direction).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from .validation import EvaluationInputError, raise_nonfinite

__all__ = [
    "ColumnStats",
    "column_stats",
    "minmax_parameters",
    "minmax_offsets",
    "affine_columns",
    "affine_map",
    "normalize_minmax",
    "normalize_vector",
    "normalize_zscore",
    "constant_columns",
    "centered_gram",
    "row_dot",
    "rescale_extreme",
    "Blocks",
    "BLOCKED_MIN_ELEMS",
    "use_blocked",
]

# A block holds about this many elements (512 KiB of float64): a few temporaries of that size stay in L2.
_BLOCK_ELEMS = 1 << 16
# Blocks are viewed at least this wide so numpy's inner loops run long.
_MIN_WIDTH = 1024
# Matrices with fewer elements than this are processed in the calling thread.
_PARALLEL_MIN_ELEMS = 1 << 20
# The one switch of the blocked (and, for large matrices, threaded) fast path: matrices with at least
# this many elements take it; smaller ones, and every batch of Monte Carlo draws, go through the plain
# numpy kernels. Set EDUINNOV_EVAL_BLOCKED=0 to turn the fast path off.
BLOCKED_MIN_ELEMS = 1 << 16


def use_blocked(x: np.ndarray) -> bool:
    """Whether a validated 2-D matrix takes the blocked fast path (see ``BLOCKED_MIN_ELEMS``)."""
    if os.environ.get("EDUINNOV_EVAL_BLOCKED", "").strip() == "0":
        return False
    return x.ndim == 2 and x.size >= BLOCKED_MIN_ELEMS


def _thread_count() -> int:
    """Worker threads for large matrices: ``EDUINNOV_EVAL_THREADS`` or the CPU count (at most 8)."""
    env = os.environ.get("EDUINNOV_EVAL_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(8, os.cpu_count() or 1))


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._max_workers < workers:
            _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eduinnov-eval")
        return _POOL


class Blocks:
    """Row blocks of an ``(m, n)`` C-contiguous layout, each viewable as a wide 2-D array.

    A *span* is ``(row_start, row_stop, reps)``: rows ``row_start:row_stop`` are viewed as an array of
    shape ``(rows / reps, reps * n)``. Column vectors for that view come from :meth:`tiled`.
    """

    def __init__(self, m: int, n: int, block_elems: int = _BLOCK_ELEMS) -> None:
        self.m, self.n = m, n
        self.k = k = max(1, -(-_MIN_WIDTH // n))
        wide_rows = m // k * k
        self.step = step = max(k, (block_elems // n) // k * k)
        self.spans: list[tuple[int, int, int]] = [
            (r, min(r + step, wide_rows), k) for r in range(0, wide_rows, step)
        ]
        if wide_rows < m:
            self.spans.append((wide_rows, m, 1))
        self.max_rows = min(m, step) if m else 0

    def view(self, a: np.ndarray, span: tuple[int, int, int]) -> np.ndarray:
        """The wide view of rows ``span`` of ``a`` (no copy)."""
        r0, r1, reps = span
        return a[r0:r1].reshape(-1, reps * self.n)

    def scratch(self) -> np.ndarray:
        """A flat temporary big enough for one block."""
        return np.empty(self.max_rows * self.n)

    def scratch_view(self, buf: np.ndarray, span: tuple[int, int, int]) -> np.ndarray:
        """The wide view of the first rows of a :meth:`scratch` buffer matching ``span``."""
        r0, r1, reps = span
        return buf[: (r1 - r0) * self.n].reshape(-1, reps * self.n)

    def tiled(self, v: np.ndarray) -> dict[int, np.ndarray]:
        """``{reps: v tiled reps times}`` for every reps a span may have."""
        return {1: v, self.k: np.tile(v, self.k)}

    def fold(self, reduced: np.ndarray, reps: int, ufunc: np.ufunc) -> np.ndarray:
        """Fold a wide reduction of length ``reps * n`` back to ``n`` columns."""
        return ufunc.reduce(reduced.reshape(reps, self.n), axis=0)

    def __iter__(self) -> Iterator[tuple[int, int, int]]:
        return iter(self.spans)

    def run(self, fn: Callable[[tuple[int, int, int], np.ndarray], Any], *, parallel: bool = True) -> list[Any]:
        """Apply ``fn(span, scratch)`` to every span; return the results in span order.

        Large matrices are split into contiguous runs of spans, one per worker thread (numpy and BLAS
        release the GIL); each thread has its own scratch buffer. ``fn`` may write to disjoint rows of
        shared outputs. Callers reduce the per-span results in span order, so the numbers do not depend
        on the number of threads. Pass ``parallel=False`` when ``fn`` calls BLAS: OpenBLAS serialises
        concurrent callers and its own spinning threads would compete with ours.
        """
        workers = min(_thread_count(), len(self.spans)) if parallel else 1
        if workers <= 1 or self.m * self.n < _PARALLEL_MIN_ELEMS:
            buf = self.scratch()
            return [fn(span, buf) for span in self.spans]
        chunks = np.array_split(np.arange(len(self.spans)), workers)

        def work(ids: np.ndarray) -> list[Any]:
            buf = self.scratch()
            return [fn(self.spans[i], buf) for i in ids]

        out: list[Any] = []
        for part in _pool(workers).map(work, chunks):
            out.extend(part)
        return out


@dataclass(frozen=True)
class ColumnStats:
    """Per-column minimum, maximum, sum (and optionally sum of squares), from one pass."""

    min: np.ndarray
    max: np.ndarray
    sum: np.ndarray
    sumsq: np.ndarray | None = None


def column_stats(x: np.ndarray, *, sumsq: bool = False, method: str = "evaluation") -> ColumnStats:
    """Compute column min, max and sum (and sum of squares) in one blocked pass.

    Raises :class:`EvaluationInputError` naming the first NaN or infinite cell: NaN and inf propagate
    into the column minimum or maximum, so detecting them costs nothing extra.
    """
    m, n = x.shape
    blocks = Blocks(m, n)

    def part(span: tuple[int, int, int], buf: np.ndarray) -> tuple[np.ndarray, ...]:
        v = blocks.view(x, span)
        reps = span[2]
        res = (
            blocks.fold(v.min(axis=0), reps, np.minimum),
            blocks.fold(v.max(axis=0), reps, np.maximum),
            blocks.fold(v.sum(axis=0), reps, np.add),
        )
        if sumsq:
            with np.errstate(over="ignore", under="ignore"):  # extreme columns are rescaled by the caller
                t = np.multiply(v, v, out=blocks.scratch_view(buf, span))
            res += (blocks.fold(t.sum(axis=0), reps, np.add),)
        return res

    parts = blocks.run(part)
    mn = np.min([p[0] for p in parts], axis=0)
    mx = np.max([p[1] for p in parts], axis=0)
    sm = np.sum([p[2] for p in parts], axis=0)
    sq = np.sum([p[3] for p in parts], axis=0) if sumsq else None
    if not (np.isfinite(mn).all() and np.isfinite(mx).all()):
        raise_nonfinite(x, method=method)
    return ColumnStats(mn, mx, sm, sq)


#: Columns whose largest magnitude reaches this (or, if not 0, stays below ``EXTREME_LOW``) are rescaled
#: before squares, ranges or sums are taken: 1e160 squared overflows float64, 1e-170 squared underflows.
EXTREME_HIGH = 1e150
EXTREME_LOW = 1e-150


def rescale_extreme(
    x: np.ndarray, stats: ColumnStats, *, common: bool = False, sumsq: bool = False, method: str = "evaluation"
) -> tuple[np.ndarray, ColumnStats, np.ndarray | None]:
    """Divide extreme columns by a power of two near their magnitude: ``(x, stats, scale)``.

    Every method that uses this is invariant to a positive factor per column (min-max, vector and z-score
    normalisation, coefficients of variation, correlations) or, with ``common=True``, to one factor for the
    whole matrix (location quotients); a power of two makes the division exact, so results stay exact
    where squares or ranges of the raw values would overflow. Returns ``x`` and ``stats`` unchanged and
    ``scale = None`` when no column is extreme (the usual case costs nothing: the test reads the column
    minima and maxima already computed).
    """
    mag = np.maximum(np.abs(stats.min), np.abs(stats.max))
    extreme = (mag >= EXTREME_HIGH) | ((mag > 0) & (mag < EXTREME_LOW))
    if not extreme.any():
        return x, stats, None
    if common:
        mag, extreme = np.full_like(mag, mag.max()), np.ones_like(extreme)
    # mag = f 2^e with 0.5 <= f < 1: dividing by 2^(e-1) (finite even for mag near 1.8e308) brings it to [1, 2)
    scale = np.where(extreme, np.ldexp(1.0, np.frexp(np.where(mag > 0, mag, 1.0))[1] - 1), 1.0)
    y = np.ascontiguousarray(x / scale)
    return y, column_stats(y, sumsq=sumsq, method=method), scale


def row_dot(a: np.ndarray, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ w`` for a 2-D block without BLAS (safe and fast inside the worker threads)."""
    return np.einsum("ij,j->i", a, w, out=out)


def constant_columns(stats: ColumnStats) -> np.ndarray:
    """Boolean mask of the columns whose values are all equal (max = min)."""
    return stats.max == stats.min


def minmax_parameters(stats: ColumnStats, is_cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offset and divisor of the direction min-max normalisation.

    Benefit ``y = (x - min)/(max - min)``, cost ``y = (max - x)/(max - min)``, written as
    ``(x - offset)/divisor``. A constant column maps to exactly 1 (``x/x``, or ``(x + 1)/1`` when x = 0),
    the convention of DOMAIN.md: it carries no information.
    """
    return minmax_offsets(stats.min, stats.max, is_cost)


def minmax_offsets(lo: np.ndarray, hi: np.ndarray, is_cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`minmax_parameters` from column minima and maxima of any shape (..., n) (a batch)."""
    rng = hi - lo
    offset = np.where(is_cost, hi, lo)
    divisor = np.where(is_cost, -rng, rng)
    const = rng == 0
    if const.any():
        zero = const & (lo == 0)
        offset = np.where(const, np.where(zero, -1.0, 0.0), offset)
        divisor = np.where(const, np.where(zero, 1.0, lo), divisor)
    return offset, divisor


def affine_columns(
    x: np.ndarray, offset: np.ndarray, divisor: np.ndarray, *, out: np.ndarray | None = None
) -> np.ndarray:
    """Return ``(x - offset) / divisor`` column-wise, written block by block into ``out``."""
    return affine_map(x, offset, divisor, out=out)[0]


def affine_map(
    x: np.ndarray,
    offset: np.ndarray,
    divisor: np.ndarray,
    hook: Callable[[np.ndarray, tuple[int, int, int], Blocks, np.ndarray], Any] | None = None,
    *,
    out: np.ndarray | None = None,
) -> tuple[np.ndarray, list[Any]]:
    """Write ``y = (x - offset) / divisor`` and run ``hook`` on each block while it is in cache.

    ``hook(y_block, span, blocks, scratch)`` receives the freshly written wide block, its span, the
    :class:`Blocks` layout and a scratch buffer (use :meth:`Blocks.scratch_view`); its return values are
    returned in span order, for the caller to reduce. Blocks may run in parallel threads.
    """
    m, n = x.shape
    if out is None:
        out = np.empty((m, n))
    blocks = Blocks(m, n)
    off = blocks.tiled(np.asarray(offset, dtype=np.float64))
    div = blocks.tiled(np.asarray(divisor, dtype=np.float64))

    def part(span: tuple[int, int, int], buf: np.ndarray) -> Any:
        reps = span[2]
        y = blocks.view(out, span)
        np.subtract(blocks.view(x, span), off[reps], out=y)
        np.divide(y, div[reps], out=y)
        return None if hook is None else hook(y, span, blocks, buf)

    return out, blocks.run(part)


def normalize_minmax(
    x: np.ndarray, is_cost: np.ndarray | None = None, *, stats: ColumnStats | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Direction min-max normalisation of a validated float64 matrix.

    Parameters
    ----------
    x : ndarray, shape (m, n)
        Finite float64 C-contiguous matrix (use :func:`validation.as_matrix`); not modified.
    is_cost : ndarray of bool, shape (n,), optional
        True for cost columns; default all benefit.
    stats : ColumnStats, optional
        Precomputed :func:`column_stats` of ``x``.

    Returns
    -------
    y : ndarray, shape (m, n)
        Benefit ``(x - min)/(max - min)``, cost ``(max - x)/(max - min)``; constant columns are 1.
    constant : ndarray of bool, shape (n,)
        Which columns were constant.

    References
    ----------
    .. [1] Jahan, A. and Edwards, K. L. (2015). *Materials & Design* 65, 335-342.
    """
    stats = stats if stats is not None else column_stats(x)
    x, stats, _scale = rescale_extreme(x, stats)
    is_cost = np.zeros(x.shape[1], dtype=bool) if is_cost is None else is_cost
    offset, divisor = minmax_parameters(stats, is_cost)
    return affine_columns(x, offset, divisor), constant_columns(stats)


def normalize_vector(x: np.ndarray, *, stats: ColumnStats | None = None, method: str = "topsis") -> np.ndarray:
    """Vector normalisation ``r_ij = x_ij / sqrt(sum_i x_ij^2)`` (direction is applied later, by the ideal).

    Raises :class:`EvaluationInputError` for an all-zero column (its norm is 0).

    References
    ----------
    .. [1] Hwang, C.-L. and Yoon, K. (1981). *Multiple Attribute Decision Making*. Springer, p. 131.
    """
    stats = stats if stats is not None and stats.sumsq is not None else column_stats(x, sumsq=True, method=method)
    norm = np.sqrt(stats.sumsq)
    if (norm == 0).any():
        j = int(np.flatnonzero(norm == 0)[0])
        raise EvaluationInputError(
            f"{method}: column {j + 1} is all zeros; vector normalisation would divide by zero"
        )
    return affine_columns(x, np.zeros_like(norm), norm)


def normalize_zscore(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """z-scores ``(x - mean) / std`` column-wise (``std`` must be positive)."""
    return affine_columns(x, mean, std)


def centered_gram(x: np.ndarray, shift: np.ndarray, *, gram: bool) -> tuple[np.ndarray, np.ndarray]:
    """Centred sums of squares of the columns of ``x`` in one blocked pass.

    Returns ``(acc, dsum)``: ``acc`` is ``sum_i (x_ij - mean_j)^2`` per column, or with ``gram=True`` the
    full cross-product matrix ``(x - mean)^T (x - mean)``; ``dsum = sum_i (x_ij - shift_j)``. ``shift``
    should be close to the column mean (it avoids cancellation); the result is corrected to the exact
    mean ``shift + dsum/m``.
    """
    m, n = x.shape
    blocks = Blocks(m, n)
    sh = blocks.tiled(shift)

    def part(span: tuple[int, int, int], buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        reps = span[2]
        t = np.subtract(blocks.view(x, span), sh[reps], out=blocks.scratch_view(buf, span))
        ds = blocks.fold(t.sum(axis=0), reps, np.add)
        if gram:
            t2 = t.reshape(-1, n)
            return t2.T @ t2, ds
        np.multiply(t, t, out=t)
        return blocks.fold(t.sum(axis=0), reps, np.add), ds

    parts = blocks.run(part, parallel=not gram)
    acc = np.sum([p[0] for p in parts], axis=0)
    dsum = np.sum([p[1] for p in parts], axis=0)
    delta = dsum / m
    acc -= m * (np.outer(delta, delta) if gram else delta * delta)
    return acc, dsum
