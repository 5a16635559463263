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

__all__ = [
    "WindowSourceResidual",
    "WindowSourceResponse",
    "window_source_residual",
    "window_source_response",
]


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


@dataclass(frozen=True)
class WindowSourceResidual:
    r"""What a readout of the hard window keeps of the noise source's decay.

    The window answers the source *over the window*, :math:`n_W`, while a readout can only
    divide by what it knows at the end, :math:`n(T) = \sigma^2 + L(T)`. With
    :math:`\epsilon = B/\sigma^2 \propto T^{-p}` (:math:`B` the plateau's bias,
    :math:`p = (a-1)/b`), the two differ through three small quantities:

    * the excess of :math:`L(T)` over the plateau's bias (the window's cost), relative
      :math:`T^{-(1-\omega_0)}`;
    * the noise the window leaves at the end, per unit source: the window-noise term of the
      window balance at the derived width;
    * the bias over the window against its value at ``T``, :math:`(1 - W/T)^{-p} - 1 \sim W/T`.

    (The plateau's own noise floor makes :math:`n_W` a fixed multiple of
    :math:`\sigma^2 + B`: constant in ``T`` at fixed shape, gone from a local slope.)
    To first order in :math:`\epsilon` and in these, :math:`\log(n(T)/n_W)` is a sum of
    powers of ``T``; ``divided`` is the slowest one's exponent: the correction that the claim's
    readout :math:`\Lambda\,n(T)^{\kappa}` keeps (while :math:`L \ll \sigma^2`; where
    :math:`L = O(\sigma^2)` the factor :math:`\epsilon` is O(1) and what is left is
    :math:`T^{-(1-\omega_0)}`, a term of the window's own list). ``bare`` is the exponent of the
    source's decay in :math:`\log n(T)` itself: the lost time alone has the slope
    :math:`\omega_0 + \kappa\,d\log n/d\log T \approx \omega_0 - \kappa\,p\,\ell`,
    :math:`\ell = L/(\sigma^2 + L)`, a correction :math:`T^{-p}` while :math:`L \ll \sigma^2`
    and no power at all while :math:`L = O(\sigma^2)`.

    Attributes
    ----------
    bare, divided : sympy.Expr
        Correction exponents (in ``a, b``) of the lost time alone and of the claim's readout.
    terms : dict
        ``{name: exponent}``: each first-order term of :math:`\log(n(T)/n_W)`, as the power of
        :math:`T^{-1}` it decays with.
    """

    bare: sp.Expr
    divided: sp.Expr
    terms: dict

    def latex(self) -> str:
        """One LaTeX sentence: what each readout keeps."""
        return (
            r"The window answers the source over the window; the readout divides by "
            r"$\sigma^2 + L(T)$. They differ by the window's cost in $L(T)$, the noise the "
            r"window leaves and the bias's drift over the window, each "
            rf"$T^{{-{sp.latex(self.divided)}}}$ relative while $L \ll \sigma^2$ (window "
            r"source residual). The lost time alone keeps the source's own decay, "
            rf"$T^{{-{sp.latex(self.bare)}}}$ times $\kappa$, and no power while "
            r"$L = O(\sigma^2)$."
        )


@cache
def window_source_residual() -> WindowSourceResidual:
    r"""Derive :class:`WindowSourceResidual`: the source correction each window readout keeps.

    Examples
    --------
    >>> r = window_source_residual()
    >>> r.bare, sp.factor(r.divided)    # p, and p + (b - a)/(2b - 1)
    ((a - 1)/b, (b - 1)*(a + b - 1)/(b*(2*b - 1)))
    """
    from ._disk import load_or_compute

    return load_or_compute("window-source-residual", _window_source_residual)


def _window_source_residual() -> WindowSourceResidual:
    """The derivation behind :func:`window_source_residual` (no caching)."""
    from ._asymptotics import omega as width_exp
    from .symbols import T

    laws = derive_scaling_laws().hard
    p, w0 = laws["loss_exponent"].expr, laws["anneal_window_exponent"].expr
    r = _response()
    d_star, _ = _derive_delta(r)
    _, _, _, window = _derive_window(r, d_star)
    at = {t.name: sp.factor(t.exponent.subs(width_exp, w0)) for t in window}
    h = sp.Symbol("h", positive=True)  # bookkeeping: first order in the small quantities
    c = sp.symbols("c1:4", positive=True)  # their O(1) amplitudes
    small = {
        "cost (L(T) over the plateau's bias)": c[0] * T ** (at["window cost"] + p),
        "noise the window leaves": c[1] * T ** at["window noise"],
        "bias over the window against at T": c[2] * T ** (w0 - 1),
    }
    eps = T**-p  # B / sigma^2, up to its constant
    n_end = 1 + h * eps * (1 + small["cost (L(T) over the plateau's bias)"])
    n_end += h * small["noise the window leaves"]
    n_win = 1 + h * eps * (1 + small["bias over the window against at T"])
    first = sp.expand(sp.diff(sp.log(n_end / n_win), h).subs(h, 0))
    # each term's share of the first order: the coefficient of its amplitude, a power of T
    terms = {name: sp.factor(-sp.powsimp(first.coeff(ci)).as_coeff_exponent(T)[1])
             for name, ci in zip(small, c, strict=True)}  # fmt: skip
    slowest = terms[next(iter(terms))]
    if any(sp.simplify(e - slowest) != 0 for e in terms.values()):
        raise RuntimeError(f"source residual: terms decay at different rates {terms}")
    bare_part = sp.expand(sp.diff(sp.log(n_end), h).subs(h, 0)).subs(dict.fromkeys(c, 0))
    bare = sp.factor(-sp.powsimp(bare_part).as_coeff_exponent(T)[1])
    return WindowSourceResidual(bare, slowest, terms)
