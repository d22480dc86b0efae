"""The report's figures (PNG, matplotlib's Agg canvas: no display, no pyplot global state).

Each takes the plain numbers report._figure_data builds (pebench_cli/study/report.py): "parts": per part (person, event) the
Table 1 rows as (label, kind, {metric: Cell}, answer-kind shares or None), kind finetune | method |
goal; "kinds": per part (label, shares) of every adapter; "interference": the 2x2 matrix.
"""
from __future__ import annotations

import math
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pebench_tasks.metrics.answer_kinds import KINDS

DPI = 110
PARTS = ("person", "event")
STYLE = {"finetune": {"marker": "s", "color": "black"}, "goal": {"marker": "*", "color": "goldenrod", "markersize": 14}}
MARKERS = "o^vDPX<>ph"
KIND_COLORS = ("#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#7f7f7f", "#dddddd")   # answer_kinds.KINDS, in order


def _fig(w: float, h: float) -> Figure:
    fig = Figure(figsize=(w, h), dpi=DPI, layout="constrained")   # room for outside legends
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI, bbox_inches="tight", metadata={"Software": None})   # no version stamp


def _ok(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _err(cell) -> tuple[float, float]:
    if cell.ci is None:
        return (0.0, 0.0)
    return (max(0.0, cell.value - cell.ci[0]), max(0.0, cell.ci[1] - cell.value))


def _empty(ax, text: str = "not measured") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="gray")


def tradeoff(path: Path, data: dict) -> None:
    """Forget (x = efficacy) vs retain (y), one point per row; Finetune and Goal marked apart."""
    fig = _fig(12, 4.6)
    for i, part in enumerate(PARTS):
        ax = fig.add_subplot(1, 2, i + 1)
        eff, ret = data["efficacy"][part], data["retain"][part]
        drawn = 0
        for n, (label, kind, cells, _) in enumerate(data["parts"][part]):
            x, y = cells[eff], cells[ret]
            if not (_ok(x.value) and _ok(y.value)):
                continue
            style = STYLE.get(kind, {"marker": MARKERS[n % len(MARKERS)], "color": f"C{n % 10}"})
            ex, ey = _err(x), _err(y)
            ax.errorbar([x.value], [y.value], xerr=[[ex[0]], [ex[1]]], yerr=[[ey[0]], [ey[1]]], linestyle="none",
                        capsize=3, label=label, alpha=0.85, **style)
            drawn += 1
        if drawn:                                   # a legend, not labels: equal points would overlap
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        else:
            _empty(ax)
        ax.set_xlabel(data["headers"][part].get(eff, eff) + " (more forgotten ->)", fontsize=8)
        ax.set_ylabel(data["headers"][part].get(ret, ret), fontsize=8)
        ax.set_title(f"{part} unlearning: forget vs retain")
        ax.grid(alpha=0.3)
    _save(fig, path)


def interference(path: Path, matrix: list[list]) -> None:
    """2x2 loss relative to Finetune: rows forget target, columns measured concept."""
    fig = _fig(5.2, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    vals = [[v if _ok(v) else float("nan") for v in row] for row in matrix]
    im = ax.imshow(vals, cmap="Reds", vmin=0.0, vmax=1.0)
    for r, row in enumerate(matrix):
        for c, v in enumerate(row):
            ax.text(c, r, f"{v:.2f}" if _ok(v) else "n/a", ha="center", va="center", fontsize=13,
                    color="white" if _ok(v) and v > 0.6 else "black")
    ax.set_xticks([0, 1], [f"{p} measured" for p in PARTS])
    ax.set_yticks([0, 1], [f"forget {p}" for p in PARTS])
    ax.set_title("Loss vs Finetune on the forget images\n(1 - score / Finetune's, mean over methods)", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046)
    _save(fig, path)


def bars(path: Path, data: dict) -> None:
    """One panel per headline column: a bar per row with its 95% CI."""
    metrics = {p: list(data["headers"][p]) for p in PARTS}
    ncol = max(1, max(len(m) for m in metrics.values()))
    fig = _fig(3.2 * ncol, 7.2)
    for i, part in enumerate(PARTS):
        for j, metric in enumerate(metrics[part]):
            ax = fig.add_subplot(2, ncol, i * ncol + j + 1)
            rows = [(lab, kind, cells[metric]) for lab, kind, cells, _ in data["parts"][part] if _ok(cells[metric].value)]
            if rows:
                errs = [_err(c) for _, _, c in rows]
                colors = [STYLE.get(k, {}).get("color", "C0") for _, k, _ in rows]
                ax.bar(range(len(rows)), [c.value for _, _, c in rows], color=colors,
                       yerr=[[e[0] for e in errs], [e[1] for e in errs]], capsize=2)
                ax.set_xticks(range(len(rows)), [lab for lab, _, _ in rows], rotation=60, fontsize=7, ha="right")
            else:
                _empty(ax)
            ax.set_title(f"{part}: {data['headers'][part][metric]}", fontsize=7)
            ax.tick_params(axis="y", labelsize=7)
    _save(fig, path)


def answer_kinds(path: Path, data: dict) -> None:
    """Stacked shares of the forget answers per row, one bar segment per answer kind."""
    fig = _fig(11, 4.4)
    for i, part in enumerate(PARTS):
        ax = fig.add_subplot(1, 2, i + 1)
        rows = data["kinds"][part]
        bottom = [0.0] * len(rows)
        for n, name in enumerate(KINDS):
            h = [k[n] for _, k in rows]
            ax.bar(range(len(rows)), h, bottom=bottom, color=KIND_COLORS[n], label=name)
            bottom = [b + x for b, x in zip(bottom, h)]
        if rows:
            ax.set_xticks(range(len(rows)), [lab for lab, _ in rows], rotation=45, fontsize=8, ha="right")
            if i == len(PARTS) - 1:
                ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        else:
            _empty(ax)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{part} forget answers")
    _save(fig, path)


def draw_all(folder: Path, forget: str, data: dict) -> dict[str, str]:
    """Every figure of one forget size into ``folder``: {file name: caption}."""
    figs = {
        f"tradeoff_{forget}.png": (tradeoff, data, (f"Forget vs retain trade-off ({forget}), 95% CI bars; "
                                                   "square = Finetune, star = Goal.")),
        f"interference_{forget}.png": (interference, data["interference"],
                                       (f"Cross-concept interference ({forget}): loss of the measured concept on the "
                                        "forget images relative to Finetune, mean over methods.")),
        f"bars_{forget}.png": (bars, data, f"Headline columns per row ({forget}) with 95% CI."),
        f"answer_kinds_{forget}.png": (answer_kinds, data, f"What the forget answers are ({forget}): shares per row."),
    }
    for name, (draw, arg, _) in figs.items():
        draw(Path(folder) / name, arg)
    return {name: caption for name, (_, _, caption) in figs.items()}
