"""``optlr solve``, the solver registry and plot_schedule."""

import json

import numpy as np
import pytest

from solvers import SOLVERS, ScheduleResult, get_solver, plot_schedule, solve
from solvers.cli import main
from solvers.control import solve_direct
from theory import PLRFModel

SMALL_ARGS = ("solve", "--a", "3", "--b", "2", "--T", "60", "--modes", "20", "--quiet")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_solve_json_contract(capsys):
    code, out, _ = run(capsys, *SMALL_ARGS, "--format", "json")
    assert code == 0
    d = json.loads(out)
    for key in (
        "t",
        "eta",
        "loss",
        "final_loss",
        "success",
        "message",
        "iterations",
        "kkt_residual",
        "seconds",
        "a",
        "b",
        "sigma",
        "batch",
        "n_modes",
        "eta_max",
        "T",
    ):
        assert key in d, key
    assert len(d["t"]) == len(d["loss"]) == 61 and len(d["eta"]) == 60
    assert d["final_loss"] == d["loss"][-1] and d["success"] is True
    assert d["final_loss"] < d["loss"][0]


def test_solve_blocks_csv_plot_and_save(tmp_path, capsys):
    out, fig, saved = tmp_path / "s.csv", tmp_path / "s.png", tmp_path / "s.npz"
    code, _, _ = run(
        capsys,
        *SMALL_ARGS,
        "--blocks",
        "5",
        "--format",
        "csv",
        "--out",
        str(out),
        "--plot",
        str(fig),
        "--save",
        str(saved),
    )
    assert code == 0
    rows = out.read_text().splitlines()
    assert rows[0] == "t,eta,loss" and len(rows) == 62
    assert len({r.split(",")[1] for r in rows[1:-1]}) <= 5
    assert fig.stat().st_size > 1000
    back = ScheduleResult.load(saved)
    assert back.T == 60 and back.parameters["blocks"] == 5
    assert float(rows[-1].split(",")[2]) == back.final_loss


def test_solve_text_and_bad_input(capsys):
    code, out, _ = run(capsys, *SMALL_ARGS, "--format", "text")
    assert code == 0 and "final excess loss" in out
    code, _, err = run(capsys, *SMALL_ARGS, "--blocks", "100")
    assert code == 2 and "K" in err and "Traceback" not in err
    code, _, err = run(capsys, *SMALL_ARGS, "--T", "0")
    assert code == 2 and "T must be" in err


def test_unconverged_solve_warns_on_stderr(capsys):
    code, out, err = run(
        capsys, *SMALL_ARGS, "--maxiter", "1", "--tol", "1e-12", "--format", "json"
    )
    assert code == 0 and "warning" in err and "iteration limit" in err
    assert json.loads(out)["success"] is False


def test_registry():
    assert "direct" in SOLVERS and SOLVERS["direct"] is solve_direct
    assert get_solver("direct") is solve_direct
    with pytest.raises(ValueError, match="method must be one of"):
        get_solver("shooting")
    for name in ("bvp", "continuum"):
        if name not in SOLVERS:
            with pytest.raises(ValueError, match="not available"):
                get_solver(name)
    model = PLRFModel(a=3, b=2, n_modes=10)
    r = solve(model, 20, method="direct", blocks=4)
    assert isinstance(r, ScheduleResult) and r.method == "direct"
    with pytest.raises(TypeError, match="unexpected keyword"):
        solve(model, 20, method="direct", bogus=1)


