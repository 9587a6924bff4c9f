"""What a sweep's runs say: summaries, confidence intervals, indices, figures, checks.

Per-run summaries, group means with 95% confidence intervals, Sobol and Morris indices
(SALib), matplotlib figures, and the comparison with a reference.

Confidence intervals are across replicates: mean +- t(0.975, n-1) x sd / sqrt(n). Contrasts
(an arm against its reference arm) pair replicates, which share their seed across arms, and
take the same interval over the paired differences. A reference
holds the group means and standard errors of an experiment's ``[check]`` version; a rerun
passes a row when |new - reference| <= k_se x sqrt(se_new^2 + se_ref^2) + band.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure as MplFigure
from scipy import stats

from sim.experiments.design import SAMPLED, Figure, Plan, Summary, design_seed
from sim.experiments.execution import ID_COLUMNS
from sim.files import atomic
from sim.metrics import STAT_WORDS, unit

BOOTSTRAP = 1000  # resamples behind the confidence intervals of Sobol and Morris indices


def summary_label(name: str, s: Summary) -> str:
    """Axis label of a summary, with its unit."""
    u = unit(s.metric)
    if s.stat == "sum" and u.endswith("/day"):
        u = u.removesuffix("/day")
    what = s.label or (f"{s.metric} - {s.minus}" if s.minus else s.metric)
    return f"{what}, {STAT_WORDS[s.stat]} ({u})" if u else f"{what}, {STAT_WORDS[s.stat]}"


def group_keys(plan: Plan) -> list[str]:
    """Columns that define a group of replicates (sampled designs pool their points)."""
    factors = [] if plan.experiment.design.kind in SAMPLED else plan.factors
    return ["scenario", "arm", *factors]


def run_summaries(plan: Plan, table: pd.DataFrame) -> pd.DataFrame:
    """One row per finished run: identity, factors, replicate, seed and every summary."""
    last = table.drop_duplicates("run_id", keep="last")
    out = last[[*ID_COLUMNS, *plan.factors, "replicate", "seed"]].set_index("run_id")
    by_run = table["run_id"]
    for name, s in plan.experiment.summaries.items():
        col = table[s.metric] - table[s.minus] if s.minus else table[s.metric]
        if s.stat == "last":
            out[name] = col.loc[last.index].to_numpy()
        else:
            out[name] = col.groupby(by_run, sort=False).agg(s.stat)
    return out.reset_index()


def _ci(sd: Any, n: Any) -> Any:
    """Half-width of the 95% confidence interval of a mean (NaN below two replicates)."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return stats.t.ppf(0.975, n - 1) * np.asarray(sd) / np.sqrt(n)


def grouped(summaries: pd.DataFrame, keys: list[str], names: list[str]) -> pd.DataFrame:
    """Mean, sd, standard error and 95% CI of each summary per group, one row each."""
    g = summaries.groupby(keys, sort=False)[names].agg(["count", "mean", "std"])
    long = g.stack(level=0).rename_axis([*keys, "summary"]).reset_index()
    long = long.rename(columns={"count": "n", "std": "sd"})
    long["n"] = long["n"].astype(int)
    long["se"] = long["sd"] / np.sqrt(long["n"])
    half = _ci(long["sd"], long["n"])
    long["ci95_low"], long["ci95_high"] = long["mean"] - half, long["mean"] + half
    return long


