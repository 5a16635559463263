r"""The hard optimal loss against SGD's noise source :math:`\sigma^2 + L`: its local exponent.

In the hard phase the optimal loss is the bias of the plateau, :math:`B \propto T^{-p}`,
:math:`p = (a-1)/b`, plus the excess of the final annealing window — the bias cost of the
intrinsic time it loses and the noise it leaves, balanced (:func:`theory.derive_scaling_laws`,
hard phase): :math:`L^* = B\,(1 + \varphi)`. The noise is *not* at leading order (unlike the
easy phase): the label-noise-against-loss crossover can only move the subleading term.

Redone with a source :math:`\propto T^{-e}` (:func:`theory.window_source_response`), the window
balance puts the excess at :math:`T^{-p - g(e)}`, :math:`g(e) = 1 - \omega(e)` (its cost is
:math:`W\,T^{-(1+p)}`), so :math:`\varphi \propto T^{-g(e)}`. SGD's source :math:`\sigma^2 + L`
decays at :math:`e = -d\log(\sigma^2 + L)/d\log T = -\ell s`, :math:`\ell = L/(\sigma^2 + L)` the
loss's share of the source and :math:`s = d\log L^*/d\log T`. With :math:`f = \varphi/(1+\varphi)`,

.. math:: s = -p - f\,g(-\ell s),

linear in :math:`s`: :func:`hard_loss_source` solves it. The loss's correction is
:math:`T^{-g(0)} = T^{-(b-a)/(2b-1)}` while :math:`L \ll \sigma^2` and :math:`T^{-g(p)} =
T^{-(b-1)/(2b-1)}` while :math:`L \gg \sigma^2` — never the :math:`T^{-p}` of an expansion in
:math:`L/\sigma^2`, which near ``a = 1`` (:math:`p = 0.05` at (1.2, 4)) no horizon could resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._asymptotics import derive_scaling_laws
from ._window_source import window_source_response

__all__ = ["HardLossSource", "hard_loss_source"]


@dataclass(frozen=True)
class HardLossSource:
    r"""The hard optimal loss's excess over the plateau's bias against a decaying noise source.

    Attributes
    ----------
    e : sympy.Symbol
        The source's decay exponent.
    gap : sympy.Expr
        :math:`g(e)`, in ``a, b, e``: the relative excess :math:`\varphi \propto T^{-g(e)}`.
    slope : sympy.Expr
        The loss's local exponent :math:`d\log L^*/d\log T`, in ``a, b, f, ell``
        (:math:`f = \varphi/(1+\varphi)`, :math:`\ell = L/(\sigma^2 + L)`).
    label_gap, loss_gap : sympy.Expr
        :math:`g(0)` and :math:`g(p)`: the correction exponent while the label noise, or the
        loss, dominates the source.
    symbols : tuple of sympy.Symbol
        ``(f, ell)``.
    """

    e: sp.Symbol
    gap: sp.Expr
    slope: sp.Expr
    label_gap: sp.Expr
    loss_gap: sp.Expr
    symbols: tuple

    def slope_at(self, a: float, b: float, f: float, ell: float) -> float:
        """:attr:`slope` at numbers."""
        return float(_lambdified(self)(a, b, f, ell))

    def latex(self) -> str:
        """One LaTeX paragraph: the hard loss's excess against a decaying source."""
        return (
            r"\paragraph{Hard optimal loss against the source $\sigma^2 + L$.} "
            r"$L^* = B(1 + \varphi)$, $B \propto T^{-p}$ the plateau's bias and $\varphi$ the "
            rf"window's relative excess, $\varphi \propto T^{{-g(e)}}$, $g(e) = {sp.latex(self.gap)}$ "
            r"for a source $\propto T^{-e}$; with $e = -\ell s$ the local exponent is "
            rf"$s = {sp.latex(self.slope)}$ ($f = \varphi/(1+\varphi)$, "
            rf"$\ell = L/(\sigma^2 + L)$): the correction is $T^{{{sp.latex(-self.label_gap)}}}$ "
            rf"while $L \ll \sigma^2$, $T^{{{sp.latex(-self.loss_gap)}}}$ while $L \gg \sigma^2$."
        )


@cache
def _lambdified(h: HardLossSource):
    from .symbols import a, b

    return sp.lambdify((a, b, *h.symbols), h.slope)


@cache
def hard_loss_source() -> HardLossSource:
    r"""Derive :class:`HardLossSource` (module docstring) with SymPy; kept on disk like the
    scaling laws (``theory._disk``).

    Examples
    --------
    >>> h = hard_loss_source()
    >>> h.label_gap, h.loss_gap                 # (b - a)/(2b - 1) and (b - 1)/(2b - 1)
    (-(a - b)/(2*b - 1), (b - 1)/(2*b - 1))
    """
    from ._disk import load_or_compute

    return load_or_compute("hard-loss-source", _hard_loss_source)


def _hard_loss_source() -> HardLossSource:
    """The derivation behind :func:`hard_loss_source` (no caching)."""
    r = window_source_response()
    e = r.e
    p = derive_scaling_laws().hard["loss_exponent"].expr
    # the window's balance binds its cost W T^-(1+p): the balanced excess over the bias T^-p is
    # T^-(1 - omega(e)) (tests/test_corrections.py checks it against the balance's own exponent)
    if "window cost" not in r.binding:
        raise RuntimeError(f"the window balance does not bind its cost: {r.binding}")
    gap = sp.factor(1 - r.omega)
    s = sp.Symbol("s", real=True)
    f, ell = sp.symbols("f ell", nonnegative=True)
    (slope,) = sp.solve(sp.Eq(s, -p - f * gap.subs(e, -ell * s)), s)
    return HardLossSource(
        e, gap, sp.factor(slope), sp.factor(gap.subs(e, 0)), sp.factor(gap.subs(e, p)), (f, ell)
    )
