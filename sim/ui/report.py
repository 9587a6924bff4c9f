"""A report to take to a meeting: a bilingual A4 PDF of the page's run (matplotlib PdfPages).

Page 1: title, community, date, the settings of both sets and the plain summary in Chinese
and English; page 2: the charts (ensemble means with 95% bands, dates on the axis) and the
community view, with titles; page 3: who is left out, and the model's assumptions in brief.
Chinese needs a CJK font (:func:`sim.ui.charts.cjk_font`); without one the report is in
English only.
"""

from __future__ import annotations

import io
import textwrap

import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from PIL import Image

from sim.ui import charts, summary
from sim.ui.i18n import metric_label, t
from sim.ui.state import GROUPS, Frame, Simulation, breakdown, calendar_date, fmt

A4 = (8.27, 11.69)  # inches, portrait
MARGIN = 0.07  # of the page width and height


def languages() -> tuple[str, ...]:
    """The report's languages: Chinese and English, or English without a CJK font."""
    return ("zh", "en") if charts.cjk_font() else ("en",)


class Writer:
    """Lines of wrapped text down an A4 figure, a new page when one is full."""

    def __init__(self, pdf: PdfPages):
        self.pdf, self.fig, self.y = pdf, None, 0.0
        family = charts.cjk_font()
        self.families = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
        self.new_page()

    def new_page(self) -> None:
        """Finish the page (if any) and start a new one at its top margin."""
        if self.fig is not None:
            self.pdf.savefig(self.fig)
        self.fig = Figure(figsize=A4)
        self.y = 1 - MARGIN

    def line(self, text: str, size: float = 9, bold: bool = False, width: int = 100) -> None:
        """Write ``text`` wrapped to ``width`` columns (a CJK character counts as two)."""
        wide = sum(1 for c in text if ord(c) > 0x2E80)
        columns = max(20, int(width * len(text) / max(len(text) + wide, 1)))
        for part in textwrap.wrap(text, columns) or [""]:
            step = size * 1.5 / 72 / A4[1]
            if self.y - step < MARGIN:
                self.new_page()
            self.fig.text(
                MARGIN,
                self.y,
                part,
                fontsize=size,
                fontfamily=self.families,
                fontweight="bold" if bold else "normal",
                va="top",
            )
            self.y -= step

    def gap(self, size: float = 6) -> None:
        """Leave ``size`` points of space."""
        self.y -= size / 72 / A4[1]

    def image(self, png: bytes, title: str) -> None:
        """A picture across the page's width under a title, on a new page if it does not fit."""
        img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
        w = 1 - 2 * MARGIN
        h = w * img.shape[0] / img.shape[1] * A4[0] / A4[1]
        if self.y - h - 0.04 < MARGIN:
            self.new_page()
        self.line(title, 10, bold=True)
        ax = self.fig.add_axes((MARGIN, self.y - h, w, h))
        ax.imshow(img)
        ax.set_axis_off()
        self.y -= h + 0.02

    def close(self) -> None:
        """Finish the last page."""
        self.pdf.savefig(self.fig)


def set_lines(sim: Simulation, lang: str) -> list[str]:
    """The settings of each set: its mechanisms and the page's changed parameters."""
    from sim.ui.components import mechanism_title

    out = []
    for which, mechanisms in sim.config.sets().items():
        names = " + ".join(mechanism_title(m, lang) for m in mechanisms)
        out.append(t("report_set", lang, which=which, names=names))
    changed = t("list_sep", lang).join(f"{k} = {v}" for k, v in sim.config.overrides)
    out.append(t("report_overrides", lang, changed=changed or t("none", lang)))
    out.append(
        t(
            "report_seeds",
            lang,
            seed=sim.config.seed,
            n=sim.config.replicates,
            posterior=t("with_posterior", lang) if sim.posterior else "",
        )
    )
    return out


def left_out_lines(frame: Frame, lang: str) -> list[str]:
    """The who-is-left-out table as lines: group, residents, participation and satisfaction."""
    data = breakdown(frame)
    out = []
    for g in GROUPS:
        cells = [
            f"{w} {fmt(d[g][0], 'pct', False, lang)} / {fmt(d[g][1], '2f', False, lang)}"
            for w, d in data.items()
        ]
        out.append(
            f"{t(f'group_{g}', lang)} ({frame.group_sizes[g]:,}): "
            + t("list_sep", lang).join(cells)
            if lang == "en"
            else f"{t(f'group_{g}', lang)}（{frame.group_sizes[g]:,} 人）：" + "；".join(cells)
        )
    return out


def report_pdf(sim: Simulation, frame: Frame) -> bytes:
    """The bilingual A4 report of the page's run at ``frame`` as PDF bytes."""
    from sim.ui.components import set_names, settings_line

    langs = languages()
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": t("report_title", "en"), "Creator": "cogov ui"}) as pdf:
        doc = Writer(pdf)
        for lang in langs:
            title = (sim.spec.title_zh or sim.spec.title) if lang == "zh" else sim.spec.title
            doc.line(t("report_title", lang), 15, bold=True)
            doc.line(
                t(
                    "report_when",
                    lang,
                    community=title or sim.spec.name,
                    day=frame.day,
                    date=calendar_date(frame.day).isoformat(),
                ),
                10,
            )
            doc.gap()
            doc.line(t("report_settings", lang), 11, bold=True)
            for text in set_lines(sim, lang):
                doc.line(text)
            doc.gap()
            doc.line(t("summary", lang), 11, bold=True)
            names = {w: set_names(frame, w, lang) for w in frame.sets}
            for text in summary.plain_summary(frame, lang, names):
                doc.line(text)
            for c in summary.comparisons(frame):
                if c.diff is not None:
                    label = metric_label(c.key, lang, c.how)
                    doc.line(f"· {label}{t('colon', lang)}{summary.verdict_text(c, lang)}", 8)
            doc.gap(12)
        doc.new_page()
        lang = langs[0]
        chart = charts.TimeSeriesChart(lang, tuple(frame.sets), sim.spec.days)
        doc.image(
            chart.export(frame, settings_line(sim, frame, lang), dpi=110),
            " / ".join(t("report_charts", lg) for lg in langs),
        )
        doc.image(
            charts.community_export(frame, "", lang),
            " / ".join(t("community_view", lg) for lg in langs),
        )
        doc.new_page()
        for lang in langs:
            doc.line(t("left_out", lang), 11, bold=True)
            for text in left_out_lines(frame, lang):
                doc.line(text)
            doc.gap(10)
        for lang in langs:
            doc.line(t("report_assumptions", lang), 11, bold=True)
            for key in ("assume_1", "assume_2", "assume_3", "assume_4"):
                doc.line("· " + t(key, lang))
            doc.gap(10)
        doc.close()
    return buf.getvalue()
