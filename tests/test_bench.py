"""``cogov bench``: the report's structure, case selection, the ratio arithmetic (with a fake
timer) and bad case names. Nothing here depends on how fast the machine is."""

import json
import os
import time

import pytest

from sim.bench import CASES, FIGURES, TARGETS, _cpu_seconds, alternate, summarise, table
from sim.cli import main


class FakeTimer:
    """A clock that moves on by ``step`` every time it is read."""

    def __init__(self, step=1.0):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def test_quick_benchmark_json_has_every_case_and_field(capsys):
    assert main(["bench", "--quick", "--json", "--repeats", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["quick"] and report["repeats"] == 1
    assert {"cpu", "cores", "python", "numpy", "load_average"} <= set(report["machine"])
    cases = {c["name"]: c for c in report["cases"]}
    assert list(cases) == list(CASES)
    for name, c in cases.items():
        assert c["peak_mb"] > 0 and all(s > 0 for s in c["seconds"].values()), name
        assert len(c["load_average"]) == 2 and all(len(x) == 3 for x in c["load_average"])
        figures = {f["figure"]: f for f in c["figures"]}
        assert set(figures) <= set(FIGURES) and "peak_mb" in figures, name
        for (case, key), (text, _, _) in TARGETS.items():
            if case == name:
                assert figures[key]["target"] == text  # printed beside its figure
        assert not any("met" in f for f in c["figures"]), name  # not judged at quick sizes
    for name, key in [
        ("community", "limit_multiple"),
        ("community_jm", "limit_multiple"),
        ("reference", "speedup"),
        ("reference_50k", "speedup"),
        ("district", "rate"),
        ("district", "unit_multiple"),
        ("district_2w", "rate"),
        ("district_2w", "core_rate"),
        ("district_2w", "core_share"),
        ("sweep", "replicates_per_core_s"),
        ("sweep", "pool_replicates_per_core_s"),
    ]:
        value = next(f["value"] for f in cases[name]["figures"] if f["figure"] == key)
        assert value > 0, (name, key)
    assert cases["district_2w"]["workers"] == 2 and cases["district"]["communities"] == 4
    two = {f["figure"]: f["value"] for f in cases["district_2w"]["figures"]}
    # The workers' measured CPU time is at most what two cores give in the wall time (plus
    # this process's own share of it: 5 % slack, more than its bookkeeping takes).
    assert two["core_share"] <= 1.05
    assert two["core_rate"] == pytest.approx(two["rate"] / (2 * two["core_share"]))
    assert {k["name"] for k in cases["classic"]["kernels"]} >= {"deffuant", "sir_final_size"}


def test_cases_are_chosen_by_name_in_the_order_given(capsys):
    assert main(["bench", "community_jm", "classic", "community_jm", "--quick", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in report["cases"]] == ["community_jm", "classic"]
    assert report["repeats"] == 3


@pytest.mark.parametrize(
    ("name", "hint"),
    [("comunity", "did you mean 'community'?"), ("xyz", "allowed: community, community_jm")],
)
def test_unknown_case_gives_one_message_and_exit_2(capsys, name, hint):
    assert main(["bench", "reference", name, "--quick"]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing ran
    assert f"unknown case {name!r}" in err and hint in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_alternate_times_in_turn_and_keeps_the_minimum_per_unit():
    calls = []
    durations = iter([4.0, 1.0, 2.0, 3.0, 6.0, 0.5])  # a, b, a, b, a, b

    class Clock:
        now = 0.0

        def __call__(self):
            return self.now

    clock = Clock()

    def workload(name, units):
        def work():
            calls.append(name)
            clock.now += next(durations)
            return units

        return work

    best = alternate({"a": workload("a", 2), "b": workload("b", 1)}, 3, clock)
    assert calls == ["a", "b", "a", "b", "a", "b"]
    assert best == {"a": 1.0, "b": 0.5}  # min(4, 2, 6) / 2 units; min(1, 3, 0.5) / 1


def test_case_ratios_are_the_ratios_of_their_timed_units():
    """With a clock that moves by 1 s per reading, each timed workload takes 1 s, so a figure
    is the ratio of the work counts: day / limit unit = limit units per round / days per round
    (5 / 3 at quick sizes), speed-up = 1 (equal days on both sides)."""
    community = CASES["community"](True, 2, FakeTimer())
    assert community["figures"]["limit_multiple"] == pytest.approx(5 / 3)
    assert community["seconds"] == {"day": pytest.approx(1 / 3), "limit_unit": pytest.approx(0.2)}
    assert CASES["reference"](True, 1, FakeTimer())["figures"]["speedup"] == pytest.approx(1.0)
    district = CASES["district"](True, 1, FakeTimer())
    n, days = district["residents"], district["days"]
    assert district["figures"]["rate"] == pytest.approx(n * days)  # one run a second
    # 1 s per district run over n x days resident-days, against 1/100 s per limit unit
    # (100 a round) on Xianlu Xincun's 3,200 residents.
    unit_per_resident = 0.01 / 3200
    assert district["figures"]["unit_multiple"] == pytest.approx(1 / (n * days) / unit_per_resident)


def test_targets_judged_on_figures_at_full_size_only():
    out = {"figures": {"limit_multiple": 1.5}, "peak_mb": 120.0, "seconds": {"day": 1e-3}}
    out["load_average"] = [[1.0, 1.0, 1.0], [2.0, 1.0, 1.0]]
    row = summarise("community", out)
    figures = {f["figure"]: f for f in row["figures"]}
    assert (
        figures["limit_multiple"]["met"] is True and figures["limit_multiple"]["target"] == "<= 2x"
    )
    assert "met" not in figures["peak_mb"]  # no memory target for this case
    worse = summarise("community", {**out, "figures": {"limit_multiple": 2.5}})
    assert worse["figures"][0]["met"] is False
    assert "met" not in summarise("community", out, quick=True)["figures"][0]
    mem = summarise("organisations_320k", {**out, "figures": {}, "peak_mb": 701.0})
    assert mem["figures"][0]["met"] is False
    text = table({"cases": [row, worse, mem]})
    assert (
        "| community | day / limit unit | 1.50x | <= 2x | pass | day 1 ms | 1.00 → 2.00 |" in text
    )
    assert "| 2.50x | <= 2x | fail |" in text and "| 701 MB | <= 700 MB | fail |" in text
    sweep = summarise("sweep", {**out, "figures": {"batched_gain": None}})
    assert "met" not in sweep["figures"][0]  # not measured: neither met nor failed
    assert "| not measured | >= 3x |  |" in table({"cases": [sweep]})


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads /proc")
def test_cpu_seconds_reads_a_process_cpu_time_and_none_for_a_gone_one():
    """``_cpu_seconds`` (the workers' CPU time of ``district_2w``) agrees with this process's
    own CPU time to the kernel's clock tick (10 ms at 100 Hz; 0.05 s slack for two ticks of
    rounding each side), and is None for a process that does not exist."""
    x = 0
    while time.process_time() < 0.3:  # some CPU time of our own, whatever the machine's speed
        x += 1
    before = time.process_time()
    mine = _cpu_seconds([os.getpid()])
    after = time.process_time()
    assert before - 0.05 <= mine <= after + 0.05
    assert _cpu_seconds([os.getpid(), 2**22 + 7]) is None  # above Linux's pid_max default
