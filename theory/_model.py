"""The power-law random-feature (PLRF) model: a frozen, validated parameter record."""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ._checks import check_int, check_real

if TYPE_CHECKING:  # SymPy is imported where the record meets the symbolic side, not before
    import sympy as sp

__all__ = ["PLRFModel", "Phase"]

Phase = Literal["easy", "hard", "boundary"]

#: Relative tolerance within which ``a == b`` counts as the phase boundary.
BOUNDARY_RTOL = 1e-12


#: Largest exponent ``a`` or ``b`` accepted: beyond it ``2^-a`` is below double precision
#: relative to the first mode, so every mode but the first vanishes and the solvers' scalings
#: underflow (``b = 1e15`` made every constant rate look unstable; ``a = 1e300`` sent the
#: compute-optimal sweep into 20 s of meaningless work).
MAX_EXPONENT = 64.0

#: Largest label-noise std accepted: the dynamics use ``sigma**2``, which overflows beyond
#: ``sqrt(float max)`` ~ 1.3e154 (``--sigma 1e300`` raised ``OverflowError`` in the recursion).
MAX_SIGMA = math.sqrt(sys.float_info.max)


@dataclass(frozen=True)
class PLRFModel:
    r"""Power-law random-feature model trained by one-pass minibatch SGD.

    Eigenvalues :math:`\lambda_k = k^{-b}`, teacher :math:`\lambda_k (w^*_k)^2 = k^{-a}`,
    labels with noise variance :math:`\sigma^2`, the top ``n_modes`` features learned.

    Parameters
    ----------
    a : float
        Source exponent, ``a > 1``.
    b : float
        Capacity (spectral) exponent, ``b > 1``.
    sigma : float, default 0.5
        Label-noise standard deviation, ``sigma >= 0``.
    batch : float, default 1
        Minibatch size ``m >= 1``; ``math.inf`` is full-batch gradient descent (no SGD noise).
    n_modes : int, default 1000
        Number of learned features ``N``.
    eta_max : float, default 2.0
        Upper bound on the learning rate for optimal-control problems (the original study's).

    Examples
    --------
    >>> m = PLRFModel(a=3, b=2)
    >>> m.phase, m.gradient_flow_exponent
    ('easy', 1.0)
    >>> PLRFModel.from_convention("bap", 2.0, 1.0).a   # a = alpha*beta + 1
    3.0
    """

    a: float
    b: float
    sigma: float = 0.5
    batch: float = 1.0
    n_modes: int = 1000
    eta_max: float = 2.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "a", check_real("a", self.a, gt=1, le=MAX_EXPONENT))
        set_(self, "b", check_real("b", self.b, gt=1, le=MAX_EXPONENT))
        set_(self, "sigma", check_real("sigma", self.sigma, ge=0, le=MAX_SIGMA))
        set_(self, "batch", check_real("batch", self.batch, ge=1, allow_inf=True))
        set_(self, "n_modes", check_int("n_modes", self.n_modes, ge=1))
        set_(self, "eta_max", check_real("eta_max", self.eta_max, gt=0))

    # -- derived quantities -------------------------------------------------------------
    @property
    def phase(self) -> Phase:
        """``"easy"`` if ``a > b``, ``"hard"`` if ``a < b``, else ``"boundary"``."""
        if math.isclose(self.a, self.b, rel_tol=BOUNDARY_RTOL):
            return "boundary"
        return "easy" if self.a > self.b else "hard"

    @property
    def gradient_flow_exponent(self) -> float:
        """Exponent ``(a - 1)/b`` of the gradient-flow loss ``L ~ t^(-(a-1)/b)``."""
        return (self.a - 1) / self.b

    @property
    def inv_batch(self) -> float:
        """``1/m`` (zero for full-batch gradient descent)."""
        return 0.0 if math.isinf(self.batch) else 1.0 / self.batch

    @property
    def tail_loss(self) -> float:
        r"""Unlearnable loss :math:`\sum_{k>N} k^{-a}` of the features beyond ``n_modes``."""
        import mpmath

        with mpmath.workdps(30):
            return float(mpmath.zeta(self.a, self.n_modes + 1))

    def replace(self, **changes: float) -> PLRFModel:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def subs(self) -> dict[sp.Symbol, sp.Expr]:
        """Substitution ``{a: ..., b: ...}`` for the symbolic engine (exact rationals)."""
        import sympy as sp

        from .symbols import a, b

        return {a: sp.nsimplify(self.a), b: sp.nsimplify(self.b)}

    # -- other conventions ----------------------------------------------------------------
    @classmethod
    def from_convention(cls, name: str, p: float, q: float, **kwargs: float) -> PLRFModel:
        """Build from another convention's exponents (see ``theory.CONVENTIONS``)."""
        from ._conventions import convention

        a, b = convention(name).ab(p, q)
        return cls(a=a, b=b, **kwargs)

    @classmethod
    def from_bap(cls, alpha: float, beta: float, **kwargs: float) -> PLRFModel:
        """Bordelon-Atanasov-Pehlevan ``(alpha, beta)``: ``b = alpha``, ``a = alpha*beta + 1``."""
        return cls.from_convention("bap", alpha, beta, **kwargs)

    @classmethod
    def from_paquette(cls, alpha_P: float, beta_P: float, **kwargs: float) -> PLRFModel:
        """Paquette et al. ``(alpha_P, beta_P)``: ``b = 2 alpha_P``, ``a = 2 alpha_P + 2 beta_P``."""
        return cls.from_convention("paquette", alpha_P, beta_P, **kwargs)

    @classmethod
    def from_fsl(cls, beta_F: float, s: float, **kwargs: float) -> PLRFModel:
        """Functional scaling laws ``(beta_F, s)``: ``b = beta_F``, ``a = s beta_F + 1``."""
        return cls.from_convention("fsl", beta_F, s, **kwargs)

    def to_convention(self, name: str) -> tuple[float, float]:
        """This model's exponents in another convention."""
        from ._conventions import convention

        return convention(name).from_ab_values(self.a, self.b)
