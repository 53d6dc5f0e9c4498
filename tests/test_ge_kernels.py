"""The GE kernels module holds numba functions only, and the effect count is not fixed in the kernels."""
from __future__ import annotations

import inspect

import numpy as np
from numba.core.registry import CPUDispatcher

from gravity.ge import _kernels
from gravity.ge.solver import EFFECTS, effects


def test_kernels_module_is_numba_only():
    own = {k: v for k, v in vars(_kernels).items()
           if getattr(v, "__module__", None) == _kernels.__name__ and not k.startswith("__")}
    assert own, "no kernels found"
    python = sorted(k for k, v in own.items() if not isinstance(v, CPUDispatcher))
    assert not python, f"non-numba objects in gravity.ge._kernels: {python}"
    for name in ("_effects", "_one", "_batch"):      # the effect count comes from the caller's buffer
        assert str(len(EFFECTS)) not in inspect.getsource(own[name].py_func)


def test_effects_rows_follow_EFFECTS():
    """Row names match the quantities: with p̂ = 1.1 and unit resistances, price and output_full = +10%,
    real GDP full = +10%; the conditional output and price rows are 0."""
    n = 3
    X = np.full((n, n), 2.0)
    one = np.ones(n)
    out = effects(X, np.ones((n, n)), X.sum(1), X.sum(0), 5.0, one, one, np.full(n, 1.1), one, one, one * 1.1)
    assert out.shape == (len(EFFECTS), n)
    row = dict(zip(EFFECTS, out))
    for k in ("price_full", "output_full", "real_gdp_full"):
        np.testing.assert_allclose(row[k], 10.0, rtol=1e-12)
    for k in ("price_cdl", "output_cdl", "real_gdp_cdl", "omr_cdl", "imr_full", "exports_cdl"):
        np.testing.assert_allclose(row[k], 0.0, atol=1e-12)
    # exports_full: X t̂ p̂_i Ê_j / (Ω̂ Φ̂) = 1.1 · 1.1 → +21%
    np.testing.assert_allclose(row["exports_full"], 21.0, rtol=1e-12)
