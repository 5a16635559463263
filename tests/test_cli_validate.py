"""``optlr validate``: JSON contract, LaTeX table, figures, errors."""

import json

from solvers.cli import main

FAST = ["--T-min", "100", "--T-max", "3000", "--points", "3", "--modes", "10000",
        "--exact-modes", "32", "--bin-ratio", "1.5", "--solver", "none"]  # fmt: skip


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_contract(capsys):
    code, out, _ = run(capsys, "validate", "--claim", "optimal constant loss", "--claim", "xi",
                       "--format", "json", *FAST)  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    assert [r["claim"] for r in rows] == ["optimal constant loss", "xi"]
    for r in rows:
        assert set(r) == {"claim", "a", "b", "predicted", "measured", "stderr", "verdict",
                          "resolution", "local_slopes"}  # fmt: skip
    assert rows[0]["predicted"] == -0.5 and rows[0]["measured"] is not None
    # measured is the extrapolated value, stderr its total uncertainty, resolution the
    # half-width the verdict used, local_slopes the raw (T, slope) pairs it came from
    # (FAST: three horizons, two slopes: too few to extrapolate, so the interval is unbounded)
    assert rows[0]["resolution"] in ("inf", None) or rows[0]["resolution"] > 0
    assert rows[0]["verdict"].startswith("inconclusive")
    assert len(rows[0]["local_slopes"]) >= 2 and all(len(p) == 2 for p in rows[0]["local_slopes"])
    assert rows[1]["resolution"] is None and rows[1]["local_slopes"] == []
    assert rows[1]["verdict"] == "pending: solver not available"


def test_latex_and_text(capsys):
    code, out, _ = run(capsys, "validate", "--claim", "xi", "--format", "latex", *FAST)
    assert code == 0 and out.startswith(r"\begin{tabular}") and r"\end{tabular}" in out
    code, out, _ = run(capsys, "validate", "--a", "1.5", "--b", "3", "--claim", "xi", *FAST)
    assert code == 0 and "not applicable in this phase" in out and "phase=hard" in out


def test_out_directory_gets_tables_and_figures(capsys, tmp_path):
    code, _, err = run(capsys, "validate", "--claim", "optimal constant LR", "--out-dir",
                       str(tmp_path), "--T-max-time-domain", "300", *FAST)  # fmt: skip
    assert code == 0 and "deprecated" not in err
    for name in ("claims.txt", "claims.tex", "local_slopes.png", "loss_vs_T.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_out_for_a_directory_still_works_with_a_deprecation_warning(capsys, tmp_path):
    code, _, err = run(capsys, "validate", "--claim", "xi", "--out", str(tmp_path), *FAST)
    assert code == 0 and "--out DIR is deprecated here; use --out-dir DIR" in err
    assert (tmp_path / "claims.txt").stat().st_size > 0


def test_quick_never_replaces_an_explicit_sweep_option(capsys):
    code, out, _ = run(capsys, "validate", "--claim", "xi", "--solver", "none", "--quick",
                       "--T-max", "1000", "--points", "2", "--modes", "10000", "--exact-modes", "32")  # fmt: skip
    assert code == 0 and "T = 100 .. 1000 (2 points)" in out
    code, _, err = run(capsys, "validate", "--claim", "xi", "--quick", "--points", "0")
    assert code == 2 and "points" in err  # an invalid explicit value is refused, not replaced


def test_unknown_claim_is_a_one_line_error(capsys):
    code, _, err = run(capsys, "validate", "--claim", "nope", *FAST)
    assert code == 2 and err.startswith("optlr: error: --claim: unknown claim 'nope'")


def test_without_sweep_options_each_claim_runs_over_its_default_horizons(capsys):
    """No --T-min/--T-max/--points/--quick: horizons per claim from its derived corrections (the
    tuned constant at (3, 2): omega = 1/4 -> to 1e8), named in the header."""
    code, out, _ = run(capsys, "validate", "--claim", "optimal constant loss", "--solver", "none",
                       "--modes", "10000", "--exact-modes", "32", "--format", "json")  # fmt: skip
    assert code == 0
    (row,) = json.loads(out)
    assert row["local_slopes"][-1][0] > 3e7  # the last slope's midpoint: sqrt(3.2e7 * 1e8)
    code, out, _ = run(capsys, "validate", "--claim", "optimal constant loss", "--solver", "none",
                       "--modes", "10000", "--exact-modes", "32")  # fmt: skip
    assert "optimal schedules T = 100 .. 31622776602 (18 points)" in out
    assert "others T = 100 .. 1000000 (9 points)" in out


def test_progress_goes_to_stderr_and_json_stays_parseable(capsys, tmp_path):
    """``--progress`` prints one line per solved horizon on stderr: with ``--format json`` the
    standard output is the JSON document alone (it was interleaved with the progress lines)."""
    code, out, err = run(capsys, "validate", "--claim", "xi", "--format", "json", "--progress",
                         "--cache-dir", str(tmp_path), "--T-min", "30", "--T-max", "120",
                         "--points", "3", "--modes", "300", "--exact-modes", "16",
                         "--bin-ratio", "2")  # fmt: skip
    assert code == 0
    assert [r["claim"] for r in json.loads(out)] == ["xi"]
    assert err.count("T=") >= 3, err


def test_a_claim_run_alone_gets_the_whole_default_run_s_modes():
    """The default run's mode count follows the longest default horizon of every claim of the
    phase, whichever ``--claim`` asks for: a row run alone is the whole run's row on the same
    model. (It followed the asked claims' horizons: at (1.2, 4) the constant-rate loss alone got
    7.95e17 modes and Nesterov's row 4.5e16 against the whole run's 7.95e18, so their rows read
    other numbers than the whole run's; claims.md 2026-12-02s20 (speed20).)"""
    from solvers.cli.main import build_parser
    from solvers.cli.validate import _default_modes

    def modes(*claims):
        words = ["validate", "--a", "1.2", "--b", "4"] + [w for c in claims for w in ("--claim", c)]
        return _default_modes(build_parser("validate").parse_args(words), None)

    whole = modes()
    assert modes("optimal constant loss") == modes("hard annealing window") == whole
    # the bias rule (k*/N)^(a-1) <= 1e-3 at the window's 1e15 needs N ~ 8e18 at a = 1.2
    assert 10**18 < whole < 10**20
