"""No silent nonsense (issue 15 items 4 and 6): inputs that cannot support an answer raise, and
the command line is consistent (text by default, counts in scientific notation, options that
apply to one method refused for the others, explicit values never replaced)."""

from __future__ import annotations

import argparse
import importlib
import json

import numpy as np
import pytest

from solvers.analysis.estimate import estimate_from_features, estimate_from_kernel
from solvers.cli import main
from solvers.cli.main import build_parser
from solvers.dynamics.recursion import stationary_loss
from solvers.schedules.export import load_schedule
from solvers.schedules.tuning import tune_constant
from theory import PLRFModel


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- library: an answer only where the input supports one ----------------------------------------


@pytest.mark.parametrize("eta", [-1.0, float("nan"), float("inf")])
def test_stationary_loss_refuses_a_rate_outside_the_model(eta):
    with pytest.raises(ValueError, match="eta must be"):
        stationary_loss(PLRFModel(a=3, b=2), eta)
    assert stationary_loss(PLRFModel(a=3, b=2), 0.0) == 0.0  # the boundary itself is fine


def test_tune_constant_raises_instead_of_returning_its_penalty():
    with pytest.raises(ValueError, match=r"b must be"):  # degenerate: refused by the model
        PLRFModel(a=3, b=1e15, n_modes=50)
    (ok,) = tune_constant(PLRFModel(a=3, b=2, n_modes=50), [100])
    assert ok.success and 0 < ok.final_loss < 1


def test_estimate_refuses_degenerate_data():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="X is all zero"):
        estimate_from_features(np.zeros((40, 30)), rng.standard_normal(40))
    with pytest.raises(ValueError, match="y is all zero"):
        estimate_from_features(rng.standard_normal((40, 30)), np.zeros(40))
    K = rng.standard_normal((30, 30))
    with pytest.raises(ValueError, match="symmetric"):
        estimate_from_kernel(K, rng.standard_normal(30))


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.csv", "step,lr\n0,0.1\n1,abc\n", r"row 3: expected an integer step and a number"),
        ("b.csv", "step,lr\n0,0.1\n2,0.1\n", r"row 3, column step"),
        ("c.csv", "step,lr\n0,0.1,9\n", r"row 2: expected 2 columns"),
        ("d.csv", "step,lr\n0,nan\n", r"rate at step 0 is nan"),
        ("e.json", '{"name": "x"}', r"key 'lr'"),
        ("f.json", '{"lr": ["x"]}', r"key 'lr': expected a list of numbers"),
        ("g.json", "{not json", r"not valid JSON"),
        ("h.json", '{"lr": []}', r"at least one rate"),
    ],
)
def test_malformed_schedule_file_names_file_and_place(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        load_schedule(path)
    assert name in str(info.value)


# -- the command line ------------------------------------------------------------------------


def _subparsers():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def test_every_format_defaults_to_text():
    for name, p in _subparsers().items():
        fmt = [a for a in p._actions if "--format" in a.option_strings]
        if fmt:
            assert fmt[0].default == "text" and "json" in fmt[0].choices, name


def test_counts_accept_scientific_notation(capsys):
    plain = run(capsys, "simulate", "--T", 1000, "--modes", 100, "--format", "json")
    sci = run(capsys, "simulate", "--T", "1e3", "--modes", "1e2", "--format", "json")
    assert plain[0] == sci[0] == 0 and json.loads(plain[1]) == json.loads(sci[1])
    code, _, err = run(capsys, "solve", "--T", "1.5")
    assert code == 2 and "argument --T" in err and "integer" in err and err.count("\n") == 1


def test_an_option_of_one_method_is_refused_for_another(capsys):
    code, _, err = run(capsys, "solve", "--method", "bvp", "--T", 20, "--modes", 10, "--tol", 1e-3)
    assert code == 2 and "--tol applies to --method direct only" in err


def test_report_T_max_zero_is_an_error_not_the_default(capsys, tmp_path):
    code, _, err = run(capsys, "report", "--T-max", 0, "--out-dir", tmp_path, "--no-pdf")
    assert code == 2 and "T_max must be an integer >= 2, got 0" in err


def test_nan_result_is_an_error_not_an_answer(capsys):
    code, out, err = run(
        capsys, "simulate", "--schedule", "constant:1e200", "--T", 20, "--modes", 20
    )
    assert code == 1 and out == "" and "non-finite" in err and err.count("\n") == 1


def test_size_beyond_memory_is_refused_before_allocating(capsys):
    code, _, err = run(capsys, "solve", "--T", "1e9", "--modes", "1e9")
    assert code == 2 and "GiB available" in err and "--T" in err


def test_an_escaping_internal_error_is_one_line_or_a_traceback_on_request(capsys, monkeypatch):
    def broken(args):
        raise ZeroDivisionError("boom")

    def build(command=None):
        parser = build_parser()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        sub.choices["simulate"].set_defaults(func=broken)
        return parser

    monkeypatch.setattr(importlib.import_module("solvers.cli.main"), "build_parser", build)
    code, _, err = run(capsys, "simulate")
    assert code == 1 and err.startswith("optlr: internal error: ZeroDivisionError: boom")
    assert err.count("\n") == 1
    monkeypatch.setenv("OPTLR_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["simulate"])
