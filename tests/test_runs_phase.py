"""The rate power of the functional, the phase from the likelihood of each phase's best fit, and
the ``curves`` section of ``optlr report`` (issue 14)."""

import numpy as np
import pytest

from solvers.cli import main
from solvers.report import CurvesSpec, ReportConfig, build_report, sections_for
from solvers.runs import FitOptions, LossParams, fit_runs, loss_curve, mode_nodes, run_grid
from solvers.runs._phase import effective_count, phase_note, phase_probability
from tests.test_runs import EASY, SPECS, synthetic, write_csv

# -- rate power ------------------------------------------------------------------------------------


def test_rate_power_closed_form_at_constant_rate():
    """Constant rate, no noise: the bias is sum_k k^-a exp(-2 k^-b s eta^p t)."""
    p = LossParams(L_inf=0.0, A=1.0, s=40.0, nu=0.0, a=2.5, b=1.5, p=0.6)
    eta, T = 2e-3, 3000
    k = np.arange(1, 2001.0)
    exact = np.sum(k**-2.5 * np.exp(-2 * k**-1.5 * 40.0 * eta**0.6 * T))
    nodes = mode_nodes(2000, (2000, 1, 1))
    got = loss_curve(p, run_grid(np.full(T, eta), [T], n_grid=5, power=0.6), nodes)[-1]
    assert abs(got / exact - 1) < 1e-12
    linear = np.sum(k**-2.5 * np.exp(-2 * k**-1.5 * 40.0 * eta * T))  # p = 1 read by mistake
    assert abs(linear / exact - 1) > 0.1


def test_rate_power_noise_floor_scales_as_eta_to_the_p():
    """Stationary noise ~ nu s eta^(2p) / (2 s eta^p) per mode: halving the rate divides the
    floor by 2^p (here 2^0.5), not by 2 as for SGD."""
    p = LossParams(L_inf=0.0, A=0.0, s=50.0, nu=3.0, a=2.0, b=1.2, p=0.5)
    nodes = mode_nodes(50, (50, 1, 1))
    floors = [
        loss_curve(p, run_grid(np.full(20000, e), [20000], n_grid=4, power=0.5), nodes)[-1]
        for e in (1e-2, 5e-3)
    ]
    assert abs(floors[0] / floors[1] - 2**0.5) < 1e-3


def test_grid_power_must_match_the_parameters():
    p = LossParams(L_inf=0.0, A=1.0, s=1.0, nu=0.0, a=2.0, b=1.5, p=0.7)
    with pytest.raises(ValueError, match="power=p"):
        loss_curve(p, run_grid(np.full(10, 0.1)))
    with pytest.raises(ValueError, match="p must be"):
        LossParams(L_inf=0.0, A=1.0, s=1.0, nu=0.0, a=2.0, b=1.5, p=0.0)
    with pytest.raises(TypeError, match="fit_power"):
        FitOptions(fit_power=1)


@pytest.mark.slow
def test_fit_recovers_the_rate_power_from_two_base_rates():
    """Runs generated with p = 0.7 at two base rates: the 7-parameter fit finds p, and holding
    p = 1 fits them worse."""
    truth = EASY.replace(p=0.7, s=EASY.s * 1e-3**0.3)  # same model time at lr = 1e-3
    specs = [("cos", 4000, 2e-3), ("cos", 8000, 2e-3), ("wsd", 6000, 1e-3), ("const", 8000, 1e-3)]
    runs = synthetic(truth, specs, noise=3e-4)
    opts = FitOptions(n_boot=0, max_points=20, n_grid=100, min_step=200)
    fit = fit_runs(runs, opts)
    assert abs(fit.params.p - 0.7) < 0.05, fit.params
    held = fit_runs(runs, FitOptions(n_boot=0, max_points=20, n_grid=100, min_step=200,
                                     fit_power=False))  # fmt: skip
    assert held.params.p == 1.0 and held.n_params == 6 and fit.n_params == 7
    assert held.cost > 2 * fit.cost


@pytest.mark.slow
def test_fit_recovers_the_noise_feedback():
    """Runs generated with feedback gain = 100 (p = 1; the loop gain ``gain eta zeta(b) / 2``
    is 0.3 at the larger rate) at two base rates: the fit with ``fit_gain`` finds it within
    20 %, and holding gain = 0 (the real-runs model) fits them at least 2x worse."""
    truth = EASY.replace(gain=100.0)
    specs = [("cos", 4000, 2e-3), ("cos", 8000, 2e-3), ("wsd", 6000, 1e-3), ("const", 8000, 1e-3)]
    runs = synthetic(truth, specs, noise=3e-4)
    base = dict(n_boot=0, max_points=20, n_grid=100, min_step=200, fit_power=False)
    fit = fit_runs(runs, FitOptions(**base, fit_gain=True))
    assert abs(fit.params.gain / 100.0 - 1) < 0.2, fit.params
    assert fit.n_params == 7 and "gain" not in fit.at_bound
    held = fit_runs(runs, FitOptions(**base))
    assert held.params.gain == 0.0 and held.n_params == 6
    assert held.cost > 2 * fit.cost


