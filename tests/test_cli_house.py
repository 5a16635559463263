"""The command line's house rules that issue 15's audit (benchmarks/results/house.md) found broken:
an explicit option is never silently dropped, a valid input never dies of an overflow, a long run
says so before it starts, and ``fit`` prints its text without bootstrap refits."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from solvers.cli import main
from theory import PLRFModel

#: Options that the rest of the command line would ignore: (argv, the option refused). Each runs
#: in well under a second when refused (old code ran them, ignoring the option).
IGNORED = [
    (["momentum", "--T", "20,40", "--modes", "20", "--form", "ema", "--maxiter", "5"], "--maxiter"),
    (["momentum", "--T", "20,40", "--modes", "20", "--form", "ema", "--beta-max", "0.5"],
     "--beta-max"),
    (["momentum", "--T", "20,40", "--modes", "20", "--maxiter", "5", "--solver", "longrun"],
     "--solver"),
    (["momentum", "--T", "20,40", "--modes", "20", "--maxiter", "5", "--maxfev", "3"], "--maxfev"),
    (["momentum", "--T", "20,40", "--modes", "20", "--form", "ema", "--solver", "longrun",
      "--maxfev", "3"], "--maxfev"),
    (["batch", "--samples", "64", "--modes", "20", "--fix-eta"], "--fix-eta"),
    (["batch", "--samples", "64", "--modes", "20", "--maxiter", "3"], "--maxiter"),
    (["estimate", "--losses", "{dir}/l.csv", "--k-range", "1", "5"], "--k-range"),
    (["estimate", "--losses", "{dir}/l.csv", "--boot", "5"], "--boot"),
    (["estimate", "--features", "{dir}/X.npy", "--targets", "{dir}/y.npy", "--floor", "1"],
     "--floor"),
    (["estimate", "--digits", "rbf", "--targets", "{dir}/y.npy"], "--targets"),
    (["export", "--input", "{dir}/s.csv", "--T", "50"], "--T"),
    (["export", "--schedule", "constant:0.2", "--T", "20", "--bound", "1"], "--bound"),
    (["export", "--schedule", "constant:0.2", "--T", "20", "--phase", "easy"], "--phase"),
    (["export", "--schedule", "constant:0.2", "--T", "20", "--xi", "0.3"], "--xi"),
    (["export", "--schedule", "constant:0.2", "--T", "20", "--warmup", "3"], "--warmup"),
    (["derive", "--pontryagin"], "--pontryagin"),
    (["report", "--no-pdf", "--no-cache", "--cache-dir", "{dir}/c", "--out-dir", "{dir}/r"],
     "--cache-dir"),
    (["report", "--no-pdf", "--curves-boot", "3", "--out-dir", "{dir}/r"], "--curves-boot"),
    (["validate", "--solver", "direct", "--cpu-budget", "10", "--T-max", "100", "--points", "3"],
     "--cpu-budget"),
    (["validate", "--solver", "none", "--cpu-budget", "10"], "--cpu-budget"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "option"), IGNORED, ids=[f"{a[0]} {o}" for a, o in IGNORED])
def test_an_option_the_command_would_ignore_is_refused(argv, option, tmp_path, capsys):
    (tmp_path / "l.csv").write_text("1,1\n2,0.5\n4,0.25\n")
    (tmp_path / "s.csv").write_text("step,lr\n0,0.1\n1,0.1\n")
    assert main([a.format(dir=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"optlr: error: {option}: "), err


def test_the_same_options_where_they_apply_run(tmp_path, capsys):
    """The refusals are not blanket: each option is accepted where it is used."""
    (tmp_path / "l.csv").write_text("1,1\n2,0.5\n4,0.25\n8,0.125\n")
    for argv in (
        ["export", "--schedule", "poly:0.5,3", "--T", "100", "--fit", "power", "--bound", "1",
         "--to-T", "400", "--phase", "easy", "--xi", "0.5", "--format", "json"],
        ["export", "--schedule", "constant:0.2", "--T", "20", "--nearest", "--warmup", "3"],
        ["estimate", "--losses", str(tmp_path / "l.csv"), "--floor", "0", "--b", "2"],
        ["batch", "--samples", "64", "--modes", "20", "--T", "50", "--fix-eta", "--maxiter", "3"],
    ):  # fmt: skip
        assert main(argv) == 0, capsys.readouterr().err
    capsys.readouterr()


def test_given_options_are_the_ones_typed():
    """Abbreviations resolve to their option; a value equal to the default still counts as
    given; options not typed do not (their defaults differ in kind: False, None, numbers)."""
    from solvers.cli.main import _given, build_parser

    words = ["momentum", "--maxit", "100", "--form", "ema", "--T", "20,40"]
    assert _given(build_parser("momentum"), words) == {"--maxiter", "--form", "--T"}
    words = ["validate", "--claim", "xi", "--no-compare", "--quick"]
    assert _given(build_parser("validate"), words) == {"--claim", "--no-compare", "--quick"}
    # the parser's defaults are restored after the probe
    assert build_parser("momentum").parse_args(["momentum"]).maxiter == 100


def test_sigma_whose_square_overflows_is_an_input_error(capsys):
    """``--sigma 1e300`` died of ``OverflowError`` in ``sigma**2`` (an internal error, exit 1)."""
    with pytest.raises(ValueError, match="sigma must be <="):
        PLRFModel(a=3, b=2, sigma=1e300)
    assert math.isfinite(PLRFModel(a=3, b=2, sigma=1e150).sigma ** 2)
    for cmd in (["simulate", "--T", "20"], ["compute-optimal", "--C", "200,400"]):
        assert main([*cmd, "--modes", "20", "--sigma", "1e300"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "sigma must be <=" in err


def test_a_long_momentum_solve_says_so_before_it_starts(capsys, monkeypatch):
    """``momentum --modes 1e6`` computed past the fuzz's budget with no note: its time was
    estimated at the recursion's rate (2e8 mode-steps a second), ~10x the solver's."""

    class Started(Exception):
        pass

    def stop(*args, **kwargs):
        raise Started

    monkeypatch.setattr("solvers.control.momentum.momentum_exponents", stop)
    main(["momentum", "--T", "20,40", "--modes", "1e6", "--maxiter", "5"])
    assert "optlr: note: momentum of" in capsys.readouterr().err


def test_fit_text_without_bootstrap_refits(tmp_path, capsys):
    """``fit --boot 0`` has no intervals: the text said ``[nan, nan]`` and exited 1 (JSON did not)."""
    rows = [f"r{i},{s},{lr},{2 + 3 * (1 + 5 * lr * s) ** -0.6:.6g}"
            for i, (T, lr) in enumerate(((400, 0.01), (200, 0.02))) for s in range(50, T, 50)]  # fmt: skip
    (tmp_path / "c.csv").write_text("run,step,lr,loss\n" + "\n".join(rows) + "\n")
    argv = ["fit", str(tmp_path / "c.csv"), "--fit", "r0", "--boot", "0", "--min-step", "50",
            "--no-baselines"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "95% [n/a, n/a]" in out and "nan" not in out


def test_fit_text_prints_held_parameters_as_held(tmp_path, capsys):
    """With bootstrap refits a held parameter (``--sgd``: the rate power ``p = 1``) has the
    degenerate "interval" ``[1, 1]``; the text prints it as held, and a fitted one keeps its
    interval. The JSON is unchanged (``model.interval`` still holds ``p``)."""
    rows = [f"r{i},{s},{lr},{2 + 3 * (1 + 5 * lr * s) ** -0.6:.6g}"
            for i, (T, lr) in enumerate(((400, 0.01), (300, 0.02))) for s in range(50, T, 50)]  # fmt: skip
    (tmp_path / "c.csv").write_text("run,step,lr,loss\n" + "\n".join(rows) + "\n")
    argv = ["fit", str(tmp_path / "c.csv"), "--fit", "r0,r1", "--boot", "2", "--min-step", "50",
            "--no-baselines", "--sgd", "--seed", "1"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    lines = capsys.readouterr().out.splitlines()
    p_line = next(x for x in lines if x.strip().startswith("p "))
    assert p_line.split() == ["p", "=", "1", "(held)"], p_line
    a_line = next(x for x in lines if x.strip().startswith("a "))
    assert "95% [" in a_line and "(held)" not in a_line, a_line
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["interval"]["p"] == [1.0, 1.0]


#: Inputs the extended fuzz (seed 1, 2283 cases) found dying of an exception no check foresaw
#: (exit 1, "internal error") or computing past its budget with no word; each is now refused
#: before anything is computed: (argv, the start of the one-line error).
REFUSED = [
    (["simulate", "--T", "20", "--record-every", "0"], "--record-every: expected an integer >= 1"),
    (["mc", "--T", "20", "--record-every", "0"], "--record-every: expected an integer >= 1"),
    (["batch", "--samples", "64", "--modes", "20", "--factor", "0"], "--factor: expected"),
    (["compute-optimal", "--C", "200,400", "--batch", "inf"], "--batch: compute C = N T m"),
    (["fit", "{dir}/c.csv", "--fit", "r0", "--boot", "1e12"], "--boot: at most"),
    (["fit", "{dir}/c.csv", "--fit", "r0", "--recommend", "inf"], "--recommend: expected T"),
    (["fit", "{dir}/c.csv", "--fit", "r0", "--recommend", "1e300"], "--recommend: expected T"),
    (["fit", "{dir}/c.csv", "--fit", "r0", "--recommend", "1e12"], "fit --recommend: 1e+12 needs"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "message"), REFUSED, ids=[" ".join(a[:1] + a[-2:]) for a, _ in REFUSED]
)
def test_input_that_crashed_or_ran_unannounced_is_refused(argv, message, tmp_path, capsys):
    assert main([a.format(dir=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"optlr: error: {message}"), err


def _curves(tmp_path):
    """Two tiny training runs (a constant rate, a loss falling as a power law)."""
    rows = [f"r{i},{s},{lr},{2 + 3 * (1 + 5 * lr * s) ** -0.6:.6g}"
            for i, (T, lr) in enumerate(((400, 0.01), (200, 0.02))) for s in range(50, T, 50)]  # fmt: skip
    (tmp_path / "c.csv").write_text("run,step,lr,loss\n" + "\n".join(rows) + "\n")
    return str(tmp_path / "c.csv")


def test_a_long_fit_is_announced_once_its_inputs_are_checked(tmp_path, capsys, monkeypatch):
    """``fit --boot 1000`` and ``--recommend 1e6`` say how long they may take before the fit
    starts, and only once every input is checked: an unknown run id stays a one-line error."""

    class Started(Exception):
        pass

    def stop(*args, **kwargs):
        raise Started

    monkeypatch.setattr("solvers.runs.fit_and_predict", stop)
    curves = _curves(tmp_path)
    main(["fit", curves, "--fit", "r0,r1", "--boot", "1000", "--recommend", "1e6",
          "--min-step", "50"])  # fmt: skip
    err = capsys.readouterr().err
    assert "optlr: note: fit --boot of 1000 may take" in err
    assert "optlr: note: fit --recommend of 1e+06 may take" in err
    main(["fit", curves, "--fit", "r0", "--boot", "1000", "--min-step", "50"])
    assert "--boot" not in capsys.readouterr().err  # one run is not resampled: no refits to time
    assert main(["fit", curves, "--fit", "zz", "--boot", "1000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--fit: unknown run id 'zz'" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["mc", "--T", "20", "--modes", "20", "--seeds", "10"],
        ["simulate", "--T", "20", "--modes", "20"],
    ],
    ids=["mc", "simulate"],
)
def test_commands_that_derive_nothing_import_no_sympy(argv, tmp_path):
    """Issue 15 item 4 in a fresh process: ``optlr mc`` (SGD) imported SymPy (0.56 s of its
    start) through the momentum module that Monte-Carlo imported for a ``--beta`` check."""
    code = (
        "import contextlib, io, sys\nfrom solvers.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()):\n    assert main({argv!r}) == 0\n"
        "print(sorted(m for m in sys.modules if m == 'sympy'))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, check=True).stdout  # fmt: skip
    assert out.strip() == "[]"


def test_the_solver_registry_does_not_disguise_an_import_error(monkeypatch):
    """``SOLVERS[name]`` raised every ``ValueError`` of the method's import as a ``KeyError``
    (an unknown-method message for a broken module); an unknown name is still a KeyError."""
    from solvers.control import registry

    def broken():
        raise ValueError("boom while importing")

    monkeypatch.setitem(registry.METHODS, "direct", broken)
    with pytest.raises(ValueError, match="boom while importing"):
        registry.SOLVERS["direct"]
    with pytest.raises(KeyError, match="method must be one of"):
        registry.SOLVERS["nope"]
