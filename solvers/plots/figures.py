r"""Figures of optlr in one paper style.

Compute returns data; this module only draws it. Every ``plot_*`` function takes plain data
(mappings of arrays, or objects with ``t``/``eta``/``loss`` attributes such as
:class:`solvers.Trajectory`), draws on ``ax`` (a new figure when ``ax`` is ``None``), returns the
list of artists it created and never calls ``show()``. Use them inside :func:`paper_style` so that
every figure of the report shares fonts, sizes and colours; the style is a context manager, so
importing this module changes no global matplotlib state. Mathematics is rendered by matplotlib's
mathtext (no TeX installation needed).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> with paper_style():
...     artists = plot_schedules({100: np.linspace(1, 0, 100), 1000: np.linspace(1, 0, 1000)})
>>> len(artists)   # one line per horizon
2
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ..analysis.fits import CollapseMeasure, LocalSlopes, fit_power_law, local_slopes

__all__ = [
    "PAPER_STYLE",
    "new_figure",
    "paper_style",
    "plot_collapse",
    "plot_local_slopes",
    "plot_loss_vs_T",
    "plot_phase_diagram",
    "plot_schedule_and_loss",
    "plot_schedules",
    "save_figure",
]

#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies and in greyscale.
OKABE_ITO = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)

#: Width of one column of a two-column paper (inches); figures are drawn at print size.
COLUMN_WIDTH = 3.4
#: Width of a full page of text (inches).
PAGE_WIDTH = 6.8

#: The rcParams of every optlr figure (applied only inside :func:`paper_style`).
PAPER_STYLE: dict[str, Any] = {
    "figure.figsize": (COLUMN_WIDTH, 2.5),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "savefig.dpi": 200,
    "font.family": "STIXGeneral",
    "mathtext.fontset": "stix",
    "font.size": 9,
    "axes.labelsize": 9,
    "axes.titlesize": 9,
    "legend.fontsize": 7,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
    "axes.grid": True,
    "grid.alpha": 0.25,
    "grid.linewidth": 0.5,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    # legends may sit over data: a light box keeps both readable
    "legend.frameon": True,
    "legend.framealpha": 0.85,
    "legend.edgecolor": "none",
    "legend.fancybox": False,
    "image.cmap": "viridis",
}

#: Colour of the easy / hard regions of the phase diagram (light tints of the cycle's first two).
EASY_COLOUR = "#cfe3f2"
HARD_COLOUR = "#f6d5c3"


@contextlib.contextmanager
def paper_style(**overrides: Any) -> Iterator[None]:
    """Apply :data:`PAPER_STYLE` (plus ``overrides``, rcParams names) inside a ``with`` block."""
    params = {**PAPER_STYLE, **overrides}
    with mpl.rc_context(params):
        yield


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    width: str | float = "column",
    height: float | None = None,
    **subplot_kw: Any,
) -> tuple[Figure, Any]:
    """A figure at print size: ``width`` is ``"column"``, ``"page"`` or inches.

    Returns ``(fig, axes)`` as :func:`matplotlib.pyplot.subplots` does, without pyplot's global
    figure registry (the figure is garbage-collected with its last reference).
    """
    w = {"column": COLUMN_WIDTH, "page": PAGE_WIDTH}.get(width, width)  # type: ignore[arg-type]
    if not isinstance(w, int | float) or w <= 0:
        raise ValueError(f"width must be 'column', 'page' or inches > 0, got {width!r}")
    h = height if height is not None else 2.5 * nrows
    fig = Figure(figsize=(float(w), float(h)), layout="constrained")
    axes = fig.subplots(nrows, ncols, **subplot_kw)
    return fig, axes


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = new_figure()
    return ax


def save_figure(
    fig: Figure, stem: str | Path, formats: Sequence[str] = ("pdf", "png"), *, dpi: int = 200
) -> tuple[Path, ...]:
    """Save ``fig`` as ``stem.pdf`` (vector) and ``stem.png`` (raster); return the paths.

    The layout is computed once for all formats (text layout dominates the cost of a figure).
    The PDF carries no creation date, so re-running a report reproduces the same bytes.
    """
    stem = Path(stem)
    for ext in formats:
        if ext not in ("pdf", "png", "svg"):
            raise ValueError(f"formats: expected 'pdf', 'png' or 'svg', got {ext!r}")
    stem.parent.mkdir(parents=True, exist_ok=True)
    engine = fig.get_layout_engine()
    if engine is not None:
        fig.draw_without_rendering()  # run the layout engine once ...
        fig.set_layout_engine("none")  # ... and keep its result for every format
    paths = []
    try:
        for ext in formats:
            path = stem.with_suffix(f".{ext}")
            metadata = {"CreationDate": None} if ext == "pdf" else None
            fig.savefig(path, dpi=dpi, metadata=metadata)
            paths.append(path)
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)
    return tuple(paths)


def _local_slopes(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Slopes between consecutive points (:func:`solvers.analysis.local_slopes`, window 2)."""
    if np.count_nonzero((np.asarray(x) > 0) & (np.asarray(y) > 0)) < 2:
        return np.empty(0), np.empty(0)
    s = local_slopes(x, y, window=2)
    return s.x, s.slope


