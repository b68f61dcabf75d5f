"""Report figures: matplotlib on the off-screen Agg backend, saved as PNG and closed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

DPI = 110
SERIES_COLORS = ("#4C72B0", "#55A868", "#C44E52", "#8172B2", "#CCB974", "#64B5CD")
PAIR_COLORS = {"matching": "#C44E52", "non-matching": "#4C72B0"}
GT_COLOR = "#2CA02C"
OTHER_COLOR = "#888888"
MAX_LABEL = 28
ANNOTATE_UP_TO = 8  # groups; beyond that the value labels would overlap


def plain_label(text: object, max_len: int = MAX_LABEL) -> str:
    """`text` as a literal matplotlib label: `$` escaped (no mathtext), long text shortened."""
    flat = " ".join(str(text).split())
    if len(flat) > max_len:
        flat = flat[: max_len - 1].rstrip() + "…"
    return flat.replace("$", r"\$")


def recall_bars(
    path: Path,
    groups: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    xlabel: str,
    ylabel: str = "recall (%)",
) -> Path:
    """Grouped bars of percentages (e.g. R@1, R@5, R@10 per category); see `grouped_bars`."""
    return grouped_bars(path, groups, series, title, xlabel, ylabel, percent=True)


def grouped_bars(
    path: Path,
    groups: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    xlabel: str,
    ylabel: str,
    percent: bool = False,
) -> Path:
    """Grouped bars: one group per entry of `groups`, one bar per series.

    None draws no bar. Group labels may hold a second line. `percent` caps the axis
    near 100.
    """
    n = len(groups)
    if n == 0 or not series:
        raise ValueError("recall_bars needs at least one group and one series")
    width = 0.8 / len(series)
    x = np.arange(n)
    rotate = n > 5 or any(len(line) > 14 for g in groups for line in g.split("\n"))
    fig, ax = plt.subplots(figsize=(min(18.0, max(6.4, 1.6 + 0.8 * n)), 4.8))
    try:
        top = 0.0
        for i, (name, values) in enumerate(series.items()):
            heights = np.array([np.nan if v is None else float(v) for v in values])
            bars = ax.bar(
                x + (i - (len(series) - 1) / 2) * width,
                np.nan_to_num(heights),
                width,
                label=plain_label(name),
                color=SERIES_COLORS[i % len(SERIES_COLORS)],
            )
            top = max(top, float(np.nanmax(heights, initial=0.0)))
            if n <= ANNOTATE_UP_TO:
                labels = [_bar_value(h) for h in heights]
                ax.bar_label(bars, labels=labels, fontsize=7, padding=2)
        ax.set_xticks(x)
        ax.set_xticklabels(
            [_multiline(g) for g in groups],
            rotation=30 if rotate else 0,
            ha="right" if rotate else "center",
            fontsize=9,
        )
        ax.set_ylim(0, min(108.0, max(5.0, top * 1.12)) if percent else max(1.0, top * 1.12))
        ax.set_axisbelow(True)
        return _finish(fig, ax, path, title, xlabel, ylabel, grid_axis="y")
    finally:
        plt.close(fig)


def score_histogram(
    path: Path,
    edges: Sequence[float],
    counts: Mapping[str, Sequence[int]],
    means: Mapping[str, float | None],
    title: str,
    xlabel: str = "similarity score",
) -> Path:
    """Overlaid density histograms sharing `edges`, one per group, dashed lines at the means.

    Each group is normalised to unit area, so a small group (matching pairs) stays visible
    next to a large one (non-matching pairs).
    """
    edges_arr = np.asarray(edges, dtype=float)
    widths = np.diff(edges_arr)
    if len(edges_arr) < 2 or np.any(widths <= 0):
        raise ValueError("score_histogram needs increasing bin edges")
    fig, ax = plt.subplots(figsize=(7.2, 4.4))
    try:
        for i, (name, values) in enumerate(counts.items()):
            n = np.asarray(values, dtype=float)
            if len(n) != len(widths):
                raise ValueError(f"{name}: {len(n)} counts for {len(widths)} bins")
            if n.sum() == 0:
                continue
            color = PAIR_COLORS.get(name, SERIES_COLORS[i % len(SERIES_COLORS)])
            density = n / (n.sum() * widths)
            mean = means.get(name)
            about = f"n={int(n.sum())}" + ("" if mean is None else f", mean {mean:.3f}")
            label = plain_label(f"{name} ({about})", 80)
            ax.stairs(density, edges_arr, fill=True, alpha=0.35, color=color, label=label)
            ax.stairs(density, edges_arr, color=color, linewidth=1.2)
            if mean is not None:
                ax.axvline(mean, color=color, linestyle="--", linewidth=1.2)
        ax.set_xlabel(plain_label(xlabel, 80))
        ax.set_ylabel("density")
        ax.set_title(plain_label(title, 90))
        ax.grid(alpha=0.3)
        ax.set_axisbelow(True)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.15)  # room for the legend
        ax.legend(fontsize=9, loc="upper left")
        return _save(fig, path)
    finally:
        plt.close(fig)


def draw_strip(
    path: Path,
    title: str,
    panels: Sequence[Mapping[str, object]],
    images: Sequence[np.ndarray | None],
) -> Path:
    """One row of panels (thumbnail image + label + score); ground truth framed in green.

    Each panel holds "label", "score" and "is_gt"; a None image draws a grey panel that
    says the video could not be shown.
    """
    n = max(1, len(panels))
    shown = [image for image in images if image is not None]
    blank_shape = shown[0].shape if shown else (72, 218, 3)
    fig, axes = plt.subplots(1, n, figsize=(2.7 * n, 2.3), squeeze=False)
    try:
        for ax, panel, image in zip(axes[0], panels, images, strict=False):
            is_gt = bool(panel["is_gt"])
            if image is None:
                ax.imshow(np.full(blank_shape, 221, dtype=np.uint8))
                ax.text(
                    0.5,
                    0.5,
                    "video file\nnot available",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    fontsize=9,
                    color="#555555",
                )
            else:
                ax.imshow(image)
            ax.set_xticks([])
            ax.set_yticks([])
            color = GT_COLOR if is_gt else OTHER_COLOR
            for spine in ax.spines.values():
                spine.set_edgecolor(color)
                spine.set_linewidth(4 if is_gt else 1)
            mark = " ✓" if is_gt else ""
            ax.set_title(
                f"{plain_label(panel['label'], 34)}{mark}\nscore {float(panel['score']):.3f}",
                fontsize=8,
                color=color if is_gt else "black",
            )
        for ax in axes[0][len(panels) :]:
            ax.axis("off")
        fig.suptitle(plain_label(title, 140), fontsize=9)
        return _save(fig, path)
    finally:
        plt.close(fig)


def line_chart(
    path: Path,
    series: Mapping[str, tuple[Sequence[float], Sequence[float | None]]],
    title: str,
    xlabel: str,
    ylabel: str,
    references: Mapping[str, float] | None = None,
    xticks: Sequence[int] | None = None,
) -> Path:
    """One line with markers per series of (x, y) points (e.g. a metric per epoch or per
    layer); a None y leaves a gap. `references` are dashed horizontal lines."""
    if not series:
        raise ValueError("line_chart needs at least one series")
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    try:
        for i, (name, (x, y)) in enumerate(series.items()):
            ys = [np.nan if v is None else float(v) for v in y]
            color = SERIES_COLORS[i % len(SERIES_COLORS)]
            ax.plot(list(x), ys, marker="o", markersize=3, color=color, label=plain_label(name, 60))
        for name, value in (references or {}).items():
            ax.axhline(value, linestyle="--", color=OTHER_COLOR, label=plain_label(name))
        if xticks is not None:
            ax.set_xticks(list(xticks))
        return _finish(fig, ax, path, title, xlabel, ylabel)
    finally:
        plt.close(fig)


def metric_lines(
    path: Path,
    x: Sequence[int],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    xlabel: str,
    ylabel: str,
    references: Mapping[str, float] | None = None,
) -> Path:
    """One line per series over the integer `x` (e.g. a metric per layer); see line_chart."""
    if not x:
        raise ValueError("metric_lines needs at least one x value")
    return line_chart(
        path,
        {name: (x, ys) for name, ys in series.items()},
        title,
        xlabel,
        ylabel,
        references,
        xticks=x,
    )


def _bar_value(height: float) -> str:
    if np.isnan(height):
        return ""
    return f"{height:.1f}" if height < 10 else f"{height:.0f}"


def _multiline(label: str) -> str:
    return "\n".join(plain_label(line) for line in label.split("\n"))


def _finish(
    fig: plt.Figure,
    ax: plt.Axes,
    path: Path,
    title: str,
    xlabel: str,
    ylabel: str,
    grid_axis: str = "both",
) -> Path:
    """Title, axis labels, a light grid and the legend right of the axes; then saved."""
    ax.set_xlabel(plain_label(xlabel, 80))
    ax.set_ylabel(plain_label(ylabel, 80))
    ax.set_title(plain_label(title, 90))
    ax.grid(axis=grid_axis, alpha=0.3)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    return path
