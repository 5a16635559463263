"""CLI: optlr mc, optlr export, optlr estimate (JSON contracts and error paths)."""

import json

import numpy as np
import pytest

from solvers import make_schedule, simulate
from solvers.cli import main
from theory import PLRFModel


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_mc_json_contract(capsys):
    code, out, _ = run(
        capsys,
        "mc",
        "--a",
        3,
        "--b",
        2,
        "--modes",
        20,
        "--batch",
        2,
        "--T",
        60,
        "--schedule",
        "linear:0.4",
        "--seeds",
        400,
        "--record-every",
        20,
        "--format",
        "json",
    )
    assert code == 0
    d = json.loads(out)
    assert d["t"] == [0, 20, 40, 60] and d["seeds"] == 400
    model = PLRFModel(a=3, b=2, n_modes=20, batch=2)
    exact = simulate(model, make_schedule("linear", 60, 0.4), record_every=20)
    np.testing.assert_allclose(d["recursion"], exact.loss, rtol=1e-12)
    assert abs(d["mean"][-1] - exact.final_loss) < 5 * d["sem"][-1]


def test_mc_with_momentum_uses_momentum_recursion(capsys):
    code, out, _ = run(
        capsys,
        "mc",
        "--modes",
        10,
        "--T",
        30,
        "--beta",
        0.5,
        "--seeds",
        50,
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)["beta"] == 0.5


def test_export_fit_and_transfer(capsys, tmp_path):
    code, out, _ = run(
        capsys,
        "export",
        "--schedule",
        "poly:0.5,3",
        "--T",
        100,
        "--fit",
        "power",
        "--to-T",
        400,
        "--phase",
        "easy",
        "--xi",
        0.5,
        "--format",
        "json",
    )
    d = json.loads(out)
    assert code == 0 and d["T"] == 400
    assert d["fit"]["delta"] == pytest.approx(3.0) and d["lr"][0] == pytest.approx(0.25)
    path = tmp_path / "s.csv"
    code, _, _ = run(
        capsys, "export", "--schedule", "wsd:0.3,0.2", "--T", 50, "--format", "csv", "--out", path
    )
    assert code == 0 and path.read_text().startswith("step,lr\n0,0.3\n")
    code, out, _ = run(capsys, "export", "--input", path, "--fit", "wsd", "--format", "json")
    assert json.loads(out)["fit"]["frac"] == pytest.approx(0.2, rel=1e-4)


def test_export_needs_one_source(capsys):
    code, _, err = run(capsys, "export")
    assert code == 2 and "exactly one of --schedule" in err


def test_estimate_from_files(capsys, tmp_path):
    rng = np.random.default_rng(0)
    k = np.arange(1, 61.0)
    Z = rng.standard_normal((800, 60)) * k**-1.0  # b = 2
    y = Z @ (k**-0.5) + 0.01 * rng.standard_normal(800)  # lambda w^2 = k^-3
    np.save(tmp_path / "X.npy", Z)
    np.save(tmp_path / "y.npy", y)
    code, out, _ = run(
        capsys,
        "estimate",
        "--features",
        tmp_path / "X.npy",
        "--targets",
        tmp_path / "y.npy",
        "--boot",
        10,
        "--format",
        "json",
    )
    d = json.loads(out)
    assert code == 0 and d["phase"] == "easy" and abs(d["b"] - 2) < 0.2
    t = np.arange(1, 101.0)
    np.savetxt(tmp_path / "L.csv", np.column_stack([t, t**-0.75, 2 * t**-0.75]), delimiter=",")
    code, out, _ = run(
        capsys, "estimate", "--losses", tmp_path / "L.csv", "--b", 2, "--format", "json"
    )
    d = json.loads(out)
    assert d["gamma"] == pytest.approx(0.75) and d["a"] == pytest.approx(2.5)


def test_estimate_needs_input(capsys):
    code, _, err = run(capsys, "estimate")
    assert code == 2 and "give --features" in err
