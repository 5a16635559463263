r"""Symbolic per-mode dynamics of the PLRF model: the single source of truth.

The exact discrete recursion (Gaussian features, fourth-moment identity) is written here once;
the continuous-time limit is *derived* from it by dropping the curvature term
:math:`\eta^2\lambda_k^2 c_k` (second order in the step, first order in the noise), and every numeric
kernel of ``solvers`` is tested against these expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from .symbols import L, c, eta, inv_m, lam, m, sigma

__all__ = ["ModeDynamics", "plrf_dynamics"]


@dataclass(frozen=True)
class ModeDynamics:
    r"""Dynamics of one mode ``c_k`` driven by the loss ``L = sum_k lambda_k c_k``.

    Attributes
    ----------
    discrete : sympy.Expr
        :math:`c_k(t+1)` in terms of ``c, lam, L, eta, iota, sigma`` (``iota = 1/m``).
    continuous : sympy.Expr
        :math:`\dot c_k` in the same symbols.
    state, coupling : sympy.Symbol
        The per-mode state ``c`` and the mode sum ``L`` that couples the modes.
    controls : tuple of sympy.Symbol
        ``(eta, iota)``: learning rate and inverse batch size.
    """

    discrete: sp.Expr
    continuous: sp.Expr
    state: sp.Symbol = c
    coupling: sp.Symbol = L
    controls: tuple[sp.Symbol, ...] = (eta, inv_m)

    def with_batch(self, expr: sp.Expr) -> sp.Expr:
        """Write ``expr`` with the batch size ``m`` in place of ``iota = 1/m``."""
        return expr.subs(inv_m, 1 / m)

    def latex(self) -> dict[str, str]:
        """LaTeX of both forms, with ``m`` for the batch size."""
        return {
            "discrete": r"c_k(t+1) = " + sp.latex(self.with_batch(self.discrete)),
            "continuous": r"\dot c_k = " + sp.latex(self.with_batch(self.continuous)),
        }


@cache
def plrf_dynamics() -> ModeDynamics:
    r"""The PLRF model's exact recursion and its continuous-time limit.

    .. math::

        c_k(t+1) = \bigl(1 - 2\eta\lambda_k + (1 + 1/m)\eta^2\lambda_k^2\bigr) c_k(t)
                   + \frac{\eta^2}{m}\lambda_k \bigl(L(t) + \sigma^2\bigr)

    Examples
    --------
    >>> d = plrf_dynamics()
    >>> d.continuous.subs(inv_m, 0)   # gradient flow
    -2*c*eta*lambda
    """
    discrete = (1 - 2 * eta * lam + (1 + inv_m) * eta**2 * lam**2) * c + inv_m * eta**2 * lam * (
        L + sigma**2
    )
    drift = sp.expand(discrete - c)
    # Continuous limit: keep the gradient drift and the SGD noise, drop the O(eta^2 lam^2 c)
    # curvature term that only the discrete step produces.
    curvature = sp.expand(drift.coeff(c)).coeff(eta, 2) * eta**2 * c
    continuous = sp.factor_terms(sp.expand(drift - curvature))
    return ModeDynamics(discrete=discrete, continuous=continuous)
