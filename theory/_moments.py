r"""Exact per-mode second-moment closures of linear optimizers on Gaussian features, derived.

An optimizer is given by its per-mode update: a per-mode state ``s = (Delta, ...)`` with
:math:`\Delta = w - w^*` first, and new values that are *linear* in the state and the minibatch
gradient component ``g`` (e.g. EMA momentum, :func:`ema_momentum`). The closure follows from the
stochastic update alone:

1. One sample's gradient component along mode ``k`` is :math:`g_1 = x(x\Delta + r - \sigma z)` with
   independent zero-mean Gaussians :math:`x \sim N(0,\lambda)` (the feature), :math:`r \sim N(0, R)`
   (the other features' contribution :math:`\sum_{j\ne k} x_j\Delta_j`, independent of ``x`` as the
   covariance is diagonal) and :math:`z \sim N(0, 1)` (label noise). Its first two conditional
   moments come from Isserlis' theorem (:func:`gaussian_expectation`).
2. A minibatch of ``m`` independent samples has :math:`E[g^2] = \mu^2 + \iota(E[g_1^2] - \mu^2)`,
   :math:`\iota = 1/m`; then :math:`R = L - \lambda\Delta^2` with :math:`L = \sum_j\lambda_j\Delta_j^2`.
3. Each product of two new state components is expanded; a fresh batch is independent of the
   state, so ``s_a g -> s_a mu`` and ``g^2 -> E[g^2 | state]``; every ``s_a s_b`` becomes the moment
   :math:`M_{ab} = E[s_a s_b]` and ``L`` its expectation :math:`\sum_j \lambda_j M_{\Delta\Delta,j}`.

The result is a linear recursion for the moments of each mode, coupled through ``L`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import combinations_with_replacement

import sympy as sp

from .symbols import L, eta, inv_m, lam, sigma

__all__ = [
    "MomentClosure",
    "OptimizerUpdate",
    "beta",
    "ema_momentum",
    "gaussian_expectation",
    "gaussian_gradient_moments",
    "momentum_closure",
    "nesterov_momentum",
    "second_moment_closure",
    "sgd_update",
]

#: EMA momentum coefficient (``beta`` in docs/theory.md §1; not the exponent ``b``).
beta = sp.Symbol("beta", nonnegative=True)
#: Per-mode error ``Delta = w_k - w*_k`` and the minibatch gradient component ``g``.
Delta = sp.Symbol("Delta", real=True)
g = sp.Symbol("g", real=True)
v = sp.Symbol("v", real=True)
_x, _r, _z = sp.symbols("x r z", real=True)
_R = sp.Symbol("R", nonnegative=True)


def gaussian_expectation(expr: sp.Expr, variances: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    r"""Expectation of a polynomial in independent zero-mean Gaussians (Isserlis' theorem).

    For independent components Isserlis' sum over pairings reduces to
    :math:`E[\prod_i x_i^{n_i}] = \prod_i \mathrm{Var}(x_i)^{n_i/2}(n_i - 1)!!` (zero if any
    :math:`n_i` is odd).

    Examples
    --------
    >>> s = sp.Symbol("s", positive=True)
    >>> gaussian_expectation(_x**4 + _x * _z, {_x: s, _z: 1})
    3*s**2
    """
    gens = tuple(variances)
    poly = sp.Poly(sp.expand(expr), *gens)
    total = sp.Integer(0)
    for powers, coeff in poly.terms():
        term = coeff
        for gen, n in zip(gens, powers, strict=True):
            if n % 2:
                term = 0
                break
            term *= variances[gen] ** (n // 2) * sp.factorial2(n - 1)
        total += term
    return sp.expand(total)


@cache
def gaussian_gradient_moments() -> tuple[sp.Expr, sp.Expr]:
    r"""Conditional mean and second moment of the minibatch gradient of one mode.

    Returns ``(mu, second)`` in ``Delta, lam, L, sigma, iota``:
    :math:`\mu = E[g\mid\Delta]`, :math:`E[g^2\mid\Delta]`, derived by :func:`gaussian_expectation`.

    Examples
    --------
    >>> mu, second = gaussian_gradient_moments()
    >>> mu
    Delta*lambda
    """
    g1 = _x * (_x * Delta + _r - sigma * _z)
    var = {_x: lam, _r: _R, _z: sp.Integer(1)}
    mu = gaussian_expectation(g1, var)
    s1 = gaussian_expectation(g1**2, var)
    second = mu**2 + inv_m * (s1 - mu**2)
    second = sp.expand(second.subs(_R, L - lam * Delta**2))
    return mu, second


@dataclass(frozen=True)
class OptimizerUpdate:
    r"""A per-mode optimizer update, linear in the state and the gradient component ``g``.

    Attributes
    ----------
    state : tuple of sympy.Symbol
        Per-mode state; ``state[0]`` must be ``Delta`` (the error ``w - w*``, whose second moment
        enters the loss).
    update : tuple of sympy.Expr
        New value of each state component, linear and homogeneous in ``state`` and ``g``.
    params : tuple of sympy.Symbol
        The optimizer's hyper-parameters (controls), e.g. ``(eta, beta)``.
    gradient : sympy.Symbol
        The symbol standing for the minibatch gradient component.
    name : str
    gradient_at : sympy.Expr, optional
        Error of the point where the gradient is taken, linear in ``state`` (default ``Delta``;
        e.g. ``Delta - eta*beta*v`` for a Nesterov look-ahead). The modes then couple through
        :math:`L_g = \sum_j \lambda_j E[p_j^2]` instead of the loss.
    """

    state: tuple[sp.Symbol, ...]
    update: tuple[sp.Expr, ...]
    params: tuple[sp.Symbol, ...]
    gradient: sp.Symbol = g
    name: str = "custom"
    gradient_at: sp.Expr | None = None

    def __post_init__(self) -> None:
        if not self.state or self.state[0] != Delta:
            raise ValueError(
                f"state must start with the error symbol Delta (theory._moments.Delta), "
                f"got {self.state!r}"
            )
        if len(self.update) != len(self.state):
            raise ValueError(
                f"update must give one expression per state component ({len(self.state)}), "
                f"got {len(self.update)}"
            )
        linear_in = (*self.state, self.gradient)
        checks = list(zip(self.state, self.update, strict=True))
        if self.gradient_at is not None:
            checks.append((sp.Symbol("gradient_at"), self.gradient_at))
            if self.gradient in sp.sympify(self.gradient_at).free_symbols:
                raise ValueError("gradient_at must not depend on the gradient g")
        for s, u in checks:
            u = sp.expand(sp.sympify(u))
            try:
                poly = sp.Poly(u, *linear_in)
            except sp.PolynomialError:
                raise ValueError(
                    f"update of {s} must be polynomial in {linear_in}, got {u}"
                ) from None
            if any(sum(p) != 1 for p in poly.monoms()):
                raise ValueError(
                    f"update of {s} must be linear and homogeneous in {linear_in}, got {u}"
                )
            stray = u.free_symbols - set(linear_in) - set(self.params)
            if stray:
                raise ValueError(
                    f"update of {s} uses symbols {sorted(map(str, stray))} that are neither "
                    f"state, gradient nor params {self.params}"
                )


def sgd_update() -> OptimizerUpdate:
    r"""Plain SGD: :math:`\Delta' = \Delta - \eta g`."""
    return OptimizerUpdate((Delta,), (Delta - eta * g,), (eta,), name="sgd")


def ema_momentum() -> OptimizerUpdate:
    r"""EMA momentum: :math:`v' = \beta v + (1-\beta) g`, :math:`\Delta' = \Delta - \eta v'`.

    The gradient ``g`` is taken at the current weights on a fresh batch and the step uses the
    updated velocity, so ``beta = 0`` is exactly SGD. (docs/theory.md §1 writes
    ``w_{t+1} = w_t - eta_t v_t`` with ``v_{t+1} = beta_t v_t + (1 - beta_t) g_{t+1}``; read with
    ``g_{t+1}`` the gradient at ``w_{t+1}`` and ``v_0 = g_0`` it is this update with the index of
    ``beta`` shifted by one.)
    """
    v_new = beta * v + (1 - beta) * g
    return OptimizerUpdate((Delta, v), (Delta - eta * v_new, v_new), (eta, beta), name="ema")


def nesterov_momentum() -> OptimizerUpdate:
    r"""EMA momentum with a Nesterov look-ahead gradient at :math:`\Delta - \eta\beta v`."""
    v_new = beta * v + (1 - beta) * g
    return OptimizerUpdate(
        (Delta, v),
        (Delta - eta * v_new, v_new),
        (eta, beta),
        name="nesterov",
        gradient_at=Delta - eta * beta * v,
    )


def _moment_symbol(a: sp.Symbol, b: sp.Symbol) -> sp.Symbol:
    return sp.Symbol(f"M_{a}{b}", real=True)


@dataclass(frozen=True)
class MomentClosure:
    r"""The exact one-step map of the per-mode second moments.

    Attributes
    ----------
    update : OptimizerUpdate
    pairs : tuple of (int, int)
        State index pairs ``(i, j)``, ``i <= j``, one per moment.
    moments : tuple of sympy.Symbol
        :math:`M_{ij} = E[s_i s_j]`; ``moments[0]`` is :math:`E[\Delta^2] = c_k`.
    recursion : tuple of sympy.Expr
        New value of each moment, in ``moments``, ``lam``, ``L``, ``sigma``, ``iota`` and the
        update's ``params``; linear in the moments and ``L``.
    coupling : sympy.Expr
        :math:`E[p^2]` of the gradient point in the moments: ``L`` in :attr:`recursion` stands
        for :math:`\sum_j \lambda_j E[p_j^2]` (the loss itself when ``p = Delta``).
    """

    update: OptimizerUpdate
    pairs: tuple[tuple[int, int], ...]
    moments: tuple[sp.Symbol, ...]
    recursion: tuple[sp.Expr, ...]
    coupling: sp.Expr

    @property
    def arguments(self) -> tuple[sp.Symbol, ...]:
        """Argument order of :meth:`numeric`: moments, ``lam, L``, params, ``iota, sigma``."""
        return (*self.moments, lam, L, *self.update.params, inv_m, sigma)

    def numeric(self):
        """NumPy function of :attr:`arguments` returning the tuple of new moments (vectorised)."""
        return sp.lambdify(self.arguments, sp.Tuple(*self.recursion), "numpy", cse=True)

    def numeric_coupling(self):
        """NumPy function ``(*moments, *params) -> E[p^2]`` per mode (for ``L``)."""
        return sp.lambdify((*self.moments, *self.update.params), self.coupling, "numpy")

    def initial(self, c0):
        """Initial moments for ``Delta_0 = -w*`` and every other state component zero."""
        return tuple(c0 if p == (0, 0) else 0 * c0 for p in self.pairs)

    def latex(self) -> list[str]:
        return [
            sp.latex(mm) + "' = " + sp.latex(sp.collect(r, [*self.moments, L]))
            for mm, r in zip(self.moments, self.recursion, strict=True)
        ]


@cache
def second_moment_closure(update: OptimizerUpdate) -> MomentClosure:
    """Derive the :class:`MomentClosure` of ``update`` on Gaussian features (see module docs)."""
    if not isinstance(update, OptimizerUpdate):
        raise TypeError(f"update must be an OptimizerUpdate, got {type(update).__name__}")
    state, gsym = update.state, update.gradient
    point = state[0] if update.gradient_at is None else sp.expand(update.gradient_at)
    mu, second = gaussian_gradient_moments()
    # the same derivation at the gradient point p: its error replaces Delta, and L becomes
    # sum_j lambda_j p_j^2 (see MomentClosure.coupling)
    mu = sp.expand(mu.subs(Delta, point))
    second = sp.expand(second.subs(Delta, point))
    pairs = tuple(combinations_with_replacement(range(len(state)), 2))
    msym = {p: _moment_symbol(state[p[0]], state[p[1]]) for p in pairs}

    def moment_of(monomial_powers):
        """E[prod s_i^{n_i}] for a degree-2 monomial in the state."""
        idx = [i for i, n in enumerate(monomial_powers) for _ in range(n)]
        return msym[(idx[0], idx[1])]

    def state_expectation(expr):
        """Replace every quadratic state monomial by its moment (expr is quadratic in state)."""
        poly = sp.Poly(sp.expand(expr), *state)
        total = sp.Integer(0)
        for powers, coeff in poly.terms():
            deg = sum(powers)
            if deg == 2:
                total += coeff * moment_of(powers)
            elif deg == 0:
                total += coeff
            else:
                raise AssertionError(f"unexpected degree {deg} in {expr}")  # pragma: no cover
        return total

    recursion = []
    for i, j in pairs:
        prod = sp.Poly(sp.expand(update.update[i] * update.update[j]), gsym)
        total = sp.Integer(0)
        for (n,), coeff in prod.terms():
            if n == 0:
                total += state_expectation(coeff)
            elif n == 1:
                total += state_expectation(coeff * mu)  # fresh batch: E[g | state] = mu
            else:
                total += state_expectation(coeff * second)  # E[g^2 | state], n == 2
        recursion.append(sp.expand(total))
    coupling = sp.expand(state_expectation(point**2))
    return MomentClosure(update, pairs, tuple(msym[p] for p in pairs), tuple(recursion), coupling)


@cache
def momentum_closure() -> MomentClosure:
    """The closure of :func:`ema_momentum` (moments ``E[Delta^2], E[Delta v], E[v^2]``)."""
    return second_moment_closure(ema_momentum())