# bvp is held to the same record on its few-mode reference problem in tests/test_conformance.py
@pytest.mark.parametrize("method", sorted(set(SOLVERS) - {"bvp"}))
def test_conformance_common_fields(method):
    """Every registered solver returns the common result fields, consistent with a simulation."""
    from solvers import simulate

    model = PLRFModel(a=3, b=2, sigma=0.5, batch=4, n_modes=20)
    r = SOLVERS[method](model, 50)
    assert r.eta.shape == (50,) and r.loss.shape == r.t.shape == (51,)
    assert np.all((r.eta >= 0) & (r.eta <= model.eta_max))
    # direct optimises the exact recursion itself; the continuous-time methods approximate it
    # (the continuum solver's discrete-dynamics mode to ~1% at this short horizon)
    rel = 1e-10 if method == "direct" else 3e-2
    per_step = np.repeat(r.eta, np.diff(r.t).astype(np.int64))
    assert r.final_loss == pytest.approx(simulate(model, per_step).final_loss, rel=rel)
    assert isinstance(r.success, bool) and isinstance(r.message, str) and r.seconds > 0


def test_plot_schedule_returns_artists():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = PLRFModel(a=2.5, b=1.5, sigma=0.5, batch=4, n_modes=10)
    r = solve_direct(model, 20, budget=80.0, maxiter=5)
    fig, ax = plt.subplots()
    art = plot_schedule(r, ax=ax)
    assert art["ax"] is ax and "batch" in art
    np.testing.assert_array_equal(art["eta"].get_ydata(), r.eta)
    with pytest.raises(TypeError, match="ScheduleResult"):
        plot_schedule(r.eta)
    plt.close(fig)