def contrasts(plan: Plan, summaries: pd.DataFrame) -> pd.DataFrame:
    """Each arm minus its reference arm, paired by replicate, per group and summary.

    Columns: the group keys, ``arm``, ``versus``, ``summary``, ``n`` pairs, ``mean`` and ``sd``
    of the paired differences, their 95% CI, ``noise`` (the reference arm's sd across
    replicates), ``verdict``: ``higher`` or ``lower`` when the CI excludes 0, else
    ``no difference``; where the arm declares an ``expect``ed direction, ``expected`` and
    ``met``: the verdict is that direction (``differs``: either) and the mean difference
    exceeds the replicate noise (``unchanged``: the mean difference stays within the noise, an
    effect expected to be too small to show). Empty when the experiment declares no contrast.
    """
    names = list(plan.experiment.summaries)
    keys = [k for k in group_keys(plan) if k != "arm"]
    pair = ["scenario", "point", "replicate"]
    frames = []
    for arm, ref in plan.experiment.contrasts():
        a = summaries[summaries["arm"] == arm].set_index(pair)
        b = summaries[summaries["arm"] == ref].set_index(pair)
        both = a.index.intersection(b.index)
        if both.empty:
            continue
        diff = (a.loc[both, names] - b.loc[both, names]).join(a.loc[both, keys[1:]])
        long = grouped(diff.reset_index(), keys, names)
        noise = grouped(b.loc[both].reset_index(), keys, names)["sd"].to_numpy()
        frames.append(long.assign(arm=arm, versus=ref, noise=noise))
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    out["verdict"] = np.select(
        [out["ci95_low"] > 0, out["ci95_high"] < 0], ["higher", "lower"], "no difference"
    )
    arms = plan.experiment.arms
    out["expected"] = [
        arms[a].expect.get(k, "") for a, k in zip(out["arm"], out["summary"], strict=True)
    ]
    direction = np.where(
        out["expected"] == "differs",
        out["verdict"] != "no difference",
        out["verdict"] == out["expected"],
    )
    beyond = out["mean"].abs() > out["noise"]
    met = np.where(out["expected"] == "unchanged", ~beyond, direction & beyond)
    out["met"] = np.where(out["expected"] == "", "", np.where(met, "yes", "no"))
    return out[
        [
            *keys,
            "arm",
            "versus",
            "summary",
            "n",
            "mean",
            "sd",
            "ci95_low",
            "ci95_high",
            "noise",
            "verdict",
            "expected",
            "met",
        ]
    ]


def contrasts_markdown(table: pd.DataFrame, keys: list[str]) -> str:
    """Arms as rows, summaries as columns, cells 'difference [95% CI] verdict'."""
    mark = {"higher": " ↑", "lower": " ↓", "no difference": ""}
    cell = table.assign(
        cell=[
            f"{m:+.3g} [{lo:+.2g}, {hi:+.2g}]{mark[v]}" if np.isfinite(hi) else f"{m:+.3g}"
            for m, lo, hi, v in zip(
                table["mean"],
                table["ci95_low"],
                table["ci95_high"],
                table["verdict"],
                strict=True,
            )
        ],
        arm=[f"{a} − {b}" for a, b in zip(table["arm"], table["versus"], strict=True)],
    )
    return markdown(cell, [*keys, "arm"], cells="cell")


def markdown(table: pd.DataFrame, keys: list[str], cells: str | None = None) -> str:
    """Groups as rows, summaries as columns, cells 'mean +- 95% CI half-width'.

    ``cells``: a column of ready-made cell texts to show instead.
    """
    if cells is None:
        texts = [
            f"{m:.3g} ± {(h - m):.2g}" if np.isfinite(h) else f"{m:.3g}"
            for m, h in zip(table["mean"], table["ci95_high"], strict=True)
        ]
        table = table.assign(cell=texts)
        cells = "cell"
    wide = table.pivot_table(
        index=keys, columns="summary", values=cells, aggfunc="first", sort=False
    )
    wide = wide[list(dict.fromkeys(table["summary"]))].reset_index()
    head = "| " + " | ".join(wide.columns) + " |"
    rule = "|" + "---|" * len(wide.columns)
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in wide.itertuples(index=False)]
    return "\n".join([head, rule, *rows]) + "\n"


