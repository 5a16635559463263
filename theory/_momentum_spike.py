r"""Heavy ball's release: what a spike of the loss leaves in the slow modes, derived.

Heavy ball :math:`v' = c v + g`, :math:`\Delta' = \Delta - h v'` (the closure of
:func:`theory.general_momentum` at :math:`\alpha = 0, \gamma = h, \beta = c, q = 1`). A *coast*
(friction on its cap) lets the fed-back noise grow as :math:`e^{\kappa H}`
(:mod:`theory._momentum_cap`); the *release* and the *cleanup* after it (a few steps of large rate
and friction off the cap) shed it from the fast modes. What the spike costs is the noise it leaves
in the modes the cleanup cannot act on: the slow modes at and beyond the learning front.

Derived here (:func:`derive_spike_cost`), each by substitution:

* **The noise is a kick.** One step's gradient noise :math:`\xi` moves the state by
  :math:`\xi\,\kappa_t`, :math:`\kappa_t = (-h_t, 1)` on :math:`(\Delta, v)`. The closure's source
  is :math:`\iota\lambda(L + \sigma^2)\,\kappa_t\kappa_t^{\mathsf T}` (in :math:`(D, X, V)`), its map at
  :math:`\iota = 0` is the symmetric square of the mean map
  :math:`M_t = \begin{pmatrix}1 - h_t\lambda & -h_t c_t\\ \lambda & c_t\end{pmatrix}`, and the mode's
  own fourth-moment term adds :math:`\iota\lambda^2 D\,\kappa_t\kappa_t^{\mathsf T}`: a covariance
  injection. Every term is positive semidefinite, so the fed-back noise a mode holds at ``T`` is
  bounded below by its mean-map (Duhamel) part

  .. math::

      D_k^{\rm fb}(T) \ge \iota\lambda_k\sum_t L_t\,\Gamma_k(T, t)^2, \qquad
      \Gamma_k(T, t) = e_\Delta^{\mathsf T} M_{T-1}\cdots M_{t+1}\kappa_t .

* **The filter's gain on a slow mode.** A run of steps :math:`t+1..n` multiplies :math:`(\Delta, v)`
  by :math:`\prod_j M_j(\lambda)`; at :math:`\lambda = 0` the product is
  :math:`\begin{pmatrix}1 & -G\\ 0 & C\end{pmatrix}` with :math:`C = \prod_j c_j` and
  :math:`G = \sum_j h_j c_j\prod_{i<j} c_i`: the filter cannot touch a slow mode's displacement
  (gain :math:`1 - 2\lambda\tau_c + O(\lambda^2)` on its energy, :math:`\tau_c` the filter's own
  clock) and turns the velocity a spike has charged into displacement with gain
  :math:`G`. The kick's response is :math:`\Gamma(\lambda) = -\sum_{j\ge t} d_{t,j}\,(1 -
  \lambda\Theta_j) + O(\lambda^2)`, :math:`d_{t,t} = h_t`, :math:`d_{t,j} = h_j\prod_{i=t+1}^{j}
  c_i`, :math:`\Theta_j = \sum_{s > j} G_s` the slow modes' clock still to run after step ``j``
  (:math:`G_s = \sum_{j\ge s} d_{s,j}`, :math:`\sum_s G_s = \tau`, the clock of
  :func:`solvers.dynamics.momentum_response.slow_mode_rate`). The resummed form
  :math:`-\sum_j d_{t,j} e^{-\lambda\Theta_j}` (gradient flow on the clock after the kick) is an
  assumption, checked on the recursion.
* **The mode sum.** For :math:`\lambda_k = k^{-b}` the share a kick leaves beyond the front, after
  the clock ``theta``, is :math:`\sum_k\lambda_k^2 e^{-2\lambda_k\theta} \simeq
  \Gamma(2 - 1/b)\,(2\theta)^{1/b - 2}/b`; the bias is :math:`\sum_k k^{-a}e^{-2\lambda_k\tau}
  \simeq \Gamma((a-1)/b)\,(2\tau)^{-(a-1)/b}/b`. A spike of weight
  :math:`W = \sum_t L_t G_t^2` therefore costs at least
  :math:`\iota W\,\Gamma(2 - 1/b)(2\tau)^{1/b-2}/b` at ``T``, and stays below the bias only while
  :math:`W \lesssim \tau^{(2b - a)/b}` (``cost_exponent``).
* **The bound on a coast.** On the cap :math:`G_t \ge H_{\rm rest}(t)`, the rate still to come in
  the coast, and the loss grows as :math:`e^{\kappa H}`; so a coast of integrated rate ``H``
  ending at loss :math:`L_e` has :math:`W \ge L_e\int_0^H x^2 e^{-\kappa x}dx/h_{\max}
  \to 2 L_e/(h_{\max}\kappa^3)`. With :math:`L(T) \le` the family's :math:`\propto
  T^{-(a-1)/b}` and :math:`\tau \le T H_{\max} + O(T)`:
  :math:`\kappa H_{\max} \le \frac{2b - a}{b}\ln T + \frac{2b - 1}{b}\ln H_{\max} + O(1)`, i.e.
  :math:`H_{\max} \le \frac{2b-a}{b\kappa}\ln T + O(\ln\ln T)` (``h_max_coefficient``).

Imports nothing from ``solvers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp

from .symbols import L, a, b, inv_m, lam

__all__ = [
    "SpikeCost",
    "derive_spike_cost",
    "spike_gains",
    "spike_response",
]

h = sp.Symbol("h", nonnegative=True)
c = sp.Symbol("c", nonnegative=True)
#: The clock still to run (``theta``), the whole clock (``tau``), a coast's growth per unit rate.
theta = sp.Symbol("theta", positive=True)
tau = sp.Symbol("tau", positive=True)
kappa = sp.Symbol("kappa", positive=True)
_xi = sp.Symbol("xi", real=True)
_u = sp.Symbol("u", positive=True)
#: Steps of the symbolic cleanup the filter's closed forms are checked on.
FILTER_STEPS = 3


@dataclass(frozen=True)
class SpikeCost:
    r"""What a spike costs (see the module docs).

    Attributes
    ----------
    mean_map : sympy.Matrix
        :math:`M(\lambda, h, c)` on :math:`(\Delta, v)`.
    kick : sympy.Matrix
        :math:`\kappa = \partial(\Delta', v')/\partial\xi` of one step's gradient noise.
    filter_gain : sympy.Expr
        ``G`` of a :data:`FILTER_STEPS`-step filter, :math:`-[\prod_j M_j(0)]_{\Delta v}`.
    energy_first_order : sympy.Expr
        :math:`\partial_\lambda [\prod_j M_j]_{\Delta\Delta}^2|_{\lambda=0} = -2\tau_c`: a slow
        mode's energy gain through the filter is :math:`1 - 2\lambda\tau_c + O(\lambda^2)`,
        :math:`\tau_c` the filter's own clock.
    kick_first_order : sympy.Expr
        :math:`\partial_\lambda\Gamma|_{\lambda=0}` of a kick before that filter.
    noise_share : sympy.Expr
        :math:`\int_0^\infty k^{-2b}e^{-2\theta k^{-b}}dk`.
    bias : sympy.Expr
        :math:`\int_0^\infty k^{-a}e^{-2\tau k^{-b}}dk`.
    cost_exponent : sympy.Expr
        The power of :math:`\tau` a spike's weight may reach, :math:`(2b - a)/b`.
    coast_weight : sympy.Expr
        :math:`\int_0^\infty x^2 e^{-\kappa x}dx = 2/\kappa^3`.
    h_max_coefficient : sympy.Expr
        :math:`(2b - a)/(b\kappa)`: :math:`H_{\max} \le` it :math:`\times\ln T + O(\ln\ln T)`.
    """

    mean_map: sp.Matrix
    kick: sp.Matrix
    filter_gain: sp.Expr
    energy_first_order: sp.Expr
    kick_first_order: sp.Expr
    noise_share: sp.Expr
    bias: sp.Expr
    cost_exponent: sp.Expr
    coast_weight: sp.Expr
    h_max_coefficient: sp.Expr


def heavy_ball_step() -> tuple[sp.Matrix, sp.Matrix, sp.Matrix, sp.Matrix]:
    r"""``(M, kick, A, u)``: the mean map and the noise kick of one heavy-ball step on
    :math:`(\Delta, v)` (the update at :math:`g = \lambda\Delta + \xi`), and the closure's map
    ``A`` and source ``u`` (per unit ``L``) on :math:`(D, X, V)`, all from the general update."""
    from ._moments import Delta, beta, g, second_moment_closure, v
    from ._momentum_exponents import alpha_s, gamma_s, general_momentum, q_s

    sub = {alpha_s: 0, gamma_s: h, beta: c, q_s: 1}
    upd = general_momentum()
    new = sp.Matrix([sp.expand(e.subs(sub).subs(g, lam * Delta + _xi)) for e in upd.update])
    M = new.subs(_xi, 0).jacobian(sp.Matrix([Delta, v]))
    kick = new.diff(_xi)
    cl = second_moment_closure(upd)
    rec = sp.Matrix([sp.expand(r.subs(sub)) for r in cl.recursion])
    return M, kick, rec.jacobian(sp.Matrix(cl.moments)), rec.diff(L)


def symmetric_square(M: sp.Matrix) -> sp.Matrix:
    r"""The map :math:`P \mapsto MPM^{\mathsf T}` of a 2 x 2 ``M`` on :math:`(P_{11}, P_{12}, P_{22})`."""
    p = sp.symbols("p11 p12 p22", real=True)
    P = sp.Matrix([[p[0], p[1]], [p[1], p[2]]])
    Q = M * P * M.T
    return sp.Matrix([Q[0, 0], Q[0, 1], Q[1, 1]]).jacobian(sp.Matrix(p))


def _outer(k: sp.Matrix) -> sp.Matrix:
    """:math:`kk^{\\mathsf T}` as :math:`(D, X, V)`."""
    return sp.Matrix([k[0] ** 2, k[0] * k[1], k[1] ** 2])


@cache
def derive_spike_cost() -> SpikeCost:
    """Derive :class:`SpikeCost` (once per process, kept on disk by :mod:`theory._disk`)."""
    from ._disk import load_or_compute

    return load_or_compute("momentum-spike-cost", _derive)


def _derive() -> SpikeCost:
    """The derivation behind :func:`derive_spike_cost`.

    Examples
    --------
    >>> d = derive_spike_cost()
    >>> sp.simplify(d.cost_exponent - (2 * b - a) / b)
    0
    >>> d.coast_weight
    2/kappa**3
    """
    M, kick, A, u = heavy_ball_step()
    _check(sp.expand(A.subs(inv_m, 0) - symmetric_square(M)) == sp.zeros(3, 3), "A(0) != Sym2(M)")
    _check(sp.expand(u - inv_m * lam * _outer(kick)) == sp.zeros(3, 1), "source != iota lam kk^T")
    self_term = sp.expand(A - A.subs(inv_m, 0))
    _check(sp.expand(self_term - inv_m * lam**2 * _outer(kick) * sp.Matrix([[1, 0, 0]]))
           == sp.zeros(3, 3), "self term is not a covariance injection")  # fmt: skip
    gain, energy, first = _filter(M, kick)
    share = _power_integral(2 * b, theta)
    bias = _power_integral(a, tau)
    ratio = sp.powsimp(sp.expand_power_base(bias / share.subs(theta, tau), force=True), force=True)
    cost = sp.simplify(-sp.diff(sp.log(ratio), tau) * tau)
    weight = sp.integrate(_u**2 * sp.exp(-kappa * _u), (_u, 0, sp.oo))
    return SpikeCost(M, kick, gain, energy, first, share, bias, sp.factor(-cost), weight,
                     sp.factor(-cost / kappa))  # fmt: skip


def _check(ok: bool, what: str) -> None:
    if not ok:  # pragma: no cover - a derivation check
        raise AssertionError(f"spike derivation: {what}")


def _filter(M: sp.Matrix, kick: sp.Matrix) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    r"""The filter's slow-mode closed forms on :data:`FILTER_STEPS` symbolic steps: ``G`` of
    :math:`\prod_j M_j(0)`, the first order of a slow mode's energy gain and the first-order
    response of a kick at step 0, each checked against the sums of the module docs."""
    n = FILTER_STEPS
    hs = sp.symbols(f"h0:{n + 1}", nonnegative=True)
    cs = sp.symbols(f"c0:{n + 1}", nonnegative=True)
    step = [M.subs({h: hs[j], c: cs[j]}) for j in range(n + 1)]
    prod = sp.eye(2)
    for j in range(1, n + 1):
        prod = step[j] * prod
    at0 = sp.expand(prod.subs(lam, 0))
    gain = sp.expand(-at0[0, 1])
    closed = sum(hs[j] * cs[j] * sp.Mul(*cs[1:j]) for j in range(1, n + 1))
    _check(sp.expand(gain - closed) == 0, "filter gain")
    _check(at0 == sp.Matrix([[1, -gain], [0, sp.Mul(*cs[1:])]]), "filter at lambda = 0")
    energy = sp.expand(sp.diff(prod[0, 0] ** 2, lam).subs(lam, 0))
    clock = sum(
        hs[j] * sp.Mul(*cs[s + 1 : j + 1]) for s in range(1, n + 1) for j in range(s, n + 1)
    )
    _check(sp.expand(energy + 2 * clock) == 0, "slow-mode energy gain")
    resp = sp.expand((prod * kick.subs({h: hs[0], c: cs[0]}))[0])
    first = sp.expand(sp.diff(resp, lam).subs(lam, 0))
    d = [hs[0]] + [hs[j] * sp.Mul(*cs[1 : j + 1]) for j in range(1, n + 1)]
    G = [sum(d[j] for j in range(s, n + 1)) / (sp.Mul(*cs[1 : s + 1]) if s else 1)
         for s in range(n + 1)]  # fmt: skip
    Theta = [sum(G[s] for s in range(j + 1, n + 1)) for j in range(n + 1)]
    _check(sp.expand(resp.subs(lam, 0) + sum(d)) == 0, "kick gain")
    _check(sp.simplify(first - sum(d[j] * Theta[j] for j in range(n + 1))) == 0, "first order")
    return gain, energy, first


def _power_integral(p: sp.Expr, clock: sp.Symbol) -> sp.Expr:
    r""":math:`\int_0^\infty k^{-p} e^{-2\,\mathrm{clock}\,k^{-b}} dk` for :math:`p > 1`, through
    :math:`u = k^{-b}` (:math:`dk = u^{-1/b - 1}du/b`)."""
    s = sp.Symbol("s", positive=True)  # (p - 1)/b
    val = sp.integrate(_u ** (s - 1) * sp.exp(-2 * clock * _u), (_u, 0, sp.oo)) / b
    return sp.gammasimp(sp.powsimp(sp.simplify(val.subs(s, (p - 1) / b)), force=True))


def spike_gains(rate, friction) -> tuple[np.ndarray, np.ndarray]:
    r"""``(G, Theta)``, shape ``(T,)`` each, of per-step heavy-ball ``rate`` :math:`h_t` and
    ``friction`` :math:`c_t`: :math:`G_t = h_t + c_{t+1}G_{t+1}` (the displacement a unit velocity
    kick at ``t`` gives a mode too slow to move, by ``T``) and :math:`\Theta_t = \sum_{s>t} G_s`
    (the slow modes' clock still to run; :math:`\Theta_{-1} = \tau`)."""
    hh, cc = _controls(rate, friction)
    G = np.zeros(hh.size)
    nxt = 0.0
    for t in range(hh.size - 1, -1, -1):
        G[t] = hh[t] + nxt
        nxt = cc[t] * G[t]
    Theta = np.concatenate((np.cumsum(G[::-1])[::-1][1:], [0.0]))
    return G, Theta


def spike_response(lams, rate, friction, *, first_order_only=False) -> np.ndarray:
    r""":math:`|\Gamma_k(T, t)| \simeq \sum_{j\ge t} d_{t,j} e^{-\lambda_k\Theta_j}`, shape
    ``(T, n)``: the displacement at ``T`` of mode ``k`` from a unit velocity kick at ``t``, in the
    slow-mode form (``first_order_only``: :math:`1 - \lambda\Theta_j` instead of the exponential)."""
    hh, cc = _controls(rate, friction)
    lk = np.asarray(lams, dtype=float)
    _, Theta = spike_gains(hh, cc)
    out = np.empty((hh.size, lk.size))
    acc = np.zeros(lk.size)
    for t in range(hh.size - 1, -1, -1):
        decay = 1 - lk * Theta[t] if first_order_only else np.exp(-lk * Theta[t])
        acc = hh[t] * decay + (cc[t + 1] * acc if t + 1 < hh.size else 0.0)
        out[t] = acc
    return out


def _controls(rate, friction) -> tuple[np.ndarray, np.ndarray]:
    hh, cc = np.asarray(rate, dtype=float), np.asarray(friction, dtype=float)
    if hh.ndim != 1 or hh.shape != cc.shape or hh.size < 1:
        raise ValueError(f"rate and friction must be 1-d of one length, got {hh.shape}, {cc.shape}")
    if np.any(hh < 0) or np.any(cc < 0) or np.any(cc > 1):
        raise ValueError("rate must be >= 0 and friction in [0, 1]")
    return hh, cc
