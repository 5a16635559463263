r"""The phase of a fit, from the likelihood of its best fit in each phase.

The fit's loss surface over :math:`(a, b)` has (on real runs) several basins; where one local
fit lands says little about the phase. Instead the fit is refined twice, constrained to each
phase (easy: :math:`a \ge b + \delta`, hard: :math:`b \ge a + \delta`, :math:`\delta` =
``PHASE_MARGIN``), and the two best costs are compared as a likelihood ratio. The optimiser
sees the constrained pair as ``(a - b, b)`` (easy) or ``(a, b - a)`` (hard), so box bounds hold
the constraint.

Probability of the easy phase (equal prior odds, Gaussian residuals whose scale is profiled
out), with :math:`R_{\rm easy}, R_{\rm hard}` the weighted residual sums of squares of the two
constrained optima and :math:`n` the effective number of independent residuals:

.. math::

    \log\frac{p_{\rm easy}}{1 - p_{\rm easy}} = \frac{n}{2}\log\frac{R_{\rm hard}}{R_{\rm easy}}.

On real runs a run's residuals are a smooth curve (model error, not measurement noise), far
from independent; on a synthetic run with white noise they are independent. The effective
count is that of an AR(1) series per run, :math:`n_r (1 - \rho_r)/(1 + \rho_r)` with
:math:`\rho_r` the lag-1 autocorrelation of the run's residuals at the better optimum
(:func:`effective_count`), at least 1 per run. This is an assumption, reported with the result;
a bootstrap over runs that refits both phases in every replicate gives a second estimate
(``RunFit.p_easy_boot``).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "PHASE_MARGIN", "best_per_phase", "effective_count", "from_phase", "lag1_autocorrelation", "phase_note", "phase_probability", "to_phase",
]  # fmt: skip

#: Smallest |a - b| of a phase-constrained fit (a = b is the boundary between the phases).
PHASE_MARGIN = 0.01
#: Index of a and b in the fit's parameter vector (``_fit.PARAM_NAMES``).
A_INDEX, B_INDEX = 4, 5
#: p_easy within (IDENTIFIED, 1 - IDENTIFIED) means the data do not identify the phase.
IDENTIFIED = 0.1


def to_phase(x: np.ndarray, phase: str) -> np.ndarray:
    """The vector ``x`` with ``(a, b)`` replaced by the constrained pair of ``phase``.

    A point of the other phase is moved onto the boundary (``|a - b| = PHASE_MARGIN``).
    """
    z = np.array(x, dtype=float)
    a, b = z[A_INDEX], z[B_INDEX]
    if phase == "easy":
        z[A_INDEX] = max(a - b, PHASE_MARGIN)
    elif phase == "hard":
        z[B_INDEX] = max(b - a, PHASE_MARGIN)
    else:
        raise ValueError(f"phase must be 'easy' or 'hard', got {phase!r}")
    return z


def from_phase(z: np.ndarray, phase: str | None, upper: float) -> np.ndarray:
    """Inverse of :func:`to_phase` (``phase=None``: ``z`` unchanged); ``a, b`` capped at ``upper``."""
    if phase is None:
        return z
    x = np.array(z, dtype=float)
    if phase == "easy":
        x[A_INDEX] = min(z[B_INDEX] + z[A_INDEX], upper)
    else:
        x[B_INDEX] = min(z[A_INDEX] + z[B_INDEX], upper)
    return x


def phase_bounds(lower: np.ndarray, upper: np.ndarray, phase: str | None):
    """Box bounds of the constrained vector of ``phase``."""
    lo, hi = np.array(lower, dtype=float), np.array(upper, dtype=float)
    if phase is not None:
        i = A_INDEX if phase == "easy" else B_INDEX
        lo[i], hi[i] = PHASE_MARGIN, upper[B_INDEX] - lower[A_INDEX]
    return lo, hi


def effective_count(residuals) -> float:
    """Effective number of independent residuals: per run (a sequence of arrays), the AR(1)
    count ``n (1 - rho) / (1 + rho)`` with ``rho`` the lag-1 autocorrelation (>= 0), at least 1.

    >>> rng = np.random.default_rng(0)
    >>> round(effective_count([rng.standard_normal(4000)]) / 4000, 1)  # white: every point
    1.0
    >>> effective_count([np.linspace(-1, 1, 50)]) < 2  # a smooth curve: about one unit
    True
    """
    total = 0.0
    for r in residuals:
        rho = lag1_autocorrelation(r)
        total += max(np.size(r) * (1.0 - rho) / (1.0 + rho), 1.0)
    return total


def lag1_autocorrelation(residuals) -> float:
    """The lag-1 autocorrelation of ``residuals`` about their mean, clipped to [0, 1] (0 for
    fewer than three points or no variation): the AR(1) ``rho`` of :func:`effective_count`
    and of the block bootstrap's block length (:func:`._bootstrap.block_length`)."""
    r = np.asarray(residuals, dtype=float)
    r = r - r.mean()
    den = float(r @ r)
    rho = float(r[1:] @ r[:-1]) / den if r.size > 2 and den > 0 else 0.0
    return min(max(rho, 0.0), 1.0)


