"""Maps between the exponent conventions of the literature and optlr's ``(a, b)``.

Each convention is written once, symbolically, as the map *to* ``(a, b)``; the inverse map and
the numeric constructors of :class:`theory.PLRFModel` are derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from .symbols import a, b

__all__ = ["CONVENTIONS", "Convention", "convention"]


@dataclass(frozen=True)
class Convention:
    """One parametrisation of the power-law random-feature model.

    Parameters
    ----------
    name : str
        Short key (``"bap"``, ``"paquette"``, ``"fsl"``).
    title : str
        Human-readable source.
    params : tuple of sympy.Symbol
        The convention's own two exponents.
    to_ab : tuple of sympy.Expr
        ``(a, b)`` as expressions in ``params``.
    """

    name: str
    title: str
    params: tuple[sp.Symbol, sp.Symbol]
    to_ab: tuple[sp.Expr, sp.Expr]

    @property
    def from_ab(self) -> tuple[sp.Expr, sp.Expr]:
        """The convention's exponents as expressions in ``(a, b)`` (derived by solving)."""
        return _invert(self)

    def ab(self, p: float, q: float) -> tuple[float, float]:
        """Numeric ``(a, b)`` from the convention's two exponents."""
        sub = dict(zip(self.params, (p, q), strict=True))
        return tuple(float(e.subs(sub)) for e in self.to_ab)  # type: ignore[return-value]

    def from_ab_values(self, a_val: float, b_val: float) -> tuple[float, float]:
        """Numeric convention exponents from ``(a, b)``."""
        return tuple(float(e.subs({a: a_val, b: b_val})) for e in self.from_ab)  # type: ignore[return-value]

    def exponent(self, expr: sp.Expr) -> sp.Expr:
        """Rewrite an expression in ``(a, b)`` in this convention's exponents."""
        return sp.simplify(expr.subs(dict(zip((a, b), self.to_ab, strict=True))))


@cache
def _invert(conv: Convention) -> tuple[sp.Expr, sp.Expr]:
    sol = sp.solve([sp.Eq(a, conv.to_ab[0]), sp.Eq(b, conv.to_ab[1])], conv.params, dict=True)
    if len(sol) != 1:
        raise RuntimeError(f"convention {conv.name!r} is not invertible: {sol}")
    return (sol[0][conv.params[0]], sol[0][conv.params[1]])


_alpha, _beta = sp.symbols("alpha beta", positive=True)
_alpha_P, _beta_P = sp.symbols("alpha_P beta_P", positive=True)
_beta_F, _s = sp.symbols("beta_F s", positive=True)

CONVENTIONS: dict[str, Convention] = {
    "bap": Convention(
        "bap",
        "Bordelon-Atanasov-Pehlevan (alpha, beta): spectrum k^-alpha, gradient-flow loss t^-beta",
        (_alpha, _beta),
        (_alpha * _beta + 1, _alpha),
    ),
    "paquette": Convention(
        "paquette",
        "Paquette et al. 4+3 phases (alpha_P, beta_P): spectrum j^(-2 alpha_P), b_j = j^-beta_P",
        (_alpha_P, _beta_P),
        (2 * _alpha_P + 2 * _beta_P, 2 * _alpha_P),
    ),
    "fsl": Convention(
        "fsl",
        "functional scaling laws (capacity beta_F, source s)",
        (_beta_F, _s),
        (_s * _beta_F + 1, _beta_F),
    ),
}


def convention(name: str) -> Convention:
    """Look up a convention by key, with a clear error for unknown names."""
    try:
        return CONVENTIONS[name]
    except KeyError:
        raise ValueError(
            f"convention: unknown name {name!r}; expected one of {sorted(CONVENTIONS)}"
        ) from None
