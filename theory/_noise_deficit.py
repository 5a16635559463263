r"""The tuned constant rate with the slow modes' finite-``T`` noise deficit: its local exponents.

A constant rate's label noise reaches its stationary value :math:`\sigma^2 S/(1-S)` only in the
modes with :math:`2\eta\lambda_k T \gg 1`; the slow modes have not. Mode by mode (docs/theory.md
§1, the label noise driven from zero) the stationary share is
:math:`s(x) = (x/m)/(2 - c x)`, :math:`x = \eta\lambda_k`, :math:`c = 1 + 1/m`, and the part still
missing at step :math:`T` is :math:`s(x)\,q(x)^T`, :math:`q = 1 - x(2 - c x)` the mode's decay
factor. Their sum :math:`\Delta(\eta, T) = \sum_k s(\eta\lambda_k)\,q(\eta\lambda_k)^T` enters
the balance of :mod:`theory._feedback` beside the noise sum,

.. math:: L(\eta, T) = \frac{B\,(\eta T)^{-\alpha} + \sigma^2 (S(\eta) - \Delta(\eta, T))}{1 - S(\eta)},

and with :math:`u = \log\eta`, :math:`v = \log T`, :math:`F = \partial_u\log L = 0` at the tuned
rate the bias term is fixed by :math:`S, S_u, \Delta, \Delta_u`, so that

.. math:: \frac{d\log L^*}{d\log T} = \partial_v\log L, \qquad
          \frac{d\log\eta^*}{d\log T} = -\frac{F_v}{F_u}

are exact functions of :math:`\alpha, \sigma^2` and of the sums
:math:`S, S_u, S_{uu}, \Delta, \Delta_u, \Delta_v, \Delta_{uu}, \Delta_{uv}` at the tuned rate (all
orders in :math:`\Delta`). With :math:`\Delta = 0` they are :func:`derive_feedback_slopes`
(which is derived from these).
Since :math:`\Delta/S \sim (\eta T)^{-(b-1)/b}` and :math:`\eta T \sim T^{1-\zeta}`, the part of
the slopes that :math:`\Delta` carries decays like :math:`T^{-(b-1)/(a+b-1)}`: the slowest
derived correction of the easy-phase constant rate ("noise of the slow modes"), which the claim
divides out with these expressions. The coupling of the deficit to the loss-proportional noise
(the deficit of :math:`\sigma^2 + L_t`, not of :math:`\sigma^2` alone) is left out: relative
:math:`S\Delta \sim T^{-\zeta-(b-1)/(a+b-1)}`, beyond the next correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp
from sympy.codegen.cfunctions import log1p

__all__ = ["DeficitSlopes", "derive_deficit_slopes"]


@dataclass(frozen=True)
class DeficitSlopes:
    """Local exponents of the tuned constant rate and its loss with the noise deficit, and the
    per-mode deficit with its derivatives.

    Attributes
    ----------
    rate, loss : sympy.Expr
        :math:`d\\log\\eta^*/d\\log T` and :math:`d\\log L^*/d\\log T` in :attr:`symbols`.
    symbols : tuple of sympy.Symbol
        ``(alpha, sigma2, S, S_u, S_uu, D, D_u, D_v, D_uu, D_uv)``.
    mode_terms : tuple of sympy.Expr
        One mode's ``(D, D_u, D_v, D_uu, D_uv)`` in :attr:`mode_symbols`.
    mode_symbols : tuple of sympy.Symbol
        ``(x, T, im)``: :math:`\\eta\\lambda_k`, the horizon and :math:`1/m`.
    """

    rate: sp.Expr
    loss: sp.Expr
    symbols: tuple
    mode_terms: tuple
    mode_symbols: tuple

    def slopes(self, alpha: float, sigma2: float, S: tuple, D: tuple) -> tuple[float, float]:
        """``(rate, loss)`` at numbers: ``S = (S, S_u, S_uu)``, ``D = (D, D_u, D_v, D_uu, D_uv)``."""
        f_rate, f_loss, _ = _lambdified(self)
        args = (alpha, sigma2, *S, *D)
        return float(f_rate(*args)), float(f_loss(*args))

    def mode_sums(self, x, T: float, im: float, weight) -> tuple[float, ...]:
        """``(D, D_u, D_v, D_uu, D_uv)`` summed over modes ``x`` (array) with multiplicities
        ``weight``."""
        import numpy as np

        _, _, f_modes = _lambdified(self)
        return tuple(float(np.sum(weight * np.broadcast_to(t, np.shape(x))))
                     for t in f_modes(x, T, im))  # fmt: skip


@cache
def _lambdified(f: DeficitSlopes):
    return (
        sp.lambdify(f.symbols, f.rate),
        sp.lambdify(f.symbols, f.loss),
        sp.lambdify(f.mode_symbols, f.mode_terms, "numpy"),
    )


@cache
def derive_deficit_slopes() -> DeficitSlopes:
    """Derive :class:`DeficitSlopes` (module docstring) with SymPy; computed once per process
    and kept on disk like the scaling laws (``theory._disk``).

    Examples
    --------
    >>> d = derive_deficit_slopes()
    >>> d.symbols[5:]
    (D, D_u, D_v, D_uu, D_uv)
    """
    from ._disk import load_or_compute

    return load_or_compute("deficit_slopes", _derive_deficit_slopes)


def _derive_deficit_slopes() -> DeficitSlopes:
    u, v, alpha, sigma2, B, bias = sp.symbols("u v alpha sigma2 B bias", positive=True)
    S0, S1, S2 = sp.symbols("S S_u S_uu", real=True)
    D0, Du, Dv, Duu, Duv = sp.symbols("D D_u D_v D_uu D_uv", real=True)
    Sf, Df = sp.Function("S")(u), sp.Function("D")(u, v)
    logL = sp.log(B * sp.exp(-alpha * (u + v)) + sigma2 * (Sf - Df)) - sp.log(1 - Sf)
    F = sp.diff(logL, u)
    derivs = {  # second derivatives first: subs would otherwise rewrite them through the first
        sp.Derivative(Df, u, v): Duv, sp.Derivative(Df, v, u): Duv,
        sp.Derivative(Df, (u, 2)): Duu, sp.Derivative(Sf, (u, 2)): S2,
        sp.Derivative(Df, u): Du, sp.Derivative(Df, v): Dv, sp.Derivative(Sf, u): S1,
    }  # fmt: skip

    def at_optimum(e: sp.Expr) -> sp.Expr:
        e = e.subs(derivs).subs({Sf: S0, Df: D0}).subs(B * sp.exp(-alpha * (u + v)), bias)
        return e.subs(B, bias * sp.exp(alpha * (u + v)))

    (bias_star,) = sp.solve(at_optimum(F), bias)  # F = 0 fixes the bias term
    rate = sp.simplify(at_optimum(-sp.diff(F, v) / sp.diff(F, u)).subs(bias, bias_star))
    loss = sp.simplify(at_optimum(sp.diff(logL, v)).subs(bias, bias_star))
    if rate.has(sp.Derivative) or loss.has(sp.Derivative) or rate.has(u) or loss.has(v):
        raise AssertionError("a derivative or u, v is left in the slopes")  # pragma: no cover
    # one mode: x = eta lambda_k, d/du = x d/dx, d/dv = T d/dT
    x, T, im = sp.symbols("x T im", positive=True)
    share = x * im / (2 - (1 + im) * x)
    # log1p: 1 - 2x rounds away the small modes' decay, which T multiplies (1e-3 at T = 1e13)
    delta = share * sp.exp(T * log1p(-x * (2 - (1 + im) * x)))
    d_u = x * sp.diff(delta, x)
    terms = (delta, d_u, T * sp.diff(delta, T), x * sp.diff(d_u, x), T * sp.diff(d_u, T))
    symbols = (alpha, sigma2, S0, S1, S2, D0, Du, Dv, Duu, Duv)
    return DeficitSlopes(rate, loss, symbols, terms, (x, T, im))