def phase_probability(rss_easy: float, rss_hard: float, n_units: float) -> float:
    """``p_easy`` from the two constrained optima (see the module docstring)."""
    if not (rss_easy > 0 and rss_hard > 0):
        raise ValueError(f"residual sums must be > 0, got {rss_easy!r}, {rss_hard!r}")
    log_odds = 0.5 * n_units * np.log(rss_hard / rss_easy)
    return float(1.0 / (1.0 + np.exp(-np.clip(log_odds, -700, 700))))


def phase_note(p_easy: float, x_easy: np.ndarray, x_hard: np.ndarray, lower, upper) -> str:
    """Why the phase is or is not identified, in one line."""
    reasons = []
    if IDENTIFIED < p_easy < 1 - IDENTIFIED:
        reasons.append(f"the two phases fit about equally well (p_easy = {p_easy:.2f})")
    win, name = (x_easy, "easy") if p_easy >= 0.5 else (x_hard, "hard")
    if abs(win[A_INDEX] - win[B_INDEX]) <= 2 * PHASE_MARGIN:
        reasons.append(f"the best {name} fit lies on the boundary a = b")
    for i, n in ((A_INDEX, "a"), (B_INDEX, "b")):
        if abs(win[i] - lower[i]) < 1e-6 or abs(win[i] - upper[i]) < 1e-6:
            reasons.append(f"the best {name} fit has {n} on its bound {win[i]:g}")
    if not reasons:
        return f"{name} phase identified (p_easy = {p_easy:.2f})"
    return "phase not identified: " + "; ".join(reasons)


def best_per_phase(starts, refine, n_starts: int) -> dict:
    """Best refinement per phase: the ``n_starts`` best ``starts`` refined freely, then the
    best start of each phase refined within its phase (a free optimum inside a phase is that
    phase's optimum too). Returns ``{"easy": res, "hard": res}``. Any vector with ``(a, b)``
    at indices 4, 5 (one fit's, or the joint vector of :mod:`._shared`); ``refine(x0,
    phase=None)`` is its constrained ``least_squares``.

    Cheaper schemes were tried and missed optima on the llm-curves families: each phase's own
    best starts only (3 of 12 families 2-3 % above the hard optimum that a free refinement
    reaches by crossing ``a = b``), or free refinements capped at 40 evaluations (1 of 3).
    """
    free = [refine(x0) for x0 in starts[:n_starts]]
    out = {}
    for phase in ("easy", "hard"):
        inside = [f for f in free if _in_phase(f.x, phase)]
        x0 = next(x for x in starts if _in_phase(x, phase))
        fits = [*inside, refine(x0, phase)]
        out[phase] = min(fits, key=lambda f: f.cost)
    win, lose = sorted(out, key=lambda k: out[k].cost)
    if abs(out[win].x[A_INDEX] - out[win].x[B_INDEX]) <= 2 * PHASE_MARGIN:
        # the better optimum is on the boundary a = b, which the other phase reaches too: its
        # refinement from there (a local optimum elsewhere must not decide the phase)
        out[lose] = min(out[lose], refine(out[win].x, lose), key=lambda f: f.cost)
    return out


def _in_phase(x, phase) -> bool:
    return (x[A_INDEX] > x[B_INDEX]) == (phase == "easy")