def test_solve_criterion_and_multilevel_options(capsys):
    code, out, _ = run(capsys, *SMALL_ARGS, "--T", "300", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["parameters"]["criterion"] == "scaled"
    assert d["parameters"]["multilevel"] == [32]
    assert d["kkt_residual"] == d["diagnostics"]["kkt_scaled"]
    code, out, _ = run(
        capsys,
        *SMALL_ARGS,
        "--T",
        "300",
        "--criterion",
        "box",
        "--no-multilevel",
        "--format",
        "json",
    )
    d = json.loads(out)
    assert code == 0 and d["parameters"]["criterion"] == "box"
    assert d["parameters"]["multilevel"] == []
    assert d["kkt_residual"] == d["diagnostics"]["kkt_box"]


def test_solve_optimiser_option(capsys):
    """--optimiser reaches DirectOptions (what ran is in the diagnostics) and is refused for
    the methods it does not apply to."""
    for choice, ran in (("auto", "projected"), ("projected", "projected"), ("lbfgsb", "lbfgsb")):
        code, out, _ = run(capsys, *SMALL_ARGS, "--blocks", "10", "--optimiser", choice,
                           "--format", "json")  # fmt: skip
        d = json.loads(out)
        assert code == 0 and d["success"]
        assert (d["parameters"]["optimiser"], d["diagnostics"]["optimiser"]) == (choice, ran)
    code, _, err = run(capsys, *SMALL_ARGS, "--method", "continuum", "--optimiser", "lbfgsb")
    assert code == 2 and "--optimiser applies to --method direct only" in err


#: The original study's default problem (issue 15 item 7; benchmarks/bench_speed.py).
STUDY_ARGS = "solve --a 2 --b 2 --sigma 0.5 --batch 5 --modes 500 --T 1000 --eta-max 2 --blocks 100"
#: ``python -m solvers.cli`` in a child that afterwards reports on the process it ran in.
PROGRAM = """
import gc, json, os, runpy, sys
from solvers.control import registry
seen = {}
def direct():  # the solver's loader (its import, the start-up) and the solver (the computation)
    seen["loading"] = [gc.isenabled(), gc.get_freeze_count(), gc.get_stats()]
    solve = loader()
    def solver(*args, **kwargs):
        seen["solving"] = [gc.isenabled(), gc.get_freeze_count(), gc.get_stats()]
        return solve(*args, **kwargs)
    return solver
loader, registry.METHODS["direct"] = registry.METHODS["direct"], direct
try:
    runpy.run_module("solvers.cli", run_name="__main__")
except SystemExit as exc:
    status = exc.code
mods = [m for m in sys.modules if m.split(".")[0] in ("sympy", "matplotlib", "numba")]
print(json.dumps({"status": status, "frozen": gc.get_freeze_count(), "modules": mods,
                  "blas": os.environ.get("OPENBLAS_NUM_THREADS"), "end": gc.get_stats(), **seen}),
      file=sys.stderr)
"""


def test_study_problem_as_a_program(capsys):
    """The study's solve as a fresh process: its whole answer on stdout, the same as the solver's
    in this process, without SymPy or matplotlib, its start-up without collections and with one
    BLAS thread, and the exit-time collection skipped (the process's objects frozen) there but
    never in a caller of ``main(argv)``."""
    import os
    import subprocess
    import sys

    from solvers.cli._common import BLAS_THREAD_VARIABLES

    argv = [*STUDY_ARGS.split(), "--quiet", "--format", "json"]
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    child = subprocess.run(
        [sys.executable, "-c", PROGRAM, *argv], capture_output=True, text=True, check=True, env=env
    )
    report = json.loads(child.stderr.strip().splitlines()[-1])
    d = json.loads(child.stdout)
    assert all(m.startswith("numba") for m in report["modules"])
    assert report["status"] == 0
    assert report["frozen"] > 10_000  # NumPy and SciPy alone leave more than 10^5 objects
    # the start-up (the solver's import) ran without collections; the computation with them,
    # its start-up's objects frozen; one BLAS thread (the direct method's BLAS is single-threaded)
    enabled, frozen, stats = report["loading"]
    assert not enabled and frozen == 0
    enabled, frozen, after = report["solving"]
    assert enabled and frozen > 10_000
    assert [s["collections"] for s in after] == [s["collections"] for s in stats]
    assert report["end"][0]["collections"] > after[0]["collections"]  # resumed for the solve
    assert report["blas"] == "1"
    model = PLRFModel(a=2, b=2, sigma=0.5, batch=5, n_modes=500, eta_max=2)
    r = solve_direct(model, 1000, blocks=100)
    assert d["final_loss"] == pytest.approx(r.final_loss, rel=1e-12)
    assert np.array_equal(np.asarray(d["eta"]), r.eta) and d["success"] is True
    import gc

    frozen = gc.get_freeze_count()
    assert run(capsys, *SMALL_ARGS, "--format", "json")[0] == 0
    assert gc.get_freeze_count() == frozen and gc.isenabled()


@pytest.mark.parametrize("variable", ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"])
def test_start_up_respects_the_users_blas_threads(variable):
    """A user's choice of BLAS threads is kept: the one-thread start-up only fills a gap."""
    import os
    import subprocess
    import sys

    from solvers.cli._common import BLAS_THREAD_VARIABLES

    code = (
        "import os; from solvers.cli._common import begin_start_up, end_start_up; "
        "begin_start_up(one_blas_thread=True); end_start_up(); "
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**env, variable: "3"}).stdout.strip()  # fmt: skip
    assert out == ("3" if variable == "OPENBLAS_NUM_THREADS" else "None")


def test_a_long_direct_solve_says_so_before_it_starts(capsys):
    """``--T 1e6 --modes 20 --maxiter 20`` took 14.3 s CPU with no note (five multilevel levels
    of ~25 checkpointed passes each); the note counts the levels (one level's passes alone, 3 s,
    stay silent), and the study's problem gets none."""
    import argparse

    from solvers.cli.solve import _announce_direct

    def ns(T, blocks=None, maxiter=None, no_multilevel=False):
        return argparse.Namespace(T=T, blocks=blocks, maxiter=maxiter, no_multilevel=no_multilevel)

    _announce_direct(ns(10**6, maxiter=20), 20)
    err = capsys.readouterr().err
    assert "note: solve --method direct of 1e+06 steps x 20 modes (5 levels of 20 passes" in err
    _announce_direct(ns(1000, blocks=100), 500)  # the study's problem
    _announce_direct(ns(10**6, no_multilevel=True), 20)  # one level: ~2 s, below the note's 10
    assert capsys.readouterr().err == ""
