r"""Which derived fit is the primary scheme of :mod:`~solvers.analysis.extrapolate`.

The derived schemes fit :math:`s_i = p + \sum_{k \le j} c_k x_i^{-\omega_k}` with ``j = 0 .. k``
terms on the same values. The primary is the fit whose intercept has the smallest
residual-based error (a term the data cannot resolve only adds noise, a missing one leaves a
trend in the residuals), a constant (``j = 0``) only when strictly smaller.

With ``refute``, that choice is restricted to the fits the others do not contradict: the fit
with ``j`` terms is *refuted* when a fit with ``j' > j`` terms determines every amplitude
:math:`c_{j+1} .. c_{j'}` (:func:`~solvers.analysis._determined.is_determined`: each outside its
95 % Student-t interval around zero). Its model then sets an amplitude to zero that the data
reject. Without this, a constant through slopes that still fall was the hard window's primary at
(3.2, 3.8) while the one-term fit's amplitude stood at t = 7.9
(benchmarks/results/window_2026-12-03/PROTOCOL.md).
"""

from __future__ import annotations

from ._determined import is_determined

__all__ = ["refuted", "select_primary"]


def refuted(fits: dict, j: int) -> bool:
    """Whether a fit with more terms than ``j`` determines every amplitude beyond ``j``
    (``fits[j'].det``: the t ratios of its amplitudes and its degrees of freedom)."""
    return any(is_determined(f.det[0][j:], f.det[1]) for jp, f in fits.items() if jp > j)


def select_primary(fits: dict, refute: bool = False) -> int:
    """The number of terms of the primary among ``fits`` (``{j: fit}``, each with ``fit``, its
    intercept's residual-based error, and ``det``); with ``refute`` among the fits
    :func:`refuted` leaves (every fit refuted: the one with the most terms).

    >>> from types import SimpleNamespace as F
    >>> import numpy as np
    >>> fits = {0: F(fit=1e-4, det=(np.zeros(0), 5)), 1: F(fit=2e-4, det=(np.array([8.0]), 4))}
    >>> select_primary(fits), select_primary(fits, refute=True)   # t_4 = 2.78 < 8: c1 is real
    (0, 1)
    """
    keep = [j for j in fits if not (refute and refuted(fits, j))] or [max(fits)]
    terms = [j for j in keep if j >= 1]
    best = min(terms, key=lambda j: (fits[j].fit, -j)) if terms else 0
    if 0 in keep and (not terms or fits[0].fit < fits[best].fit):
        best = 0
    return best
