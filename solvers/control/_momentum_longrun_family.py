r"""The long-horizon momentum families' parameters and controls (:mod:`solvers.control.momentum_longrun`).

Each form's schedule is its derived shape times a free correction, evaluated at the midpoints of
a :class:`~solvers.dynamics.momentum_longrun.MomentumGrid`'s intervals; the shapes and their
parameters are described in :mod:`solvers.control.momentum_longrun`, which re-exports this
module's public names (kept apart so that the solver module stays under the layout's size).
"""

from __future__ import annotations

import math

import numpy as np

from theory import PLRFModel

from ..dynamics.continuum import _stable_upper
from ..dynamics.momentum_longrun import MomentumGrid
from .momentum_forms import FORM_NAMES

__all__ = [
    "COMPLEX_STEP",
    "DELTA_BOUNDS",
    "FRICTION_KNOT_BOUND",
    "controls_jacobian",
    "longrun_controls",
    "longrun_parameters",
    "stable_rate",
]

#: Imaginary step of the controls' complex-step derivative: exact to rounding for any small
#: step (no subtraction), far below every parameter's scale.
COMPLEX_STEP = 1e-30
#: Default bounds of the Nesterov friction scale ``delta`` (the families of the 2026-11-30
#: runs). ``delta <= 50`` binds in the balance case; ``delta >= 1`` binds at (1.3, 2.75),
#: T = 1e3, where the per-step optimum runs without friction (``beta_t = 1``) mid-run.
DELTA_BOUNDS = (1.0, 50.0)
#: Bounds of the friction correction's knot values ``d_i`` (``delta(t) = delta e^{d(t)}``).
FRICTION_KNOT_BOUND = 25.0


def longrun_parameters(
    form: str,
    model: PLRFModel,
    knots: int,
    *,
    friction_knots: int = 0,
    delta_bounds: tuple = DELTA_BOUNDS,
):
    """Names, start and bounds of ``form``'s parameters (Nesterov's ``friction_knots`` values
    after ``log delta``, the ``knots`` correction values last)."""
    if form not in FORM_NAMES:
        raise ValueError(f"form must be one of {FORM_NAMES}, got {form!r}")
    y0 = math.log(0.4 / 0.6)  # eta0 = 0.4 eta_max: below the tested models' stability limits
    names = ["logit eta0", "log f", "log nu"]
    x0 = [y0, math.log(0.3), math.log(2.0)]
    bounds = [(-12.0, 12.0), (math.log(1e-3), 0.0), (math.log(0.25), math.log(8.0))]
    if form in ("ema", "heavy-ball"):
        names.append("logit beta0")
        x0.append(0.0)
        bounds.append((-12.0, 12.0))
    elif form == "nesterov":
        names += ["log zeta0", "p", "log delta"]
        lo, hi = (math.log(v) for v in delta_bounds)
        x0 += [math.log(0.5), 1.0 / model.b, min(max(math.log(3.0), lo), hi)]
        bounds += [(-25.0, 5.0), (-0.5, 1.5), (lo, hi)]
        names += [f"d{i + 1}" for i in range(friction_knots)]
        x0 += [0.0] * friction_knots
        bounds += [(-FRICTION_KNOT_BOUND, FRICTION_KNOT_BOUND)] * friction_knots
    names += [f"c{i + 1}" for i in range(knots)]
    x0 += [0.0] * knots
    bounds += [(-6.0, 6.0)] * knots
    return tuple(names), np.array(x0), tuple(bounds)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def stable_rate(grid: MomentumGrid) -> float:
    """Largest stable constant SGD rate on ``grid``'s modes (``min(eta_max, (1 - 1e-3) x limit)``).

    SGD's optimal plateau reaches it near ``T = 1e9`` at (1.3, 2.75): an optimum on the edge of
    the stable set is only a KKT point if the edge is a bound of the parameters.
    """
    return _stable_upper(grid.model, grid.quad, "discrete")


def longrun_controls(
    form: str, x, grid: MomentumGrid, knots: int, *, friction_knots: int = 0
) -> tuple[np.ndarray, ...]:
    """Per-interval ``(alpha, gamma, kappa, q)`` of ``form`` for the parameters ``x`` (complex
    ``x`` gives complex controls: the complex-step derivative of :func:`controls_jacobian`)."""
    x = np.asarray(x)
    x = x if np.iscomplexobj(x) else x.astype(float)
    t = grid.midpoints
    T = float(grid.T)
    f, nu = np.exp(x[1]), np.exp(x[2])
    r = np.maximum(1.0 - t / T, 0.0)
    ann = (1.0 + f**nu) * r**nu / (r**nu + f**nu)
    corr = np.zeros_like(t)
    s = np.log1p(t) / math.log1p(T)
    if knots:  # interior bumps: c = 0 at both ends, so the power law carries the trend
        corr = np.interp(s, np.linspace(0.0, 1.0, knots + 2), np.r_[0.0, x[-knots:], 0.0])
    eta_max = grid.model.eta_max
    if form == "sgd":  # the largest stable constant rate: the plateau's bound, kept a box bound
        eta_max = stable_rate(grid)
    zero, one = np.zeros_like(t), np.ones_like(t)
    if form == "nesterov":
        eta = eta_max * _sigmoid(x[0]) * ann
        zeta = np.exp(x[3] + corr - x[4] * np.log1p(t)) * ann
        delta = np.exp(x[5])
        if friction_knots:  # delta(t) = delta e^{d(t)}, d(0) = 0, free at the other nodes
            nodes = np.linspace(0.0, 1.0, friction_knots + 1)
            delta = delta * np.exp(np.interp(s, nodes, np.r_[0.0, x[6 : 6 + friction_knots]]))
        return eta, zeta, delta / (t + delta + 1.0), one
    eta = eta_max * _sigmoid(x[0] + corr) * ann
    if form == "sgd":
        return eta, zero, one, one  # alpha = eta, kappa = 1 (beta = 0): no velocity
    beta0 = _sigmoid(x[3])
    q = (1.0 - beta0) * one if form == "ema" else one
    return zero, eta, (1.0 - beta0) * one, q


def controls_jacobian(form: str, x, grid: MomentumGrid, knots: int, *, friction_knots: int = 0):
    """:func:`longrun_controls` as an array of shape ``(4, J)`` and its derivative in ``x``,
    shape ``(len(x), 4, J)``, by complex steps (:data:`COMPLEX_STEP`; exact to rounding)."""
    x = np.asarray(x, dtype=float)
    co = np.array(longrun_controls(form, x, grid, knots, friction_knots=friction_knots))
    jac = np.empty((x.size, *co.shape))
    for i in range(x.size):
        xc = x.astype(complex)
        xc[i] += 1j * COMPLEX_STEP
        ci = longrun_controls(form, xc, grid, knots, friction_knots=friction_knots)
        jac[i] = np.array([np.imag(c) * np.ones(co.shape[1]) for c in ci]) / COMPLEX_STEP
    return co, jac
