"""Pictures drawn on the server: time-series charts (matplotlib) and the community view (numpy).

Nothing is drawn in the browser, so the page needs no chart library from a CDN. Each session
keeps its own :class:`TimeSeriesChart`; a new day moves the lines' data and draws only the
lines onto a cached picture of the axes. The community view places residents once per
community and seed (:func:`layout`, cached) and paints them into a pixel array each day.
Chinese chart titles need a CJK font; without one, charts fall back to English.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from matplotlib import colormaps, font_manager
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter
from PIL import Image

from sim.experiments.analysis import _ci
from sim.model.population import Population
from sim.ui.i18n import metric_label, t
from sim.ui.state import START, Frame

#: Preferred CJK font families, best first; failing these, any font fontconfig lists for zh.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
)
SET_COLOURS = {"A": "#1f77b4", "B": "#e6550d"}  # blue and orange: told apart in print too
GROUP_STYLES = ("-", "--", ":")  # all residents, the elderly, offline residents

#: The panels: ((metric, window) of the title, columns, kind of y axis). The title is the
#: metric's declared label with the window's words. A column's position in its panel gives
#: its group and colour: all residents, the elderly, offline residents (see SERIES).
PANELS = (
    (
        ("participation_rate", ""),
        ("participation_rate", "participation_rate_elderly", "participation_rate_offline"),
        "share",
    ),
    (
        ("satisfaction_mean", ""),
        ("satisfaction_mean", "satisfaction_mean_elderly", "satisfaction_mean_offline"),
        "index",
    ),
    (("trust_mean", ""), ("trust_mean",), "index"),
    (("issues_open", ""), ("issues_open",), "count"),
    (("issues_resolved_total", "total"), ("issues_resolved_total",), "count"),
    (("social_worker_hours", "mean30"), ("social_worker_hours_30d",), "count"),
    (("conflicts", "sum30"), ("conflicts_30d",), "count"),
)
SERIES = ("series_all", "series_elderly", "series_offline")
#: The 30-day panel columns: (daily column, mean or sum over the last 30 days).
ROLLING = {
    "social_worker_hours_30d": ("social_worker_hours", "mean"),
    "conflicts_30d": ("conflicts", "sum"),
}
LEGEND_SLOT = 3  # the top right of the 2 x 4 grid holds the legend
TOP = 0.93  # the panels' top edge (lower under an exported picture's title)


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font, registered with matplotlib; None if none.

    Matplotlib's font cache may predate a font installed later, so fontconfig is asked too.
    """
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in known:
            return family
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    paths = {line.split(":")[0].strip() for line in out.splitlines() if line.strip()}
    for path in paths:
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
    found = sorted({f.name for f in font_manager.fontManager.ttflist if f.fname in paths})
    return next((f for f in CJK_FAMILIES if f in found), found[0] if found else None)


def chart_language(lang: str) -> str:
    """The language chart texts can be drawn in: Chinese only with a CJK font."""
    return lang if lang == "en" or cjk_font() else "en"


def encode(img: np.ndarray) -> bytes:
    """An RGB pixel array as PNG."""
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten at or above ``value`` (> 0)."""
    power = 10.0 ** np.floor(np.log10(value))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= value * (1 - 1e-9))


def x_dates(days: np.ndarray) -> np.ndarray:
    """Matplotlib date numbers of page days (day N ends N days after 1 July 2015)."""
    return mdates.date2num(START) + np.asarray(days, dtype=float)


def date_label(num: float, lang: str) -> str:
    """An axis tick: the month and year, in the chart's language."""
    d = mdates.num2date(num)
    return f"{d.year}年{d.month}月" if lang == "zh" else d.strftime("%b %Y")


def rolling(x: np.ndarray, how: str) -> np.ndarray:
    """A trailing 30-day mean or sum along the last axis (fewer days at the start)."""
    c = np.cumsum(x, axis=-1)
    c[..., 30:] = c[..., 30:] - c[..., :-30]
    return c / np.minimum(np.arange(1, x.shape[-1] + 1), 30) if how == "mean" else c


def column(tables: list[pd.DataFrame], name: str) -> np.ndarray:
    """A panel's column over replicates (rows), with the 30-day windows of SOURCE."""
    source, how = ROLLING.get(name, (name, ""))
    x = np.vstack([t[source].to_numpy(dtype=float) for t in tables])
    return rolling(x, how) if how else x


