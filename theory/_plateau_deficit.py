r"""Why the hard optimum holds its bulk rate below the stability limit: a pointwise balance.

On the hard phase's plateau the rate sits a share :math:`\epsilon(t) = 1 - \eta(t)/\eta_s` below
the stability limit :math:`\eta_s` (where the feedback sum :math:`S(\eta)` reaches 1). The
loss there is quasi-stationary (the feedback's relaxation time, :math:`\epsilon^{-b/(b-1)}`,
is short against ``T``, checked below):

.. math::

    \sigma^2 + L(t) = \frac{\sigma^2 + B(\tau_t)}{1 - S(\eta(t))}, \qquad
    1 - S \simeq \eta_s S'(\eta_s)\,\epsilon .

The final loss depends on the plateau's rate at ``t`` in two ways only:

* the bias :math:`B(\tau_T)`, :math:`\tau_T = \int_0^T\eta`: a deficit :math:`\epsilon\,dt`
  costs :math:`-B'(\tau_T)\,\eta_s\epsilon\,dt`;
* the noise injected at ``t`` that survives to ``T``: :math:`G(t)\,(\sigma^2 + L(t))\,dt`,
  :math:`G(t) = (\eta^2/m)\,K(\tau_T - \tau_t)`, :math:`K(v) = \sum_k\lambda_k^2
  e^{-2\lambda_k v}` (the window included in :math:`\tau_T - \tau_t`).

Each ``t`` trades its own bias against its own surviving noise, so the stationarity is
**pointwise** in ``t``:

.. math::

    \epsilon(t)^2 = \frac{G(t)\,(\sigma^2 + B(\tau_t))}{\eta_s^2\,S'(\eta_s)\,(-B'(\tau_T))}.

With :math:`K(v) \propto v^{-(2-1/b)}` and :math:`-B' \propto \tau^{-(a-1)/b-1}` (the mode sums'
asymptotics) this gives, at fixed :math:`u = t/T` with :math:`T(1-u) \gg W`,

.. math::

    \epsilon \propto T^{-(b-a)/(2b)}\,(1-u)^{-(2b-1)/(2b)}
    \Big(1 + \frac{B(\tau_t)}{\sigma^2}\Big)^{1/2},

the last factor a relative correction :math:`T^{-(a-1)/b}` (the plateau's source
:math:`\sigma^2 + B`). A balance that holds :math:`\epsilon` constant over the plateau
integrates the surviving noise to the window, :math:`\int^{T-W}G \propto W^{-(b-1)/b}`, and
gives :math:`\epsilon \propto T^{-(1-\omega_0)/2}`: it prices the whole plateau at the noise of
its last stretch, which the optimum avoids by letting :math:`\epsilon` grow towards the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._asymptotics import _kernel, _response, derive_scaling_laws
from ._powerlaw import power_exponent
from .symbols import a, b

__all__ = ["MECHANISM", "PlateauDeficit", "plateau_deficit"]

_eps, _g, _n0, _s1, _db, _eta = sp.symbols("epsilon G n_0 S' D eta_s", positive=True)
_TERM_NOTE = (
    r"The optima hold their plateau below the stability limit by a share "
    r"$\epsilon \propto T^{-(b-a)/(2b)}(1 - t/T)^{-(2b-1)/(2b)}$ (derived: each $t$ trades its "
    r"bias against its own surviving noise, $\epsilon^2 = G(\sigma^2 + B)/(\eta_s^2 S'(-B'))$, "
    r"below; the next order $T^{-(a-1)/b}$ further, from $\sigma^2 + B$); at fixed $\tau_T$ the "
    r"window scales as $\eta_p^{-(b-1)/(2b-1)}$, so the deficit adds this correction; the "
    r"realised-time readout multiplies by $(\eta_p/\eta_{\max})^{(b-1)/(2b-1)}$ and so divides "
    r"it out."
)
#: The mechanism's name in the derived lists (:func:`theory.derive_corrections`).
MECHANISM = "plateau below the rate cap"
_POWER_NOTE = (
    r"The optima hold their plateau a share $\epsilon \propto T^{-(b-a)/(2b)}$ below the "
    r"stability limit (derived below: each $t$ trades its bias against its own surviving "
    r"noise); a readout that does not divide the bulk's rate out carries $\ln(1 - \epsilon)$, "
    r"a correction of this exponent (the hard peak rate: local slope "
    r"$\simeq \epsilon\,(b-a)/(2b)$)."
)
_SOURCE_NOTE = (
    r"The deficit's next order: $\epsilon \propto (1 + B(\tau_t)/\sigma^2)^{1/2}$, the "
    r"plateau's source, a relative correction $T^{-(a-1)/b}$ of the leading one."
)
#: What the entry leaves to readouts against :math:`\log T` (the same list serves them).
_LN_T_NOTE = (
    r" A readout against $\log T$ (the annealing fraction) carries it through the realised "
    r"time too, $\omega_0\ln(1 - \bar\epsilon)$, and divides both with the optimum's own "
    r"deficit (below)."
)
_FRACTION_NOTE = (
    r"The annealing fraction, read against $\log T$, carries the deficit as "
    r"$\omega_0\ln(1 - \bar\epsilon) - \frac{b-1}{2b-1}\ln(1 - \epsilon_p)$ "
    r"($W \propto \tau_T^{\omega_0}\eta_p^{-(b-1)/(2b-1)}$, "
    r"$\tau_T = \eta_{\max}T(1-\bar\epsilon)(1-x)$, $\bar\epsilon$ the plateau's mean "
    r"deficit): a correction $T^{-(b-a)/(2b)}$ within $(b-a)/(2b(2b-1))$ of its own "
    r"$1-\omega_0$, which a fit of two free amplitudes does not separate. The readout "
    r"multiplies by $(1-\bar\epsilon)^{-\omega_0}(1-\epsilon_p)^{(b-1)/(2b-1)}$, read from "
    r"each optimum; the deficit near the window, over $1 - t/T \sim W/T$, is "
    r"$T^{-(b-a)/(2b)}(W/T)^{1/(2b)} = T^{-(1-\omega_0)}$: the $1-\omega_0$ term's."
)


@dataclass(frozen=True)
class PlateauDeficit:
    r"""The hard plateau's deficit below the stability limit (module docstring).

    Attributes
    ----------
    square : sympy.Expr
        :math:`\epsilon^2` from the pointwise stationarity, in the symbols ``G`` (surviving
        noise per unit source), ``n_0`` (:math:`\sigma^2 + B(\tau_t)`), ``S'``
        (:math:`S'(\eta_s)`), ``D`` (:math:`-B'(\tau_T)`) and ``eta_s``.
    exponent : sympy.Expr
        :math:`(b-a)/(2b)`: :math:`\epsilon \propto T^{-\text{exponent}}` at fixed ``t/T``.
    profile : sympy.Expr
        :math:`-(2b-1)/(2b)`: :math:`\epsilon \propto (1 - t/T)^{\text{profile}}`.
    source : sympy.Expr
        :math:`(a-1)/b`: the relative correction of :math:`(1 + B(\tau_t)/\sigma^2)^{1/2}`.
    naive : sympy.Expr
        :math:`(1-\omega_0)/2`: the exponent of the constant-deficit balance (not the optimum's).
    relaxation : sympy.Expr
        :math:`(b-a)/(2(b-1))`: the feedback's relaxation time :math:`\epsilon^{-b/(b-1)}` grows
        as :math:`T^{\text{relaxation}}`, below 1 (quasi-stationarity holds).
    """

    square: sp.Expr
    exponent: sp.Expr
    profile: sp.Expr
    source: sp.Expr
    naive: sp.Expr
    relaxation: sp.Expr

    def exponents(self, a_val: float, b_val: float) -> dict[str, float]:
        """The exponents at ``(a, b)``, by attribute name."""
        at = {a: a_val, b: b_val}
        names = ("exponent", "profile", "source", "naive", "relaxation")
        return {n: float(getattr(self, n).subs(at)) for n in names}

    def correction_term(self, term, divided):
        r"""The hard window's correction entry ``term(mechanism, divided, None, False, note)``
        (``term``: :class:`theory.CorrectionTerm`, ``divided`` its "divided out by the readout"
        form, both passed in to keep the imports one way): at fixed :math:`\tau_T` the window
        scales as :math:`\eta_p^{-(b-1)/(2b-1)}`, so the deficit's decay is a relative
        correction :math:`T^{-(b-a)/(2b)}` of the window, which the realised-time readout
        divides out with each optimum's own bulk rate. Listed without an exponent: with one,
        it would be the window list's slowest term and set the optimal sweep's horizon
        (:func:`solvers.claims.window_layer.sweep_omegas`) for a correction the readout does not
        carry."""
        return term(MECHANISM, divided, None, False, _TERM_NOTE + _LN_T_NOTE)

    def power_terms(self, term, power) -> list:
        r"""The deficit as the corrections of a readout that carries it undivided (``term``:
        :class:`theory.CorrectionTerm`, ``power`` its power form): :math:`T^{-(b-a)/(2b)}` and
        its next order :math:`T^{-((b-a)/(2b) + (a-1)/b)}` (the plateau's source
        :math:`(1 + B/\sigma^2)^{1/2}`). The hard peak rate reads :math:`\eta_s(1 - \epsilon)`
        at the bulk's window that maximises it, so its local slope is
        :math:`\epsilon\,((b-a)/(2b) + \frac{a-1}{2b}\frac{B}{\sigma^2 + B})`. (The
        annealing fraction divides it out instead: :meth:`divided_fraction`.)"""
        return [term(MECHANISM, power, self.exponent, False, _POWER_NOTE),
                term(MECHANISM + " (its source)", power, sp.factor(self.exponent + self.source),
                     False, _SOURCE_NOTE)]  # fmt: skip

    def divided_fraction(self, terms, term, divided) -> list:
        r"""``terms`` (a window list) with the deficit's entry replaced by the annealing
        fraction's: divided out by its readout with each optimum's mean deficit and bulk rate
        (``divided``: the "divided out by the readout" form; no exponent, as the window's)."""
        own = term(MECHANISM, divided, None, False, _FRACTION_NOTE)
        return [own if t.mechanism == MECHANISM else t for t in terms]

    def latex(self) -> str:
        """One LaTeX paragraph: the plateau's deficit below the stability limit."""
        return (
            r"\paragraph{The hard plateau below the stability limit.} On the plateau "
            r"$\sigma^2 + L = (\sigma^2 + B(\tau_t))/(1 - S)$, $1 - S \simeq \eta_s S'\epsilon$. "
            r"A deficit $\epsilon$ at $t$ costs the bias $-B'(\tau_T)\eta_s\epsilon\,dt$ and "
            r"saves the surviving noise $G(t)(\sigma^2 + L(t))\,dt$, "
            r"$G = (\eta^2/m)K(\tau_T - \tau_t)$; the stationarity is pointwise in $t$: "
            rf"$\epsilon^2 = {sp.latex(self.square)}$ ($n_0 = \sigma^2 + B(\tau_t)$, "
            r"$D = -B'(\tau_T)$). Hence "
            rf"$\epsilon \propto T^{{{sp.latex(-self.exponent)}}}"
            rf"(1 - t/T)^{{{sp.latex(self.profile)}}}$ with a relative correction "
            rf"$T^{{{sp.latex(-self.source)}}}$ from $n_0$. A constant deficit would give "
            rf"$T^{{{sp.latex(-self.naive)}}}$: it prices the whole plateau at the noise of "
            r"its last stretch."
        )


@cache
def plateau_deficit() -> PlateauDeficit:
    r"""Derive :class:`PlateauDeficit` (SymPy; checks by substitution and against closed forms).

    Examples
    --------
    >>> d = plateau_deficit()
    >>> d.exponent, d.profile, d.source
    (-(a - b)/(2*b), -(2*b - 1)/(2*b), (a - 1)/b)
    >>> d.exponents(1.5, 3)["exponent"], round(d.exponents(1.5, 3)["naive"], 12)
    (0.25, 0.15)
    """
    # the cost of a deficit eps over dt at t: the bias's plus the surviving noise's
    cost = _db * _eta * _eps + _g * _n0 / (_s1 * _eta * _eps)
    roots = [r for r in sp.solve(sp.diff(cost, _eps), _eps) if r.is_positive]
    if len(roots) != 1:
        raise RuntimeError(f"plateau deficit: stationary points {roots}")
    square = sp.simplify(roots[0] ** 2)
    if not sp.simplify(sp.diff(cost, _eps, 2).subs(_eps, roots[0])).is_positive:
        raise RuntimeError("plateau deficit: the stationary point is not a minimum")
    r = _response()
    tau = sp.Symbol("tau", positive=True)
    bias = r.bias.at(r.bias_factor * tau)
    d_bias = power_exponent(-sp.diff(bias, tau), tau)  # -B' ~ tau^d_bias, tau ~ T
    surviving = power_exponent(_kernel(r, tau), tau)  # K(v) ~ v^surviving, v ~ T (1 - u)
    exponent = sp.factor(-(surviving - d_bias) / 2)
    profile = sp.factor(surviving / 2)
    source = sp.factor(-power_exponent(bias, tau))  # n_0 = sigma^2 (1 + B/sigma^2)
    hard = derive_scaling_laws().hard
    w0 = hard["anneal_window_exponent"].expr
    # the constant-deficit balance: int_0^{T-W} K(T - t) dt ~ W^(surviving + 1), W ~ T^w0
    naive = sp.factor(-((surviving + 1) * w0 - (d_bias + 1)) / 2)
    relaxation = sp.factor(exponent * b / (b - 1))
    _check(exponent, profile, source, naive, relaxation, w0, hard["loss_exponent"].expr)
    return PlateauDeficit(square, exponent, profile, source, naive, relaxation)


def _check(exponent, profile, source, naive, relaxation, w0, p) -> None:
    """The derived exponents against their closed forms and the phase's conditions."""
    closed = {
        "exponent": (exponent, (b - a) / (2 * b)),
        "profile": (profile, -(2 * b - 1) / (2 * b)),
        "source": (source, p),
        "naive": (naive, (1 - w0) / 2),
    }
    for name, (got, want) in closed.items():
        if sp.simplify(got - want) != 0:
            raise RuntimeError(f"plateau deficit {name}: {got}, expected {want}")
    # hard phase (1 < a < b): the relaxation time grows slower than T, the deficit decays
    x, y = sp.symbols("x y", positive=True)  # a = 1 + x, b = a + y
    at = {a: 1 + x, b: 1 + x + y}
    for what, expr in (("1 - relaxation", 1 - relaxation), ("exponent", exponent)):
        num, den = sp.fraction(sp.factor(expr.subs(at)))
        if not (sp.expand(num).is_positive and sp.expand(den).is_positive):
            raise RuntimeError(f"plateau deficit: {what} = {expr} not positive in the hard phase")
