r"""The easy phase's end-of-run boundary layer: the shift it leaves on the outer schedule.

With :math:`\sigma^2 \gg L` the costate is :math:`\mu_k = \lambda_k e^{-2\lambda_k U}`,
:math:`U(t) = \int_t^T \eta` the remaining intrinsic time (docs/theory.md §2), and at an interior
optimum the Hamiltonian is :math:`H = -\eta^2 (\sigma^2/m) K(2U)`. The problem is autonomous, so
:math:`H` is constant and

.. math:: \eta(t) = c\,K(2U(t))^{-1/2} \quad\text{exactly, with one constant } c .

Since :math:`dU/dt = -\eta`, the time to go is :math:`c\,(T - t) = \int_0^U K(2U')^{1/2} dU'`.
Far from the end :math:`K` is its power law :math:`K_\infty(F) = \kappa F^{-(2 - 1/b)}` up to terms
beyond all orders (:mod:`theory._mode_sums`), so

.. math::

    c\,(T - t) = A\,U^{1/(2b)} + D, \qquad
    D(b) = \int_0^\infty \bigl(K(2U)^{1/2} - K_\infty(2U)^{1/2}\bigr)\,dU ,

and the outer schedule is :math:`\eta \propto (u - \varepsilon)^{2b-1}`, :math:`u = 1 - t/T`,
:math:`\varepsilon = D/(cT)`: the boundary layer (the last steps, where :math:`K` levels off at
:math:`K(0) = \zeta(2b)`) moves the outer power's zero by :math:`D/c` steps. ``D`` is a number of
the spectrum alone (negative: the rate ends on a floor, :math:`\eta(T) = c\,\zeta(2b)^{-1/2}`).

The loss is :math:`B(U_0) + (\sigma^2/m)\,c^2 T` (the noise is :math:`\int \eta^2 K = c^2 T`
exactly). With :math:`X = A U_0^{1/(2b)}`, :math:`cT = X + D`, its stationarity in ``X`` is
:math:`X^{2a}(1 + y) = Q\,T`, :math:`y = D/X`, so :math:`X \propto T^{1/(2a)}(1+y)^{-1/(2a)}`
and the outer rate at fixed ``u`` is :math:`T^{-\xi}(1+y)^{2b - b/a}` times a constant: both
the shape and the amplitude are functions of one variable, :math:`\varepsilon = y/(1+y) \sim
T^{-1/(2a)}`, which the end rate gives (:meth:`EasyEndLayer.epsilon`). That is the
boundary-layer correction of xi and delta, and its harmonics, with their amplitudes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._powerlaw import finite_power_integral, power_exponent
from .symbols import a, b

__all__ = ["EasyEndLayer", "easy_end_layer", "mode_sum"]

_U, _c, _w, _y, _T = sp.symbols("U c w y T", positive=True)
#: Gauss-Legendre nodes of the two pieces of the shift's integral (smooth integrands).
_NODES = 64
#: Where the integral is split (in ``U``), and where its outer piece stops: once the modes that
#: carry :math:`K(F)` sit at :math:`k \sim F^{1/b} \ge` this, :math:`K - K_\infty` (beyond all
#: orders) is below 1e-12 of :math:`K` (at b = 3.5 it is 1e-10 already at :math:`F^{1/b} = 21`).
_U_SPLIT, _FRONT_MAX = 1.0, 60.0


@dataclass(frozen=True)
class EasyEndLayer:
    r"""The boundary layer's derived structure (see the module docstring).

    Attributes
    ----------
    kernel_constant : sympy.Expr
        :math:`\kappa(b)`, :math:`K(F) \simeq \kappa F^{-(2-1/b)}`.
    outer_coef : sympy.Expr
        :math:`A(b)`: :math:`\int_0^U K_\infty(2U')^{1/2} dU' = A\,U^{1/(2b)}`.
    outer_exponent : sympy.Expr
        The outer schedule's power in :math:`c(T - t) - D` (equals the derived delta).
    amplitude_exponent : sympy.Expr
        The power of :math:`1 + y` in the outer rate at fixed ``u`` (:math:`2b - b/a`).
    kernel_at_zero : sympy.Expr
        :math:`K(0) = \sum_k \lambda_k^2`: the end rate is :math:`c\,K(0)^{-1/2}`.
    """

    kernel_constant: sp.Expr
    outer_coef: sp.Expr
    outer_exponent: sp.Expr
    amplitude_exponent: sp.Expr
    kernel_at_zero: sp.Expr

    def shift(self, b_val: float) -> float:
        """:math:`D(b)` (cached per ``b``)."""
        return _shift(float(b_val), self)

    def epsilon(self, b_val: float, end_rate: float, T: float) -> float:
        r""":math:`\varepsilon = D/(cT)` with :math:`c = \eta(T)\,K(0)^{1/2}` from the end rate."""
        k0 = float(self.kernel_at_zero.subs(b, b_val))
        return self.shift(b_val) / (end_rate * math.sqrt(k0) * T)

    def kernel(self, b_val: float, F: float) -> float:
        r""":math:`K(F) = \sum_k k^{-2b} e^{-F k^{-b}}` (the mode sum itself, not its power law)."""
        return mode_sum(float(b_val), 2 * float(b_val), float(F))

    def amplitude_power(self, a_val: float, b_val: float) -> float:
        """:attr:`amplitude_exponent` at ``(a, b)``."""
        return float(self.amplitude_exponent.subs({a: a_val, b: b_val}))

    def latex(self) -> str:
        """A LaTeX paragraph for the report's derivation section."""
        return (
            r"\paragraph{The easy phase's end-of-run boundary layer, divided out.} With "
            r"$\sigma^2 \gg L$ the Hamiltonian at an interior optimum is "
            r"$H = -\eta^2(\sigma^2/m)K(2U)$, $U = \int_t^T\eta$; it is constant, so "
            r"$\eta = c\,K(2U)^{-1/2}$ and $c(T - t) = \int_0^U K(2U')^{1/2}dU' = "
            rf"{sp.latex(self.outer_coef)}\,U^{{1/(2b)}} + D$ with "
            r"$D(b) = \int_0^\infty (K(2U)^{1/2} - K_\infty(2U)^{1/2})\,dU$ (a number of the "
            r"spectrum; $D(3.5) \approx "
            rf"{self.shift(3.5):.4f}$). The outer rate is $\propto (u - \varepsilon)^{{"
            rf"{sp.latex(self.outer_exponent)}}}$, $\varepsilon = D/(cT) = y/(1+y)$, and the "
            r"loss's stationarity $X^{2a}(1+y) = QT$ ($X = cT - D$, $y = D/X$) gives the "
            rf"amplitude $T^{{-\xi}}(1+y)^{{{sp.latex(self.amplitude_exponent)}}}$. The claims "
            r"read $\varepsilon$ from the end rate $\eta(T) = c\,\zeta(2b)^{-1/2}$ and divide "
            r"the function of $\varepsilon$ out of xi's window mean and delta's shape: the "
            r"$T^{-1/(2a)}$ correction and all its powers."
        )


