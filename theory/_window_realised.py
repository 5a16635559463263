r"""The hard annealing window as a power law of the intrinsic time the run realised.

The window's balance (:func:`theory.derive_scaling_laws`, hard phase) expands the bias of the
plateau, :math:`B(\tau_T)`, :math:`\tau_T = \eta_{\max}T - \ell W` (``W`` the window, ``\ell W``
the intrinsic time it loses), to first order in :math:`W/T`; its second order is the window
claim's slowest derived correction, :math:`T^{-(1-\omega_0)}` ("second order of the lost
intrinsic time", :func:`theory.derive_corrections`). Without the expansion the stationarity of
the cost in ``W`` reads

.. math::

    \ell\,(-B'(\tau_T)) = -\partial_W N(W), \qquad \tau_T = \int_0^T \eta\,dt,

because the bias depends on the schedule through :math:`\tau_T` alone (:math:`B(\tau) =
\sum_k k^{-a} e^{-2\lambda_k\tau}`) and every noise term of the balance depends on ``W`` alone
(checked here on the derived terms: their exponents in ``T`` vanish at :math:`\omega = 0`).
With :math:`B \propto \tau^{-\alpha}` and the binding noise :math:`\propto W^{q}` this gives
:math:`W \propto \tau_T^{(\alpha+1)/(1-q)} = \tau_T^{\omega_0}` **exactly**: read against
:math:`\log\tau_T` the window has no correction in :math:`W/T` at any order, while against
:math:`\log T` its slope is :math:`\omega_0/(1 - x(1-\omega_0))`, :math:`x = \Lambda_\tau/T`
(:math:`\Lambda_\tau = T - \tau_T/\eta_{\max}`, the lost intrinsic time in steps), i.e.
:math:`\omega_0 + \omega_0(1-\omega_0)x + O(x^2)` with :math:`x \propto T^{-(1-\omega_0)}`.

What stays against :math:`\log\tau_T`:

* **The plateau's unlearned modes' noise**, :math:`(b-a)/b`. The plateau's noise is
  :math:`\eta_{\max}(n/m)\int_{u_W}^{\tau_T}K(2v)\,dv`; the derived balance keeps the integral to
  infinity. Its upper end, :math:`-\eta_{\max}(n/m)\int_{\tau_T}^\infty K(2v)\,dv \propto
  \tau_T^{-(b-1)/b}` (the modes not yet learned, which have not reached their stationary
  variance), is a function of :math:`\tau_T` too, and moves the bias's derivative by the
  relative :math:`\tau_T^{-(b-a)/b}`: a correction in :math:`\tau_T` (so in ``T``) that the
  window's derived list (:func:`theory.derive_corrections`) does not have, in either readout.
  Its source is the run's mean :math:`\sigma^2 + L` (the next order :math:`\tau^{-(a-1)/b}`
  faster).
* The window's own terms in ``W``: the layer's second order :math:`\omega_0/b` (its first order
  is divided out) and the source at the end against the source over the window; both are
  powers of ``W``, so of :math:`\tau_T` with the same exponents.
* The bias's own corrections contribute nothing: the mode sum is Euler--Maclaurin with a
  summand flat at :math:`k = 0` (beyond all orders) and the finite mode count's floor
  :math:`\sum_{k>N}k^{-a}` does not depend on :math:`\tau_T` (it drops out of :math:`B'`).
* The source factor :math:`(\sigma^2 + L(T))^{\kappa}` of the readout: unchanged (divided as
  before; what it leaves is the source residual above; :math:`L(T)` against the mean source
  over the window differs by relative :math:`x\,L/\sigma^2`, i.e. :math:`T^{-(1-\omega_0)-(a-1)/b}`,
  and by products of the kept terms with :math:`x`: faster than every kept term).

Which :math:`\Lambda`: the bias sees the schedule's whole integral, so the variable is the
realised :math:`\tau_T = \int_0^T\eta` of the optimum itself, the layer included (not the outer
window's divided lost time, and not a lost time at half the peak, which is
:math:`2^{-1/\delta}` of the intrinsic one for the window's power :math:`\delta`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._asymptotics import _derive_delta, _derive_window, _kernel, _response, derive_scaling_laws
from ._plateau_deficit import plateau_deficit
from ._powerlaw import PowerLaw, power_exponent
from .symbols import T, a, b, eta, inv_m, sigma

__all__ = ["WindowRealisedTime", "window_realised_time"]

_tau, _W, _x, _lam, _C = sp.symbols("tau W x Lambda C", positive=True)
_ell, _B, _n = sp.symbols("ell B n", positive=True)


@dataclass(frozen=True)
class WindowRealisedTime:
    r"""The hard window against the realised intrinsic time (module docstring).

    Attributes
    ----------
    w0 : sympy.Expr
        The window exponent :math:`\omega_0`, re-derived from the exact stationarity.
    x : sympy.Symbol
        :math:`\Lambda_\tau/T`, the lost intrinsic time's share of the run.
    slope_in_T : sympy.Expr
        The local slope against :math:`\log T` of a window :math:`\propto\tau_T^{\omega_0}`.
    removed : sympy.Expr
        :math:`1 - \omega_0`: the exponent whose every order (:math:`x^k`) the readout removes.
    unlearned : sympy.Expr
        :math:`(b-a)/b`: the plateau's unlearned modes' noise (not in the ``T`` list).
    tau : sympy.Symbol
        The realised intrinsic time in :attr:`share`.
    share : sympy.Expr
        :math:`R(\tau) = \eta\,(\sigma^2/m)\,K(2\tau)/(-B'(\tau))` (``eta`` the plateau's rate):
        the bias's derivative is :math:`B'(1 - R)`, so the window is
        :math:`\propto [\tau^{-\alpha-1}(1 - R)]^{-1/(1-q)}` and the readout times
        :math:`(1 - R)^{1/(1-q)}` is :math:`\propto\tau^{\omega_0}` (:attr:`division`).
    division : sympy.Expr
        :math:`1/(1-q)`, ``q`` the binding noise's power of ``W``.
    rate_power : sympy.Expr
        :math:`\gamma`: at fixed :math:`\tau_T` the window is :math:`\propto\eta_p^{\gamma}`,
        :math:`\eta_p` the rate it starts from (the lost intrinsic time per unit ``W`` is
        :math:`\propto\eta_p`, the binding noise's coefficient :math:`\propto\eta_p^{e}`):
        :math:`\gamma = (1 - e)/(q - 1) = -(b-1)/(2b-1)`. The optimum's bulk sits below the cap by
        a share that decays like :math:`W/T` (claims.md, 2026-12-02s20 (win20)): a
        :math:`T^{-(1-\omega_0)}` the realised time does not remove; :meth:`rate_factor`
        divides it out.
    deficit : sympy.Expr
        :math:`(b-a)/(2b)`: the bulk's deficit below the stability limit decays as
        :math:`T^{-\text{deficit}}` (:func:`theory.plateau_deficit`; the "about
        :math:`W/T`" above is its pre-asymptotic slope), the correction :meth:`rate_factor`
        divides out.
    """

    w0: sp.Expr
    x: sp.Symbol
    slope_in_T: sp.Expr
    removed: sp.Expr
    unlearned: sp.Expr
    tau: sp.Symbol
    share: sp.Expr
    division: sp.Expr
    rate_power: sp.Expr
    deficit: sp.Expr

    def omegas(self, a_val: float, b_val: float) -> tuple[list[float], list[float]]:
        """The exponents a readout against the realised time removes from the window claim's
        derived list (every order of the lost time; the bulk's deficit, which
        :meth:`rate_factor` divides out), and the one it adds where it does not divide the
        unlearned modes' noise out (:meth:`unlearned_factor`), at ``(a, b)``."""
        at = {a: a_val, b: b_val}
        removed = [float(self.removed.subs(at)), float(self.deficit.subs(at))]
        return removed, [float(self.unlearned.subs(at))]

    def unlearned_factor(self, model, tau: float, rate: float) -> float:
        r""":math:`(1 - R(\tau))^{1/(1-q)}` at ``model`` (``rate``: the plateau's rate): what the
        readout is multiplied by to divide the unlearned modes' noise out."""
        at = {**model.subs(), eta: rate, sigma: model.sigma, inv_m: 1 / model.batch}
        R = float(self.share.subs(at).subs(self.tau, tau))
        return (1.0 - R) ** float(self.division.subs(model.subs()))

    def rate_factor(self, model, rate: float, cap: float) -> float:
        r""":math:`(\eta_p/\eta_{\rm cap})^{-\gamma}`: the readout times it is the window at
        the cap's rate (``rate``: the bulk's, ``cap``: the first steps')."""
        return (rate / cap) ** -float(self.rate_power.subs(model.subs()))

    def latex(self) -> str:
        """One LaTeX paragraph: the window in the realised intrinsic time."""
        w, rem, unl = sp.latex(self.w0), sp.latex(-self.removed), sp.latex(-self.unlearned)
        return (
            r"\paragraph{The hard window in the realised intrinsic time.} The bias depends on "
            r"the schedule through $\tau_T = \int_0^T\eta$ alone and the balance's noise "
            r"through $W$ alone, so the exact stationarity "
            r"$\ell\,(-B'(\tau_T)) = -\partial_W N(W)$ gives $W \propto \tau_T^{\omega_0}$, "
            rf"$\omega_0 = {w}$, to all orders in $W/T$. Against $\log T$ the local slope is "
            r"$\omega_0/(1 - x(1-\omega_0))$ (SymPy, implicit differentiation), "
            rf"$x = \Lambda_\tau/T \propto T^{{{rem}}}$: a readout against $\log\tau_T$ removes "
            rf"$T^{{k({rem})}}$ for every $k \ge 1$. The plateau's unlearned modes' noise, "
            r"$-\eta(\sigma^2/m)\int_{\tau_T}^\infty K(2v)dv$, moves the bias's derivative to "
            rf"$B'(1 - R)$, $R = {sp.latex(self.share)} \propto \tau^{{{unl}}}$ (a correction "
            r"the window's derived list lacks in either readout): the readout is multiplied by "
            rf"$(1 - R)^{{{sp.latex(self.division)}}}$. It keeps the window's own terms in $W$ "
            r"(the layer's second order, the source residual)."
        )


@cache
def window_realised_time() -> WindowRealisedTime:
    r"""Derive :class:`WindowRealisedTime` (SymPy; checks by substitution).

    Examples
    --------
    >>> r = window_realised_time()
    >>> r.omegas(3, 3.5)        # removed (1 - w0, (b - a)/(2b)), added ((b - a)/b)
    ([0.08333333333333333, 0.07142857142857142], [0.14285714285714285])
    """
    r = _response()
    d_star, _ = _derive_delta(r)
    cases, _, _, terms = _derive_window(r, d_star)
    (omega,) = [s for s in terms[0].exponent.free_symbols if s.name == "omega"]
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    (case,) = [c for c in cases if c.kind == "balance" and sp.simplify(c.value - w0) == 0]
    noise = {t.name: t for t in terms[1:]}
    for t in noise.values():  # every noise term is a power of W alone: no T at omega = 0
        if sp.simplify(t.exponent.subs(omega, 0)) != 0:
            raise RuntimeError(f"window noise term {t.name} depends on T beyond W: {t.exponent}")
    bound = [noise[n] for part in case.binding for n in part.split(" + ") if n in noise]
    qs = {sp.simplify(t.exponent / omega) for t in bound}  # the binding noise ~ W^q
    if len(qs) != 1:
        raise RuntimeError(f"window balance: binding noise terms of exponents {qs}")
    (q,) = qs
    bias = PowerLaw.from_expr(r.bias.at(r.bias_factor * _tau), _tau)
    alpha = -bias.exponent
    # exact stationarity in W at fixed horizon: d/dW [B tau^-alpha + n W^q] = 0, tau = tau0 - ell W
    tau0 = sp.Symbol("tau0", positive=True)
    cost = _B * (tau0 - _ell * _W) ** (-alpha) + _n * _W**q
    stat = sp.diff(cost, _W).subs(tau0, _tau + _ell * _W)
    (W_of_tau,) = sp.solve(sp.Eq(stat, 0), _W)
    w_exact = sp.simplify(power_exponent(W_of_tau, _tau))
    if sp.simplify(w_exact - w0) != 0:
        raise RuntimeError(f"exact stationarity gives W ~ tau^{w_exact}, not tau^{w0}")
    slope = _slope_against_T(w0)
    # the plateau's noise, eta (sigma^2/m) int_{u_W}^{tau_T} K(2v) dv: d/dtau_T of its upper end
    # over -B'(tau_T) (the mode sums' asymptotics, exact to all orders: a flat summand)
    share = sp.simplify(eta * r.noise_coef * _kernel(r, _tau) / -sp.diff(bias.expr, _tau))
    unlearned = sp.factor(-power_exponent(share, _tau))
    if sp.simplify(unlearned - (b - a) / b) != 0:
        raise RuntimeError(f"unlearned modes' noise: {unlearned}, expected (b - a)/b")
    division = sp.factor(1 / (1 - q))
    (eta_max,) = [s for s in bound[0].coef.free_symbols if s.name == "eta_max"]
    es = {sp.simplify(power_exponent(t.coef, eta_max)) for t in bound}  # noise ~ eta_p^e W^q
    if len(es) != 1:
        raise RuntimeError(f"window balance: binding noise terms of rate powers {es}")
    (e,) = es
    rate_power = sp.factor((1 - e) / (q - 1))  # lost per unit W ~ eta_p
    if sp.simplify(rate_power + (b - 1) / (2 * b - 1)) != 0:
        raise RuntimeError(f"window's rate power: {rate_power}, expected -(b - 1)/(2b - 1)")
    return WindowRealisedTime(w0, _x, slope, sp.factor(1 - w0), unlearned, _tau, share, division,
                              rate_power, plateau_deficit().exponent)  # fmt: skip


def _slope_against_T(w0: sp.Expr) -> sp.Expr:
    r""":math:`d\log\Lambda/d\log T` for :math:`\Lambda = C (T - \Lambda)^{\omega_0}`, by implicit
    differentiation, in :math:`x = \Lambda/T`; checked against :math:`\omega_0/(1-x(1-\omega_0))`."""
    F = sp.log(_lam) - sp.log(_C) - w0 * sp.log(T - _lam)
    dlam = sp.idiff(F, _lam, T)
    s = sp.simplify((T / _lam * dlam).subs(_lam, _x * T))
    claimed = w0 / (1 - _x * (1 - w0))
    if sp.simplify(s - claimed) != 0:
        raise RuntimeError(f"slope against log T: {s}, not {claimed}")
    return claimed
