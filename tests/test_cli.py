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
