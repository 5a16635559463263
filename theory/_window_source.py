r"""The hard annealing window against a noise source that decays with ``T``.

The window's balance (:func:`theory.derive_scaling_laws`, hard phase) is derived with the source
:math:`\sigma^2/m`; SGD's is :math:`(\sigma^2 + L)/m`. :func:`window_source_response` redoes the
same balance with a source :math:`\propto T^{-e}` and returns how the window answers it: the
claim that measures the window divides that answer out (``solvers.claims``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._asymptotics import _derive_delta, _derive_window, _response, derive_scaling_laws

__all__ = ["WindowSourceResponse", "window_source_response"]


@dataclass(frozen=True)
class WindowSourceResponse:
    r"""How the hard annealing window answers a noise source that decays with ``T``.

    The window's balance (:func:`theory.derive_scaling_laws`, hard phase) weighs the bias cost
    of the intrinsic time it loses against the noise it leaves, with the source
    :math:`\sigma^2/m`. SGD's source is :math:`(\sigma^2 + L)/m`; while :math:`L` is not
    small against :math:`\sigma^2` (at ``a`` near 1 it decays as :math:`T^{-(a-1)/b}` from
    O(1): 0.7 at ``T = 1e7`` at ``(1.2, 1.7)``, against :math:`\sigma^2 = 0.25`) the source
    decays too. Redone with the source :math:`\propto T^{-e}`, the same balance gives the window
    exponent :math:`\omega(e) = \omega_0 + \kappa e`, i.e.

    .. math::

        W \propto T^{\omega_0}\,n^{-\kappa}, \qquad n = \sigma^2 + L,

    so :math:`W\,n^{\kappa}` scales as :math:`T^{\omega_0}` whatever the source does: a
    readout free of the noise-against-bias crossover at first order.

    Attributes
    ----------
    e : sympy.Symbol
        The source's decay exponent.
    omega : sympy.Expr
        :math:`\omega(e)`, in ``a, b, e``.
    kappa : sympy.Expr
        :math:`\partial\omega/\partial e`, in ``a, b``.
    binding : tuple of str
        The balanced terms.
    """

    e: sp.Symbol
    omega: sp.Expr
    kappa: sp.Expr
    binding: tuple[str, ...]

    def latex(self) -> str:
        """One LaTeX paragraph: the window exponent against a decaying source."""
        return (
            r"\paragraph{Annealing window against a decaying noise source.} With the source "
            rf"$\propto T^{{-e}}$ the window balance gives $\omega(e) = {sp.latex(self.omega)}$, "
            rf"so $W \propto T^{{\omega_0}} (\sigma^2 + L)^{{{sp.latex(-self.kappa)}}}$: the "
            r"window is read as $W (\sigma^2 + L)^{\kappa}$, "
            rf"$\kappa = {sp.latex(self.kappa)}$."
        )


@cache
def window_source_response() -> WindowSourceResponse:
    r"""Derive :class:`WindowSourceResponse`: the hard window's balance with a decaying source.

    Examples
    --------
    >>> r = window_source_response()
    >>> r.kappa                                   # W ~ (sigma^2 + L)^(b/(2b - 1))
    -b/(2*b - 1)
    """
    from ._disk import load_or_compute

    return load_or_compute("window-source", _window_source_response)


def decaying_source_balance(e: sp.Symbol):
    """The window balance (a :class:`theory.BalanceCase`) with the noise source taken to scale
    as ``T^-e``: the case that is the derived window at ``e = 0`` (the others are its bounds, or
    a balance whose conditions are contradictory)."""
    r = _response()
    d_star, _ = _derive_delta(r)
    cases, _, _, _ = _derive_window(r, d_star, source_decay=e)
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    hit = [c for c in cases if c.kind == "balance" and sp.simplify(c.value.subs(e, 0) - w0) == 0]
    if len(hit) != 1:
        raise RuntimeError(f"window balance with a decaying source: expected one case, got {hit}")
    return hit[0]


def _window_source_response() -> WindowSourceResponse:
    """The derivation behind :func:`window_source_response` (no caching)."""
    e = sp.Symbol("e", nonnegative=True)
    case = decaying_source_balance(e)
    kappa = sp.factor(sp.diff(case.value, e))
    if kappa.has(e):
        raise RuntimeError(f"window exponent not linear in the source exponent: {case.value}")
    return WindowSourceResponse(e, sp.factor(case.value), kappa, case.binding)