# -- phase -----------------------------------------------------------------------------------------


def test_phase_probability_is_a_likelihood_ratio():
    assert phase_probability(1.0, 1.0, 30) == 0.5  # equal fits: no information
    p = phase_probability(1.0, 1.2, 10)  # easy fits better
    assert abs(p - 1 / (1 + 1.2**-5)) < 1e-12 and p > 0.5
    assert phase_probability(1.2, 1.0, 10) == pytest.approx(1 - p)
    assert phase_probability(1.0, 1.2, 1000) > 0.999  # more independent residuals: sharper


def test_effective_count_of_white_and_smooth_residuals():
    rng = np.random.default_rng(1)
    white = effective_count([rng.standard_normal(400) for _ in range(3)])
    assert 0.8 * 1200 < white < 1.2 * 1200
    smooth = effective_count([np.sin(np.linspace(0, 3, 60)) for _ in range(3)])
    assert 3 <= smooth < 10  # about one unit per run


def test_phase_note_says_why_not_identified():
    lo, hi = np.array([0, 0, 0, 0, 1.02, 1.02, 0.25]), np.array([9, 4, 4, 4, 8, 8, 1.5])
    x_easy = np.array([2.5, 0, 0, 0, 2.2, 1.4, 1.0])
    x_hard = np.array([2.5, 0, 0, 0, 1.4, 1.41, 1.0])  # on the boundary a = b
    assert phase_note(0.5, x_easy, x_hard, lo, hi).startswith("phase not identified: the two")
    assert phase_note(0.99, x_easy, x_hard, lo, hi) == "easy phase identified (p_easy = 0.99)"
    assert "a = b" in phase_note(0.02, x_easy, x_hard, lo, hi)
    x_easy[5] = 1.02
    assert "b on its bound" in phase_note(0.95, x_easy, x_hard, lo, hi)


# -- report section ----------------------------------------------------------------------------------


def test_curves_section_listed_only_with_curves():
    names = [p.name for p in sections_for(ReportConfig())]
    assert "curves" not in names
    with_curves = ReportConfig(curves=CurvesSpec("llm-curves"))
    assert [p.name for p in sections_for(with_curves)] == [*names, "curves"]
    with pytest.raises(ValueError, match="predict: needs fit"):
        CurvesSpec("x.csv", predict=("r1",))


def test_report_curves_options_need_curves(capsys):
    assert main(["report", "--fit", "r0", "--no-pdf"]) == 2
    assert "--fit: needs --curves" in capsys.readouterr().err


@pytest.mark.slow
def test_report_curves_section_on_synthetic_runs(tmp_path):
    curves, meta = write_csv(tmp_path, synthetic(EASY, SPECS))
    spec = CurvesSpec(str(curves), str(meta), ("r0", "r1", "r2"), ("r3",), boot=0)
    cfg = ReportConfig(curves=spec, sections=("curves",))
    res = build_report(cfg, tmp_path / "rep", compile_pdf=False, progress=False,
                       parallel_figures=False)  # fmt: skip
    assert res.success, res.message
    tex = (tmp_path / "rep" / "report.tex").read_text()
    assert "The theory on real training runs" in tex and "r3" in tex and "p_{\\rm easy}" in tex
    assert (tmp_path / "rep" / "figures" / "curves_fit.pdf").exists()


# -- transfer --------------------------------------------------------------------------------------


def _sweep(loss_of):
    """Cosine runs at three horizons and four rates whose final loss is ``loss_of(lr, T)``."""
    from solvers.runs import Run

    runs = []
    for T in (1000, 2000, 4000):
        for lr in (1e-3, 2e-3, 4e-3, 8e-3):
            meta = {"scheduler": "cos", "iterations": T, "lr": lr, "dataset": "x", "params": 1.0}
            obs = {"val": (np.array([T]), np.array([loss_of(lr, T)]))}
            runs.append(Run(f"T{T}-{lr:g}", np.arange(T), np.full(T, lr), obs, meta))
    return runs


def test_transfer_exponent_of_a_known_optimum_and_refusal_outside_the_sweep():
    from solvers.runs import lr_transfer

    # loss = 1 + (log lr - log lr*)^2 with lr* = 4e-3 (T / 1000)^-0.5: exponent -0.5 exactly
    runs = _sweep(lambda lr, T: 1 + (np.log(lr) - np.log(4e-3 * (T / 1000) ** -0.5)) ** 2)
    rec = lr_transfer(runs, None, "val")["cos"]
    assert rec["n_horizons"] == 3 and abs(rec["exponent"] + 0.5) < 1e-9
    # the best rate is the largest swept at every horizon: no optimum is located, no exponent
    assert lr_transfer(_sweep(lambda lr, T: 1 + (np.log(lr) - np.log(0.1)) ** 2), None, "val") == {}
