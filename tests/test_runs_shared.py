"""The joint fit of several model sizes with ``(a, b)`` shared (``solvers.runs.fit_shared``)."""

import json

import pytest

from solvers.cli import main
from solvers.cli.fit import _shared_text
from solvers.runs import FitOptions, Run, fit_shared, predict_run
from tests.test_runs import HARD, synthetic

SPECS = [("cos", 4000, 1e-3), ("wsd", 6000, 1e-3), ("const", 8000, 5e-4)]
OPTS = FitOptions(n_boot=0, max_points=12, n_grid=40, min_step=200, fit_power=False, n_starts=2)
#: A second model size: its own time scale, noise level and irreducible loss.
LARGE = HARD.replace(s=3 * HARD.s, nu=0.5 * HARD.nu, L_inf=2.2)


def _sized(params, tag: str, seed: int) -> list[Run]:
    runs = synthetic(params, SPECS, noise=3e-4, seed=seed)
    return [Run(tag + r.id, r.sched_step, r.sched_lr, r.observed, r.meta) for r in runs]


@pytest.fixture(scope="module")
def consistent():
    groups = {"small": _sized(HARD, "S", 1), "large": _sized(LARGE, "L", 2)}
    return groups, fit_shared(groups, OPTS)


def test_shared_fit_recovers_a_and_b_common_to_two_sizes(consistent):
    """Two sizes of the functional with the same (a, b) = (1.4, 2.2) and different s, nu,
    L_inf: one (a, b) for both, within 0.1 of the truth, the hard phase, each size's own
    L_inf; 2 + 2 x 4 parameters (p held)."""
    groups, fit = consistent
    small, large = fit.fits["small"].params, fit.fits["large"].params
    assert (small.a, small.b) == (large.a, large.b) == (fit.a, fit.b)
    assert abs(fit.a - HARD.a) < 0.1 and abs(fit.b - HARD.b) < 0.1, (fit.a, fit.b)
    assert fit.phase == "hard" and fit.p_easy < 0.1 and fit.n_params == 10
    assert abs(small.L_inf - HARD.L_inf) < 0.02 and abs(large.L_inf - LARGE.L_inf) < 0.02
    # each size predicts its own runs from its own parameters
    run = groups["large"][-1]
    steps, obs = run.losses("val")
    pred = predict_run(fit.fits["large"], run, steps[-1:])[1]
    assert abs(pred[0] / obs[-1] - 1) < 2e-3


def test_sizes_with_different_b_do_not_fit_one_shared_b(consistent):
    """A wrong answer: the large size generated with b = 1.6 instead of 2.2. Sharing b must then
    cost: the joint residual sum is at least 5x that of the consistent sizes."""
    groups, fit = consistent
    wrong = {"small": groups["small"], "large": _sized(LARGE.replace(b=1.6), "M", 2)}
    assert fit_shared(wrong, OPTS).cost > 5 * fit.cost


def test_shared_fit_input_errors():
    runs = _sized(HARD, "S", 1)
    with pytest.raises(ValueError, match="at least two sizes"):
        fit_shared({"small": runs}, OPTS)
    with pytest.raises(ValueError, match="at least two sizes"):
        fit_shared({"small": runs, "large": []}, OPTS)
    with pytest.raises(ValueError, match="n_modes"):
        fit_shared({"small": runs[:1], "large": runs[1:]}, OPTS, n_modes={"huge": 10})


# -- optlr fit --shared ------------------------------------------------------------------------


def _write_sizes(tmp_path, groups: dict) -> tuple:
    """CSV files of ``optlr fit`` for runs of several sizes (``params`` = the size key)."""
    curves, meta = tmp_path / "curves.csv", tmp_path / "runs.csv"
    rows, metas = ["run,step,lr,loss"], ["run,dataset,params,scheduler,lr,iterations"]
    for size, runs in groups.items():
        for r in runs:
            obs = dict(zip(*(x.tolist() for x in r.losses("val")), strict=True))
            for s in range(0, r.horizon, 50):
                rows.append(f"{r.id},{s},{r.sched_lr[s]:.9g},{obs.get(s, '')}")
            rows += [f"{r.id},{s},{r.sched_lr[min(s, r.horizon - 1)]:.9g},{v:.9g}"
                     for s, v in obs.items() if s % 50 or s >= r.horizon]  # fmt: skip
            metas.append(f"{r.id},syn,{size},{r.meta['scheduler']},{r.meta['lr']},{r.horizon}")
    curves.write_text("\n".join(rows) + "\n")
    meta.write_text("\n".join(metas) + "\n")
    return str(curves), str(meta)


def test_cli_fit_shared_input_errors(tmp_path, capsys):
    """``--shared`` needs fitted runs of two sizes, a predicted run of a fitted size, and takes
    no ``--recommend``; each a one-line error naming the flag, before any fit."""
    groups = {1e6: _sized(HARD, "S", 1), 4e6: _sized(LARGE, "L", 2), 9e6: _sized(HARD, "X", 3)}
    curves, meta = _write_sizes(tmp_path, groups)
    base = ["fit", curves, "--runs", meta, "--shared", "--boot", "0"]
    assert main([*base, "--fit", "Sr0,Sr1"]) == 2
    assert "--shared: the --fit runs are of 1 model size" in capsys.readouterr().err
    assert main([*base, "--fit", "Sr0,Lr1", "--predict", "Xr2"]) == 2
    assert "--predict: run 'Xr2' is of a model size with no --fit run" in capsys.readouterr().err
    assert main([*base, "--fit", "Sr0,Lr1", "--recommend", "1000"]) == 2
    assert "--recommend: not with --shared" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_fit_shared_reports_one_a_b_and_tests_sharing(tmp_path, capsys):
    """Two sizes generated with one (a, b): the JSON has ``fit``'s keys plus ``sharing``, one
    (a, b) in every size, each held-out run predicted by its own size, and the likelihood ratio
    does not reject sharing (p > 0.05). The wrong answer: the large size generated with
    b = 1.6 instead of 2.2, which the test must reject (p < 1e-3)."""
    args = ["--fit", "Sr0,Sr1,Lr0,Lr1", "--predict", "Sr2,Lr2", "--boot", "0", "--min-step",
            "200", "--no-baselines", "--sgd", "--format", "json", "--shared"]  # fmt: skip
    p_values = []
    for large in (LARGE, LARGE.replace(b=1.6)):
        curves, meta = _write_sizes(
            tmp_path, {1e6: _sized(HARD, "S", 1), 4e6: _sized(large, "L", 2)}
        )
        code = main(["fit", curves, "--runs", meta, *args])
        out, err = capsys.readouterr()
        assert code == 0, err
        d = json.loads(out)
        assert set(d) == {"model", "predictions", "error", "baselines", "transfer", "sharing"}
        sizes = d["model"]["sizes"]
        assert len(sizes) == 2 and {(f["a"], f["b"]) for f in sizes.values()} == {
            (d["model"]["a"], d["model"]["b"])
        }
        assert [p["run"] for p in d["predictions"]] == ["Sr2", "Lr2"]
        assert d["sharing"]["dof"] == 2
        p_values.append(d["sharing"]["p"])
        if large is LARGE:
            assert d["error"]["max_rel"] < 5e-3, d["error"]
            text = _shared_text(d)  # the text format of the same result
            assert "(a, b) shared by 2 model sizes" in text and "predict Lr2" in text
    assert p_values[0] > 0.05 and p_values[1] < 1e-3, p_values