# -- figure kinds --------------------------------------------------------------------------------


def _T_norm(Ts: Sequence[float]) -> LogNorm:
    lo, hi = float(min(Ts)), float(max(Ts))
    if hi <= lo:  # a single horizon: widen so the colour map is defined
        lo, hi = lo / 2, hi * 2
    return LogNorm(vmin=lo, vmax=hi)


def _T_colourbar(ax: Axes, norm: LogNorm, cmap: str) -> None:
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
    cb = ax.figure.colorbar(sm, ax=ax, pad=0.02)
    cb.set_label(r"horizon $T$")


def _sorted_T(schedules: Mapping[int, Any]) -> list[int]:
    if not schedules:
        raise ValueError("schedules must hold at least one horizon T -> eta array")
    return sorted(schedules)


def plot_schedules(
    schedules: Mapping[int, Sequence[float]],
    ax: Axes | None = None,
    *,
    x: str = "fraction",
    logy: bool = False,
    cmap: str = "viridis",
    colorbar: bool = True,
    ylabel: str = r"learning rate $\eta(t)$",
    log_decades: float = 4.0,
) -> list[Artist]:
    r"""Schedules across horizons, coloured by :math:`\log T` (with a colour bar).

    Parameters
    ----------
    schedules : mapping T -> array_like, shape (T,)
        ``eta[t]`` for ``t = 0..T-1`` per horizon.
    x : {"fraction", "step"}
        Horizontal axis: ``t/T`` (linear) or ``t`` (logarithmic).
    logy : bool
        Logarithmic learning-rate axis, spanning ``log_decades`` decades below the largest rate.
    """
    if x not in ("fraction", "step"):
        raise ValueError(f"x must be 'fraction' or 'step', got {x!r}")
    ax = _axes(ax)
    Ts = _sorted_T(schedules)
    norm, cm = _T_norm(Ts), mpl.colormaps[cmap]
    artists: list[Artist] = []
    for T in Ts:
        eta = np.asarray(schedules[T], dtype=float)
        t = np.arange(eta.size, dtype=float)
        xs = t / eta.size if x == "fraction" else t + 1
        (line,) = ax.plot(xs, eta, color=cm(norm(T)), lw=1.0)
        artists.append(line)
    if x == "fraction":
        ax.set_xlabel(r"training fraction $t/T$")
        ax.set_xlim(0, 1)
    else:
        ax.set_xscale("log")
        ax.set_xlabel(r"step $t+1$")
    if logy:
        ax.set_yscale("log")
        top = max(float(np.max(schedules[T])) for T in Ts)
        if top > 0:  # annealed schedules end near 0: show the decades that carry the shape
            ax.set_ylim(top * 10.0**-log_decades, top * 1.5)
    ax.set_ylabel(ylabel)
    if colorbar:
        _T_colourbar(ax, norm, cmap)
    return artists


