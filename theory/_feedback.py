r"""The tuned constant rate with the SGD noise feedback: its local exponents at finite ``T``.

The optimal constant rate balances the bias against the noise (docs/theory.md §5). With the
loss-proportional part of the SGD noise the constant rate's loss is

.. math:: L(\eta, T) = \frac{B\,(\eta T)^{-\alpha} + \sigma^2 S(\eta)}{1 - S(\eta)},

:math:`\alpha = (a-1)/b` the bias exponent and :math:`S` the model's noise sum (the
feedback). Writing :math:`u = \log\eta`, :math:`v = \log T` and :math:`F = \partial_u \log L`,
the tuned rate solves :math:`F = 0`; that fixes the bias term
:math:`B(\eta T)^{-\alpha}` through :math:`S, S_u` (no free constant), and along the optimum

.. math:: \frac{d\log\eta^*}{d\log T} = -\frac{F_v}{F_u}, \qquad
          \frac{d\log L^*}{d\log T} = \partial_v \log L = -\alpha\,(1 - s),

:math:`s = \sigma^2 S/((1-S)L)` the label-noise share (the envelope theorem). Both are exact
functions of :math:`\alpha` and of :math:`S, S_u, S_{uu}` at the tuned rate; as
:math:`S \to 0` they tend to the derived exponent :math:`-\alpha/(1+\alpha)`, at the rate at
which :math:`S \propto \eta^* \sim T^{-\zeta}` vanishes — the slow correction of the
constant-rate claims, here in closed form. :func:`derive_feedback_slopes` derives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

__all__ = ["FeedbackSlopes", "derive_feedback_slopes"]


@dataclass(frozen=True)
class FeedbackSlopes:
    """Local exponents of the tuned constant rate and of its loss, in the symbols
    ``alpha, sigma2, S, S_u, S_uu`` (the noise sum and its first two derivatives in
    :math:`\\log\\eta` at the tuned rate).

    Attributes
    ----------
    rate, loss : sympy.Expr
        :math:`d\\log\\eta^*/d\\log T` and :math:`d\\log L^*/d\\log T`.
    limit : sympy.Expr
        Their common value as the feedback vanishes (``S, S_u, S_uu -> 0``).
    symbols : tuple of sympy.Symbol
        ``(alpha, sigma2, S, S_u, S_uu)``, the arguments of :meth:`rate_slope` / :meth:`loss_slope`.
    """

    rate: sp.Expr
    loss: sp.Expr
    limit: sp.Expr
    symbols: tuple

    def rate_slope(self, alpha: float, sigma2: float, S: float, S_u: float, S_uu: float) -> float:
        """:attr:`rate` at numbers."""
        return float(_lambdified(self)[0](alpha, sigma2, S, S_u, S_uu))

    def loss_slope(self, alpha: float, sigma2: float, S: float, S_u: float, S_uu: float) -> float:
        """:attr:`loss` at numbers."""
        return float(_lambdified(self)[1](alpha, sigma2, S, S_u, S_uu))


@cache
def _lambdified(f: FeedbackSlopes):
    return sp.lambdify(f.symbols, f.rate), sp.lambdify(f.symbols, f.loss)


@cache
def derive_feedback_slopes() -> FeedbackSlopes:
    """Derive :class:`FeedbackSlopes` (module docstring) with SymPy; computed once per process
    and kept on disk like the scaling laws (``theory._disk``).

    Examples
    --------
    >>> f = derive_feedback_slopes()
    >>> f.limit
    -alpha/(alpha + 1)
    """
    from ._disk import load_or_compute

    return load_or_compute("feedback_slopes", _derive_feedback_slopes)


def _derive_feedback_slopes() -> FeedbackSlopes:
    r"""The balance with the slow modes' deficit (:func:`theory.derive_deficit_slopes`, one
    derivation of the tuned constant rate's slopes) at :math:`\Delta = 0`."""
    from ._noise_deficit import derive_deficit_slopes

    d = derive_deficit_slopes()
    alpha, sigma2, S0, S1, S2 = d.symbols[:5]
    zero = {s: 0 for s in d.symbols[5:]}
    rate, loss = (sp.simplify(e.subs(zero)) for e in (d.rate, d.loss))
    limit = sp.simplify(sp.limit(rate.subs({S2: S1}).subs(S0, S1), S1, 0))
    if sp.simplify(limit - sp.limit(loss.subs(S0, S1), S1, 0)) != 0:  # pragma: no cover
        raise AssertionError("the rate and loss slopes must share their feedback-free limit")
    return FeedbackSlopes(rate, loss, limit, (alpha, sigma2, S0, S1, S2))
