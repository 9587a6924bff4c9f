"""Print the figures the model gives for the patterns of MODEL.md section 6 (README table).

Run: .venv/bin/python scripts/patterns.py [--seeds 5]
"""

import argparse

import numpy as np

from sim import MECHANISMS, CommunityModel
from sim.mechanisms import configure

CONSULTATION = [m for m in MECHANISMS if m != "administrative"][:6]


def runs(scenario, mechanisms, seeds, days=1096):
    out = []
    for s in seeds:
        m = CommunityModel(scenario, rng=s, mechanisms=mechanisms)
        m.run(days)
        out.append(m)
    return out


def fmt(values):
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3g} (range {v.min():.3g}-{v.max():.3g})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    seeds = range(ap.parse_args().seeds)
    rows = []
    base = runs("xianlu_xincun", ["administrative"], seeds)
    yearly = np.array(
        [
            m.metrics().groupby(m.metrics()["day"] // 365)["conflicts_parking"].sum().to_numpy()[:3]
            for m in base
        ]
    )
    rows.append(
        (
            "P1",
            "parking conflicts per year 1/2/3, administrative",
            " / ".join(fmt(yearly[:, k]) for k in range(3)),
        )
    )
    ic = runs("xianlu_xincun", ["issue_committee"], seeds)
    after, paired = [], []
    for m, b in zip(ic, base, strict=True):
        mech = m.mechanisms[-1]
        late = slice(mech.adopted_day + 1, 1096)
        after.append(m.metrics()["conflicts_parking"][late].sum())
        paired.append(b.metrics()["conflicts_parking"][late].sum())
    rows.append(
        (
            "P2",
            "parking conflicts from adoption to day 1096: committee vs baseline",
            f"{fmt(after)} vs {fmt(paired)}",
        )
    )
    f = []
    for s in seeds:
        m = CommunityModel(
            "zhijia_garden", rng=s, mechanisms=[configure("palm_community", {"launch_day": 0})]
        )
        f.append(m.run(1826)["palm_followers"].to_numpy())
    f = np.array(f)
    rows.append(
        (
            "P3",
            "Zhijia Garden followers at day 60 / 90 / 180 after launch",
            " / ".join(fmt(f[:, d]) for d in (60, 90, 180)),
        )
    )
    rows.append(
        (
            "P7",
            "Zhijia Garden followers per household after 4 / 5 years",
            " / ".join(fmt(f[:, d] / 850) for d in (1460, 1825)),
        )
    )
    palm = runs("xianlu_xincun", ["palm_community"], seeds)
    rows.append(
        (
            "P4",
            "explanation hours a day: baseline vs palm community",
            f"{fmt([m.metrics()['explanation_hours'].mean() for m in base])} vs "
            f"{fmt([m.metrics()['explanation_hours'].mean() for m in palm])}",
        )
    )
    for arm in CONSULTATION:
        ms = (
            palm
            if arm == "palm_community"
            else ic
            if arm == "issue_committee"
            else runs("xianlu_xincun", [arm], seeds)
        )
        part = [m.metrics()["participation_rate"].mean() for m in ms]
        ratio = [
            m.metrics()["participation_rate_elderly"].mean()
            / m.metrics()["participation_rate_nonelderly"].mean()
            for m in ms
        ]
        rows.append(
            (
                "P5",
                f"{arm}: participation (30-day share); elderly/non-elderly ratio",
                f"{fmt(part)}; {fmt(ratio)}",
            )
        )
    jm = runs("xianlu_xincun", ["joint_meeting"], seeds)
    att = [
        m.metrics()["meeting_attendance"][m.metrics()["meeting_attendance"] > 0].mean()
        / m.pop.n_households
        for m in jm
    ]
    every = runs("xianlu_xincun", "all", seeds)
    rows.append(
        (
            "P6",
            "joint-meeting attendance per household; max 30-day participation, all",
            f"{fmt(att)}; {fmt([m.metrics()['participation_rate'].max() for m in every])}",
        )
    )
    print("| pattern | measure | model (mean over seeds, range) |")
    print("|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")


if __name__ == "__main__":
    main()
