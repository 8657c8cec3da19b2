"""The kernel/wrapper split of PCA, location quotient and the weighting methods changed no bit.

``data/kernel_golden.json`` was recorded with the code *before* the split (``EDUINNOV_RECORD_GOLDEN=1``
writes it again): for every case, each float array of the result is kept as the SHA-256 of its float64
bytes (bit-exact) plus its first values in ``float.hex`` form, so a mismatch shows where it starts.
Inputs are random (fixed seeds), small ones and ones large enough for the blocked fast path.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from eduinnov.evaluation import (
    ahm_weights,
    ahp_weights,
    combine_weights,
    critic_weights,
    cv_weights,
    entropy_weights,
    location_quotient,
    most_inconsistent_judgment,
    pca_composite,
)

GOLDEN = Path(__file__).parent / "data" / "kernel_golden.json"
SHAPES = [(7, 4), (40, 9), (9000, 8)]  # the last one (72,000 cells) takes the blocked path


def _judgments(rng: np.random.Generator, n: int) -> np.ndarray:
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            v = float(rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9]))
            a[i, j], a[j, i] = (v, 1 / v) if rng.random() < 0.5 else (1 / v, v)
    return a


def _cases():
    for seed, (m, n) in enumerate(SHAPES):
        rng = np.random.default_rng(1000 + seed)
        x = rng.gamma(2.0, 3.0, size=(m, n)) * rng.uniform(0.5, 200.0, size=n)
        benefit = list(rng.random(n) < 0.6)
        tag = f"{m}x{n}"
        yield f"entropy {tag}", lambda x=x, b=benefit: entropy_weights(x, b)
        yield f"cv {tag}", lambda x=x: cv_weights(x)
        yield f"critic {tag}", lambda x=x, b=benefit: critic_weights(x, b)
        yield f"pca kaiser {tag}", lambda x=x: pca_composite(x)
        yield f"pca cumulative {tag}", lambda x=x: pca_composite(x, "cumulative", 0.8)
        yield f"location_quotient {tag}", lambda x=x: location_quotient(x)
        yield f"pca extreme {tag}", lambda x=x: pca_composite(x * 1e300)
        yield f"location_quotient extreme {tag}", lambda x=x: location_quotient(x * 1e-310)
    for n in (3, 5, 9):
        rng = np.random.default_rng(2000 + n)
        a = _judgments(rng, n)
        yield f"ahp eigen {n}", lambda a=a: ahp_weights(a)
        yield f"ahp geometric {n}", lambda a=a: ahp_weights(a, "geometric")
        yield f"ahm {n}", lambda a=a: ahm_weights(a, beta=2.5)
        yield f"judgment {n}", lambda a=a: most_inconsistent_judgment(a)
        s = ahp_weights(a).weights
        o = entropy_weights(rng.uniform(0, 10, size=(12, n))).weights
        yield f"combine linear {n}", lambda s=s, o=o: combine_weights(s, o, alpha=0.3)
        yield f"combine multiplicative {n}", lambda s=s, o=o: combine_weights(s, o, method="multiplicative")


def _fingerprint(result) -> dict:
    if result is None:
        return {"none": True}
    if hasattr(result, "to_dict") and not hasattr(result, "__dataclass_fields__"):
        values = result.to_dict()
    else:
        values = {k: getattr(result, k) for k in result.__dataclass_fields__ if k not in ("index", "columns")}
    out = {}
    for key, value in sorted(values.items()):
        if isinstance(value, np.ndarray) or isinstance(value, float | int | bool | np.floating | np.integer):
            arr = np.asarray(value)
            if arr.dtype.kind == "f":
                arr = arr.astype(np.float64)
                out[key] = {"shape": list(arr.shape), "sha256": hashlib.sha256(arr.tobytes()).hexdigest(),
                            "head": [float(v).hex() for v in arr.ravel()[:4]]}
            else:
                out[key] = {"shape": list(arr.shape), "values": arr.ravel().tolist()[:64],
                            "sha256": hashlib.sha256(arr.astype(np.int64).tobytes()).hexdigest()}
        elif isinstance(value, str | None):
            out[key] = value
    return out


def _all() -> dict:
    return {name: _fingerprint(fn()) for name, fn in _cases()}


if os.environ.get("EDUINNOV_RECORD_GOLDEN") == "1":  # pragma: no cover - run once, before a refactor
    GOLDEN.write_text(json.dumps(_all(), indent=1, sort_keys=True) + "\n")


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("name, fn", list(_cases()), ids=[name for name, _ in _cases()])
def test_bit_identical_to_recorded_output(golden, name, fn):
    assert _fingerprint(fn()) == golden[name]


def test_every_case_was_recorded(golden):
    assert sorted(golden) == sorted(name for name, _ in _cases())