@cache
def easy_end_layer() -> EasyEndLayer:
    """Derive the boundary layer's structure from the model's response (:mod:`theory._asymptotics`).

    Examples
    --------
    >>> L = easy_end_layer()
    >>> L.outer_exponent, L.amplitude_exponent
    (2*b - 1, 2*b - b/a)
    >>> round(L.shift(2.0), 6) == round(L.shift(2), 6) and L.shift(2.0) < 0
    True
    """
    from ._asymptotics import _response

    r = _response()
    # H = -2 eta P + (eta^2 sigma^2/m) Kmu (per-mode sums P, Kmu): eliminate eta, express H in it
    eta, P, Km, s2m = sp.symbols("eta P K_mu s", positive=True)
    H = -2 * eta * P + eta**2 * s2m * Km
    (eta_star,) = sp.solve(sp.diff(H, eta), eta)
    if sp.simplify(H.subs(eta, eta_star) + eta_star**2 * s2m * Km) != 0:
        raise RuntimeError("the interior Hamiltonian is not -eta^2 (sigma^2/m) K")
    kinf = r.kernel.at(r.kernel_factor * _U)  # K_oo(2U)
    kappa = sp.simplify(r.kernel.constant)
    root = sp.powsimp(sp.expand_power_base(sp.sqrt(kinf), force=True), force=True)
    e = power_exponent(root, _U)
    _cond, integral = finite_power_integral(e, _U, _U)  # int_0^U U'^e dU' (e > -1)
    A = sp.simplify(root / _U**e * integral / _U ** (1 / (2 * b)))
    if A.has(_U):
        raise RuntimeError(f"int sqrt(K_oo) is not a power U^(1/(2b)): {root}")
    # outer: A U^(1/(2b)) = w (w = c (T - t) - D), eta = c K_oo(2U)^(-1/2)
    U_of_w = (_w / A) ** (2 * b)
    eta_outer = sp.powsimp(sp.expand_power_base(_c / sp.sqrt(kinf.subs(_U, U_of_w)), force=True))
    outer = sp.factor(power_exponent(eta_outer, _w))
    # amplitude: eta at fixed u ∝ c^(2b) T^(2b-1) = (X + D)^(2b)/T, X^(2a) (1 + y) = Q T
    Q = _stationarity()
    if Q.has(_T) or Q.has(sp.Symbol("X", positive=True)):
        raise RuntimeError(f"the loss's stationarity is not X^(2a) (1 + y) = Q T: Q = {Q}")
    X = (Q * _T / (1 + _y)) ** (1 / (2 * a))  # that relation solved for X
    if sp.simplify(sp.powdenest(X ** (2 * a), force=True) * (1 + _y) - Q * _T) != 0:
        raise RuntimeError("X does not solve the stationarity")
    amp = sp.powsimp(sp.expand_power_base((X * (1 + _y)) ** (2 * b), force=True), force=True)
    amp = amp / amp.subs(_y, 0)  # the factor the layer puts on the leading amplitude
    base, amp_exp = sp.powdenest(sp.simplify(amp), force=True).as_base_exp()
    if base != 1 + _y:
        raise RuntimeError(f"the amplitude is not a power of 1 + y: {amp}")
    return EasyEndLayer(kappa, A, outer, sp.expand(amp_exp), r.kernel_at_zero)


