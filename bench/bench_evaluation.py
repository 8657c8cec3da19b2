"""Benchmark the evaluation engine against pymcdm on seeded data.

Run: ``python bench/bench_evaluation.py [--rows N ...] [--cols 20] [--repeats 5]``
(default sizes 10,000 and 1,000,000 rows x 20 columns).

For each method it prints the best time of a few repeats for our engine (default threads, and one
thread), the same method in pymcdm, their ratio, and the engine's peak extra memory (tracemalloc,
measured in a separate untimed call) as a multiple of the input matrix size.

Baselines: ``pymcdm.weights.entropy_weights``, ``pymcdm.methods.TOPSIS(vector_normalization)``,
``pymcdm.weights.critic_weights``, ``pymcdm.weights.standard_deviation_weights`` (pymcdm has no CV weights;
this is its closest relative). pymcdm has no grey relational analysis, so its GRA baseline is pymcdm's
column normalisation (``helpers.normalize_matrix`` with ``minmax_normalization``) followed by the GRA
formula in plain numpy. pymcdm's entropy and CRITIC use other conventions than DOMAIN.md (sum
normalisation; cost ignored), which does not change the amount of work.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pymcdm import helpers as pm_helpers  # noqa: E402
from pymcdm import methods as pm_methods  # noqa: E402
from pymcdm import normalizations as pm_norm  # noqa: E402
from pymcdm import weights as pm_weights  # noqa: E402

import eduinnov.evaluation as ev  # noqa: E402

SLOW = 2.0  # seconds: a pymcdm call slower than this is run once


def pymcdm_gra(x: np.ndarray, types: np.ndarray, rho: float = 0.5) -> np.ndarray:
    """GRA built from pymcdm's normalisation plus the textbook formula (pymcdm has no GRA)."""
    y = pm_helpers.normalize_matrix(x, pm_norm.minmax_normalization, types)
    delta = np.abs(y.max(axis=0) - y)
    xi = (delta.min() + rho * delta.max()) / (delta + rho * delta.max())
    return xi.mean(axis=1)


def best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        if best > SLOW and repeats > 1:
            break
    return best


def peak_memory(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return peak


def with_threads(n: int | None, fn):
    def run():
        old = os.environ.get("EDUINNOV_EVAL_THREADS")
        if n is None:
            os.environ.pop("EDUINNOV_EVAL_THREADS", None)
        else:
            os.environ["EDUINNOV_EVAL_THREADS"] = str(n)
        try:
            return fn()
        finally:
            if old is None:
                os.environ.pop("EDUINNOV_EVAL_THREADS", None)
            else:
                os.environ["EDUINNOV_EVAL_THREADS"] = old
    return run


def bench_size(m: int, n: int, repeats: int, seed: int) -> None:
    """Time every method on one seeded m x n matrix and print one row per method."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1.0, 100.0, size=(m, n))
    benefit = np.ones(n, dtype=bool)
    benefit[::3] = False
    types = np.where(benefit, 1, -1)
    w = rng.dirichlet(np.ones(n))
    topsis_pm = pm_methods.TOPSIS(normalization_function=pm_norm.vector_normalization)
    cases = [
        ("entropy", lambda: ev.entropy_weights(x, benefit), lambda: pm_weights.entropy_weights(x)),
        ("topsis", lambda: ev.topsis(x, w, benefit), lambda: topsis_pm(x, w, types)),
        ("gra", lambda: ev.grey_relational(x, benefit), lambda: pymcdm_gra(x, types)),
        ("critic", lambda: ev.critic_weights(x, benefit), lambda: pm_weights.critic_weights(x)),
        ("cv", lambda: ev.cv_weights(x), lambda: pm_weights.standard_deviation_weights(x)),
    ]
    input_mb = x.nbytes / 2**20
    for name, ours, theirs in cases:
        ours()  # warm up (thread pool, page cache)
        t_ours = best_time(ours, repeats)
        t_one = best_time(with_threads(1, ours), repeats)
        t_pm = best_time(theirs, 3 if m <= 100_000 else 2)
        peak = peak_memory(ours) / 2**20
        print(f"{m:>9} {name:<8} {t_ours:>9.4f} {t_one:>10.4f} {t_pm:>9.4f} {t_pm / t_ours:>6.1f}x "
              f"{t_pm / t_one:>7.1f}x {peak:>8.1f} {peak / input_mb:>10.2f}", flush=True)
    print(f"{'':>9} input matrix {input_mb:.1f} MB (float64)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="number of rows (repeatable)")
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args(argv)
    sizes = args.rows or [10_000, 1_000_000]
    n = args.cols
    print(f"numpy {np.__version__}; CPUs {os.cpu_count()}; engine threads "
          f"{os.environ.get('EDUINNOV_EVAL_THREADS', 'default')}")
    header = (f"{'rows':>9} {'method':<8} {'ours s':>9} {'ours 1T s':>10} {'pymcdm s':>9} {'ratio':>7} "
              f"{'ratio 1T':>8} {'peak MB':>8} {'peak/input':>10}")
    print(header)
    print("-" * len(header))
    for m in sizes:
        bench_size(m, n, args.repeats, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
