"""Random small worlds for the GE tests: square flows with trade imbalances and a cost change."""
from __future__ import annotations

import numpy as np
import pandas as pd


def random_world(seed: int, n: int, *, calibrated: bool = False, spread: tuple[float, float] = (0.6, 1.4),
                 shock_sd: float = 0.7):
    """Flows X_ij (exporter, importer, trade), costs t_ij^{1-σ} (None when ``calibrated``) and a cost change t̂.

    Expenditure shares differ from output shares by a factor drawn from ``spread`` (so rows ≠ columns:
    imbalances); t̂ = exp(N(0, shock_sd)) on international pairs, 1 on domestic pairs.
    """
    rng = np.random.default_rng(seed)
    size = np.exp(rng.normal(0, 1, n))
    t = np.exp(-rng.uniform(0.5, 3.0, (n, n)))
    np.fill_diagonal(t, 1.0)
    X = np.outer(size, size * rng.uniform(*spread, n)) * t * rng.lognormal(0, 0.3, (n, n))
    c = np.array([f"K{i:02d}" for i in range(n)])
    df = pd.DataFrame({"exporter": np.repeat(c, n), "importer": np.tile(c, n), "trade": X.ravel()})
    that = np.exp(rng.normal(0, shock_sd, (n, n)))
    np.fill_diagonal(that, 1.0)
    return df, (None if calibrated else t), that
