r"""The easy-phase LR transfers of the annealed families (linear decay, WSD), measured against
their reduced problem (:func:`theory.fixed_shape_reduced`).

The tuned peak of a fixed-shape family approaches its derived exponent
(:func:`theory.fixed_shape_peak_exponent`) through the structure of the end-noise mode sum: at
``b = 2`` a logarithm (the local slopes at (3, 2) sit at -0.367 from T = 1e4 to 1e6 for -1/3),
near it two competing ends. The reduced problem — every mode exact, continuous time, the source
held at :math:`\sigma^2` — has that structure and costs a closed form per mode, so the claim
measures the tuned peak in two parts:

* the **ratio** of the tuned peak to the reduced problem's tuned peak at the same horizons and
  modes: its exponent tends to 0 with the corrections the reduction leaves out
  (:func:`theory.reduced_problem_omegas`: the discrete time and the loss in the source), with
  which it is extrapolated;
* the **reduced problem's own exponent**, from its tuned peak over a sweep far beyond the
  claim's horizons (:data:`REDUCED_T_MAX`, modes enough to hold its learning front),
  extrapolated model-free (its logarithm is the slowest approach there is).

The measured exponent is their sum; its error budget adds the reduced sweep's total uncertainty
(``budget["reduced problem"]``) to the ratio's. Neither part takes the prediction: a wrong
derived exponent of the reduced problem shows in the second part.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache

import numpy as np
from scipy.optimize import minimize_scalar

from theory import PLRFModel, fixed_shape_peak_at, fixed_shape_reduced, reduced_problem_omegas

from ..analysis.extrapolate import extrapolate_exponent, with_budget_term
from ..dynamics import ModeGrid

__all__ = ["REDUCED_T_MAX", "reduced_loss", "reduced_peaks", "reduced_transfer"]

#: Longest horizon of the reduced problem's own sweep (decades from the claim's last): at (3, 2)
#: its local slope is -0.338 at 1e56 (the logarithm of b = 2).
REDUCED_T_MAX = 1e60
#: Modes of the reduced sweep beyond its learning front at ``REDUCED_T_MAX`` (factor).
FRONT_MARGIN = 1e6
#: Below this ``z`` the closed form of ``J`` cancels; its series is used (error ~z^6/1e4).
J_SMALL = 1e-2
#: Tolerance of the reduced problem's tuning in ``log eta0`` (Brent; its loss is smooth).
REDUCED_XATOL = 1e-7


@cache
def _kernels():
    import sympy as sp

    R = fixed_shape_reduced()
    (z,) = R.argument[:1]
    return (sp.lambdify(z, R.J, modules=["scipy", "numpy"]),
            sp.lambdify(z, R.J_series, modules="numpy"))  # fmt: skip


def reduced_loss(model: PLRFModel, grid, eta0: float, frac: float, T: float) -> float:
    r"""The reduced problem's final loss :math:`\sum_k w_k \lambda_k c_k(T)` of the WSD rate
    ``eta0 min(1, (1 - t/T)/frac)`` (``frac = 1``: the linear decay) on ``grid``'s modes (a
    :class:`~solvers.dynamics.ModeGrid` or the continuum solver's quadrature: ``lam, c0,
    weight``; :func:`theory.fixed_shape_reduced`, its ``J`` by its series where it cancels)."""
    J, J_series = _kernels()
    m = model
    lam = grid.lam
    z = lam * eta0 * frac * T
    y = 2.0 * lam * eta0 * (1.0 - frac) * T
    zs = np.maximum(z, J_SMALL)
    Jz = np.where(z < J_SMALL, J_series(z), J(zs))
    Ey = np.where(y > 0, -np.expm1(-y) / np.where(y > 0, y, 1.0), 1.0)
    bias = lam * grid.c0 * np.exp(-lam * eta0 * T * (2.0 - frac))
    noise = (
        m.inv_batch
        * m.sigma**2
        * lam**2
        * eta0**2
        * T
        * (frac * Jz + (1.0 - frac) * np.exp(-z) * Ey)
    )
    return float(grid.weight @ (bias + noise))


def _tune_eta(model, grid, frac, T, hi):
    lo = 1e-3 / (T * float(grid.lam.max()))  # far below any optimum (eta T lambda_1 = 1e-3)
    r = minimize_scalar(
        lambda z: math.log(reduced_loss(model, grid, math.exp(z), frac, T)),
        bounds=(math.log(lo), math.log(hi)), method="bounded",
        options={"xatol": REDUCED_XATOL},
    )  # fmt: skip
    return math.exp(float(r.x)), float(r.fun)


def reduced_peaks(model: PLRFModel, Ts, fracs, *, grid=None) -> list:
    """The reduced problem's tuned ``eta0`` at each horizon ``Ts`` with the WSD fraction
    ``fracs`` (one per horizon, or one for all; 1: the linear decay), on ``grid``'s modes
    (default the model's :class:`~solvers.dynamics.ModeGrid`), rates up to ``eta_max``."""
    grid = ModeGrid.from_model(model) if grid is None else grid
    fracs = np.broadcast_to(np.asarray(fracs, float), (len(Ts),))
    return [
        _tune_eta(model, grid, float(f), T, model.eta_max)[0]
        for f, T in zip(fracs, Ts, strict=True)
    ]


def _reduced_exponent(model: PLRFModel, frac: float, T0: float):
    """The reduced problem's own exponent: its tuned peak from ``T0`` to
    :data:`REDUCED_T_MAX` every decade, on modes that hold its front there, extrapolated
    model-free."""
    front = (model.eta_max * REDUCED_T_MAX) ** (1.0 / model.b)
    wide = model.replace(n_modes=max(model.n_modes, int(min(front * FRONT_MARGIN, 1e300))))
    n = math.ceil(math.log10(REDUCED_T_MAX / T0))
    Ts = np.geomspace(T0, REDUCED_T_MAX, n + 1)
    etas = reduced_peaks(wide, Ts, frac, grid=ModeGrid.from_model(wide))
    return extrapolate_exponent(Ts, np.asarray(etas)), Ts


def reduced_transfer(
    model: PLRFModel, Ts, etas, fracs, rel_tol: float, diag: dict, quadrature=None
):
    """The extrapolated exponent of the tuned peaks ``etas`` at ``Ts`` (module docstring): the
    ratio to the reduced problem's, extrapolated with the corrections it leaves out, plus the
    reduced problem's own; records both parts in ``diag``. ``rel_tol``: the tuned rates'
    relative error (the tuner's tolerance). ``fracs``: the family's decay fraction per horizon
    (WSD's tuned one; 1 for the linear decay): the reduced problem is tuned in ``eta0`` at the
    shape the full dynamics chose, since the shape's own drift is a correction neither derived
    nor in the reduced problem (at (4, 1.2) the tuned WSD fraction climbs from 0.40 to 0.95 over
    T = 1e2 .. 1e6 while the reduced problem's tuned fraction is 1 from 1e3 on, and the ratio of
    the peaks at different shapes read -0.689 +- 0.010 for -0.7); its own sweep holds the last
    fraction. ``quadrature(model)``: the mode sum the rates were
    tuned on (the continuum solver's quadrature, or the recursion's grid; default the model's
    ModeGrid): the ratio of two sums on different quadratures drifts as the learning front
    moves through their bins."""
    grid = ModeGrid.from_model(model) if quadrature is None else quadrature(model)
    red = np.asarray(reduced_peaks(model, Ts, fracs, grid=grid))
    nu = fixed_shape_peak_at(1, model.a, model.b)
    omegas = reduced_problem_omegas(model.a, model.b, nu)
    ratio = extrapolate_exponent(np.asarray(Ts, float), np.asarray(etas) / red,
                                 rel_err_solver=np.full(len(Ts), rel_tol), omegas=omegas)  # fmt: skip
    last = float(np.asarray(fracs, float).reshape(-1)[-1])
    # its own exponent on the fine ModeGrid: the continuum quadrature's bins (4 a decade) set a
    # wobble in the long sweep's slopes (at (4, 3.5) a turn and +-0.022, +-1e-8 on the grid)
    own, T_red = _reduced_exponent(model, last, float(Ts[-1]))
    q = own.value
    e = replace(
        with_budget_term(ratio, "reduced problem", own.stderr), value=ratio.value + q,
        schemes={k: v + q for k, v in ratio.schemes.items()}, slopes=ratio.slopes + q,
    )  # fmt: skip
    diag.update({
        "reduced_eta0": red.tolist(), "omegas": omegas, "ratio_value": ratio.value,
        "ratio_halfwidth": ratio.halfwidth, "reduced_exponent": q,
        "reduced_halfwidth": own.halfwidth, "reduced_schemes": own.schemes,
        "reduced_T": [float(T_red[0]), float(T_red[-1])],
        "reduced_last_slopes": own.slopes[-3:].tolist(),
    })  # fmt: skip
    return e
