r"""Canned optimal-control problems, shared by tests, notebooks and docs.

* :func:`plrf_problem` — the learning-rate schedule of the PLRF model: minimise :math:`L(T)`
  over :math:`0 \le \eta \le \eta_{\max}`, continuous or discrete time.
* :func:`plrf_joint_problem` — learning rate and batch size under a sample budget
  :math:`\int_0^T m\,dt = D`.
* :func:`sample_time_reduction` — derives that the continuous-time dynamics depend on
  ``(eta, m)`` only through ``eta`` and ``eta^2/m``, and per sample only through ``eta/m``.
* :func:`scalar_lqr_problem`, :func:`double_integrator_problem` — textbook checks.

Every problem's dynamics come from :func:`theory.plrf_dynamics` (the single source of truth).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import sympy as sp

from ._dynamics import plrf_dynamics
from ._model import PLRFModel
from ._pontryagin import Control, IntegralConstraint, ModeFamily, OptimalControlProblem
from .symbols import L, c, eta, eta_max, lam, m

__all__ = [
    "REFERENCE_MODELS",
    "D",
    "SampleTimeReduction",
    "double_integrator_problem",
    "eta_per_sample",
    "noise_control",
    "plrf_joint_problem",
    "plrf_problem",
    "reference_model",
    "sample_time_reduction",
    "scalar_lqr_problem",
]

#: Sample budget :math:`D = \int_0^T m\,dt` of the joint (learning rate, batch) problem.
D = sp.Symbol("D", positive=True)
#: Learning rate per sample, :math:`\rho = \eta/m`.
eta_per_sample = sp.Symbol("rho", positive=True)
#: Noise control :math:`q = \eta^2/m` (the SGD-noise injection rate).
noise_control = sp.Symbol("q", positive=True)


def _family(rate: sp.Expr) -> ModeFamily:
    return ModeFamily(state=c, rate=rate, parameters=(lam,), sums=((L, lam * c),))


@cache
def plrf_problem(
    time: Literal["continuous", "discrete"] = "continuous",
) -> OptimalControlProblem:
    r"""Minimise the excess loss :math:`L(T)` of the PLRF model over :math:`\eta(t)`.

    Per-mode dynamics from :func:`theory.plrf_dynamics` (``iota = 1/m`` a fixed parameter),
    control :math:`0 \le \eta \le \eta_{\max}`, terminal cost :math:`L = \sum_k \lambda_k c_k`.

    Examples
    --------
    >>> from theory.symbols import mu, lam
    >>> plrf_problem().conditions.terminal_conditions[mu] == lam
    True
    """
    if time not in ("continuous", "discrete"):
        raise ValueError(f"time must be 'continuous' or 'discrete', got {time!r}")
    dyn = plrf_dynamics()
    rate = dyn.continuous if time == "continuous" else dyn.discrete
    return OptimalControlProblem(
        controls=(Control(eta, 0, eta_max),),
        family=_family(rate),
        terminal_cost=L,
        time=time,
        name=f"plrf-{time}",
    )


@cache
def plrf_joint_problem() -> OptimalControlProblem:
    r"""Learning rate :math:`\eta` and batch size :math:`m \ge 1` under :math:`\int_0^T m\,dt = D`.

    Continuous time; the dynamics are :func:`theory.plrf_dynamics` with ``iota = 1/m``.
    """
    rate = plrf_dynamics().with_batch(plrf_dynamics().continuous)
    return OptimalControlProblem(
        controls=(Control(eta, 0, eta_max), Control(m, 1, None)),
        family=_family(rate),
        terminal_cost=L,
        constraints=(IntegralConstraint(m, D),),
        name="plrf-joint-batch",
    )


@dataclass(frozen=True)
class SampleTimeReduction:
    r"""What the continuous-time PLRF dynamics depend on, in terms of the controls ``(eta, m)``.

    Attributes
    ----------
    rate : sympy.Expr
        :math:`\dot c_k(\eta, m)`, from :func:`theory.plrf_dynamics`.
    rate_in_noise_control : sympy.Expr
        The same with :math:`m = \eta^2/q`: a function of ``eta`` and ``q = eta^2/m`` only.
    drift_coefficient, noise_coefficient : sympy.Expr
        :math:`\partial\dot c/\partial\eta` at fixed ``q`` and :math:`\partial\dot c/\partial q`:
        the rate is :math:`\eta A + q B` (affine in the pair, checked by ``affine``).
    affine : bool
        Whether all second derivatives in ``(eta, q)`` vanish.
    homogeneity_residual : sympy.Expr
        :math:`\dot c(s\eta, s m) - s\,\dot c(\eta, m)`, zero: the rate is homogeneous of degree
        one in ``(eta, m)``.
    per_sample_rate : sympy.Expr
        :math:`dc_k/ds = \dot c_k/m` in sample time :math:`ds = m\,dt`, written in
        :math:`\rho = \eta/m`; free of ``m`` (``only_ratio`` says so).
    only_ratio : bool
    hessian_determinant : sympy.Expr
        Determinant of the Hessian in ``(eta, m)`` of the joint problem's Hamiltonian (with the
        budget multiplier): zero, so the optimum in ``(eta, m)`` is degenerate along ``eta/m``.
    """

    rate: sp.Expr
    rate_in_noise_control: sp.Expr
    drift_coefficient: sp.Expr
    noise_coefficient: sp.Expr
    affine: bool
    homogeneity_residual: sp.Expr
    per_sample_rate: sp.Expr
    only_ratio: bool
    hessian_determinant: sp.Expr

    def latex_steps(self) -> list[tuple[str, str]]:
        """The reduction as ``(title, latex)`` steps."""
        q, rho = noise_control, eta_per_sample
        return [
            ("Rate in (eta, m)", r"\dot c_k = " + sp.latex(self.rate)),
            (
                "Rate in (eta, q), q the noise control",
                r"\dot c_k = "
                + sp.latex(self.rate_in_noise_control)
                + r",\quad "
                + sp.latex(q)
                + r" = \eta^2/m",
            ),
            (
                "Per sample (sample time s, ds = m dt)",
                r"\frac{dc_k}{ds} = "
                + sp.latex(self.per_sample_rate)
                + r",\quad "
                + sp.latex(rho)
                + r" = \eta/m",
            ),
            (
                "Degenerate Hessian",
                r"\det \nabla^2_{(\eta, m)} H = " + sp.latex(self.hessian_determinant),
            ),
        ]


@cache
def sample_time_reduction() -> SampleTimeReduction:
    r"""Derive how the continuous-time dynamics depend on ``(eta, m)``.

    Examples
    --------
    >>> r = sample_time_reduction()
    >>> r.only_ratio, r.affine, r.homogeneity_residual
    (True, True, 0)
    """
    q, rho, s = noise_control, eta_per_sample, sp.Symbol("s", positive=True)
    rate = plrf_dynamics().with_batch(plrf_dynamics().continuous)
    in_q = sp.simplify(rate.subs(m, eta**2 / q))
    A, B = sp.diff(in_q, eta), sp.diff(in_q, q)
    affine = all(sp.simplify(sp.diff(in_q, *v)) == 0 for v in ((eta, 2), (q, 2), (eta, q)))
    homog = sp.simplify(rate.subs({eta: s * eta, m: s * m}, simultaneous=True) - s * rate)
    per_sample = sp.simplify((rate / m).subs(eta, rho * m))
    H = plrf_joint_problem().conditions.hamiltonian
    hess = sp.hessian(H, (eta, m))
    return SampleTimeReduction(
        rate=rate,
        rate_in_noise_control=sp.factor(in_q),
        drift_coefficient=sp.factor(A),
        noise_coefficient=sp.factor(B),
        affine=bool(affine),
        homogeneity_residual=homog,
        per_sample_rate=sp.factor(per_sample),
        only_ratio=not per_sample.has(m),
        hessian_determinant=sp.simplify(hess.det()),
    )


# -- textbook problems --------------------------------------------------------------------
#: Symbols of the textbook problems (kept apart from the PLRF exponents ``a``, ``b``).
_x, _x1, _x2, _u = sp.symbols("x x_1 x_2 u", real=True)
_A, _B = sp.symbols("A B", real=True, nonzero=True)
_Q, _R, _S = sp.symbols("Q R S", positive=True)


@cache
def scalar_lqr_problem() -> OptimalControlProblem:
    r"""Scalar LQR: :math:`\dot x = A x + B u`, cost :math:`\tfrac12\int_0^T (Q x^2 + R u^2)\,dt + \tfrac12 S x(T)^2`.

    The symbols ``x, u, A, B, Q, R, S`` are ``problem.states[0]``, ``problem.control_symbols[0]``
    and the free symbols of the dynamics and costs.
    """
    half = sp.Rational(1, 2)
    return OptimalControlProblem(
        controls=(Control(_u),),
        states=(_x,),
        dynamics=(_A * _x + _B * _u,),
        terminal_cost=half * _S * _x**2,
        running_cost=half * (_Q * _x**2 + _R * _u**2),
        name="scalar-lqr",
    )


@cache
def double_integrator_problem(weight: sp.Expr | None = None) -> OptimalControlProblem:
    r"""Bang-bang: :math:`\dot x_1 = x_2,\ \dot x_2 = u,\ |u| \le 1`, minimise :math:`x_1(T) + w\,x_2(T)`.

    ``weight`` defaults to ``-1/2``: with ``T = 1`` the optimal control switches once, at ``t = 1/2``.
    """
    w = sp.Rational(-1, 2) if weight is None else sp.sympify(weight)
    return OptimalControlProblem(
        controls=(Control(_u, -1, 1),),
        states=(_x1, _x2),
        dynamics=(_x2, _u),
        terminal_cost=_x1 + w * _x2,
        name="double-integrator",
    )


# -- numeric reference setups ------------------------------------------------------------------
#: Reference models shared by tests, notebooks, benchmarks and the report (docs/theory.md §4 and the
#: issues' representative points). Keys are stable names; values are frozen ``PLRFModel`` records.
REFERENCE_MODELS: dict[str, PLRFModel] = {
    # representative easy / hard points of the validation issue
    "easy": PLRFModel(a=3.0, b=2.0, sigma=0.5, batch=1.0, n_modes=1000),
    "hard": PLRFModel(a=1.5, b=3.0, sigma=0.5, batch=1.0, n_modes=1000),
    # the original study's solver defaults
    "study_default": PLRFModel(a=2.0, b=2.0, sigma=0.5, batch=5.0, n_modes=500, eta_max=2.0),
    # the original study's easy-phase collapse setup
    "study_easy_collapse": PLRFModel(a=2.5, b=1.2, sigma=0.1, batch=4.0, n_modes=500),
    # a few modes with strong noise: small optimal rates, so the exact discrete optimum and the
    # continuous-time (Pontryagin) optimum nearly coincide; cheap enough for every method
    "conformance": PLRFModel(a=3.0, b=2.0, sigma=3.0, batch=1.0, n_modes=4),
}


def reference_model(name: str, **changes) -> PLRFModel:
    """A reference model by name (see :data:`REFERENCE_MODELS`), optionally with fields changed."""
    try:
        model = REFERENCE_MODELS[name]
    except KeyError:
        raise ValueError(
            f"reference_model: unknown name {name!r}; expected one of {sorted(REFERENCE_MODELS)}"
        ) from None
    return model.replace(**changes) if changes else model
