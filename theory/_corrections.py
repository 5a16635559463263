r"""Corrections to scaling: the form of the leading correction of every derived exponent.

A derived law :math:`Y(T) \simeq C\,T^{p}` holds only as :math:`T \to \infty`. At finite ``T``

.. math::

    Y(T) = C\,T^{p}\,\bigl(1 + c\,T^{-\omega} + \dots\bigr),
    \qquad
    s(T) \equiv \frac{d\log Y}{d\log T} = p - c\,\omega\,T^{-\omega} + \dots,

so the local slopes approach the exponent like :math:`T^{-\omega}`, and an extrapolation of the
local slopes needs :math:`\omega`. This module derives :math:`\omega` as a SymPy expression in
``(a, b)`` for each exponent from the same ingredients as :func:`theory.derive_scaling_laws`:

* **subleading terms of the balance** — the loss is a sum of power laws; at the optimal scaling
  exponent the terms that do not balance are smaller by :math:`T^{-\text{gap}}`, and the gap is
  the correction exponent (e.g. the *end-of-run boundary layer*: the final stretch where the
  kernel argument is :math:`O(1)` and the optimum levels off at a floor);
* **discrete time** — the :math:`\eta^2\lambda^2 c` term of the exact recursion, relative size
  :math:`\eta\lambda` on the modes that carry a term;
* **noise against bias** — the derivation assumes :math:`\sigma^2 \gg L`; the source is
  :math:`\sigma^2(1 + L/\sigma^2)`, a relative correction of order :math:`L \sim T^{-p}`
  (an order estimate: flagged ``estimate=True``);
* **the mode sum** — Euler--Maclaurin with a summand flat at :math:`k = 0`: corrections beyond
  all orders in :math:`T` (no power);
* **the finite mode count** ``N`` — a floor :math:`N^{-(a-1)}/(a-1)`, negligible while
  :math:`T \ll N^{(a-1)/p}`; *relative* to the bias left above the learned front
  :math:`k_*`, the modes the model lacks are :math:`(k_*/N)^{a-1}` (:func:`missing_mode_fraction`),
  which near ``a = 1`` is not small far below that horizon (9 % at (1.2, 1.7), ``N = 1e12``,
  ``T = 1e13``): :func:`modes_for_horizon` gives the ``N`` that keeps it below a tolerance;
* **the cap** :math:`\eta \le \eta_{\max}` — inactive asymptotically for the easy phase's optimum
  (the schedule scales as :math:`T^{-\xi}`), the plateau itself in the hard phase (no
  correction); for the tuned power law it pins :math:`\eta_0` when :math:`a < 2b` and leaves a
  logarithmic correction (:func:`theory.capped_power_law`).

The easy-phase shape exponent :math:`\delta` is read at fixed fractions :math:`u = 1 - t/T` of
the run: if :math:`\eta^*(t) = C\,T^{-\xi} g(u)\,(1 + T^{-\omega} h(u) + \dots)`, the exponent
read over a fixed window of :math:`u` is the limit shape's plus :math:`T^{-\omega}` times a
function of the window — the schedule's own relative corrections (this assumes that the limit
shape :math:`g` is the derived power over the window; if it is not, the extrapolated value
differs from :math:`2b - 1` and the claim disagrees). Where a correction is not derivable (the
hard phase's :math:`\delta`, the hard phase's tuned power law), the object says so and carries no
:math:`\omega`: estimators fall back to model-free extrapolation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cache

import sympy as sp

from ._asymptotics import (
    T,
    _annealed,
    _bias_term,
    _kernel,
    _response,
    derive_scaling_laws,
    omega,
    v,
    xi,
    zeta,
)
from ._easy_layer import easy_end_layer
from ._hard_loss_source import hard_loss_source
from ._noise_floor import noise_floor
from ._plateau_deficit import plateau_deficit
from ._power_law_family import capped_power_law, power_law_terms, tuned_power_law_gain
from ._powerlaw import PowerLaw, power_exponent, power_integral
from ._window_layer import window_end_layer
from ._window_realised import window_realised_time
from ._window_source import window_source_residual, window_source_response
from .symbols import a, b

__all__ = [
    "CorrectionTerm",
    "ScalingCorrection",
    "corrections_latex",
    "derive_corrections",
    "missing_mode_fraction",
    "modes_for_horizon",
]

#: Symbol of the mode count in the finite-``N`` horizon.
N_modes = sp.Symbol("N", positive=True)

POWER, NONE, FLOOR, NOT_DERIVABLE = "power", "beyond all orders", "floor", "not derivable"
#: A correction that the claim's readout divides out (no exponent left to extrapolate).
DIVIDED = "divided out by the readout"


@dataclass(frozen=True)
class CorrectionTerm:
    r"""One mechanism correcting a scaling law.

    Attributes
    ----------
    mechanism : str
        What produces it ("end-of-run boundary layer", "discrete time", ...).
    form : {"power", "beyond all orders", "floor", "not derivable", "divided out by the readout"}
        ``"power"``: relative correction :math:`T^{-\omega}`; ``"floor"``: an additive constant
        (see ``horizon``); the others carry no exponent.
    omega : sympy.Expr or None
        Correction exponent in ``a, b`` (``form == "power"`` only); positive in the phase.
    estimate : bool
        ``True`` when ``omega`` is an order estimate rather than the engine's exact gap.
    note : str
        LaTeX sentence: where the exponent comes from.
    horizon : sympy.Expr or None
        For a floor: the horizon (in ``N``) beyond which it matters.
    """

    mechanism: str
    form: str
    omega: sp.Expr | None = None
    estimate: bool = False
    note: str = ""
    horizon: sp.Expr | None = None

    def __post_init__(self) -> None:
        if self.form not in (POWER, NONE, FLOOR, NOT_DERIVABLE, DIVIDED):
            raise ValueError(f"form must be one of power, beyond all orders, floor, not "
                             f"derivable, divided out by the readout; got {self.form!r}")  # fmt: skip
        if (self.form == POWER) != (self.omega is not None):
            raise ValueError(f"omega is given iff form == 'power' (form {self.form!r})")

    def omega_at(self, a_val: float, b_val: float) -> float | None:
        """Numeric ``omega`` at ``(a, b)`` (``None`` without a power correction)."""
        if self.omega is None:
            return None
        return float(self.omega.subs({a: float(a_val), b: float(b_val)}))


@dataclass(frozen=True)
class ScalingCorrection:
    r"""The corrections of one derived exponent in one phase.

    Attributes
    ----------
    name : str
        The exponent's name in :func:`theory.derive_scaling_laws` (``"loss_exponent"``, ``"xi"``...).
    phase : {"easy", "hard"}
    exponent : sympy.Expr
        The derived exponent itself.
    terms : tuple of CorrectionTerm
    """

    name: str
    phase: str
    exponent: sp.Expr
    terms: tuple[CorrectionTerm, ...]

    @property
    def derivable(self) -> bool:
        """Whether at least one power correction was derived."""
        return any(t.form == POWER for t in self.terms)

    def leading(self, a_val: float, b_val: float) -> CorrectionTerm | None:
        """The power correction with the smallest positive ``omega`` at ``(a, b)`` (slowest)."""
        best, best_w = None, float("inf")
        for t in self.terms:
            w = t.omega_at(a_val, b_val)
            if w is not None and 0 < w < best_w:
                best, best_w = t, w
        return best

    def omegas(self, a_val: float, b_val: float) -> list[float]:
        """Distinct positive power-correction exponents at ``(a, b)``, slowest first."""
        ws = {round(w, 12) for t in self.terms if (w := t.omega_at(a_val, b_val)) and w > 0}
        return sorted(ws)

    def latex(self) -> str:
        """A LaTeX paragraph: the exponent, then each mechanism with its :math:`\\omega`."""
        head = (
            rf"\paragraph{{{self.name.replace('_', ' ')} ({self.phase} phase).}} "
            rf"Exponent ${sp.latex(self.exponent)}$. "
        )
        items = []
        for t in self.terms:
            if t.form == POWER:
                approx = r"\sim" if t.estimate else "="
                what = rf"$T^{{-\omega}}$, $\omega {approx} {sp.latex(t.omega)}$"
            elif t.form == FLOOR:
                what = rf"a floor, negligible for $T \ll {sp.latex(t.horizon)}$"
            else:
                what = t.form
            items.append(rf"\item {t.mechanism}: {what}. {t.note}")
        return head + r"\begin{itemize}" + "\n".join(items) + r"\end{itemize}"


# -- mechanisms shared by every exponent -----------------------------------------------------------


def _crossover(loss_exp: sp.Expr) -> CorrectionTerm:
    return CorrectionTerm(
        "noise against bias", POWER, sp.factor(loss_exp), True,
        r"The source is $\sigma^2(1 + L/\sigma^2)$ and $L \sim T^{-p}$: a relative correction of "
        r"order $T^{-p}$ (order estimate; it is also where $L \ll \sigma^2$ starts to hold).",
    )  # fmt: skip


@cache
def missing_mode_fraction() -> sp.Expr:
    r"""Fraction of the bias above the learned front :math:`k_*` that a model with ``N`` modes
    lacks: the tail :math:`\int_N^\infty k^{-a}\,dk` over :math:`\int_{k_*}^\infty k^{-a}\,dk`,
    i.e. :math:`(k_*/N)^{a-1}` (derived in the symbols ``k_*``, ``N``, ``a``; kept on disk like
    the scaling laws).

    Examples
    --------
    >>> missing_mode_fraction()
    (k_*/N)**(a - 1)
    """
    from ._disk import load_or_compute

    return load_or_compute("missing_mode_fraction", _missing_mode_fraction)


def _missing_mode_fraction() -> sp.Expr:
    k, x, eps = sp.symbols("k_* x epsilon", positive=True)
    F = sp.integrate(x ** -(1 + eps), x)  # a = 1 + epsilon > 1: the tails converge
    tail = lambda lo: sp.limit(F, x, sp.oo) - F.subs(x, lo)  # noqa: E731
    return sp.powsimp(sp.simplify(tail(N_modes) / tail(k)), force=True).subs(eps, a - 1)


def modes_for_horizon(a_: float, b_: float, T: float, eta: float, rel: float) -> int:
    r"""Mode count with which the bias a run of horizon ``T`` at rates ``<= eta`` leaves lacks
    about a fraction ``rel`` (:func:`missing_mode_fraction` solved for ``N``), with the front at
    :math:`k_* = (2\eta T)^{1/b}` (mode ``k`` is learned once :math:`2 k^{-b}\int\eta \sim 1`;
    on the model's own bias the fraction is 1.06 ``rel`` at (1.2, 1.7), ``tests/test_corrections.py``).
    The local exponents it perturbs move by about ``rel`` times theirs."""
    for name, value in (("a", a_), ("b", b_), ("T", T), ("eta", eta), ("rel", rel)):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"modes_for_horizon: {name} must be finite and > 0, got {value!r}")
    if a_ <= 1 or rel >= 1:
        raise ValueError(f"modes_for_horizon: need a > 1 and rel < 1, got a={a_!r}, rel={rel!r}")
    n_expr, k, r = _modes_expr()
    n = float(n_expr.subs({a: a_, k: (2 * eta * T) ** (1 / b_), r: rel}))
    return math.ceil(max(n, 1.0))


@cache
def _modes_expr() -> tuple[sp.Expr, sp.Symbol, sp.Symbol]:
    """:func:`missing_mode_fraction` ``= r`` solved for ``N``, with the symbols ``k_*``, ``r``."""
    frac = missing_mode_fraction()
    k = next(s for s in frac.free_symbols if s.name == "k_*")
    r = sp.Symbol("r", positive=True)
    (n_expr,) = sp.solve(sp.Eq(frac, r), N_modes)
    return n_expr, k, r


def _mode_sum() -> CorrectionTerm:
    return CorrectionTerm(
        "mode sum", NONE,
        note=r"Euler--Maclaurin with a summand flat at $k=0$: $1 + O(z^{-n/b})$ for every $n$.",
    )  # fmt: skip


def _finite_n(loss_exp: sp.Expr) -> CorrectionTerm:
    return CorrectionTerm(
        "finite mode count", FLOOR, horizon=sp.factor(N_modes ** ((a - 1) / loss_exp)),
        note=r"The unlearnable tail $\sum_{k>N}k^{-a} \simeq N^{1-a}/(a-1)$ against "
             r"$L \sim T^{-p}$.",
    )  # fmt: skip


def _gap_terms(terms: list[PowerLaw], lead: sp.Expr, sub: dict, mechanism: dict) -> list:
    """A power correction for each term strictly below ``lead`` at the optimum ``sub``."""
    out = []
    for t in terms:
        gap = sp.factor(lead - t.exponent.subs(sub))
        if gap == 0:
            continue  # a balancing term: part of the leading order
        out.append(CorrectionTerm(
            mechanism.get(t.name, f"subleading term ({t.name})"), POWER, gap, False,
            rf"The {t.name} term at the optimum is $T^{{{sp.latex(sp.factor(t.exponent.subs(sub)))}}}$"
            rf" against the leading $T^{{{sp.latex(lead)}}}$.",
        ))  # fmt: skip
    return out


# -- per phase -------------------------------------------------------------------------------------


def _easy_loss_terms() -> tuple[list[CorrectionTerm], sp.Expr]:
    r = _response()
    laws = derive_scaling_laws()
    d = laws.easy["delta"].expr
    x_star = laws.easy["xi"].expr
    ann = _annealed(r, T, xi, d)
    terms = [_bias_term(r, ann.tau, T), ann.bulk, ann.end]
    lead = -laws.easy["loss_exponent"].expr
    gaps = _gap_terms(terms, lead, {xi: x_star}, {"final noise": "end-of-run boundary layer"})
    end_gap = next(t.omega for t in gaps if t.mechanism == "end-of-run boundary layer")
    discrete = CorrectionTerm(
        "discrete time", POWER, sp.factor(end_gap + x_star), False,
        r"The $\eta^2\lambda^2 c$ term is $\eta\lambda_1 \sim T^{-\xi}$ of the top modes, which carry "
        r"only the end-of-run term.",
    )  # fmt: skip
    return [*gaps, discrete], lead


def _hard_loss_terms() -> list[CorrectionTerm]:
    laws = derive_scaling_laws()
    h = laws.hard
    gap = sp.factor(h["anneal_window_loss_exponent"].expr - h["loss_exponent"].expr)
    source = hard_loss_source()
    layer = next(t for t in _window_boundary_layer() if t.mechanism.startswith("end-of-run"))
    return [
        CorrectionTerm(
            "annealing window (cost and noise)", POWER, gap, False,
            r"The window's balanced cost and noise against the bias of the plateau.",
        ),
        CorrectionTerm(
            "noise against bias", POWER, source.loss_gap, False,
            r"The noise is subleading here: SGD's source $\sigma^2 + L$ moves only the window's "
            r"excess, from $T^{-(b-a)/(2b-1)}$ while $L \ll \sigma^2$ to this exponent while "
            r"$L \gg \sigma^2$ (hard optimal loss against the source, below); no $T^{-p}$.",
        ),
        CorrectionTerm(
            "window boundary layer (on its excess)", POWER, sp.factor(gap + layer.omega), False,
            r"The window's own final stretch, relative to its excess.",
        ),
        CorrectionTerm(
            "discrete time", NONE,
            note=r"$\eta = \eta_{\max}$ on the plateau: $\eta\lambda_1 = O(1)$ changes constants, "
                 r"not exponents.",
        ),
    ]  # fmt: skip


def _window_terms() -> list[CorrectionTerm]:
    w = derive_scaling_laws().hard["anneal_window_exponent"].expr
    return [
        CorrectionTerm(
            "second order of the lost intrinsic time", POWER, sp.factor(1 - w), False,
            r"$(\tau_0 - \tau_1)^{q}$ expanded to first order in $\tau_1/\tau_0 \sim W/T$; the "
            r"next order is smaller by $W/T$.",
        ),
        plateau_deficit().correction_term(CorrectionTerm, DIVIDED),  # theory/_plateau_deficit
    ]  # fmt: skip


@cache
def _window_boundary_layer() -> tuple[CorrectionTerm, ...]:
    """The window balance's subleading terms at the derived width: the window's own end-of-run
    boundary layer (its final stretch, where the kernel argument is O(1), levels off)."""
    from ._asymptotics import _derive_delta, _derive_window

    r = _response()
    d_star, _ = _derive_delta(r)
    cases, _, _, terms = _derive_window(r, d_star)
    w0 = derive_scaling_laws().hard["anneal_window_exponent"].expr
    (case,) = [c for c in cases if c.kind == "balance" and sp.simplify(c.value - w0) == 0]
    return tuple(_gap_terms(terms, case.exponent, {omega: w0},
                            {"window final noise": "end-of-run boundary layer of the window"}))  # fmt: skip


def _window_source_term() -> CorrectionTerm:
    """The noise-against-bias crossover of the window claims, which their readout divides out."""
    return CorrectionTerm(
        "noise against bias", DIVIDED,
        note=r"The source is $\sigma^2 + L$, and the window answers it as $W \propto T^{\omega_0}"
             r"(\sigma^2 + L)^{-\kappa}$ (window source response below): the claim reads "
             r"$W (\sigma^2 + L(T))^{\kappa}$. Over the window the source is $(\sigma^2 + B)$ "
             r"times a function of $(T - t)/W$ ($B$ the bias; the noise the window leaves is "
             r"driven by the same source), and $L(T) = B(1 + O(T^{-(b-a)/(2b-1)}))$: what "
             r"remains is of the window's own order.",
    )  # fmt: skip


def _window_source_residual_term() -> CorrectionTerm:
    """What the readout's division by the source at the end keeps (window source residual)."""
    res = window_source_residual()
    return CorrectionTerm("source at the end against the source over the window", POWER,
                          res.divided, False, res.latex())  # fmt: skip


def _constant_terms() -> list[CorrectionTerm]:
    r = _response()
    z_star = derive_scaling_laws().easy["constant_lr_exponent"].expr
    eta_c = T ** (-zeta)
    tau_T = eta_c * T
    bias = _bias_term(r, tau_T, T)
    kexp = power_exponent(_kernel(r, v), v)
    terms = [bias]
    for _cond, value, where in power_integral(kexp, v, tau_T):
        coef = r.kernel_integral if where == "lower" else _kernel(r, v) / v**kexp
        terms.append(
            PowerLaw.from_expr(r.noise_coef * eta_c * value * coef, T, f"noise ({where} end)")
        )
    lead = bias.exponent.subs(zeta, z_star)
    gaps = _gap_terms(terms, lead, {zeta: z_star},
                      {"noise (upper end)": "noise of the slow modes (upper end)"})  # fmt: skip
    discrete = CorrectionTerm(
        "discrete time", POWER, sp.factor(z_star), False,
        r"The top modes carry the leading noise $\eta\int K$; the $\eta^2\lambda^2 c$ term is "
        r"$\eta\lambda_1 \sim T^{-\zeta}$ of it.",
    )  # fmt: skip
    return [*gaps, discrete]


def _slow_noise_divided(terms: list[CorrectionTerm]) -> list[CorrectionTerm]:
    """The easy constant-rate claims divide the slow modes' noise out (theory._noise_deficit)."""
    slow = "noise of the slow modes (upper end)"
    note = (r"The slow modes' finite-$T$ noise deficit $\Delta = \sum_k s_k q_k^T$ ($s_k$: mode "
            r"$k$'s stationary noise share, $q_k$: its decay factor) enters the tuned balance "
            r"exactly; the claim divides its part of the local slopes out at each tuned rate.")  # fmt: skip
    return [CorrectionTerm(slow, DIVIDED, note=note) if t.mechanism == slow else t
            for t in terms]  # fmt: skip


def _shape_terms(loss_terms: list, common: list) -> list[CorrectionTerm]:
    """The schedule's relative corrections, as corrections of its shape at fixed ``1 - t/T``."""
    lead = r"The shape at fixed $u = 1 - t/T$ carries the schedule's relative correction: "
    return [
        replace(t, note=lead + t.note) if t.form == POWER else t for t in [*loss_terms, *common]
    ]


def _layer_divided(loss_terms: list[CorrectionTerm]) -> list[CorrectionTerm]:
    r"""The easy schedule's corrections as xi's and delta's readouts see them: the end-of-run
    boundary layer divided out (:func:`theory.easy_end_layer`), and the learned modes' noise
    floor, which the loss's balance does not carry (it is a correction of the schedule, not of
    the loss's exponents: :math:`L(t) \ge \eta\sigma^2\sum_k\lambda_k/(2m)` feeds the source)."""
    layer = "end-of-run boundary layer"
    xi_star = derive_scaling_laws().easy["xi"].expr
    out = [CorrectionTerm(layer, DIVIDED, note=r"$\eta = c\,K(2U)^{-1/2}$ exactly (a constant "
                          r"Hamiltonian): the layer shifts the outer power's zero by $D(b)/c$ steps, "
                          r"a function of $\varepsilon = D/(cT) \sim T^{-1/(2a)}$ that the readout "
                          r"divides out at the end rate $\eta(T) = c\,\zeta(2b)^{-1/2}$.")
           if t.mechanism == layer else t for t in loss_terms]  # fmt: skip
    return [*out, CorrectionTerm(
        "noise floor of the learned modes", POWER, sp.factor(xi_star), False,
        r"The modes with $\lambda_k U \gg 1$ sit at their fixed point, so the source is "
        r"$\sigma^2/(1 - S)$, $S \simeq \eta\sum_k\lambda_k/(2m)$, $\eta \sim T^{-\xi}$: xi's "
        r"readout divides it out (its reduced problem, in the paragraph below); delta keeps it.",
    )]  # fmt: skip


def _distinct(terms: list[CorrectionTerm]) -> list[CorrectionTerm]:
    """``terms`` without repeats of a mechanism with the same ``omega`` (the first kept)."""
    seen: dict[tuple, CorrectionTerm] = {}
    for t in terms:
        seen.setdefault((t.mechanism, t.form, sp.simplify(t.omega) if t.omega else None), t)
    return list(seen.values())


def _not_derivable(what: str) -> CorrectionTerm:
    return CorrectionTerm("shape", NOT_DERIVABLE, note=what)


@cache
def derive_corrections() -> dict[str, dict[str, ScalingCorrection]]:
    r"""Derive the correction terms of every exponent, per phase.

    Computed once per process and kept on disk like the scaling laws (``theory._disk``).

    Returns
    -------
    dict
        ``{"easy": {name: ScalingCorrection}, "hard": {...}}`` with ``name`` among
        ``loss_exponent, xi, peak_rate, delta, constant_lr_exponent, constant_lr_loss_exponent,
        power_law_loss_exponent, power_law_gain`` (the tuned power law's loss-exponent gain over
        the tuned constant: both families' corrections) and (hard) ``anneal_window_exponent, anneal_fraction_exponent``.

    Examples
    --------
    >>> c = derive_corrections()["easy"]["loss_exponent"]
    >>> c.leading(3, 2).mechanism, c.leading(3, 2).omega     # the end-of-run boundary layer
    ('end-of-run boundary layer', 1/(2*a))
    """
    from ._disk import load_or_compute

    return load_or_compute("corrections", _derive_corrections)


def _derive_corrections() -> dict[str, dict[str, ScalingCorrection]]:
    """The derivation behind :func:`derive_corrections` (no caching)."""
    laws = derive_scaling_laws()
    out: dict[str, dict[str, ScalingCorrection]] = {"easy": {}, "hard": {}}
    easy_terms, _ = _easy_loss_terms()
    const = _constant_terms()
    delta_nd = _not_derivable(
        r"In the hard phase $\delta$ is the shape of a window whose width scales differently from "
        r"$T$: no correction at fixed $u = 1 - t/T$ is derived. Model-free extrapolation only."
    )
    for phase in ("easy", "hard"):
        ph = getattr(laws, phase)
        p = ph["loss_exponent"].expr
        # the hard phase's noise is subleading: its crossover is in _hard_loss_terms
        common = [*([_crossover(p)] if phase == "easy" else []), _mode_sum(), _finite_n(p)]
        const_cross = _crossover(ph["constant_lr_loss_exponent"].expr)
        loss_terms = easy_terms if phase == "easy" else _hard_loss_terms()
        const_rows = [*const, const_cross]  # easy: the slow modes' noise divided out
        const_rows = _slow_noise_divided(const_rows) if phase == "easy" else const_rows
        # the gain of the tuned power law (eta0 tuned too) is the difference of two slopes:
        # both tuned families' corrections
        gain_terms = (
            _distinct([*_power_law_terms(), _crossover(-power_law_terms()[1].exponent),
                       *const, const_cross])
            if phase == "easy"
            else [_not_derivable(r"The tuned power law's balance is derived against the easy "
                                 r"phase's constant rate only; not derived.")]
        )  # fmt: skip
        rows = {
            "loss_exponent": (p, [*loss_terms, *common]),
            # the schedule's amplitude follows the same balance: the same relative corrections
            "peak_rate": (-ph["xi"].expr if "xi" in ph.exponents else sp.Integer(0),  # hard:
                          [*loss_terms, *common] if phase == "easy"  # the plateau's deficit
                          else plateau_deficit().power_terms(CorrectionTerm, POWER)),
            # read at fixed u = 1 - t/T (easy): the shape carries the schedule's relative
            # corrections (module docstring)
            "delta": (ph["delta"].expr, _shape_terms(_layer_divided(loss_terms), common)
                      if phase == "easy" else [delta_nd]),
            # a constant rate's loss decays as T^-p_c: its own noise-bias crossover
            "constant_lr_exponent": (ph["constant_lr_exponent"].expr, const_rows),
            "constant_lr_loss_exponent": (ph["constant_lr_loss_exponent"].expr, const_rows),
            "power_law_loss_exponent": (ph["power_law_loss_exponent"].expr, [_not_derivable(
                r"The power law with a fixed $\eta_0$: its corrections depend on which $\chi$ "
                r"the prefactors select; not derived.")]),
            "power_law_gain": (tuned_power_law_gain()[0], gain_terms),
        }  # fmt: skip
        if phase == "easy":
            rows["xi"] = (ph["xi"].expr, [*_layer_divided(loss_terms), *common])
        else:
            win = [*_window_terms(), *window_end_layer().correction_terms(  # the layer divided
                ph["anneal_window_exponent"].expr, CorrectionTerm, DIVIDED, POWER),
                _window_source_term(), _window_source_residual_term()]  # fmt: skip
            rows["anneal_window_exponent"] = (ph["anneal_window_exponent"].expr, win)
            frac = plateau_deficit().divided_fraction(win, CorrectionTerm, DIVIDED)  # own eps
            rows["anneal_fraction_exponent"] = (ph["anneal_fraction_exponent"].expr, frac)
        for name, (expr, terms) in rows.items():
            out[phase][name] = ScalingCorrection(name, phase, sp.factor(expr), tuple(terms))
    return out


def corrections_latex() -> str:
    """LaTeX for the report's derivation section: every exponent's corrections, per phase."""
    parts = [
        r"\subsection*{Corrections to scaling}",
        r"Each law holds as $Y = C\,T^{p}(1 + c\,T^{-\omega} + \dots)$; the local slopes approach "
        r"$p$ like $T^{-\omega}$. The exponents $\omega$ below are derived from the subleading "
        r"terms of the same balances ($\sim$: order estimate).",
    ]
    for rows in derive_corrections().values():
        parts.extend(c.latex() for c in rows.values())
    parts += [_feedback_latex(), capped_power_law().latex(), easy_end_layer().latex(),
              noise_floor().latex(), window_source_response().latex(), window_end_layer().latex(),
              hard_loss_source().latex(), window_realised_time().latex(),
              plateau_deficit().latex()]  # fmt: skip
    return "\n".join(parts)


def _feedback_latex() -> str:
    """The constant rate's noise-feedback correction in closed form (:mod:`theory._feedback`)."""
    from ._feedback import derive_feedback_slopes

    f = derive_feedback_slopes()
    return (
        r"\paragraph{The constant rate's noise feedback.} With the loss-proportional noise the "
        r"constant rate's loss is $L = (B(\eta T)^{-\alpha} + \sigma^2 S(\eta))/(1 - S(\eta))$; "
        r"at the tuned rate ($\partial_{\log\eta}\log L = 0$) its local exponents are exact in "
        r"the noise sum $S$ and its derivatives in $\log\eta$: "
        rf"$d\log L^*/d\log T = {sp.latex(f.loss)}$ and $d\log\eta^*/d\log T$ likewise, both "
        rf"$\to {sp.latex(f.limit)}$ as $S \sim \eta^* \sim T^{{-\zeta}}$ vanishes. The "
        r"hard-phase constant-rate claims extrapolate their slopes with this part subtracted."
    )


def _power_law_terms() -> list[CorrectionTerm]:
    r"""The tuned power law's own corrections: every term of its balance in :math:`\mu` below the
    leading order (the bulk noise of the slow modes), and what the rate cap on :math:`\eta_0`
    adds (:func:`theory.capped_power_law`): at fixed :math:`\mu` the leading loss still falls with
    :math:`\chi`, so the tuned :math:`\chi` is not set by the corrections' prefactors (no
    envelope argument): it runs to the first steps' noise or, for :math:`a < 2b`, the cap pins
    :math:`\eta_0` and leaves a logarithmic correction, which the claim's readout subtracts at
    the tuned :math:`\chi_T`; the capped family's own bulk noise is a power."""
    terms, case = power_law_terms()
    mu = case.unknown
    cap = capped_power_law()
    return [
        *_gap_terms(terms, case.exponent, {mu: case.value},
                    {"bulk noise": "noise of the slow modes (upper end)"}),
        CorrectionTerm(
            "rate cap on the base rate (capped power law)", DIVIDED,
            note=rf"Where the tuned $\eta_0$ sits on the stability limit (asymptotically iff "
                 rf"${sp.latex(cap.condition)}$) the local exponent is $-p + "
                 rf"{sp.latex(cap.slope_correction)}$, $\ell = \log T$, "
                 rf"$\sim {sp.latex(cap.leading)}$ with $\chi = p + \kappa/\ell$: a "
                 r"logarithmic correction, subtracted by the readout at the tuned $\chi_T$.",
        ),
        CorrectionTerm(
            "noise of the capped family's bulk (base rate on the cap)", POWER, cap.bulk_gap, False,
            r"With $\eta_0 = \eta_{\max}$ and $\chi = p$: the slow modes' noise for $p < 1/2$, "
            r"the first steps' noise (which the slow modes keep) for $p > 1/2$.",
        ),
    ]  # fmt: skip
