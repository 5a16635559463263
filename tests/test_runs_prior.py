"""The leave-one-family-out empirical-Bayes prior of the fit (``FitOptions.prior``)."""

from dataclasses import replace
from statistics import mean, stdev

import numpy as np
import pytest

from solvers.runs import (
    FitOptions,
    ParamPrior,
    RunSet,
    fit_and_predict,
    fit_runs,
    fit_shared,
    leave_one_out,
    predict_run,
    prior_from_fits,
)
from tests.test_runs import HARD, synthetic

OPTS = FitOptions(n_boot=0, max_points=12, n_grid=40, min_step=200, fit_power=False, n_starts=2)
#: Cosine runs at one base rate (the real runs' cos-to-wsd case): the model time per step ``s``
#: is poorly pinned (fitted alone it lands at 18 against the true 50).
COSINE = [("cos", 3000, 1e-3), ("cos", 6000, 1e-3)]
NAMES = ("L_inf", "A", "s", "nu", "a", "b")
#: The prior's spread per name, in its coordinate (log10 for A, s, nu).
SPREAD = {"L_inf": 0.05, "A": 0.1, "s": 0.15, "nu": 0.15, "a": 0.1, "b": 0.2}
LOGS = {"A", "s", "nu"}


def _others(truth, family="other") -> dict:
    """Three other families' fits at the truth minus, at and plus one spread in every
    coordinate: the prior's mean is the truth and its spread (ddof = 1) ``SPREAD``."""
    fits = {}
    for k, sign in enumerate((-1.0, 0.0, 1.0)):
        model = {}
        for n in NAMES:
            v, d = getattr(truth, n), sign * SPREAD[n]
            model[n] = v * 10**d if n in LOGS else v + d
        fits[(family, k)] = {**model, "fit_runs": [f"{family}{k}-r0"]}
    return fits


def test_leave_one_out_takes_every_other_family_and_never_its_own():
    """The prior of a family is the mean and sample spread of the OTHER families' fits (an
    independent computation with ``statistics``); its own fit, far off, must not move it."""
    fits = _others(HARD)
    fits[("syn", 1.0)] = {n: 100.0 for n in NAMES} | {"fit_runs": ["r0", "r1"]}
    prior = leave_one_out(fits, ("syn", 1.0), NAMES)
    assert ("syn", 1.0) not in prior.families and len(prior.families) == 3
    assert "r0" not in prior.run_ids and "other0-r0" in prior.run_ids
    for n, m, s in zip(prior.names, prior.mean, prior.sd, strict=True):
        col = [np.log10(f[n]) if n in LOGS else f[n] for k, f in fits.items() if k[0] == "other"]
        assert m == pytest.approx(mean(col), abs=1e-12) and s == pytest.approx(stdev(col), rel=1e-9)
        assert s == pytest.approx(SPREAD[n], rel=1e-9)
    # a prior that included the family's own fit would have its mean moved by ~25 (L_inf)
    assert prior_from_fits(fits, NAMES).mean[0] > 20


def test_a_prior_from_the_fitted_or_predicted_family_is_refused():
    """Runs of a family that built the prior cannot be fitted or predicted with it."""
    runs = synthetic(HARD, [*COSINE, ("wsd", 6000, 5e-4)], noise=0, seed=3)  # family ("syn", 1.0)
    own = prior_from_fits({**_others(HARD), ("syn", 1.0): {n: 1.5 for n in NAMES}}, NAMES)
    with pytest.raises(ValueError, match=r"run 'r0' .* one of the prior's sources"):
        fit_runs(runs[:2], replace(OPTS, prior=own))
    # fitted runs of another family, the predicted run of a source family
    other = [r.__class__("x" + r.id, r.sched_step, r.sched_lr, r.observed,
                         {**r.meta, "dataset": "new"}) for r in runs[:2]]  # fmt: skip
    rs = RunSet({r.id: r for r in [*other, runs[2]]})
    with pytest.raises(ValueError, match="--predict: run 'r2'"):
        fit_and_predict(rs, ["xr0", "xr1"], ["r2"], replace(OPTS, prior=own), baselines=())


