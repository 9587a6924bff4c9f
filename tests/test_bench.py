"""``cogov bench`` runs on tiny sizes and reports the expected fields (no timed assertions)."""

import json

from sim.bench import CASES, summarise, table
from sim.cli import main

NUMBERS = ("wall_s", "peak_mb", "self_peak_mb")


def test_quick_benchmark_json_has_every_case_and_field(capsys):
    assert main(["bench", "--quick", "--json", "--repeats", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["quick"] and report["repeats"] == 1
    assert {"cpu", "cores", "python", "numpy", "load_average"} <= set(report["machine"])
    cases = {c["name"]: c for c in report["cases"]}
    assert set(cases) == set(CASES)
    for c in cases.values():
        assert all(c[k] > 0 for k in NUMBERS), c["name"]
        assert "met" not in c  # targets are judged at full size only
    for name in (
        "community",
        "community_jm",
        "reference",
        "reference_50k",
        "district",
        "district_2w",
    ):
        assert {"residents", "days", "rate"} <= set(cases[name]), name
    assert cases["reference"]["speedup"] > 0 and cases["reference"]["reference_rate"] > 0
    assert cases["district_2w"]["workers"] == 2 and cases["district"]["communities"] == 4
    assert set(cases["sweep"]["sweep"]["wall_s"]) == {"1", "2"}
    assert {k["name"] for k in cases["classic"]["kernels"]} >= {"deffuant", "sir_final_size"}


def test_summary_takes_medians_and_judges_targets():
    reps = [
        {
            "wall_s": w,
            "rate": 3.2e6 * 1096 / w,
            "residents": 3200,
            "days": 1096,
            "peak_mb": m,
            "self_peak_mb": m,
        }
        for w, m in ((0.9, 200), (1.2, 210), (0.95, 190))
    ]
    row = summarise("community", reps)
    assert row["wall_s"] == 0.95 and row["wall_min_s"] == 0.9 and row["peak_mb"] == 210
    assert row["met"] is True
    assert summarise("community", reps[1:2])["met"] is False
    text = table({"cases": [row]})
    assert "| community | 3200 | 1096 | 0.95 (0.90) |" in text
