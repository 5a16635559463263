r"""The hard optimal loss with the window's derived excess divided out before it is extrapolated.

In the hard phase the optimal loss is the bias of a plateau at the rate cap,
:math:`B \propto T^{-p}`, plus the relative excess :math:`\varphi` of the final annealing window
(its lost intrinsic time and the noise it leaves). With SGD's source :math:`\sigma^2 + L` the
excess decays as :math:`T^{-g(e)}` and the loss's local exponent is
:func:`theory.hard_loss_source`'s :math:`s(f, \ell)`, :math:`f = 1 - B_{\rm cap}/L^*` the
excess's share of the loss and :math:`\ell = L/(\sigma^2 + L)` the loss's share of the source.
Near ``a = 1`` the excess decays slowly (:math:`f` = 0.03 at ``T = 1e4`` at (1.2, 4), 0.04 at
``1e7`` at (1.2, 1.7)) and steepens the raw slopes by 0.008-0.01 at the default horizons. The
claims divide the derived correction :math:`s(f, \ell) + p` out (trapezoid in :math:`\log T`, as
the constant-rate claims do) and extrapolate what remains with every derived correction of the
loss: the formula holds the excess's asymptotic decay, and at reachable ``T`` the window's own
corrections leave 20-40 % of it (benchmarks/results/claims.md, 2026-11-30e), a residual of the
same form. :math:`B_{\rm cap}` is the model's own noiseless loss at the constant rate
``eta_upper`` of the solve, on its mode quadrature: computed, not fitted.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from theory import PLRFModel, derive_scaling_laws, hard_loss_source

from ..analysis.extrapolate import remove_slope_correction
from ..dynamics.continuum import mode_quadrature, noiseless_constant_loss

__all__ = ["checked_excess_correction", "divide_out_excess", "excess_correction", "plateau_bias"]

#: Relative slack of the bound L* >= B_cap (quadrature and solver round-off).
EXCESS_RTOL = 1e-9
#: Least ratio of the excess's measured decay to the derived one over the last horizons for the
#: division to apply (on real optima 0.72-0.86 at (1.2, 1.7) and (1.2, 4), not explained;
#: benchmarks/results/claims.md, 2026-11-30e). Below it the excess does not vanish
#: as derived and the raw slopes are extrapolated: a loss that decays slower than the plateau's
#: bias then disagrees rather than being divided into an arbitrary value.
EXCESS_DECAY_FRACTION = 0.5
#: Options of the continuum solver that fix its mode quadrature.
QUADRATURE_OPTIONS = ("exact_modes", "bins_per_decade", "points_per_bin")


def plateau_bias(model: PLRFModel, res, T: float, solver_options: dict | None = None) -> float:
    r"""The noiseless loss after ``T`` steps at the solve's rate cap ``eta_upper``,
    :math:`\sum_k w_k \lambda_k c_k(0)\,\rho_k^{T}`, on the solve's mode quadrature
    (:math:`\rho_k = (1 - \eta\lambda_k)^2` for the discrete-corrected dynamics,
    :math:`e^{-2\eta\lambda_k}` for the continuous one); ``nan`` for a result without them."""
    d = getattr(res, "diagnostics", None) or {}
    if "eta_upper" not in d or "dynamics" not in d:
        return math.nan
    opts = tuple(
        sorted((k, v) for k, v in (solver_options or {}).items() if k in QUADRATURE_OPTIONS)
    )
    return noiseless_constant_loss(_quadrature(model, opts), d["eta_upper"], T, d["dynamics"])


@functools.lru_cache(maxsize=8)
def _quadrature(model: PLRFModel, opts: tuple):
    """The solve's mode quadrature, built once for every horizon of a sweep."""
    return mode_quadrature(model, **dict(opts))


def excess_correction(model: PLRFModel, losses, biases) -> np.ndarray:
    r"""The derived excess's part of the loss's local exponent at each horizon,
    :math:`s(f, \ell) + p` (:func:`theory.hard_loss_source`; ``<= 0``)."""
    h = hard_loss_source()
    p = float(derive_scaling_laws().hard["loss_exponent"].expr.subs(model.subs()))
    L = np.asarray(losses, float)
    f = 1.0 - np.asarray(biases, float) / L
    ell = L / (model.sigma**2 + L)
    return np.array(
        [h.slope_at(model.a, model.b, fi, li) + p for fi, li in zip(f, ell, strict=True)]
    )


def divide_out_excess(
    model: PLRFModel, Ts, sol: dict, ys, diag: dict, solver_options=None, tail: float = 0.0
):
    """``ys`` (the optimal losses at ``Ts``) with the derived excess correction divided out
    (hard phase; otherwise, or without the solve's rate cap, unchanged). ``tail``: what ``ys``
    add to the solve's own losses (the unlearned modes' ``model.tail_loss``), added to the
    plateau's bias alike. Records the excess's share of the loss,
    ``excess_fraction``, the correction and the raw values in ``diag``."""
    if model.phase != "hard" or len(Ts) < 2:
        return list(ys)
    biases = [plateau_bias(model, sol[T], T, solver_options) + tail for T in Ts]
    corr = checked_excess_correction(model, Ts, ys, biases, diag)
    if corr is None:
        return list(ys)
    diag["uncorrected_y"] = list(ys)
    return remove_slope_correction(Ts, ys, corr).tolist()


def checked_excess_correction(model: PLRFModel, Ts, ys, biases, diag: dict) -> np.ndarray | None:
    """:func:`excess_correction` of the losses ``ys`` over the plateau's ``biases`` at ``Ts``, or
    ``None`` where it does not apply (a bias not finite and positive; a loss below its bias; an
    excess that does not decay as derived, :func:`_excess_not_decaying`: the reason is in
    ``diag["excess_not_divided"]``). Records ``excess_fraction`` and ``excess_correction``."""
    if not all(math.isfinite(x) and x > 0 for x in biases):
        return None
    # no schedule under the cap has less bias, and the noise is >= 0: L* >= B_cap
    if any(y < B * (1 - EXCESS_RTOL) for y, B in zip(ys, biases, strict=True)):
        diag["excess_not_divided"] = "a loss below the plateau's bias: not an optimum under the cap"
        return None
    corr = excess_correction(model, ys, biases)
    f = 1.0 - np.divide(biases, ys)
    if (why := _excess_not_decaying(Ts, f, corr)) is not None:
        diag["excess_not_divided"] = why
        return None
    diag.update(excess_fraction=f.tolist(), excess_correction=corr.tolist())
    return corr


def _excess_not_decaying(Ts, f, corr) -> str | None:
    r"""Why the division does not apply (``None``: it does): the excess
    :math:`\varphi = f/(1 - f)` must decay over the last three horizons at least
    :data:`EXCESS_DECAY_FRACTION` as fast as derived, :math:`d\log\varphi/d\log T = (s + p)/f`
    (to first order in the excess)."""
    if not np.all((f >= 0) & (f < 1)):
        return "an excess share outside [0, 1)"
    phi = f / (1 - f)
    k = slice(max(0, len(Ts) - 3), len(Ts))
    x = np.log(np.asarray(Ts, float)[k])
    measured = float(np.polyfit(x, np.log(np.maximum(phi[k], 1e-300)), 1)[0]) if x.size > 1 else 0.0
    derived = float(np.mean(corr[k] / np.maximum(f[k], 1e-300)))
    if not measured <= EXCESS_DECAY_FRACTION * derived:
        return (f"the excess over the plateau's bias decays as T^{measured:.3g} over the last "
                f"horizons, the derived balance has T^{derived:.3g}")  # fmt: skip
    return None
