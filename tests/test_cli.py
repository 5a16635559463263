import argparse
import json
import subprocess
import sys

import pytest

from solvers.cli import build_parser, main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_json_contract(capsys):
    code, out, _ = run(
        capsys,
        "simulate",
        "--a",
        "3",
        "--b",
        "2",
        "--T",
        "1000",
        "--modes",
        "100",
        "--schedule",
        "constant:0.2",
        "--format",
        "json",
    )
    assert code == 0
    d = json.loads(out)
    for key in ("t", "loss", "final_loss", "a", "b", "sigma", "batch", "n_modes", "eta_max"):
        assert key in d
    assert len(d["t"]) == len(d["loss"]) == 1001
    assert d["final_loss"] == d["loss"][-1]
    assert d["loss"][-1] < d["loss"][0]


def test_simulate_csv_and_out_file(tmp_path, capsys):
    out = tmp_path / "curve.csv"
    code, _, _ = run(
        capsys,
        "simulate",
        "--T",
        "50",
        "--modes",
        "20",
        "--schedule",
        "wsd:0.5,0.2",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert code == 0
    rows = out.read_text().splitlines()
    assert rows[0] == "t,eta,loss" and len(rows) == 52


def test_simulate_text(capsys):
    code, out, _ = run(
        capsys, "simulate", "--T", "100", "--modes", "20", "--schedule", "poly:0.3,2"
    )
    assert code == 0 and "final excess loss" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "--a", "0.9"], "a must be > 1, got 0.9"),
        (["simulate", "--schedule", "bogus:1"], "unknown kind 'bogus'"),
        (["simulate", "--schedule", "constant"], "expected 'kind:params'"),
        (["simulate", "--T", "0"], "T must be an integer >= 1, got 0"),
        (["simulate", "--batch", "0"], "batch must be >= 1"),
        (["simulate", "--schedule", "constant:-1"], "constant.eta0 must be >= 0"),
    ],
)
def test_bad_input_one_line_message_nonzero_exit(capsys, argv, message):
    code, _out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_unstable_rate_warns(capsys):
    code, _, err = run(capsys, "simulate", "--T", "50", "--modes", "20", "--schedule", "constant:2")
    assert code == 0
    assert "above the stability limit" in err


def test_console_script_version_and_help():
    v = subprocess.run(
        [sys.executable, "-m", "solvers.cli", "--version"], capture_output=True, text=True
    )
    assert v.returncode == 0 and v.stdout.startswith("optlr ")
    h = subprocess.run(
        [sys.executable, "-m", "solvers.cli", "--help"], capture_output=True, text=True
    )
    assert h.returncode == 0 and "simulate" in h.stdout


def _subcommands(parser) -> dict:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def test_one_command_registers_its_module_only():
    """``optlr NAME ...`` builds only NAME's module's parsers, and NAME's is the one the whole
    parser has (a wrong row of the module table gives another parser or none)."""
    full = _subcommands(build_parser())
    assert len(full) == 12
    for name, parser in full.items():
        alone = _subcommands(build_parser(name))
        assert name in alone and len(alone) <= 3
        assert alone[name].format_help() == parser.format_help()
    assert set(_subcommands(build_parser("no-such-command"))) == set(full)


MODEL_ARGS = ("--a", "2.5", "--b", "1.75", "--sigma", "0.3", "--batch", "4", "--modes", "30",
              "--eta-max", "1.5")  # fmt: skip
#: Distinct values, so that a field printed under another's name fails.
MODEL = {"a": 2.5, "b": 1.75, "sigma": 0.3, "batch": 4.0, "n_modes": 30, "eta_max": 1.5}


@pytest.mark.parametrize(
    "argv",
    [
        ("simulate", "--T", "10"),
        ("solve", "--T", "20", "--blocks", "4", "--maxiter", "5"),
    ],
)
def test_text_header_names_the_model_given(capsys, argv):
    """The first line of the text format gives each model option under its own name."""
    code, out, _ = run(capsys, *argv, *MODEL_ARGS)
    assert code == 0
    fields = dict(w.split("=", 1) for w in out.splitlines()[0].split() if "=" in w)
    printed = {k: float(fields[k]) for k in ("a", "b", "sigma", "batch", "eta_max") if k in fields}
    assert printed == {k: MODEL[k] for k in printed} and len(printed) >= 4
    assert int(fields["modes"]) == MODEL["n_modes"]


def test_json_model_record_is_the_model_given(capsys):
    """mc and batch give the same ``model`` record: every option under its own name."""
    records = []
    for argv in (("mc", "--T", "10", "--seeds", "20"), ("batch",)):
        code, out, _ = run(capsys, *argv, *MODEL_ARGS, "--format", "json")
        assert code == 0
        records.append(json.loads(out)["model"])
    for rec in records:
        assert {k: rec[k] for k in MODEL} == MODEL
        assert rec["phase"] in ("easy", "hard", "boundary")
    assert records[0] == records[1]
