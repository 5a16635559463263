r"""The fixed-shape families' reduced problem: their tuned peak to all orders in the mode sum.

:func:`theory.fixed_shape_peak_exponent` balances the leading powers of the bias, the end noise
and the unlearned modes' noise of a family :math:`\eta_0(1 - t/T)^{\delta}`. Its corrections
are not powers of ``T`` everywhere: at :math:`b = \delta + 1` (``b = 2`` for the linear decay)
the end-noise sum :math:`\sum_k k^{-b/(\delta+1)}` is a logarithm, so the tuned peak goes as
:math:`T^{-\nu}` times a power of :math:`\log T` and its local slopes approach :math:`-\nu` like
:math:`1/\log T` (at (3, 2): -0.367 at T = 5.6e5 for -1/3), and near it the two ends of the sum
compete with an exponent :math:`\propto |b - \delta - 1|`. The *reduced problem* keeps every
mode exactly: the continuous-time dynamics (docs/theory.md §1, :func:`theory.plrf_dynamics`) with
the source held at :math:`\sigma^2` (the loss feedback dropped), solved in closed form for the
WSD family :math:`\eta_0\min(1, (1 - t/T)/f)` (``f = 1``: the linear decay),

.. math::

    \lambda c(T) = \lambda c_0 e^{-\lambda\eta_0 T (2 - f)}
      + \iota\sigma^2\lambda^2\eta_0^2 T\left[f\,J(z) + (1 - f)\,e^{-z} E(y)\right],

:math:`z = \lambda\eta_0 f T`, :math:`y = 2\lambda\eta_0 (1 - f) T`,
:math:`J(z) = \int_0^1 v^2 e^{-z v^2} dv`, :math:`E(y) = (1 - e^{-y})/y`. Summed over the
modes, its tuned peak carries the whole mode-sum structure (the logarithm included) and has the
leading exponent of the balance; it leaves out (:func:`reduced_problem_omegas`) the discrete
time, :math:`\eta\lambda_1 \sim T^{-\nu}`, and the loss in the source, which the front modes
integrate over the whole run: :math:`T^{-(1-\nu)\min(1, (a-1)/b)}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from .symbols import L, a, b, c, eta, inv_m, lam, sigma

__all__ = ["FixedShapeReduced", "fixed_shape_reduced", "reduced_problem_omegas"]

_z, _y, _v, _u = sp.symbols("z y v u", positive=True)
_eta0, _T, _f, _c0, _nu = sp.symbols("eta_0 T f c_0 nu", positive=True)
#: Order of the series of ``J`` used where the closed form cancels (small ``z``).
J_SERIES_ORDER = 6


@dataclass(frozen=True)
class FixedShapeReduced:
    r"""The reduced problem of the WSD / linear-decay family (module docstring).

    Attributes
    ----------
    mode_loss : sympy.Expr
        :math:`\lambda c(T)` of one mode in ``lambda, c_0, eta_0, T, f, iota, sigma`` and the
        functions' arguments ``J(z)``, ``E(y)`` written out through :attr:`J` and :attr:`E`.
    J, J_series, E : sympy.Expr
        :math:`J(z)` in closed form, its Taylor series to ``z^J_SERIES_ORDER`` (the closed form
        cancels for small ``z``), and :math:`E(y)`.
    z, y : sympy.Expr
        The arguments in the model's symbols.
    """

    mode_loss: sp.Expr
    J: sp.Expr
    J_series: sp.Expr
    E: sp.Expr
    z: sp.Expr
    y: sp.Expr

    symbols = (lam, _c0, _eta0, _T, _f, inv_m, sigma)
    argument = (_z, _y)


@cache
def fixed_shape_reduced() -> FixedShapeReduced:
    """Derive the reduced problem's final per-mode loss from the continuous-time dynamics with
    the source held at sigma^2, checked by substitution back into the mode's equation (cached on
    disk with the theory code's key: the integrals take ~10 s).

    Examples
    --------
    >>> R = fixed_shape_reduced()
    >>> R.J_series.subs(R.argument[0], 0)
    1/3
    """
    from ._disk import load_or_compute

    return load_or_compute("fixed_shape_reduced", _derive)


def _derive() -> FixedShapeReduced:
    """The derivation behind :func:`fixed_shape_reduced` (no caching)."""
    from ._dynamics import plrf_dynamics

    rhs = plrf_dynamics().continuous.subs(L, 0)  # the source held at sigma^2
    # linear in c: dc/dt = -A(t) c + B(t), A = 2 eta lambda, B = iota eta^2 lambda sigma^2
    A = -sp.diff(rhs, c)
    B = sp.simplify(rhs + A * c)
    if sp.simplify(A - 2 * eta * lam) != 0 or sp.simplify(B - inv_m * eta**2 * lam * sigma**2):
        raise RuntimeError(f"unexpected continuous dynamics: {rhs}")
    # decay segment, u = T - s in [0, f T]: eta = eta_0 u/(f T), int_s^T eta = eta_0 u^2/(2 f T)
    J = sp.simplify(sp.integrate(_v**2 * sp.exp(-_z * _v**2), (_v, 0, 1)))
    if sp.simplify(sp.diff(sp.integrate(_v**2 * sp.exp(-_z * _v**2), (_v, 0, _u)), _u)
                   - _u**2 * sp.exp(-_z * _u**2)) != 0:  # fmt: skip
        raise RuntimeError("J's antiderivative does not differentiate back to its integrand")
    E = (1 - sp.exp(-_y)) / _y  # the plateau: int_0^(1-f)T exp(-2 lambda eta_0 v) dv / ((1-f)T)
    z = lam * _eta0 * _f * _T
    y = 2 * lam * _eta0 * (1 - _f) * _T
    # c(T) = c0 exp(-2 lam int_0^T eta) + int_0^T B(s) exp(-2 lam int_s^T eta) ds
    Bs = B.subs(eta, _eta0)  # B at the plateau rate; the decay's eta^2 is in J's v^2
    noise = lam * Bs * _T * (_f * J.subs(_z, z) + (1 - _f) * sp.exp(-z) * E.subs(_y, y))
    bias = lam * _c0 * sp.exp(-A.subs(eta, _eta0) * _T * (1 - _f / 2))
    mode_loss = bias + noise
    # check: the decay's noise term is iota sigma^2 lambda^2 int_0^{fT} eta(u)^2 e^{-lam eta_0 u^2/(fT)}
    direct = sp.integrate(
        lam * Bs * (_u / (_f * _T)) ** 2 * sp.exp(-lam * _eta0 * _u**2 / (_f * _T)),
        (_u, 0, _f * _T),
    )
    if sp.simplify(direct - lam * Bs * _T * _f * J.subs(_z, z)) != 0:
        raise RuntimeError("the decay segment's noise does not match its direct integral")
    J_series = sp.series(J, _z, 0, J_SERIES_ORDER).removeO()
    return FixedShapeReduced(mode_loss, J, J_series, E, z, y)


def reduced_problem_omegas(a_: float, b_: float, nu: float) -> list[float]:
    r"""Correction exponents of the tuned peak the reduced problem leaves out, at ``(a, b)`` with
    the family's derived peak exponent ``nu``, slowest first, distinct:

    * the discrete time: :math:`\eta\lambda_1 \sim T^{-\nu}` (the curvature term);
    * the loss in the source, :math:`\sigma^2 + L(t)`: a slow mode at the front keeps the noise of
      the whole run, so its relative excess is :math:`\int_0^T L\,dt/(\sigma^2 T)` with
      :math:`L(t) \sim (\eta_0 t)^{-\alpha}`, :math:`\alpha = (a-1)/b`: for :math:`\alpha > 1`
      the integral converges at early times and the excess is :math:`1/(\eta_0 T) \sim
      T^{-(1-\nu)}`; for :math:`\alpha < 1` it is the end's :math:`(\eta_0 T)^{-\alpha}`, the
      family's loss exponent :math:`p = (1-\nu)\alpha` (a logarithm at :math:`\alpha = 1`). At
      (4, 1.2) the ratio of the tuned to the reduced peak turns and approaches its limit from
      below like :math:`T^{-0.2}` on every grid of the continuum solver and in continuous time
      (benchmarks/results/claims.md, 2026-12-01s16): this term, :math:`T^{-0.3}`, not
      :math:`p = 0.75`.

    >>> reduced_problem_omegas(3.0, 2.0, 1 / 3), reduced_problem_omegas(4.0, 1.2, 0.7)
    ([0.3333333333333333, 0.6666666666666667], [0.30000000000000004, 0.7])
    """
    alpha = (a - 1) / b
    exprs = (_nu, (1 - _nu) * sp.Min(1, alpha))
    vals = sorted({float(e.subs({a: a_, b: b_, _nu: nu})) for e in exprs})
    return [w for w in vals if w > 0]
