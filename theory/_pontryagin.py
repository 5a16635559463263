r"""Pontryagin's principle, derived symbolically for a general optimal-control problem.

A problem has scalar states :math:`x_i`, optionally an *indexed family* of per-mode states
:math:`c_k` whose dynamics are written once for a generic mode and are coupled through mode sums
such as :math:`L = \sum_k \lambda_k c_k`, bounded controls :math:`u`, a terminal cost
:math:`\Phi(x, S)`, an optional running cost and optional integral constraints
:math:`\int g(u)\,dt = D` (or :math:`\sum_t g(u_t) = D`).

Continuous time (minimisation; the Hamiltonian is minimised pointwise):

.. math::

    H = \ell + \nu\, g(u) + \sum_i p_i f_i + \sum_k \mu_k f(c_k, \lambda_k, S, u),
    \qquad \dot\mu_k = -\frac{\partial H}{\partial c_k},\quad
    \mu_k(T) = \frac{\partial \Phi}{\partial c_k}.

The derivative through a mode sum is the chain rule
:math:`\partial H/\partial c_j = \mu_j\,\partial f_j/\partial c_j
+ \sum_S (\partial s/\partial c)_j \,\partial H/\partial S`, with
:math:`\partial H/\partial S = \sum_k \mu_k\,\partial f_k/\partial S + \dots`: the engine applies
it to whatever the problem is (``tests/test_pontryagin.py`` holds it against an explicit
finite-mode expansion). Discrete time gives the adjoint of a recursion
:math:`x_{t+1} = F(x_t, u_t)`: :math:`\mu_t = \partial H_t/\partial x_t` with the costates in
:math:`H_t` standing for :math:`\mu_{t+1}`, and :math:`\partial J/\partial u_t = \partial H_t/\partial u_t`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import sympy as sp

from ._problem_parts import (
    Control,
    IntegralConstraint,
    ModeFamily,
    ModeSum,
    _check_symbol,
    _sympify_exact,
)
from .symbols import t as _t

__all__ = [
    "Control",
    "IntegralConstraint",
    "ModeFamily",
    "ModeSum",
    "OptimalControlProblem",
    "PontryaginConditions",
    "pontryagin",
]

Time = Literal["continuous", "discrete"]


@dataclass(frozen=True)
class OptimalControlProblem:
    r"""Minimise :math:`\Phi(x(T), S(T)) + \int_0^T \ell\,dt` subject to the dynamics.

    Parameters
    ----------
    controls : tuple of Control
    states : tuple of sympy.Symbol
        Scalar states :math:`x_i`.
    dynamics : tuple of sympy.Expr
        :math:`\dot x_i` (continuous) or :math:`x_i(t+1)` (discrete), one per state.
    family : ModeFamily, optional
        Per-mode states coupled through mode sums.
    terminal_cost : sympy.Expr
        :math:`\Phi` in the scalar states and the mode sums of ``family``.
    running_cost : sympy.Expr
        :math:`\ell(x, S, u, t)`; zero by default.
    constraints : tuple of IntegralConstraint
    time : {"continuous", "discrete"}
    time_symbol : sympy.Symbol
    name : str
    """

    controls: tuple[Control, ...]
    states: tuple[sp.Symbol, ...] = ()
    dynamics: tuple[sp.Expr, ...] = ()
    family: ModeFamily | None = None
    terminal_cost: sp.Expr = sp.S.Zero
    running_cost: sp.Expr = sp.S.Zero
    constraints: tuple[IntegralConstraint, ...] = ()
    time: Time = "continuous"
    time_symbol: sp.Symbol = _t
    name: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        controls = tuple(self.controls) if isinstance(self.controls, tuple | list) else None
        if not controls:
            raise ValueError(
                f"controls must be a non-empty tuple of Control, got {self.controls!r}"
            )
        for i, u in enumerate(controls):
            if not isinstance(u, Control):
                raise TypeError(f"controls[{i}] must be a Control, got {u!r}")
        set_(self, "controls", controls)
        states = tuple(self.states)
        for i, x in enumerate(states):
            _check_symbol(f"states[{i}]", x)
        dyn = tuple(_sympify_exact(f"dynamics[{i}]", f) for i, f in enumerate(self.dynamics))
        if len(dyn) != len(states):
            raise ValueError(
                f"dynamics must have one expression per state ({len(states)}), got {len(dyn)}"
            )
        set_(self, "states", states)
        set_(self, "dynamics", dyn)
        if self.family is not None and not isinstance(self.family, ModeFamily):
            raise TypeError(f"family must be a ModeFamily or None, got {self.family!r}")
        if not states and self.family is None:
            raise ValueError("the problem needs states or a family, got neither")
        set_(self, "terminal_cost", _sympify_exact("terminal_cost", self.terminal_cost))
        set_(self, "running_cost", _sympify_exact("running_cost", self.running_cost))
        cons = tuple(self.constraints)
        for i, g in enumerate(cons):
            if not isinstance(g, IntegralConstraint):
                raise TypeError(f"constraints[{i}] must be an IntegralConstraint, got {g!r}")
        set_(self, "constraints", cons)
        if self.time not in ("continuous", "discrete"):
            raise ValueError(f"time must be 'continuous' or 'discrete', got {self.time!r}")
        _check_symbol("time_symbol", self.time_symbol)
        if self.family is not None:
            mode_syms = set(self.family.mode_symbols)
            checks = [("terminal_cost", self.terminal_cost), ("running_cost", self.running_cost)]
            checks += [(f"dynamics[{i}]", f) for i, f in enumerate(dyn)]
            checks += [(f"constraints[{i}].integrand", g.integrand) for i, g in enumerate(cons)]
            for name, expr in checks:
                bad = expr.free_symbols & mode_syms
                if bad:
                    raise ValueError(
                        f"{name} must depend on the family only through its mode sums, got "
                        f"per-mode symbol(s) {sorted(map(str, bad))} in {expr}"
                    )

    @cached_property
    def conditions(self) -> PontryaginConditions:
        """The Pontryagin conditions of this problem (derived on first access, then cached)."""
        return _derive(self)

    @property
    def control_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(u.symbol for u in self.controls)

    def costate_symbol(self, x: sp.Symbol) -> sp.Symbol:
        """The costate of scalar state ``x``: ``p_x``."""
        return sp.Symbol(f"p_{x.name}", real=True)


def _split_mode_factor(term: sp.Expr, mode_syms: set) -> tuple[sp.Expr, sp.Expr]:
    """Split a product into (factor free of per-mode symbols, per-mode factor)."""
    coeff, per_mode = sp.S.One, sp.S.One
    for f in sp.Mul.make_args(term):
        if f.free_symbols & mode_syms:
            per_mode *= f
        else:
            coeff *= f
    return coeff, per_mode


def _sum_over_modes(summand: sp.Expr, mode_syms: set) -> sp.Expr:
    r"""Write :math:`\sum_k g_k` as :math:`\sum_j a_j \sum_k h_j(k)` with mode-free ``a_j``."""
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(summand)):
        coeff, per_mode = _split_mode_factor(term, mode_syms)
        groups[per_mode] = groups.get(per_mode, sp.S.Zero) + coeff
    return sp.Add(*(sp.factor(a) * ModeSum(h) for h, a in groups.items()))


@dataclass(frozen=True)
class PontryaginConditions:
    r"""Necessary conditions of Pontryagin's principle for an :class:`OptimalControlProblem`.

    Computed once by :func:`pontryagin` (cached). All attributes are SymPy objects; sums over
    modes appear as :class:`ModeSum` in the generic per-mode symbols.

    Attributes
    ----------
    problem : OptimalControlProblem
    hamiltonian : sympy.Expr
        :math:`H` (in discrete time, the costates in it stand for their value at ``t+1``).
    costates : dict
        Scalar state -> its costate symbol ``p_x``; the family's costate is ``family.costate``.
    costate_equations : dict
        Costate symbol -> :math:`\dot p = -\partial H/\partial x` (continuous) or
        :math:`p_t = \partial H_t/\partial x_t` (discrete adjoint); for the family's
        costate, the generic-mode expression.
    terminal_conditions : dict
        Costate symbol -> its value at ``T``.
    stationarity : dict
        Control -> :math:`\partial H/\partial u` (in discrete time, the gradient
        :math:`\partial J/\partial u_t`).
    second_variation : dict
        Control -> :math:`\partial^2 H/\partial u^2`.
    optimal_controls : dict
        Control -> interior minimiser of ``H`` from ``stationarity = 0`` where SymPy solves it
        (only controls entering ``H`` nonlinearly); to be clipped to the bounds.
    switching_functions : dict
        Control entering ``H`` linearly -> its switching function
        :math:`\varphi = \partial H/\partial u`: ``u = lower`` where :math:`\varphi > 0`,
        ``u = upper`` where :math:`\varphi < 0`, singular arc where :math:`\varphi \equiv 0`.
    first_integrals : tuple of sympy.Expr
        Quantities constant along extremals (``H`` when continuous and autonomous).
    """

    problem: OptimalControlProblem
    hamiltonian: sp.Expr
    costates: dict
    costate_equations: dict
    terminal_conditions: dict
    stationarity: dict
    second_variation: dict
    optimal_controls: dict
    switching_functions: dict
    first_integrals: tuple

    @property
    def mode_sums(self) -> tuple[ModeSum, ...]:
        """Every distinct :class:`ModeSum` in the conditions, in a stable order."""
        found: set = set()
        exprs = [self.hamiltonian, *self.costate_equations.values(), *self.stationarity.values()]
        exprs += [e for e in self.optimal_controls.values() if e is not None]
        for e in exprs:
            found |= e.atoms(ModeSum)
        return tuple(sorted(found, key=sp.default_sort_key))

    def latex_steps(self) -> list[tuple[str, str]]:
        r"""The derivation as ``(title, latex)`` steps.

        Steps: dynamics, Hamiltonian, costate equations, terminal conditions, stationarity,
        optimal control (or switching function), first integrals. ``title`` is plain text
        (no TeX specials); each ``latex`` is a math-mode fragment (no ``$``) whose lines are
        separated by ``\\``, for a ``gather*``/``align*``-like environment; per-mode symbols
        carry the subscript ``k``, those inside mode sums ``j``.
        """
        p = self.problem
        fam = p.family
        sub = fam.subscripted() if fam is not None else {}

        def tex(e: sp.Expr) -> str:
            return fam.latex(e) if fam is not None else sp.latex(e)

        dot = (lambda s: rf"\dot{{{s}}}") if p.time == "continuous" else (lambda s: rf"{s}(t+1)")
        lines = [
            f"{dot(sp.latex(x))} = {tex(f)}" for x, f in zip(p.states, p.dynamics, strict=True)
        ]
        if fam is not None:
            ck = sp.latex(sub[fam.state])
            lines.append(f"{dot(ck)} = {tex(fam.rate)}")
            lines += [f"{sp.latex(s)} = {tex(ModeSum(w))}" for s, w in fam.sums]
        for g in p.constraints:
            integral = r"\sum_t" if p.time == "discrete" else r"\int_0^T"
            lines.append(rf"{integral} {sp.latex(g.integrand)}\,dt = {sp.latex(g.total)}")
        steps = [("Dynamics", r" \\ ".join(lines))]
        cost = sp.latex(p.terminal_cost)
        if p.running_cost != 0:
            cost += r" + \int_0^T " + sp.latex(p.running_cost) + r"\,dt"
        steps.append(("Objective", r"\min\; " + cost))
        steps.append(("Hamiltonian", "H = " + tex(self.hamiltonian)))

        def lhs(q: sp.Symbol) -> str:
            qs = sp.latex(sub.get(q, q))
            return rf"\dot{{{qs}}}" if p.time == "continuous" else rf"{qs}(t)"

        eqs = [f"{lhs(q)} = {tex(e)}" for q, e in self.costate_equations.items()]
        title = (
            "Costate equations"
            if p.time == "continuous"
            else "Discrete adjoint (costates at t+1 on the right)"
        )
        steps.append((title, r" \\ ".join(eqs)))
        steps.append(
            (
                "Terminal conditions",
                r" \\ ".join(
                    f"{sp.latex(sub.get(q, q))}(T) = {tex(e)}"
                    for q, e in self.terminal_conditions.items()
                ),
            )
        )
        steps.append(
            (
                "Stationarity",
                r" \\ ".join(
                    rf"\frac{{\partial H}}{{\partial {sp.latex(u)}}} = {tex(e)}"
                    for u, e in self.stationarity.items()
                ),
            )
        )
        ctrl = [
            f"{sp.latex(u)}^* = {tex(e)}" for u, e in self.optimal_controls.items() if e is not None
        ]
        ctrl += [
            rf"\varphi_{{{sp.latex(u)}}} = {tex(e)}" for u, e in self.switching_functions.items()
        ]
        if ctrl:
            steps.append(("Optimal control", r" \\ ".join(ctrl)))
        if self.first_integrals:
            steps.append(
                (
                    "First integral",
                    r" \\ ".join(tex(e) + r" = \mathrm{const}" for e in self.first_integrals),
                )
            )
        return steps


def _hamiltonian(p: OptimalControlProblem, costates: dict) -> sp.Expr:
    H = p.running_cost
    for g in p.constraints:
        H += g.multiplier * g.integrand
    for x, f in zip(p.states, p.dynamics, strict=True):
        H += costates[x] * f
    if p.family is not None:
        fam = p.family
        H += _sum_over_modes(fam.costate * fam.rate, set(fam.mode_symbols))
    return H


def _canonical(expr: sp.Expr, mode_syms: set) -> sp.Expr:
    """Pull mode-independent factors out of every ModeSum and group equal sums."""
    if not expr.has(ModeSum):
        return expr
    expr = expr.replace(
        lambda e: isinstance(e, ModeSum), lambda e: _sum_over_modes(e.args[0], mode_syms)
    )
    return expr


def _simplify(expr: sp.Expr, mode_syms: set) -> sp.Expr:
    expr = _canonical(sp.expand(expr), mode_syms)
    sums = sorted(expr.atoms(ModeSum), key=sp.default_sort_key)
    return sp.collect(sp.expand(expr), sums, sp.factor) if sums else sp.factor(expr)


def _derivative(p: OptimalControlProblem, H: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """Total derivative of ``H`` with respect to state ``x`` (generic mode if the family state).

    Chain rule through the mode sums: ``dH/dx = dH/dx|_S + sum_S dH/dS * dS/dx``, where for the
    family state, ``d(sum_k g_k)/dc_j = dg/dc`` at mode ``j`` (only the ``k = j`` term depends
    on ``c_j``).
    """
    fam = p.family
    if fam is not None and x == fam.state:
        direct = sp.S.Zero
        for term in sp.Add.make_args(sp.expand(H)):
            for ms in term.atoms(ModeSum):
                # d/dc_j of coeff * sum_k g_k = coeff * g'(c_j); coeff is mode-free.
                coeff = term / ms
                direct += coeff * ms.args[0].diff(x)
        through_sums = sum((H.diff(S) * w.diff(x) for S, w in fam.sums), sp.S.Zero)
        return direct + through_sums
    through_sums = sp.S.Zero
    if fam is not None:
        through_sums = sum((H.diff(S) * w.diff(x) for S, w in fam.sums), sp.S.Zero)
    return H.diff(x) + through_sums


def _terminal(p: OptimalControlProblem, x: sp.Symbol) -> sp.Expr:
    Phi = p.terminal_cost
    fam = p.family
    if fam is not None and x == fam.state:
        return sum((Phi.diff(S) * w.diff(x) for S, w in fam.sums), sp.S.Zero)
    return Phi.diff(x)


def pontryagin(problem: OptimalControlProblem) -> PontryaginConditions:
    r"""Derive the necessary conditions of Pontryagin's principle for ``problem``.

    Parameters
    ----------
    problem : OptimalControlProblem

    Returns
    -------
    PontryaginConditions
        Cached on the problem object: derived once, then returned again.

    Examples
    --------
    Scalar linear-quadratic problem :math:`\dot x = u`, cost :math:`\int u^2/2 + x(T)^2/2`:

    >>> import sympy as sp
    >>> x, u = sp.symbols("x u", real=True)
    >>> pc = pontryagin(OptimalControlProblem(
    ...     controls=(Control(u),), states=(x,), dynamics=(u,),
    ...     terminal_cost=x**2 / 2, running_cost=u**2 / 2))
    >>> pc.optimal_controls[u], pc.terminal_conditions[pc.costates[x]]
    (-p_x, x)
    """
    if not isinstance(problem, OptimalControlProblem):
        raise TypeError(f"problem must be an OptimalControlProblem, got {type(problem).__name__}")
    return problem.conditions


def _derive(p: OptimalControlProblem) -> PontryaginConditions:
    fam = p.family
    mode_syms = set(fam.mode_symbols) if fam is not None else set()
    costates = {x: p.costate_symbol(x) for x in p.states}
    H = _hamiltonian(p, costates)
    sign = -1 if p.time == "continuous" else 1
    eqs, terms = {}, {}
    for x in p.states:
        q = costates[x]
        eqs[q] = _simplify(sign * _derivative(p, H, x), mode_syms)
        terms[q] = _simplify(_terminal(p, x), mode_syms)
    if fam is not None:
        eqs[fam.costate] = _simplify(sign * _derivative(p, H, fam.state), mode_syms)
        terms[fam.costate] = _simplify(_terminal(p, fam.state), mode_syms)
    stat, second, switching, nonlinear = {}, {}, {}, []
    for ctl in p.controls:
        u = ctl.symbol
        dH = _simplify(H.diff(u), mode_syms)
        stat[u] = dH
        second[u] = _simplify(H.diff(u, 2), mode_syms)
        if second[u] == 0 and not dH.has(u):
            switching[u] = dH
        else:
            nonlinear.append(u)
    optimal: dict = {u: None for u in nonlinear}
    if nonlinear:
        sols = sp.solve([stat[u] for u in nonlinear], nonlinear, dict=True)
        if len(sols) == 1 and all(u in sols[0] for u in nonlinear):
            optimal = {u: _simplify(sols[0][u], mode_syms) for u in nonlinear}
        else:
            # No unique joint solution (e.g. a degenerate optimum): each control from its own
            # stationarity condition, the others held fixed.
            for u in nonlinear:
                own = sp.solve(stat[u], u, dict=True)
                if len(own) == 1:
                    optimal[u] = _simplify(own[0][u], mode_syms)
    autonomous = p.time == "continuous" and not H.has(p.time_symbol)
    first = (H,) if autonomous else ()
    return PontryaginConditions(
        problem=p,
        hamiltonian=H,
        costates=costates,
        costate_equations=eqs,
        terminal_conditions=terms,
        stationarity=stat,
        second_variation=second,
        optimal_controls=optimal,
        switching_functions=switching,
        first_integrals=first,
    )
