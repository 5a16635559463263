r"""Dominant balance: choose a scaling exponent so that a sum of power laws decays fastest.

A loss made of terms :math:`\sum_i c_i X^{e_i(w)}` with exponents linear in an unknown scaling
exponent ``w`` (the learning-rate exponent, the window exponent, the share of compute) behaves as
:math:`X^{\max_i e_i(w)}`. The best ``w`` minimises that convex piecewise-linear maximum: either two
terms with slopes of opposite sign balance (:math:`e_i = e_j`, the cost of moving ``w`` one way
against the gain the other way — the derivative balance of the sum), or a bound on ``w`` is active.
Which case holds depends on ``a, b``; every case is returned with its validity conditions, which
is where phase boundaries come from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ._powerlaw import PowerLaw, reduce_condition, simplify_conjunction
from .symbols import a, b

__all__ = ["BalanceCase", "case_at", "minimise_leading_exponent"]


@dataclass(frozen=True)
class BalanceCase:
    r"""One case of a dominant balance.

    Attributes
    ----------
    unknown : sympy.Symbol
        The scaling exponent ``w``.
    value : sympy.Expr
        Its optimal value in this case.
    exponent : sympy.Expr
        The leading exponent :math:`\max_i e_i` at the optimum (the loss then decays as
        :math:`X^{\text{exponent}}`).
    binding : tuple of str
        Names of the balanced terms, or one term and the active bound.
    equations : tuple of sympy.Eq
        The balance equations in ``w`` (residual zero at ``value``).
    conditions : tuple of sympy relationals
        Reduced validity conditions on ``a, b`` (``True`` ones dropped).
    kind : str
        ``"balance"`` or ``"bound"``.
    """

    unknown: sp.Symbol
    value: sp.Expr
    exponent: sp.Expr
    binding: tuple[str, ...]
    equations: tuple[sp.Eq, ...]
    conditions: tuple[sp.Basic, ...] = field(default=())
    kind: str = "balance"

    @property
    def condition(self) -> sp.Basic:
        return sp.And(*self.conditions)

    def residuals(self) -> list[sp.Expr]:
        """``lhs - rhs`` of each balance equation at the solution (all simplify to 0)."""
        return [sp.simplify((e.lhs - e.rhs).subs(self.unknown, self.value)) for e in self.equations]


def _collect(conds) -> tuple[sp.Basic, ...] | None:
    """Reduce conditions; ``None`` if one is false (the case never occurs)."""
    out: list[sp.Basic] = []
    for c in conds:
        r = reduce_condition(c)
        if r == sp.false:
            return None
        if isinstance(r, sp.Eq):  # holds only on a measure-zero set of (a, b)
            return None
        if r != sp.true and r not in out:
            out.append(r)
    return simplify_conjunction(out)


def _merge_equal_orders(terms: list[PowerLaw]) -> list[PowerLaw]:
    """Add up terms of identical exponent (same order for every ``a, b`` and unknown)."""
    merged: list[PowerLaw] = []
    for t in terms:
        for i, m in enumerate(merged):
            if sp.cancel(m.exponent - t.exponent) == 0:
                merged[i] = PowerLaw(
                    m.coef + t.coef, m.exponent, m.variable, f"{m.name} + {t.name}"
                )
                break
        else:
            merged.append(t)
    return merged


def minimise_leading_exponent(
    terms: list[PowerLaw],
    unknown: sp.Symbol,
    lower: sp.Expr | None = None,
    upper: sp.Expr | None = None,
    *,
    bound_names: tuple[str, str] = ("lower bound", "upper bound"),
) -> list[BalanceCase]:
    r"""All cases of :math:`\min_{w}\max_i e_i(w)` over :math:`w \in [\text{lower}, \text{upper}]`.

    Parameters
    ----------
    terms : list of PowerLaw
        Terms of the sum, same large variable, exponents linear in ``unknown``.
    unknown : sympy.Symbol
        The scaling exponent to choose.
    lower, upper : sympy.Expr, optional
        Bounds on ``unknown`` (``None``: unbounded).

    Returns
    -------
    list of BalanceCase
        Cases whose reduced conditions are not identically false.
    """
    terms = _merge_equal_orders(terms)
    e = [sp.expand(t.exponent) for t in terms]
    slope = [sp.diff(ei, unknown) for ei in e]
    for ei, si in zip(e, slope, strict=True):
        if sp.diff(si, unknown) != 0:
            raise ValueError(f"minimise_leading_exponent: exponent {ei} is not linear in {unknown}")
    cases = _balance_cases(terms, unknown, e, slope, lower, upper)
    return cases + _bound_cases(terms, unknown, e, slope, (lower, upper), bound_names)


def _balance_cases(terms, unknown, e, slope, lower, upper) -> list[BalanceCase]:
    """Interior cases: a term decreasing in the unknown balances one increasing in it."""
    cases: list[BalanceCase] = []
    n = len(terms)
    for i in range(n):  # i decreasing in w, j increasing: they balance
        for j in range(n):
            if i == j:
                continue
            eq = sp.Eq(e[i], e[j])
            ds = sp.cancel(slope[i] - slope[j])
            if ds == 0:
                continue
            # linear equation e_i(w) = e_j(w), solved directly
            w = sp.factor(-sp.cancel((e[i] - e[j]).subs(unknown, 0)) / ds)
            lead = sp.factor(e[i].subs(unknown, w))
            conds = [sp.Lt(slope[i], 0), sp.Gt(slope[j], 0)]
            conds += [sp.Gt(w, lower)] if lower is not None else []
            conds += [sp.Lt(w, upper)] if upper is not None else []
            conds += [sp.Lt(e[k].subs(unknown, w), lead) for k in range(n) if k not in (i, j)]
            kept = _collect(conds)
            if kept is not None:
                names = (terms[i].name, terms[j].name)
                cases.append(BalanceCase(unknown, w, lead, names, (eq,), kept, "balance"))
    return cases


def _bound_cases(terms, unknown, e, slope, bounds, bound_names) -> list[BalanceCase]:
    """Cases at a bound: the leading term there grows into the interval."""
    cases: list[BalanceCase] = []
    n = len(terms)
    for bound, sign, bname in ((bounds[0], 1, bound_names[0]), (bounds[1], -1, bound_names[1])):
        if bound is None:
            continue
        for i in range(n):  # term i leads at the bound and grows into the interval
            lead = sp.factor(e[i].subs(unknown, bound))
            conds = [sp.Gt(sign * slope[i], 0)]
            conds += [sp.Lt(e[k].subs(unknown, bound), lead) for k in range(n) if k != i]
            kept = _collect(conds)
            if kept is not None:
                eqs = (sp.Eq(unknown, bound),)
                names = (terms[i].name, bname)
                cases.append(
                    BalanceCase(unknown, sp.sympify(bound), lead, names, eqs, kept, "bound")
                )
    return cases


def case_at(cases, a_value: float, b_value: float) -> BalanceCase:
    """The one case of ``cases`` whose conditions hold at ``(a, b)``."""
    at = {a: sp.nsimplify(a_value), b: sp.nsimplify(b_value)}
    held = [c for c in cases if bool(c.condition.subs(at))]
    if len(held) != 1:
        raise ValueError(
            f"(a, b) = ({a_value}, {b_value}) must lie inside one case's region (a > 1, "
            f"b > 1, off the boundaries), got {len(held)} cases"
        )
    return held[0]
