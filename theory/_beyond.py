r"""Beyond the learning rate: batch-size degeneracy and the bias dynamics of EMA momentum, derived.

Two derivations, each from the single sources of truth (:func:`theory.plrf_dynamics` and the
optimizer updates of :mod:`theory._moments`):

* :func:`batch_degeneracy` rewrites the dynamics in *sample time* :math:`s = m t` and shows that
  the continuous-time limit depends on the learning rate and the batch size only through the
  ratio :math:`r = \eta/m`; the exact discrete recursion does not, and the term that breaks the
  degeneracy (and its size relative to the drift) is derived, together with the bounds
  :math:`m \ge 1` and :math:`\eta \le \eta_{\max}` that restrict the degenerate family.
* :func:`momentum_bias_dynamics` linearises the noise-free mean dynamics of a linear optimizer
  update (e.g. EMA momentum) and derives its slow eigenvalue (the effective learning rate of the
  slowly learned modes), its stability boundary and the sum of the EMA weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from ._dynamics import plrf_dynamics
from ._moments import OptimizerUpdate, beta, ema_momentum, gaussian_gradient_moments
from .symbols import c, eta, inv_m, lam, m

__all__ = ["BatchDegeneracy", "MomentumBias", "batch_degeneracy", "momentum_bias_dynamics"]

#: Ratio eta/m (the only combination of the controls in sample time).
ratio = sp.Symbol("r", positive=True)
#: The learning-rate bound (a symbol, so the derived bounds stay general).
eta_max = sp.Symbol("eta_max", positive=True)
#: Per-step eigenvalue variable of the mean dynamics.
z = sp.Symbol("z")


@dataclass(frozen=True)
class BatchDegeneracy:
    r"""The sample-time form of the PLRF dynamics and where the ``eta/m`` degeneracy breaks.

    Attributes
    ----------
    continuous_per_sample : sympy.Expr
        :math:`dc_k/ds` of the continuous limit with :math:`\eta = r m`, :math:`\iota = 1/m`.
    degenerate : bool
        True iff ``m`` does not appear in :attr:`continuous_per_sample` (derived, not asserted).
    discrete_per_sample : sympy.Expr
        :math:`(c_k(t+1) - c_k(t))/m`, the exact recursion's change per sample.
    breaking : sympy.Expr
        ``discrete_per_sample - continuous_per_sample``: the part that depends on ``m``.
    relative_breaking : sympy.Expr
        ``breaking`` divided by the magnitude of the drift :math:`2 r\lambda c`, written in
        ``eta`` and ``m``: the relative error of the degeneracy per step.
    m_range : sympy.Expr
        Admissible batch sizes at fixed ratio: :math:`1 \le m \le \eta_{\max}/r`.
    steps : tuple of str
        The derivation in words and LaTeX.
    """

    continuous_per_sample: sp.Expr
    degenerate: bool
    discrete_per_sample: sp.Expr
    breaking: sp.Expr
    relative_breaking: sp.Expr
    m_range: sp.Expr
    steps: tuple[str, ...]

    def latex(self) -> dict[str, str]:
        """LaTeX of each derived expression."""
        return {
            "continuous_per_sample": r"\frac{dc_k}{ds} = " + sp.latex(self.continuous_per_sample),
            "discrete_per_sample": r"\frac{\Delta c_k}{m} = "
            + sp.latex(sp.collect(sp.expand(self.discrete_per_sample), c)),
            "breaking": r"\frac{\Delta c_k}{m} - \frac{dc_k}{ds} = " + sp.latex(self.breaking),
            "relative_breaking": r"\frac{|\text{breaking}|}{2 r \lambda c} = "
            + sp.latex(self.relative_breaking),
            "m_range": sp.latex(self.m_range),
        }


@cache
def batch_degeneracy() -> BatchDegeneracy:
    r"""Derive the sample-time dynamics and the breaking of the :math:`\eta/m` degeneracy.

    With :math:`s = m t` samples, :math:`dc/ds = (1/m)\,dc/dt`; substituting
    :math:`\eta = r m`, :math:`\iota = 1/m` into :func:`theory.plrf_dynamics`:

    .. math::

        \frac{dc_k}{ds} = -2 r\lambda_k c_k + r^2\lambda_k (L + \sigma^2),

    free of ``m``: any two schedules with the same :math:`r(s)` give the same loss at the same
    number of samples. The exact recursion adds, per sample, :math:`r^2 (m+1)\lambda_k^2 c_k`,
    i.e. a relative correction :math:`(\eta + r)\lambda_k/2` to the drift.

    Examples
    --------
    >>> d = batch_degeneracy()
    >>> d.degenerate
    True
    >>> d.continuous_per_sample
    lambda*r*(L*r - 2*c + r*sigma**2)
    >>> d.breaking
    c*lambda**2*r**2*(m + 1)
    """
    dyn = plrf_dynamics()
    sub = {eta: ratio * m, inv_m: 1 / m}
    cont = sp.factor_terms(sp.expand(dyn.continuous.subs(sub) / m))
    degenerate = m not in cont.free_symbols
    disc = sp.expand((dyn.discrete - c).subs(sub) / m)
    breaking = sp.factor(sp.expand(disc - cont))
    drift = 2 * ratio * lam * c
    rel = sp.factor(sp.simplify(breaking / drift))
    rel_eta = sp.expand(rel.subs(ratio, eta / m))
    m_range = sp.And(sp.Ge(m, 1), sp.Le(m, sp.solve(sp.Eq(ratio * m, eta_max), m)[0]))
    steps = (
        r"Sample time $s = m t$: $dc/ds = \frac{1}{m} dc/dt$; write $\eta = r m$, $\iota = 1/m$.",
        r"Continuous limit per sample: $"
        + sp.latex(cont)
        + "$"
        + (r" — free of $m$: only $r=\eta/m$ matters." if degenerate else " — depends on $m$."),
        r"Exact recursion per sample minus that: $" + sp.latex(breaking) + "$, relative to the "
        r"drift $2 r\lambda c$: $" + sp.latex(rel_eta) + "$ (small iff $\\eta\\lambda_1 \\ll 1$).",
        r"At fixed $r$ the family is bounded by $m \ge 1$ and $\eta = r m \le \eta_{\max}$: $"
        + sp.latex(m_range)
        + "$.",
    )
    return BatchDegeneracy(cont, degenerate, disc, breaking, rel_eta, m_range, steps)


@dataclass(frozen=True)
class MomentumBias:
    r"""Noise-free mean dynamics of a linear optimizer update, linearised per mode.

    Attributes
    ----------
    update : OptimizerUpdate
    matrix : sympy.Matrix
        One-step map of the mean state :math:`E[s]` (gradient replaced by its mean
        :math:`\lambda\Delta`).
    charpoly : sympy.Expr
        Characteristic polynomial in ``z``.
    slow_rate : sympy.Expr
        :math:`-\,d z_{\rm slow}/d\lambda` at :math:`\lambda = 0`: the effective learning rate
        of the slowly learned modes (:math:`z_{\rm slow} = 1 - \text{slow\_rate}\,\lambda +
        O(\lambda^2)`).
    stability_boundary : sympy.Expr
        :math:`\eta\lambda` at which an eigenvalue crosses :math:`z = -1` (``None`` if none).
    ema_weight_sum : sympy.Expr
        Sum of the weights of ``t+1`` gradients in the velocity at constant ``beta``
        (``None`` when the update has no velocity).
    steps : tuple of str
    """

    update: OptimizerUpdate
    matrix: sp.Matrix
    charpoly: sp.Expr
    slow_rate: sp.Expr
    stability_boundary: sp.Expr | None
    ema_weight_sum: sp.Expr | None
    steps: tuple[str, ...]

    def latex(self) -> dict[str, str]:
        out = {
            "matrix": sp.latex(self.matrix),
            "charpoly": sp.latex(self.charpoly) + " = 0",
            "slow_rate": r"\eta_{\rm eff} = " + sp.latex(self.slow_rate),
        }
        if self.stability_boundary is not None:
            out["stability_boundary"] = r"\eta\lambda < " + sp.latex(self.stability_boundary)
        if self.ema_weight_sum is not None:
            out["ema_weight_sum"] = sp.latex(self.ema_weight_sum)
        return out


@cache
def momentum_bias_dynamics(update: OptimizerUpdate | None = None) -> MomentumBias:
    r"""Derive the slow rate and the stability boundary of a linear update's mean dynamics.

    The mean gradient is :math:`E[g\mid s] = \lambda\Delta` (:func:`gaussian_gradient_moments`);
    the mean state then obeys a linear map :math:`A(\eta, \beta, \lambda)`. Its slowest eigenvalue
    expanded in :math:`\lambda` gives the effective rate of the modes near the learning front
    (which set the loss exponent), and :math:`\det(-I - A) = 0` the stability boundary.

    For EMA momentum (default) the slow rate is exactly :math:`\eta` for every :math:`\beta`,
    and the boundary is :math:`\eta\lambda = 2(1+\beta)/(1-\beta)`.

    Examples
    --------
    >>> mb = momentum_bias_dynamics()
    >>> mb.slow_rate
    eta
    >>> sp.factor(mb.stability_boundary)
    -2*(beta + 1)/(beta - 1)
    """
    upd = ema_momentum() if update is None else update
    if not isinstance(upd, OptimizerUpdate):
        raise TypeError(f"update must be an OptimizerUpdate, got {type(upd).__name__}")
    mu, _ = gaussian_gradient_moments()
    point = upd.state[0] if upd.gradient_at is None else upd.gradient_at
    mean_g = sp.expand(mu.subs(upd.state[0], point))
    new = [sp.expand(sp.sympify(u).subs(upd.gradient, mean_g)) for u in upd.update]
    A = sp.Matrix([[sp.diff(u, s) for s in upd.state] for u in new])
    n = A.shape[0]
    poly = sp.expand((z * sp.eye(n) - A).det())
    # slow eigenvalue: z(lam) with z(0) = 1, implicit differentiation of poly(z, lam) = 0
    z0 = sp.Integer(1)
    dz = -sp.diff(poly, lam) / sp.diff(poly, z)
    at0 = {z: z0, lam: 0}
    denom = sp.diff(poly, z).subs(at0)
    slow = sp.simplify(-dz.subs(at0)) if denom != 0 else sp.nan
    x = sp.Symbol("x", positive=True)  # x = eta * lam
    p_m1 = sp.factor(poly.subs(z, -1).subs(lam, x / eta))
    roots = [r for r in sp.solve(p_m1, x) if r != 0]
    boundary = sp.factor(roots[0]) if len(roots) == 1 else None
    weight_sum = None
    if n > 1 and beta in upd.params:
        j, tt = sp.symbols("j t", integer=True, nonnegative=True)
        geom = sp.summation(beta**j, (j, 0, tt))  # Piecewise: beta = 1, and the general case
        if isinstance(geom, sp.Piecewise):
            geom = next(e for e, cond in geom.args if cond == sp.true)
        weight_sum = sp.powsimp(sp.cancel((1 - beta) * geom))
    steps = (
        r"Mean gradient $E[g\mid s] = "
        + sp.latex(mean_g)
        + r"$; mean one-step map $A = "
        + sp.latex(A)
        + "$.",
        r"Characteristic polynomial $" + sp.latex(sp.collect(poly, z)) + r" = 0$.",
        r"Slow eigenvalue $z = 1 - \eta_{\rm eff}\lambda + O(\lambda^2)$ with $\eta_{\rm eff} = "
        + sp.latex(slow)
        + "$: the modes at the learning front (small $\\lambda$) learn at "
        r"rate $\eta_{\rm eff}$, so the bias after $T$ steps depends on $\sum_t \eta_{\rm eff}$.",
        (
            r"An eigenvalue crosses $z=-1$ at $\eta\lambda = " + sp.latex(boundary) + "$."
            if boundary is not None
            else "No single stability boundary in closed form."
        ),
        (
            r"EMA weights of the last $t+1$ gradients sum to $"
            + sp.latex(weight_sum)
            + r"\le 1$: with $\eta\le\eta_{\max}$ the accumulated step per unit gradient is "
            r"at most $\eta_{\max} T$, as for SGD."
            if weight_sum is not None
            else "No velocity state."
        ),
    )
    return MomentumBias(upd, A, poly, slow, boundary, weight_sum, steps)