def _stationarity() -> sp.Expr:
    r"""The loss :math:`(\sigma^2/m)(X + D)^2/T + \beta X^{-2(a-1)}` made stationary in ``X``:
    returns :math:`X^{2a}(1 + D/X)` over ``T`` at the root (``Q``, free of ``T`` and ``X``)."""
    X, D, beta, s2m = sp.symbols("X D beta s", positive=True)
    loss = s2m * (X + D) ** 2 / _T + beta * X ** (-2 * (a - 1))
    (T_root,) = sp.solve(sp.diff(loss, X), _T)
    return sp.simplify(X ** (2 * a) * (1 + D / X) / T_root)


@cache
def _shift(b_val: float, layer: EasyEndLayer, n_nodes: int = _NODES) -> float:
    """:math:`D(b)`: Gauss-Legendre on ``[0, U_SPLIT]`` (the outer power integrated exactly
    there) and in ``log U`` beyond; the mode sum directly, with its tail as an integral (an
    incomplete gamma function) and the Euler-Maclaurin half term."""
    kappa = float(layer.kernel_constant.subs(b, b_val))
    q = 2 - 1 / b_val

    def K(F: float) -> float:
        return mode_sum(b_val, 2 * b_val, F, power_law=False)

    nodes, weights = _gauss(n_nodes)
    inner = sum(
        w * math.sqrt(K(2 * _U_SPLIT * (x + 1) / 2)) for x, w in zip(nodes, weights, strict=True)
    )
    inner *= _U_SPLIT / 2
    outer_head = float(layer.outer_coef.subs(b, b_val)) * _U_SPLIT ** (1 / (2 * b_val))
    lo, hi = math.log(_U_SPLIT), math.log(_FRONT_MAX**b_val / 2)
    tail = 0.0
    for x, w in zip(nodes, weights, strict=True):
        s = lo + (hi - lo) * (x + 1) / 2
        U = math.exp(s)
        tail += w * U * (math.sqrt(K(2 * U)) - math.sqrt(kappa * (2 * U) ** -q))
    return inner - outer_head + tail * (hi - lo) / 2


def mode_sum(
    b_val: float, p: float, F: float, n_modes: float = math.inf, *, power_law: bool = True
) -> float:
    r""":math:`\sum_{k \le N} k^{-p} e^{-F k^{-b}}` (:math:`K(F)` at ``p = 2b``): directly to
    ``n ~ 8 F^{1/b}`` terms, the tail as an integral (an incomplete gamma function) and the
    Euler-Maclaurin half term; at ``F = 0`` the finite zeta sum. With ``power_law``, its power
    law :math:`\Gamma(g) F^{-g}/b`, :math:`g = (p-1)/b`, where the two differ by less than 1e-12
    (the front past :data:`_FRONT_MAX`, and well inside ``n_modes``)."""
    import mpmath as mp
    import numpy as np

    if F <= 0:
        head = mp.zeta(p)
        return float(head if math.isinf(n_modes) else head - mp.zeta(p, n_modes + 1))
    g = (p - 1) / b_val  # tail int_n^oo k^-p e^{-F k^-b} dk = lower_gamma(g, F n^-b) F^-g / b
    if power_law and _FRONT_MAX < F ** (1 / b_val) < n_modes / 100:
        return math.gamma(g) / b_val * F**-g
    n = int(64 + 8 * F ** (1 / b_val))
    k = np.arange(1, n, dtype=float)
    s = math.fsum(k**-p * np.exp(-F * k**-b_val))
    tail = float(mp.gammainc(g, 0, F * n**-b_val)) * F**-g / b_val
    return s + tail + 0.5 * n**-p * math.exp(-F * n**-b_val)


@cache
def _gauss(n: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Gauss-Legendre nodes and weights on ``[-1, 1]``."""
    import numpy as np

    x, w = np.polynomial.legendre.leggauss(n)
    return tuple(map(float, x)), tuple(map(float, w))
