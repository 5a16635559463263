r"""Figure of the momentum-forms study (:class:`solvers.control.momentum_forms.FormExponents`).

Left: :math:`L^*(T)` of SGD and of each momentum form's best schedule, with the derived slopes
(dashed, anchored at the largest horizon) and the study's line :math:`T^{-1.5(a-1)/b}` (dotted).
Right: the controls at the largest horizon against :math:`t/T` — the effective rate of the slow
modes :math:`\eta_t + \gamma_t q_t/(1-\beta_t)` (log scale) and the friction :math:`1-\beta_t`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..control.momentum_forms import derived_exponent
from .figures import new_figure

__all__ = ["momentum_forms_figure"]

#: The study's claimed exponent, as a multiple of (a-1)/b (drawn for comparison only).
STUDY_FACTOR = 1.5
#: Points drawn of a per-step schedule (geometric in t).
SCHEDULE_POINTS = 400
#: Lower limit of the schedule panel (the final annealing runs the rates to ~0).
SCHEDULE_FLOOR = 1e-5


def momentum_forms_figure(fe) -> Figure:
    """Loss against horizon for every form, and the best controls at the largest horizon."""
    fig, (ax, bx) = new_figure(1, 2, width="page", height=2.6)
    T = fe.horizons.astype(float)
    model = fe.model
    for form, fit in fe.fits.items():
        L = fe.losses(form)
        (line,) = ax.plot(T, L, "-o", ms=3, label=rf"{form} ($p = {fit.exponent:.3f}$)")
        p = derived_exponent(form, model)
        if p is not None:
            ax.plot(T, L[-1] * (T / T[-1]) ** (-p), "--", color=line.get_color(), lw=0.8)
    p_study = STUDY_FACTOR * (model.a - 1) / model.b
    L0 = fe.losses("sgd")[-1]
    ax.plot(T, L0 * (T / T[-1]) ** (-p_study), "k:", lw=0.9,
            label=r"study: $T^{-1.5(a-1)/b}$")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"horizon $T$ (steps)")
    ax.set_ylabel(r"test loss $L^*(T)$")
    ax.legend(loc="lower left", fontsize=6)
    Tmax = int(T[-1])
    t = np.unique(np.geomspace(1, Tmax, SCHEDULE_POINTS).astype(int)) - 1
    for form in fe.solves:
        alpha, gamma, beta, q = fe.solves[form][-1].sampled(t, model.eta_max)
        rate = alpha + gamma * q / np.maximum(1.0 - beta, 1e-300)
        (line,) = bx.plot((t + 1) / Tmax, rate, label=rf"{form}: $\eta_{{\rm eff}}$")
        if form != "sgd":
            bx.plot((t + 1) / Tmax, 1.0 - beta, ":", color=line.get_color(), lw=0.8)
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_ylim(bottom=SCHEDULE_FLOOR)
    bx.set_xlabel(r"training fraction $t/T$")
    bx.set_ylabel(r"$\eta_{\rm eff}$ (solid), $1-\beta_t$ (dotted)")
    bx.set_title(rf"$T = {Tmax}$", fontsize=8)
    bx.legend(loc="best", fontsize=6)
    return fig
