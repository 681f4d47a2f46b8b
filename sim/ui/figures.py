"""The dashboard's policy map. Like ``sim.analysis.plots``: the function takes data and an optional ``ax``, returns the ``ax``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.ui.state import ACCEPTS, OBJECTS, UNDECIDED, MapData

STATUS_COLOURS = {ACCEPTS: "#1b9e77", OBJECTS: "#d95f02", UNDECIDED: "#9e9e9e"}
TEXT_COLOUR = "#333333"
STAKEHOLDER_COLOUR = "#7570b3"


def new_axes(width: float = 6.4, height: float = 5.2) -> Any:
    """A fresh matplotlib ``ax`` on a figure not registered with pyplot (nothing to close, safe in a server)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained").subplots()


#: A map labels at most this many delegations: the most powerful, and every played one (193 labels overlap).
MAX_LABELS = 12


def labelled(data: MapData, limit: int = MAX_LABELS) -> list[int]:
    """The delegations the map names: every played one, then the most powerful up to ``limit`` in all."""
    played = [i for i, p in enumerate(data.played) if p]
    by_power = [int(i) for i in sorted(range(len(data.ids)), key=lambda i: (-data.power[i], i)) if not data.played[i]]
    return sorted(played + by_power[: max(0, limit - len(played))])


def plot_round_map(data: MapData, ax: Any = None) -> Any:
    """Delegations' ideal points sized by power and coloured by this round's decision; the chair's text and path.

    Played delegations get a thick black ring; delegations that cannot block are drawn hollow. Only the delegations
    of :func:`labelled` are named (all of them in a small scenario). Stakeholders (no vote) are purple diamonds,
    each named, where they want the text.
    """
    ax = ax if ax is not None else new_axes()
    sizes = 600 * data.power / data.power.max()
    for status, colour in STATUS_COLOURS.items():
        chosen = [i for i, s in enumerate(data.status) if s == status]
        if not chosen:
            continue
        faces = [colour if data.can_block[i] else "none" for i in chosen]
        edges = ["black" if data.played[i] else colour for i in chosen]
        widths = [2.5 if data.played[i] else 1.0 for i in chosen]
        ax.scatter(
            data.ideal[chosen, 0],
            data.ideal[chosen, 1],
            s=sizes[chosen],
            c=faces,
            edgecolors=edges,
            linewidths=widths,
            alpha=0.75,
            label=status,
        )
    for i in labelled(data):
        delegation_id = data.ids[i]
        label = delegation_id + (" (played)" if data.played[i] else "")
        ax.annotate(label, data.ideal[i], fontsize=8, xytext=(5, 5), textcoords="offset points")
    if data.stakeholders:
        points = data.stakeholder_points
        ax.scatter(
            points[:, 0],
            points[:, 1],
            marker="D",
            s=70,
            color=STAKEHOLDER_COLOUR,
            edgecolors="white",
            zorder=4,
            label="stakeholder (no vote)",
        )
        for name, point in zip(data.stakeholders, points):
            ax.annotate(
                name,
                point,
                fontsize=7,
                color=STAKEHOLDER_COLOUR,
                xytext=(5, -9),
                textcoords="offset points",
                zorder=6,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            )
    ax.plot(data.path[:, 0], data.path[:, 1], "-o", color=TEXT_COLOUR, markersize=3, linewidth=1, label="text path")
    ax.scatter(*data.text, marker="*", s=260, color=TEXT_COLOUR, zorder=5, label="text on the table")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel(data.axis_labels[0])
    ax.set_ylabel(data.axis_labels[1])
    ax.set_title(f"Policy map, {data.title} (circle area = power)", fontsize=10)
    ax.legend(loc="best", fontsize=7, markerscale=0.5)
    return ax


#: The smallest spot a tooltip takes, in points: a small delegation's circle is too small to find with a mouse.
MIN_SPOT = 10.0


@dataclass(frozen=True)
class HoverSpot:
    """Where a delegation's circle lies on the map's image, as fractions of its width (from the left) and height
    (from the top), with its diameter as a fraction of the width: a page lays a tooltip over it."""

    title: str
    left: float
    top: float
    size: float


def hover_spots(data: MapData, ax: Any) -> list[HoverSpot]:
    """The delegations :func:`labelled` leaves unnamed, where ``ax`` (drawn by :func:`plot_round_map`) puts them,
    for tooltips over the image (a browser shows an element's title on hover). The figure's layout is resolved
    first, so the fractions are those of the saved image at any dpi."""
    fig = ax.figure
    fig.draw_without_rendering()
    width, height = fig.bbox.width, fig.bbox.height
    named = set(labelled(data))
    points = ax.transData.transform(data.ideal)
    points_across = np.maximum(np.sqrt(600 * data.power / data.power.max()), MIN_SPOT)  # marker area is in pt²
    diameters = points_across * fig.dpi / 72.0
    return [
        HoverSpot(f"{data.names[i]} ({data.ids[i]}): {data.status[i]}", x / width, 1.0 - y / height, d / width)
        for i, ((x, y), d) in enumerate(zip(points, diameters))
        if i not in named
    ]
