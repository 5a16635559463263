"""Plotting of optimised schedules (compute returns data; this only draws it)."""

from __future__ import annotations

import numpy as np

from ..control.result import ScheduleResult

__all__ = ["plot_schedule"]


def plot_schedule(result: ScheduleResult, ax=None):
    """Draw the schedule ``eta_t`` and the loss curve ``L(t)`` of a solver result.

    Parameters
    ----------
    result : ScheduleResult
    ax : matplotlib Axes, optional
        Axes for the schedule; the loss goes on a twin axis (log scale). A new figure is
        created when omitted. Never calls ``show()``.

    Returns
    -------
    dict
        ``{"eta": Line2D, "loss": Line2D, "ax": Axes, "ax_loss": Axes}`` (plus ``"batch"``
        when the batch size was optimised).
    """
    if not isinstance(result, ScheduleResult):
        raise TypeError(f"result must be a ScheduleResult, got {type(result).__name__}")
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.0))
    steps = np.arange(result.T)
    (eta_line,) = ax.step(steps, result.eta, where="post", color="C0", label=r"$\eta_t$")
    ax.set_xlabel("step t")
    ax.set_ylabel(r"learning rate $\eta_t$", color="C0")
    ax_loss = ax.twinx()
    (loss_line,) = ax_loss.semilogy(result.t, result.loss, color="C3", label="L(t)")
    ax_loss.set_ylabel("excess loss L(t)", color="C3")
    m = result.model
    ax.set_title(
        f"{result.method}: a={m.a:g} b={m.b:g} sigma={m.sigma:g} T={result.T} "
        f"L(T)={result.final_loss:.4g}",
        fontsize="small",
    )
    artists = {"eta": eta_line, "loss": loss_line, "ax": ax, "ax_loss": ax_loss}
    if result.batch is not None:
        ax_b = ax.twinx()
        ax_b.spines["right"].set_position(("axes", 1.15))
        (artists["batch"],) = ax_b.step(steps, result.batch, where="post", color="C2")
        ax_b.set_ylabel("batch size $m_t$", color="C2")
    return artists