def sobol_indices(
    problem: dict[str, Any], y: np.ndarray, *, second_order: bool = False, seed: int = 0
) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% bootstrap intervals (SALib)."""
    from SALib.analyze import sobol

    res = sobol.analyze(
        problem,
        np.asarray(y, dtype=float),
        calc_second_order=second_order,
        num_resamples=BOOTSTRAP,
        conf_level=0.95,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )


def morris_indices(
    problem: dict[str, Any], x: np.ndarray, y: np.ndarray, *, levels: int, seed: int = 0
) -> pd.DataFrame:
    """Morris elementary-effect statistics mu*, its 95% interval, and sigma (SALib)."""
    from SALib.analyze import morris

    res = morris.analyze(
        problem,
        x,
        np.asarray(y, dtype=float),
        num_resamples=BOOTSTRAP,
        conf_level=0.95,
        num_levels=levels,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu_star": res["mu_star"],
            "mu_star_conf": res["mu_star_conf"],
            "sigma": res["sigma"],
        }
    )


def indices(plan: Plan, summaries: pd.DataFrame) -> pd.DataFrame | None:
    """Sensitivity indices of every summary, per scenario and arm (sobol, morris designs).

    Each design point's output is the mean over its replicates. None when the design has
    no indices or a point has no finished run.
    """
    exp = plan.experiment
    if exp.design.kind not in ("sobol", "morris") or plan.problem is None:
        return None
    n_rows = len(plan.samples)  # type: ignore[arg-type]
    means = summaries.groupby(["scenario", "arm", "point"])[list(exp.summaries)].mean()
    parts = []
    for s_idx, scenario in enumerate(plan.bases):
        for arm in exp.arms:
            points = range(s_idx * n_rows, (s_idx + 1) * n_rows)
            index = pd.MultiIndex.from_tuples([(scenario, arm, p) for p in points])
            if not index.isin(means.index).all():
                return None
            for name in exp.summaries:
                y = means.loc[index, name].to_numpy()
                if exp.design.kind == "sobol":
                    df = sobol_indices(
                        plan.problem,
                        y,
                        second_order=exp.design.second_order,
                        seed=design_seed(exp.seed),
                    )
                else:
                    df = morris_indices(
                        plan.problem,
                        plan.samples,
                        y,  # type: ignore[arg-type]
                        levels=exp.design.levels,
                        seed=design_seed(exp.seed),
                    )
                parts.append(df.assign(scenario=scenario, arm=arm, summary=name))
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", "arm", "summary", *out.columns[:-3]]]


# ------------------------------------------------------------------------- figures
def _colours(n: int) -> list[Any]:
    cmap = plt.get_cmap("tab10" if n <= 10 else "tab20")
    return [cmap(i % cmap.N) for i in range(n)]


def _facets(plan: Plan, data: pd.DataFrame, facet: str) -> list[tuple[str, pd.DataFrame]]:
    if not facet:
        return [("", data)]
    values = list(plan.bases) if facet == "scenario" else list(dict.fromkeys(data[facet]))
    label = "{}" if facet == "scenario" else f"{facet} = {{}}"
    return [(label.format(v), data[data[facet] == v]) for v in values]


def _panels(
    items: list[Any], facets: list[Any], title: str, wrap: int = 3
) -> tuple[MplFigure, list[tuple[Any, Any, Any]]]:
    """A figure with one panel per (item, facet).

    A row per item and a column per facet; with a single facet the items wrap ``wrap`` to a
    row. Unused panels are hidden.
    """
    pairs = [(i, f) for i in items for f in facets]
    rows, cols = (
        (len(items), len(facets))
        if len(facets) > 1
        else (-(-len(items) // wrap), min(wrap, len(items)))
    )
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.6 * cols, 3.4 * rows + 0.9), squeeze=False, layout="constrained"
    )
    for ax in axes.flat[len(pairs) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig, [(ax, i, f) for ax, (i, f) in zip(axes.flat, pairs, strict=False)]


def _legend(fig: MplFigure, ax: Any) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            fontsize=8,
            ncols=min(len(handles), 6),
            frameon=False,
        )


def _band(ax: Any, x: Any, st: pd.DataFrame, colour: Any, label: str, **kw: Any) -> None:
    """A mean line with its 95% confidence band (``st`` has mean, std and count)."""
    half = _ci(st["std"], st["count"])
    ax.plot(x, st["mean"], lw=1.2, color=colour, label=label, **kw)
    ax.fill_between(x, st["mean"] - half, st["mean"] + half, color=colour, alpha=0.2, lw=0)


def timeseries(plan: Plan, spec: Figure, table: pd.DataFrame) -> MplFigure:
    """Daily metrics, one line per arm: mean across replicates with its 95% band."""
    arms = list(plan.experiment.arms)
    colours = dict(zip(arms, _colours(len(arms)), strict=True))
    fig, panels = _panels(list(spec.metrics), _facets(plan, table, spec.facet), spec.title)
    for ax, metric, (label, data) in panels:
        values = (
            data.groupby("run_id", sort=False)[metric]
            .rolling(spec.rolling, min_periods=1)
            .mean()
            .reset_index(level=0, drop=True)
        )
        st = (
            data.assign(v=values)
            .groupby(["arm", "day"], sort=False)["v"]
            .agg(["mean", "std", "count"])
        )
        for arm in arms:
            if arm in st.index.get_level_values(0):
                _band(ax, st.loc[arm].index, st.loc[arm], colours[arm], arm)
        smooth = f", {spec.rolling}-day mean" if spec.rolling > 1 else ""
        ax.set_title(f"{metric}{smooth}" + (f"\n{label}" if label else ""), fontsize=9)
        ax.set_ylabel(unit(metric))
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    _legend(fig, panels[0][0])
    return fig


def bars(plan: Plan, spec: Figure, summaries: pd.DataFrame) -> MplFigure:
    """Summaries per arm: means with 95% confidence intervals, one bar group per facet."""
    exp = plan.experiment
    arms = list(exp.arms)
    facets = _facets(plan, summaries, spec.facet)
    fig, panels = _panels(list(spec.summaries), [None], spec.title, wrap=2)
    width = 0.8 / len(facets)
    for ax, name, _ in panels:
        for j, ((label, data), colour) in enumerate(
            zip(facets, _colours(len(facets)), strict=True)
        ):
            st = data.groupby("arm")[name].agg(["mean", "std", "count"]).reindex(arms)
            x = np.arange(len(arms)) + (j - (len(facets) - 1) / 2) * width
            ax.bar(
                x,
                st["mean"],
                width,
                yerr=_ci(st["std"], st["count"]),
                capsize=2,
                color=colour if spec.facet else _colours(len(arms)),
                label=label or None,
            )
        ax.set_xticks(np.arange(len(arms)), arms, rotation=35, ha="right", fontsize=8)
        ax.set_ylabel(summary_label(name, exp.summaries[name]), fontsize=8)
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    if spec.facet:
        _legend(fig, panels[0][0])
    return fig


def response(plan: Plan, spec: Figure, summaries: pd.DataFrame) -> MplFigure:
    """Summaries against a factor, one line per arm: means with 95% bands."""
    exp = plan.experiment
    arms = list(exp.arms)
    colours = dict(zip(arms, _colours(len(arms)), strict=True))
    fig, panels = _panels(list(spec.summaries), _facets(plan, summaries, spec.facet), spec.title)
    for ax, name, (label, data) in panels:
        st = data.groupby(["arm", spec.x])[name].agg(["mean", "std", "count"])
        for arm in arms:
            if arm in st.index.get_level_values(0):
                a = st.loc[arm].sort_index()
                _band(ax, a.index, a, colours[arm], arm, marker="o", ms=3)
        ax.set_xlabel(spec.x)
        ax.set_ylabel(summary_label(name, exp.summaries[name]), fontsize=8)
        ax.set_title(name + (f"\n{label}" if label else ""), fontsize=9)
        ax.grid(alpha=0.3)
    _legend(fig, panels[0][0])
    return fig


def indices_figure(plan: Plan, spec: Figure, table: pd.DataFrame) -> MplFigure:
    """Sensitivity indices per parameter with 95% bootstrap intervals, a panel per summary."""
    groups = list(table.groupby(["scenario", "arm"], sort=False))
    fig, panels = _panels(list(spec.summaries), groups, spec.title, wrap=2)
    sobol = "S1" in table.columns
    kinds = (
        [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")]
        if sobol
        else [
            ("mu_star", "mu_star_conf", "mu* (mean |elementary effect|)"),
            ("sigma", None, "sigma"),
        ]
    )
    for ax, name, ((scenario, arm), data) in panels:
        d = data[data["summary"] == name]
        x = np.arange(len(d))
        for k, (col, conf, label) in enumerate(kinds):
            ax.bar(
                x + (k - 0.5) * 0.4,
                d[col],
                0.4,
                label=label,
                yerr=d[conf] if conf else None,
                capsize=2,
            )
        ax.set_xticks(x, d["parameter"], rotation=40, ha="right", fontsize=7)
        ax.set_ylabel("Sobol index (share of variance)" if sobol else f"effect on {name}")
        ax.set_title(f"{name}\n{scenario}, {arm}", fontsize=9)
        ax.axhline(0, color="black", lw=0.5)
        ax.grid(alpha=0.3, axis="y")
    _legend(fig, panels[0][0])
    return fig


def draw(
    plan: Plan, table: pd.DataFrame, summaries: pd.DataFrame, idx: pd.DataFrame | None, folder: Path
) -> list[Path]:
    """Draw the experiment's figures as PNG files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, spec in enumerate(plan.experiment.figures):
        if spec.kind == "indices" and idx is None:
            continue
        source = {"timeseries": table, "bars": summaries, "response": summaries, "indices": idx}[
            spec.kind
        ]
        fn = {
            "timeseries": timeseries,
            "bars": bars,
            "response": response,
            "indices": indices_figure,
        }[spec.kind]
        fig = fn(plan, spec, source)
        path = folder / f"{spec.name or f'{i + 1:02d}_{spec.kind}'}.png"
        try:
            atomic(path, lambda p, fig=fig: fig.savefig(p, dpi=110, format="png"))
        finally:
            plt.close(fig)
        paths.append(path)
    return paths