def test_prior_input_errors():
    with pytest.raises(ValueError, match="names must be distinct names"):
        ParamPrior(("a", "c"), (1.0, 1.0), (1.0, 1.0))
    with pytest.raises(ValueError, match="sd must be > 0"):
        ParamPrior(("a",), (1.0,), (0.0,))
    with pytest.raises(ValueError, match="mean must hold 1 finite"):
        ParamPrior(("a",), (np.nan,), (1.0,))
    with pytest.raises(ValueError, match="at least 2 families"):
        prior_from_fits({("d", 1): {"a": 1.5}}, ("a",))
    with pytest.raises(ValueError, match="fits: a fit has s = -1"):
        prior_from_fits({("d", 1): {"s": -1.0}, ("d", 2): {"s": 1.0}}, ("s",))
    with pytest.raises(TypeError, match="prior must be a ParamPrior"):
        FitOptions(prior={"a": 1.0})
    runs = synthetic(HARD, COSINE, noise=0, seed=3)
    norm0 = ParamPrior(("norm0",), (-3.0,), (0.2,), frozenset({("d", 1)}))
    with pytest.raises(ValueError, match=r"options.prior names \['norm0'\], held"):
        fit_runs(runs, replace(OPTS, prior=norm0))
    with pytest.raises(ValueError, match="fit_shared takes no prior"):
        fit_shared({"x": runs[:1], "y": runs[1:]}, replace(OPTS, prior=norm0))


@pytest.fixture(scope="module")
def cosine_fit():
    runs = synthetic(HARD, COSINE, noise=3e-4, seed=1)
    return runs, fit_runs(runs, replace(OPTS, prior=prior_from_fits(_others(HARD), NAMES)))


def test_prior_recovers_the_scale_cosine_runs_do_not_pin(cosine_fit):
    """Runs of the functional, hard point, cosine runs at one rate: without the prior the model
    time per step ``s`` is off by > 0.3 decades (measured 0.44); with the other families'
    prior (mean at the truth, spread 0.15 decades) it is within 0.1 (measured 0.05), and the
    held-out WSD run at half the rate is predicted at least twice as well."""
    _, fit = cosine_fit
    assert fit.base is not None and fit.base.base is None
    assert abs(np.log10(fit.base.params.s / HARD.s)) > 0.3
    assert abs(np.log10(fit.params.s / HARD.s)) < 0.1
    held = synthetic(HARD, [("wsd", 6000, 5e-4)], noise=0, seed=2)[0]
    steps, obs = held.losses("val")
    err = {k: abs(predict_run(f, held, steps[-1:])[1][0] / obs[-1] - 1)
           for k, f in (("prior", fit), ("none", fit.base))}  # fmt: skip
    assert err["prior"] < 0.5 * err["none"], err


def test_prior_weight_is_the_base_fits_residual_scale(cosine_fit):
    """The prior's part of each phase's sum is ``sigma^2 sum z^2`` with ``sigma^2 = R_0 /
    n_eff`` of the fit without it, recomputed here from the reported parameters (a wrong
    coordinate or weight fails); the first stage is the plain fit of the same runs."""
    runs, fit = cosine_fit
    base = fit.base
    sigma2 = min(base.phase_rss.values()) / base.n_eff
    prior = fit.options.prior
    for phase, row in fit.phase_params.items():
        x = [np.log10(v) if n in LOGS else v
             for n, v in zip(("L_inf", "A", "s", "nu", "a", "b"), row[:6], strict=True)]  # fmt: skip
        z = (np.array(x) - np.array(prior.mean)) / np.array(prior.sd)
        assert fit.prior_penalty[phase] == pytest.approx(sigma2 * np.sum(z**2), rel=1e-6)
    plain = fit_runs(runs, OPTS)
    assert plain.params == base.params and plain.p_easy == base.p_easy
    d = fit.to_dict()
    assert d["without_prior"]["s"] == base.params.s and d["prior"]["families"]
