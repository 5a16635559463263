"""The parts an optimal-control problem is built from: controls, a family of per-mode states
coupled through mode sums, integral constraints (:class:`~theory.OptimalControlProblem`
assembles them; :mod:`theory._pontryagin` derives its conditions)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .symbols import k as _k
from .symbols import mu as _mu

__all__ = ["Control", "IntegralConstraint", "ModeFamily", "ModeSum"]


class ModeSum(sp.Function):
    r"""Unevaluated sum over the modes, :math:`\sum_k g(c_k, \lambda_k, \mu_k, \dots)`.

    The argument is written in the generic per-mode symbols. The sum is linear, so
    differentiating it with respect to a symbol shared by all modes (a control, a mode sum
    ``L``) differentiates the summand. ``ModeSum(1)`` is the number of modes.
    """

    nargs = 1

    @classmethod
    def eval(cls, arg):
        if arg == 0:
            return sp.S.Zero
        return None

    def _eval_derivative(self, x):
        return ModeSum(self.args[0].diff(x))

    def _latex(self, printer):
        # Summation index j: the per-mode symbols outside the sum carry k (see latex_steps).
        return r"\sum_{j} \left(" + printer._print(self.args[0]) + r"\right)"


def _sympify_exact(name: str, value) -> sp.Expr:
    """``value`` as a SymPy expression without floats (exact work only)."""
    try:
        expr = sp.sympify(value, rational=False)
    except (sp.SympifyError, TypeError) as exc:
        raise TypeError(f"{name} must be a SymPy expression, got {value!r}") from exc
    if not isinstance(expr, sp.Basic):
        raise TypeError(f"{name} must be a SymPy expression, got {value!r}")
    if expr.atoms(sp.Float):
        raise ValueError(
            f"{name} must be exact (Rationals, no floats), got {value!r}; "
            "use sympy.Rational or sympy.nsimplify"
        )
    return expr


def _check_symbol(name: str, value) -> sp.Symbol:
    if not isinstance(value, sp.Symbol):
        raise TypeError(f"{name} must be a sympy.Symbol, got {value!r} ({type(value).__name__})")
    return value


@dataclass(frozen=True)
class Control:
    """A control variable with optional bounds ``lower <= symbol <= upper``.

    ``None`` means unbounded on that side. Bounds are exact SymPy expressions (they may be
    symbols such as ``eta_max``).
    """

    symbol: sp.Symbol
    lower: sp.Expr | None = None
    upper: sp.Expr | None = None

    def __post_init__(self) -> None:
        _check_symbol("symbol", self.symbol)
        for side in ("lower", "upper"):
            v = getattr(self, side)
            if v is not None:
                object.__setattr__(self, side, _sympify_exact(side, v))
        if self.lower is not None and self.upper is not None:
            gap = sp.simplify(self.upper - self.lower)
            if gap.is_negative:
                raise ValueError(
                    f"upper must be >= lower for control {self.symbol}, got "
                    f"lower={self.lower}, upper={self.upper}"
                )


@dataclass(frozen=True)
class ModeFamily:
    r"""An indexed family of per-mode states with dynamics written once for a generic mode.

    Parameters
    ----------
    state : sympy.Symbol
        Generic per-mode state, e.g. ``c`` (standing for :math:`c_k`).
    rate : sympy.Expr
        :math:`\dot c_k` (continuous time) or :math:`c_k(t+1)` (discrete time) in the generic
        symbols, the mode sums, the controls and any shared parameters.
    parameters : tuple of sympy.Symbol
        Per-mode constants, e.g. ``(lam,)`` for :math:`\lambda_k`.
    sums : tuple of (sympy.Symbol, sympy.Expr)
        Mode sums that couple the modes: ``((L, lam*c),)`` means :math:`L = \sum_k \lambda_k c_k`.
    costate : sympy.Symbol
        Generic per-mode costate (default ``theory.symbols.mu``).
    index : sympy.Symbol
        The mode index used when printing (default ``k``).
    """

    state: sp.Symbol
    rate: sp.Expr
    parameters: tuple[sp.Symbol, ...] = ()
    sums: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    costate: sp.Symbol = _mu
    index: sp.Symbol = _k

    def __post_init__(self) -> None:
        _check_symbol("state", self.state)
        _check_symbol("costate", self.costate)
        object.__setattr__(self, "rate", _sympify_exact("rate", self.rate))
        params = tuple(self.parameters)
        for i, p in enumerate(params):
            _check_symbol(f"parameters[{i}]", p)
        object.__setattr__(self, "parameters", params)
        sums = []
        for i, pair in enumerate(self.sums):
            if not (isinstance(pair, tuple | list) and len(pair) == 2):
                raise TypeError(f"sums[{i}] must be a (symbol, summand) pair, got {pair!r}")
            s = _check_symbol(f"sums[{i}][0]", pair[0])
            sums.append((s, _sympify_exact(f"sums[{i}][1]", pair[1])))
        object.__setattr__(self, "sums", tuple(sums))
        if self.costate in self.mode_symbols[:1] or self.costate in self.parameters:
            raise ValueError(
                f"costate must differ from the state and parameters, got {self.costate}"
            )

    @property
    def mode_symbols(self) -> tuple[sp.Symbol, ...]:
        """Symbols that take one value per mode: state, parameters, costate."""
        return (self.state, *self.parameters, self.costate)

    def subscripted(self, index: str | None = None) -> dict[sp.Symbol, sp.Symbol]:
        """Map each per-mode symbol to its subscripted form (``c -> c_k``) for printing."""
        i = self.index.name if index is None else index
        return {s: sp.Symbol(f"{s.name}_{i}") for s in self.mode_symbols}

    def latex(self, expr: sp.Expr) -> str:
        """LaTeX of ``expr`` with per-mode symbols subscripted (``j`` inside mode sums)."""
        inner = self.subscripted("j")
        expr = expr.replace(
            lambda e: isinstance(e, ModeSum), lambda e: ModeSum(e.args[0].subs(inner))
        )
        return sp.latex(expr.subs(self.subscripted()))


@dataclass(frozen=True)
class IntegralConstraint:
    r"""An integral (budget) constraint :math:`\int_0^T g(u)\,dt = D` (or :math:`\sum_t g(u_t) = D`).

    Its multiplier ``multiplier`` is a constant (the constraint is an extra state with zero
    dynamics in ``x``, so its costate is constant); it enters the Hamiltonian as
    :math:`\nu\, g(u)`.
    """

    integrand: sp.Expr
    total: sp.Expr
    multiplier: sp.Symbol = field(default_factory=lambda: sp.Symbol("nu", real=True))

    def __post_init__(self) -> None:
        object.__setattr__(self, "integrand", _sympify_exact("integrand", self.integrand))
        object.__setattr__(self, "total", _sympify_exact("total", self.total))
        _check_symbol("multiplier", self.multiplier)