def plot_collapse(
    schedules: Mapping[int, Sequence[float]] | CollapseMeasure,
    xi: float | None = None,
    delta: float | None = None,
    ax: Axes | None = None,
    *,
    amplitude: float | None = None,
    cmap: str = "viridis",
    colorbar: bool = True,
) -> list[Artist]:
    r"""Scaling collapse :math:`T^{\xi}\eta(t)` against :math:`t/T`, with :math:`(1-t/T)^\delta`.

    Parameters
    ----------
    schedules : mapping T -> array_like, shape (T,), or CollapseMeasure
        The schedules per horizon, or a measured collapse
        (:func:`solvers.analysis.collapse_spread`: curves already rescaled, on its own grid).
    xi : float
        Exponent of the rescaling :math:`T^\xi` (taken from a ``CollapseMeasure``).
    delta : float, optional
        Exponent of the reference curve :math:`A(1-t/T)^\delta` (omitted when ``None``).
    amplitude : float, optional
        ``A``; by default the least-squares fit in :math:`\log` to all rescaled curves on
        ``t/T <= 0.9`` (where the reference is meant to hold).
    """
    ax = _axes(ax)
    if isinstance(schedules, CollapseMeasure):
        xi, colorbar = schedules.xi, False
        rows = np.atleast_2d(schedules.curves)
        curves = [(i + 1, schedules.s, y) for i, y in enumerate(rows)]
    elif xi is None:
        raise ValueError("plot_collapse: xi is required with a mapping of schedules")
    else:
        curves = []
        for T in _sorted_T(schedules):
            eta = np.asarray(schedules[T], dtype=float)
            curves.append((T, np.arange(eta.size, dtype=float) / eta.size, float(T) ** xi * eta))
    norm, cm = _T_norm([c[0] for c in curves]), mpl.colormaps[cmap]
    artists: list[Artist] = []
    logs = []
    for T, s, y in curves:
        (line,) = ax.plot(s, y, color=cm(norm(T)), lw=1.0)
        artists.append(line)
        if delta is not None:
            keep = (s <= 0.9) & (y > 0)
            logs.append(np.log(y[keep]) - delta * np.log1p(-s[keep]))
    if delta is not None:
        if amplitude is None:
            pooled = np.concatenate(logs) if logs else np.array([])
            amplitude = float(np.exp(pooled.mean())) if pooled.size else 1.0
        s = np.linspace(0, 1, 400)
        (ref,) = ax.plot(
            s,
            amplitude * (1 - s) ** delta,
            color="black",
            ls="--",
            lw=1.2,
            label=rf"$A\,(1-t/T)^{{{delta:.3g}}}$",
        )
        artists.append(ref)
        artists.append(ax.legend(loc="upper right"))
    ax.set_xlim(0, 1)
    ax.set_xlabel(r"training fraction $t/T$")
    ax.set_ylabel(rf"$T^{{{xi:.3g}}}\,\eta(t)$")
    if colorbar:
        _T_colourbar(ax, norm, cmap)
    return artists