def missing_groups(plan: Plan, table: pd.DataFrame) -> list[str]:
    """The plan's groups (as in :func:`group_keys`) without a single finished run, as text."""
    keys = group_keys(plan)
    done = set(table[keys].itertuples(index=False, name=None)) if not table.empty else set()
    missing = {}
    for point in plan.points:
        for arm in plan.experiment.arms:
            group = tuple([point.scenario, arm, *(point.values[k] for k in keys[2:])])
            if group not in done:
                missing[group] = ", ".join(f"{k} = {v}" for k, v in zip(keys, group, strict=True))
    return list(missing.values())


def write_outputs(plan: Plan, out: Path, table: pd.DataFrame) -> list[Path]:
    """Write summary.csv, table.csv, table.md, contrasts.csv and indices.csv (if any), figures.

    Each file is written whole or not at all (:func:`sim.files.atomic`). Groups whose every run
    failed are listed below the table in table.md.
    """
    if table.empty:
        return []
    summaries = run_summaries(plan, table)
    keys = group_keys(plan)
    grouped_ = grouped(summaries, keys, list(plan.experiment.summaries))
    text = markdown(grouped_, keys)
    contrast = contrasts(plan, summaries)
    if not contrast.empty:
        text += (
            "\nContrasts: each arm minus its reference arm, paired by replicate; mean "
            "difference [95% CI], ↑ or ↓ where the interval excludes 0.\n\n"
            + contrasts_markdown(contrast, [k for k in keys if k != "arm"])
        )
    if missing := missing_groups(plan, table):
        text += "\nMissing (every run of the group failed; see failed/):\n\n" + "".join(
            f"- {m}\n" for m in missing
        )
    paths = [out / "summary.csv", out / "table.csv", out / "table.md"]
    atomic(paths[0], lambda p: summaries.to_csv(p, index=False))
    atomic(paths[1], lambda p: grouped_.to_csv(p, index=False))
    atomic(paths[2], lambda p: p.write_text(text, encoding="utf-8"))
    if not contrast.empty:
        paths.append(out / "contrasts.csv")
        atomic(paths[-1], lambda p: contrast.to_csv(p, index=False))
    idx = indices(plan, summaries)
    if idx is not None:
        paths.append(out / "indices.csv")
        atomic(paths[-1], lambda p: idx.to_csv(p, index=False))
    if plan.draws:
        paths += _rankings(plan, summaries, out)
    return paths + draw(plan, table, summaries, idx, out / "figures")


