"""A synthetic ITPD-E long file in the published layout (13 columns, trade in millions of US$), for the tests
and benchmarks of :mod:`gravity.data.readers.itpde_long`, and the transform that adds its distance.

Data-generating process, for industry s (ids 1, 4, 7, …), year t, exporter i, importer j (domestic pairs
included): X^s_ij,t = Gamma(2, μ/2) with μ = exp(2 + b_s ln_dist_ij + α^s_it + γ^s_jt), b_s = −0.8 − 0.4 u_s,
α, γ ~ N(0, 1), a share ``zeros`` of flows set to 0, and the last ``dead`` industries zero throughout (they
cannot be estimated). ln_dist_ij = ln(1 + ‖p_i − p_j‖) with a country's position p taken from the CRC-32 of
its code (:func:`add_ln_dist` recomputes it from the codes alone). Rows are ordered by exporter, importer,
industry, year, so that every block of the file holds rows of many industries.
"""
from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ["exporter_iso3", "exporter_dynamic_code", "exporter_name", "importer_iso3", "importer_dynamic_code",
           "importer_name", "industry_id", "industry_descr", "broad_sector", "year", "trade", "flag_mirror",
           "flag_zero"]
SECTORS = ("Agriculture", "Mining and Energy", "Manufacturing", "Services")


def codes(n: int) -> list[str]:
    """The first ``n`` current ISO3 codes that :func:`gravity.data.countries.to_iso3` keeps as they are."""
    from gravity.data import countries

    iso = sorted(countries.iso3_codes())
    same = [c for c, h in zip(iso, countries.to_iso3(iso).tolist()) if c == h]
    if len(same) < n:
        raise ValueError(f"only {len(same)} ISO3 codes available, asked for {n}")
    return same[:n]


def _position(code_list) -> np.ndarray:
    crc = np.array([zlib.crc32(c.encode()) for c in code_list], dtype=np.int64)
    return np.column_stack([crc % 1000, (crc // 1000) % 1000]) / 10.0


def add_ln_dist(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus ``ln_dist`` = ln(1 + distance of the two countries' positions) (module docstring)."""
    uniq, inv = np.unique(np.concatenate([frame["exporter"].to_numpy(str), frame["importer"].to_numpy(str)]),
                          return_inverse=True)
    p = _position(uniq)
    n = len(frame)
    d = np.hypot(*(p[inv[:n]] - p[inv[n:]]).T)
    return frame.assign(ln_dist=np.log1p(d))


def write_itpde_csv(path, *, n_countries: int, years, n_industries: int, zeros: float = 0.2, dead: int = 0,
                    seed: int = 0) -> Path:
    """Write the file (module docstring) to ``path``, one exporter at a time; returns ``path``."""
    rng = np.random.default_rng(seed)
    c = np.asarray(codes(n_countries), dtype=object)
    years = np.asarray(list(years), dtype=np.int64)
    ind = 1 + 3 * np.arange(n_industries)
    n_c, n_t, n_s = c.size, years.size, ind.size
    p = _position(c)
    ln_dist = np.log1p(np.hypot(*(p[:, None, :] - p[None, :, :]).transpose(2, 0, 1)))   # n_c × n_c
    b = -0.8 - 0.4 * rng.random(n_s)
    alpha = rng.normal(0, 1, (n_s, n_t, n_c))
    gamma = rng.normal(0, 1, (n_s, n_t, n_c))
    sector = np.asarray([SECTORS[min(3, 4 * k // n_s)] for k in range(n_s)], dtype=object)
    path = Path(path)
    # per exporter: importer × industry × year
    J, S, T = (a.ravel() for a in np.meshgrid(np.arange(n_c), np.arange(n_s), np.arange(n_t), indexing="ij"))
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(COLUMNS) + "\n")
        for i in range(n_c):
            mu = np.exp(2 + b[S] * ln_dist[i, J] + alpha[S, T, i] + gamma[S, T, J])
            y = rng.gamma(2.0, mu / 2.0)
            y[rng.random(y.size) < zeros] = 0.0
            if dead:
                y[S >= n_s - dead] = 0.0
            frame = pd.DataFrame({
                "exporter_iso3": c[i], "exporter_dynamic_code": c[i], "exporter_name": f"Country {c[i]}",
                "importer_iso3": c[J], "importer_dynamic_code": c[J],
                "importer_name": np.char.add("Country ", c[J].astype(str)),
                "industry_id": ind[S], "industry_descr": np.char.add("Industry, synthetic ", ind[S].astype(str)),
                "broad_sector": sector[S], "year": years[T], "trade": y,
                "flag_mirror": np.where(rng.random(y.size) < 0.3, "1", "0"),
                "flag_zero": np.where(y > 0, "p", "u"),
            })
            frame.to_csv(fh, header=False, index=False, float_format="%.6g", lineterminator="\n")
    return path