def _curves(curves: Mapping[str, Any]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    if not curves:
        raise ValueError("curves must hold at least one name -> (T, values) pair")
    out = []
    for name, (T, y) in curves.items():
        T = np.asarray(T, dtype=float)
        y = np.asarray(y, dtype=float)
        if T.shape != y.shape or T.ndim != 1:
            raise ValueError(
                f"curve {name!r}: T and values must be 1-D of equal length, got {T.shape}, {y.shape}"
            )
        order = np.argsort(T)
        out.append((str(name), T[order], y[order]))
    return out


def plot_loss_vs_T(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    ax: Axes | None = None,
    *,
    fit: bool = True,
    fit_from: float | None = None,
    ylabel: str = r"final excess loss $L(T)$",
    slope_symbol: str = "p",
    legend_room: float = 0.8,
) -> list[Artist]:
    r"""Values against horizon on log-log axes, one curve per schedule, fitted slope in the legend.

    Parameters
    ----------
    curves : mapping name -> (T, values)
        ``T`` and the value at each ``T`` (final loss, tuned peak rate, ...), shapes ``(n,)``.
    fit : bool
        Put the least-squares log-log slope (:func:`solvers.analysis.fit_power_law`) in each legend entry.
    fit_from : float, optional
        Fit only the points with ``T >= fit_from`` (the asymptotic end); all points by default.
    legend_room : float
        Head room above the data for the legend, as a fraction of the data's log range.
    """
    ax = _axes(ax)
    artists: list[Artist] = []
    markers = "osD^vP*X"
    for i, (name, T, y) in enumerate(_curves(curves)):
        label = name
        if fit:
            keep = T >= (fit_from if fit_from is not None else -np.inf)
            fit = fit_power_law(T[keep], y[keep])
            p, se = fit.exponent, fit.stderr
            if math.isfinite(p):
                err = rf"\pm{se:.1g}" if math.isfinite(se) else ""
                label = rf"{name} (${slope_symbol}={p:.3f}{err}$)"
        (line,) = ax.plot(T, y, marker=markers[i % len(markers)], label=label)
        artists.append(line)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ys = np.concatenate([y[(y > 0) & np.isfinite(y)] for _, _, y in _curves(curves)])
    if ys.size and legend_room > 0:
        lo, hi = float(ys.min()), float(ys.max())
        span = max(hi / lo, 1.5)
        ax.set_ylim(lo / span**0.05, hi * span**legend_room)
    ax.set_xlabel(r"horizon $T$ (steps)")
    ax.set_ylabel(ylabel)
    artists.append(ax.legend(loc="upper right"))
    return artists


def _slopes_of(curves: Mapping[str, Any]) -> list[tuple[str, np.ndarray, np.ndarray, Any]]:
    """``(name, window centres, slopes, stderr or None)`` per curve: measured
    :class:`~solvers.analysis.LocalSlopes` as they are, ``(T, values)`` pairs by
    :func:`_local_slopes`."""
    out = []
    for name, c in curves.items():
        if isinstance(c, LocalSlopes):
            out.append((str(name), np.asarray(c.x), np.asarray(c.slope), np.asarray(c.stderr)))
        else:
            ((_, T, y),) = _curves({name: c})
            out.append((str(name), *_local_slopes(T, y), None))
    return out


def plot_local_slopes(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]] | LocalSlopes],
    ax: Axes | None = None,
    *,
    theory: float | Mapping[str, float] | None = None,
    theory_label: str = "theory",
    ylabel: str = r"local exponent $-\mathrm{d}\log L/\mathrm{d}\log T$",
    sign: float = -1.0,
) -> list[Artist]:
    r"""Local exponents :math:`\pm\Delta\log y/\Delta\log T` against ``T``, with theory lines.

    A curve that has reached its asymptotic regime is flat at its exponent; drift shows how far
    from it the horizons still are.

    Parameters
    ----------
    curves : mapping name -> (T, values) or LocalSlopes
        Values per horizon (their consecutive slopes are drawn), or slopes already measured
        (:func:`solvers.analysis.local_slopes`, drawn with their error bars).
    theory : float or mapping label -> float, optional
        Horizontal reference exponent(s), in the sign convention of the plot.
    sign : float
        ``-1`` draws decay rates :math:`-\mathrm{d}\log y/\mathrm{d}\log T` (a loss), ``+1``
        the slopes as they are (a claim's exponent in its own convention).
    """
    ax = _axes(ax)
    artists: list[Artist] = []
    markers = "osD^vP*X"
    slopes = _slopes_of(curves)
    if not slopes:
        raise ValueError("curves must hold at least one curve")
    T_all = np.concatenate([x for _, x, _, _ in slopes] + [np.ones(0)])
    for i, (name, xm, s, err) in enumerate(slopes):
        yerr = None if err is None or not np.isfinite(err).any() else err
        style = {"marker": markers[i % len(markers)], "label": name}
        if yerr is None:
            (line,) = ax.plot(xm, sign * s, **style)
        else:  # the data line of the error-bar container
            line = ax.errorbar(xm, sign * s, yerr=yerr, **style).lines[0]
        artists.append(line)
    refs = {theory_label: theory} if isinstance(theory, int | float) else dict(theory or {})
    for j, (label, value) in enumerate(refs.items()):
        line = ax.axhline(
            float(value), color="black", ls=("--", ":", "-.")[j % 3], lw=1.0, label=label
        )
        artists.append(line)
    ax.set_xscale("log")
    if T_all.size:
        ax.set_xlim(T_all.min(), T_all.max())  # the horizons' range, as in plot_loss_vs_T
    ax.xaxis.set_minor_formatter(NullFormatter())  # few points: minor labels would collide
    values = [sign * s for _, _, s, _ in slopes] + [np.array([float(v) for v in refs.values()])]
    values = np.concatenate(values)
    values = values[np.isfinite(values)]
    if sign < 0 and values.size:  # decay rates: measured from zero
        top = max(float(values.max()), 0.0)
        ax.set_ylim(0.0, 1.25 * top if top > 0 else None)
    ax.set_xlabel(r"horizon $T$ (steps)")
    ax.set_ylabel(ylabel)
    artists.append(ax.legend(loc="lower right"))
    return artists


