r"""Corrections to scaling of the claims beyond the learning rate: the batch ramp and the
compute-optimal allocation (issue 12).

**The batch ramp.** At the rate bound the optimal batch is :math:`m^*(t) \propto
\sqrt{(\sigma^2 + L_t)\,K(2\eta_{\max} T y)}` (the square-root rule of
:func:`theory.derive_scaling_laws`' ramp derivation, with the source the exact recursion injects),
:math:`y = 1 - t/T`. Read over a fixed window of :math:`y` as :math:`T \to \infty`, its exponent
approaches the derived one through

* **discrete time** — the recursion's per-step factor of a mode is :math:`1 - 2\eta\lambda +
  O(\eta^2\lambda^2)`; over the :math:`n = Ty` steps that remain, the modes that carry
  :math:`K` have :math:`\eta\lambda n = O(1)`, so the second order is a relative
  :math:`\eta\lambda_* \propto T^{-1}` (:math:`\omega = 1`, derived from the dynamics);
* **the mode sum** — beyond all orders (a summand flat at :math:`k = 0`), but the modes are few
  at the front :math:`k_* = (2\eta_{\max} T y)^{1/b}`: the discreteness shows as an oscillation of
  the local slope until :math:`k_*` is a few (:func:`ramp_front`);
* **the source** :math:`\sigma^2 + L_t` — divided out by the readout; left in, it would
  correct the exponent like the bias of a run at :math:`\eta_{\max}`, :math:`T^{-(a-1)/b}`;
* **the finite mode count** — the kernel lacks the modes beyond :math:`N`: a fraction
  :math:`(k_*/N)^{2b-1}` (:func:`ramp_missing_kernel_fraction`), which grows with :math:`T`;
* **the loss feedback** of the injected noise on later steps — a relative shift of order
  :math:`\eta_{\max}\,\mathrm{tr}\,\Lambda/\bar m`, the same at every :math:`T` at fixed
  :math:`y` (not a power of :math:`T`; an order estimate, below :math:`10^{-3}` at the default
  scale).

**The compute-optimal allocation** :math:`N^* = C^{\nu}`, :math:`T^* = C^{1-\nu}`. The
optimal loss's own corrections :math:`T^{-\omega}` become :math:`C^{-(1-\nu)\omega}`, and the
sums over the modes that stop at :math:`N` (the unlearnable tail, the learned modes) carry the
Euler--Maclaurin end-point term :math:`f(N)/2` against :math:`\int_N f`: a relative
:math:`N^{-1} = C^{-\nu}`. The interpolation of :math:`N^*` on the grid of model sizes is a
numerical error of each compute level, not a power of :math:`C`: it belongs in the error budget
of the measurement, not here.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from ._annealed_peak import annealed_peak_corrections
from ._asymptotics import _bias_term, _response, derive_scaling_laws
from ._corrections import (
    DIVIDED,
    FLOOR,
    NOT_DERIVABLE,
    POWER,
    CorrectionTerm,
    ScalingCorrection,
    _mode_sum,
    derive_corrections,
)
from ._dynamics import plrf_dynamics
from ._mode_sums import spectrum
from ._powerlaw import power_exponent
from .symbols import T, a, b, c, eta, eta_max, inv_m, k, lam

__all__ = [
    "beyond_corrections_latex",
    "derive_beyond_corrections",
    "ramp_front",
    "ramp_missing_kernel_fraction",
]

#: Symbols: the mode count, the fraction ``y = 1 - t/T`` of the run left, the compute.
N_modes, y_left, C_compute, n_left = sp.symbols("N y C n", positive=True)


def _discrete_order() -> int:
    r"""Order ``q`` of the first term of :math:`\log(\text{per-step factor})` beyond the linear
    :math:`-2\eta\lambda` (in :math:`x = \eta\lambda`), from the exact recursion."""
    x = sp.Symbol("x", positive=True)
    factor = sp.diff(plrf_dynamics().discrete, c).subs(inv_m, 0)  # the mean decay per step
    per_step = sp.expand(factor.subs(eta, x / lam))
    series = sp.series(sp.log(per_step), x, 0, 4).removeO()
    powers = sorted(p for p in sp.Poly(series, x).monoms() for p in p if p >= 2)
    return powers[0]


def _front_lambda(steps: sp.Expr = T * y_left) -> sp.Expr:
    r"""Eigenvalue at the front of :math:`K(F)`, :math:`F` the kernel factor times
    :math:`\eta_{\max}` times the ``steps`` left: the modes with :math:`\lambda F = O(1)` carry
    the kernel."""
    return 1 / (_response().kernel_factor * eta_max * steps)


@cache
def _front_mode() -> sp.Expr:
    """The front :func:`_front_lambda` solved for the mode index, in ``n`` steps left."""
    (sol,) = sp.solve(sp.Eq(spectrum(), _front_lambda(n_left)), k)
    return sol


def ramp_front(b_: float, eta: float, n: float) -> float:
    r"""Front mode :math:`k_* = (2\eta n)^{1/b}` of the ramp's kernel ``n`` steps before the
    end (:func:`_front_lambda` solved for ``k``).

    >>> round(ramp_front(2, 0.1, 500), 9)
    10.0
    """
    return float(_front_mode().subs({b: b_, eta_max: eta, n_left: n}))


@cache
def ramp_missing_kernel_fraction() -> sp.Expr:
    r"""Fraction of the ramp's kernel that a model with ``N`` modes lacks: the tail
    :math:`\int_N^\infty \lambda_k^2\,dk` over :math:`\int_{k_*}^\infty \lambda_k^2\,dk` (the
    modes beyond the front have not decayed), i.e. :math:`(k_*/N)^{2b-1}`.

    >>> ramp_missing_kernel_fraction()
    (k_*/N)**(2*b - 1)
    """
    ks, x, eps = sp.symbols("k_* x epsilon", positive=True)
    F = sp.integrate(x ** -(1 + eps), x)  # 2b = 2 + eps with eps > 0: the tails converge
    tail = lambda lo: sp.limit(F, x, sp.oo) - F.subs(x, lo)  # noqa: E731
    weight = power_exponent(_response().noise_weight.subs(lam, spectrum()), k)  # -2b
    frac = sp.powsimp(sp.simplify(tail(N_modes) / tail(ks)), force=True)
    return frac.subs(eps, -weight - 1)


def _ramp_terms() -> list[CorrectionTerm]:
    q = _discrete_order()
    rel = (eta_max * _front_lambda()) ** (q - 1)  # the relative second order at the front
    w_disc = sp.factor(-power_exponent(rel, T))
    src = sp.factor(-_bias_term(_response(), eta_max * T, T).exponent)
    (t_floor,) = sp.solve(sp.Eq(spectrum().subs(k, N_modes), _front_lambda()), T)
    return [
        CorrectionTerm(
            "discrete time", POWER, w_disc, False,
            rf"The per-step factor's logarithm is $-2\eta\lambda + O((\eta\lambda)^{{{q}}})$; at "
            r"the front $\eta\lambda_*\,T y = O(1)$, so the relative correction is "
            rf"$(\eta\lambda_*)^{{{q - 1}}} \propto T^{{-{sp.latex(w_disc)}}}$ at fixed $y$.",
        ),
        _mode_sum(),
        CorrectionTerm(
            "noise source", DIVIDED,
            note=r"The square-root rule's source is $\sigma^2 + L_t$; the readout fits "
                 r"$m^*_t/\sqrt{\sigma^2 + L_t}$. Left in, $L_t$ decays like the bias of a run at "
                 rf"$\eta_{{\max}}$ and corrects the exponent like $T^{{-{sp.latex(src)}}}$.",
        ),
        CorrectionTerm(
            "finite mode count", FLOOR, horizon=sp.factor(t_floor),
            note=r"The kernel lacks the modes beyond $N$, a fraction $(k_*/N)^{2b-1}$ that grows "
                 r"with $T$ (the front reaches $N$ at this horizon).",
        ),
        CorrectionTerm(
            "loss feedback", NOT_DERIVABLE,
            note=r"Noise injected at $t$ raises the later losses and with them the later "
                 r"injections: a relative shift of order $\eta_{\max}\,\mathrm{tr}\,\Lambda/\bar m$, "
                 r"the same at every $T$ at fixed $y$ (an order estimate, not a power of $T$).",
        ),
    ]  # fmt: skip


def _compute_terms(phase: str) -> list[CorrectionTerm]:
    """The optimal loss's corrections carried to ``C``, and the mode cut's end point."""
    laws = getattr(derive_scaling_laws(), phase)
    nu = laws["compute_optimal.model_size_exponent"].expr
    out = []
    for t in derive_corrections()[phase]["loss_exponent"].terms:
        if t.form != POWER:
            continue
        w = sp.factor((1 - nu) * t.omega)
        out.append(CorrectionTerm(
            t.mechanism, POWER, w, t.estimate,
            rf"The optimal loss's $T^{{-\omega}}$, $\omega = {sp.latex(t.omega)}$, at "
            rf"$T^* = C^{{{sp.latex(sp.factor(1 - nu))}}}$.",
        ))  # fmt: skip
    # Euler-Maclaurin at the cut: sum_{k>N} f = int_N f - f(N)/2 + ..., f = k^-a
    f = k ** (-a)
    integral = sp.integrate(f.subs(k, sp.Symbol("x", positive=True)),
                            (sp.Symbol("x", positive=True), N_modes, sp.oo), conds="none")  # fmt: skip
    rel = sp.simplify((f.subs(k, N_modes) / 2) / integral)
    w_cut = sp.factor(-power_exponent(rel.subs(N_modes, C_compute**nu), C_compute))
    out.append(CorrectionTerm(
        "mode cut at N (Euler-Maclaurin end point)", POWER, w_cut, False,
        r"Sums over the modes that stop at $N$ carry $f(N)/2$ against $\int_N f$: a relative "
        rf"$N^{{-1}} = C^{{-{sp.latex(w_cut)}}}$.",
    ))  # fmt: skip
    if phase == "hard":
        out.append(_excess_beyond_first_order())
    return out


def _excess_beyond_first_order() -> CorrectionTerm:
    r"""The window's excess at the compute optimum while it is not small (hard phase).

    With :math:`L_{\rm dyn} = B(1 + \varphi)` the envelope theorem gives, to first order in
    :math:`\varphi`, :math:`L^*(C) = L_B(C)\,(1 + s_B\varphi(T_B))`, :math:`L_B` the plateau's
    compute optimum and :math:`s_B` its dynamic share: the correction :math:`C^{-(1-\nu) g(e)}`
    of the terms above. At reachable compute :math:`\varphi` is not small (2-5 at (1.2, 1.7)),
    so no power of :math:`C` describes its effect: the claim counts its distance to
    :math:`L_B(C)` instead."""
    return CorrectionTerm(
        "annealing-window excess beyond first order", NOT_DERIVABLE,
        note=r"The optimum's loss is the plateau's bias times $1 + \varphi$; by the envelope "
             r"theorem $L^*(C) = L_B(C)(1 + s_B\varphi) + O(\varphi^2)$ ($L_B$ the noiseless "
             r"plateau's compute optimum, $s_B$ its dynamic share), which gives the window terms "
             r"above. Where $\varphi \gtrsim 1$ (2--5 at $(1.2, 1.7)$ for $C \le 10^5$) no "
             r"power of $C$ describes it; the measurement counts the distance of its "
             r"extrapolation from that of $L_B(C)$, which has the same limit.",
    )  # fmt: skip


@cache
def derive_beyond_corrections() -> dict[str, dict[str, ScalingCorrection]]:
    r"""The corrections of the batch-ramp and compute-optimal exponents, per phase (the same
    shape as :func:`theory.derive_corrections`; the ramp, at :math:`\eta = \eta_{\max}`, is the
    same in both phases).

    Returns
    -------
    dict
        ``{"easy": {name: ScalingCorrection}, "hard": {...}}`` with ``name`` among
        ``batch_ramp_exponent, compute_optimal.loss_exponent,
        compute_optimal.model_size_exponent``.

    Examples
    --------
    >>> c = derive_beyond_corrections()
    >>> c["easy"]["batch_ramp_exponent"].leading(3, 2).omega
    1
    >>> c["hard"]["compute_optimal.model_size_exponent"].omegas(1.5, 3)[0]   # 3/4 of 3/10
    0.225
    """
    from ._disk import load_or_compute

    return load_or_compute("beyond-corrections", _derive_beyond_corrections)


def _derive_beyond_corrections() -> dict[str, dict[str, ScalingCorrection]]:
    """The derivation behind :func:`derive_beyond_corrections` (no caching)."""
    laws = derive_scaling_laws()
    out: dict[str, dict[str, ScalingCorrection]] = {}
    ramp = _ramp_terms()
    for phase in ("easy", "hard"):
        ph = getattr(laws, phase)
        comp = _compute_terms(phase)
        rows = {"batch_ramp_exponent": ramp, "compute_optimal.loss_exponent": comp,
                "compute_optimal.model_size_exponent": comp}  # fmt: skip
        out[phase] = {
            name: ScalingCorrection(name, phase, sp.factor(ph[name].expr), tuple(terms))
            for name, terms in rows.items()
        }
    out["hard"].update(annealed_peak_corrections())  # the LR transfers of WSD and linear decay
    return out


def beyond_corrections_latex() -> str:
    """LaTeX of :func:`derive_beyond_corrections` for the report's derivation section."""
    head = (r"\subsection*{Corrections to scaling beyond the learning rate}"
            r"The batch ramp is read at fixed $y = 1 - t/T$ with its source divided out; the "
            r"compute-optimal exponents as sequences in $C$.")  # fmt: skip
    rows = derive_beyond_corrections()
    parts = [head, rows["easy"]["batch_ramp_exponent"].latex()]
    for phase in ("easy", "hard"):
        parts.append(rows[phase]["compute_optimal.model_size_exponent"].latex())
    parts += [rows["hard"][f"annealed_peak.{fam}"].latex() for fam in ("wsd", "linear")]
    return "\n".join(parts)
