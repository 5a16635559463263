r"""The fitted model's optimal schedule at a new horizon, against the best cosine and WSD.

:func:`recommend` minimises the fitted functional's final loss over schedules that are
piecewise linear between ``n_blocks + 1`` edges after a linear warmup (half uniform, half
geometric in the distance to the end, where the optimum anneals, plus the decay start of the
tuned WSD, so that it is representable; L-BFGS-B from the best of a linear decay and the tuned
cosine and WSD sampled at the edges), bounded by the peak rate ``peak`` (the
continuum functional has no stability limit of its own, so the largest rate the user trusts is
the bound). It tunes a cosine (to zero) and a linear-decay WSD schedule under the same bound and
warmup, and finds the nearest built-in parametric forms to the optimum (least squares in the
rate): ``PolynomialLR``/``optax.polynomial_schedule`` :math:`\eta_0(1 - t/T)^p` and WSD with a
linear or ``1 - sqrt`` decay, each with its predicted loss penalty over the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from theory._checks import check_int, check_real

from ..schedules.export import ExportedSchedule, export_schedule
from ._functional import LossParams, loss_curve, mode_nodes, model_grid, run_grid

__all__ = ["Recommendation", "nearest_forms", "parametric_schedule", "recommend"]


def parametric_schedule(form: str, T: int, peak: float, shape: float, warmup: int = 0):
    """Built-in forms on ``T`` steps after a linear warmup of ``warmup`` steps.

    ``form``: ``poly`` (``peak (1 - t/T)^shape``), ``wsd`` (linear decay over the last
    ``shape * T`` steps), ``wsd_sqrt`` (``1 - sqrt`` decay over them), ``cosine`` (to zero;
    ``shape`` unused).
    """
    t = np.arange(T, dtype=float)
    if form == "poly":
        eta = peak * (1 - t / T) ** shape
    elif form in ("wsd", "wsd_sqrt"):
        d = max(round(shape * T), 1)
        x = np.clip((t - (T - d)) / d, 0, 1)
        eta = peak * (1 - x if form == "wsd" else 1 - np.sqrt(x))
    elif form == "cosine":
        eta = peak * 0.5 * (1 + np.cos(np.pi * t / T))
    else:
        raise ValueError(f"form must be poly, wsd, wsd_sqrt or cosine, got {form!r}")
    if warmup:
        eta[:warmup] = np.minimum(eta[:warmup], peak * (np.arange(warmup) + 1) / warmup)
    return eta


def _blocks(T: int, warmup: int, n: int) -> np.ndarray:
    """Block edges from ``warmup`` to ``T``: half uniform, half geometric toward the end."""
    span = T - warmup
    uni = warmup + np.linspace(0, span, n // 2 + 1)
    geo = T - np.geomspace(span / 2, 1, n - n // 2)
    return np.unique(np.rint(np.concatenate([uni, geo, [T]])).astype(int))


@dataclass(frozen=True)
class Recommendation:
    """Result of :func:`recommend` (losses are the fitted model's predicted final losses)."""

    T: int
    peak: float
    optimal: ExportedSchedule
    optimal_loss: float
    baselines: dict = field(default_factory=dict)
    parametric: dict = field(default_factory=dict)
    success: bool = True
    message: str = ""

    def to_dict(self) -> dict:
        return {
            "T": self.T, "peak": self.peak, "optimal_loss": self.optimal_loss,
            "baselines": self.baselines, "parametric": self.parametric,
            "success": self.success, "message": self.message,
        }  # fmt: skip


def recommend(
    params: LossParams, T: int, peak: float, *, warmup: int = 0, n_blocks: int = 48,
    weight_decay: float | None = None,
) -> Recommendation:  # fmt: skip
    """Optimal schedule of the fitted model at horizon ``T`` with rates ``<= peak``.

    ``weight_decay``: the runs' (``RunFit.wd_ref``), needed by the norm map (``params.norm0``).
    """
    T = check_int("T", T, ge=2)
    peak = check_real("peak", peak, gt=0)
    warmup = check_int("warmup", warmup, ge=0)
    if warmup >= T - 1:
        raise ValueError(f"warmup must be < T - 1 = {T - 1}, got {warmup}")
    nodes = mode_nodes()
    ramp = peak * (np.arange(warmup) + 1) / max(warmup, 1)
    base = _tuned_baselines(params, T, peak, warmup, (nodes, weight_decay))
    kink = T - round(base["wsd"]["frac"] * T)  # the tuned WSD is exactly representable
    edges = np.union1d(_blocks(T, warmup, check_int("n_blocks", n_blocks, ge=2)), [kink])
    steps = np.arange(warmup, T, dtype=float)

    def schedule(x):  # the warmup ramps to the first block's rate, as the baselines' to theirs
        return np.concatenate([ramp * x[0], np.interp(steps, edges, peak * np.asarray(x))])

    def final(x):
        return _loss(params, schedule(x), (nodes, weight_decay))

    starts = [np.clip(1 - (edges - warmup) / (T - warmup), 0.05, 1.0)]
    for b in base.values():  # the tuned families at the edges
        eta_b = parametric_schedule(b["form"], T, b["peak"], b.get("frac", 0.0), warmup)
        starts.append(np.interp(edges, np.arange(T + 1), np.r_[eta_b, 0.0]) / peak)
    x0 = min(starts, key=final)
    res = minimize(final, x0, method="L-BFGS-B", bounds=[(0, 1)] * edges.size)
    eta = schedule(res.x)
    opt = export_schedule(eta, name="optlr optimal", meta={"T": T, "peak": peak})
    L_opt = float(res.fun)
    para = nearest_forms(eta, warmup=warmup, params=params, nodes=nodes, reference_loss=L_opt,
                         weight_decay=weight_decay)  # fmt: skip
    return Recommendation(T, peak, opt, L_opt, base, para, bool(res.success), str(res.message))


def _loss(params, eta, model) -> float:
    """Final loss of ``eta``; ``model`` is ``(mode nodes, weight decay)``."""
    nodes, wd = model
    grid = run_grid(eta, power=params.p)
    if params.norm0 is not None:
        grid = model_grid(eta, grid.t, params, wd)
    return float(loss_curve(params, grid, nodes)[-1])


def _tuned_baselines(params, T, peak, warmup, nodes) -> dict:
    out = {}
    r = minimize_scalar(
        lambda lp: _loss(params, parametric_schedule("cosine", T, peak * 10**lp, 0, warmup), nodes),
        bounds=(-2, 0), method="bounded", options={"xatol": 1e-3},
    )  # fmt: skip
    out["cosine"] = {"form": "cosine", "peak": peak * 10**r.x, "loss": float(r.fun)}
    best = None
    for frac in (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0):
        r = minimize_scalar(
            lambda lp, f=frac: _loss(params, parametric_schedule("wsd", T, peak * 10**lp, f, warmup), nodes),
            bounds=(-2, 0), method="bounded", options={"xatol": 1e-3},
        )  # fmt: skip
        if best is None or r.fun < best[2]:
            best = (frac, peak * 10**r.x, float(r.fun))
    out["wsd"] = {"form": "wsd", "frac": best[0], "peak": best[1], "loss": best[2]}
    return out


#: Shapes scanned for the nearest parametric forms (poly: exponent p; wsd: decay fraction).
SHAPES = {
    "poly": np.round(np.arange(0.1, 5.01, 0.05), 2),
    "wsd": np.round(np.arange(0.02, 1.001, 0.02), 2),
}


def nearest_forms(eta, *, warmup: int = 0, params: LossParams | None = None, nodes=None,
                  reference_loss: float | None = None, weight_decay=None) -> dict:  # fmt: skip
    """Per built-in form (``poly``: torch ``PolynomialLR`` / ``optax.polynomial_schedule``;
    ``wsd``, ``wsd_sqrt``), the shape on the grid ``SHAPES`` and the peak (exact linear least
    squares after the warmup, capped at the schedule's peak) nearest to ``eta``.

    Returns ``form -> {peak, shape, rms}`` (``rms`` relative to the peak); with ``params`` also
    the form's predicted final ``loss`` and its ``penalty`` over ``reference_loss`` (default:
    the predicted loss of ``eta`` itself).
    """
    eta = np.asarray(eta, dtype=float)
    T, peak = eta.size, float(np.max(eta))
    warmup = check_int("warmup", warmup, ge=0)
    if T < 2 or not peak > 0 or warmup >= T - 1:
        raise ValueError(f"eta must have >= 2 steps after warmup {warmup} and a positive peak")
    if params is not None:
        model = (mode_nodes() if nodes is None else nodes, weight_decay)
        if reference_loss is None:
            reference_loss = _loss(params, eta, model)
    out = {}
    post = slice(warmup, T)
    for form, shapes in (("poly", SHAPES["poly"]), ("wsd", SHAPES["wsd"]),
                         ("wsd_sqrt", SHAPES["wsd"])):  # fmt: skip
        best = None
        for shape in shapes:
            f = parametric_schedule(form, T, 1.0, float(shape))[post]
            c = min(float(f @ eta[post]) / float(f @ f), peak)
            rms = float(np.sqrt(np.mean((c * f - eta[post]) ** 2))) / peak
            if best is None or rms < best[2]:
                best = (float(shape), c, rms)
        out[form] = {"peak": best[1], "shape": best[0], "rms": best[2]}
        if params is not None:
            L = _loss(params, parametric_schedule(form, T, best[1], best[0], warmup), model)
            out[form].update(loss=L, penalty=L - reference_loss)
    return out