def _rankings(plan: Plan, summaries: pd.DataFrame, out: Path) -> list[Path]:
    """With a posterior: each replicate's draw, ranking probabilities (CSV, Markdown, figure)."""
    from sim.calibration import ranking

    draws = pd.DataFrame(plan.draws).assign(replicate=range(len(plan.draws)))  # type: ignore[arg-type]
    paths = [out / "draws.csv", out / "ranking.csv"]
    atomic(paths[0], lambda p: draws.to_csv(p, index=False))
    keys = ["scenario", "point"]  # replicates pair within a design point
    probs = ranking.table(summaries, ranking.ranked_summaries(plan.experiment.summaries), keys)
    atomic(paths[1], lambda p: probs.to_csv(p, index=False))
    if not probs.empty:
        text = (out / "table.md").read_text(encoding="utf-8") + ranking.markdown(probs, keys)
        atomic(out / "table.md", lambda p: p.write_text(text, encoding="utf-8"))
        (out / "figures").mkdir(parents=True, exist_ok=True)
        paths.append(ranking.figure(probs, out / "figures" / "ranking.png"))  # type: ignore[arg-type]
    return paths


# ------------------------------------------------------------------------- reference check
def reference(plan: Plan, table: pd.DataFrame) -> pd.DataFrame:
    """The group means and standard errors a reference file holds (check summaries only)."""
    check = plan.experiment.check
    names = list(check.summaries if check and check.summaries else plan.experiment.summaries)
    ref = grouped(run_summaries(plan, table), group_keys(plan), names)
    ref = ref[[*group_keys(plan), "summary", "n", "mean", "sd", "se"]]
    return pd.read_csv(io.StringIO(ref.to_csv(index=False)))  # as it reads back from disk


