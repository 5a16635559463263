r"""Bootstrap refits of a joint fit: over runs, or over blocks of each run's residuals.

``FitOptions.boot_kind`` chooses what is resampled:

* ``"runs"``: runs drawn with replacement (a family's six or seven runs: coarse, and a draw
  that leaves out every run at one base rate changes what the fit can identify);
* ``"blocks"``: every run kept; its observed losses replaced by the fitted curve times a
  resampled residual, :math:`L^*_i = \hat L_i / (1 + r^*_i)` (the fit's residual is the
  relative :math:`r_i = \hat L_i / L_i - 1`), where :math:`r^*` is a circular moving-block
  resample of the run's own residuals at the fit (:func:`circular_blocks`). The residuals of a
  loss curve are autocorrelated, so resampling single points would treat a smooth misfit as
  independent noise and give intervals far too narrow; blocks keep the correlation within a
  block. Block length per run (:func:`block_length`): the number of points per effective
  independent residual of an AR(1) series, :math:`\lceil(1 + \rho)/(1 - \rho)\rceil` with
  :math:`\rho` the lag-1 autocorrelation of the run's residuals (the count behind ``p_easy``,
  :func:`._phase.effective_count`), at most the run's point count.

Each replicate refits both phases from their optima (warm starts) and keeps the better, so
``RunFit.p_easy_boot``, the share of replicates with ``a > b``, sees both basins. What the
block bootstrap assumes: the fitted curve is the truth and the residuals are stationary noise.
Model error (a smooth misfit the model cannot make) is resampled as if it were noise, so on real
runs its intervals describe the fit's sensitivity to residuals of that size and shape, not the
distance to a model the functional does not contain.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np

from ._phase import lag1_autocorrelation

__all__ = ["BOOT_KINDS", "ONE_RUN_NO_INTERVAL", "block_length", "bootstrap", "circular_blocks"]

#: What a bootstrap refit resamples (``FitOptions.boot_kind``).
BOOT_KINDS = ("runs", "blocks")
#: Why a fit of one run has no bootstrap interval over runs.
ONE_RUN_NO_INTERVAL = (
    "no bootstrap interval: the bootstrap resamples runs, and one run only repeats the fit; "
    "fit two or more runs for intervals"
)


def block_length(residuals) -> int:
    """Points per effective independent residual of an AR(1) series, ``ceil((1 + rho) /
    (1 - rho))`` with ``rho`` the lag-1 autocorrelation (clipped to [0, 1)), within [1, n].

    >>> rng = np.random.default_rng(0)
    >>> block_length(rng.standard_normal(400))  # white noise: single points
    1
    >>> block_length(np.sin(np.linspace(0, 3, 60))) > 20  # a smooth curve: long blocks
    True
    >>> block_length(np.ones(5))  # no variation: single points
    1
    """
    n, rho = np.size(residuals), lag1_autocorrelation(residuals)
    if rho >= 1.0:
        return int(n)
    return int(min(max(math.ceil((1.0 + rho) / (1.0 - rho) - 1e-9), 1), n))


def circular_blocks(residuals, length: int, rng: np.random.Generator) -> np.ndarray:
    """A circular moving-block resample of ``residuals`` (shape ``(n,)``): blocks of ``length``
    consecutive points (wrapping at the end) from uniform random starts, concatenated and cut
    to ``n``.

    >>> r = np.arange(5.0)
    >>> circular_blocks(r, 5, np.random.default_rng(1)).tolist() in [
    ...     np.roll(r, -k).tolist() for k in range(5)]  # one block: a rotation
    True
    """
    r = np.asarray(residuals, dtype=float)
    n = r.size
    starts = rng.integers(0, n, math.ceil(n / length))
    idx = (starts[:, None] + np.arange(length)[None, :]) % n
    return r[idx.ravel()[:n]]


def _resample_blocks(data, fun, lengths, rng) -> list:
    """``data`` with each run's observed losses replaced (see the module docstring); ``fun``:
    the fit's weighted residuals, the runs' in order."""
    out, start = [], 0
    for d, length in zip(data, lengths, strict=True):
        r = fun[start : start + d.idx.size] / d.weight
        start += d.idx.size
        fitted = d.obs * (1.0 + r)
        out.append(replace(d, obs=fitted / (1.0 + circular_blocks(r, length, rng))))
    return out


def bootstrap(by_phase, best, data, opts, refine, natural) -> np.ndarray:
    """Rows (``PARAM_NAMES`` order, natural units) of ``opts.n_boot`` refits.

    ``by_phase``: ``phase -> `` optimum (warm starts of every replicate); ``best``: the reported
    optimum, whose residuals the blocks resample; ``refine(x0, data, phase)`` refits;
    ``natural(x)`` maps a vector to natural units. Runs with one run only: no rows, a warning.
    """
    n_par = len(natural(best.x))
    if opts.boot_kind == "runs" and opts.n_boot and len(data) < 2:
        warnings.warn(ONE_RUN_NO_INTERVAL, stacklevel=3)
        return np.zeros((0, n_par))
    rng = np.random.default_rng(opts.seed)
    sizes = [d.idx.size for d in data]
    fun = np.asarray(best.fun)[: sum(sizes)]  # a prior's rows follow the data's
    lengths = [block_length(r) for r in np.split(fun, np.cumsum(sizes)[:-1])]
    out = []
    for _ in range(opts.n_boot):
        if opts.boot_kind == "runs":
            pick = [data[i] for i in rng.integers(0, len(data), len(data))]
        else:
            pick = _resample_blocks(data, fun, lengths, rng)
        fits = [refine(f.x, pick, phase) for phase, f in by_phase.items()]
        out.append(natural(min(fits, key=lambda f: f.cost).x))
    return np.array(out).reshape(-1, n_par)
