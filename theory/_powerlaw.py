r"""Power laws in a large parameter, and validity conditions on the exponents ``a, b``.

A term :math:`c\,X^{p}` with :math:`X \to \infty` (the horizon ``T``, the compute ``C``, a window
``W``, an intrinsic time :math:`\tau`) is a :class:`PowerLaw`; its exponent is a SymPy expression in
``a, b`` and, during a derivation, in unknown scaling exponents. Products and powers act on the
exponents; a sum is dominated by its largest exponent; an integral of a power law is dominated by
its upper limit when it diverges there and by the region where the power-law form breaks down
(the lower limit) when it converges — the condition between the two is returned, never assumed.

Conditions are SymPy relationals reduced under the model's standing assumptions ``a > 1, b > 1``
(:func:`reduce_condition`): positive factors are divided out, a relation that holds for every
admissible ``(a, b)`` becomes ``true``, one that never holds becomes ``false``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from .symbols import a, b

__all__ = [
    "PowerLaw",
    "finite_power_integral",
    "power_exponent",
    "power_integral",
    "power_tail_integral",
    "reduce_condition",
    "reduce_conditions",
    "solve_linear_condition",
]

# a = 1 + _A, b = 1 + _B with _A, _B > 0: the model's standing assumptions a > 1, b > 1 in a form
# SymPy's assumption system can use to decide signs.
_A = sp.Symbol("A_shift", positive=True)
_B = sp.Symbol("B_shift", positive=True)
_SHIFT = {a: 1 + _A, b: 1 + _B}
_UNSHIFT = {_A: a - 1, _B: b - 1}


@cache
def _sign(expr: sp.Expr) -> int | None:
    """+1, -1 or 0 if the sign of ``expr`` is fixed for all ``a, b > 1``; else ``None``."""
    e = sp.cancel(sp.sympify(expr).subs(_SHIFT))
    if e.is_zero:
        return 0
    if e.is_positive:
        return 1
    if e.is_negative:
        return -1
    num, den = sp.fraction(sp.factor(e))
    sn = sp.expand(num)
    sd = sp.expand(den)
    if (sn.is_positive and sd.is_positive) or (sn.is_negative and sd.is_negative):
        return 1
    if (sn.is_positive and sd.is_negative) or (sn.is_negative and sd.is_positive):
        return -1
    return None


_FLIP = {sp.StrictGreaterThan: sp.StrictLessThan, sp.GreaterThan: sp.LessThan}
_FLIP |= {v: k for k, v in _FLIP.items()} | {sp.Eq: sp.Eq, sp.Ne: sp.Ne}


@cache
def reduce_condition(rel: sp.Basic) -> sp.Basic:
    r"""Reduce a relational in ``a, b`` under ``a > 1, b > 1``.

    The difference of the two sides is factored; factors of fixed sign are divided out (a
    negative one flips the relation). What remains is decided (``true``/``false``) if its sign is
    fixed, and otherwise written solved for ``a`` when it is linear in ``a``.

    Examples
    --------
    >>> reduce_condition(sp.Gt(1 - b / a, 0))
    a > b
    >>> reduce_condition(sp.Gt((b - 1) / b, 0))
    True
    """
    rel = sp.sympify(rel)
    if rel in (sp.true, sp.false):
        return rel
    if isinstance(rel, sp.And | sp.Or):
        return rel.func(*(reduce_condition(r) for r in rel.args))
    cls = type(rel)
    diff = sp.factor(sp.together(rel.lhs - rel.rhs))
    kept = sp.Integer(1)
    for factor, power in (f.as_base_exp() for f in sp.Mul.make_args(diff)):
        s = _sign(factor)
        if s == 0:
            kept = sp.Integer(0)
            break
        if s is None or not power.is_integer:
            kept *= factor**power
            continue
        if s < 0 and power % 2 == 1:
            cls = _FLIP[cls]
    s = _sign(kept)
    if s is not None:
        return sp.sympify(cls(s, 0))
    kept = sp.expand(kept)
    if sp.degree(kept, a) == 1 and kept.is_polynomial(a, b):
        coef = kept.coeff(a, 1)
        sc = _sign(coef)
        if sc is not None:
            rest = sp.factor(-(kept - coef * a) / coef)
            return cls(a, rest) if sc > 0 else _FLIP[cls](a, rest)
    return cls(kept, 0)


def reduce_conditions(rels) -> sp.Basic:
    """The conjunction of :func:`reduce_condition` of each relational."""
    return sp.And(*(reduce_condition(r) for r in rels))


def power_exponent(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    r"""Exponent :math:`p` of ``expr = c var^p`` (``var * d log(expr)/d var``), checked constant."""
    p = sp.cancel(
        sp.expand_log(
            var * sp.diff(sp.log(sp.expand_power_base(expr, force=True)), var), force=True
        )
    )
    if p.has(var):
        raise ValueError(f"power_exponent: {expr} is not a power law in {var} (exponent {p})")
    return p


@dataclass(frozen=True)
class PowerLaw:
    r"""A term :math:`c\,X^{p}` in a large parameter ``X``.

    Parameters
    ----------
    coef : sympy.Expr
        Prefactor (independent of ``variable``).
    exponent : sympy.Expr
        ``p``, in ``a, b`` and possibly unknown scaling exponents.
    variable : sympy.Symbol
        The large parameter ``X``.
    name : str
        A label for the term (``"bias"``, ``"noise"``...), used in derivation steps.
    """

    coef: sp.Expr
    exponent: sp.Expr
    variable: sp.Symbol
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "coef", sp.sympify(self.coef))
        # exponents are linear-fractional in a, b: cancel is enough and much cheaper than simplify
        object.__setattr__(self, "exponent", sp.cancel(sp.sympify(self.exponent)))
        if self.coef.has(self.variable):
            raise ValueError(f"PowerLaw: coef {self.coef} depends on {self.variable}")
        if self.exponent.atoms(sp.Float) or self.coef.atoms(sp.Float):
            raise TypeError(f"PowerLaw: floats in symbolic term {self.expr}; use Rational")

    @classmethod
    def from_expr(cls, expr: sp.Expr, variable: sp.Symbol, name: str = "") -> PowerLaw:
        """Split a product of powers into prefactor and exponent of ``variable``."""
        p = power_exponent(expr, variable)
        # expr / X^p does not depend on X (p was checked constant), so it is its value at X = 1.
        coef = sp.powsimp(expr.subs(variable, 1), force=True)
        return cls(coef, p, variable, name)

    @property
    def expr(self) -> sp.Expr:
        return self.coef * self.variable**self.exponent

    def __mul__(self, other: PowerLaw | sp.Expr) -> PowerLaw:
        if isinstance(other, PowerLaw):
            if other.variable != self.variable:
                raise ValueError(f"PowerLaw: {self.variable} times {other.variable}")
            return PowerLaw(
                self.coef * other.coef, self.exponent + other.exponent, self.variable, self.name
            )
        return PowerLaw(self.coef * other, self.exponent, self.variable, self.name)

    __rmul__ = __mul__

    def __pow__(self, p: sp.Expr) -> PowerLaw:
        return PowerLaw(self.coef**p, self.exponent * p, self.variable, self.name)

    def subs(self, sub: dict) -> PowerLaw:
        return PowerLaw(self.coef.subs(sub), self.exponent.subs(sub), self.variable, self.name)

    def named(self, name: str) -> PowerLaw:
        return PowerLaw(self.coef, self.exponent, self.variable, name)

    def dominates(self, other: PowerLaw) -> sp.Basic:
        """Condition (reduced) under which this term outgrows ``other`` as ``X -> oo``."""
        return reduce_condition(sp.Gt(self.exponent, other.exponent))

    def shifted(self, shift: PowerLaw, power: sp.Expr) -> tuple[PowerLaw, PowerLaw, sp.Basic]:
        r"""Expand :math:`(X_0 - X_1)^q \simeq X_0^q - q X_0^{q-1} X_1` for :math:`X_1 \ll X_0`.

        Returns the leading term, the first correction (sign included in its coefficient) and
        the condition ``exponent(shift) < exponent(self)`` for the expansion to hold.
        """
        lead = self**power
        corr = (self ** (power - 1) * shift) * (-power)
        return lead, corr, sp.Lt(shift.exponent, self.exponent)

    def latex(self) -> str:
        return sp.latex(self.expr)


def power_integral(
    q: sp.Expr, var: sp.Symbol, upper: sp.Expr
) -> list[tuple[sp.Basic, sp.Expr, str]]:
    r"""Cases of :math:`\int_{O(1)}^{U} x^{q}\,dx` for a power-law integrand, :math:`U \to \infty`.

    For :math:`q > -1` the upper end dominates and the integral grows as :math:`U^{q+1}/(q+1)`
    (SymPy integrates it); for :math:`q < -1` it converges and is :math:`O(1)`, set by the lower
    end where the power-law form of the integrand stops holding. In either case the integral is
    of the order of the *sum* of the two end contributions, which is how derivations use it (the
    dominant one is then picked by the balance).

    Returns
    -------
    list of (condition, value, where)
        ``where`` is ``"upper"`` or ``"lower"``: the end that dominates under ``condition``.
    """
    value = _integral_from_zero().subs({_P: q + 1, _U: upper})
    return [
        (sp.Gt(q, -1), value, "upper"),
        (sp.Lt(q, -1), sp.Integer(1), "lower"),
    ]


def power_tail_integral(q: sp.Expr, var: sp.Symbol, lower: sp.Expr) -> tuple[sp.Basic, sp.Expr]:
    r""":math:`\int_{X}^{\infty} x^{q}\,dx = X^{q+1}/(-(q+1))`, convergent iff :math:`q < -1`.

    Returns the convergence condition and the value (SymPy integrates it).
    """
    value = _integral_to_infinity().subs({_P: -(q + 1), _U: lower})
    return sp.Lt(q, -1), value


def finite_power_integral(
    q: sp.Expr, var: sp.Symbol, upper: sp.Expr = 1
) -> tuple[sp.Basic, sp.Expr]:
    r""":math:`\int_0^{U} x^{q}\,dx = U^{q+1}/(q+1)`, convergent (at 0) iff :math:`q > -1`."""
    value = _integral_from_zero().subs({_P: q + 1, _U: upper})
    return sp.Gt(q, -1), value


# Generic convergent power integrals, integrated by SymPy once (p > 0 on the convergent branch).
_P = sp.Symbol("p", positive=True)
_U = sp.Symbol("U", positive=True)
_X = sp.Symbol("x", positive=True)


@cache
def _integral_from_zero() -> sp.Expr:
    return sp.integrate(_X ** (_P - 1), (_X, 0, _U))


@cache
def _integral_to_infinity() -> sp.Expr:
    return sp.integrate(_X ** (-_P - 1), (_X, _U, sp.oo))


def solve_linear_condition(rel: sp.Basic, var: sp.Symbol) -> sp.Basic:
    """Solve a relational that is linear in ``var`` for ``var`` (coefficient sign from a, b > 1)."""
    diff = sp.expand(sp.together(rel.lhs - rel.rhs))
    num, den = sp.fraction(sp.together(diff))
    sd = _sign(den)
    coef = sp.expand(num).coeff(var, 1)
    if sd is None or sp.expand(num - coef * var).has(var):
        return rel
    sc = _sign(coef)
    if sc is None or sc == 0:
        return rel
    rest = sp.factor(-(sp.expand(num) - coef * var) / coef)
    cls = type(rel) if sc * sd > 0 else _FLIP[type(rel)]
    return cls(var, rest)


_UPPER = (sp.StrictLessThan, sp.LessThan)
_LOWER = (sp.StrictGreaterThan, sp.GreaterThan)


def simplify_conjunction(conds) -> tuple[sp.Basic, ...]:
    """Drop conditions ``a < X`` (``a > X``) implied by a tighter one, for all ``b > 1``."""
    conds = [c for c in conds if c != sp.true]
    out: list[sp.Basic] = []
    for c in conds:
        redundant = False
        for d in conds:
            if d is c or not (c.lhs == d.lhs == a):
                continue
            gap = _sign(d.rhs - c.rhs)
            if isinstance(c, _UPPER) and isinstance(d, _UPPER) and gap == -1:
                redundant = True  # d: a < smaller bound implies c
            if isinstance(c, _LOWER) and isinstance(d, _LOWER) and gap == 1:
                redundant = True
        if not redundant:
            out.append(c)
    return tuple(out)