def ensemble_series(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mean and 95% band over replicates (rows), day by day (the experiment's CI)."""
    count = np.sum(~np.isnan(x), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a day on which every value is NaN
        mean = np.nanmean(x, axis=0) if len(x) > 1 else x[0]
        sd = np.nanstd(x, axis=0, ddof=1) if len(x) > 1 else np.full(x.shape[1], np.nan)
    half = np.nan_to_num(np.asarray(_ci(sd, count), dtype=float))
    return mean, mean - half, mean + half


class TimeSeriesChart:
    """Seven panels of the daily metrics: each set's ensemble mean with its 95% band.

    A and B have their own colours; the group (all residents, the elderly, offline residents)
    is the line style. The x axis shows dates over the scenario's horizon and y axes grow in
    round steps, so the axes only change now and then; in between a new day costs drawing the
    lines and bands onto a cached picture of the axes, titles and legend (blitting) and a PNG
    encoding.

    Args:
        lang: "en" or "zh" (Chinese falls back to English without a CJK font).
        sets: The mechanism sets drawn, ("A",) or ("A", "B").
        horizon: Days the x axis spans at first (the scenario's ``days``).
    """

    def __init__(self, lang: str, sets: tuple[str, ...], horizon: int):
        self.lang, self.sets, self.horizon = chart_language(lang), sets, horizon
        # Fonts are set per text, not through rcParams, which every session's thread shares.
        family = cjk_font() if self.lang == "zh" else None
        self.families = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
        self.fig = Figure(figsize=(12, 5.4), dpi=72)
        self.canvas = FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(
            left=0.045, right=0.99, top=TOP, bottom=0.09, wspace=0.25, hspace=0.45
        )
        grid = list(self.fig.subplots(2, 4).flat)
        legend_ax = grid.pop(LEGEND_SLOT)
        self.axes = grid
        self.lines: list[tuple[str, str, Line2D]] = []
        self.bands: list[Any] = []
        ticks = FuncFormatter(lambda v, _: date_label(v, self.lang))
        for ax, ((metric, window), columns, kind) in zip(self.axes, PANELS, strict=True):
            ax.set_title(
                metric_label(metric, self.lang, window), fontsize=11, fontfamily=self.families
            )
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(7,)))  # each July
            ax.xaxis.set_major_formatter(ticks)
            ax.tick_params(axis="x", labelsize=7)
            for label in ax.get_xticklabels():
                label.set_fontfamily(self.families)
            if kind == "share":
                ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
            for col, style in zip(columns, GROUP_STYLES, strict=False):
                for which in sets:
                    (line,) = ax.plot(
                        [], [], color=SET_COLOURS[which], ls=style, lw=1.4, animated=True
                    )
                    band = ax.fill_between(
                        [], [], [], color=SET_COLOURS[which], alpha=0.15, lw=0, animated=True
                    )
                    self.lines.append((which, col, line))
                    self.bands.append(band)
        handles = [
            Line2D([], [], color="#444", ls=style, lw=2, label=t(k, self.lang))
            for k, style in zip(SERIES, GROUP_STYLES, strict=True)
        ]
        handles += [
            Patch(color=SET_COLOURS[w], alpha=0.6, label=t(f"set_{w.lower()}", self.lang))
            for w in sets
        ]
        legend_ax.axis("off")
        legend_ax.legend(
            handles=handles,
            loc="center",
            frameon=False,
            prop={"family": self.families, "size": 10},
            title=t("band_legend", self.lang),
            title_fontproperties={"family": self.families, "size": 9},
        )
        self.limits: tuple[float, ...] = ()
        self.background: Any = None

    def _set_data(self, frame: Frame) -> tuple[float, ...]:
        """Move lines and bands to the frame's ensemble; return the axes limits it needs."""
        runs = {w: frame.runs.get(w, [frame.metrics[w]]) for w in self.sets}
        tops: dict[str, float] = {}
        x = x_dates(np.arange(1, frame.day + 1))
        for (which, col, line), band in zip(self.lines, self.bands, strict=True):
            if frame.day == 0:
                line.set_data([], [])
                band.set_data([], [], [])
                continue
            mean, low, high = ensemble_series(column(runs[which], col))
            line.set_data(x, mean)
            band.set_data(x, low, high)
            tops[col] = max(tops.get(col, 0.0), float(np.nanmax(high, initial=0.0)))
        limits = [float(self.horizon if frame.day <= self.horizon else nice_ceiling(frame.day))]
        for _, columns, kind in PANELS:
            if kind == "index":
                limits.append(1.0)
                continue
            top = max((tops.get(c, 0.0) for c in columns), default=0.0)
            limits.append(nice_ceiling(max(top * 1.05, 0.05 if kind == "share" else 5.0)))
        return tuple(limits)

    def _apply(self, limits: tuple[float, ...]) -> None:
        for ax, ymax in zip(self.axes, limits[1:], strict=True):
            ax.set_xlim(x_dates(np.array([0.0]))[0], x_dates(np.array([limits[0]]))[0])
            ax.set_ylim(0, ymax)

    def _artists(self) -> list[Any]:
        return [*self.bands, *(line for _, _, line in self.lines)]

    def render(self, frame: Frame) -> bytes:
        """The chart of a frame as PNG."""
        limits = self._set_data(frame)
        if limits != self.limits:
            self._apply(limits)
            self.canvas.draw()  # animated artists are left out of the full draw
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            self.limits = limits
        self.canvas.restore_region(self.background)
        for artist in self._artists():
            artist.axes.draw_artist(artist)
        return encode(np.asarray(self.canvas.buffer_rgba())[..., :3])

    def export(self, frame: Frame, title: str = "", dpi: int = 150) -> bytes:
        """The chart of a frame as a PNG for download (a full draw, with a title line)."""
        self._apply(self._set_data(frame))
        artists = self._artists()
        for artist in artists:
            artist.set_animated(False)
        heading = None
        if title:
            heading = self.fig.suptitle(title, fontsize=10, fontfamily=self.families, y=0.995)
            self.fig.subplots_adjust(top=0.86)
        try:
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=dpi)
            return buf.getvalue()
        finally:
            for artist in artists:
                artist.set_animated(True)
            if heading is not None:
                heading.remove()
                self.fig.subplots_adjust(top=TOP)
            self.limits = ()  # the next render draws the axes again


