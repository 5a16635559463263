r"""The hard annealing window's end-of-run boundary layer: a shift of the window's end, derived.

Inside the window the rate is interior, so the Hamiltonian
:math:`H = -\eta^2 (n/m) M` (:math:`n = \sigma^2 + L`, :math:`M = \sum_k \mu_k \lambda_k`;
:func:`theory.easy_end_layer` eliminates :math:`\eta` from :math:`\partial H/\partial\eta = 0`)
is constant. In the window's last steps the rate is small, the loss-driven feedback on the
costate is :math:`O(\eta)` and the source is :math:`n(T)`, so
:math:`M = K(2U)`, :math:`U = \int_t^T \eta`, and the relation of the easy phase holds there:
:math:`c\,s = \int_0^U K(2U')^{1/2} dU'`, :math:`s = T - t`, :math:`c = \eta(T)\,K(0)^{1/2}`.
Matched to the outer window (where :math:`K` is its power law and the feedback and the source's
variation across the window shape the rate at :math:`O(1)`), the layer moves the outer window's
end by :math:`D(b)/c` steps, :math:`D(b)` the easy layer's number (:meth:`EasyEndLayer.shift`):
the optimum is the layerless window ending :math:`|D|/c` steps after ``T``. A lost time of the
window is the outer one minus :math:`|D|/c` (up to :math:`O(1)` steps from inside the layer),
a relative correction :math:`D/(c\,W) \propto T^{-\omega_0/(2b)}`: the window claim's slowest
derived correction (:func:`theory.derive_corrections`, "end-of-run boundary layer of the window").

**The width's amplitude has no first-order term.** Along the outer family (one parameter, the
window's intrinsic time :math:`U_W`, with :math:`c \propto U_W^{e_c}` from the rate cap at the
window's start) the true loss is the layerless one at the horizon :math:`T - D/c` plus the noise
the layer does not inject, :math:`(n/m)\,c\,D` (the costate-weighted noise of the window is
:math:`-H` per step exactly). To first order in ``D`` its derivative in :math:`U_W` is
:math:`-(\partial L/\partial T)\,D\,\partial_{U}(1/c) + (n/m)\,D\,\partial_U c`, and
:math:`\partial L^*/\partial T = H = -(n/m)c^2` (the Hamiltonian is the value's derivative in the
horizon): SymPy finds the sum identically zero, so the optimal :math:`U_W` does not move at first
order. What the readout keeps of the layer is its second order, :math:`T^{-\omega_0/b}`.

**Where the division is a perturbation.** The readout is the outer window times
:math:`1 + k\varepsilon^2 + \dots`, :math:`\varepsilon = D/(c\,\Lambda_{\rm out})` (``k``
unknown, unit amplitude). With :math:`\varepsilon \propto T^{-w}`, :math:`w = \omega_0/(2b)`,
the second order moves a local slope by :math:`d\log(1 + \varepsilon^2)/d\log T \to
-2w\varepsilon^2` (SymPy: :attr:`WindowEndLayer.second_order_slope`); it stays below a slope
error :math:`\rho` where :math:`|\varepsilon| \le (\rho/(2w))^{1/2}`
(:meth:`WindowEndLayer.perturbative_bound`; the claim's fit rule,
benchmarks/results/window_2026-12-01/PROTOCOL.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._easy_layer import easy_end_layer
from ._powerlaw import power_exponent

__all__ = ["WindowEndLayer", "window_end_layer"]

_U, _C, _nu, _D = sp.symbols("U C nu D", positive=True)


@dataclass(frozen=True)
class WindowEndLayer:
    r"""The window layer's derived structure (see the module docstring).

    Attributes
    ----------
    rate_exponent : sympy.Expr
        :math:`e_c`: the window's constant :math:`c \propto U_W^{e_c}` (from
        :math:`c = \eta_{\max} K_\infty(2U_W)^{1/2}` at the window's start).
    relative_exponent : sympy.Expr
        The layer's relative shift :math:`D/(c\,W) \propto W^{-r}`: ``r`` (times
        :math:`\omega_0` in ``T``).
    first_order_amplitude : sympy.Expr
        The first-order response of the optimal window to the layer (zero: derived).
    kernel_at_zero : sympy.Expr
        :math:`K(0)`: the end rate is :math:`c\,K(0)^{-1/2}`.
    second_order_slope : sympy.Expr
        The second order's shift of a local slope over :math:`\varepsilon^2`, in units of the
        layer's exponent ``w`` (``-2``: the slope moves by :math:`-2w\varepsilon^2`).
    """

    rate_exponent: sp.Expr
    relative_exponent: sp.Expr
    first_order_amplitude: sp.Expr
    kernel_at_zero: sp.Expr
    second_order_slope: sp.Expr

    def shift(self, b_val: float) -> float:
        """:math:`D(b)`, the shift of the window's end times ``c`` (negative)."""
        return easy_end_layer().shift(b_val)

    def omega(self, window_exponent: sp.Expr) -> sp.Expr:
        r"""The layer's correction exponent in ``T``: :math:`r\,\omega_0`."""
        return sp.factor(self.relative_exponent * window_exponent)

    def perturbative_bound(self, window_exponent: sp.Expr, rho) -> sp.Expr:
        r"""The largest :math:`|\varepsilon|` whose second order moves a local slope by at most
        ``rho``: the root of :math:`|{\rm second\_order\_slope}|\,w\,\varepsilon^2 = \rho`,
        :math:`w` = :meth:`omega`."""
        return sp.sqrt(rho / (sp.Abs(self.second_order_slope) * self.omega(window_exponent)))

    def correction_terms(self, window_exponent: sp.Expr, term, divided: str, power: str) -> tuple:
        """The window claims' rows for the layer: divided out, and its second order left (``term``
        the correction record's class, ``divided`` and ``power`` its forms; passed in because
        that module imports this one)."""
        w = self.omega(window_exponent)
        return (
            term("end-of-run boundary layer of the window", divided,
                 note=r"The layer ends the window $D(b)/c$ steps early ($c = \eta(T)\zeta(2b)^{1/2}$, "
                      r"$D$ the easy layer's number); the readout adds them back to the lost time. "
                      r"The width's first-order response to the layer vanishes "
                      r"($\partial L^*/\partial T = H$)."),
            term("second order of the window's boundary layer", power, sp.factor(2 * w), False,
                 rf"The layer's relative shift $T^{{-{sp.latex(w)}}}$ squared."),
        )  # fmt: skip

    def latex(self) -> str:
        """A LaTeX paragraph for the report's derivation section."""
        return (
            r"\paragraph{The hard window's end-of-run boundary layer, divided out.} In the window "
            r"the rate is interior and $H = -\eta^2 (n/m) M$ is constant; in its last steps "
            r"$M = K(2U)$, so $c\,(T - t) = \int_0^U K(2U')^{1/2} dU'$ and the layer moves the "
            r"outer window's end by $D(b)/c$ steps ($c = \eta(T)\zeta(2b)^{1/2}$, $D$ as in the "
            r"easy phase). The claim reads the lost time plus $|D|/c$. Along the window family "
            rf"($c \propto U_W^{{{sp.latex(self.rate_exponent)}}}$) the layer's first-order "
            r"effect on the optimal width is $-(\partial_T L) D\,\partial_U(1/c) + (n/m) D\,"
            r"\partial_U c = 0$ with $\partial_T L^* = H = -(n/m)c^2$: the second order, "
            r"$T^{-\omega_0/b}$, is what remains. It moves a local slope by "
            r"$-2w\varepsilon^2$ ($\varepsilon = D/(c\Lambda) \propto T^{-w}$, "
            r"$w = \omega_0/(2b)$), so the claim fits the divided lost time only where "
            r"$|\varepsilon| \le (\rho/(2w))^{1/2}$, $\rho$ one standard error of the target "
            r"resolution."
        )


