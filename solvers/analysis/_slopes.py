r"""Local slopes of a sequence :math:`y(T)`, a known part of its local exponent divided out, and
the sequence's last turn: the inputs of :mod:`~solvers.analysis.extrapolate` (kept apart from its schemes for the module
size limit; imported from there).
"""

from __future__ import annotations

import numpy as np

__all__ = ["last_turn", "local_slope_sequence", "remove_slope_correction"]


def remove_slope_correction(T, y, correction) -> np.ndarray:
    r"""``y`` with a known part of its local exponent divided out: ``correction`` (per horizon,
    :math:`d\log y/d\log T` minus what is left) integrated over :math:`\log T` from the first
    horizon, where the two agree, by a cubic spline through the horizons (the trapezoid rule
    with fewer than 4). The trapezoid rule errs by :math:`h^2 \omega^2 c/12` on a correction
    :math:`c \propto T^{-\omega}` at step :math:`h`, decaying like the correction it removes: at
    (2, 1.2) on half-decades 2.4e-6 at T = 5.6e12, which became the corrected constant-rate
    slopes' slowest term (benchmarks/results/claims.md, 2026-12-01f).

    >>> T = np.geomspace(1e2, 1e6, 5)
    >>> bool(np.allclose(remove_slope_correction(T, T**-0.5, np.full(5, -0.2)), 1e2**-0.2 * T**-0.3))
    True
    >>> T = np.geomspace(1e2, 1e12, 21)
    >>> c = 0.01 * (T / 1e2) ** -0.1
    >>> exact = np.exp(-0.1 * (1 - c / 0.01))  # exp of minus the integral of c over log T
    >>> float(np.abs(remove_slope_correction(T, np.ones(21), c) / exact - 1).max()) < 1e-7  # 3e-8
    True
    """
    x = np.log(np.asarray(T, float))
    corr = np.asarray(correction, float)
    if x.size < 4:
        steps = np.diff(x) * (corr[1:] + corr[:-1]) / 2
    else:
        from scipy.interpolate import CubicSpline  # deferred like the dynamics' scipy imports

        spline = CubicSpline(x, corr)
        steps = np.array([spline.integrate(x[i], x[i + 1]) for i in range(x.size - 1)])
    return np.asarray(y, float) * np.exp(-np.concatenate([[0.0], np.cumsum(steps)]))


def local_slope_sequence(T, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-point local slopes of ``log y`` against ``log T`` and their Jacobian.

    Returns
    -------
    x : ndarray, shape (n - 1,)
        Geometric midpoints.
    s : ndarray, shape (n - 1,)
    D : ndarray, shape (n - 1, n)
        ``s = D @ log(y)``: how relative errors of ``y`` enter the slopes.
    """
    T = np.asarray(T, float)
    y = np.asarray(y, float)
    if T.ndim != 1 or T.shape != y.shape or T.size < 3:
        raise ValueError(f"T and y must be 1-D of equal length >= 3, got {T.shape}, {y.shape}")
    if not (np.all(np.diff(T) > 0) and np.all(T > 0)):
        raise ValueError("T must be positive and strictly increasing")
    if not (np.all(np.isfinite(y)) and np.all(y > 0)):
        raise ValueError("y must be finite and > 0 (take the sign out first)")
    dl = np.diff(np.log(T))
    n = T.size
    D = np.zeros((n - 1, n))
    D[np.arange(n - 1), np.arange(n - 1)] = -1.0 / dl
    D[np.arange(n - 1), np.arange(1, n)] = 1.0 / dl
    return np.sqrt(T[1:] * T[:-1]), D @ np.log(y), D


def last_turn(s) -> int | None:
    """Index of the last extremum of ``s`` (where its successive differences change sign,
    zero differences skipped: the last value of a flat extremum); ``None`` for a monotone
    sequence.

    >>> last_turn([3, 2, 1, 1, 2]), last_turn([1, 2, 3]), last_turn([1, 3, 2, 4])
    (3, None, 2)
    """
    d = np.sign(np.diff(np.asarray(s, float)))
    nz = np.flatnonzero(d)
    turns = [int(nz[j]) for j in range(1, nz.size) if d[nz[j]] != d[nz[j - 1]]]
    return turns[-1] if turns else None
