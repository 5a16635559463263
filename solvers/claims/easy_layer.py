r"""xi's and delta's readouts with the easy phase's end-of-run boundary layer divided out.

The optimum's outer schedule is :math:`\eta \propto T^{-\xi}(1+y)^{2b-b/a}(u - \varepsilon)^{2b-1}`,
:math:`u = 1 - t/T`, with :math:`\varepsilon = D(b)/(cT) = y/(1+y)` and
:math:`c = \eta(T)\,\zeta(2b)^{1/2}` read from the end rate (:func:`theory.easy_end_layer`):
the layer's :math:`T^{-1/(2a)}` correction and all its powers are one function of
:math:`\varepsilon`. :func:`divided_shape_exponent` solves the window-mean ratio of
:func:`~solvers.claims.readouts.shape_exponent` for the power of :math:`(u - \varepsilon)`;
:func:`layer_factor` is what the layer does to a window mean of the rate.

On real optima (benchmarks/results/claims.md, 2026-12-01e): at (3, 2), ``T = 1e10``, delta
reads 2.859 raw and 3.0000 divided on a grid with 8x shorter cells (``max_interval`` 0.00125,
``ratio`` 1.025); at (4, 3.5), ``T = 1e9``, 4.970 and 5.994. On the default grid the divided readout drifts with the grid's own error (+0.0047 at
(3, 2), ``T = 1e11``), which :func:`grid_error` estimates by one refined re-solve.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from theory import PLRFModel, easy_end_layer

from .readouts import DELTA_U_RANGE, shape_windows, window_mean_rate

__all__ = [
    "GRID_REFINEMENT",
    "divided_shape_exponent",
    "grid_error",
    "layer_epsilon",
    "layer_factor",
    "power_window_mean",
]

#: The refined re-solve of :func:`grid_error`: cells half as long in the bulk and a geometric
#: ratio half as far from 1 near the ends. Its change of delta's divided readout is 0.76x the
#: default grid's real error at (3, 2), T = 1e10, and 0.83x at (4, 3.5), T = 1e9 (against the
#: grid with 8x shorter cells and ratio 1.025), hence the factor :data:`GRID_SAFETY`.
GRID_REFINEMENT = {"max_interval": 0.5, "ratio": 0.5}
#: Multiplies the refined re-solve's change into the stated grid error (>= the measured 1/0.76).
GRID_SAFETY = 2.0


def layer_epsilon(model: PLRFModel, res, T: float) -> float:
    """:math:`\\varepsilon = D(b)/(cT)` of an optimum, ``c`` from its end rate (last cell)."""
    return easy_end_layer().epsilon(model.b, float(np.asarray(res.eta)[-1]), T)


def power_window_mean(lo: float, hi: float, eps: float, power: float) -> float:
    r"""Mean of :math:`(u - \varepsilon)^{p}` over :math:`u \in [\mathrm{lo}, \mathrm{hi}]`.

    >>> power_window_mean(0.0, 1.0, 0.0, 2.0)  # int_0^1 u^2 du
    0.3333333333333333
    """
    return ((hi - eps) ** (power + 1) - (lo - eps) ** (power + 1)) / ((power + 1) * (hi - lo))


def divided_shape_exponent(
    res, T: float, eps: float, u_range: tuple[float, float] = DELTA_U_RANGE
) -> float:
    r"""delta with the layer divided out: the power ``p`` whose :math:`(u - \varepsilon)^{p}` has
    the optimum's ratio of window means over the two geometric halves of ``u_range`` (the
    windows of :func:`~solvers.claims.readouts.shape_exponent`; ``eps = 0`` gives its value)."""
    inner, outer = (window_mean_rate(res, T, *w) for w in shape_windows(u_range))
    ratio = outer / inner
    u1, u2 = u_range
    um = math.sqrt(u1 * u2)
    if eps == 0:
        return math.log(ratio) / math.log(u2 / um)
    if eps >= u1:  # D < 0: the derived shift is always negative
        raise ValueError(f"eps = {eps!r} is not below the window's start u1 = {u1!r}")

    def gap(p: float) -> float:
        return math.log(
            power_window_mean(um, u2, eps, p) / power_window_mean(u1, um, eps, p) / ratio
        )

    return brentq(gap, 1e-3, 64.0, xtol=1e-12)


def layer_factor(model: PLRFModel, eps: float, window: tuple[float, float]) -> float:
    r"""What the layer does to the mean rate over ``t/T in window``: :math:`(1+y)^{2b-b/a}` times
    the window mean of :math:`(u - \varepsilon)^{2b-1}` over that of :math:`u^{2b-1}`."""
    layer = easy_end_layer()
    y = eps / (1 - eps)
    lo, hi = 1 - window[1], 1 - window[0]
    p = 2 * model.b - 1
    shape = power_window_mean(lo, hi, eps, p) / power_window_mean(lo, hi, 0.0, p)
    return (1 + y) ** layer.amplitude_power(model.a, model.b) * shape


def grid_error(model: PLRFModel, res, T: float, readout, solver_options: dict) -> float:
    """The time grid's error of ``readout(result, T)`` at one horizon: :data:`GRID_SAFETY` times
    its change when the optimum is re-solved (from itself) on a refined grid
    (:data:`GRID_REFINEMENT`); ``nan`` for a result without a continuum grid."""
    from ..control.continuum import ContinuumOptions, ContinuumResult, solve_continuum

    if not isinstance(res, ContinuumResult):
        return math.nan
    opts = {k: v for k, v in solver_options.items() if k in ContinuumOptions.__dataclass_fields__}
    base = ContinuumOptions(**opts)
    fine = solve_continuum(
        model, T, initial=res, **{**opts, "max_interval": base.max_interval
                                  * GRID_REFINEMENT["max_interval"],
                                  "ratio": 1 + (base.ratio - 1) * GRID_REFINEMENT["ratio"]},
    )  # fmt: skip
    return GRID_SAFETY * abs(readout(fine, T) - readout(res, T))
