"""The block bootstrap of a joint fit (``FitOptions(boot_kind="blocks")``, ``optlr fit
--bootstrap N``): its resampler against closed forms, its block length against the AR(1)
correlation time, and the CLI's JSON (``benchmarks/results/fit.md``, 2026-12-02s21).

The coverage of its intervals where the truth is known is measured by
``benchmarks/fit_bootstrap.py --coverage`` (minutes of CPU), not here."""

import json
from dataclasses import replace

import numpy as np
import pytest

from solvers.cli.main import main
from solvers.runs import FitOptions, RunFit, fit_runs, fit_shared
from solvers.runs._bootstrap import block_length, circular_blocks
from tests.test_runs import EASY, synthetic, write_csv

RHO = 0.9


def _ar1(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = np.empty(n)
    e[0] = rng.standard_normal()
    for k in range(1, n):
        e[k] = RHO * e[k - 1] + np.sqrt(1 - RHO**2) * rng.standard_normal()
    return e


def test_block_length_is_the_ar1_correlation_time():
    """``(1 + rho) / (1 - rho)`` = 19 at rho = 0.9 (a long AR(1) series: within 17..22), 1 for
    white noise; block length 1 would treat the correlated series as white."""
    assert 17 <= block_length(_ar1(40_000, 1)) <= 22
    assert block_length(np.random.default_rng(2).standard_normal(5000)) == 1


def test_circular_blocks_give_the_bartlett_variance_of_the_mean():
    """Closed form: for ``n = k l``, the circular block resample's mean has variance
    ``(1/n) sum_{|h| < l} (1 - |h|/l) c(h)``, ``c`` the sample's circular autocovariance. Measured
    over 4000 resamples (Monte-Carlo error ~2 %) within 8 %; point resampling (``l = 1``) gives
    ``c(0)/n``, 19 times less than this series' long-run variance and 0.09x the ``l = 19``
    value (a wrong resampler fails the first assertion)."""
    r = _ar1(380, 3)
    n, length = r.size, 19
    c = r - r.mean()
    acov = np.array([c @ np.roll(c, -h) / n for h in range(length)])
    bartlett = (acov[0] + 2 * np.sum((1 - np.arange(1, length) / length) * acov[1:])) / n
    rng = np.random.default_rng(4)
    means = [circular_blocks(r, length, rng).mean() for _ in range(4000)]
    assert np.var(means) == pytest.approx(bartlett, rel=0.08)
    points = [circular_blocks(r, 1, rng).mean() for _ in range(4000)]
    assert np.var(points) < 0.2 * bartlett


def test_a_single_run_gets_block_intervals():
    """The run bootstrap has nothing to resample in one run (a warning, no interval); the block
    bootstrap keeps the run and resamples its residuals: refits that differ (a resampler that
    returned the data unchanged would repeat the fit), intervals on ``a`` and ``b``, and
    ``p_easy_boot`` a share of the refits."""
    runs = synthetic(EASY, [("cos", 4000, 1e-3)], noise=5e-4, seed=1)
    opts = FitOptions(n_boot=4, max_points=12, n_grid=30, min_step=200, n_starts=1, fit_power=False)
    with pytest.warns(UserWarning, match="no bootstrap interval"):
        assert not fit_runs(runs, opts).interval
    fit = fit_runs(runs, replace(opts, boot_kind="blocks"))
    assert fit.boot.shape == (4, 10)
    assert np.ptp(fit.boot[:, 0]) > 0 and np.ptp(fit.boot[:, 4]) > 0
    assert {"a", "b"} <= set(fit.interval)
    assert fit.p_easy_boot in {k / 4 for k in range(5)}


def test_json_p_easy_is_the_block_refits_share():
    """With block refits the JSON's ``p_easy`` is their easy share (2 of 3 here) and the
    likelihood's moves to ``p_easy_likelihood``; with run refits ``p_easy`` stays the
    likelihood's. ``bootstrap.b_minus_a_interval`` spans the refits' ``b - a``."""
    rows = np.zeros((3, 10))
    rows[:, 4:6] = [[2.0, 1.5], [1.8, 1.2], [1.5, 2.5]]  # easy, easy, hard
    for kind, want in (("blocks", 2 / 3), ("runs", 0.37)):
        fit = RunFit(EASY, ["r0"], FitOptions(boot_kind=kind), boot=rows, p_easy=0.37)
        d = fit.to_dict()
        assert d["p_easy"] == pytest.approx(want)
        assert d["bootstrap"]["n_easy"] == 2 and d["bootstrap"]["kind"] == kind
        lo, hi = d["bootstrap"]["b_minus_a_interval"]
        assert -0.6 <= lo < -0.5 and 0.9 < hi <= 1.0
    assert d.get("p_easy_likelihood") is None


def test_bad_boot_kind_names_the_argument():
    with pytest.raises(ValueError, match="boot_kind must be one of"):
        FitOptions(boot_kind="points")
    with pytest.raises(ValueError, match="fit_shared resamples runs only"):
        fit_shared({}, FitOptions(boot_kind="blocks"))


def test_cli_bootstrap_json(tmp_path, capsys):
    """``--bootstrap N``: ``model.p_easy`` is the refits' easy share, ``model.bootstrap`` says
    blocks, N and the interval of ``b - a``; ``--boot`` beside it and ``--shared`` fail."""
    specs = [("cos", 3000, 1e-3), ("wsd", 3000, 1e-3)]
    curves, meta = write_csv(tmp_path, synthetic(EASY, specs, noise=5e-4, seed=2, every=300))
    base = ["fit", str(curves), "--runs", str(meta), "--fit", "r0,r1", "--min-step", "200",
            "--no-baselines"]  # fmt: skip
    assert main([*base, "--bootstrap", "3", "--format", "json"]) == 0, capsys.readouterr().err
    m = json.loads(capsys.readouterr().out)["model"]
    boot = m["bootstrap"]
    assert boot["kind"] == "blocks" and boot["n"] == 3
    assert m["p_easy"] == pytest.approx(boot["n_easy"] / 3)
    assert 0.0 <= m["p_easy_likelihood"] <= 1.0
    lo, hi = boot["b_minus_a_interval"]
    assert lo <= hi and boot["b_minus_a"] == pytest.approx(m["b"] - m["a"])
    assert main([*base, "--bootstrap", "3"]) == 0  # text: the bootstrap's line, p_easy's source
    text = capsys.readouterr().out
    assert "p_easy = " in text and "from the block bootstrap" in text
    assert f"block bootstrap: {boot['n_easy']} of 3 refits easy" in text
    assert main([*base, "--bootstrap", "3", "--boot", "2"]) == 2
    assert "--bootstrap: not with --boot" in capsys.readouterr().err
    assert main([*base, "--bootstrap", "3", "--shared"]) == 2
    assert "--bootstrap: not with --shared" in capsys.readouterr().err
