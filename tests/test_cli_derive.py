"""``optlr derive``: the JSON contract of issue 3 item 6, text and LaTeX outputs."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import sympy as sp

from solvers.cli import main

A, B = sp.symbols("a b")
PHASE_KEYS = {"loss_exponent", "constant_lr_exponent", "constant_lr_loss_exponent"}
COMPUTE_KEYS = {"model_size_exponent", "steps_exponent", "loss_exponent"}


def run(capsys, *argv) -> tuple[int, str, str]:
    rc = main(["derive", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def parse(s: str) -> sp.Basic:
    return sp.sympify(s, locals={"a": A, "b": B})


def test_json_contract(capsys):
    rc, out, _ = run(capsys, "--format", "json")
    assert rc == 0
    d = json.loads(out)
    assert {"phase_boundary", "easy", "hard"} <= d.keys()
    pb = parse(d["phase_boundary"])
    assert isinstance(pb, sp.core.relational.Relational)
    assert pb.subs({A: 3, B: 2}) == sp.true and pb.subs({A: sp.Rational(3, 2), B: 3}) == sp.false
    assert {"xi", "delta"} | PHASE_KEYS <= d["easy"].keys()
    assert {"anneal_window_exponent"} | PHASE_KEYS <= d["hard"].keys()
    for phase in ("easy", "hard"):
        assert set(d[phase]["compute_optimal"]) == COMPUTE_KEYS
        for key, val in d[phase].items():
            vals = val.values() if isinstance(val, dict) else [val]
            for v in vals:
                expr = parse(v)
                assert expr.free_symbols <= {
                    A,
                    B,
                    sp.Symbol("t"),
                    sp.Symbol("T"),
                    sp.Symbol("xi"),
                    sp.Symbol("delta"),
                    sp.Symbol("eta_max"),
                    sp.Symbol("W"),
                }, (key, v)
    # a loss exponent p means L ~ T^(-p): positive in its phase
    assert parse(d["easy"]["loss_exponent"]).subs({A: 3, B: 2}) == sp.Rational(2, 3)
    assert parse(d["hard"]["loss_exponent"]).subs({A: sp.Rational(3, 2), B: 3}) == sp.Rational(1, 6)
    assert parse(d["easy"]["xi"]).subs({A: 3, B: 2}) == sp.Rational(1, 3)


def test_json_numeric_with_model(capsys):
    rc, out, _ = run(capsys, "--format", "json", "--a", "1.5", "--b", "3")
    assert rc == 0
    d = json.loads(out)
    assert d["phase"] == "hard" and d["a"] == 1.5 and d["b"] == 3.0
    num = d["numeric"]["hard"]
    assert num["loss_exponent"] == pytest.approx(0.5 / 3)
    assert num["anneal_window_exponent"] == pytest.approx(3.5 / 5)
    assert num["compute_optimal"]["loss_exponent"] == pytest.approx(0.5 / 4)


def test_text_and_errors(capsys):
    rc, out, _ = run(capsys, "--a", "3", "--b", "2")
    assert rc == 0 and "phase boundary: easy phase iff a > b" in out and "phase easy" in out
    rc, _, err = run(capsys, "--a", "3")
    assert rc == 2 and "both --a and --b" in err
    rc, _, err = run(capsys, "--a", "0.5", "--b", "2")
    assert rc == 2 and "a must be > 1" in err


def test_latex_output_to_file(capsys, tmp_path):
    out = tmp_path / "d.tex"
    rc, _, _ = run(capsys, "--format", "latex", "--pontryagin", "--out", str(out))
    tex = out.read_text()
    assert rc == 0 and tex.startswith(r"\documentclass")
    assert r"\end{document}" in tex and "Dynamics" in tex


@pytest.mark.latex
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(capsys, tmp_path):
    out = tmp_path / "derive.tex"
    assert (
        main(
            [
                "derive",
                "--format",
                "latex",
                "--pontryagin",
                "--a",
                "1.5",
                "--b",
                "3",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    capsys.readouterr()
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", out.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert (tmp_path / "derive.pdf").stat().st_size > 10_000
