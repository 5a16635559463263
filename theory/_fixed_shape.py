r"""The peak-rate exponent of a schedule family with a *fixed* decay shape (easy phase).

The study's practical message — an annealed base rate scales as the optimum's peak,
:math:`T^{-\xi}` — holds for a family whose decay near the end is the optimum's
:math:`(1 - t/T)^{2b-1}`. A family :math:`\eta = \eta_0 (1 - t/T)^{\delta}` with a fixed
:math:`\delta` (linear decay, WSD's decay: :math:`\delta = 1`) and tuned
:math:`\eta_0 = T^{-\nu}` has its own balance (docs/theory.md §1 conventions):

* bias :math:`(\eta_0 T)^{-(a-1)/b}` (the run's intrinsic time is :math:`\sim\eta_0 T`);
* noise left by the anneal: mode :math:`k` (:math:`\lambda_k = k^{-b}`) stops following the rate at
  :math:`u_k = (\lambda_k\eta_0 T)^{-1/(\delta+1)}` (where :math:`\lambda_k\int_t^T\eta \sim 1`) and
  keeps the noise :math:`\lambda_k\,\eta_0 u_k^{\delta}`; summed over the learned modes
  :math:`k < k_* = (\eta_0 T)^{1/b}` the summand is :math:`k^{-b/(\delta+1)}`, so the sum is set
  by its upper end when :math:`b < \delta + 1` and by the top modes when :math:`b > \delta + 1`;
* noise of the modes not yet learned, :math:`\sum_{k>k_*}\lambda_k^2\eta_0^2 T`.

:func:`fixed_shape_peak_exponent` minimises the leading exponent over :math:`\nu` with the
engine's dominant balance. At the optimum's shape it returns :math:`\xi = (a-b)/a` (a check of
the derivation against the engine's easy phase); for :math:`\delta = 1` and :math:`b > 2` it gives
:math:`\nu = (2a - 2 - b)/(2a - 2 + b)`, not :math:`\xi` — measured: 0.264 against 0.263 at
(4, 3.5), where :math:`\xi = 0.125` (benchmarks/results/claims.md, 2026-11-30d).
"""

from __future__ import annotations

import hashlib
import math
from functools import cache

import sympy as sp

from ._balance import minimise_leading_exponent
from ._powerlaw import PowerLaw, power_exponent, power_integral, power_tail_integral
from .symbols import a, b

__all__ = ["fixed_shape_peak_at", "fixed_shape_peak_exponent"]

_T, _k, _nu = sp.symbols("T k nu", positive=True)


@cache
def fixed_shape_peak_exponent(delta: sp.Expr | int = 1) -> list[tuple[sp.Basic, sp.Expr]]:
    r"""Cases ``(condition on a, b, value of nu)`` of the tuned peak :math:`\eta_0 \sim T^{-\nu}`
    of the family :math:`\eta_0(1 - t/T)^{\delta}` in the easy phase (module docstring).

    Every case of the balance is returned with the conditions under which it holds (the
    integral's end and the balance's own); :func:`fixed_shape_peak_at` picks the one that holds.

    Examples
    --------
    >>> fixed_shape_peak_at(1, 4.0, 3.5), fixed_shape_peak_at(1, 4.0, 1.2)
    (0.2631578947368421, 0.7)
    """
    from ._disk import load_or_compute

    delta = sp.sympify(delta)
    tag = hashlib.sha1(sp.srepr(delta).encode()).hexdigest()[:12]
    return load_or_compute(f"fixed_shape-{tag}", lambda: _derive(delta))


def _derive(delta: sp.Expr) -> list[tuple[sp.Basic, sp.Expr]]:
    """The derivation behind :func:`fixed_shape_peak_exponent` (no caching)."""
    eta0 = _T**-_nu
    front = (eta0 * _T) ** (1 / b)  # k*: the modes learned by the end
    bias = PowerLaw.from_expr((eta0 * _T) ** (-(a - 1) / b), _T, "bias")
    # mode k's end noise lambda_k eta0 u_k^delta, u_k = (lambda_k eta0 T)^(-1/(delta+1))
    per_mode = _k**-b * eta0 * (_k**-b * eta0 * _T) ** (-delta / (delta + 1))
    q = power_exponent(per_mode, _k)  # -b/(delta+1)
    scale = sp.powsimp(per_mode / _k**q, force=True)
    _, tail = power_tail_integral(-2 * b, _k, front)  # converges: b > 1/2
    unlearned = PowerLaw.from_expr(sp.powsimp(eta0**2 * _T * tail, force=True), _T, "unlearned")
    out = []
    for cond, value, where in power_integral(q, _k, front):
        end = PowerLaw.from_expr(sp.powsimp(scale * value, force=True), _T, f"end noise ({where})")
        for case in minimise_leading_exponent([bias, end, unlearned], _nu, 0, 1):
            holds = sp.simplify(sp.And(cond, *case.conditions))
            if holds is not sp.false:
                out.append((holds, sp.factor(case.value)))
    return out


def fixed_shape_peak_at(delta, a_: float, b_: float) -> float:
    """:func:`fixed_shape_peak_exponent` at numbers: the value of the case that holds."""
    at = {a: a_, b: b_}
    hold = [float(v.subs(at)) for c, v in fixed_shape_peak_exponent(delta) if bool(c.subs(at))]
    if not hold and math.isclose(b_, float(delta) + 1):  # the sum's ends meet (a log): continuous
        sides = {round(fixed_shape_peak_at(delta, a_, b_ * (1 + s)), 6) for s in (-1e-9, 1e-9)}
        hold = [sides.pop()] if len(sides) == 1 else []
    if len(hold) != 1:
        raise ValueError(f"fixed_shape_peak_at: {len(hold)} cases hold at a={a_}, b={b_}")
    return hold[0]
