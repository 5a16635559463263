"""Figure functions: each returns artists, labels its axes and saves non-empty PDF and PNG."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.artist import Artist

from solvers.analysis import fit_power_law, local_slopes
from solvers.plots.figures import (
    PAPER_STYLE,
    new_figure,
    paper_style,
    plot_collapse,
    plot_local_slopes,
    plot_loss_vs_T,
    plot_phase_diagram,
    plot_schedule_and_loss,
    plot_schedules,
    save_figure,
)

TS = (100, 1000, 10000)


def _poly(T, xi=0.5, delta=3.0):
    s = np.arange(T) / T
    return T**-xi * (1 - s) ** delta


def _power_curves():
    T = np.array([1e2, 1e3, 1e4, 1e5])
    return {"constant": (T, 2 * T**-0.5), "linear": (T, 3 * T**-0.75)}


def _check(artists, ax, tmp_path, name):
    assert artists and all(isinstance(a, Artist) for a in artists)
    assert ax.get_xlabel() and ax.get_ylabel()
    paths = save_figure(ax.figure, tmp_path / name, dpi=60)  # low dpi: fast, still a real PNG
    assert [p.suffix for p in paths] == [".pdf", ".png"]
    for p in paths:
        assert p.stat().st_size > 1000
    assert paths[0].read_bytes().startswith(b"%PDF")
    assert paths[1].read_bytes().startswith(b"\x89PNG")


def test_style_is_scoped_not_global():
    before = matplotlib.rcParams["font.size"]
    with paper_style():
        assert matplotlib.rcParams["font.size"] == PAPER_STYLE["font.size"]
    assert matplotlib.rcParams["font.size"] == before


def test_schedules(tmp_path):
    with paper_style():
        _, ax = new_figure()
        artists = plot_schedules({T: _poly(T) for T in TS}, ax)
        _check(artists, ax, tmp_path, "schedules")
    assert len(artists) == len(TS)
    # colour by log T: the three lines have three different colours
    assert len({tuple(a.get_color()) for a in artists}) == len(TS)
    # and a colour bar was added
    assert len(ax.figure.axes) == 2


def test_schedules_step_axis_is_logarithmic():
    with paper_style():
        _, ax = new_figure()
        plot_schedules({100: _poly(100)}, ax, x="step", colorbar=False)
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="x must be"):
        plot_schedules({100: _poly(100)}, x="time")


def test_collapse_of_an_exact_power_law_is_perfect(tmp_path):
    xi, delta = 0.5, 3.0
    with paper_style():
        _, ax = new_figure()
        artists = plot_collapse({T: _poly(T, xi, delta) for T in TS}, xi, delta, ax)
        _check(artists, ax, tmp_path, "collapse")
    lines = [a for a in artists if hasattr(a, "get_ydata")]
    ref = lines[-1]
    # T^xi eta(t) = (1 - t/T)^delta exactly, so the fitted amplitude is 1 and every rescaled
    # curve lies on the reference curve
    s_ref, y_ref = ref.get_xdata(), ref.get_ydata()
    np.testing.assert_allclose(y_ref, (1 - s_ref) ** delta, rtol=1e-12)
    for line in lines[:-1]:
        s, y = line.get_xdata(), line.get_ydata()
        np.testing.assert_allclose(y, (1 - s) ** delta, rtol=1e-12)


def test_loss_vs_T_legend_has_fitted_slopes(tmp_path):
    with paper_style():
        _, ax = new_figure()
        artists = plot_loss_vs_T(_power_curves(), ax)
        _check(artists, ax, tmp_path, "loss_vs_T")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "p=-0.500" in labels[0] and "p=-0.750" in labels[1]
    assert ax.get_xscale() == ax.get_yscale() == "log"


def test_local_slopes_with_theory_line(tmp_path):
    with paper_style():
        _, ax = new_figure()
        artists = plot_local_slopes(_power_curves(), ax, theory={"(a-1)/b": 0.5})
        _check(artists, ax, tmp_path, "slopes")
    lines = [a for a in artists if hasattr(a, "get_ydata")]
    np.testing.assert_allclose(lines[0].get_ydata(), 0.5)
    np.testing.assert_allclose(lines[1].get_ydata(), 0.75)
    assert list(lines[2].get_ydata()) == [0.5, 0.5]  # the horizontal theory line


def test_phase_diagram(tmp_path):
    pts = [
        {"a": 3, "b": 2, "label": "easy", "predicted": 2 / 3, "measured": 0.65, "stderr": 0.01},
        {"a": 1.5, "b": 3, "label": "hard"},
    ]
    with paper_style():
        _, ax = new_figure()
        artists = plot_phase_diagram(pts, ax)
        _check(artists, ax, tmp_path, "phase")
    texts = " ".join(a.get_text() for a in artists if hasattr(a, "get_text"))
    assert "pred 0.667" in texts and "meas 0.650±0.010" in texts
    # the two markers sit at (b, a)
    marks = [a for a in artists if getattr(a, "get_marker", lambda: None)() == "o"]
    assert [(m.get_xdata()[0], m.get_ydata()[0]) for m in marks] == [(2.0, 3.0), (3.0, 1.5)]


def test_schedule_and_loss(tmp_path):
    T = 200
    t = np.arange(0, T + 1, 10)
    runs = {
        "constant": {"t": t, "eta": np.full(T, 0.3), "loss": 1 / (1 + t)},
        "linear": {"t": t, "eta": np.linspace(0.3, 0, T), "loss": 0.5 / (1 + t)},
    }
    with paper_style():
        _fig, axes = new_figure(2, 1, sharex=True)
        artists = plot_schedule_and_loss(runs, axes)
        _check(artists, axes[1], tmp_path, "panel")
    assert axes[0].get_ylabel() and axes[1].get_yscale() == "log"
    assert len(artists) == 2 * len(runs) + 1


def test_plot_functions_never_show(monkeypatch):
    import matplotlib.pyplot as plt

    def boom(*a, **k):
        raise AssertionError("show() called")

    monkeypatch.setattr(plt, "show", boom)
    with paper_style():
        plot_schedules({100: _poly(100)})
        plot_loss_vs_T(_power_curves())
        plot_phase_diagram()


def test_legend_slopes_come_from_the_one_fitter():
    """The slope a legend prints is fit_power_law's, and window-2 local slopes sit at the
    geometric midpoints (closed forms)."""
    fit = fit_power_law([1, 10, 100, 1000], [5, 5e-1, 5e-2, 5e-3])
    assert math.isclose(fit.exponent, -1.0, rel_tol=1e-12) and fit.stderr < 1e-12
    s = local_slopes(np.array([1.0, 100.0]), np.array([1.0, 1e-3]), window=2)
    assert math.isclose(s.x[0], 10.0) and math.isclose(s.slope[0], -1.5)
    with pytest.raises(ValueError):
        local_slopes([1, 2], [1])


def test_bad_inputs_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="schedules"):
        plot_schedules({})
    with pytest.raises(ValueError, match="curve 'x'"):
        plot_loss_vs_T({"x": ([1, 2], [1])})
    fig, _ = new_figure()
    with pytest.raises(ValueError, match="formats"):
        save_figure(fig, tmp_path / "f", formats=("jpeg",))
    with pytest.raises(ValueError, match="width"):
        new_figure(width="wide")


def test_public_plotting_names_are_lazy():
    """``import solvers`` does not pull in matplotlib; the public plotting names do."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, solvers\n"
        "assert 'matplotlib' not in sys.modules\n"
        "assert solvers.plots.plot_schedules is solvers.plots.figures.plot_schedules\n"
        "assert 'matplotlib' in sys.modules\n"
        "try:\n    solvers.no_such_name\nexcept AttributeError:\n    pass\n"
        "else:\n    raise SystemExit('missing AttributeError')\n"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=120)
