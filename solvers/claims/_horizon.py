"""The horizon a claim asks for: where its slowest derived correction falls to a target, and how
a verdict prints it (a horizon past the largest float is words, not ``inf``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..analysis.extrapolate import scaled_horizon

__all__ = ["CORRECTION_TARGET", "derived_horizon", "horizon_text", "summed_horizon"]

#: The default sweep of a claim with derived corrections runs until the slowest of them,
#: ``T^-omega`` with unit amplitude, is this small: the extrapolation then bridges at most a few
#: per cent of the exponent (measured: the easy loss and xi at (3, 2) resolve to +-0.01 once
#: ``T^(-1/6)`` is below ~0.05, delta to +-0.1 below ~0.03; benchmarks/results/claims.md).
CORRECTION_TARGET = 0.02


def derived_horizon(omegas: Sequence[float], target: float = CORRECTION_TARGET) -> float:
    r"""Horizon where the slowest derived correction :math:`T^{-\omega}` (unit amplitude) falls
    to ``target``: :math:`T = \mathrm{target}^{-1/\omega_{\min}}` (``inf`` without one).

    >>> round(derived_horizon([1 / 6, 0.5]) / 1e10, 4)   # (3, 2): the boundary layer, 1/(2a)
    1.5625
    >>> derived_horizon([0.00346])   # Nesterov at (1.2, 1.7): beyond any float, not an error
    inf
    """
    w = [x for x in omegas if x > 0]
    if not w:
        return math.inf
    return scaled_horizon(1.0, 1.0 / target, min(w))


def summed_horizon(omegas: Sequence[float], target: float = CORRECTION_TARGET) -> float:
    r"""Horizon where the derived corrections together, each :math:`T^{-\omega_j}` with unit
    amplitude, fall to ``target``: the root of :math:`\sum_j T^{-\omega_j} = \mathrm{target}`
    (``inf`` without a correction or past the largest float).

    It is :func:`derived_horizon` when the slowest correction is alone at that scale; it is
    longer where others are comparable. Two exponents too close for a fit to tell apart over a
    sweep (``(b - a)/(2b - 1)`` and ``(a + b - 1)/(2b(2b - 1))`` of the hard window, 0.130 and
    0.136 at (2.5, 3.2)) act as one correction of twice the amplitude (a ``T^-omega log T``
    where they coincide), and the extrapolation must bridge their sum, not one of them
    (benchmarks/results/claims.md, 2026-12-01c).

    >>> w = 0.125
    >>> round(summed_horizon([w]) / derived_horizon([w]), 9)   # alone: the same horizon
    1.0
    >>> round(summed_horizon([w, w]) / derived_horizon([w], CORRECTION_TARGET / 2), 9)
    1.0
    """
    w = [x for x in omegas if x > 0]
    lo, hi = derived_horizon(w, target), derived_horizon(w, target / max(len(w), 1))
    if not math.isfinite(hi):
        return hi
    lo, hi = math.log(lo), math.log(hi)  # the sum is at least its slowest term, at most n of it

    def excess(log_T: float) -> float:
        return sum(math.exp(-x * log_T) for x in w) - target

    for _ in range(200):  # bisection on log T: the sum falls monotonically
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
        if hi - lo < 1e-12 * hi:
            break
    return math.exp(hi)


def horizon_text(T: float, spec: str = ".2g") -> str:
    """A horizon in a verdict's text: ``T`` formatted with ``spec``, or, past the largest float,
    words (a printed ``inf`` reads as a non-finite result to ``optlr``, which then fails).

    >>> horizon_text(1.5625e10, ".1e"), horizon_text(math.inf)
    ('1.6e+10', 'beyond 1e308 (out of reach)')
    """
    return format(T, spec) if math.isfinite(T) else "beyond 1e308 (out of reach)"