def compare(plan: Plan, ref: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Each group's new mean against the reference, within the ``[check]`` tolerances.

    A row passes when |new - ref| <= k_se x sqrt(se_new^2 + se_ref^2) + band. With the same
    seeds an unchanged model reproduces the reference exactly; the k_se band accepts changes
    that only reshuffle random draws (each row is then a z-test at level k_se).
    """
    check = plan.experiment.check
    assert check is not None
    keys = [*group_keys(plan), "summary"]
    m = ref.merge(new, on=keys, how="left", suffixes=("_ref", "_new"), indicator=True)
    extra = new.merge(ref[keys], on=keys, how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"]  # groups the reference does not have
    m = pd.concat(
        [m, extra.rename(columns={c: f"{c}_new" for c in ("n", "mean", "sd", "se")})],
        ignore_index=True,
    )
    band = m["summary"].map(check.bands).fillna(0.0)
    m["diff"] = m["mean_new"] - m["mean_ref"]
    m["tolerance"] = check.k_se * np.sqrt(m["se_ref"] ** 2 + m["se_new"] ** 2) + band
    both_nan = m["mean_new"].isna() & m["mean_ref"].isna()
    m["ok"] = (m["_merge"] == "both") & ((m["diff"].abs() <= m["tolerance"]) | both_nan)
    return m[[*keys, "mean_ref", "mean_new", "diff", "tolerance", "ok"]]