# ---------------------------------------------------------------------------- community view
@dataclass(frozen=True)
class Layout:
    """Where each resident is painted: pixel indices of a dot and of a ring around it."""

    width: int
    height: int
    base: np.ndarray  # height x width x 3, the empty estate (building blocks)
    dots: np.ndarray  # n x k flat pixel indices of each resident's dot
    rings: np.ndarray  # n x m flat pixel indices of the ring marking a participant


WIDTH = 720
PAD = 6  # pixels between building blocks
BACKGROUND, BLOCK, RING = (255, 255, 255), (228, 232, 238), (30, 30, 30)
_LAYOUTS: OrderedDict[str, Layout] = OrderedDict()
_LAYOUTS_LOCK = threading.Lock()
_LAYOUTS_MAX = 16


def _stencil(r_in: float, r_out: float) -> tuple[np.ndarray, np.ndarray]:
    span = int(np.ceil(r_out))
    dy, dx = np.mgrid[-span : span + 1, -span : span + 1]
    d = np.hypot(dx, dy)
    keep = (d >= r_in) & (d <= r_out)
    return dy[keep], dx[keep]


def build_layout(pop: Population, seed: int, width: int = WIDTH) -> Layout:
    """Lay residents out by building block, household cell and jitter (numpy only).

    Buildings form a grid of blocks; inside a block each household has a cell (floors by
    flats), and its members sit at jittered points in that cell, so neighbours and household
    members are close. Readable from a few hundred to tens of thousands of residents.
    """
    nb = pop.n_buildings
    cols = int(np.ceil(np.sqrt(nb * 1.6)))
    rows = int(np.ceil(nb / cols))
    block_w = width / cols
    block_h = block_w * 0.72
    height = int(np.ceil(rows * block_h))
    # each household's rank inside its building
    hh_building = np.zeros(pop.n_households, dtype=np.int64)
    hh_building[pop.household] = pop.building
    order = np.lexsort((np.arange(pop.n_households), hh_building))
    first = np.searchsorted(hh_building[order], np.arange(nb))
    rank = np.empty(pop.n_households, dtype=np.int64)
    rank[order] = np.arange(pop.n_households) - first[hh_building[order]]
    per_building = max(int(np.bincount(hh_building, minlength=nb).max()), 1)
    inner_w, inner_h = block_w - 2 * PAD, block_h - 2 * PAD
    hc = int(np.ceil(np.sqrt(per_building * inner_w / inner_h)))
    hr = int(np.ceil(per_building / hc))
    cell_w, cell_h = inner_w / hc, inner_h / hr
    # members of a household side by side in its cell, with a little jitter
    b, h = pop.building, pop.household
    size = np.bincount(h, minlength=pop.n_households)
    by_household = np.argsort(h, kind="stable")
    member = np.empty(pop.n, dtype=np.int64)
    member[by_household] = np.arange(pop.n) - np.searchsorted(h[by_household], h[by_household])
    rng = np.random.default_rng(seed)
    x = (
        (b % cols) * block_w
        + PAD
        + (rank[h] % hc) * cell_w
        + cell_w * (0.1 + 0.8 * (member + 0.5) / size[h] + 0.08 * rng.standard_normal(pop.n))
    )
    y = (
        (b // cols) * block_h
        + PAD
        + (rank[h] // hc) * cell_h
        + cell_h * (0.5 + 0.15 * rng.standard_normal(pop.n))
    )
    radius = float(np.clip(min(cell_w / 3, cell_h) / 2, 1.2, 3.0))
    base = np.empty((height, width, 3), dtype=np.uint8)
    base[:] = BACKGROUND
    for k in range(nb):
        bx, by = int((k % cols) * block_w + PAD / 2), int((k // cols) * block_h + PAD / 2)
        base[by : int(by + block_h - PAD), bx : int(bx + block_w - PAD)] = BLOCK

    def indices(dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
        py = np.clip(np.rint(y)[:, None].astype(np.int64) + dy, 0, height - 1)
        px = np.clip(np.rint(x)[:, None].astype(np.int64) + dx, 0, width - 1)
        return py * width + px

    return Layout(
        width,
        height,
        base,
        indices(*_stencil(0, radius)),
        indices(*_stencil(radius + 0.6, radius + 1.7)),
    )


def layout(key: str, pop: Population, seed: int) -> Layout:
    """The layout of a community, computed once per scenario and seed (``key``)."""
    with _LAYOUTS_LOCK:
        if key in _LAYOUTS:
            _LAYOUTS.move_to_end(key)
            return _LAYOUTS[key]
    made = build_layout(pop, seed)
    with _LAYOUTS_LOCK:
        _LAYOUTS[key] = made
        while len(_LAYOUTS) > _LAYOUTS_MAX:
            _LAYOUTS.popitem(last=False)
    return made


@cache
def palette() -> np.ndarray:
    """The satisfaction colours, 256 RGB rows from red (0) to green (1)."""
    return (colormaps["RdYlGn"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)


def paint(lay: Layout, satisfaction: np.ndarray, participants: np.ndarray) -> np.ndarray:
    """Residents coloured by satisfaction (red low, green high), participants ringed."""
    img = lay.base.copy()
    flat = img.reshape(-1, 3)
    flat[lay.rings[participants].ravel()] = RING
    shade = palette()[np.clip((satisfaction * 255).astype(np.int64), 0, 255)]
    flat[lay.dots.ravel()] = np.repeat(shade, lay.dots.shape[1], axis=0)
    return img


def community_images(frame: Frame) -> dict[str, np.ndarray]:
    """The community view of each mechanism set in a frame, as pixel arrays."""
    lay = layout(frame.layout_key, frame.models["A"].pop, frame.seed)
    return {w: paint(lay, frame.satisfaction[w], frame.participants[w]) for w in frame.sets}


def community_export(frame: Frame, title: str = "", lang: str = "en") -> bytes:
    """The community views of a frame side by side (A, then B) as one PNG, with a title."""
    images = community_images(frame)
    lang = chart_language(lang)
    family = cjk_font() if lang == "zh" else None
    families = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    h, w = next(iter(images.values())).shape[:2]
    fig = Figure(figsize=(len(images) * w / 100, h / 100 + 0.9), dpi=150)
    FigureCanvasAgg(fig)
    for k, (which, img) in enumerate(images.items()):
        ax = fig.add_subplot(1, len(images), k + 1)
        ax.imshow(img)
        ax.set_axis_off()
        if len(images) > 1:
            ax.set_title(t(f"set_{which.lower()}", lang), fontfamily=families, fontsize=9)
    if title:
        fig.suptitle(title, fontfamily=families, fontsize=8, wrap=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()
