"""What the scaling-law derivation returns: derived exponents, the laws of each phase, the
derivation steps — and the symbols of the ansätze they are written in."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ._balance import BalanceCase
from ._conventions import convention
from ._mode_sums import ModeSumAsymptotics
from .symbols import T, a, b

__all__ = ["Derivation", "DerivationStep", "Exponent", "PhaseLaws", "ScalingLaws"]

# Unknown scaling exponents of the ansätze (real: a candidate may come out negative).
xi, delta, omega, zeta, chi, nu = sp.symbols("xi delta omega zeta chi nu", real=True)
# Remaining fraction of a run y = 1 - t/T, and the large parameters.
y = sp.Symbol("y", positive=True)
W, C, N = sp.symbols("W C N", positive=True)
tau, u, v = sp.symbols("tau u v", positive=True)
eta_max = sp.Symbol(r"eta_max", positive=True)


@dataclass(frozen=True)
class DerivationStep:
    """One step of a derivation: a title and a LaTeX body (text with display math)."""

    title: str
    latex: str


@dataclass(frozen=True)
class Derivation:
    """A derivation: its steps, the balance cases it solved and its other equations.

    ``equations`` holds ``(equation, solution)`` pairs solved along the way (e.g. the
    stationarity condition for ``delta``): substituting ``solution`` makes each residual vanish.
    """

    name: str
    title: str
    steps: tuple[DerivationStep, ...]
    cases: tuple[BalanceCase, ...] = ()
    equations: tuple[tuple[sp.Eq, dict], ...] = ()


@dataclass(frozen=True)
class Exponent:
    r"""A derived exponent: a SymPy expression in ``a, b`` with its meaning.

    Examples
    --------
    >>> from theory import derive_scaling_laws
    >>> e = derive_scaling_laws().easy["xi"]
    >>> e.evaluate(a=3, b=2)   # xi = 1 - b/a
    0.3333333333333333
    """

    name: str
    expr: sp.Expr
    meaning: str
    symbol: str = ""

    def subs(self, *args, **kwargs) -> sp.Expr:
        """``expr.subs(...)``."""
        return self.expr.subs(*args, **kwargs)

    def evaluate(self, model=None, *, a: float | None = None, b: float | None = None) -> float:
        """Numeric value for a :class:`theory.PLRFModel` or for ``a=..., b=...``."""
        if model is not None:
            sub = model.subs()
        elif a is not None and b is not None:
            sub = {_a: sp.nsimplify(a), _b: sp.nsimplify(b)}
        else:
            raise TypeError("Exponent.evaluate: give a PLRFModel or both a= and b=")
        return float(sp.N(self.expr.subs(sub)))

    def latex(self) -> str:
        return sp.latex(self.expr)

    def in_convention(self, name: str) -> sp.Expr:
        """The exponent written in another convention's parameters (docs/theory.md §1)."""
        return convention(name).exponent(self.expr)

    def __str__(self) -> str:
        return f"{self.name} = {self.expr}   ({self.meaning})"


_a, _b = a, b


@dataclass(frozen=True)
class PhaseLaws:
    """Scaling laws of one phase: the schedule form, its condition and the exponents."""

    phase: str
    condition: sp.Basic
    schedule: sp.Expr
    exponents: dict[str, Exponent] = field(default_factory=dict)

    @property
    def schedule_derived(self) -> sp.Expr:
        """The schedule form with the derived exponents substituted."""
        ex = self.exponents
        sub = {s: ex[n].expr for s, n in ((xi, "xi"), (delta, "delta")) if n in ex}
        if "anneal_window_exponent" in ex:
            sub[W] = T ** ex["anneal_window_exponent"].expr
        return self.schedule.subs(sub)

    def __getitem__(self, name: str) -> Exponent:
        try:
            return self.exponents[name]
        except KeyError:
            raise KeyError(
                f"{self.phase} phase: no exponent {name!r}; have {sorted(self.exponents)}"
            ) from None


@dataclass(frozen=True)
class ScalingLaws:
    """Everything :func:`derive_scaling_laws` derives.

    Attributes
    ----------
    phase_boundary : sympy relational
        Condition of the easy phase (validity of the interior balance).
    easy, hard : PhaseLaws
    bias, kernel : ModeSumAsymptotics
        Asymptotics of :math:`B(\\tau)` (argument :math:`z = 2\\tau`) and of :math:`K(F)`.
    derivations : dict of Derivation
    success, status, message
        Whether every row was derived with a unique case per phase.
    """

    phase_boundary: sp.Basic
    easy: PhaseLaws
    hard: PhaseLaws
    bias: ModeSumAsymptotics
    kernel: ModeSumAsymptotics
    derivations: dict[str, Derivation]
    success: bool = True
    status: int = 0
    message: str = "all rows derived"

    def phase(self, a: float, b: float) -> str:
        """``"easy"``, ``"hard"`` or ``"boundary"`` from the derived boundary."""
        sub = {_a: sp.nsimplify(a), _b: sp.nsimplify(b)}
        if self.phase_boundary.subs(sub) == sp.true:
            return "easy"
        if self.hard.condition.subs(sub) == sp.true:
            return "hard"
        return "boundary"

    def steps(self) -> list[DerivationStep]:
        return [s for d in self.derivations.values() for s in d.steps]

    def as_dict(self) -> dict:
        """The ``optlr derive`` JSON contract: SymPy strings in ``a, b`` (issue 3 item 6)."""

        def phase_dict(p: PhaseLaws) -> dict:
            out: dict = {}
            for name, e in p.exponents.items():
                if name.startswith("compute_optimal."):
                    out.setdefault("compute_optimal", {})[name.split(".", 1)[1]] = str(e.expr)
                else:
                    out[name] = str(e.expr)
            out["condition"] = str(p.condition)
            out["schedule"] = str(p.schedule)
            out["schedule_derived"] = str(p.schedule_derived)
            return out

        return {
            "phase_boundary": str(self.phase_boundary),
            "easy": phase_dict(self.easy),
            "hard": phase_dict(self.hard),
        }
