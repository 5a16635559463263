r"""Fit on some runs, predict others, score the theory against the empirical laws.

:func:`fit_and_predict` is what ``optlr fit`` computes: the theory's joint fit
(:func:`fit_runs`), its prediction of every held-out run's loss at its last observed step (or
its last logged step when it has no losses), the relative errors, the same for each baseline of
:mod:`._laws` fitted on the same runs, and learning-rate transfer (:func:`lr_transfer`) where the
runs sweep the base rate.

Learning-rate transfer: for each schedule family and horizon with at least three base rates,
the final loss is fitted by a parabola in :math:`\log\eta_0` whose vertex is the optimal base
rate (standard error by the delta method; a horizon whose vertex lies outside the swept rates
is left out: the sweep does not bracket its optimum); over two or more horizons, the slope of
:math:`\log\eta_0^*` against :math:`\log T` (weighted least squares) is the transfer exponent.
The fitted theory's exponent is computed the same way from its predicted losses on the same
schedules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._data import Run, RunSet
from ._fit import PARAM_NAMES, FitOptions, RunFit, fit_runs
from ._laws import LAWS, fit_law, naive_final
from ._predict import predict_run
from ._shared import SharedFit, fit_shared, sharing_test

__all__ = [
    "FitReport", "SharedReport", "fit_and_predict", "fit_and_predict_shared", "lr_transfer",
    "schedule_family",
]  # fmt: skip


def schedule_family(run: Run) -> str:
    """``cos``, ``wsd``, ``constant`` (a WSD run with no decay) or ``unknown``, from metadata."""
    kind = str(run.meta.get("scheduler", "unknown")) or "unknown"
    if kind.startswith("wsd") and run.meta.get("wsd_fract_decay") == 0:
        return "constant"
    return kind


def _target(run: Run, split: str) -> tuple[int, float | None]:
    steps, loss = run.losses(split)
    if steps.size:
        return int(steps[-1]), float(loss[-1])
    return int(run.sched_step[-1]), None


def _errors(pairs) -> dict:
    rel = [abs(p / o - 1) for p, o in pairs if o is not None and p is not None]
    if not rel:
        return {"mean_rel": None, "max_rel": None, "n": 0}
    return {"mean_rel": float(np.mean(rel)), "max_rel": float(np.max(rel)), "n": len(rel)}


@dataclass(frozen=True)
class FitReport:
    """Result of :func:`fit_and_predict` (``to_dict`` is the JSON of ``optlr fit``)."""

    fit: RunFit
    predictions: list
    error: dict
    baselines: dict
    transfer: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        model = self.fit.to_dict()
        return {
            "model": model,
            "predictions": self.predictions,
            "error": {k: self.error[k] for k in ("mean_rel", "max_rel")},
            "baselines": {
                k: {"mean_rel": v["mean_rel"], "max_rel": v["max_rel"], "n_params": v["n_params"]}
                for k, v in self.baselines.items()
            },
            "transfer": self.transfer,
        }


def _baselines(fit_runs_, targets, options, laws) -> dict:
    out = {}
    for name in laws:
        law = fit_law(name, fit_runs_, options)
        pairs = [(float(law.predict(r, [s])[0]), o) for r, s, o in targets]
        out[name] = {**_errors(pairs), "n_params": law.n_params, "success": law.success}
    pairs = [(naive_final(r, fit_runs_, options.split), o) for r, _, o in targets]
    out["naive"] = {**_errors(pairs), "n_params": 0, "success": True}
    return out


def fit_and_predict(
    runs: RunSet, fit_ids, predict_ids=(), options: FitOptions | None = None, *,
    baselines=tuple(LAWS), transfer: bool = True, fit: RunFit | None = None,
) -> FitReport:  # fmt: skip
    """Fit the theory (and the baselines) on ``fit_ids``; predict ``predict_ids``.

    Parameters
    ----------
    runs : RunSet
    fit_ids, predict_ids : sequence of str
        Run ids (unknown ids raise :class:`RunsDataError` naming ``--fit``/``--predict``).
    options : FitOptions
    baselines : sequence of str
        Empirical laws to fit and score (keys of ``LAWS``); the naive predictor is always scored.
    transfer : bool
        Measure learning-rate transfer where the runs sweep the base rate.
    fit : RunFit, optional
        A fit already made on ``fit_ids`` (one size of :func:`fit_shared`); default: fitted here.
    """
    opts = FitOptions(split=runs.default_split()) if options is None else options
    fitted = runs.select(fit_ids, argument="--fit")
    held = runs.select(predict_ids, argument="--predict")
    if opts.prior is not None:
        opts.prior.check_runs(held, "--predict")
    fit = fit_runs(fitted, opts) if fit is None else fit
    targets = [(r, *_target(r, opts.split)) for r in held]
    preds = []
    for r, step, obs in targets:
        _, p, band = predict_run(fit, r, [step])
        rec = {"run": r.id, "step": step, "predicted": float(p[0]), "observed": obs}
        if band is not None:
            rec["interval"] = [float(band[0][0]), float(band[1][0])]
        preds.append(rec)
    error = _errors([(p["predicted"], p["observed"]) for p in preds])
    base = _baselines(fitted, targets, opts, baselines) if held else {}
    tr = lr_transfer(list(fitted) + list(held), fit, opts.split) if transfer else {}
    return FitReport(fit, preds, error, base, tr)


@dataclass(frozen=True)
class SharedReport:
    """Result of :func:`fit_and_predict_shared` (``to_dict`` is the JSON of ``optlr fit
    --shared``: the keys of :class:`FitReport`'s, ``model`` the shared fit's with each size's
    parameters under ``sizes``, plus ``sharing``, the likelihood-ratio test of :func:`sharing_test`).
    """

    shared: SharedFit
    reports: dict
    sharing: dict

    def to_dict(self) -> dict:
        preds = [p for r in self.reports.values() for p in r.predictions]
        error = _errors([(p["predicted"], p["observed"]) for p in preds])
        baselines = {}
        for name in sorted({n for r in self.reports.values() for n in r.baselines}):
            parts = [r.baselines[name] for r in self.reports.values() if name in r.baselines]
            n = sum(b["n"] for b in parts)
            baselines[name] = {
                "mean_rel": sum(b["mean_rel"] * b["n"] for b in parts if b["n"]) / n if n else None,
                "max_rel": max((b["max_rel"] for b in parts if b["n"]), default=None),
                "n_params": parts[0]["n_params"],
            }  # fmt: skip
        transfer = {f"{key} {kind}": v for key, r in self.reports.items()
                    for kind, v in r.transfer.items()}  # fmt: skip
        return {"model": self.shared.to_dict(), "predictions": preds,
                "error": {k: error[k] for k in ("mean_rel", "max_rel")}, "baselines": baselines,
                "transfer": transfer, "sharing": self.sharing}  # fmt: skip


def fit_and_predict_shared(
    runs: RunSet, fit_ids, predict_ids=(), options: FitOptions | None = None, *,
    baselines=tuple(LAWS), transfer: bool = True,
) -> SharedReport:  # fmt: skip
    """:func:`fit_and_predict` with ``(a, b)`` shared by the model sizes of the fitted runs.

    The ``fit_ids`` are grouped by model size (``Run.family``: data set and parameter count;
    at least two sizes); one :func:`fit_shared` fit, and each size fitted alone for the
    likelihood-ratio test of sharing (``SharedReport.sharing``). A held-out run is predicted
    with its own size's parameters, and the baselines are fitted per size on the same runs.
    """
    opts = FitOptions(split=runs.default_split()) if options is None else options
    fitted = runs.select(fit_ids, argument="--fit")
    held = runs.select(predict_ids, argument="--predict")
    groups: dict = {}
    for r in fitted:
        groups.setdefault(r.family, []).append(r)
    if len(groups) < 2:
        raise ValueError(
            f"--shared: the --fit runs are of {len(groups)} model size (dataset, params) "
            f"{list(groups)}; sharing (a, b) needs runs of two or more"
        )
    orphan = [r.id for r in held if r.family not in groups]
    if orphan:
        raise ValueError(
            f"--predict: run {orphan[0]!r} is of a model size with no --fit run "
            f"({runs[orphan[0]].family}); --shared predicts a run with its own size's fit"
        )
    joint = fit_shared(groups, opts)
    apart = [fit_runs(v, opts) for v in groups.values()]
    test = sharing_test(min(joint.phase_rss.values()), [min(f.phase_rss.values()) for f in apart],
                        joint.n_eff)  # fmt: skip
    reports = {
        str(key): fit_and_predict(
            runs, [r.id for r in v], [r.id for r in held if r.family == key], opts,
            baselines=baselines, transfer=transfer, fit=joint.fits[key],
        )
        for key, v in groups.items()
    }  # fmt: skip
    return SharedReport(joint, reports, test)


def _vertex(log_lr: np.ndarray, loss: np.ndarray) -> tuple[float, float] | None:
    """Vertex of the least-squares parabola through ``(log_lr, loss)`` and its standard error."""
    if np.unique(log_lr).size < 3:
        return None
    X = np.column_stack([np.ones_like(log_lr), log_lr, log_lr**2])
    coef, *_ = np.linalg.lstsq(X, loss, rcond=None)
    _, c1, c2 = coef
    if c2 <= 0:
        return None  # no minimum inside the sweep
    x = -c1 / (2 * c2)
    if not log_lr.min() < x < log_lr.max():
        return None  # the vertex is an extrapolation: the sweep does not bracket the optimum
    dof = max(loss.size - 3, 1)
    s2 = float(np.sum((X @ coef - loss) ** 2)) / dof
    cov = s2 * np.linalg.pinv(X.T @ X)
    grad = np.array([0.0, -1 / (2 * c2), c1 / (2 * c2**2)])
    return float(x), float(np.sqrt(max(grad @ cov @ grad, 0.0)))


def _slope(logT, x, se) -> dict:
    w = 1.0 / np.maximum(np.asarray(se), 1e-6) ** 2
    X = np.column_stack([np.ones_like(logT), logT])
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    coef = cov @ X.T @ (w * x)
    return {"exponent": float(coef[1]), "stderr": float(np.sqrt(cov[1, 1])), "n_horizons": len(x)}


def lr_transfer(runs, fit: RunFit | None, split: str) -> dict:
    """Transfer exponent of the optimal base rate per schedule family (see the module docstring).

    Returns ``family -> {exponent, stderr, n_horizons, theory_exponent}``; families without
    three base rates at two or more horizons are left out.
    """
    groups: dict = {}
    for r in runs:
        step, obs = _target(r, split)
        lr = r.meta.get("lr", float(np.max(r.sched_lr)))
        key = (r.family, schedule_family(r))
        groups.setdefault(key, {}).setdefault(r.horizon, []).append((lr, r, step, obs))
    out = {}
    for (_, kind), by_T in groups.items():
        rows, theory = [], []
        for T, items in sorted(by_T.items()):
            items = [it for it in items if it[3] is not None]
            x = np.log([it[0] for it in items])
            v = _vertex(x, np.array([it[3] for it in items]))
            if v is None:
                continue
            rows.append((np.log(T), *v))
            if fit is not None:
                pred = [predict_run(fit.params, it[1], [it[2]])[1][0] for it in items]
                tv = _vertex(x, np.array(pred))
                theory.append((np.log(T), *(tv if tv else (np.nan, np.nan))))
        if len(rows) >= 2:
            a = np.array(rows)
            rec = _slope(a[:, 0], a[:, 1], a[:, 2])
            t = np.array(theory) if theory else None
            ok = t is not None and np.all(np.isfinite(t[:, 1]))
            rec["theory_exponent"] = float(np.polyfit(t[:, 0], t[:, 1], 1)[0]) if ok else None
            out[kind] = rec
    return out


#: Keys of the fitted model in the JSON (the six parameters and their intervals).
MODEL_KEYS = (*PARAM_NAMES, "interval", "phase", "p_easy")
