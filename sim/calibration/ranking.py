"""Ranking probabilities of an experiment's arms, paired by replicate.

Replicate r of every arm shares one seed and (with a posterior) one parameter draw, so the
arms can be compared within each replicate: P(arm ranks first) is the share of replicates in
which it has the highest value of a summary (ties share the win), and P(a beats b) the share
in which a's value exceeds b's (ties count one half). Over a posterior these are the
probabilities under the remaining uncertainty in the assumed parameters and the model's own
noise together. Higher is better for every ranked summary (participation, satisfaction).
"""

from __future__ import annotations

import pandas as pd

#: Metrics whose summaries are ranked (higher is better).
RANKED_METRICS = ("participation_rate", "satisfaction_mean")


def ranked_summaries(summaries: dict[str, object]) -> list[str]:
    """Names of the experiment's summaries of ranked metrics (no differences)."""
    return [
        k
        for k, s in summaries.items()
        if getattr(s, "metric", None) in RANKED_METRICS and not getattr(s, "minus", None)
    ]


def wide(runs: pd.DataFrame, summary: str, keys: list[str]) -> pd.DataFrame:
    """Replicates as rows, arms as columns, for each group of ``keys`` (scenario, point)."""
    return runs.pivot_table(
        index=[*keys, "replicate"], columns="arm", values=summary, aggfunc="first", sort=False
    )


def first(values: pd.DataFrame) -> pd.Series:
    """P(each arm ranks first) over the rows (replicates) of an arms-as-columns table."""
    x = values.dropna().to_numpy(dtype=float)
    top = x == x.max(axis=1, keepdims=True)
    share = top / top.sum(axis=1, keepdims=True)
    return pd.Series(share.mean(axis=0), index=values.columns)


def pairwise(values: pd.DataFrame) -> pd.DataFrame:
    """P(row arm beats column arm), paired by replicate; ties count one half."""
    x = values.dropna().to_numpy(dtype=float)
    a, b = x[:, :, None], x[:, None, :]
    p = ((a > b) + 0.5 * (a == b)).mean(axis=0)
    return pd.DataFrame(p, index=values.columns, columns=values.columns)


def table(runs: pd.DataFrame, summaries: list[str], keys: list[str]) -> pd.DataFrame:
    """Long table: group keys, summary, arm, other arm ('' for P(first)), probability, n."""
    rows = []
    for name in summaries:
        w = wide(runs, name, keys)
        groups = w.groupby(level=list(range(len(keys))), sort=False) if keys else [((), w)]
        for g, sub in groups:
            g = g if isinstance(g, tuple) else (g,)
            ident = dict(zip(keys, g, strict=True))
            n = len(sub.dropna())
            for arm, p in first(sub).items():
                rows.append(
                    {**ident, "summary": name, "arm": arm, "versus": "", "probability": p, "n": n}
                )
            pw = pairwise(sub)
            for arm in pw.index:
                for other in pw.columns:
                    if arm != other:
                        rows.append(
                            {
                                **ident,
                                "summary": name,
                                "arm": arm,
                                "versus": other,
                                "probability": pw.loc[arm, other],
                                "n": n,
                            }
                        )
    return pd.DataFrame(rows)


def markdown(probs: pd.DataFrame, keys: list[str]) -> str:
    """P(first) per arm and summary, and each summary's pairwise matrix, as Markdown."""
    if probs.empty:
        return ""
    out = ["", "Ranking probabilities (paired by replicate; P(a beats b): row a, column b):", ""]
    head = probs[probs["versus"] == ""]
    for g, sub in head.groupby(keys, sort=False) if keys else [((), head)]:
        label = ", ".join(str(v) for v in (g if isinstance(g, tuple) else (g,)))
        wide_ = sub.pivot_table(index="arm", columns="summary", values="probability", sort=False)
        n = int(sub["n"].min())
        out.append(f"P(ranks first){' — ' + label if label else ''} (n = {n} replicates)")
        out.append("")
        out.append("| arm | " + " | ".join(wide_.columns) + " |")
        out.append("|---|" + "---|" * len(wide_.columns))
        out += [
            f"| {arm} | " + " | ".join(f"{v:.2f}" for v in row) + " |"
            for arm, row in wide_.iterrows()
        ]
        out.append("")
    for (name, *_), sub in probs[probs["versus"] != ""].groupby(["summary", *keys], sort=False):
        m = sub.pivot_table(index="arm", columns="versus", values="probability", sort=False)
        arms = list(dict.fromkeys(sub["arm"]))
        m = m.reindex(index=arms, columns=arms)
        out.append(f"P(a beats b) on {name}")
        out.append("")
        out.append("| a \\ b | " + " | ".join(arms) + " |")
        out.append("|---|" + "---|" * len(arms))
        out += [
            f"| {a} | " + " | ".join("" if pd.isna(v) else f"{v:.2f}" for v in m.loc[a]) + " |"
            for a in arms
        ]
        out.append("")
    return "\n".join(out)


def figure(probs: pd.DataFrame, path: object) -> object:
    """P(first) bars per summary and a pairwise heat map per summary (first group)."""
    import matplotlib.pyplot as plt

    from sim.files import atomic

    names = list(dict.fromkeys(probs["summary"]))
    fig, axes = plt.subplots(
        2, len(names), figsize=(5.5 * len(names), 9.5), squeeze=False, layout="constrained"
    )
    for k, name in enumerate(names):
        sub = probs[probs["summary"] == name]
        group = sub.iloc[0]
        for col in [
            c for c in sub.columns if c not in ("summary", "arm", "versus", "probability", "n")
        ]:
            sub = sub[sub[col] == group[col]]
        head = sub[sub["versus"] == ""]
        axes[0, k].barh(head["arm"], head["probability"], color="C0")
        axes[0, k].set_xlim(0, 1)
        axes[0, k].invert_yaxis()
        axes[0, k].set_title(f"P(ranks first): {name}")
        pw = sub[sub["versus"] != ""].pivot_table(
            index="arm", columns="versus", values="probability", sort=False
        )
        arms = list(head["arm"])
        pw = pw.reindex(index=arms, columns=arms)
        im = axes[1, k].imshow(pw.to_numpy(dtype=float), cmap="RdBu", vmin=0, vmax=1)
        axes[1, k].set_xticks(range(len(arms)), arms, rotation=90, fontsize=7)
        axes[1, k].set_yticks(range(len(arms)), arms, fontsize=7)
        axes[1, k].set_title(f"P(row beats column): {name}")
    fig.colorbar(im, ax=axes[1, :].tolist(), shrink=0.6)
    atomic(path, lambda p: fig.savefig(p, format="png", dpi=100))  # type: ignore[arg-type]
    plt.close(fig)
    return path