@cache
def window_end_layer() -> WindowEndLayer:
    """Derive the window layer's structure from the model's response (:mod:`theory._asymptotics`).

    Examples
    --------
    >>> L = window_end_layer()
    >>> L.relative_exponent, L.first_order_amplitude, L.second_order_slope
    (1/(2*b), 0, -2)
    """
    from ._asymptotics import _response

    r = _response()
    kinf = r.kernel.at(r.kernel_factor * _U)  # K_oo(2U)
    root = sp.powsimp(sp.expand_power_base(sp.sqrt(kinf), force=True), force=True)
    e_c = sp.factor(power_exponent(root, _U))  # c = eta_max K_oo(2 U_W)^(1/2) ~ U_W^e_c
    c = _C * _U**e_c
    # relative shift D/(c s_W), s_W = U_W/eta_max times a number: D/(c U) ~ U^-r
    r_exp = sp.factor(-power_exponent(_D / (c * _U), _U))
    # first order in D: the loss at the horizon T - D/c, plus the noise the layer does not inject
    # (dL/dT is a number at the optimum while differentiating in U_W; then dL*/dT = H = -nu c^2)
    L_T = sp.Symbol("L_T")
    grad = sp.diff(L_T * (-_D / c) + _nu * _D * c, _U)
    amp = sp.simplify(grad.subs(L_T, -_nu * c**2))
    return WindowEndLayer(e_c, r_exp, amp, r.kernel_at_zero, _second_order_slope())


def _second_order_slope() -> sp.Expr:
    r""":math:`\lim_{E\to 0} [d\log(1 + \varepsilon^2)/d\log T] / (w\varepsilon^2)` for
    :math:`\varepsilon = E\,T^{-w}`: the second order's slope shift per :math:`w\varepsilon^2`."""
    E, T, w = sp.symbols("E T w", positive=True)
    eps = E * T**-w
    slope = T * sp.diff(sp.log(1 + eps**2), T)
    return sp.simplify(sp.limit(slope / (w * eps**2), E, 0))