def plot_phase_diagram(
    points: Sequence[Mapping[str, Any]] = (),
    ax: Axes | None = None,
    *,
    a_range: tuple[float, float] = (1.0, 4.0),
    b_range: tuple[float, float] = (1.0, 4.0),
) -> list[Artist]:
    r"""The :math:`(b, a)` plane: easy phase :math:`a > b`, hard phase :math:`a < b`, line :math:`a=b`.

    Parameters
    ----------
    points : sequence of mappings
        Each with ``a`` and ``b``; optional ``label``, ``predicted`` and ``measured`` (an exponent,
        shown next to the marker), and ``stderr`` (of ``measured``).
    a_range, b_range : (float, float)
        Plotted ranges (``b`` horizontal, ``a`` vertical).
    """
    ax = _axes(ax)
    (a0, a1), (b0, b1) = a_range, b_range
    lo, hi = min(a0, b0), max(a1, b1)
    artists: list[Artist] = [
        ax.fill_between([lo, hi], [lo, hi], [hi, hi], color=EASY_COLOUR, lw=0),
        ax.fill_between([lo, hi], [lo, lo], [lo, hi], color=HARD_COLOUR, lw=0),
    ]
    (diag,) = ax.plot([lo, hi], [lo, hi], color="black", lw=1.0)
    artists.append(diag)
    artists.append(ax.text(0.05, 0.93, r"easy: $a>b$", transform=ax.transAxes, va="top", ha="left"))
    artists.append(
        ax.text(0.95, 0.07, r"hard: $a<b$", transform=ax.transAxes, va="bottom", ha="right")
    )
    for p in points:
        a, b = float(p["a"]), float(p["b"])
        (mk,) = ax.plot(b, a, marker="o", color="black", ms=4, ls="none", zorder=3)
        artists.append(mk)
        parts = [str(p["label"])] if p.get("label") else []
        if p.get("predicted") is not None:
            parts.append(f"pred {float(p['predicted']):.3f}")
        if p.get("measured") is not None:
            err = f"±{float(p['stderr']):.3f}" if p.get("stderr") is not None else ""
            parts.append(f"meas {float(p['measured']):.3f}{err}")
        if parts:
            artists.append(
                ax.annotate(
                    "\n".join(parts),
                    (b, a),
                    xytext=(5, 4),
                    textcoords="offset points",
                    fontsize=7,
                    va="bottom",
                )
            )
    ax.set_xlim(b0, b1)
    ax.set_ylim(a0, a1)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel(r"capacity exponent $b$ ($\lambda_k = k^{-b}$)")
    ax.set_ylabel(r"source exponent $a$")
    return artists


def _run_arrays(run: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if isinstance(run, Mapping):
        t, eta, loss = run["t"], run["eta"], run["loss"]
    else:
        t, eta, loss = run.t, run.eta, run.loss
    return np.asarray(t, dtype=float), np.asarray(eta, dtype=float), np.asarray(loss, dtype=float)


def plot_schedule_and_loss(
    runs: Mapping[str, Any],
    axes: Sequence[Axes] | None = None,
    *,
    logx: bool = True,
) -> list[Artist]:
    r"""Two stacked panels: the schedules :math:`\eta(t)` and their loss curves :math:`L(t)`.

    Parameters
    ----------
    runs : mapping name -> run
        A run has ``eta`` (shape ``(T,)``), ``t`` (recorded steps) and ``loss`` (at ``t``): a
        :class:`solvers.Trajectory` or a mapping with those keys.
    axes : pair of Axes, optional
        Schedule panel and loss panel; a new two-row figure by default.
    logx : bool
        Logarithmic step axis (steps counted from 1).
    """
    if axes is None:
        _, axes = new_figure(2, 1, height=3.6, sharex=True)
    if len(axes) != 2:
        raise ValueError(f"axes must be a pair (schedule, loss), got {len(axes)} axes")
    ax_eta, ax_loss = axes
    if not runs:
        raise ValueError("runs must hold at least one name -> run")
    artists: list[Artist] = []
    for i, (name, run) in enumerate(runs.items()):
        t, eta, loss = _run_arrays(run)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        steps = np.arange(1, eta.size + 1, dtype=float)
        (l1,) = ax_eta.plot(steps, eta, color=colour, label=name)
        (l2,) = ax_loss.plot(t + 1, loss, color=colour, label=name)
        artists += [l1, l2]
    for ax in axes:
        if logx:
            ax.set_xscale("log")
    ax_loss.set_yscale("log")
    ax_eta.set_ylabel(r"$\eta(t)$")
    ax_loss.set_ylabel(r"excess loss $L(t)$")
    ax_loss.set_xlabel(r"step $t+1$" if logx else r"step $t$")
    artists.append(ax_eta.legend())
    return artists
